"""Stored respondent scale scores (store/scale_scores.py, migration 8; lists and a view of them
since migration 11): written with the answers in the import's transaction, removed by its undo,
rewritten when the instrument changes, filled for answers stored before the migration; always
equal, to 1e-12, to the scores the rules of DESIGN.md section 3 give from the stored answers
(scoring.RESPONDENT_SCORES_SQL); and the view's rows exactly those migration 8's table held."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics.access.permissions import command_line_user
from analytics.cli import main as cli
from analytics.ingest.commit import Target, commit_import, undo_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.ingest.values import DEFAULT_CHOICES
from analytics.instrument import load_instrument_csv
from analytics.measures.scoring import RESPONDENT_SCORES_SQL, STORE_ANSWERS_SQL
from analytics.store import scale_scores
from analytics.store.base import scalar
from analytics.store.connection import forget_store, open_store
from analytics.store.postgres import translate_ddl
from analytics.store.schema import MIGRATIONS
from bench.generate import generate
from tests.conftest import initiative

pytestmark = pytest.mark.both_stores  # every test with a store runs on DuckDB and PostgreSQL

ADMIN = command_line_user("test")
KEYS = ["respondent_id", "wave_id", "scale_type", "scale"]

# Every respondent and scale with an answer, by the rules' own SQL over the stored answers.
_FROM_ANSWERS = (
    "WITH "
    + STORE_ANSWERS_SQL.format(groups="'all' AS grp", wave_filter="")
    + RESPONDENT_SCORES_SQL.removeprefix("\nWITH ")
    + " SELECT respondent_id, wave_id, scale_type, scale,"
    " CASE WHEN list_count(item_values) >= ceil(n_items / 2.0) THEN list_avg(item_values) END"
    " AS score, list_count(item_values) AS answered,"
    " list_count(list_filter(item_values, lambda v: v >= 4)) AS favourable"
    " FROM coded WHERE list_count(item_values) > 0"
)


def from_answers(store, initiative_id: int) -> pd.DataFrame:
    found = store.read_df(_FROM_ANSWERS, {"initiative": initiative_id})
    return found.sort_values(KEYS).reset_index(drop=True)


def stored(store, initiative_id: int) -> pd.DataFrame:
    found = store.read_df(
        "SELECT s.respondent_id, s.wave_id, s.scale_type, s.scale, s.score, s.answered,"
        " s.favourable FROM respondent_scale_scores s JOIN waves w ON w.id = s.wave_id"
        " WHERE w.initiative_id = ?",
        [initiative_id],
    )
    return found.sort_values(KEYS).reset_index(drop=True)


def assert_same_scores(store, initiative_id: int) -> int:
    """The stored scores are the rules' scores from the answers, to 1e-12; their count."""
    expected, found = from_answers(store, initiative_id), stored(store, initiative_id)
    assert len(found) == len(expected) > 0
    for column in KEYS:
        assert (found[column].astype(str) == expected[column].astype(str)).all(), column
    for column in ("answered", "favourable"):
        assert (found[column].astype(int) == expected[column].astype(int)).all(), column
    ours, theirs = found["score"].to_numpy(float), expected["score"].to_numpy(float)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.nanmax(np.abs(ours - theirs)) <= 1e-12
    return len(found)


def test_the_demo_stores_the_scores_its_answers_give(demo_store):
    for name in demo_store.initiatives()["name"]:
        assert_same_scores(demo_store, initiative(demo_store, name))


@pytest.fixture
def bench_import(tmp_path, monkeypatch):
    """A bench-size file (the benchmark's generator, 4,000 respondents, 4 waves) imported by
    the command line into a new database."""
    monkeypatch.setenv("COMMON_MEASURE_DEMO", "false")
    survey, instrument = generate(4_000, tmp_path)
    db = tmp_path / "bench.duckdb"
    code = cli(["import", str(survey), "--initiative", "Bench", "--create",
                "--instrument", str(instrument), "--db", str(db)])  # fmt: skip
    assert code == 0
    store = open_store(db)
    yield store, initiative(store, "Bench"), instrument
    forget_store(db)


def next_wave(folder, items):
    """Another generated file (300 respondents), read and checked as the wave 2027-W5 of
    respondents without ids."""
    survey, _ = generate(300, folder / "next")
    data = survey.read_bytes()
    table = read_survey(data, "next.csv")
    choices = {k: list(v) for k, v in DEFAULT_CHOICES.items()}
    mapping = propose_mapping(table, items, choices)
    mapping.fields.pop("wave", None)
    mapping.fields.pop("respondent_id", None)
    return validate(table, mapping, items, data=data, wave="2027-W5", choices=choices)


def test_a_bench_size_import_stores_the_scores_its_answers_give(bench_import):
    store, bench, _instrument = bench_import
    # 4,000 respondents, 10 scales, nearly everyone answers some item of each.
    assert assert_same_scores(store, bench) > 39_000


