"""Shared fixtures: real DuckDB files in temporary folders, one demo database per test run; and,
for the modules marked `both_stores`, the same fixtures on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings as hypothesis_settings

from analytics.demo.fill import fill_if_new
from analytics.store.connection import Store, forget_store, open_store
from tests.postgres_cluster import PostgresCluster

ROOT = Path(__file__).resolve().parent.parent

# bcrypt's cheapest cost for the test run's password hashes (the demo's four accounts and the
# accounts tests create); servers the browser tests start inherit it. The default stays 12.
os.environ.setdefault("COMMON_MEASURE_BCRYPT_ROUNDS", "4")

# CI explores the same examples every run, so a red run can be reproduced; locally each run
# explores new ones (and keeps failures in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


STORE_KINDS = ("embedded", "postgres")


def pytest_generate_tests(metafunc):
    """In a module marked `both_stores`, every test that uses a store fixture runs twice."""
    if "store_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_stores"
    ):
        metafunc.parametrize("store_kind", STORE_KINDS, indirect=True)


@pytest.fixture
def store_kind(request) -> str:
    """Where this test's stores live: "embedded" (a DuckDB file) unless parametrized."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def postgres_cluster() -> PostgresCluster:
    """A throwaway PostgreSQL cluster for the run (Debian's postgresql package), with a template
    database migrated once and another filled with the demo once; stopped at the end."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


_names = itertools.count(1)


@pytest.fixture
def new_database(store_kind: str, tmp_path: Path, request):
    """make(template) -> the target of a new database: a file, or a PostgreSQL database made
    from the migrated template ("empty") or the demo ("demo"); each dropped at the test's end."""
    made = []

    def make(template: str = "empty", demo_file: Path | None = None) -> str:
        if store_kind == "embedded":
            path = tmp_path / f"{template}-{len(made)}.duckdb"
            if demo_file is not None:
                shutil.copyfile(demo_file, path)
            made.append(str(path))
            return str(path)
        cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(f"t{os.getpid()}_{next(_names)}", template)
        made.append(url)
        return url

    yield make
    for target in made:
        forget_store(target)
        if store_kind == "postgres":
            request.getfixturevalue("postgres_cluster").drop_database(target)


@pytest.fixture
def empty_store(new_database) -> Store:
    """A new, migrated database with no data."""
    return open_store(new_database("empty"))


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file filled with the demo once for the whole run; tests only read it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = open_store(path)
    fill_if_new(store)
    store.cursor().execute("CHECKPOINT")  # everything in the file, so that it can be copied
    return path


@pytest.fixture(scope="session")
def postgres_demo_url(postgres_cluster: PostgresCluster) -> str:
    """A PostgreSQL database filled with the demo once for the whole run; tests only read it."""
    return postgres_cluster.create_database("cm_demo_reader", "demo")


@pytest.fixture
def demo_store(store_kind: str, request) -> Store:
    if store_kind == "postgres":
        return open_store(request.getfixturevalue("postgres_demo_url"))
    return open_store(request.getfixturevalue("demo_db_path"))


@pytest.fixture
def writable_demo_store(store_kind: str, new_database, request) -> Store:
    """A private copy of the demo database, for tests that write."""
    if store_kind == "postgres":
        return open_store(new_database("demo"))
    return open_store(new_database("demo", request.getfixturevalue("demo_db_path")))


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
