"""The shared store: PostgreSQL holds every table; an in-process DuckDB replica answers reads.

Writes run in one PostgreSQL transaction behind an advisory lock (one writer at a time across
every server and the command line, as the embedded store has one writer), record the tables
they wrote, and bump those tables' versions. Reads run on an in-memory DuckDB copy of the tables,
so that the scoring SQL is written once, in DuckDB's dialect; before each read the copy checks
PostgreSQL's change counter (one small query) and fetches the tables that changed, all in one
REPEATABLE READ snapshot, replaced in one DuckDB transaction: a read sees an import whole or not
at all, and sees at once whatever any server or the command line committed before it began.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from analytics import settings
from analytics.store.base import MIGRATION_FILLS, BaseStore, CommitGate, StoreError, scalar
from analytics.store.schema import MIGRATIONS

# pg_advisory_xact_lock key of the one writer: "CMWR" in ASCII.
WRITER_LOCK = 0x434D5752
CHANNEL = "common_measure_changes"
# How long the listener waits for a NOTIFY before it looks whether its store was closed: close
# waits for it, so that no thread of a closed store is left running (at exit, a thread inside
# DuckDB or libpq while the interpreter shuts down can abort the process).
_LISTEN_POLL = 0.2

# -- the schema on PostgreSQL ----------------------------------------------------------------------

# DuckDB type names and their PostgreSQL equivalents, word for word outside string literals.
# JSON is kept as TEXT: nothing queries inside it, and the text comes back exactly as written.
_TYPES = (
    (r"\bUTINYINT\b", "SMALLINT"),
    (r"\bTINYINT\b", "SMALLINT"),
    (r"\bUSMALLINT\b", "INTEGER"),
    (r"\bUINTEGER\b", "BIGINT"),
    (r"\bUBIGINT\b", "NUMERIC(20)"),
    (r"\bHUGEINT\b", "NUMERIC(38)"),
    (r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION"),
    (r"\bFLOAT\b", "REAL"),
    (r"\bBLOB\b", "BYTEA"),
    (r"\bJSON\b", "TEXT"),
    (r"\bDEFAULT\s+\[\]", "DEFAULT '{}'"),
)
_DUCKDB_ONLY = re.compile(
    r"\b(list_\w+|list|unnest|generate_subscripts|len|range|STRUCT|MAP|UNION)\s*\(|"
    r"\bCREATE\s+OR\s+REPLACE\s+TABLE\b",
    re.IGNORECASE,
)

# Statements whose DuckDB text has no word-for-word PostgreSQL form: (migration, index) -> SQL.
PG_OVERRIDES: dict[tuple[int, int], str] = {
    (2, 2): """CREATE TABLE respondent_answers (
                respondent_id BIGINT NOT NULL,
                item_list_id INTEGER NOT NULL,
                answers SMALLINT[] NOT NULL CHECK (1 <= ALL(answers) AND 5 >= ALL(answers))
            )""",
    (2, 3): """INSERT INTO item_lists (item_ids)
                SELECT DISTINCT array_agg(item_id ORDER BY item_id) FROM responses
                GROUP BY respondent_id""",
    (2, 4): """INSERT INTO respondent_answers (respondent_id, item_list_id, answers)
                SELECT g.respondent_id, l.id, g.answers FROM (
                    SELECT respondent_id, array_agg(item_id ORDER BY item_id) AS item_ids,
                           array_agg(value ORDER BY item_id) AS answers
                    FROM responses GROUP BY respondent_id
                ) g JOIN item_lists l ON l.item_ids = g.item_ids""",
    (2, 6): """CREATE VIEW responses AS
                SELECT a.respondent_id, l.item_ids[u.position] AS item_id, u.value
                FROM respondent_answers a JOIN item_lists l ON l.id = a.item_list_id
                CROSS JOIN LATERAL unnest(a.answers) WITH ORDINALITY AS u(value, position)""",
    # unnest of several arrays in FROM zips them, as DuckDB's unnests in one SELECT do; the
    # total is cast before dividing (an integer division otherwise).
    (11, 4): """CREATE VIEW respondent_scale_scores AS
                SELECT r.respondent_id, r.wave_id, l.scale_types[u.position] AS scale_type,
                       l.scales[u.position] AS scale,
                       CASE WHEN u.answered >= l.needed[u.position]
                            THEN CAST(u.total AS DOUBLE PRECISION)
                                 / CAST(u.answered AS DOUBLE PRECISION)
                       END AS score,
                       u.answered, u.favourable
                FROM respondent_scale_lists r JOIN scale_lists l ON l.id = r.scale_list_id
                CROSS JOIN LATERAL unnest(r.totals, r.answered, r.favourable) WITH ORDINALITY
                    AS u(total, answered, favourable, position)
                WHERE u.answered > 0""",
}

# PostgreSQL-only bookkeeping, made by migrate: a counter bumped by every write transaction and
# the counter's value when each table was last written. Never in the DuckDB schema.
_BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS cm_changes (singleton BOOLEAN PRIMARY KEY DEFAULT true"
    " CHECK (singleton), seq BIGINT NOT NULL)",
    "INSERT INTO cm_changes VALUES (true, 0) ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS cm_table_versions (table_name TEXT PRIMARY KEY,"
    " version BIGINT NOT NULL)",
    # The change number of the table's last write that was more than an INSERT of new rows.
    "ALTER TABLE cm_table_versions ADD COLUMN IF NOT EXISTS rewritten BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
)


def _outside_literals(sql: str, change) -> str:
    """`change` applied to the parts of `sql` outside single-quoted literals."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else change(p) for i, p in enumerate(parts))