def test_a_changed_reverse_flag_rescores_the_stored_answers(bench_import, tmp_path):
    store, bench, _instrument = bench_import
    before = stored(store, bench)
    items = store.instrument(bench)
    flipped = items[0]
    assert flipped.condition is not None
    changed = [dataclasses.replace(flipped, reverse=not flipped.reverse), *items[1:]]
    # The instrument changes in the import of the next wave's file, in one transaction.
    prepared = next_wave(tmp_path, changed)
    commit_import(store, Target("Bench", instrument=changed), prepared, user=ADMIN)

    assert store.instrument(bench)[0].reverse is not flipped.reverse
    assert_same_scores(store, bench)
    after = stored(store, bench).merge(before, on=KEYS, suffixes=("", "_before"))
    same_scale = after["scale"] == flipped.condition
    moved = (after["score"] - after["score_before"]).abs() > 1e-9
    assert moved[same_scale].any()  # the flipped item's scale was rescored
    assert not moved[~same_scale].any()  # the others were not


def test_an_undone_import_takes_its_scores_with_it(bench_import, tmp_path):
    store, bench, _instrument = bench_import
    counted = len(stored(store, bench))
    result = commit_import(store, bench, next_wave(tmp_path, store.instrument(bench)), user=ADMIN)
    assert len(stored(store, bench)) > counted
    undo_import(store, ADMIN, result.import_id)
    assert len(stored(store, bench)) == counted
    assert_same_scores(store, bench)


# Migration 11's objects, dropped to make a database from before it.
_DROP_LISTS = (
    "DROP VIEW respondent_scale_scores",
    "DROP TABLE respondent_scale_lists",
    "DROP TABLE scale_lists",
    "DROP SEQUENCE seq_scale_list",
)


def test_migration_8_scores_the_answers_stored_before_it(writable_demo_store):
    store = writable_demo_store
    path = store.path
    with store.transaction() as cursor:
        for statement in _DROP_LISTS:
            cursor.execute(statement)
        cursor.execute("DELETE FROM schema_migrations WHERE version IN (8, 11)")
    forget_store(path)
    # Migrates again: migration 8's table, then migration 11's lists and the scores of every
    # answer (migration 11's fill).
    store = open_store(path)
    for name in store.initiatives()["name"]:
        assert_same_scores(store, initiative(store, name))


# -- the view of migration 11 against the table of migration 8 -------------------------------

# Migration 8's table as its writer filled it: a row per respondent and scale with an answer.
_OLD_COLUMNS = "respondent_id, wave_id, scale_type, scale, score, answered, favourable"


def rows_as_before(cursor, initiative_id: int) -> pa.Table:
    """The rows migration 8's writer stored for the initiative's answers: per item list and
    scale, those with an answer, the score numpy's total / answered (int16 sums, as it had them;
    NaN, stored NULL, below half the scale's items)."""
    scales = scale_scores.instrument_scales(cursor, initiative_id)
    parts = []
    for people, item_ids, values, missing in scale_scores.stored_matrices(cursor, initiative_id):
        found = scale_scores.scale_sums(scales, item_ids, values, missing)
        for scale, total, answered, favourable in found:
            rows = np.flatnonzero(answered > 0)
            score = total.astype(np.int16)[rows] / answered[rows]
            score[answered[rows] < scale.needed] = np.nan
            parts.append(
                pa.table(
                    {
                        "respondent_id": people["respondent_id"].take(rows),
                        "wave_id": people["wave_id"].take(rows),
                        "scale_type": pa.array([scale.scale_type] * len(rows)),
                        "scale": pa.array([scale.scale] * len(rows)),
                        "score": pa.array(score, mask=np.isnan(score)),
                        "answered": pa.array(answered[rows]),
                        "favourable": pa.array(favourable[rows]),
                    }
                )
            )
    return pa.concat_tables(parts)


def _differ(cursor, initiative_id: int, old: pa.Table) -> tuple[int, int]:
    """Rows of the view not in `old`, and rows of `old` not in the view (EXCEPT ALL: duplicates
    count; NULL scores are equal)."""
    view = (
        "SELECT s.respondent_id, s.wave_id, s.scale_type, s.scale, s.score, s.answered,"
        " s.favourable FROM respondent_scale_scores s JOIN waves w ON w.id = s.wave_id"
        " WHERE w.initiative_id = ?"
    )
    table = f"SELECT {_OLD_COLUMNS} FROM old_rows"  # noqa: S608 - fixed names
    cursor.register("old_rows", old)
    try:
        return tuple(
            cursor.execute(
                f"SELECT count(*) FROM (({first}) EXCEPT ALL ({second})) d",  # noqa: S608
                [initiative_id],
            ).fetchall()[0][0]
            for first, second in ((view, table), (table, view))
        )
    finally:
        cursor.unregister("old_rows")


