"""A killed import leaves the database exactly as it was (one transaction, DuckDB's WAL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from analytics.store.connection import forget_store, open_store
from bench.generate import generate
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "imports" / "msforms" / "responses.xlsx"


def _fingerprint(path) -> dict:
    store = open_store(path)
    try:
        return {
            "counts": store.table_counts(),
            "values": store.read_one("SELECT sum(value) FROM responses"),
            "version": store.data_version(),
            "waves": store.read_df("SELECT label FROM waves ORDER BY id")["label"].tolist(),
        }
    finally:
        forget_store(path)


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "analytics", "import", *map(str, args)]


@pytest.mark.parametrize("stage", ["Writing respondents", "Writing answers"])
def test_sigkill_during_a_large_import_changes_nothing(tmp_path, stage):
    db = tmp_path / "crash.duckdb"
    survey, instrument = generate(200_000, tmp_path)
    first = subprocess.run(
        _cli(
            FIXTURE,
            "--initiative",
            "Crash",
            "--create",
            "--wave",
            "Earlier",
            "--invalid",
            "missing",
            "--db",
            db,
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    before = _fingerprint(db)

    process = subprocess.Popen(
        _cli(survey, "--initiative", "Crash 2", "--create", "--instrument", instrument, "--db", db),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in process.stderr:
        seen.append(line)
        if stage in line:  # inside the import's transaction
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)

    assert _fingerprint(db) == before
    # And the database still works: the same import goes through afterwards.
    again = subprocess.run(
        _cli(survey, "--initiative", "Crash 2", "--create", "--instrument", instrument, "--db", db),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "200000 respondents" in again.stdout
