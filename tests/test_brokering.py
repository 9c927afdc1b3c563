"""The broker's view (issue 15): phase models as data, phase history per model, health checks
and their disagreement with the survey, the log of what emerged and what a funder sees of it,
the report's section, and the command line's exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil

import pandas as pd
import pytest

from analytics.access.permissions import AccessDenied
from analytics.demo.stories import load_brokering, load_stories
from analytics.errors import ImportRefused
from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures import health, outcomes, phases
from analytics.measures.suppression import conceal_entries
from analytics.reports.build import report_content
from analytics.store.schema import PHASES
from tests.test_cli import run
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores

D = dt.date
RIVERSIDE = "Riverside Early Years Alliance"
NORTHGATE = "Northgate Housing Partnership"
COASTAL = "Coastal Youth Employment Compact"


# -- phase models -----------------------------------------------------------------------------


def test_the_three_phase_models_are_data_with_their_stages():
    models = phases.phase_models()
    assert list(models) == ["fsg", "cif", "partnering"]
    assert models["fsg"].phases == PHASES
    assert len(models["cif"].phases) == 5
    cycle = models["partnering"]
    assert len(cycle.phases) == 12 and len(cycle.stages) == 4
    assert [s.name for s in cycle.stages] == [
        "scoping and building",
        "managing and maintaining",
        "reviewing and revising",
        "sustaining outcomes",
    ]
    assert cycle.stage_of("sustaining or terminating").name == "sustaining outcomes"
    for model in models.values():
        assert model.source
        for stage in model.stages:
            assert stage.asks and len(stage.questions) >= 2


def test_a_phase_named_twice_or_a_changed_fsg_model_is_refused(tmp_path):
    text = phases.PHASE_MODELS_FILE.read_text()
    twice = tmp_path / "twice.toml"
    twice.write_text(text.replace('"identifying", "building"', '"scoping", "building"'))
    with pytest.raises(ValueError, match="named twice"):
        phases.load_phase_models(twice)
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(text.replace('phases = ["initiate action"]', 'phases = ["begin"]', 1))
    with pytest.raises(ValueError, match="fsg"):
        phases.load_phase_models(renamed)


def test_stage_on_a_day_gives_phase_days_stage_and_next():
    model = phases.phase_model_of("partnering")
    history = pd.DataFrame(
        [("scoping", D(2024, 1, 1), D(2024, 3, 31)), ("identifying", D(2024, 4, 1), None)],
        columns=["phase", "start_date", "end_date"],
    )
    before = phases.stage_on(history, model, D(2023, 12, 31))
    assert before.phase is None and before.next_phase == "scoping"
    now = phases.stage_on(history, model, D(2024, 4, 11))
    assert (now.phase, now.since, now.days_in_phase) == ("identifying", D(2024, 4, 1), 10)
    assert now.stage.name == "scoping and building" and now.next_phase == "building"
    then = phases.stage_on(history, model, D(2024, 2, 1))
    assert then.phase == "scoping"


def test_changing_model_keeps_every_history_each_shown_in_its_own(writable_demo_store):
    store = writable_demo_store
    coastal = store.initiative_id(COASTAL)
    backbone = as_role("backbone", coastal)
    assert phases.current_model(store, ADMIN, coastal).key == "fsg"
    fsg = phases.phases(store, ADMIN, coastal)["phase"].tolist()
    phases.set_phase_model(store, coastal, "partnering", user=ADMIN)
    shown = phases.phases(store, ADMIN, coastal)
    assert shown["phase"].tolist() == ["scoping", "identifying", "building", "planning"]
    phases.start_phase(store, coastal, "managing", D(2026, 11, 2), user=backbone, note="Go")
    shown = phases.phases(store, ADMIN, coastal)
    assert shown["phase"].tolist()[-1] == "managing"
    assert shown["end_date"].tolist()[-2] == D(2026, 11, 1)
    assert shown[["note", "recorded_by"]].iloc[-1].tolist() == ["Go", "test.backbone"]
    with pytest.raises(ImportRefused, match="not one of the phases"):
        phases.start_phase(store, coastal, "organise for impact", D(2027, 1, 1), user=ADMIN)
    history = phases.phase_history(store, ADMIN, coastal)
    assert set(history["phase_model"]) == {"fsg", "cif", "partnering"}
    phases.set_phase_model(store, coastal, "fsg", user=ADMIN)
    assert phases.phases(store, ADMIN, coastal)["phase"].tolist() == fsg
    with pytest.raises(ImportRefused, match="not a phase model"):
        phases.set_phase_model(store, coastal, "waterfall", user=ADMIN)
    actions = store.read_df("SELECT action FROM audit_log WHERE initiative_id = ?", [coastal])
    assert (actions["action"] == "set phase model").sum() == 2


def test_only_a_backbone_or_admin_changes_the_model_or_phase(writable_demo_store):
    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    before = store.table_counts()
    for role in ("broker", "funder"):
        with pytest.raises(AccessDenied):
            phases.set_phase_model(store, riverside, "cif", user=as_role(role, riverside))
        with pytest.raises(AccessDenied):
            phases.start_phase(store, riverside, "managing", D(2030, 1, 1), user=as_role(role))
    assert store.table_counts() == before


def test_a_funder_sees_the_phases_without_notes_or_authors(demo_store, riverside):
    shown = phases.phases(demo_store, as_role("funder", riverside), riverside)
    assert list(shown.columns) == ["phase", "start_date", "end_date"]
    with pytest.raises(AccessDenied):
        phases.phase_history(demo_store, as_role("funder", riverside), riverside)


# -- health checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "band", "flagged"),
    [
        ("red", "strength", True),
        ("amber", "strength", True),
        ("green", "strength", False),
        ("green", "concern", True),
        ("amber", "concern", False),
        ("red", "concern", False),
        ("green", "borderline", False),
        ("red", "borderline", False),
        ("red", None, False),
        (None, "strength", False),
    ],
)
def test_a_check_disagrees_with_the_survey_when_it_sees_the_other_side(rating, band, flagged):
    assert (health.disagrees(rating, band) is not None) == flagged


def _ratings(rating: str = "amber", **special: str) -> list[health.Rating]:
    return [health.Rating(p, special.get(p, rating), f"said about {p}") for p in PRINCIPLES]


def test_a_health_check_is_stored_whole_with_its_phase_and_audited(writable_demo_store):
    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    broker = as_role("broker", riverside)
    ratings = [*_ratings(equity="red"), health.Rating("Is the pathway shared?", "green", "yes")]
    ratings[0] = health.Rating("equity", "red", "Parents not asked", "Ask the parent panel")
    health.record_health_check(store, riverside, D(2026, 11, 20), ratings, user=broker)
    checks = health.health_checks(store, ADMIN, riverside)
    latest = checks[checks["check_id"] == checks["check_id"].max()]
    assert len(latest) == 6
    assert latest["phase"].iloc[0] == "revising"  # Riverside is told in the partnering cycle
    assert not latest["is_principle"].iloc[-1]
    steps = health.open_actions(checks)
    assert steps["next_step"].tolist() == ["Ask the parent panel"]
    assert steps["about"].tolist() == ["Equity"]
    grid = health.history_grid(checks)
    assert list(grid.index) == list(PRINCIPLES.values())
    assert grid.loc["Equity"].iloc[-1] == "red"
    against = health.check_against_survey(store, ADMIN, riverside)
    assert against["check_date"].tolist() == [D(2026, 11, 20)] * 5
    logged = store.read_df(
        "SELECT actor, row_count FROM audit_log WHERE action = 'record health check'"
    )
    assert logged.values.tolist() == [["test.broker", 6]]


@pytest.mark.parametrize(
    ("ratings", "reason"),
    [
        (_ratings()[:4], "missing: Having courage"),
        ([*_ratings()[:4], health.Rating("having_courage", "purple")], "not a rating"),
        ([*_ratings(), health.Rating("equity", "green")], "rated twice"),
    ],
)
def test_an_incomplete_health_check_is_refused_whole(writable_demo_store, ratings, reason):
    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    before = store.table_counts()
    with pytest.raises(ImportRefused, match=reason):
        health.record_health_check(store, riverside, D(2026, 11, 20), ratings, user=ADMIN)
    with pytest.raises(AccessDenied):
        health.record_health_check(
            store, riverside, D(2026, 11, 20), _ratings(), user=as_role("funder", riverside)
        )
    assert store.table_counts() == before


def test_the_latest_check_is_flagged_against_the_latest_survey(writable_demo_store):
    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    before = health.check_against_survey(store, ADMIN, riverside)
    strength = before.loc[before["survey_band"] == "strength", "principle"].tolist()
    assert strength, "Riverside's latest survey has a principle in the strength band"
    health.record_health_check(store, riverside, D(2026, 11, 20), _ratings("red"), user=ADMIN)
    after = health.check_against_survey(store, ADMIN, riverside)
    flagged = after.loc[after["disagreement"].notna(), "principle"].tolist()
    assert flagged == strength


def test_a_funder_sees_principle_ratings_only(demo_store, northgate, riverside):
    funder = as_role("funder", riverside)
    checks = health.health_checks(demo_store, funder, riverside)
    assert checks["is_principle"].all()
    assert not {"note", "next_step", "recorded_by"} & set(checks.columns)
    assert set(checks["rating"]) <= {"red", "amber", "green"}
    with pytest.raises(AccessDenied):
        health.health_checks(demo_store, funder, northgate)


# -- what emerged --------------------------------------------------------------------------------


def _log(**rows) -> pd.DataFrame:
    base = {
        "id": 1,
        "date": D(2025, 1, 1),
        "kind": "outcome",
        "title": "t",
        "change": "c",
        "confirmed_by": "Ann Smith",
        "confirmed": True,
        "names_people": False,
        "shareable": False,
        "recorded_by": "a broker",
    }
    return pd.DataFrame([{**base, **row} for row in rows.values()])


def test_a_funder_sees_confirmed_outcomes_without_names_unless_shared():
    log = _log(
        plain={"id": 1},
        unconfirmed={"id": 2, "confirmed": False, "confirmed_by": ""},
        named={"id": 3, "names_people": True},
        decision={"id": 4, "kind": "decision", "confirmed": False},
        shared_unconfirmed={"id": 5, "confirmed": False, "shareable": True},
        shared_named={"id": 6, "names_people": True, "shareable": True},
    )
    funder = as_role("funder", 1)
    shown = conceal_entries(log, funder)
    assert shown["id"].tolist() == [1, 5, 6]
    assert shown.set_index("id")["confirmed_by"].to_dict() == {
        1: "",
        5: "Ann Smith",
        6: "Ann Smith",
    }
    assert "recorded_by" not in shown.columns
    for role in ("admin", "backbone", "broker"):
        assert conceal_entries(log, as_role(role, 1)).equals(log)


def test_entries_are_checked_tagged_with_their_phase_and_audited(writable_demo_store):
    store = writable_demo_store
    northgate = store.initiative_id(NORTHGATE)
    broker = as_role("broker", northgate)
    entry = outcomes.Entry(
        "decision",
        D(2026, 11, 3),
        "Tenants chair one meeting in three",
        change="We noticed tenants speak more when one of them chairs.",
        decided="We decided a tenant chairs one steering group in three.",
        principles=("equity",),
    )
    outcomes.record_entry(store, northgate, entry, user=broker)
    log = outcomes.entries(store, ADMIN, northgate)
    first = log.iloc[0]
    assert first["title"] == entry.title and first["phase"] == "organise for impact"
    assert first["phase_model"] == "cif" and first["recorded_by"] == "test.broker"
    bad = outcomes.Entry("outcome", D(2026, 1, 1), " ", conditions=("speed",), confirmed=True)
    problems = outcomes.entry_problems(bad)
    assert any("title" in p for p in problems) and any("speed" in p for p in problems)
    assert any("who confirmed" in p for p in problems) and any(
        "what changed" in p for p in problems
    )
    with pytest.raises(ImportRefused):
        outcomes.record_entry(store, northgate, bad, user=broker)
    with pytest.raises(AccessDenied):
        outcomes.mark_shareable(store, northgate, int(first["id"]), True, user=broker)
    outcomes.mark_shareable(
        store, northgate, int(first["id"]), True, user=as_role("backbone", northgate)
    )
    funder = as_role("funder", northgate)
    assert entry.title in set(outcomes.entries(store, funder, northgate)["title"])
    actions = store.read_df("SELECT action FROM audit_log WHERE initiative_id = ?", [northgate])
    assert {"record decision", "share entry with funders"} <= set(actions["action"])


def test_confirming_an_outcome_shows_it_to_a_funder(writable_demo_store):
    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    funder = as_role("funder", riverside)
    log = outcomes.entries(store, ADMIN, riverside)
    waiting = log[(log["kind"] == "outcome") & ~log["confirmed"] & ~log["names_people"]]
    target = waiting.iloc[0]
    assert target["title"] not in set(outcomes.entries(store, funder, riverside)["title"])
    with pytest.raises(ImportRefused, match="who confirmed"):
        outcomes.confirm_entry(store, riverside, int(target["id"]), " ", user=ADMIN)
    outcomes.confirm_entry(store, riverside, int(target["id"]), "Analyst", user=ADMIN)
    seen = outcomes.entries(store, funder, riverside).set_index("title")
    assert target["title"] in seen.index and seen.loc[target["title"], "confirmed_by"] == ""


def test_filter_and_export_keep_the_contract_columns(demo_store, riverside):
    log = outcomes.entries(demo_store, ADMIN, riverside)
    equity = outcomes.filter_entries(log, principle="equity")
    assert len(equity) and all("equity" in tags for tags in equity["principles"])
    decisions = outcomes.filter_entries(log, kinds=["decision"])
    assert set(decisions["kind"]) == {"decision"}
    confirmed = outcomes.filter_entries(log, confirmed_only=True)
    assert confirmed["confirmed"].all()
    table = outcomes.export_frame(log)
    assert table.columns.tolist()[:11] == [
        "date", "kind", "title", "change", "for_whom", "significance", "contribution",
        "confirmed", "conditions", "principles", "phase",
    ]  # fmt: skip
    assert table["date"].is_monotonic_increasing


def test_an_initiative_with_nothing_recorded_reads_empty(empty_store):
    from analytics.store.connection import Store
    from analytics.views.brokering import brokering_view

    with empty_store.transaction() as cursor:
        new = Store.create_initiative(cursor, "New", Store.default_instrument_in(cursor))
    for user in (ADMIN, as_role("funder", new)):
        log = outcomes.entries(empty_store, user, new)
        assert log.empty and "kind" in log.columns
        assert outcomes.filter_entries(log, kinds=["outcome"], principle="equity").empty
        assert outcomes.export_frame(log).columns.tolist()[:3] == ["date", "kind", "title"]
        checks = health.health_checks(empty_store, user, new)
        assert checks.empty and "rating" in checks.columns
        assert health.check_against_survey(empty_store, user, new)["rating"].isna().all()
    view = brokering_view(empty_store, ADMIN, new)
    assert view.stage.phase is None and view.disagreements == 0 and view.next_steps.empty


# -- the demo ------------------------------------------------------------------------------------


def test_the_demo_tells_each_story_through_the_brokers_eyes(demo_store):
    plans = {plan.name: plan for plan in load_brokering()}
    assert list(plans) == [story.name for story in load_stories()]
    models = phases.phase_models()
    for plan in plans.values():
        assert {p.model for p in plan.phases} | {"fsg"} == set(models)
        for p in plan.phases:
            assert p.phase in models[p.model].phases, (plan.name, p.phase)
        assert 10 <= len(plan.entries) <= 14, plan.name
        kinds = {entry.kind for entry, _ in plan.entries}
        assert kinds == {"outcome", "decision"}, plan.name
        for entry, _ in plan.entries:
            assert not outcomes.entry_problems(entry), entry.title
            assert set(entry.conditions) <= set(CONDITIONS)
        assert plan.health_checks
    northgate = demo_store.initiative_id(NORTHGATE)
    checks = health.health_checks(demo_store, ADMIN, northgate)
    equity = checks[checks["principle"] == "equity"]["rating"].tolist()
    assert equity.count("red") >= 3  # the equity gap, seen by partners too
    riverside = demo_store.initiative_id(RIVERSIDE)
    checks = health.health_checks(demo_store, ADMIN, riverside)
    greens = (
        checks[checks["is_principle"]]
        .groupby("check_id")["rating"]
        .apply(lambda r: (r == "green").sum())
    )
    assert greens.iloc[-1] > greens.iloc[0]  # Riverside improving
    assert "red" not in set(checks["rating"])
    coastal = demo_store.initiative_id(COASTAL)
    stage = phases.current_stage(demo_store, ADMIN, coastal, D(2026, 11, 1))
    assert stage.phase == "organise for impact"  # Coastal early


# -- the report ------------------------------------------------------------------------------------


def _section(content):
    return next(s for s in content.sections if s.title == "How the partnership is working")


def test_the_report_says_how_the_partnership_is_working_concealed_for_a_funder(
    demo_store, riverside
):
    full = _section(report_content(demo_store, ADMIN, riverside))
    funder = as_role("funder", riverside)
    concealed = _section(report_content(demo_store, funder, riverside))
    assert "revising" in full.paragraphs[0] and "revising" in concealed.paragraphs[0]
    log = outcomes.entries(demo_store, ADMIN, riverside)
    hidden = log[
        ~log["shareable"] & ((log["kind"] == "decision") | ~log["confirmed"] | log["names_people"])
    ]
    assert len(hidden)
    full_titles = {row[2] for row in full.tables[-1].rows}
    shown_titles = {row[2] for row in concealed.tables[-1].rows}
    assert set(hidden["title"]) <= full_titles
    assert not set(hidden["title"]) & shown_titles
    text = repr(concealed)
    for secret in [*log["confirmed_by"], *log["recorded_by"]]:
        if secret:
            assert secret not in text
    notes = health.health_checks(demo_store, ADMIN, riverside)["note"]
    assert not any(note in text for note in notes if note)
    assert "What partners said" in full.tables[0].columns
    assert "What partners said" not in concealed.tables[0].columns


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli_db(demo_db_path, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copyfile(demo_db_path, path)
    return path


def test_cli_builds_the_demo_once(tmp_path):
    path = tmp_path / "demo.duckdb"
    code, out, _ = run("demo", "--db", path)
    assert code == 0 and "Wrote the demo database" in out
    code, _, err = run("demo", "--db", path)
    assert code == 2
    assert err.count("\n") == 1 and "exists already" in err and "Traceback" not in err
    assert run("outcomes", "export", "--initiative", COASTAL, "--db", path)[0] == 0


def test_cli_exports_outcomes_as_csv_and_json(cli_db):
    code, out, _ = run("outcomes", "export", "--initiative", NORTHGATE, "--db", cli_db)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 12
    assert list(rows[0])[:11] == [
        "date", "kind", "title", "change", "for_whom", "significance", "contribution",
        "confirmed", "conditions", "principles", "phase",
    ]  # fmt: skip
    assert {r["kind"] for r in rows} == {"outcome", "decision"}
    args = ["outcomes", "export", "--initiative", NORTHGATE, "--format", "json"]
    code, out, _ = run(*args, "--db", cli_db)
    assert code == 0
    records = json.loads(out)
    assert records[0]["date"] == rows[0]["date"] and len(records) == 12


def test_cli_exports_health_checks_one_row_per_check_and_principle(cli_db):
    args = ["health-checks", "export", "--initiative", RIVERSIDE, "--db", cli_db]
    code, out, _ = run(*args)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:4] == ["date", "principle", "rating", "note"]
    assert {r["rating"] for r in rows} <= {"red", "amber", "green"}
    assert {r["principle"] for r in rows} >= set(PRINCIPLES)
    code, out, _ = run(*args, "--format", "json")
    assert code == 0 and len(json.loads(out)) == len(rows)


def test_cli_neutralises_formulas_in_the_outcomes_csv(cli_db):
    from analytics.store.connection import forget_store, open_store

    store = open_store(cli_db)
    coastal = store.initiative_id(COASTAL)
    outcomes.record_entry(
        store,
        coastal,
        outcomes.Entry("outcome", D(2026, 11, 1), "=HYPERLINK(1)", change="+1"),
        user=ADMIN,
    )
    forget_store(cli_db)
    code, out, _ = run("outcomes", "export", "--initiative", COASTAL, "--db", cli_db)
    assert code == 0
    assert "'=HYPERLINK(1)" in out and ",'+1," in out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["outcomes", "export", "--initiative", "Nowhere"], "no initiative named"),
        (["health-checks", "export", "--initiative", RIVERSIDE, "--format", "xml"], ""),
        (["outcomes", "export"], ""),
    ],
)
def test_cli_export_usage_errors_exit_2(cli_db, args, reason):
    code, _, err = run(*args, "--db", cli_db)
    assert code == 2
    assert reason in err and "Traceback" not in err


def test_cli_export_of_a_missing_database_exits_2(tmp_path):
    code, _, err = run(
        "health-checks", "export", "--initiative", RIVERSIDE, "--db", tmp_path / "x.db"
    )
    assert code == 2 and "no database" in err
