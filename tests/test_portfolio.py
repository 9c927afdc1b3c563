"""The portfolio: one row per granted initiative, with the analytics layer's figures."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.access.permissions import User
from analytics.measures.milestones import delivery, milestones
from analytics.measures.statistics import matched_pairs, participation, wave_changes
from analytics.views.overview import overview
from analytics.views.portfolio import COLUMNS, portfolio
from tests.report_fixtures import small_initiative
from tests.users import ADMIN

AS_OF = dt.date(2026, 11, 1)


def test_an_admin_sees_every_initiative_with_its_figures(demo_store):
    table = portfolio(demo_store, User(login="a", role="admin"), as_of=AS_OF)
    assert list(table.columns) == COLUMNS
    assert sorted(table["initiative"]) == sorted(demo_store.initiatives()["name"])
    for row in table.itertuples():
        view = overview(demo_store, ADMIN, row.initiative_id)
        index = view.changes.set_index("scale")
        assert row.collective_impact == pytest.approx(index.loc["collective_impact", "mean"])
        assert row.partnering_change == pytest.approx(index.loc["partnering", "change"])
        part = participation(demo_store, ADMIN, row.initiative_id).iloc[-1]
        assert row.respondents == part["respondents"]
        assert row.active_partners == part["active_partners"]
        assert row.latest_wave == view.latest_wave
        done = delivery(milestones(demo_store, ADMIN, row.initiative_id), AS_OF)
        assert row.milestones_on_time == pytest.approx(done["share_on_time"])
        assert row.indicators == 3


def test_riverside_principles_show_their_real_changes(demo_store):
    """The words count the verdicts of wave_changes. Since issue 13 a change is real only when
    its BH-adjusted p is under 0.05 and it is at least the minimal important difference: none
    of Riverside's principles passes both from Mar to Sep 2026 (three had Welch p < 0.05)."""
    admin = User(login="a", role="admin")
    table = portfolio(demo_store, admin, as_of=AS_OF)
    riverside = table[table["initiative"] == "Riverside Early Years Alliance"].iloc[0]
    view = overview(demo_store, admin, int(riverside["initiative_id"]))
    changes = wave_changes(view.statistics, view.previous_wave, view.latest_wave)
    principles = changes[changes["scale_type"] == "principle"]
    assert (principles["p_value"] < 0.05).sum() == 3
    assert (principles["verdict"] == "no clear change").all()
    assert riverside["partnering_real_changes"] == "none"


@pytest.mark.parametrize("role", ["admin", "funder"])
def test_the_batched_real_changes_are_each_initiatives_wave_changes(demo_store, role):
    """The portfolio reads every initiative at once (issue 18); its real changes are still
    what wave_changes says of each initiative's previous and latest wave, with its matched
    respondents, as the reader may see them."""
    ids = frozenset(int(i) for i in demo_store.initiatives()["id"])
    user = User(login="r", role=role, initiative_ids=ids if role == "funder" else frozenset())
    table = portfolio(demo_store, user, as_of=AS_OF)
    assert len(table) == len(ids)
    for row in table.itertuples():
        view = overview(demo_store, user, row.initiative_id)
        pairs = matched_pairs(demo_store, user, row.initiative_id)
        changes = wave_changes(view.statistics, view.previous_wave, view.latest_wave, pairs)
        for family, index in (("condition", "collective_impact"), ("principle", "partnering")):
            verdicts = changes.loc[changes["scale_type"] == family, "verdict"].tolist()
            up, down = verdicts.count("improvement"), verdicts.count("decline")
            words = ", ".join(w for w in (f"{up} up" * bool(up), f"{down} down" * bool(down)) if w)
            assert getattr(row, f"{index}_real_changes") == (words or "none")
            mean = view.changes.set_index("scale").loc[index, "mean"]
            assert getattr(row, index) == pytest.approx(mean, abs=1e-12)


def test_a_funder_sees_only_granted_initiatives(demo_store, northgate):
    funder = User(login="f", role="funder", initiative_ids=frozenset({northgate}))
    table = portfolio(demo_store, funder, as_of=AS_OF)
    assert table["initiative"].tolist() == ["Northgate Housing Partnership"]


def test_a_funder_sees_no_figure_of_a_small_latest_wave(empty_store):
    initiative_id = small_initiative(empty_store)
    funder = User(login="f", role="funder", initiative_ids=frozenset({initiative_id}))
    row = portfolio(empty_store, funder, as_of=AS_OF).iloc[0]
    assert row["latest_wave"] == "W2"
    for column in ("collective_impact", "partnering", "respondents", "responding_partners"):
        assert row[column] is None or row[column] != row[column], column
    admin = portfolio(empty_store, User(login="a", role="admin"), as_of=AS_OF).iloc[0]
    assert admin["respondents"] == 3


def _page(name: str, demo_db_path, monkeypatch, login: str = "demo.admin"):
    from tests.users import open_app

    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))
    return open_app(login, timeout=120).switch_page(f"pages/{name}").run()


def test_portfolio_page_lists_the_initiatives(demo_db_path, monkeypatch):
    app = _page("portfolio.py", demo_db_path, monkeypatch)
    assert not app.exception and not app.error
    assert len(app.dataframe) == 1
    assert len(app.dataframe[0].value) == 3


def test_a_funders_portfolio_lists_the_initiatives_they_fund(demo_db_path, monkeypatch):
    app = _page("portfolio.py", demo_db_path, monkeypatch, login="demo.funder")
    assert not app.exception and not app.error
    assert sorted(app.dataframe[0].value["initiative"]) == [
        "Coastal Youth Employment Compact",
        "Riverside Early Years Alliance",
    ]


def test_reports_page_prepares_a_report_and_offers_exports(demo_db_path, monkeypatch):
    app = _page("reports.py", demo_db_path, monkeypatch)
    assert not app.exception and not app.error
    app.button(key="reports.prepare").click().run()
    assert not app.exception
    labels = [b.label for b in app.get("download_button")]
    assert "Download the PDF report" in labels
    assert labels.count("CSV") == 5 and labels.count("XLSX") == 5  # network measures too


def test_the_portfolio_for_reading_is_narrow_and_says_k_of_n(demo_store):
    from analytics.views.portfolio import portfolio_for_reading

    table = portfolio(demo_store, User(login="a", role="admin"), as_of=AS_OF)
    shown = portfolio_for_reading(table)
    assert len(shown.columns) == 10
    assert shown["indicators_on_track"].str.fullmatch(r"\d+ of \d+").all()
    assert shown["collective_impact"].str.fullmatch(r"\d\.\d\d( \([+-]\d\.\d\d\))?").all()
