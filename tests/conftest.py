"""Shared fixtures: real DuckDB files in temporary folders, one demo database per test run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings as hypothesis_settings

from analytics.demo.fill import fill_if_new
from analytics.store.connection import Store, forget_store, open_store

ROOT = Path(__file__).resolve().parent.parent

# bcrypt's cheapest cost for the test run's password hashes (the demo's four accounts and the
# accounts tests create); servers the browser tests start inherit it. The default stays 12.
os.environ.setdefault("COMMON_MEASURE_BCRYPT_ROUNDS", "4")

# CI explores the same examples every run, so a red run can be reproduced; locally each run
# explores new ones (and keeps failures in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    """A new, migrated database file with no data."""
    path = tmp_path / "empty.duckdb"
    store = open_store(path)
    yield store
    forget_store(path)


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file filled with the demo once for the whole run; tests only read it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = open_store(path)
    fill_if_new(store)
    store.cursor().execute("CHECKPOINT")  # everything in the file, so that it can be copied
    return path


@pytest.fixture
def demo_store(demo_db_path: Path) -> Store:
    return open_store(demo_db_path)


@pytest.fixture
def writable_demo_store(demo_db_path: Path, tmp_path: Path) -> Store:
    """A private copy of the demo database, for tests that write."""
    path = tmp_path / "demo-copy.duckdb"
    shutil.copyfile(demo_db_path, path)
    store = open_store(path)
    yield store
    forget_store(path)


def initiative(store: Store, name: str) -> int:
    found = store.initiative_id(name)
    assert found is not None, f"demo initiative {name!r} missing"
    return found


@pytest.fixture
def riverside(demo_store: Store) -> int:
    return initiative(demo_store, "Riverside Early Years Alliance")


@pytest.fixture
def northgate(demo_store: Store) -> int:
    return initiative(demo_store, "Northgate Housing Partnership")


@pytest.fixture
def coastal(demo_store: Store) -> int:
    return initiative(demo_store, "Coastal Youth Employment Compact")


def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def pytest_unconfigure(config):
    """Close every DuckDB connection before the interpreter exits, so that DuckDB's bindings
    have nothing left to report as leaked."""
    import gc

    from analytics.store.connection import close_all_stores

    close_all_stores()
    gc.collect()


def pytest_terminal_summary(terminalreporter):
    """Write 'pytest: N passed, N failed' for .ci/run to print last: DuckDB's bindings may
    print notes at interpreter exit, after pytest's own closing line."""
    stats = terminalreporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    out = ROOT / "tests" / "artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.txt").write_text(f"pytest: {passed} passed, {failed} failed\n")
