"""Stored respondent scale scores (store/scale_scores.py, migration 8): written with the answers
in the import's transaction, removed by its undo, rewritten when the instrument changes, filled
for answers stored before the migration; always equal, to 1e-12, to the scores the rules of
DESIGN.md section 3 give from the stored answers (scoring.RESPONDENT_SCORES_SQL)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analytics.access.permissions import command_line_user
from analytics.cli import main as cli
from analytics.ingest.commit import Target, commit_import, undo_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.ingest.values import DEFAULT_CHOICES
from analytics.measures.scoring import RESPONDENT_SCORES_SQL, STORE_ANSWERS_SQL
from analytics.store.connection import forget_store, open_store
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


def test_migration_8_scores_the_answers_stored_before_it(writable_demo_store):
    store = writable_demo_store
    path = store.path
    with store.transaction() as cursor:
        cursor.execute("DROP TABLE respondent_scale_scores")
        cursor.execute("DELETE FROM schema_migrations WHERE version = 8")
    forget_store(path)
    store = open_store(path)  # migrates again: the table, and the scores of every answer
    for name in store.initiatives()["name"]:
        assert_same_scores(store, initiative(store, name))
