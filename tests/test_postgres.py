"""The shared store (issue 17): the schema translated for PostgreSQL, statements made portable,
several servers on one database seeing each other's writes, and the demo giving the same
scores, reports and exports on PostgreSQL as on the embedded store."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pytest

from analytics.access.accounts import NewAccount, SignInRefused, add_user, authenticate
from analytics.access.sessions import end_session, resume_session, start_session
from analytics.reports.build import report_content
from analytics.store.base import StoreError
from analytics.store.connection import Store, forget_store, open_store
from analytics.store.postgres import (
    PgCursor,
    PostgresStore,
    _integer_lists,
    answers_copy_binary,
    redacted_url,
    tables_written,
    translate_ddl,
    translate_sql,
)
from analytics.views.exports import EXPORT_KINDS, export_file
from bench.generate import generate
from tests.conftest import ROOT
from tests.users import ADMIN, as_role

# -- the dialects, without a server ------------------------------------------------------------


def test_duckdb_types_become_postgresql_types_and_literals_stay():
    statement = """CREATE TABLE scale_scores (
        respondent_id BIGINT NOT NULL, score DOUBLE, weight DOUBLE PRECISION, n UTINYINT,
        answers UTINYINT[] NOT NULL DEFAULT [], secret BLOB, extra JSON,
        note VARCHAR NOT NULL DEFAULT 'DOUBLE [] BLOB', tags VARCHAR[] NOT NULL DEFAULT []
    )"""
    assert (
        translate_ddl(statement)
        == """CREATE TABLE scale_scores (
        respondent_id BIGINT NOT NULL, score DOUBLE PRECISION, weight DOUBLE PRECISION, n SMALLINT,
        answers SMALLINT[] NOT NULL DEFAULT '{}', secret BYTEA, extra TEXT,
        note VARCHAR NOT NULL DEFAULT 'DOUBLE [] BLOB', tags VARCHAR[] NOT NULL DEFAULT '{}'
    )"""
    )


def test_a_statement_with_a_duckdb_only_function_is_refused_not_mistranslated():
    with pytest.raises(StoreError, match="no PostgreSQL form"):
        translate_ddl("INSERT INTO t SELECT list(x ORDER BY x) FROM u")
    assert translate_ddl("SELECT 'list(x)'") == "SELECT 'list(x)'"


def test_parameters_become_psycopgs_and_literals_stay():
    assert translate_sql("SELECT ? || '?', 10 % 3 FROM t WHERE a = $limit AND b LIKE 'x%'") == (
        "SELECT %s || '?', 10 %% 3 FROM t WHERE a = %(limit)s AND b LIKE 'x%%'"
    )
    assert translate_sql("SELECT answers::UTINYINT[] FROM a") == "SELECT answers::SMALLINT[] FROM a"


def test_the_tables_a_statement_writes_are_found():
    assert tables_written("INSERT INTO waves (a) SELECT a FROM 'UPDATE users'") == {"waves"}
    assert tables_written("update Users SET x = 1; DELETE FROM sessions WHERE 1") == {
        "users",
        "sessions",
    }
    assert tables_written("SELECT * FROM waves") == set()
    assert tables_written(
        "INSERT INTO survey_mappings VALUES (?) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
    ) == {"survey_mappings"}


def test_a_url_is_named_without_its_password():
    assert redacted_url("postgresql://cm:s3cret@db.example:5432/cm") == (
        "postgresql://cm@db.example:5432/cm"
    )
    assert redacted_url("postgresql://cm@db/cm") == "postgresql://cm@db/cm"


def test_answers_are_copied_in_postgresqls_binary_format():
    import numpy as np

    values = np.array([[1, 5], [3, 0]], dtype=np.uint8)
    missing = np.array([[False, False], [False, True]])
    data = b"".join(answers_copy_binary(np.array([7, 8]), 2, values, missing))
    assert data.startswith(b"PGCOPY\n\xff\r\n\x00") and data.endswith(b"\xff\xff")
    element = b"\x00\x00\x00\x02\x00"  # length 2, then the value's high byte
    assert element + b"\x01" + element + b"\x05" in data
    assert element + b"\x03" + b"\xff\xff\xff\xff" in data  # the missing answer is NULL


def test_postgresqls_text_of_integer_arrays_becomes_arrow_lists():
    texts = [
        "{1,NULL,-3}",
        None,
        "{}",
        "{NULL}",
        "{42}",
        "{-9223372036854775808,9223372036854775807}",
    ]
    expected = [[1, None, -3], None, [], [None], [42], [-(2**63), 2**63 - 1]]
    kind = pa.list_(pa.int64())
    assert _integer_lists(pa.array(texts), kind).to_pylist() == expected
    # A slice of a longer array (the offsets of a chunk start past zero).
    sliced = pa.array(["{9,9}", *texts, "{8}"]).slice(1, len(texts))
    assert _integer_lists(sliced, kind).to_pylist() == expected
    assert _integer_lists(pa.array(["{1,5,NULL}"]), pa.list_(pa.uint8())).type == pa.list_(
        pa.uint8()
    )
    # Past int64: 20 digits, or 19 that wrap (the review's 99999999999999999999 read as
    # 7766279631452241919); NULL spelled otherwise.
    too_long = ("{99999999999999999999}", "{9999999999999999999}", "{-9223372036854775809}")
    for bad in ("{{1,2},{3,4}}", '{"a"}', "{1,,2}", "{x}", "{-}", "1,2", "{NUL}", "{NULX}",
                "{NOLL}", *too_long):  # fmt: skip
        with pytest.raises(StoreError):
            _integer_lists(pa.array([bad]), kind)


# -- on a server ---------------------------------------------------------------------------------


@pytest.fixture
def pg_url(postgres_cluster, request):
    made = []

    def make(template: str = "empty") -> str:
        url = postgres_cluster.create_database(f"pg{os.getpid()}_{len(made)}_{id(made)}", template)
        made.append(url)
        return url

    yield make
    for url in made:
        forget_store(url)
        postgres_cluster.drop_database(url)


def test_postgresql_has_the_tables_and_columns_of_the_duckdb_schema(pg_url, tmp_path):
    url = pg_url()
    embedded = open_store(tmp_path / "schema.duckdb")
    duck = embedded.read_df(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'main' ORDER BY ALL"
    )
    forget_store(tmp_path / "schema.duckdb")
    with psycopg.connect(url) as connection:
        pg = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name NOT LIKE 'cm\\_%' ORDER BY 1, 2"
        ).fetchall()
    assert sorted(map(tuple, duck.values.tolist())) == sorted(pg)


def test_a_bad_url_or_a_refusing_server_is_one_line_naming_the_host():
    with pytest.raises(StoreError, match=r"^cannot connect to PostgreSQL at 127\.0\.0\.1:1: ") as e:
        PostgresStore("postgresql://cm:s3cret@127.0.0.1:1/cm")
    assert "s3cret" not in str(e.value) and "\n" not in str(e.value)


def test_the_cli_says_which_server_refused_without_a_traceback():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "users",
            "list",
            "--db",
            "postgresql://x:pw@127.0.0.1:1/cm",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: cannot connect to PostgreSQL at 127.0.0.1:1: Connection refused"
    ]


def _wait_for(condition, seconds: float = 2.0) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "not seen within the time"
        time.sleep(0.02)
    return time.monotonic() - start


def test_two_servers_see_each_others_writes_at_once(pg_url):
    url = pg_url()
    server_a, server_b = PostgresStore(url), PostgresStore(url)
    try:
        instrument = server_a.default_instrument_id()
        with server_a.transaction() as cursor:
            Store.create_initiative(cursor, "Written on A", instrument)
        assert _wait_for(lambda: server_b.initiative_id("Written on A") is not None) < 2
        version = server_a.data_version()
        with server_b.transaction() as cursor:
            Store.create_initiative(cursor, "Written on B", instrument)
        assert server_a.initiative_id("Written on B") is not None  # the next read sees it
        assert server_a.data_version() == version + 1 == server_b.data_version()
    finally:
        server_a.close()
        server_b.close()


def test_writers_on_two_servers_are_serialised_and_lose_nothing(pg_url):
    url = pg_url()
    servers = [PostgresStore(url), PostgresStore(url)]
    instrument = servers[0].default_instrument_id()
    errors = []

    def write(i: int) -> None:
        try:
            with servers[i % 2].transaction() as cursor:
                # A read-modify-write: without one writer at a time, two would take one number.
                n = cursor.execute("SELECT count(*) FROM initiatives").fetchone()[0]
                Store.create_initiative(cursor, f"Initiative {n + 1}", instrument)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors
        assert sorted(servers[1].initiatives()["name"]) == sorted(
            f"Initiative {n}" for n in range(1, 13)
        )
    finally:
        for server in servers:
            server.close()


def test_a_session_ended_on_one_server_is_refused_by_the_other(pg_url):
    url = pg_url("demo")
    server_a, server_b = PostgresStore(url), PostgresStore(url)
    try:
        add_user(
            server_a,
            ADMIN,
            NewAccount("maria", "broker", ("Riverside Early Years Alliance",)),
            "correct horse battery",
        )
        user = authenticate(server_a, "maria", "correct horse battery")
        session = start_session(server_a, user, "token-of-marias-browser")
        assert resume_session(server_b, token="token-of-marias-browser") is not None
        end_session(server_a, session)
        assert resume_session(server_b, token="token-of-marias-browser") is None
        assert resume_session(server_b, session_id=session) is None
    finally:
        server_a.close()
        server_b.close()


def test_wrong_passwords_count_across_servers(pg_url, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_LOCKOUT_ATTEMPTS", "4")
    url = pg_url("demo")
    servers = [PostgresStore(url), PostgresStore(url)]
    try:
        add_user(
            servers[0],
            ADMIN,
            NewAccount("maria", "broker", ("Riverside Early Years Alliance",)),
            "correct horse battery",
        )
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for attempt in range(4):  # two on each server
            with pytest.raises(SignInRefused, match="Wrong"):
                authenticate(servers[attempt % 2], "maria", "wrong guess", now=now)
        for server in servers:
            with pytest.raises(SignInRefused, match="locked"):
                authenticate(server, "maria", "correct horse battery", now=now)
    finally:
        for server in servers:
            server.close()


def test_the_demo_gives_the_same_scores_reports_and_exports_on_both_stores(demo_db_path, pg_url):
    embedded = open_store(demo_db_path)
    shared = open_store(pg_url("demo"))
    readers = [ADMIN, as_role("funder", embedded.initiative_id("Riverside Early Years Alliance"))]
    for initiative in embedded.initiatives()["name"]:
        local_id, shared_id = embedded.initiative_id(initiative), shared.initiative_id(initiative)
        assert local_id == shared_id
        for reader in readers:
            if not reader.granted(local_id):
                continue
            for kind in EXPORT_KINDS:
                if kind == "responses" and reader.aggregated_only:
                    continue
                local = export_file(embedded, reader, local_id, kind, "csv")[0]
                remote = export_file(shared, reader, shared_id, kind, "csv")[0]
                # Equal to the last digits a sum in another order can change (1e-12).
                pd.testing.assert_frame_equal(
                    pd.read_csv(io.BytesIO(local)), pd.read_csv(io.BytesIO(remote)), rtol=1e-12
                )
            assert _rounded(repr(report_content(embedded, reader, local_id))) == _rounded(
                repr(report_content(shared, reader, shared_id))
            ), (initiative, reader.role)


def _rounded(text: str) -> str:
    """Every long float in a text to 10 significant digits."""
    return re.sub(r"\d+\.\d{6,}(e-?\d+)?", lambda m: f"{float(m.group()):.10g}", text)


def _fingerprint(url: str) -> dict:
    with psycopg.connect(url) as connection:

        def one(sql: str):
            return connection.execute(sql).fetchone()[0]

        return {
            table: one(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            for table in ("respondents", "respondent_answers", "waves", "imports", "initiatives")
        } | {"version": one("SELECT version FROM data_version")}


@pytest.mark.slow
def test_sigkill_of_the_cli_during_an_import_into_postgresql_changes_nothing(pg_url, tmp_path):
    url = pg_url()
    survey, instrument = generate(100_000, tmp_path)
    before = _fingerprint(url)
    command = [sys.executable, "-m", "analytics", "import", str(survey), "--initiative", "Crash",
               "--create", "--instrument", str(instrument)]  # fmt: skip
    environment = {**os.environ, "COMMON_MEASURE_DB": url}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "Writing answers" in line:  # inside the import's transaction, respondents written
            time.sleep(0.3)
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert _wait_for(lambda: _fingerprint(url) == before, seconds=10) >= 0  # nothing, no wave
    again = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "100000 respondents" in again.stdout
    after = _fingerprint(url)
    assert after["respondents"] == after["respondent_answers"] == 100_000


def test_two_servers_starting_on_a_new_database_fill_the_demo_once(pg_url):
    from analytics.demo.fill import fill_if_new

    url = pg_url()
    servers = [PostgresStore(url), PostgresStore(url)]
    filled = []
    threads = [threading.Thread(target=lambda s=s: filled.append(fill_if_new(s))) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(filled) == [False, True]
        assert len(servers[1].initiatives()) == 3
        assert servers[0].data_version() == 1
    finally:
        for server in servers:
            server.close()


def test_a_registered_frame_keeps_its_values_on_postgresql(pg_url):
    store = open_store(pg_url())
    frame = pd.DataFrame(
        {
            "n": [1, None],
            "text": ['a "quoted", \\ comma', ""],
            "missing": [None, "\\N"],
            "flag": [True, False],
            "at": pd.to_datetime(["2026-03-01 10:15", None]),
            "blob": [b"\x00\xff", None],
        }
    )
    with store.transaction() as cursor:
        cursor.register("frame_rows", frame)
        rows = cursor.execute("SELECT * FROM frame_rows ORDER BY flag DESC").fetchall()
        cursor.unregister("frame_rows")
    assert rows == [
        (1.0, 'a "quoted", \\ comma', None, True, dt.datetime(2026, 3, 1, 10, 15), b"\x00\xff"),
        (None, "", "\\N", False, None, None),
    ]


def test_an_import_is_appended_to_the_other_servers_copy_and_an_undo_copies_whole(pg_url, tmp_path):
    from analytics.ingest.commit import Target, commit_import, undo_import
    from analytics.ingest.mapping import propose_mapping
    from analytics.ingest.validate import read_survey, validate
    from analytics.instrument import load_instrument_csv

    url = pg_url("demo")
    server_a, server_b = PostgresStore(url), PostgresStore(url)

    def same_as_postgresql() -> None:
        with psycopg.connect(url) as connection:
            for table, key in (
                ("respondents", "id"),
                ("respondent_answers", "respondent_id"),
                ("respondent_scale_lists", "respondent_id"),
                ("respondent_scale_scores", "answered"),  # the view, over the copied lists
            ):
                expected = connection.execute(
                    f"SELECT count(*), sum({key}) FROM {table}"  # noqa: S608 - fixed names
                ).fetchone()
                assert server_b.read_df(
                    f"SELECT count(*) AS n, sum({key}) AS s FROM {table}"  # noqa: S608
                ).values.tolist() == [list(expected)]
        assert server_b.read_one("SELECT sum(value) FROM responses") == server_a.read_one(
            "SELECT sum(value) FROM responses"
        )

    try:
        survey, instrument = generate(2_000, tmp_path)
        items = load_instrument_csv(instrument)
        data = survey.read_bytes()
        table = read_survey(data, survey.name)
        prepared = validate(table, propose_mapping(table, items), items, data=data)
        result = commit_import(
            server_a, Target("Appended", create=True, instrument=items), prepared, user=ADMIN
        )
        same_as_postgresql()
        assert server_b.last_refresh["respondent_answers"] == "appended"
        assert server_b.last_refresh["respondents"] == "appended"
        assert server_b.last_refresh["respondent_scale_lists"] == "appended"
        undo_import(server_a, ADMIN, result.import_id)
        same_as_postgresql()
        assert server_b.last_refresh["respondent_answers"] == "whole"
        assert server_b.last_refresh["respondent_scale_lists"] == "whole"
    finally:
        server_a.close()
        server_b.close()


def _fetched(cursor, sql: str, params: list, schema: dict) -> pa.Table:
    """A query's rows as score_cells read them before the columnar read: fetchall, one Python
    list per row's answers."""
    rows = cursor.execute(sql, params).fetchall()
    return pa.table(
        {
            name: pa.array([list(r[k]) if pa.types.is_list(kind) else r[k] for r in rows], kind)
            for k, (name, kind) in enumerate(schema.items())
        }
    )