def translate_ddl(statement: str) -> str:
    """A DuckDB statement of a migration in PostgreSQL's dialect: type names and empty list
    defaults translated; a statement that uses a DuckDB-only function is refused (give it a
    PG_OVERRIDES entry)."""

    def change(text: str) -> str:
        if _DUCKDB_ONLY.search(text):
            raise StoreError(f"no PostgreSQL form for this migration statement: {statement!r}")
        for pattern, replacement in _TYPES:
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text

    return _outside_literals(statement, change)


def pg_migrations(migrations=None) -> list[tuple[int, str, list[str]]]:
    """MIGRATIONS in PostgreSQL's dialect, each statement translated or overridden."""
    return [
        (
            version,
            name,
            [
                PG_OVERRIDES.get((version, i)) or translate_ddl(statement)
                for i, statement in enumerate(statements)
            ],
        )
        for version, name, statements in (MIGRATIONS if migrations is None else migrations)
    ]


# -- statements of the code on PostgreSQL ----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\?|\$([A-Za-z_]\w*)|%")
_VERB_WRITES = re.compile(
    r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?!SET\b)\"?([A-Za-z_]\w*)",
    re.IGNORECASE,
)
_WRITES = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?!SET\b)\"?([A-Za-z_]\w*)",
    re.IGNORECASE,
)


def translate_sql(sql: str) -> str:
    """A statement as the code writes it (DuckDB's `?` and `$name` parameters) for psycopg
    (`%s`, `%(name)s`; a literal `%` doubled); string literals are left alone."""

    def change(text: str) -> str:
        text = _PLACEHOLDER.sub(
            lambda m: "%s" if m.group() == "?" else "%%" if m.group() == "%" else f"%({m[1]})s",
            text,
        )
        for pattern, replacement in _TYPES[:1]:  # casts to UTINYINT in DML
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text

    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p.replace("%", "%%") if i % 2 else change(p) for i, p in enumerate(parts))


# Tables that grow by imports and whose rows, once written, change only by being deleted: each
# new row's key is above every key before it (respondents and their answers get max(id) + 1 in
# the one writer; the audit log's ids come from its sequence in commit order). After writes
# that only INSERTed new rows, a server copies the rows above its largest key, not the table.
APPENDED_BY_KEY = {
    "respondents": "id",
    "respondent_answers": "respondent_id",
    "respondent_scale_lists": "respondent_id",  # written with the answers, by respondent
    "audit_log": "id",
}


def tables_rewritten(sql: str) -> set[str]:
    """The tables a statement writes other than by a plain INSERT of new rows (UPDATE, DELETE,
    TRUNCATE, or an INSERT ... ON CONFLICT that may update)."""
    found: set[str] = set()

    def collect(text: str) -> str:
        for verb, table in _VERB_WRITES.findall(text):
            if not verb.upper().startswith("INSERT") or re.search(r"\bON\s+CONFLICT\b", text, re.I):
                found.add(table.lower())
        return text

    _outside_literals(sql, collect)
    return found


def tables_written(sql: str) -> set[str]:
    """The tables a statement writes (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE)."""
    found: set[str] = set()
    _outside_literals(
        sql, lambda text: found.update(m.lower() for m in _WRITES.findall(text)) or text
    )
    return found


_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

# DuckDB column types of a registered frame -> PostgreSQL types of its TEMP table.
_PG_TYPE = {
    "BOOLEAN": "BOOLEAN",
    "TINYINT": "SMALLINT",
    "UTINYINT": "SMALLINT",
    "SMALLINT": "SMALLINT",
    "USMALLINT": "INTEGER",
    "INTEGER": "INTEGER",
    "UINTEGER": "BIGINT",
    "BIGINT": "BIGINT",
    "UBIGINT": "NUMERIC(20)",
    "HUGEINT": "NUMERIC(38)",
    "FLOAT": "REAL",
    "DOUBLE": "DOUBLE PRECISION",
    "VARCHAR": "TEXT",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "BLOB": "BYTEA",
    "JSON": "TEXT",
    '"NULL"': "TEXT",
}


