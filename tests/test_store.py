"""The store: migrations, the single writer, transactions, threads, the database setting."""

import threading
from pathlib import Path

import duckdb
import pytest

from analytics import settings
from analytics.store.connection import Store, forget_store, open_store
from analytics.store.schema import MIGRATIONS

pytestmark = pytest.mark.both_stores

DOMAIN_TABLES = {
    "instruments",
    "answer_choices",
    "item_texts",
    "comments",
    "organisation_aliases",
    "items",
    "sessions",
    "session_keys",
    "initiatives",
    "initiative_instruments",
    "initiative_phase_models",
    "health_checks",
    "health_check_ratings",
    "emergent_entries",
    "phases",
    "partners",
    "waves",
    "imports",
    "respondents",
    "responses",
    "respondent_answers",
    "respondent_scale_scores",  # a view of respondent_scale_lists (migration 11)
    "respondent_scale_lists",
    "scale_lists",
    "score_cells",
    "score_alpha_sums",
    "item_lists",
    "survey_mappings",
    "milestones",
    "indicators",
    "indicator_observations",
    "users",
    "user_initiatives",
    "audit_log",
    "data_version",
    "schema_migrations",
    "network_waves",
    "network_ties",
}


def test_migrations_create_the_whole_domain_model(empty_store):
    assert set(empty_store.table_counts()) == DOMAIN_TABLES
    assert empty_store.schema_version() == MIGRATIONS[-1][0]


def test_reopening_applies_no_migration_twice(tmp_path):
    path = tmp_path / "again.duckdb"
    first = Store(path)
    assert first.schema_version() == MIGRATIONS[-1][0]
    first.close()
    second = Store(path)
    assert second.migrate() == []
    assert second.read_one("SELECT count(*) FROM schema_migrations") == len(MIGRATIONS)
    second.close()


def test_a_new_migration_is_applied_on_open(tmp_path, monkeypatch):
    path = tmp_path / "upgrade.duckdb"
    Store(path).close()
    extra = (MIGRATIONS[-1][0] + 1, "test column", ["ALTER TABLE partners ADD COLUMN note VARCHAR"])
    monkeypatch.setattr("analytics.store.connection.MIGRATIONS", [*MIGRATIONS, extra])
    store = Store(path)
    assert store.schema_version() == extra[0]
    columns = store.read_df("DESCRIBE partners")["column_name"].tolist()
    assert "note" in columns
    store.close()


def test_a_migration_numbered_below_the_latest_is_still_applied(tmp_path, monkeypatch):
    # Migrations written side by side can arrive out of order (2 after 3).
    path = tmp_path / "gap.duckdb"
    Store(path).close()
    late = (MIGRATIONS[-1][0] - 1, "late", ["CREATE TABLE late_arrival (x INTEGER)"])
    if any(version == late[0] for version, _name, _statements in MIGRATIONS):
        late = (MIGRATIONS[-1][0] + 1, "late", late[2])
    monkeypatch.setattr("analytics.store.connection.MIGRATIONS", sorted([*MIGRATIONS, late]))
    store = Store(path)
    assert store.read_one("SELECT count(*) FROM late_arrival") == 0
    assert store.migrate() == []
    store.close()


def test_answers_stored_one_row_per_answer_move_to_one_row_per_respondent(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr("analytics.store.connection.MIGRATIONS", MIGRATIONS[:1])
    old = Store(path)
    with old.transaction() as cursor:
        cursor.execute(
            "INSERT INTO responses VALUES (1, 'B', 4), (1, 'A', NULL), (2, 'A', 2), (2, 'B', 5),"
            " (3, 'C', 1)"
        )
    old.close()
    monkeypatch.setattr("analytics.store.connection.MIGRATIONS", MIGRATIONS)
    store = Store(path)
    rows = store.read_df("SELECT * FROM responses ORDER BY respondent_id, item_id")
    assert rows.astype(object).where(rows.notna(), None).values.tolist() == [
        [1, "A", None],
        [1, "B", 4],
        [2, "A", 2],
        [2, "B", 5],
        [3, "C", 1],
    ]
    assert store.read_one("SELECT count(*) FROM item_lists") == 2
    store.close()


def test_a_failed_transaction_leaves_the_database_exactly_as_it_was(empty_store):
    instrument = empty_store.default_instrument_id()
    before = empty_store.table_counts()
    version = empty_store.data_version()
    with pytest.raises(duckdb.ConstraintException), empty_store.transaction() as cursor:
        Store.create_initiative(cursor, "Good", instrument)
        Store.audit(cursor, "tester", "create initiative", None, "Good", 1)
        # The same name again breaks the UNIQUE rule: the whole transaction must go.
        Store.create_initiative(cursor, "Good", instrument)
    assert empty_store.table_counts() == before
    assert empty_store.data_version() == version


def test_an_exception_in_python_rolls_back_too(empty_store):
    instrument = empty_store.default_instrument_id()
    with pytest.raises(RuntimeError), empty_store.transaction() as cursor:
        Store.create_initiative(cursor, "Half", instrument)
        raise RuntimeError("crash in the middle")
    assert empty_store.initiative_id("Half") is None


def test_a_committed_write_bumps_the_data_version(empty_store):
    version = empty_store.data_version()
    instrument = empty_store.default_instrument_id()  # writes the instrument: one commit
    assert empty_store.data_version() == version + 1
    with empty_store.transaction() as cursor:
        Store.create_initiative(cursor, "New", instrument)
    assert empty_store.data_version() == version + 2


def test_values_are_bound_never_spliced(empty_store):
    instrument = empty_store.default_instrument_id()
    hostile = "Robert'); DROP TABLE initiatives; --"
    with empty_store.transaction() as cursor:
        Store.create_initiative(cursor, hostile, instrument)
    assert empty_store.initiative_id(hostile) is not None
    assert empty_store.initiatives()["name"].tolist() == [hostile]


def test_each_thread_reads_through_its_own_cursor(demo_store):
    cursors, counts, errors = [], [], []

    def read():
        try:
            cursors.append(demo_store.cursor())  # kept alive, so ids stay distinct
            counts.append(demo_store.read_one("SELECT count(*) FROM responses"))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({id(c) for c in cursors}) == 8
    assert demo_store.cursor() not in cursors  # this thread has its own as well
    assert len(set(counts)) == 1 and counts[0] > 0


def test_writes_from_many_threads_are_serialised(empty_store):
    instrument = empty_store.default_instrument_id()
    errors = []

    def write(i):
        try:
            with empty_store.transaction() as cursor:
                Store.create_initiative(cursor, f"Initiative {i}", instrument)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(empty_store.initiatives()) == 10


def test_open_store_returns_one_store_per_database(tmp_path):
    path = tmp_path / "one.duckdb"
    assert open_store(path) is open_store(path)
    forget_store(path)


def test_database_path_setting_precedence(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setattr(settings, "SECRETS_FILE", secrets)
    monkeypatch.delenv("COMMON_MEASURE_DB", raising=False)
    assert settings.database_path() == settings.PROJECT_ROOT / "data" / "common_measure.duckdb"
    secrets.write_text('COMMON_MEASURE_DB = "/srv/from-secrets.duckdb"\n')
    assert settings.database_path() == Path("/srv/from-secrets.duckdb")
    monkeypatch.setenv("COMMON_MEASURE_DB", str(tmp_path / "from-env.duckdb"))
    assert settings.database_path() == tmp_path / "from-env.duckdb"
