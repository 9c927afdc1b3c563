"""A throwaway PostgreSQL cluster for the tests: Debian's `postgresql` server binaries, initdb into
a temporary folder, a unix socket there on a free port; databases made from templates migrated
(and filled with the demo) once, so that each test's new database is one CREATE DATABASE."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EMPTY_TEMPLATE = "cm_template_empty"
DEMO_TEMPLATE = "cm_template_demo"


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: COMMON_MEASURE_PG_BIN, else Debian's newest."""
    given = os.environ.get("COMMON_MEASURE_PG_BIN")
    if given:
        return Path(given) if (Path(given) / "initdb").exists() else None
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresCluster:
    bin: Path
    folder: Path
    port: int
    as_postgres: bool
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _templates: set[str] = field(default_factory=set)

    @classmethod
    def start(cls) -> PostgresCluster:
        binaries = server_binaries()
        if binaries is None:
            pytest.fail(
                "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: the PostgreSQL "
                "tests need Debian's postgresql package (apt-get install postgresql, as .ci/run "
                "does), or COMMON_MEASURE_PG_BIN set to the folder that holds them",
                pytrace=False,
            )
        as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        folder = Path(tempfile.mkdtemp(prefix="cm-pg-"))
        if as_postgres:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, the tests need the postgres user", pytrace=False)
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        cluster = cls(binaries, folder, _free_port(), as_postgres)
        cluster._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
                     "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        settings = (
            f"-p {cluster.port} -k {folder} -c listen_addresses='' -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        cluster._run("pg_ctl", "-D", str(folder / "data"), "-o", settings, "-w",
                     "-l", str(folder / "server.log"), "start")  # fmt: skip
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(sql)

    def _template(self, template: str) -> str:
        """The template database, made on first use: migrated, or migrated and the demo."""
        from analytics.demo.fill import fill_if_new
        from analytics.store.connection import forget_store, open_store

        with self._lock:
            for name, source in ((EMPTY_TEMPLATE, "template0"), (DEMO_TEMPLATE, EMPTY_TEMPLATE)):
                if name not in self._templates:
                    self._admin(f"CREATE DATABASE {name} TEMPLATE {source}")
                    store = open_store(self.url(name))  # migrated on open
                    if name == DEMO_TEMPLATE:
                        fill_if_new(store)
                    forget_store(self.url(name))  # a template has no one connected
                    self._templates.add(name)
                if template == "empty":
                    return EMPTY_TEMPLATE
            return DEMO_TEMPLATE

    def create_database(self, name: str, template: str = "empty") -> str:
        """A new database copied from the template ("empty": migrated; "demo": the demo)."""
        source = self._template(template)
        self._admin(f"CREATE DATABASE {name} TEMPLATE {source}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("/")[3].split("?")[0]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        from analytics.store.connection import close_all_stores

        close_all_stores()
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
