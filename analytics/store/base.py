"""What every store shares, whatever holds the data: the cache keyed on the data version, the
write helpers every writer uses inside its transaction, and the read helpers. The embedded DuckDB
store (connection) and the PostgreSQL store (postgres) differ only in how they read and write.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.instrument import Item, load_instrument_csv
from analytics.store.scale_scores import fill_scale_scores, insert_scale_scores, instrument_scales
from analytics.store.schema import DEFAULT_PHASE_MODEL
from analytics.store.score_cells import add_answers_to_cells, refresh_score_cells

DEFAULT_INSTRUMENT_NAME = "Common Measure default instrument"

_cache: OrderedDict[tuple, object] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 128
T = TypeVar("T")


def fill_score_cells(cursor: Any) -> None:
    """Migration 10's fill: the score cells and alpha sums of every initiative."""
    for (initiative_id,) in cursor.execute("SELECT id FROM initiatives ORDER BY id").fetchall():
        refresh_score_cells(cursor, int(initiative_id), instrument_scales(cursor, initiative_id))


# Data a migration derives from what is already stored, computed in Python inside the
# migration's own transaction after its statements (the statements stay plain DDL), on either
# store: the function gets the transaction's cursor. The scale scores of answers stored before
# them are filled by migration 11, not 8: the fill writes migration 11's lists, and rewrites
# the score cells (which migration 10 filled from migration 8's table, left empty by then).
MIGRATION_FILLS: dict[int, Callable[[Any], object]] = {
    10: fill_score_cells,
    11: fill_scale_scores,
}


