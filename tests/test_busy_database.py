"""Issue 20: while another process holds the database file, visitors see a plain sentence,
not a traceback, and the app comes back by itself once the file is free."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); input()"


@pytest.fixture
def held_database(demo_db_path, tmp_path, monkeypatch):
    """A database file held open by another process (as the command line would)."""
    path = tmp_path / "held.duckdb"
    path.write_bytes(demo_db_path.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    monkeypatch.setenv("COMMON_MEASURE_DB", str(path))
    yield holder
    if holder.poll() is None:
        holder.kill()
        holder.wait()


def test_a_held_database_shows_a_plain_busy_page_that_recovers(held_database):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "database is busy" in at.warning[0].value
    assert not at.text_input  # no sign-in form yet
    held_database.stdin.close()  # the other process ends and lets go of the file
    held_database.wait(timeout=30)
    at.run()
    assert not at.exception
    assert at.text_input(key="sign_in.login")


def test_visitors_never_see_error_details():
    with (ROOT / ".streamlit" / "config.toml").open("rb") as f:
        config = tomllib.load(f)
    assert config["client"]["showErrorDetails"] == "none"