def test_the_columnar_read_gives_the_rows_fetchall_gives(pg_url):
    from analytics.store import scale_scores, score_cells

    store = open_store(pg_url("demo"))
    answers_schema = {"item_list_id": pa.int32(), "wave_id": pa.int32(), "sector": pa.string(),
                      "role": pa.string(), "answers": pa.list_(pa.uint8())}  # fmt: skip
    groups_schema = {"wave_id": pa.int64(), "sector": pa.string(), "role": pa.string(),
                     "ids": pa.list_(pa.int64())}  # fmt: skip
    lists_schema = {"respondent_id": pa.int64(), "wave_id": pa.int32(),
                    "answers": pa.list_(pa.uint8())}  # fmt: skip
    with store.transaction() as cursor:
        initiative_id, first, last = cursor.execute(
            "SELECT w.initiative_id, min(p.id), max(p.id) FROM respondents p"
            " JOIN waves w ON w.id = p.wave_id GROUP BY w.initiative_id ORDER BY 1 LIMIT 1"
        ).fetchone()
        # Texts that CSV must carry whole: quotes, commas, a line break, PostgreSQL's NULL
        # marker as a text, an empty text, non-ASCII; and NULL sectors and roles.
        sectors = ['a "quoted", sector', "two\nlines", "\\N", "", "Économie sociale", None]
        for k, sector in enumerate(sectors):
            cursor.execute(
                "UPDATE respondents SET sector = ?, role = ? WHERE id = ?",
                [sector, None if k % 2 else 'Lead, "chief"', first + k],
            )
        # A second item list, shorter, with missing answers (a NULL element) and none given.
        short = cursor.execute(
            "INSERT INTO item_lists (item_ids) SELECT item_ids[1:3] FROM item_lists"
            " WHERE id = (SELECT item_list_id FROM respondent_answers WHERE respondent_id = ?)"
            " RETURNING id",
            [last],
        ).fetchone()[0]
        cursor.execute(
            "UPDATE respondent_answers SET item_list_id = ?, answers = ARRAY[5, NULL, 1]"
            " WHERE respondent_id IN (?, ?)",
            [short, last, last - 1],
        )
        cursor.execute(
            "UPDATE respondent_answers SET answers[2] = NULL WHERE respondent_id = ?", [first]
        )

        ordered = score_cells._ANSWERS_SQL + " ORDER BY a.respondent_id"
        read = score_cells.query_arrow(cursor, ordered, [initiative_id], answers_schema)
        assert read.equals(_fetched(cursor, ordered, [initiative_id], answers_schema))
        assert len(set(read["item_list_id"].to_pylist())) >= 2
        assert None in read["answers"].combine_chunks().flatten().to_pylist()
        assert set(sectors) <= set(read["sector"].to_pylist()) | {None}
        assert None not in read["sector"].to_pylist()  # grouped: 'not given'

        for item_list_id in (short, read["item_list_id"][0].as_py()):
            lists = scale_scores._answer_lists(cursor, initiative_id, item_list_id)
            sql = (
                "SELECT a.respondent_id, p.wave_id, a.answers FROM respondent_answers a"
                " JOIN respondents p ON p.id = a.respondent_id JOIN waves w ON w.id = p.wave_id"
                " WHERE w.initiative_id = ? AND a.item_list_id = ? ORDER BY a.respondent_id"
            )
            assert lists.equals(_fetched(cursor, sql, [initiative_id, item_list_id], lists_schema))

        grouped = score_cells._GROUPS_SQL + " ORDER BY 1, 2, 3"
        read = score_cells.query_arrow(cursor, grouped, [first, last], groups_schema)
        assert read.equals(_fetched(cursor, grouped, [first, last], groups_schema))

        # Raw columns too: a NULL text, a text \N, a NULL list, an empty list, an empty text.
        raw = (
            "SELECT * FROM (VALUES (1, NULL, NULL::smallint[], 0.1::float8, true),"
            " (2, '\\N', '{}', 'Infinity', NULL), (3, '', '{NULL}', NULL, false))"
            " AS t(k, s, l, f, b) WHERE k >= ? ORDER BY k"
        )
        schema = {"k": pa.int32(), "s": pa.string(), "l": pa.list_(pa.uint8()),
                  "f": pa.float64(), "b": pa.bool_()}  # fmt: skip
        read = score_cells.query_arrow(cursor, raw, [1], schema)
        assert read.to_pylist() == [
            {"k": 1, "s": None, "l": None, "f": 0.1, "b": True},
            {"k": 2, "s": "\\N", "l": [], "f": float("inf"), "b": None},
            {"k": 3, "s": "", "l": [None], "f": None, "b": False},
        ]
        assert score_cells.query_arrow(cursor, raw, [9], schema).equals(
            pa.schema(list(schema.items())).empty_table()
        )
        assert isinstance(cursor, PgCursor)