def scalar(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> Any:
    """The first value of the first row, or None; the result is read to its end, as DuckDB
    requires before the cursor runs anything else."""
    rows = cursor.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


class CommitGate:
    """Reads share the gate; a commit holds it alone. DuckDB can let a read that starts while a
    large transaction is committing see part of it (seen with DuckDB 2.0 and millions of
    appended rows), so no read runs during a COMMIT: each sees the data before or after."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._committing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._committing)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._committing = True  # new reads wait from now on
            self._condition.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._condition:
                self._committing = False
                self._condition.notify_all()


class StoreError(RuntimeError):
    """A store operation that could not be done, in words a person can act on."""


class BaseStore:
    """The interface of a store. Subclasses give read_df, read_one, transaction, close,
    migrate, schema_version and data_version; `path` names the database (never a password)."""

    path: str
    closed: bool

    def read_df(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        raise NotImplementedError

    def read_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[Any]:
        raise NotImplementedError
        yield

    def cached(self, name: str, args: tuple, compute: Callable[[], T]) -> T:
        """compute() once per (database, data version, name, args). Any committed write
        changes the data version, so a refresh with unchanged data costs one small query.
        A DataFrame comes back as a copy; other values are shared, so treat them as read-only.
        `args` must hold everything the result depends on besides the data (settings too)."""
        key = (self.path, self.data_version(), name, args)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                value = _cache[key]
                return value.copy() if isinstance(value, pd.DataFrame) else value
        value = compute()
        with _cache_lock:
            _cache[key] = value
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return value.copy() if isinstance(value, pd.DataFrame) else value

    def data_version(self) -> int:
        """A number that changes with every committed write; caches key on it."""
        return int(self.read_one("SELECT version FROM data_version"))

    # -- writes used by several parts ----------------------------------------------------------

    @staticmethod
    def audit(
        cursor: duckdb.DuckDBPyConnection,
        actor: str,
        action: str,
        initiative_id: int | None = None,
        detail: str = "",
        row_count: int = 0,
    ) -> None:
        """Record a write in the audit log, inside the caller's transaction."""
        cursor.execute(
            "INSERT INTO audit_log (actor, action, initiative_id, detail, row_count)"
            " VALUES (?, ?, ?, ?, ?)",
            [actor, action, initiative_id, detail, row_count],
        )

    @staticmethod
    def insert_instrument(
        cursor: duckdb.DuckDBPyConnection, name: str, items: Sequence[Item]
    ) -> int:
        instrument_id = scalar(
            cursor, "INSERT INTO instruments (name) VALUES (?) RETURNING id", [name]
        )
        cursor.executemany(
            "INSERT INTO items (instrument_id, item_id, position, text, condition, principle,"
            " reverse) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                [instrument_id, it.item_id, i, it.text, it.condition, it.principle, it.reverse]
                for i, it in enumerate(items, start=1)
            ],
        )
        translated = [
            [instrument_id, it.item_id, language, text]
            for it in items
            for language, text in it.texts
        ]
        if translated:
            cursor.executemany(
                "INSERT INTO item_texts (instrument_id, item_id, language, text)"
                " VALUES (?, ?, ?, ?)",
                translated,
            )
        return int(instrument_id)

    @staticmethod
    def create_initiative(
        cursor: duckdb.DuckDBPyConnection,
        name: str,
        instrument_id: int,
        description: str = "",
        start_date: object = None,
    ) -> int:
        """A new initiative using `instrument_id`, inside the caller's transaction."""
        initiative_id = int(
            scalar(
                cursor,
                "INSERT INTO initiatives (name, description, start_date) VALUES (?, ?, ?)"
                " RETURNING id",
                [name, description, start_date],
            )
        )
        cursor.execute(
            "INSERT INTO initiative_instruments (initiative_id, instrument_id) VALUES (?, ?)",
            [initiative_id, instrument_id],
        )
        return initiative_id

    @staticmethod
    def default_instrument_in(cursor: duckdb.DuckDBPyConnection) -> int:
        """The id of the shipped instrument, stored on first use, inside the caller's
        transaction."""
        found = scalar(
            cursor, "SELECT id FROM instruments WHERE name = ?", [DEFAULT_INSTRUMENT_NAME]
        )
        if found is not None:
            return int(found)
        return BaseStore.insert_instrument(cursor, DEFAULT_INSTRUMENT_NAME, load_instrument_csv())

    def default_instrument_id(self) -> int:
        """The id of the shipped instrument, stored (in its own transaction) on first use."""
        found = self.read_one(
            "SELECT id FROM instruments WHERE name = ?", [DEFAULT_INSTRUMENT_NAME]
        )
        if found is not None:
            return int(found)
        with self.transaction() as cursor:
            return self.default_instrument_in(cursor)

    # -- reads -----------------------------------------------------------------------------------

    def initiatives(self) -> pd.DataFrame:
        return self.read_df(
            "SELECT n.id, n.name, n.description, n.start_date, ii.instrument_id"
            " FROM initiatives n JOIN initiative_instruments ii ON ii.initiative_id = n.id"
            " ORDER BY n.name"
        )

    def initiative_id(self, name: str) -> int | None:
        found = self.read_one("SELECT id FROM initiatives WHERE name = ?", [name])
        return None if found is None else int(found)

    def waves(self, initiative_id: int) -> pd.DataFrame:
        """The initiative's waves in time order (by opening date, then label)."""
        return self.read_df(
            "SELECT id, label, opened_on, closed_on FROM waves WHERE initiative_id = ?"
            " ORDER BY opened_on NULLS LAST, label",
            [initiative_id],
        )

    def instrument_items(self, initiative_id: int) -> pd.DataFrame:
        return self.read_df(
            "SELECT i.item_id, i.text, i.condition, i.principle, i.reverse FROM items i"
            " JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id"
            " WHERE ii.initiative_id = ? ORDER BY i.position",
            [initiative_id],
        )

    def phase_model(self, initiative_id: int) -> str:
        """The key of the phase model the initiative is told in (FSG's when none was chosen)."""
        found = self.read_one(
            "SELECT phase_model FROM initiative_phase_models WHERE initiative_id = ?",
            [initiative_id],
        )
        return DEFAULT_PHASE_MODEL if found is None else str(found)

    def phases(self, initiative_id: int, phase_model: str | None = None) -> pd.DataFrame:
        """The initiative's dated phases in order (an open phase has no end date), in its
        current phase model or in `phase_model`; with who recorded each and their note."""
        model = self.phase_model(initiative_id) if phase_model is None else phase_model
        frame = self.read_df(
            "SELECT phase, start_date, end_date, note, recorded_by FROM phases"
            " WHERE initiative_id = ? AND phase_model = ? ORDER BY start_date",
            [initiative_id, model],
        )
        for column in ("start_date", "end_date"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
        return frame

    def instrument(self, initiative_id: int) -> list[Item]:
        """The initiative's instrument as items, in order, with their other languages."""
        translated: dict[str, list[tuple[str, str]]] = {}
        for r in self.read_df(
            "SELECT t.item_id, t.language, t.text FROM item_texts t"
            " JOIN initiative_instruments ii ON ii.instrument_id = t.instrument_id"
            " WHERE ii.initiative_id = ? ORDER BY t.language",
            [initiative_id],
        ).itertuples():
            translated.setdefault(r.item_id, []).append((r.language, r.text))
        return [
            Item(
                r.item_id,
                r.text,
                r.condition if isinstance(r.condition, str) else None,
                r.principle if isinstance(r.principle, str) else None,
                bool(r.reverse),
                tuple(translated.get(r.item_id, ())),
            )
            for r in self.instrument_items(initiative_id).itertuples()
        ]

    @staticmethod
    def insert_answers(
        cursor: duckdb.DuckDBPyConnection,
        respondent_ids: np.ndarray,
        item_ids: Sequence[str],
        values: np.ndarray,
        missing: np.ndarray,
        *,
        initiative_id: int,
        wave_ids: np.ndarray,
    ) -> None:
        """Store answers inside the caller's transaction: `values` (uint8) and `missing`
        (bool) have one row per respondent of `respondent_ids` (of the initiative's waves
        `wave_ids`) and one column per item of `item_ids`; each respondent's answers become
        one list in that item order, and their scale sums a row of respondent_scale_lists (by
        the initiative's instrument); the initiative's score cells follow."""
        BaseStore._insert_answer_lists(cursor, respondent_ids, item_ids, values, missing)
        scales = instrument_scales(cursor, initiative_id)
        insert_scale_scores(
            cursor,
            scales,
            respondent_ids,
            wave_ids,
            [str(item) for item in item_ids],
            values,
            missing,
        )
        add_answers_to_cells(
            cursor, initiative_id, scales, respondent_ids, item_ids, values, missing
        )

    @staticmethod
    def _insert_answer_lists(
        cursor: duckdb.DuckDBPyConnection,
        respondent_ids: np.ndarray,
        item_ids: Sequence[str],
        values: np.ndarray,
        missing: np.ndarray,
    ) -> None:
        item_ids = [str(item) for item in item_ids]
        item_list_id = scalar(
            cursor, "SELECT min(id) FROM item_lists WHERE item_ids = ?::VARCHAR[]", [item_ids]
        )
        if item_list_id is None:
            item_list_id = scalar(
                cursor,
                "INSERT INTO item_lists (item_ids) VALUES (?::VARCHAR[]) RETURNING id",
                [item_ids],
            )
        copy_answers = getattr(cursor, "copy_answers", None)
        if copy_answers is not None:  # PostgreSQL: a binary COPY, see PgCursor.copy_answers
            copy_answers(
                np.asarray(respondent_ids, dtype=np.int64),
                int(item_list_id),
                np.ascontiguousarray(values, dtype=np.uint8),
                np.ascontiguousarray(missing, dtype=bool),
            )
            return
        flat = pa.array(
            np.ascontiguousarray(values, dtype=np.uint8).reshape(-1),
            mask=np.ascontiguousarray(missing, dtype=bool).reshape(-1),
        )
        rows = pa.table(
            {
                "respondent_id": pa.array(np.asarray(respondent_ids, dtype=np.int64)),
                "answers": pa.FixedSizeListArray.from_arrays(flat, max(len(item_ids), 1)),
            }
        )
        cursor.register("answer_rows", rows)
        try:
            cursor.execute(
                "INSERT INTO respondent_answers (respondent_id, item_list_id, answers)"
                " SELECT respondent_id, ?, answers::UTINYINT[] FROM answer_rows",
                [int(item_list_id)],
            )
        finally:
            cursor.unregister("answer_rows")

    def answers(self, initiative_id: int) -> pd.DataFrame:
        """Every stored answer of the initiative, one row per respondent and item."""
        return self.read_df(
            "SELECT r.respondent_id, p.wave_id, r.item_id, r.value, p.sector, p.role,"
            " p.organisation FROM responses r JOIN respondents p ON p.id = r.respondent_id"
            " JOIN waves w ON w.id = p.wave_id WHERE w.initiative_id = ?",
            [initiative_id],
        )

    def table_counts(self) -> dict[str, int]:
        tables = self.read_df(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " ORDER BY table_name"
        )["table_name"]
        # Table names come from the catalogue, not from input.
        return {t: int(self.read_one(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608