def _pg_column(name: str, duck_type: str) -> tuple[str, str]:
    """(PostgreSQL type, DuckDB expression giving the column as COPY csv text)."""
    quoted = '"' + name.replace('"', '""') + '"'
    base = re.sub(r"\[\d*\]$", "", duck_type)
    if base != duck_type:  # a list: PostgreSQL's array literal
        element = _PG_TYPE.get(base, "TEXT")
        if element == "TEXT":
            item = (
                "'\"' || replace(replace(CAST(x AS VARCHAR), '\\', '\\\\'), '\"', '\\\"') || '\"'"
            )
        else:
            item = "CAST(x AS VARCHAR)"
        text = (
            f"CASE WHEN {quoted} IS NULL THEN NULL ELSE '{{' || array_to_string(list_transform("
            f"{quoted}, lambda x: coalesce({item}, 'NULL')), ',') || '}}' END"
        )
        return f"{element}[]", text
    if base.startswith("TIMESTAMP") and "TIME ZONE" not in base:  # _S, _MS, _NS: any precision
        return "TIMESTAMP", f"CAST({quoted} AS VARCHAR)"
    if base == "BLOB":  # PostgreSQL's hex form of bytea
        return "BYTEA", f"'\\x' || hex({quoted})"
    if base.startswith("DECIMAL"):
        return "NUMERIC", f"CAST({quoted} AS VARCHAR)"
    return _PG_TYPE.get(base, "TEXT"), f"CAST({quoted} AS VARCHAR)"


