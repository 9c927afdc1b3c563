"""Issue 20: a corpus of hostile and broken files goes through the real reader and importer,
and through the command line, without a single traceback: each file is imported, refused with
its problems, or refused as unreadable in one line; a refusal leaves the database as it was.
Bombs are refused before they cost memory."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import time
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cli import main
from analytics.errors import ImportRefused
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.reading import UnreadableFile
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.store.connection import forget_store, open_store
from tests.conftest import ROOT
from tests.hostile_files import bombs, corpus
from tests.users import ADMIN

ITEMS = load_instrument_csv()


def import_outcome(store, data: bytes, name: str) -> str:
    """'unreadable', 'refused' or 'imported'; anything else raised is a failure."""
    before = store.table_counts()
    try:
        table = read_survey(data, name)
    except UnreadableFile as error:
        assert str(error) and "\n" not in str(error), name
        return "unreadable"
    mapping = propose_mapping(table, ITEMS)
    try:
        prepared = validate(table, mapping, ITEMS, data=data, wave="W1")
        commit_import(store, Target("Fuzz", create=True), prepared, user=ADMIN, invalid="missing")
    except ImportRefused as error:
        assert str(error), name
        assert store.table_counts() == before, name
        return "refused"
    return "imported"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz-files") / "fuzz.duckdb"
    opened = open_store(path)
    yield opened
    forget_store(path)


def test_the_corpus_goes_through_the_reader_and_importer_without_a_traceback(store):
    files = corpus() + list(bombs())
    outcomes: dict[str, int] = {}
    crashes = []
    for name, data in files:
        try:
            outcome = import_outcome(store, data, name)
        except Exception:  # the defect this test is for: report every one, then fail
            crashes.append(f"{name}: {traceback.format_exc().splitlines()[-1]}")
            continue
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert not crashes, "\n".join(crashes)
    assert len(files) > 400 and outcomes.get("imported") and outcomes.get("unreadable")


@pytest.mark.parametrize("name,data", list(bombs()), ids=[name for name, _ in bombs()])
def test_bombs_are_refused_in_one_line_before_memory_grows(store, name, data):
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as refused:
        read_survey(data, name)
    assert "\n" not in str(refused.value)
    assert time.perf_counter() - started < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 400, f"{name} grew the peak memory by {grown_mb:.0f} MB"


def _cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    return code, err.getvalue()


@pytest.mark.slow
def test_the_corpus_through_the_command_line_exits_0_1_or_2(tmp_path):
    db = tmp_path / "cli.duckdb"
    codes: dict[int, int] = {}
    crashes = []
    files = corpus(mutations_per_seed=4) + list(bombs())
    for k, (name, data) in enumerate(files):
        path = tmp_path / f"{k}-{name.replace('/', '_')}"
        path.write_bytes(data)
        try:
            code, _ = _cli(
                [
                    "import",
                    str(path),
                    "--initiative",
                    "Fuzz",
                    "--create",
                    "--wave",
                    "W1",
                    "--invalid",
                    "missing",
                    "--db",
                    str(db),
                ]
            )
        except BaseException:
            crashes.append(f"{name}: {traceback.format_exc().splitlines()[-1]}")
            continue
        codes[code] = codes.get(code, 0) + 1
        path.unlink()
    assert not crashes, "\n".join(crashes)
    assert set(codes) <= {0, 1, 2}, codes


def test_real_command_line_processes_print_no_traceback(tmp_path):
    """The worst files through `python -m analytics import` in a process of its own."""
    db = tmp_path / "cli.duckdb"
    chosen = dict(corpus(mutations_per_seed=0))
    chosen = {
        name: chosen[name]
        for name in ("cr_in_first_line.csv", "field_200000_chars.csv", "xlsx_bad_crc.xlsx")
    } | dict(bombs())
    for name, data in chosen.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "analytics",
                "import",
                str(path),
                "--initiative",
                "Fuzz",
                "--create",
                "--wave",
                "W1",
                "--db",
                str(db),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1, 2), (name, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (name, done.stderr[-2000:])
        if done.returncode == 2:
            assert len(done.stderr.strip().splitlines()) == 1, (name, done.stderr)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.lists(
            st.lists(st.text(max_size=12), min_size=1, max_size=8), min_size=1, max_size=8
        ).map(
            lambda rows: "\n".join(
                ",".join(["respondent_id", "wave", "CA1", "SM1"][: len(rows[0])] if i == 0 else row)
                for i, row in enumerate(rows)
            ).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_any_bytes_are_imported_or_refused_in_one_line(store, data):
    import_outcome(store, data, "hypothesis.csv")
