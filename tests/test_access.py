"""Who may see and do what: every analytics read and write takes the user and refuses what the
role or grant does not allow, and a funder only ever gets concealed aggregates."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from dataclasses import fields, is_dataclass

import pandas as pd
import pytest

import analytics
from analytics.access.permissions import GUARDED, ROW_LEVEL_COLUMNS, AccessDenied, Permission, User
from analytics.ingest import aliases, commit, values
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.measures import milestones, network, scoring, statistics, suppression
from analytics.measures.suppression import conceal
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores

RIVERSIDE, NORTHGATE, COASTAL = (
    "Riverside Early Years Alliance",
    "Northgate Housing Partnership",
    "Coastal Youth Employment Compact",
)
# Public functions over the store that are not reads or writes for a person.
NOT_FOR_A_PERSON = {
    "analytics.demo.fill.fill_demo",  # fills a new demo database, before anyone exists
    "analytics.demo.fill.fill_if_new",
    # The measures layer's cache of unconcealed statistics: only analytics.measures calls them
    # (test_house_rules), and every function there that returns them conceals for its reader.
    "analytics.measures.scoring.stored_statistics",
    "analytics.measures.scoring.stored_paired_statistics",
    "analytics.measures.scoring.stored_crossed_counts",
    "analytics.measures.scoring.suppressed_breakdown",
    "analytics.store.connection.open_store",
    "analytics.store.connection.forget_store",
    "analytics.access.accounts.load_user",  # the router: which account a session holds
    "analytics.access.accounts.has_accounts",
    "analytics.access.accounts.demo_accounts",
    "analytics.access.accounts.authenticate",
    "analytics.access.accounts.user_for_email",
    "analytics.access.accounts.insert_account",  # inside a caller's transaction (add_user, the demo)
    "analytics.access.accounts.sign_out",  # audits the user's own sign-out
    # Sessions (issue 19): the router's bookkeeping of who a browser is, before any check.
    "analytics.access.sessions.session_key",
    "analytics.access.sessions.start_session",
    "analytics.access.sessions.end_session",
    "analytics.access.sessions.resume_session",
    "analytics.access.sessions.session_ended_because",
}


def _public_store_functions():
    for info in pkgutil.walk_packages(analytics.__path__, "analytics."):
        if info.name == "analytics.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] in {"store", "db"}:
                yield f"{module.__name__}.{name}", function


def test_every_analytics_function_over_the_store_takes_the_user_and_checks_it():
    found = dict(_public_store_functions())
    assert len(found) > 25
    for name, function in found.items():
        if name in NOT_FOR_A_PERSON:
            continue
        assert "user" in inspect.signature(function).parameters, f"{name} takes no user"
        source = inspect.getsource(inspect.unwrap(function))
        checks = name in GUARDED or "require(user" in source or "initiatives_for(" in source
        assert checks, f"{name} does not check the user's permission"


def _small_wave(store, initiative: str, respondents: int = 3) -> None:
    """A wave of `respondents` people (fewer than the suppression threshold)."""
    items = load_instrument_csv()
    header = "respondent_id,organisation,sector,role,submitted_at," + ",".join(
        i.item_id for i in items
    )
    rows = [
        f"s{n},Small Org {n},nonprofit,Staff,2026-11-20," + ",".join(["4"] * len(items))
        for n in range(respondents)
    ]
    data = ("\n".join([header, *rows]) + "\n").encode()
    table = read_survey(data, "small.csv")
    prepared = validate(table, propose_mapping(table, items), items, data=data, wave="Tiny")
    commit_import(store, Target(initiative), prepared, user=ADMIN)


def _frames(result) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    if isinstance(result, dict):
        return [frame for frame in result.values() if isinstance(frame, pd.DataFrame)]
    if is_dataclass(result):
        return [
            getattr(result, f.name)
            for f in fields(result)
            if isinstance(getattr(result, f.name), pd.DataFrame)
        ]
    return []


def _reads(store, user: User, initiative_id: int):
    """Every read a funder may make, called once each (name -> result)."""
    from analytics.ingest.commit import initiative_instrument, instrument_items
    from analytics.measures import (
        health,
        indicators,
        milestones,
        network,
        outcomes,
        phases,
        scoring,
        statistics,
    )
    from analytics.views import exports, overview, portfolio, scale_view

    view = scale_view.scale_view(store, user, initiative_id, "principle", "equity")
    waves = store.waves(initiative_id)
    tiny_wave = (
        int(waves.loc[waves["label"] == "Tiny", "id"].iloc[0])
        if "Tiny" in set(waves["label"])
        else int(waves["id"].iloc[-1])
    )
    calls = {
        "analytics.measures.scoring.initiative_statistics": lambda: scoring.initiative_statistics(
            store, user, initiative_id
        ),
        "analytics.measures.scoring.initiative_statistics(by=role)": lambda: (
            scoring.initiative_statistics(store, user, initiative_id, by="role")
        ),
        "analytics.measures.statistics.reliability": lambda: statistics.reliability(
            store, user, initiative_id
        ),
        "analytics.measures.statistics.breakdown_statistics": lambda: (
            statistics.breakdown_statistics(store, user, initiative_id, "sector")
        ),
        "analytics.views.exports.changes_export": lambda: exports.changes_export(
            store, user, initiative_id
        ),
        "analytics.measures.statistics.matched_pairs": lambda: statistics.matched_pairs(
            store, user, initiative_id
        ),
        "analytics.measures.statistics.participation": lambda: statistics.participation(
            store, user, initiative_id
        ),
        "analytics.measures.statistics.participation_by_sector": lambda: (
            statistics.participation_by_sector(store, user, initiative_id)
        ),
        "analytics.measures.statistics.item_distributions": lambda: statistics.item_distributions(
            store, user, initiative_id
        ),
        "analytics.views.overview.overview": lambda: overview.overview(store, user, initiative_id),
        "analytics.views.overview.highlights": lambda: overview.highlights(
            store, user, initiative_id
        ),
        "analytics.views.scale_view.scale_view": lambda: view,
        "analytics.views.scale_view.distribution": lambda: scale_view.distribution(
            store, user, view, initiative_id, "Tiny"
        ),
        "analytics.measures.statistics.group_item_distributions": lambda: (
            statistics.group_item_distributions(
                store, user, initiative_id, "sector", "nonprofit", view.waves[-2]
            )
        ),
        "analytics.measures.statistics.group_item_distributions(Tiny)": lambda: (
            statistics.group_item_distributions(
                store, user, initiative_id, "sector", "nonprofit", "Tiny"
            )
        ),
        "analytics.views.scale_view.group_distribution": lambda: scale_view.group_distribution(
            store, user, view, initiative_id, view.waves[-2], "sector", "nonprofit"
        ),
        "analytics.views.scale_view.group_distribution(Tiny)": lambda: (
            scale_view.group_distribution(
                store, user, view, initiative_id, "Tiny", "sector", "nonprofit"
            )
        ),
        "analytics.measures.statistics.filter_groups": lambda: pd.DataFrame(
            {"group": statistics.filter_groups(store, user, initiative_id, "role")}
        ),
        "analytics.measures.statistics.filtered_statistics": lambda: statistics.filtered_statistics(
            store, user, initiative_id, "sector", "nonprofit"
        ),
        "analytics.measures.statistics.filtered_statistics(role)": lambda: (
            statistics.filtered_statistics(store, user, initiative_id, "role", "Staff")
        ),
        "analytics.measures.statistics.filtered_reliability": lambda: (
            statistics.filtered_reliability(store, user, initiative_id, "sector", "nonprofit")
        ),
        "analytics.measures.statistics.participation(sector)": lambda: statistics.participation(
            store, user, initiative_id, "sector", "nonprofit"
        ),
        "analytics.measures.statistics.participation(role)": lambda: statistics.participation(
            store, user, initiative_id, "role", "Staff"
        ),
        "analytics.measures.statistics.participation_by_sector(role)": lambda: (
            statistics.participation_by_sector(store, user, initiative_id, "role", "Staff")
        ),
        "analytics.views.scale_view.scale_view(sector)": lambda: scale_view.scale_view(
            store, user, initiative_id, "principle", "equity", "sector", "nonprofit"
        ),
        "analytics.views.scale_view.distribution(sector, Tiny)": lambda: scale_view.distribution(
            store,
            user,
            scale_view.scale_view(
                store, user, initiative_id, "principle", "equity", "sector", "nonprofit"
            ),
            initiative_id,
            "Tiny",
        ),
        "analytics.views.scale_view.heatmap_table": lambda: scale_view.heatmap_table(
            store, user, initiative_id, "principle", "role", "Tiny"
        ),
        "analytics.views.scale_view.gaps_for": lambda: scale_view.gaps_for(
            store, user, initiative_id, "equity", view.waves[-2]
        ),
        "analytics.measures.indicators.indicators": lambda: indicators.indicators(
            store, user, initiative_id
        ),
        "analytics.measures.indicators.indicator_statuses": lambda: indicators.indicator_statuses(
            store, user, initiative_id
        ),
        "analytics.measures.indicators.observations": lambda: indicators.observations(
            store,
            user,
            initiative_id,
            int(indicators.indicators(store, user, initiative_id)["id"].iloc[0]),
        ),
        "analytics.measures.indicators.progress_points": lambda: indicators.progress_points(
            store, user, initiative_id
        ),
        "analytics.measures.milestones.milestones": lambda: milestones.milestones(
            store, user, initiative_id
        ),
        "analytics.measures.phases.phases": lambda: phases.phases(store, user, initiative_id),
        "analytics.measures.phases.current_model": lambda: phases.current_model(
            store, user, initiative_id
        ),
        "analytics.measures.phases.current_stage": lambda: phases.current_stage(
            store, user, initiative_id
        ),
        "analytics.measures.health.health_checks": lambda: health.health_checks(
            store, user, initiative_id
        ),
        "analytics.measures.health.check_against_survey": lambda: health.check_against_survey(
            store, user, initiative_id
        ),
        "analytics.measures.outcomes.entries": lambda: outcomes.entries(store, user, initiative_id),
        "analytics.ingest.commit.initiative_instrument": lambda: initiative_instrument(
            store, user, initiative_id
        ),
        "analytics.ingest.commit.instrument_items": lambda: instrument_items(
            store, user, initiative_id
        ),
        "analytics.views.exports.scores_export": lambda: exports.scores_export(
            store, user, initiative_id, by="role"
        ),
        "analytics.views.exports.milestones_export": lambda: exports.milestones_export(
            store, user, initiative_id
        ),
        "analytics.views.exports.indicators_export": lambda: exports.indicators_export(
            store, user, initiative_id
        ),
        "analytics.views.portfolio.portfolio": lambda: portfolio.portfolio(store, user),
        "analytics.measures.statistics.prepare_wave": lambda: statistics.prepare_wave(
            store, user, initiative_id, tiny_wave
        ),
        "analytics.measures.statistics.wave_reliability": lambda: statistics.wave_reliability(
            store, user, initiative_id, tiny_wave
        ),
        "analytics.measures.statistics.wave_breakdowns": lambda: statistics.wave_breakdowns(
            store, user, initiative_id, tiny_wave
        ),
        "analytics.views.exports.network_export": lambda: exports.network_export(
            store, user, initiative_id
        ),
        "analytics.measures.network.network_waves": lambda: network.network_waves(
            store, user, initiative_id
        ),
        "analytics.measures.network.network_measures": lambda: network.network_measures(
            store, user, initiative_id
        ),
        "analytics.measures.network.network_map": lambda: dict(
            zip(("nodes", "edges"), network.network_map(store, user, initiative_id), strict=True)
        ),
    }
    return {name: call() for name, call in calls.items()}


SIZE_COLUMNS = ("n", "complete_cases", "respondents", "n_paired")
# Reads whose result is a document, not tables: their funder tests open the document.
COVERED_ELSEWHERE = {
    "analytics.reports.build.report_content",  # tests/test_report.py: a funder sees no suppressed
    "analytics.reports.build.report_html",  # figure (HTML parsed, PDF text extracted)
    "analytics.reports.build.report_pdf",
    "analytics.reports.context.gather_figures",  # what report_content reads: same tests
    "analytics.views.exports.export_file",  # tests/test_exports.py: a funder's exports (CSV, XLSX)
}


def _assert_concealed(name: str, frame: pd.DataFrame, threshold: int) -> None:
    leaked = ROW_LEVEL_COLUMNS & set(frame.columns)
    assert not leaked, f"{name} gives a funder row-level columns {leaked}"
    size = next((c for c in SIZE_COLUMNS if c in frame.columns), None)
    if size is None:
        return
    sizes = pd.to_numeric(frame[size], errors="coerce")
    small = ~(sizes >= threshold)
    # previous_mean belongs to the wave before, a group of its own (its n is not this row's).
    statistics = [
        c
        for c in (
            *suppression.STATISTIC_COLUMNS,
            *("a1", "a2", "a3", "a4", "a5", "missing"),
            *("responding_partners", "response_rate", "evenness_responding"),
            size,
        )
        if c in frame.columns and c != "previous_mean"
    ]
    shown = frame.loc[small, statistics].notna()
    assert not shown.any().any(), f"{name} shows a funder figures of groups under {threshold}"


@pytest.fixture
def funded(writable_demo_store):
    """The demo with a 3-person wave in Riverside, which the demo funder funds."""
    _small_wave(writable_demo_store, RIVERSIDE)
    return writable_demo_store, writable_demo_store.initiative_id(RIVERSIDE)


def test_every_funder_read_is_concealed_and_has_no_row_level_columns(funded):
    store, initiative_id = funded
    funder = as_role("funder", initiative_id)
    results = _reads(store, funder, initiative_id)
    guarded_reads = {n for n, p in GUARDED.items() if p is Permission.VIEW}
    missing = guarded_reads - {n.split("(")[0] for n in results} - COVERED_ELSEWHERE
    assert not missing, f"no funder test for {sorted(missing)}"
    for name, result in results.items():
        for frame in _frames(result):
            _assert_concealed(name, frame, suppression.suppression_threshold())


def test_the_same_reads_show_the_small_wave_to_a_backbone(funded):
    """The concealment above is the role's doing: a backbone sees the 3-person wave's means."""
    store, initiative_id = funded
    backbone = _reads(store, as_role("backbone", initiative_id), initiative_id)
    funder = _reads(store, as_role("funder", initiative_id), initiative_id)
    tiny = backbone["analytics.measures.scoring.initiative_statistics"]
    tiny = tiny[tiny["wave"] == "Tiny"]
    assert (tiny["n"] == 3).any() and tiny["mean"].notna().any()
    hidden = funder["analytics.measures.scoring.initiative_statistics"]
    assert hidden[hidden["wave"] == "Tiny"]["mean"].isna().all()
    assert not backbone["analytics.views.scale_view.distribution"].empty
    assert funder["analytics.views.scale_view.distribution"].empty
    assert not backbone["analytics.views.scale_view.group_distribution"].empty
    assert not funder["analytics.views.scale_view.group_distribution"].empty
    assert funder["analytics.views.scale_view.group_distribution(Tiny)"].empty
    assert backbone["analytics.views.scale_view.group_distribution(Tiny)"].empty  # hidden to all
    # Filtered to a sector: the Tiny wave's 3 nonprofits are hidden to everyone, their size to
    # the funder only.
    for reader in (backbone, funder):
        tiny = reader["analytics.measures.statistics.filtered_statistics"]
        tiny = tiny[tiny["wave"] == "Tiny"]
        assert tiny["suppressed"].all() and tiny["mean"].isna().all()
        assert reader["analytics.views.scale_view.distribution(sector, Tiny)"].empty
    assert (backbone["analytics.measures.statistics.filtered_statistics"]["n"] == 3).any()
    counts = funder["analytics.measures.statistics.participation(sector)"]
    assert counts.loc[counts["wave"] == "Tiny", "respondents"].isna().all()
    counts = backbone["analytics.measures.statistics.participation(sector)"]
    assert counts.loc[counts["wave"] == "Tiny", "respondents"].tolist() == [3]
    assert "owner" in backbone["analytics.measures.milestones.milestones"].columns


@pytest.mark.parametrize(
    "call",
    [
        lambda s, u, i: statistics.non_responding_partners(s, u, i),
        lambda s, u, i: milestones.partner_names(s, u, i),
        lambda s, u, i: commit.import_history(s, u, i),
        lambda s, u, i: scoring.initiative_statistics(s, u, i, by="organisation"),
        lambda s, u, i: statistics.breakdown_statistics(s, u, i, "organisation"),
        lambda s, u, i: network.network_partners(s, u, i),
        lambda s, u, i: network.network_mismatches(s, u, i),
        lambda s, u, i: network.network_tie_changes(s, u, i),
        lambda s, u, i: aliases.organisation_aliases(s, u, i),
        lambda s, u, i: values.choice_lists(s, u, i),
    ],
    ids=[
        "partners to follow up",
        "partner names",
        "import history",
        "by org",
        "breakdown",
        "network partners",
        "network mismatches",
        "network tie changes",
        "organisation aliases",
        "sector and role lists",
    ],
)
def test_a_funder_is_refused_identities_and_imports(demo_store, riverside, call):
    with pytest.raises(AccessDenied):
        call(demo_store, as_role("funder", riverside), riverside)
    call(demo_store, as_role("backbone", riverside), riverside)  # allowed to a backbone


def test_no_one_reads_an_initiative_they_were_not_granted(demo_store, riverside, coastal):
    from analytics.views.overview import overview

    broker = as_role("broker", riverside)
    assert overview(demo_store, broker, riverside).name == RIVERSIDE
    with pytest.raises(AccessDenied, match="no access to initiative"):
        overview(demo_store, broker, coastal)
    with pytest.raises(AccessDenied, match="no one is signed in"):
        overview(demo_store, None, riverside)


def test_writes_need_the_right_role_and_change_nothing_when_refused(writable_demo_store):
    from analytics.measures.milestones import milestones, save_milestones
    from analytics.measures.phases import start_phase

    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    before = store.table_counts()
    frame = milestones(store, ADMIN, riverside)
    for role in ("funder", "broker"):
        with pytest.raises(AccessDenied):
            save_milestones(store, riverside, frame.iloc[1:], user=as_role(role, riverside))
        with pytest.raises(AccessDenied):
            start_phase(
                store,
                riverside,
                "initiate action",
                dt.date(2030, 1, 1),
                user=as_role(role, riverside),
            )
    with pytest.raises(AccessDenied):  # a backbone of another initiative
        save_milestones(store, riverside, frame.iloc[1:], user=as_role("backbone", 999))
    assert store.table_counts() == before
    counts = save_milestones(store, riverside, frame.iloc[1:], user=as_role("backbone", riverside))
    assert counts["deleted"] == 1


def test_a_funder_cannot_import_and_a_broker_cannot_create_initiatives(empty_store):
    from tests.test_imports import GOOD, _prepare

    prepared = _prepare(GOOD)
    second = GOOD + b"r4,Delta Group,nonprofit,Staff,2026-03-04,4,4,4,4\n"
    with pytest.raises(AccessDenied):
        commit_import(empty_store, Target("New", create=True), prepared, user=as_role("broker"))
    assert empty_store.table_counts()["initiatives"] == 0
    commit_import(empty_store, Target("New", create=True), prepared, user=ADMIN)
    new = empty_store.initiative_id("New")
    with pytest.raises(AccessDenied):
        commit_import(empty_store, new, _prepare(second, wave="W2"), user=as_role("funder", new))
    result = commit_import(
        empty_store, new, _prepare(second, wave="W2"), user=as_role("broker", new)
    )
    assert result.respondents == 4


def test_conceal_leaves_other_roles_tables_alone_and_hides_protecting_cells():
    table = pd.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": [3, 6, 40],
            "mean": [4.0, 3.0, 2.5],
            "suppressed": [True, True, False],
            "organisation": ["x", "y", "z"],
        }
    )
    assert conceal(table, as_role("backbone", 1)) is table
    shown = conceal(table, as_role("funder", 1))
    assert "organisation" not in shown.columns
    assert shown["mean"].isna().tolist() == [True, True, False] and shown["mean"].iloc[2] == 2.5
    assert shown["n"].isna().tolist() == [True, True, False]  # not even a hidden group's size


def test_a_funder_sees_no_answer_counts_of_an_item_answered_by_too_few(funded):
    """n is who answered the item: blanks do not make a small group large enough."""
    from analytics.measures.statistics import item_distributions

    store, initiative_id = funded
    full = item_distributions(store, ADMIN, initiative_id)
    answered = full[["a1", "a2", "a3", "a4", "a5"]].sum(axis=1)
    assert (full["n"] == answered).all()
    shown = item_distributions(store, as_role("funder", initiative_id), initiative_id)
    small = answered < suppression.suppression_threshold()
    assert small.any() and shown.loc[small, ["a1", "a5", "missing"]].isna().all().all()
    assert shown.loc[~small, "a1"].notna().all()


def test_a_funder_sees_no_participation_figures_of_a_small_wave(funded):
    from analytics.measures.statistics import participation, participation_by_sector

    store, initiative_id = funded
    funder = as_role("funder", initiative_id)
    table = participation(store, funder, initiative_id).set_index("wave")
    assert table.loc["Tiny", ["respondents", "responding_partners", "response_rate"]].isna().all()
    assert table.drop(index="Tiny")["respondents"].notna().all()
    by_sector = participation_by_sector(store, funder, initiative_id)
    few = by_sector["active_partners"] < suppression.suppression_threshold()
    assert few.any() and by_sector.loc[few, "responding_partners"].isna().all()
    min_n = suppression.suppression_threshold()
    for wave, rows in by_sector.groupby("wave"):
        hidden = rows[rows["responding_partners"].isna()]
        if hidden.empty:
            continue
        # The wave's responding total minus the shown sectors tells only how many of at least
        # min_n active partners, in two sectors or more, took part; the evenness of the
        # responding mix (one more equation) is hidden with them.
        assert len(hidden) >= 2 and hidden["active_partners"].sum() >= min_n, wave
        assert pd.isna(table.loc[wave, "evenness_responding"]), wave
    assert by_sector.loc[~few, "responding_partners"].notna().any()


def test_undo_does_not_tell_whether_another_initiatives_import_exists(writable_demo_store):
    from analytics.errors import ImportRefused
    from analytics.ingest.commit import undo_import

    store = writable_demo_store
    _small_wave(store, COASTAL)
    coastal_import = int(store.read_one("SELECT max(id) FROM imports"))
    broker = as_role("broker", store.initiative_id(RIVERSIDE))
    messages = []
    for import_id in (coastal_import, 99_999):
        with pytest.raises(ImportRefused) as refused:
            undo_import(store, broker, import_id)
        messages.append(str(refused.value).replace(str(import_id), "N"))
    assert messages[0] == messages[1]
    with pytest.raises(AccessDenied):
        undo_import(store, as_role("funder", store.initiative_id(COASTAL)), coastal_import)


def test_no_partner_name_reaches_a_funder_in_the_network(demo_store, riverside):
    """The map, its table and CSV, the figure, the measures over waves and the CLI's rows: a
    funder gets no organisation's name, no partner id, and no sector under the threshold."""
    from analytics.views.exports import csv_bytes
    from analytics.views.network_view import (
        map_table,
        measures_wide,
        network_map_figure,
        network_trend_figure,
    )

    funder = as_role("funder", riverside)
    names = demo_store.read_df("SELECT name FROM partners WHERE initiative_id = ?", [riverside])
    nodes, edges = network.network_map(demo_store, funder, riverside)
    measures = network.network_measures(demo_store, funder, riverside)
    seen = [
        nodes.to_csv(),
        edges.to_csv(),
        measures.to_csv(),
        csv_bytes(measures_wide(measures)).decode(),
        network_trend_figure(measures).to_json(),
    ]
    for wave in network.network_waves(demo_store, funder, riverside)["label"]:
        seen.append(network_map_figure(nodes, edges, wave).to_json())
        seen.append(csv_bytes(map_table(nodes, wave)).decode())
    text = "\n".join(seen)
    leaked = [name for name in names["name"] if name in text]
    assert not leaked, f"a funder sees partner names {leaked[:3]}"
    assert (nodes["name"] == "").all()
    counts = nodes.groupby(["wave", "sector"])["node"].count()
    shown = counts[counts.index.get_level_values("sector") != network.HIDDEN_SECTOR]
    assert (shown >= suppression.suppression_threshold()).all()
    backbone_nodes, _ = network.network_map(demo_store, as_role("backbone", riverside), riverside)
    assert set(backbone_nodes["name"]) <= set(names["name"])
    assert (backbone_nodes["name"] != "").all()
    # The funder's node numbers are not the partner ids (same place, another number).
    pairs = nodes.merge(backbone_nodes, on=["wave", "x", "y"], suffixes=("", "_id"))
    assert len(pairs) == len(nodes) and (pairs["node"] == pairs["node_id"]).mean() < 0.2