def test_the_columnar_read_writes_only_integers_into_its_copy(pg_url):
    store = open_store(pg_url())
    schema = pa.schema([("n", pa.int64())])
    with store.transaction() as cursor:
        sql = "SELECT count(*) FROM waves WHERE id = ? OR label = '?'"
        assert cursor.copy_arrow(sql, [np.int64(3)], schema).to_pylist() == [{"n": 0}]
        for params in (["1 OR true"], [1.5], [True], [], [1, 2]):
            with pytest.raises(StoreError):
                cursor.copy_arrow(sql, params, schema)


def test_the_columnar_read_keeps_long_rows_empty_texts_and_negative_parameters(pg_url):
    """Found by review: a row longer than pyarrow's block (the array_agg of 200,000 new
    respondents' ids an import reads) failed to parse; a one-column row holding an empty text
    was dropped as an empty line; a negative parameter after a minus made a -- comment."""
    store = open_store(pg_url())
    with store.transaction() as cursor:
        ids = pa.schema([("k", pa.int32()), ("ids", pa.list_(pa.int64()))])
        many = (
            "SELECT k, array_agg(g ORDER BY g) FROM (SELECT g, g % 2 AS k"
            " FROM generate_series(1000000, 1000000 + ? - 1) g) t GROUP BY k ORDER BY k"
        )
        read = cursor.copy_arrow(many, [500_000], ids)  # rows of 2 MB
        assert read["k"].to_pylist() == [0, 1]
        assert [len(x) for x in read["ids"].to_pylist()] == [250_000, 250_000]
        assert read["ids"][1].as_py()[-1] == 1_499_999
        texts = pa.schema([("s", pa.string())])
        one_column = "SELECT s FROM (VALUES (1, 'a'), (2, ''), (3, 'b')) t(k, s) WHERE k >= ?"
        assert cursor.copy_arrow(one_column, [1], texts)["s"].to_pylist() == ["a", "", "b"]
        numbers = pa.schema([("n", pa.int64())])
        minus = "SELECT 10-? AS n\nWHERE true -- the end"
        assert cursor.copy_arrow(minus, [-5], numbers).to_pylist() == [{"n": 15}]