class PgCursor:
    """The part of DuckDB's cursor API the code uses, over one PostgreSQL transaction: execute
    (returning itself), executemany, fetchall, fetchone, df, description, and register /
    unregister of a DataFrame or Arrow table (a TEMP table filled by COPY); and two COPYs of its
    own: copy_answers (the answers written) and copy_arrow (a query's rows read as Arrow)."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self._temporary: set[str] = set()
        self.written: set[str] = set()
        self.rewritten: set[str] = set()  # written other than by inserting new rows

    def _run(self, action):
        import psycopg

        try:
            return action()
        except psycopg.errors.IntegrityError as error:
            # The same exception as the embedded store's, so that callers treat both alike.
            raise duckdb.ConstraintException(str(error).strip()) from error

    def _note(self, sql: str) -> None:
        self.written |= tables_written(sql) - self._temporary
        self.rewritten |= tables_rewritten(sql) - self._temporary

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = ()) -> PgCursor:
        self._note(sql)
        text = translate_sql(sql)
        bound = _bindable(params)
        self._run(lambda: self._cursor.execute(text, bound if bound else None))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> PgCursor:
        self._note(sql)
        text = translate_sql(sql)
        self._run(lambda: self._cursor.executemany(text, [_bindable(r) for r in rows]))
        return self

    def fetchall(self) -> list[tuple]:
        if self._cursor.description is None:
            return []
        return self._cursor.fetchall()

    def fetchone(self) -> tuple | None:
        if self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    @property
    def description(self) -> list[tuple] | None:
        found = self._cursor.description
        return None if found is None else [(c.name, c.type_code) for c in found]

    def df(self) -> pd.DataFrame:
        names = [name for name, _type in self.description or []]
        return pd.DataFrame.from_records(self.fetchall(), columns=names)

    def register(self, name: str, rows: pd.DataFrame | pa.Table) -> None:
        """A TEMP table `name` holding `rows`, for the statements that follow."""
        if not _NAME.match(name):
            raise StoreError(f"not a table name: {name!r}")
        self.unregister(name)
        scratch = duckdb.connect()
        try:
            scratch.register("frame", rows)
            relation = scratch.sql("SELECT * FROM frame")
            columns = [
                (column, *_pg_column(column, str(kind)))
                for column, kind in zip(relation.columns, relation.types, strict=True)
            ]
            definition = ", ".join(
                '"' + c.replace('"', '""') + '" ' + pg for c, pg, _text in columns
            )
            # Identifiers only: `name` matched _NAME above, the columns are quoted; no values.
            self._cursor.execute(f'CREATE TEMP TABLE "{name}" ({definition}) ON COMMIT DROP')  # noqa: S608
            self._temporary.add(name)
            handle, path = tempfile.mkstemp(suffix=".csv")
            os.close(handle)
            try:
                select = ", ".join(text for _c, _pg, text in columns)
                scratch.execute(
                    f"COPY (SELECT {select} FROM frame) TO '{path}'"  # noqa: S608 - names above
                    " (FORMAT csv, HEADER false, NULLSTR '\\N')"
                )
                with (
                    open(path, "rb") as source,
                    self._cursor.copy(
                        f"COPY \"{name}\" FROM STDIN (FORMAT csv, NULL '\\N')"
                    ) as copy,
                ):
                    while block := source.read(1 << 20):
                        copy.write(block)
            finally:
                os.unlink(path)
        finally:
            scratch.close()

    def copy_answers(
        self,
        respondent_ids: np.ndarray,
        item_list_id: int,
        values: np.ndarray,
        missing: np.ndarray,
    ) -> None:
        """Store.insert_answers on PostgreSQL: a binary COPY straight into respondent_answers."""
        self.written.add("respondent_answers")
        with self._cursor.copy(
            "COPY respondent_answers (respondent_id, item_list_id, answers) FROM STDIN"
            " (FORMAT binary)"
        ) as copy:
            for block in answers_copy_binary(respondent_ids, item_list_id, values, missing):
                copy.write(block)

    def copy_arrow(self, sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
        """A query's rows as an Arrow table of `schema` (its columns in order): a COPY of its
        rows as CSV, parsed by pyarrow, its integer lists by numpy (_integer_lists), so that no
        Python object is made per value (fetchall's lists took twice as long at 200,000
        respondents). Integers, floats, text, booleans and lists of integers; the parameters
        must be integers (COPY binds none: each is written into the statement as an int)."""
        self._note(sql)
        for field in schema:
            kind = field.type.value_type if pa.types.is_list(field.type) else field.type
            if not (pa.types.is_integer(kind) or (
                field.type == kind
                and (pa.types.is_floating(kind) or pa.types.is_string(kind)
                     or pa.types.is_boolean(kind))
            )):  # fmt: skip
                raise StoreError(f"no columnar read of a column of type {field.type}")
        text = _with_integers(sql, params)
        block = bytearray()
        with self._cursor.copy(
            # On lines of their own: a statement ending in a -- comment still closes.
            f"COPY (\n{text}\n) TO STDOUT (FORMAT csv, NULL '\\N', ENCODING 'UTF8')"
        ) as copy:
            for part in copy:
                block += part
        if not block:  # no rows (pyarrow refuses an empty file)
            return schema.empty_table()
        lists = [f.name for f in schema if pa.types.is_list(f.type)]
        read = _read_copied_csv(block, schema, lists)
        columns = [
            pa.chunked_array(
                [_integer_lists(chunk, field.type) for chunk in read[field.name].chunks],
                field.type,
            )
            if field.name in lists
            else read[field.name]
            for field in schema
        ]
        return pa.Table.from_arrays(columns, schema=schema)

    def unregister(self, name: str) -> None:
        if name in self._temporary:
            self._cursor.execute(f'DROP TABLE IF EXISTS "{name}"')  # noqa: S608 - a registered name
            self._temporary.discard(name)


def answers_copy_binary(
    respondent_ids: np.ndarray,
    item_list_id: int,
    values: np.ndarray,
    missing: np.ndarray,
    rows_per_block: int = 50_000,
) -> Iterator[bytes]:
    """Rows of respondent_answers (respondent_id, item_list_id, answers) in PostgreSQL's binary
    COPY format, built with numpy a block of rows at a time: no text for the server to parse,
    no Python object per answer. An answer is 6 bytes (length 2, the value); a missing one is a
    NULL element (length -1)."""
    rows_total, width = values.shape
    yield b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    for start in range(0, rows_total, rows_per_block):
        block = slice(start, start + rows_per_block)
        gaps = np.asarray(missing[block], dtype=bool)
        answers = np.asarray(values[block], dtype=np.uint8)
        rows = len(answers)
        element_bytes = np.where(gaps, 4, 6).astype(np.int64)
        array_bytes = 20 + element_bytes.sum(axis=1)
        row_bytes = 26 + array_bytes  # field count, id and list id with lengths, array length
        row_start = np.concatenate(([0], np.cumsum(row_bytes)[:-1]))
        out = np.zeros(int(row_bytes.sum()), dtype=np.uint8)

        def column(value, kind: str, rows: int = rows) -> np.ndarray:
            full = np.broadcast_to(np.asarray(value), (rows,)).astype(kind)
            return np.ascontiguousarray(full).view(np.uint8).reshape(rows, -1)

        head = np.concatenate(
            [
                column(3, ">i2"),  # fields in the row
                column(8, ">i4"),
                column(respondent_ids[block], ">i8"),
                column(4, ">i4"),
                column(item_list_id, ">i4"),
                column(array_bytes, ">i4"),
                column(1, ">i4"),  # dimensions
                column(gaps.any(axis=1), ">i4"),  # has NULL elements
                column(21, ">i4"),  # element type: int2
                column(width, ">i4"),
                column(1, ">i4"),  # lower bound
            ],
            axis=1,
        )
        out[(row_start[:, None] + np.arange(46)).reshape(-1)] = head.reshape(-1)
        first = np.zeros((rows, 1), dtype=np.int64)
        element_start = (
            row_start[:, None]
            + 46
            + np.concatenate((first, np.cumsum(element_bytes, 1)[:, :-1]), 1)
        ).reshape(-1)
        flat_gaps = gaps.reshape(-1)
        present = element_start[~flat_gaps]
        out[present + 3] = 2  # length 2 (the first three bytes are zero)
        out[present + 5] = answers.reshape(-1)[~flat_gaps]
        absent = element_start[flat_gaps]
        for offset in range(4):
            out[absent + offset] = 255  # length -1: NULL
        yield out.tobytes()
    yield struct.pack(">h", -1)


def _read_copied_csv(block: bytearray, schema: pa.Schema, lists: list[str]) -> pa.Table:
    """copy_arrow's CSV text as columns of `schema`, its lists still text."""

    def read(block_size: int) -> pa.Table:
        return pa_csv.read_csv(
            pa.py_buffer(block),
            read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=block_size),
            # A one-column row holding an empty text is an empty line: kept.
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f.name: pa.string() if f.name in lists else f.type for f in schema},
                null_values=["\\N"],  # PostgreSQL quotes a text that reads \N: kept a text
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )

    try:
        return read(1 << 24)  # blocks parsed on several threads
    except pa.ArrowInvalid as error:
        if "straddl" not in str(error):
            raise
    # A row longer than a block (an array_agg of 200,000 ids is one): the text as one block.
    return read(min(len(block) + 1, (1 << 31) - 1))


