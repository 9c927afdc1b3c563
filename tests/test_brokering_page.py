"""The Brokering page and the Timeline's outcomes, per role (AppTest)."""

from __future__ import annotations

import pytest

from analytics.views.tables import heading
from tests.users import open_app

CODE_COLUMNS = ("date", "kind", "title", "confirmed", "shareable", "confirmed_by")

pytestmark = pytest.mark.app


@pytest.fixture
def db(demo_db_path, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))
    return demo_db_path


def _text(app) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "title", "info", "warning", "subheader")
        for e in getattr(app, kind)
    ]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("role", ["admin", "backbone", "broker"])
def test_brokers_backbones_and_admins_see_where_the_partnership_stands(db, role):
    app = open_app(f"demo.{role}")
    app.switch_page("pages/brokering.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Brokering"
    text = _text(app)
    assert "Where the partnership stands" in text
    assert "What this stage asks of the broker" in text
    assert "Health check against the latest survey" in text
    assert "What emerged" in text
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Phase"] and metrics["Time in phase"] != "-"
    keys = {s.key for s in app.selectbox}
    assert "brokering.check.by" in keys  # every one of these roles records health checks
    assert "brokering.e.kind" in keys  # ... and outcomes and decisions
    assert ("brokering.model.key" in keys) == (role in ("admin", "backbone"))


def test_a_funder_is_refused_the_brokering_page(db):
    app = open_app("demo.funder")
    app.switch_page("pages/brokering.py").run()
    assert not app.exception
    assert any("does not allow this page" in e.value for e in app.error)
    assert not app.dataframe and not app.metric


def test_a_broker_records_a_health_check_from_the_page(db, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db, copy)
    monkeypatch.setenv("COMMON_MEASURE_DB", str(copy))
    app = open_app("demo.broker")
    app.switch_page("pages/brokering.py").run()
    app.selectbox(key="brokering.check.r0").select("red")
    app.text_input(key="brokering.check.n0").input("Parents were not asked.")
    next(b for b in app.button if b.label == "Save the check").click().run()
    assert not app.exception, app.exception
    from analytics.measures.health import health_checks
    from analytics.store.connection import forget_store, open_store
    from tests.users import ADMIN

    store = open_store(copy)
    riverside = store.initiative_id("Riverside Early Years Alliance")
    checks = health_checks(store, ADMIN, riverside)
    latest = checks[checks["check_id"] == checks["check_id"].max()]
    assert latest.iloc[0][["principle", "rating", "note"]].tolist() == [
        "equity",
        "red",
        "Parents were not asked.",
    ]
    assert latest["recorded_by"].iloc[0] == "Demo broker"
    forget_store(copy)


@pytest.mark.parametrize("role", ["admin", "backbone", "broker", "funder"])
def test_the_timeline_shows_what_emerged_as_the_role_may_see_it(db, role):
    app = open_app(f"demo.{role}")
    app.switch_page("pages/timeline.py").run()
    assert not app.exception, app.exception
    figure = app.get("plotly_chart")[0].proto.spec
    assert "What emerged" in figure
    shown = app.dataframe[1].value
    # The table shows headings in words (views.tables.heading); read it back by the data's names.
    log = shown.rename(columns={heading(c): c for c in CODE_COLUMNS})
    assert {"date", "kind", "title", "confirmed"} <= set(log.columns)
    if role == "funder":
        assert set(log["kind"]) <= {"outcome", "decision"}
        plain = log[~log["shareable"].astype(bool)]
        assert plain["confirmed"].astype(bool).all() and (plain["kind"] == "outcome").all()
        assert (plain["confirmed_by"] == "").all()
    else:
        assert "decision" in set(log["kind"])
