"""Issue 20: the command line never destroys the database with a report, and a closed pipe
(`| head`) ends it quietly."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

RIVERSIDE = "Riverside Early Years Alliance"


@pytest.fixture
def db(demo_db_path, tmp_path):
    """A copy of the demo database that no process holds open."""
    path = tmp_path / "cli.duckdb"
    shutil.copyfile(demo_db_path, path)
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_report_never_overwrites_the_database_a_directory_or_a_file(db, tmp_path):
    before = _digest(db)
    report = ["report", "--initiative", RIVERSIDE, "--format", "html", "--db", str(db)]
    for out, reason in [
        (db, "is the database"),
        (tmp_path / "." / db.name, "is the database"),
        (tmp_path, "is a directory"),
    ]:
        done = _cli(*report, "--out", str(out))
        assert done.returncode == 2, done.stderr
        assert reason in done.stderr and "Traceback" not in done.stderr
        assert _digest(db) == before
    link = tmp_path / "link.html"
    link.symlink_to(db)
    done = _cli(*report, "--out", str(link), "--force")
    assert done.returncode == 2 and "is the database" in done.stderr
    assert _digest(db) == before

    existing = tmp_path / "old.html"
    existing.write_text("keep me")
    done = _cli(*report, "--out", str(existing))
    assert done.returncode == 2 and "--force" in done.stderr
    assert existing.read_text() == "keep me"
    done = _cli(*report, "--out", str(existing), "--force")
    assert done.returncode == 0, done.stderr
    assert existing.read_text().startswith("<!")
    assert _digest(db) == before or db.exists()


def test_scores_into_a_closed_pipe_exit_quietly(db):
    """`python -m analytics scores ... | head`: the reader is gone before the first write."""
    process = subprocess.Popen(
        [sys.executable, "-m", "analytics", "scores", "--initiative", RIVERSIDE, "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # like `head` that has read its lines and gone
    _, err = process.communicate(timeout=300)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert process.returncode == 0