def _integer_lists(text: pa.Array, kind: pa.ListType) -> pa.Array:
    """PostgreSQL's text of one-dimensional integer arrays ({1,NULL,-3}, {}; NULL) as Arrow
    lists of `kind`, parsed with numpy a digit place at a time over every element at once (a
    Python object per element is what made fetchall slow)."""
    text = text.cast(pa.string())
    rows = len(text)
    valid = np.asarray(text.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + rows + 1]
    data = np.frombuffer(text.buffers()[2] or b"", dtype=np.uint8)
    first, last = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    found = data[offsets[0] : offsets[-1]]
    if (
        (last - first)[valid].min(initial=2) < 2
        or (data[first[valid]] != ord("{")).any()
        or (data[last[valid] - 1] != ord("}")).any()
        or np.count_nonzero(found == ord("{")) != np.count_nonzero(valid)
        or np.count_nonzero(found == ord('"'))
    ):
        raise StoreError(f"not one-dimensional integer arrays: {text[:3].to_pylist()}")
    # An element starts after the row's { or a comma, and ends at a comma or the row's }.
    filled = valid & (last - first > 2)
    commas = np.flatnonzero(found == ord(",")) + int(offsets[0])
    starts = np.zeros(len(data) + 1, dtype=bool)
    starts[first[filled] + 1] = True
    starts[commas + 1] = True
    ends = np.zeros(len(data) + 1, dtype=bool)
    ends[last[filled] - 1] = True
    ends[commas] = True
    start, end = np.flatnonzero(starts), np.flatnonzero(ends)
    sign = data[np.minimum(start, len(data) - 1)] == ord("-")
    null = end - start == 4
    for k, letter in enumerate(b"NULL"):
        null &= data[np.minimum(start + k, len(data) - 1)] == letter
    digit = start + sign
    places = np.where(null, 0, end - digit)
    value = np.zeros(len(start), dtype=np.int64)
    for place in range(int(places.max(initial=0))):
        present = place < places
        code = data[np.where(present, digit + place, 0)].astype(np.int64) - ord("0")
        if ((code < 0) | (code > 9))[present].any():
            raise StoreError(f"not integer arrays: {text[:3].to_pylist()}")
        value = np.where(present, value * 10 + code, value)
    # Past 19 digits, or 19 that wrapped past int64 (bar its least, -9223372036854775808).
    wrapped = (places == 19) & (value < 0) & ~(sign & (value == np.iinfo(np.int64).min))
    if ((places == 0) & ~null).any() or (places > 19).any() or wrapped.any():
        raise StoreError(f"not integer arrays: {text[:3].to_pylist()}")
    sizes = np.searchsorted(commas, last) - np.searchsorted(commas, first) + filled
    list_offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
    values = pa.array(np.where(sign, -value, value), mask=null).cast(kind.value_type)
    return pa.ListArray.from_arrays(
        pa.array(list_offsets), values, type=kind, mask=pa.array(~valid)
    )


