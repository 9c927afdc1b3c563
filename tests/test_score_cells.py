"""Score cells (store/score_cells.py, migration 10): the stored scores summed per wave, sector,
role and scale, kept in the transaction of every write that changes them (an import, its undo,
an instrument change, a sector rename or merge, the migration's fill), always equal to a fresh
aggregate of the stored scores; and the statistics combined from them (whole wave, by sector,
by role, the crossed counts, the portfolio) equal, to 1e-12 relative, to the same statistics
aggregated from the stored scores as before the cells."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics.ingest.commit import Target, commit_import, undo_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.ingest.values import initiative_choices, save_initiative_choices
from analytics.measures.groups import BREAKDOWNS
from analytics.measures.scoring import (
    _STORED_GROUP_FIGURES,
    RESPONDENT_SCORES_SQL,
    STORE_ANSWERS_SQL,
    Bands,
    _finish,
    _with_waves,
    statistics_of_initiatives,
    stored_crossed_counts,
    stored_paired_statistics,
    stored_scores_sql,
    stored_statistics,
)
from analytics.measures.statistics import _ALPHA, _reliability, reliability_threshold
from analytics.measures.suppression import suppression_threshold
from analytics.store import scale_scores, score_cells
from analytics.store.connection import forget_store, open_store
from analytics.store.score_cells import REVERSE_FROM, ROLE_GROUP, SECTOR_GROUP
from tests.conftest import initiative
from tests.test_scale_scores import ADMIN, bench_import, next_wave  # noqa: F401 (a fixture)
from tests.test_values import ITEMS

pytestmark = pytest.mark.both_stores  # every test with a store runs on DuckDB and PostgreSQL

GROUP_KEYS = ["wave_id", "sector", "role", "scale_type", "scale"]
CELL_KEYS = [*GROUP_KEYS, "items_answered"]
STAT_KEYS = ["wave_id", "group", "scale_type", "scale"]
RTOL, ATOL = 1e-12, 1e-13  # the absolute part for a standard deviation of 0


def close(ours: pd.Series, theirs: pd.Series) -> bool:
    a, b = ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float)
    return bool(
        np.array_equal(np.isnan(a), np.isnan(b))
        and np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=RTOL, atol=ATOL)
    )


# -- the cells against a fresh aggregate -----------------------------------------------------


def fresh_cells(store, initiative_id: int) -> pd.DataFrame:
    """The cells computed here, in pandas, from the stored scores and the respondents: per
    group and number of items answered, n, the sums of the totals (score * items answered)
    and of their squares, and the favourable and valid answers."""
    rows = store.read_df(
        "SELECT s.wave_id, coalesce(p.sector, 'not given') AS sector,"
        " coalesce(p.role, 'not given') AS role, s.scale_type, s.scale,"
        " s.answered AS items_answered, s.score, s.favourable, s.answered"
        " FROM respondent_scale_scores s"
        " JOIN respondents p ON p.id = s.respondent_id JOIN waves w ON w.id = s.wave_id"
        " WHERE w.initiative_id = ?",
        [initiative_id],
    )
    score = rows["score"].astype(float)
    total = (score * rows["answered"].astype(int)).round()
    rows = rows.assign(
        scored=score.notna().astype(int), total=total.fillna(0), total2=(total**2).fillna(0)
    )
    grouped = rows.groupby(CELL_KEYS, sort=True)
    out = pd.DataFrame(
        {
            "n": grouped["scored"].sum(),
            "sum_total": grouped["total"].sum(),
            "sum_total2": grouped["total2"].sum(),
            "favourable": grouped["favourable"].sum(),
            "answered": grouped["answered"].sum(),
        }
    )
    return out.reset_index()


def stored_cells(store, initiative_id: int) -> pd.DataFrame:
    found = store.read_df(
        "SELECT c.* FROM score_cells c JOIN waves w ON w.id = c.wave_id WHERE w.initiative_id = ?",
        [initiative_id],
    )
    return found.sort_values(CELL_KEYS).reset_index(drop=True)


def assert_fresh_cells(store, initiative_id: int) -> pd.DataFrame:
    """The stored cells are a fresh aggregate of the stored scores; returns them."""
    expected, found = fresh_cells(store, initiative_id), stored_cells(store, initiative_id)
    assert len(found) == len(expected) > 0
    for column in CELL_KEYS:
        assert (found[column].astype(str) == expected[column].astype(str)).all(), column
    for column in ("n", "sum_total", "sum_total2", "favourable", "answered"):
        assert (found[column].astype(int) == expected[column].astype(int)).all(), column
    return found


# The alpha sums by the rules' own SQL over the stored answers: complete cases of scales of two
# or more items, per wave, sector, role, scale and position (0 the total).
_FRESH_ALPHA_SUMS = (
    "WITH "
    + STORE_ANSWERS_SQL.format(
        groups=f"{BREAKDOWNS['sector']} AS grp, {BREAKDOWNS['role']} AS grp2", wave_filter=""
    )
    + RESPONDENT_SCORES_SQL.removeprefix("\nWITH ")
    + """,
