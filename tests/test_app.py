"""The app as a script (AppTest): every page runs, and the overview shows the analytics."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.instrument import scale_label
from analytics.overview import overview
from tests.conftest import ROOT

PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture
def app(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_router_lists_every_page_file():
    router = (ROOT / "app.py").read_text(encoding="utf-8")
    for page in PAGES:
        assert f'"{page}"' in router, f"{page} is not routed by app.py"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(app: AppTest, page: str):
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title, f"{page} has no title"


def test_overview_cards_show_the_latest_wave_scores(app: AppTest, demo_store):
    name = app.selectbox(key="initiative").value
    view = overview(demo_store, demo_store.initiative_id(name))
    metrics = {m.label: m for m in app.metric}
    assert len(metrics) == 12
    for row in view.changes.itertuples():
        metric = metrics[scale_label(row.scale)]
        assert metric.value == f"{row.mean:.2f}"
        assert metric.delta == f"{row.change:+.2f}"


def test_picking_another_initiative_changes_the_overview(app: AppTest, demo_store):
    before = {m.label: m.value for m in app.metric}
    app.selectbox(key="initiative").select("Riverside Early Years Alliance").run()
    assert not app.exception
    view = overview(demo_store, demo_store.initiative_id("Riverside Early Years Alliance"))
    after = {m.label: m.value for m in app.metric}
    assert after != before
    ci = view.changes[view.changes["scale"] == "collective_impact"]["mean"].iloc[0]
    assert after["Collective Impact index"] == f"{ci:.2f}"
    # The choice is kept when moving to another page and back.
    app.switch_page("pages/about.py").run()
    assert app.selectbox(key="initiative").value == "Riverside Early Years Alliance"


def test_overview_offers_each_charts_data_for_download(app: AppTest):
    downloads = app.get("download_button")
    assert len(downloads) == 4  # two radars, two trend grids
    tables = app.dataframe
    assert len(tables) == 4
    assert list(tables[0].value.columns)[0] == "Scale"


def test_an_empty_database_shows_a_hint_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", str(tmp_path / "empty.duckdb"))
    monkeypatch.setenv("COMMON_MEASURE_DEMO", "false")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "no initiatives" in at.info[0].value