def _with_integers(sql: str, params: Sequence[Any]) -> str:
    """`sql` (its `?` parameters, as the code writes it) with each `?` outside literals replaced
    by its parameter, which must be an integer, written by int(): for COPY, which binds none."""
    values = []
    for value in params:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise StoreError(f"a COPY's parameters are integers, not {type(value).__name__}")
        values.append(f"({int(value)})")  # bracketed: 10-? with -5 is not a -- comment
    remaining = list(reversed(values))

    def bound(_match: re.Match) -> str:
        if not remaining:
            raise StoreError("a COPY's statement has more `?`s than parameters")
        return remaining.pop()

    def change(text: str) -> str:
        if re.search(r"\$[A-Za-z_]", text):
            raise StoreError("a COPY's parameters are `?`s, not names")
        text = re.sub(r"\?", bound, text)
        for pattern, replacement in _TYPES[:1]:  # casts to UTINYINT, as translate_sql
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text

    text = _outside_literals(sql, change)
    if remaining:
        raise StoreError("a COPY's statement has fewer `?`s than parameters")
    return text


def _bindable(params):
    """Parameters psycopg can send: numpy scalars as Python values."""
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _plain(v) for k, v in params.items()}
    return [_plain(v) for v in params]


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


# -- the store -------------------------------------------------------------------------------------


def redacted_url(url: str) -> str:
    """The URL without its password, to name the database in messages and cache keys."""
    return settings.without_password(url)


def _where(url: str) -> str:
    """The server a URL names, in words: host (or socket folder) and port."""
    from urllib.parse import parse_qs

    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = parts.hostname or query.get("host", ["localhost"])[0]
        port = parts.port or query.get("port", ["5432"])[0]
    except ValueError:
        return redacted_url(url)
    return f"{host}:{port}"


def connect(url: str, **options):
    """A psycopg connection in UTC, or a StoreError naming the server and the reason."""
    import psycopg

    try:
        return psycopg.connect(url, options="-c TimeZone=UTC", **options)
    except psycopg.Error as error:
        first = (str(error).strip().splitlines() or ["refused"])[0]
        reason = re.sub(r"^.*\bfailed: ", "", first).replace("FATAL:  ", "")
        reason = reason.replace(url, redacted_url(url))  # libpq may quote the URL whole
        raise StoreError(f"cannot connect to PostgreSQL at {_where(url)}: {reason}") from None
    except Exception as error:  # a malformed URL
        raise StoreError(f"not a PostgreSQL URL ({redacted_url(url)}): {error}") from None