complete AS (
    SELECT wave_id, grp, grp2, scale_type, scale, item_values, n_items FROM coded
    WHERE n_items >= 2 AND list_count(item_values) = n_items
),
valued AS (
    SELECT wave_id, grp, grp2, scale_type, scale, position,
           CASE WHEN position = 0 THEN list_sum(item_values) ELSE item_values[position] END AS x
    FROM complete, range(0, n_items + 1) AS positions(position)
)
SELECT wave_id, grp AS sector, grp2 AS role, scale_type, scale, position, count(*) AS n,
       sum(x) AS sum_x, sum(x * x) AS sum_x2
FROM valued GROUP BY wave_id, grp, grp2, scale_type, scale, position
"""
)
ALPHA_KEYS = [*GROUP_KEYS, "position"]


def assert_fresh_alpha_sums(store, initiative_id: int) -> pd.DataFrame:
    """The stored alpha sums are those of the stored answers, exactly; returns them."""
    expected = store.read_df(_FRESH_ALPHA_SUMS, {"initiative": initiative_id})
    expected = expected.sort_values(ALPHA_KEYS).reset_index(drop=True)
    found = store.read_df(
        "SELECT a.* FROM score_alpha_sums a JOIN waves w ON w.id = a.wave_id"
        " WHERE w.initiative_id = ?",
        [initiative_id],
    )
    found = found.sort_values(ALPHA_KEYS).reset_index(drop=True)
    assert len(found) == len(expected) > 0
    for column in ALPHA_KEYS:
        assert (found[column].astype(str) == expected[column].astype(str)).all(), column
    for column in ("n", "sum_x", "sum_x2"):
        assert (found[column].astype(int) == expected[column].astype(int)).all(), column
    return found


def _old_alpha(store, initiative_id: int, wave_id=None, by=None, group=None) -> pd.DataFrame:
    """What _reliability read before the alpha sums: _ALPHA over the stored answers."""
    wave_filter = "" if wave_id is None else " AND p.wave_id = $wave"
    if by is not None:
        wave_filter += f" AND {BREAKDOWNS[by]} = $group"
    answers = STORE_ANSWERS_SQL.format(groups="'all' AS grp", wave_filter=wave_filter)
    params = {"initiative": initiative_id}
    if wave_id is not None:
        params["wave"] = wave_id
    if by is not None:
        params["group"] = group
    raw = store.read_df("WITH " + answers + _ALPHA.removeprefix("\nWITH "), params)
    k = raw["items"]
    raw["alpha"] = k / (k - 1) * (1 - raw["item_variance"] / raw["total_variance"])
    waves = store.waves(initiative_id).rename(columns={"id": "wave_id", "label": "wave"})
    return raw.merge(waves[["wave_id", "wave"]], on="wave_id")


def assert_alpha_as_before(store, initiative_id: int) -> None:
    """Cronbach's alpha from the sums equals _ALPHA's over the answers, to 1e-12: of every
    wave, of the latest, and of each sector and role group."""
    assert_fresh_alpha_sums(store, initiative_id)
    threshold = reliability_threshold()
    latest = int(store.waves(initiative_id)["id"].iloc[-1])
    asked = [{}, {"wave_id": latest}]
    for by in ("sector", "role"):
        groups = stored_cells(store, initiative_id)[by].unique()
        asked += [{"by": by, "group": g} for g in sorted(groups)[:3]]
    for kwargs in asked:
        ours = _reliability(store, initiative_id, threshold, **kwargs)
        theirs = _old_alpha(store, initiative_id, **kwargs)
        theirs = theirs[theirs["complete_cases"] >= 3]  # _reliability: no alpha under 3
        ours = ours[ours["complete_cases"] >= 3]
        keys = ["wave", "scale_type", "scale"]
        assert_same_statistics(
            ours.assign(n=ours["complete_cases"]), theirs.assign(n=theirs["complete_cases"]), keys
        )
        ours, theirs = (f.sort_values(keys).reset_index(drop=True) for f in (ours, theirs))
        assert (ours["items"].astype(int) == theirs["items"].astype(int)).all()
        assert close(ours["alpha"], theirs["alpha"]), kwargs


def test_the_store_groups_and_reverse_codes_as_the_rules_do():
    assert BREAKDOWNS["sector"] == SECTOR_GROUP
    assert BREAKDOWNS["role"] == ROLE_GROUP
    assert REVERSE_FROM == scale_scores.REVERSE_FROM


def test_the_sums_of_a_matrix_count_reverse_coded_answers_and_leave_it_as_it_was():
    # One reverse-coded item, three respondents of one group (answers 2, 5, 3: coded 4, 1, 3)
    # and one who skipped it; a one-column matrix, whose transpose is no copy.
    values = np.array([[2], [5], [3], [9]], dtype=np.uint8)
    missing = np.array([[False], [False], [False], [True]])
    kept = values.copy()
    scale = scale_scores.Scale("condition", "C", ("i1",), (True,))
    groups = pd.DataFrame({"wave_id": [1], "sector": ["s"], "role": ["r"]})
    cells, alpha = score_cells._sums([scale], ["i1"], np.zeros(4, dtype=int), groups, values,
                                     missing)  # fmt: skip
    assert cells[["items_answered", "n", "sum_total", "sum_total2", "favourable", "answered"]]\
        .to_dict("records") == [{"items_answered": 1, "n": 3, "sum_total": 8, "sum_total2": 26,
                                 "favourable": 1, "answered": 3}]  # fmt: skip
    assert alpha.empty  # a scale of one item has no alpha
    assert (values == kept).all()


def test_the_demo_stores_fresh_cells(demo_store):
    for name in demo_store.initiatives()["name"]:
        assert_fresh_cells(demo_store, initiative(demo_store, name))
        assert_alpha_as_before(demo_store, initiative(demo_store, name))


def test_an_import_and_its_undo_keep_the_cells_fresh(bench_import, tmp_path):  # noqa: F811
    store, bench, _instrument = bench_import
    before = assert_fresh_cells(store, bench)
    result = commit_import(store, bench, next_wave(tmp_path, store.instrument(bench)), user=ADMIN)
    after = assert_fresh_cells(store, bench)
    assert after["n"].sum() > before["n"].sum()  # the new wave's respondents count
    assert_alpha_as_before(store, bench)
    undo_import(store, ADMIN, result.import_id)
    undone = assert_fresh_cells(store, bench)
    pd.testing.assert_frame_equal(undone, before)
    assert_alpha_as_before(store, bench)


def test_a_changed_reverse_flag_rewrites_the_cells(bench_import, tmp_path):  # noqa: F811
    store, bench, _instrument = bench_import
    before = stored_cells(store, bench)
    items = store.instrument(bench)
    flipped = items[0]
    changed = [dataclasses.replace(flipped, reverse=not flipped.reverse), *items[1:]]
    commit_import(
        store, Target("Bench", instrument=changed), next_wave(tmp_path, changed), user=ADMIN
    )
    after = assert_fresh_cells(store, bench)
    old = after.merge(before, on=CELL_KEYS, suffixes=("", "_before"))
    rescored = old["scale"] == flipped.condition
    assert (old["sum_total"] != old["sum_total_before"])[rescored].any()
    assert (old["sum_total"] == old["sum_total_before"])[~rescored].all()
    assert_alpha_as_before(store, bench)


def _held_sectors(store, initiative_id: int) -> list[str]:
    rows = store.read_df(
        "SELECT DISTINCT r.sector FROM respondents r JOIN waves w ON w.id = r.wave_id"
        " WHERE w.initiative_id = ? AND r.sector IS NOT NULL",
        [initiative_id],
    )
    return sorted(rows["sector"])


def _rows(rows) -> list[str]:
    """Rows (tuples, their lists as lists) in a comparable order, whatever their NULLs."""
    return sorted(
        repr(tuple(list(v) if isinstance(v, list | tuple) else v for v in r)) for r in rows
    )


def test_a_recount_reads_the_stored_answers_alike_on_both_stores(writable_demo_store):
    store = writable_demo_store
    answers_schema = pa.schema([("item_list_id", pa.int32()), ("wave_id", pa.int32()),
                                ("sector", pa.string()), ("role", pa.string()),
                                ("answers", pa.list_(pa.uint8()))])  # fmt: skip
    lists_schema = pa.schema([("respondent_id", pa.int64()), ("wave_id", pa.int32()),
                              ("answers", pa.list_(pa.uint8()))])  # fmt: skip
    groups = {"wave_id": pa.int64(), "sector": pa.string(), "role": pa.string(),
              "ids": pa.list_(pa.int64())}  # fmt: skip
    for name in store.initiatives()["name"]:
        initiative_id = initiative(store, name)
        with store.transaction(changes_data=False) as cursor:
            answers = score_cells._answers(cursor, initiative_id)
            assert answers.schema == answers_schema
            fetched = cursor.execute(score_cells._ANSWERS_SQL, [initiative_id]).fetchall()
            assert _rows(tuple(r.values()) for r in answers.to_pylist()) == _rows(fetched)
            for item_list_id in sorted(set(answers["item_list_id"].to_pylist())):
                lists = scale_scores._answer_lists(cursor, initiative_id, item_list_id)
                assert lists.schema == lists_schema
                assert lists["respondent_id"].to_pylist() == sorted(
                    lists["respondent_id"].to_pylist()
                )
            low, high = cursor.execute("SELECT min(id), max(id) FROM respondents").fetchone()
            found = score_cells.query_arrow(cursor, score_cells._GROUPS_SQL, [low, high], groups)
            assert found.schema == pa.schema(list(groups.items()))


def test_a_sector_rename_and_a_merge_move_the_cells(writable_demo_store):
    store = writable_demo_store
    riverside = initiative(store, "Riverside Early Years Alliance")
    held = _held_sectors(store, riverside)
    assert len(held) >= 3
    listed = initiative_choices(store, ADMIN, riverside)["sector"]
    current = list(dict.fromkeys([*listed, *held]))
    first, second, third = held[:3]
    counts = stored_cells(store, riverside).groupby("sector")["n"].sum()

    renamed = [v for v in current if v != first] + ["renamed sector"]
    save_initiative_choices(store, ADMIN, riverside, "sector", renamed, {first: "renamed sector"})
    cells = assert_fresh_cells(store, riverside)
    assert first not in set(cells["sector"])
    moved = cells.groupby("sector")["n"].sum()
    assert moved["renamed sector"] == counts[first]

    merged = [v for v in renamed if v != second]
    save_initiative_choices(store, ADMIN, riverside, "sector", merged, {second: third})
    cells = assert_fresh_cells(store, riverside)
    assert_alpha_as_before(store, riverside)
    assert second not in set(cells["sector"])
    assert cells.groupby("sector")["n"].sum()[third] == counts[second] + counts[third]


def test_migration_10_fills_the_cells_of_a_database_from_before_it(writable_demo_store):
    store = writable_demo_store
    path = store.path
    with store.transaction() as cursor:
        cursor.execute("DROP TABLE score_cells")
        cursor.execute("DROP TABLE score_alpha_sums")
        cursor.execute("DELETE FROM schema_migrations WHERE version = 10")
    forget_store(path)
    store = open_store(path)  # migrates again: the table, and the cells of every initiative
    for name in store.initiatives()["name"]:
        assert_fresh_cells(store, initiative(store, name))
        assert_alpha_as_before(store, initiative(store, name))


# -- the statistics combined from the cells against the stored scores' aggregates -----------


def _old_statistics(store, initiative_id: int, by: str | None) -> pd.DataFrame:
    """stored_statistics as it was before the cells: the stored scores aggregated."""
    sql = stored_scores_sql(f"{BREAKDOWNS[by]} AS grp") + _STORED_GROUP_FIGURES.format(grp="grp")
    raw = store.read_df(sql, {"initiative": initiative_id})
    finished = _finish(raw, Bands.from_settings(), suppression_threshold())
    return _with_waves(store, initiative_id, finished)


def _old_crossed_counts(store, initiative_id: int) -> pd.DataFrame:
    groups = f"{BREAKDOWNS['sector']} AS grp, {BREAKDOWNS['role']} AS grp2"
    sql = stored_scores_sql(groups) + (
        " SELECT wave_id, grp, grp2, scale, count(*) AS n FROM per_respondent"
        " WHERE scored GROUP BY ALL"
    )
    return store.read_df(sql, {"initiative": initiative_id})


def assert_same_statistics(ours: pd.DataFrame, theirs: pd.DataFrame, keys: list[str]) -> None:
    assert len(ours) == len(theirs) > 0
    ours = ours.sort_values(keys).reset_index(drop=True)
    theirs = theirs.sort_values(keys).reset_index(drop=True)
    for column in keys:
        assert (ours[column].astype(str) == theirs[column].astype(str)).all(), column
    assert (ours["n"].astype(int) == theirs["n"].astype(int)).all()
    for column in ("mean", "sd", "pct_favourable", "ci_low", "ci_high"):
        if column in theirs:
            assert close(ours[column], theirs[column]), column
    for column in ("band", "suppressed"):
        if column in theirs:
            # A group whose respondents all lack a score has no band: missing on both sides.
            mine, before = (
                f[column].astype(object).where(f[column].notna(), None) for f in (ours, theirs)
            )
            assert mine.tolist() == before.tolist(), column


def assert_statistics_as_before(store, initiative_id: int) -> None:
    for by in (None, "sector", "role"):
        assert_same_statistics(
            stored_statistics(store, initiative_id, by),
            _old_statistics(store, initiative_id, by),
            STAT_KEYS,
        )
    crossed_keys = ["wave_id", "grp", "grp2", "scale"]
    old_crossed = _old_crossed_counts(store, initiative_id)
    assert_same_statistics(stored_crossed_counts(store, initiative_id), old_crossed, crossed_keys)
    bands, min_n = Bands.from_settings(), suppression_threshold()
    latest = int(store.waves(initiative_id)["id"].iloc[-1])
    for k, by in enumerate(("sector", "role")):
        one_wave = stored_paired_statistics(store, initiative_id, bands, min_n, latest)[k]
        old = _old_statistics(store, initiative_id, by)
        assert_same_statistics(one_wave, old[old["wave_id"] == latest], STAT_KEYS)
    assert_same_statistics(
        stored_crossed_counts(store, initiative_id, latest),
        old_crossed[old_crossed["wave_id"] == latest],
        crossed_keys,
    )


def test_the_demo_statistics_are_those_of_the_stored_scores(demo_store):
    for name in demo_store.initiatives()["name"]:
        assert_statistics_as_before(demo_store, initiative(demo_store, name))


def test_bench_size_statistics_are_those_of_the_stored_scores(bench_import):  # noqa: F811
    store, bench, _instrument = bench_import
    assert_statistics_as_before(store, bench)
    assert_alpha_as_before(store, bench)


def test_the_portfolio_is_that_of_the_stored_scores(demo_store):
    ids = [int(i) for i in demo_store.initiatives()["id"]]
    ours = statistics_of_initiatives(demo_store, ADMIN, ids)
    sql = stored_scores_sql("'all' AS grp", every_initiative=True) + _STORED_GROUP_FIGURES.format(
        grp="grp"
    )
    raw = demo_store.read_df(sql)
    theirs = _finish(raw, Bands.from_settings(), suppression_threshold())
    assert_same_statistics(ours, theirs, STAT_KEYS)


SECTORS = ["Nonprofit / voluntary sector", "Government / public sector", ""]


def _prepare(first: int, count: int, wave: str = "W1", sectors=SECTORS, roles=("Lead", "Staff")):
    """A file of respondents with varied answers to the four items of the common agenda (one
    reverse-coded), sectors and roles, one missing answer in seven, read as `wave`."""
    lines = ["respondent_id,organisation,Which sector?,role,CA1,CA2,CA3,CA4"]
    for k in range(first, first + count):
        answers = [str(1 + (k * m) % 5) for m in (1, 3, 2, 4)]
        if k % 7 == 0:
            answers[k % 4] = ""
        lines.append(f"r{k},Org {k % 4},{sectors[k % len(sectors)]},{roles[k % len(roles)]},"
                     + ",".join(answers))  # fmt: skip
    data = ("\n".join(lines) + "\n").encode()
    table = read_survey(data, "cells.csv")
    return validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave=wave)


def test_an_import_into_a_filled_initiative_adds_to_its_cells(empty_store):
    store = empty_store
    commit_import(store, Target("Cells", create=True), _prepare(1, 40), user=ADMIN)
    cells = initiative(store, "Cells")
    before = assert_fresh_cells(store, cells)
    assert_alpha_as_before(store, cells)
    # The same wave, sectors and roles again, other respondents: their sums are added to the
    # stored cells (the same cells, each once, with larger sums).
    commit_import(store, cells, _prepare(100, 60), user=ADMIN)
    after = assert_fresh_cells(store, cells)
    assert after["n"].sum() == before["n"].sum() + 60
    assert not after.duplicated(CELL_KEYS).any()
    groups = ["wave_id", "sector", "role", "scale_type", "scale"]
    assert set(map(tuple, after[groups].to_numpy())) == set(map(tuple, before[groups].to_numpy()))
    merged = after.merge(before, on=CELL_KEYS, suffixes=("", "_before"))
    assert (merged["n"] >= merged["n_before"]).all()
    assert (merged["answered"] > merged["answered_before"]).any()
    assert_alpha_as_before(store, cells)


def test_an_import_into_new_cells_keeps_the_stored_ones(empty_store):
    store = empty_store
    commit_import(store, Target("Cells", create=True), _prepare(1, 40), user=ADMIN)
    cells = initiative(store, "Cells")
    before = assert_fresh_cells(store, cells)
    # A new wave, with a sector and a role not seen before: new cells beside the stored ones.
    prepared = _prepare(200, 30, wave="W2", sectors=["Private sector"], roles=["Volunteer"])
    commit_import(store, cells, prepared, user=ADMIN)
    after = assert_fresh_cells(store, cells)
    assert after["n"].sum() == before["n"].sum() + 30
    assert not after.duplicated(CELL_KEYS).any()
    new = after[~after["wave_id"].isin(before["wave_id"])]
    # (the stored sector is the import's coding of "Private sector")
    assert new["sector"].nunique() == 1 and not set(new["sector"]) & set(before["sector"])
    assert set(new["role"]) == {"Volunteer"} and "Volunteer" not in set(before["role"])
    assert new["n"].sum() == 30
    old = after[after["wave_id"].isin(before["wave_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, before)
    assert_alpha_as_before(store, cells)


def test_a_group_per_respondent_costs_memory_by_groups_not_by_every_possible_total():
    # A free-text role (roles have no default list): every respondent a group of their own.
    # The sums must stay those of each respondent, and the counting must not hold a histogram
    # of every possible total for every group and scale at once (the first version: about
    # 28 MB a scale at 20,000 groups, all scales at once).
    import tracemalloc

    rng = np.random.default_rng(18)
    rows = 20_000
    item_ids = [f"i{j:02d}" for j in range(40)]
    reverse = (False, True, False, True)
    scales = [
        scale_scores.Scale("condition", f"s{s}", tuple(item_ids[4 * s : 4 * s + 4]), reverse)
        for s in range(10)
    ]
    values = rng.integers(1, 6, size=(rows, 40), dtype=np.uint8)
    missing = rng.random((rows, 40)) < 0.2
    groups = pd.DataFrame({"wave_id": 1, "sector": "s", "role": [f"r{i}" for i in range(rows)]})
    tracemalloc.start()
    try:
        cells, alpha = score_cells._sums(scales, item_ids, np.arange(rows), groups, values, missing)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 250 * 2**20, f"{peak / 2**20:.0f} MB"  # 434 MB before, 161 MB now
    # Each respondent's own cell of the first scale: their total, favourable and valid answers.
    coded = values[:, :4].astype(np.int64)
    coded[:, [1, 3]] = REVERSE_FROM - coded[:, [1, 3]]
    coded[missing[:, :4]] = 0
    answered = (~missing[:, :4]).sum(axis=1)
    total = coded.sum(axis=1)
    first = cells[cells["scale"] == "s0"].set_index("role")
    who = [f"r{i}" for i in range(rows) if answered[i] > 0]
    assert sorted(first.index) == sorted(who)
    mine = first.loc[who]
    has = answered[answered > 0]
    scored = has >= 2
    assert (mine["items_answered"].to_numpy() == has).all()
    assert (mine["n"].to_numpy() == scored.astype(int)).all()
    assert (mine["sum_total"].to_numpy() == np.where(scored, total[answered > 0], 0)).all()
    assert (mine["sum_total2"].to_numpy() == np.where(scored, total[answered > 0] ** 2, 0)).all()
    favourable = (coded >= 4).sum(axis=1)[answered > 0]
    assert (mine["favourable"].to_numpy() == favourable).all()
    # Alpha sums: the complete cases, each item's value and square.
    complete = np.flatnonzero(answered == 4)
    items = alpha[(alpha["scale"] == "s0") & (alpha["position"] == 2)].set_index("role")
    assert sorted(items.index) == sorted(f"r{i}" for i in complete)
    at = [f"r{i}" for i in complete]
    assert (items.loc[at, "sum_x"].to_numpy() == coded[complete, 1]).all()
    assert (items.loc[at, "sum_x2"].to_numpy() == coded[complete, 1] ** 2).all()


def test_the_figures_are_the_same_to_the_last_bit_whatever_the_order_of_the_cells(
    writable_demo_store,
):
    # The embedded file and PostgreSQL's replica hold the cells in different orders; a mean
    # of exactly 2.875 once read 2.87 on one store and 2.88 on the other. Stored in the
    # opposite order, every figure must come back bit for bit.
    store = writable_demo_store
    ids = [int(i) for i in store.initiatives()["id"]]

    def figures() -> list[pd.DataFrame]:
        bands, min_n = Bands.from_settings(), suppression_threshold()
        out = []
        for initiative_id in ids:
            out.append(stored_statistics(store, initiative_id, None))
            out.extend(stored_paired_statistics(store, initiative_id, bands, min_n))
        return out

    before = figures()
    with store.transaction() as cursor:
        cursor.execute("CREATE TEMP TABLE cells_copy AS SELECT * FROM score_cells")
        cursor.execute("DELETE FROM score_cells")
        cursor.execute(
            "INSERT INTO score_cells SELECT * FROM cells_copy ORDER BY wave_id DESC,"
            " sector DESC, role DESC, scale DESC, items_answered DESC"
        )
        cursor.execute("DROP TABLE cells_copy")
    after = figures()
    for old, new in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(
            old.sort_values(["wave_id", "group", "scale"]).reset_index(drop=True),
            new.sort_values(["wave_id", "group", "scale"]).reset_index(drop=True),
            check_exact=True,
        )