def assert_view_gives_the_old_rows(store, initiative_id: int, old: pa.Table | None = None) -> int:
    """respondent_scale_scores gives exactly migration 8's rows (`old`, or those its writer
    would store for the stored answers): where readers read it (the DuckDB file; PostgreSQL's
    replica) and, on PostgreSQL, in PostgreSQL itself. Returns the rows with a NULL score."""
    store.read_one("SELECT 1")  # PostgreSQL's replica is now fresh
    reader = store.cursor()
    expected = rows_as_before(reader, initiative_id) if old is None else old
    assert expected.num_rows > 0
    assert _differ(reader, initiative_id, expected) == (0, 0)
    if store_is_postgres(store):
        with store.transaction(changes_data=False) as cursor:
            assert _differ(cursor, initiative_id, expected) == (0, 0)
    return expected["score"].null_count


def store_is_postgres(store) -> bool:
    return store.path.startswith("postgresql")


def _survey(first: int, count: int, items, wave: str, seed: int, drop: tuple[str, ...] = ()):
    """A file of `count` respondents answering the instrument's items (but `drop`) at random,
    three answers in ten missing (so some scales are answered too little for a score, and some
    not at all), read as `wave`."""
    rng = np.random.default_rng(seed)
    columns = [item.item_id for item in items if item.item_id not in drop]
    lines = ["respondent_id,organisation,Which sector?,role," + ",".join(columns)]
    for k in range(first, first + count):
        answers = [str(v) if rng.random() > 0.3 else "" for v in rng.integers(1, 6, len(columns))]
        if not any(answers):
            answers[0] = "3"
        lines.append(f"r{k},Org {k % 5},Government / public sector,Lead," + ",".join(answers))
    data = ("\n".join(lines) + "\n").encode()
    table = read_survey(data, "lists.csv")
    mapping = propose_mapping(table, items, {k: list(v) for k, v in DEFAULT_CHOICES.items()})
    return validate(table, mapping, items, data=data, wave=wave)


def test_the_view_gives_the_old_rows_after_imports_an_instrument_change_and_an_undo(
    empty_store,
):
    store = empty_store
    items = load_instrument_csv()
    commit_import(store, Target("Lists", create=True), _survey(1, 150, items, "W1", 1), user=ADMIN)
    lists = initiative(store, "Lists")
    nulls = assert_view_gives_the_old_rows(store, lists)
    assert nulls > 0  # the NULL scores too
    # Another file layout, without a whole scale: another item list, another scale list.
    second = commit_import(
        store, lists, _survey(200, 80, items, "W2", 2, drop=("ED1", "ED2", "ED3")), user=ADMIN
    )
    assert assert_view_gives_the_old_rows(store, lists) > nulls
    assert store.read_one("SELECT count(*) FROM scale_lists") == 2
    assert store.read_one("SELECT count(*) FROM respondent_scale_lists") == 230
    # A reverse flag changed with the next import: every stored score of the initiative is
    # rewritten in that transaction.
    before = stored(store, lists)
    flipped = [dataclasses.replace(items[0], reverse=not items[0].reverse), *items[1:]]
    commit_import(
        store, Target("Lists", instrument=flipped), _survey(300, 40, flipped, "W3", 3), user=ADMIN
    )
    assert_view_gives_the_old_rows(store, lists)
    after = stored(store, lists).merge(before, on=KEYS, suffixes=("", "_before"))
    assert ((after["score"] - after["score_before"]).abs() > 1e-9).any()
    assert_same_scores(store, lists)
    undo_import(store, ADMIN, second.import_id)
    assert assert_view_gives_the_old_rows(store, lists) > 0
    assert store.read_one("SELECT count(*) FROM respondent_scale_lists") == 190
    assert_same_scores(store, lists)


def test_migration_11_gives_the_rows_migration_8_stored(writable_demo_store, store_kind):
    store = writable_demo_store
    path = store.path
    initiatives = {initiative(store, name) for name in store.initiatives()["name"]}
    # The database as it was at migration 10: migration 8's table, as its writer filled it.
    table = MIGRATIONS[7][2][0]
    with store.transaction() as cursor:
        old = {i: rows_as_before(cursor, i) for i in initiatives}
        for statement in _DROP_LISTS:
            cursor.execute(statement)
        cursor.execute(translate_ddl(table) if store_kind == "postgres" else table)
        for rows in old.values():
            cursor.register("old_rows", rows)
            cursor.execute(
                f"INSERT INTO respondent_scale_scores ({_OLD_COLUMNS})"  # noqa: S608 - fixed
                f" SELECT {_OLD_COLUMNS} FROM old_rows"
            )
            cursor.unregister("old_rows")
        cursor.execute("DELETE FROM schema_migrations WHERE version = 11")
        stored_before = sum(rows.num_rows for rows in old.values())
        assert scalar(cursor, "SELECT count(*) FROM respondent_scale_scores") == stored_before
    forget_store(path)
    store = open_store(path)  # migration 11: the table becomes lists, and the view
    assert store.read_one("SELECT max(version) FROM schema_migrations") == 11
    assert sum(assert_view_gives_the_old_rows(store, i, old[i]) for i in initiatives) > 0
    assert store.read_one("SELECT count(*) FROM respondent_scale_scores") == stored_before