class _Replica:
    """The DuckDB schema without constraints: each table's columns and the views, from the
    DuckDB migrations run on a scratch in-memory database (once per process)."""

    _lock = threading.Lock()
    _made: dict[int, tuple[dict[str, list[tuple[str, str]]], list[str]]] = {}

    @classmethod
    def schema(cls, migrations) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
        with cls._lock:
            key = id(migrations)
            if key not in cls._made:
                scratch = duckdb.connect()
                for _version, _name, statements in migrations:
                    for statement in statements:
                        scratch.execute(statement)
                scratch.execute(_BOOKKEEPING[-1])
                tables: dict[str, list[tuple[str, str]]] = {}
                for table, column, kind in scratch.execute(
                    "SELECT c.table_name, c.column_name, c.data_type"
                    " FROM information_schema.columns c JOIN information_schema.tables t"
                    " ON t.table_name = c.table_name AND t.table_schema = c.table_schema"
                    " WHERE t.table_schema = 'main' AND t.table_type = 'BASE TABLE'"
                    " ORDER BY c.table_name, c.ordinal_position"
                ).fetchall():
                    tables.setdefault(table, []).append((column, kind))
                views = [
                    row[0]
                    for row in scratch.execute(
                        "SELECT sql FROM duckdb_views() WHERE NOT internal ORDER BY view_name"
                    ).fetchall()
                ]
                scratch.close()
                cls._made[key] = (tables, views)
            return cls._made[key]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresStore(BaseStore):
    """The store on a PostgreSQL database named by a `postgresql://` URL."""

    def __init__(self, url: str):
        self.url = url
        self.path = redacted_url(url)
        self.closed = False
        self._writer = threading.RLock()
        self._writer_connection = connect(url)
        self._check_lock = threading.Lock()
        self._check_connection = connect(url, autocommit=True)
        self._refresh_lock = threading.Lock()
        self._gate = CommitGate()
        self._local = threading.local()
        self._replica = duckdb.connect(":memory:")
        self._seen_seq = -1
        self._versions: dict[str, int] = {}
        self.last_refresh: dict[str, str] = {}  # table -> "whole" or "appended", for tests
        self.migrate()
        self._tables, views = _Replica.schema(MIGRATIONS)
        cursor = self._replica.cursor()
        for table, columns in self._tables.items():
            cursor.execute(
                f"CREATE TABLE {_quoted(table)} ("
                + ", ".join(f"{_quoted(c)} {kind}" for c, kind in columns)
                + ")"
            )
        for view in views:
            cursor.execute(view)
        self._fresh()
        self._listener = threading.Thread(
            target=self._listen, name="common-measure-listener", daemon=True
        )
        self._listener.start()

    def _listen(self) -> None:
        """Refresh the replica as soon as any server or the command line commits (NOTIFY), so
        that the next read usually finds it fresh and pays only the version check."""
        while not self.closed:
            try:
                with connect(self.url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")  # noqa: S608 - a constant channel
                    self._fresh()  # anything committed before LISTEN took effect
                    while not self.closed:
                        for _notice in connection.notifies(timeout=_LISTEN_POLL):
                            self._fresh()
            except Exception:  # noqa: BLE001 - a lost server, or closed: try again, or stop
                if self.closed:
                    return
                time.sleep(1.0)

    # -- reads, on the replica -----------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's own cursor on the replica."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._replica.cursor()
            self._local.cursor = cursor
        return cursor

    def read_df(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        self._fresh()
        with self._gate.shared():
            return self.cursor().execute(sql, params).df()

    def read_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        self._fresh()
        with self._gate.shared():
            return scalar(self.cursor(), sql, params)

    def _change_seq(self) -> int:
        with self._check_lock:
            if self.closed:  # never touch a closed connection: libpq is not safe for that
                raise StoreError(f"the store of {self.path} is closed")
            if self._check_connection.broken:
                self._check_connection = connect(self.url, autocommit=True)
            return int(self._check_connection.execute("SELECT seq FROM cm_changes").fetchone()[0])

    def _fresh(self) -> None:
        """Bring the replica up to PostgreSQL's latest commit, when it is behind."""
        if self._change_seq() == self._seen_seq:
            return
        with self._refresh_lock:
            if self._change_seq() == self._seen_seq:
                return
            self._refresh()

    def _refresh(self) -> None:
        """Fetch every table written since the replica's copy in one REPEATABLE READ snapshot,
        and replace them in one DuckDB transaction (no read runs during its commit)."""
        folder = tempfile.TemporaryDirectory(prefix="cm-replica-")
        try:
            files: dict[str, str] = {}
            with connect(self.url) as source:
                source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                seq = int(source.execute("SELECT seq FROM cm_changes").fetchone()[0])
                found = source.execute(
                    "SELECT table_name, version, rewritten FROM cm_table_versions"
                ).fetchall()
                versions = {name: version for name, version, _rewritten in found}
                rewritten = {name: last for name, _version, last in found}
                appended: set[str] = set()
                for table in self._tables:
                    if self._seen_seq >= 0 and versions.get(table, 0) == self._versions.get(
                        table, 0
                    ):
                        continue
                    above = None
                    key = APPENDED_BY_KEY.get(table)
                    if (
                        key is not None
                        and self._seen_seq >= 0
                        and rewritten.get(table, 0) <= self._versions.get(table, 0)
                    ):
                        # Only new rows since this copy: those above its largest key.
                        with self._replica.cursor() as replica:
                            largest = scalar(
                                replica,
                                f"SELECT coalesce(max({_quoted(key)}), 0) FROM {_quoted(table)}",  # noqa: S608
                            )
                        above = (key, int(largest))
                        appended.add(table)
                    files[table] = os.path.join(folder.name, f"{len(files)}.csv")
                    _fetch_csv(source, table, self._tables[table], files[table], above)
                source.execute("COMMIT")
            cursor = self._replica.cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                for table, path in files.items():
                    if table not in appended:
                        cursor.execute(f"DELETE FROM {_quoted(table)}")  # noqa: S608 - catalogue
                    cursor.execute(
                        f"INSERT INTO {_quoted(table)} "  # noqa: S608 - catalogue names
                        + _replica_select(self._tables[table], path)
                    )
                with self._gate.exclusive():
                    cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()
        finally:
            folder.cleanup()
        self.last_refresh = {t: "appended" if t in appended else "whole" for t in files}
        self._versions = {t: versions.get(t, 0) for t in self._tables}
        self._seen_seq = seq

    # -- writes, on PostgreSQL -----------------------------------------------------------------

    def _writer_connection_now(self):
        if self._writer_connection.broken or self._writer_connection.closed:
            self._writer_connection = connect(self.url)
        return self._writer_connection

    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[PgCursor]:
        """One PostgreSQL transaction under the writers' advisory lock, committed whole or
        rolled back whole; the tables it wrote get a new version (and the data version moves,
        unless `changes_data=False`), and the servers listening hear of it."""
        with self._writer:
            connection = self._writer_connection_now()
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
                cursor = PgCursor(connection)
                yield cursor
                written = set(cursor.written)
                if changes_data:
                    connection.execute("UPDATE data_version SET version = version + 1")
                    written.add("data_version")
                if written:
                    _bump(connection, written, cursor.rewritten | {"data_version"})

    def migrate(self) -> list[int]:
        """Apply every migration PostgreSQL has not recorded, each in one transaction under
        the writers' lock (another server may be migrating the same database)."""
        applied = []
        with self._writer:
            connection = self._writer_connection_now()
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
                for statement in _BOOKKEEPING:
                    connection.execute(statement)
            for version, name, statements in pg_migrations():
                with connection.transaction():
                    connection.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
                    done = connection.execute(
                        "SELECT 1 FROM schema_migrations WHERE version = %s", [version]
                    ).fetchone()
                    if done:
                        continue
                    written = {"schema_migrations"}
                    for statement in statements:
                        connection.execute(statement)
                        written |= tables_written(statement)
                        written |= {
                            m.lower()
                            for m in re.findall(
                                r"\b(?:CREATE\s+TABLE|ALTER\s+TABLE|RENAME\s+TO)\s+(\w+)",
                                statement,
                                re.IGNORECASE,
                            )
                        }
                    if version in MIGRATION_FILLS:  # data derived in Python, as embedded
                        filler = PgCursor(connection)
                        MIGRATION_FILLS[version](filler)
                        written |= filler.written
                    connection.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        [version, name],
                    )
                    _bump(connection, written, written)  # a migration rewrites
                applied.append(version)
        return applied

    def schema_version(self) -> int:
        with self._check_lock:
            return int(
                self._check_connection.execute(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations"
                ).fetchone()[0]
            )

    def close(self) -> None:
        self.closed = True  # the listener stops within _LISTEN_POLL
        if self._listener is not threading.current_thread():
            self._listener.join(timeout=10)
        # Every lock a user of a connection holds, so that none is closed under its user.
        with self._writer, self._refresh_lock, self._check_lock:
            for connection in (self._writer_connection, self._check_connection):
                with suppress(Exception):
                    connection.close()
            with suppress(Exception):
                self._replica.close()
            self.closed = True


def _bump(connection, tables: set[str], rewritten: set[str]) -> None:
    """A new change number for the transaction, given to each table it wrote (and, for those it
    wrote other than by inserting new rows, as their last rewrite); then NOTIFY."""
    seq = connection.execute("UPDATE cm_changes SET seq = seq + 1 RETURNING seq").fetchone()[0]
    names = sorted(tables)
    connection.execute(
        "INSERT INTO cm_table_versions (table_name, version, rewritten)"
        " SELECT name, %s, CASE WHEN name = ANY(%s::text[]) THEN %s ELSE 0 END"
        " FROM unnest(%s::text[]) AS name"
        " ON CONFLICT (table_name) DO UPDATE SET version = excluded.version,"
        " rewritten = greatest(cm_table_versions.rewritten, excluded.rewritten)",
        [seq, sorted(rewritten & tables), seq, names],
    )
    connection.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(seq)])


