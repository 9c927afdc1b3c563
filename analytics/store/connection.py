"""The DuckDB store: one connection per process, a cursor per thread, one writer.

Reads go through `Store.read_df` on the calling thread's own cursor. Every write goes through
`Store.transaction()`, which holds the single writer lock, runs in one transaction, bumps the
data version that caches key on, and rolls back whole on any error. Values are always bound
parameters; the only SQL text built in code uses identifiers from fixed lists.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics import settings
from analytics.store.base import (  # noqa: F401 - the names callers import from here
    DEFAULT_INSTRUMENT_NAME,
    MIGRATION_FILLS,
    BaseStore,
    CommitGate,
    StoreError,
    scalar,
)
from analytics.store.schema import MIGRATIONS

_stores: dict[str, BaseStore] = {}
_stores_lock = threading.Lock()


class Store(BaseStore):
    """The embedded store: one DuckDB file (or memory), one connection per process."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect(self.path)
        self._local = threading.local()
        self._writer = threading.RLock()
        self._writer_cursor = self._connection.cursor()
        self._gate = CommitGate()
        self.closed = False
        self.migrate()

    # -- connections -------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's own cursor on the process's one connection."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            self._local.cursor = cursor
        return cursor

    def read_df(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        """A query's result, read whole before or after any commit, never during one."""
        with self._gate.shared():
            return self.cursor().execute(sql, params).df()

    def read_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        with self._gate.shared():
            return scalar(self.cursor(), sql, params)

    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writer: one transaction, committed whole or rolled back whole.
        `changes_data=False` for bookkeeping no cached figure depends on (a session's last
        click): the data version, and so every cache, stays as it was."""
        with self._writer:
            cursor = self._writer_cursor
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
                if changes_data:
                    cursor.execute("UPDATE data_version SET version = version + 1")
                with self._gate.exclusive():
                    cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._writer:
            self._connection.close()
            self.closed = True

    # -- schema ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        cursor = self.cursor()
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        return int(scalar(cursor, "SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def migrate(self) -> list[int]:
        """Apply, in order, every migration the database has not recorded, each in its own
        transaction (by number recorded, not by the highest: numbers of changes made side by
        side may arrive out of order)."""
        applied = []
        self.schema_version()  # creates schema_migrations in a new database
        done = {
            int(row[0])
            for row in self.cursor().execute("SELECT version FROM schema_migrations").fetchall()
        }
        for version, name, statements in MIGRATIONS:
            if version in done:
                continue
            with self._writer:
                cursor = self._writer_cursor
                cursor.execute("BEGIN TRANSACTION")
                try:
                    for statement in statements:
                        cursor.execute(statement)
                    if version in MIGRATION_FILLS:
                        MIGRATION_FILLS[version](cursor)
                    cursor.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        [version, name],
                    )
                    cursor.execute("COMMIT")
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
            applied.append(version)
        return applied


def _key(target: Path | str) -> str:
    text = str(target)
    if settings.is_postgres_url(text):
        return settings.without_password(text)  # postgres.redacted_url, without loading it
    return str(Path(text).resolve()) if text != ":memory:" else ":memory:"


def open_store(path: Path | str | None = None) -> BaseStore:
    """The process's one store for `path` (default: the database setting): a DuckDB file (created
    and migrated when new), or a `postgresql://` URL (migrated when behind). Filling a new
    database with the demo is the app's first start's business (analytics.demo.fill.fill_if_new),
    not the store's."""
    target = str(path) if path is not None else settings.database_target()
    key = _key(target)
    with _stores_lock:
        store = _stores.get(key)
        if store is not None:
            return store
        if settings.is_postgres_url(target):
            # Imported here: a command on a DuckDB file need not load the PostgreSQL store.
            from analytics.store.postgres import PostgresStore

            store = PostgresStore(target)
        else:
            store = Store(Path(target))
        if key != ":memory:":
            _stores[key] = store
        return store


@atexit.register
def close_all_stores() -> None:
    """Close every open store (at exit: DuckDB then checkpoints and frees cleanly)."""
    with _stores_lock:
        stores = list(_stores.values())
        _stores.clear()
    for store in stores:
        with suppress(Exception):
            store.close()


def forget_store(path: Path | str) -> None:
    """Close and drop the cached store of `path` (tests, and the CLI on exit)."""
    with _stores_lock:
        store = _stores.pop(_key(path), None)
    if store is not None:
        store.close()