def _fetch_csv(
    source, table: str, columns: list[tuple[str, str]], path: str, above: tuple[str, int] | None
) -> None:
    """A whole table into a CSV file, inside the caller's snapshot (COPY ... TO STDOUT): lists
    as JSON text, blobs as base64, for _replica_select to read back into DuckDB's types."""

    def text(column: str, kind: str) -> str:
        if kind.endswith("]"):
            return f"array_to_json({_quoted(column)})::text"
        if kind == "BLOB":
            return f"encode({_quoted(column)}, 'base64')"
        return _quoted(column)

    select = ", ".join(text(c, kind) for c, kind in columns)
    # Only the rows above a key (an integer the replica holds): COPY takes no parameters.
    where = "" if above is None else f" WHERE {_quoted(above[0])} > {int(above[1])}"
    with (
        open(path, "wb") as sink,
        source.cursor().copy(
            f"COPY (SELECT {select} FROM {_quoted(table)}{where}) TO STDOUT"  # noqa: S608
            " (FORMAT csv, NULL '\\N')"
        ) as copy,
    ):
        for block in copy:
            sink.write(block)


def _replica_select(columns: list[tuple[str, str]], path: str) -> str:
    """DuckDB's SELECT of a file written by _fetch_csv, in the replica's column types."""

    def value(column: str, kind: str) -> str:
        if kind.endswith("]"):
            return f"CAST(CAST({_quoted(column)} AS JSON) AS {kind})"
        if kind == "BLOB":
            return f"from_base64({_quoted(column)})"
        return f"CAST({_quoted(column)} AS {kind})"

    types = ", ".join(f"'{c}': 'VARCHAR'" for c, _kind in columns)
    return (
        "SELECT "  # noqa: S608 - names from the schema, the path from tempfile
        + ", ".join(value(c, kind) for c, kind in columns)
        + f" FROM read_csv('{path}', header = false, columns = {{{types}}},"
        " nullstr = '\\N', quote = '\"', escape = '\"', auto_detect = false)"
    )
