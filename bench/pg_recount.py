"""The recounts that read an initiative's stored answers again, on PostgreSQL: an instrument
change (a flipped reverse flag, with the import of a next wave of 300 respondents, as the
command line and the import page do it) and the undo of that import.

Starts a throwaway PostgreSQL cluster (Debian's `postgresql`), imports a generated file by the
command line into a template database, then times each recount on a fresh copy of it, and how
much of it went to reading the stored answers (score_cells._answers for the alpha sums,
scale_scores._answer_lists for the scores).

    python bench/pg_recount.py --respondents 200000 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.access.permissions import command_line_user  # noqa: E402
from analytics.ingest.commit import Target, commit_import, undo_import  # noqa: E402
from analytics.ingest.mapping import propose_mapping  # noqa: E402
from analytics.ingest.validate import read_survey, validate  # noqa: E402
from analytics.ingest.values import DEFAULT_CHOICES  # noqa: E402
from analytics.store import scale_scores, score_cells  # noqa: E402
from analytics.store.connection import forget_store, open_store  # noqa: E402
from bench.generate import generate  # noqa: E402
from tests.postgres_cluster import PostgresCluster  # noqa: E402

ADMIN = command_line_user("bench")
READERS = ((score_cells, "_answers"), (scale_scores, "_answer_lists"))


def _timed_readers(spent: list[float]) -> None:
    """The answer readers, each call's seconds added to spent[0] (the recount code calls them
    by their module's name, so that the wrapped ones are the ones called)."""
    for module, name in READERS:
        inner = getattr(module, name)

        def wrapped(*args, _inner=inner, **kwargs):
            start = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        setattr(module, name, wrapped)


def next_wave(folder: Path, items):
    """A generated file of 300 respondents without ids, checked as the wave 2027-W5."""
    survey, _ = generate(300, folder)
    data = survey.read_bytes()
    table = read_survey(data, "next.csv")
    choices = {k: list(v) for k, v in DEFAULT_CHOICES.items()}
    mapping = propose_mapping(table, items, choices)
    mapping.fields.pop("wave", None)
    mapping.fields.pop("respondent_id", None)
    return validate(table, mapping, items, data=data, wave="2027-W5", choices=choices)


def copy_of_base(cluster: PostgresCluster, run: int) -> str:
    """A fresh copy of the imported database (a file copy on the server: seconds, not an
    import)."""
    import psycopg

    name = f"recount_{int(run)}"
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name} TEMPLATE recount_base")  # noqa: S608 - an int
    return cluster.url(name)


def run_once(cluster: PostgresCluster, run: int, folder: Path, spent: list[float]) -> dict:
    url = copy_of_base(cluster, run)
    try:
        store = open_store(url)
        initiative_id = int(store.read_one("SELECT id FROM initiatives WHERE name = 'Bench'"))
        items = store.instrument(initiative_id)
        changed = [dataclasses.replace(items[0], reverse=not items[0].reverse), *items[1:]]
        prepared = next_wave(folder / f"next_{run}", changed)
        found = {}
        spent[0] = 0.0
        start = time.perf_counter()
        result = commit_import(store, Target("Bench", instrument=changed), prepared, user=ADMIN)
        found["instrument change"] = (time.perf_counter() - start, spent[0])
        spent[0] = 0.0
        start = time.perf_counter()
        undo_import(store, ADMIN, result.import_id)
        found["undo"] = (time.perf_counter() - start, spent[0])
        return found
    finally:
        forget_store(url)
        cluster.drop_database(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    spent = [0.0]
    _timed_readers(spent)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cm-recount-")))
        cluster = PostgresCluster.start()
        stack.callback(cluster.stop)
        survey, instrument = generate(args.respondents, folder)
        url = cluster.create_database("recount_base")  # migrated, empty
        env = dict(os.environ, COMMON_MEASURE_MAX_UPLOAD_MB="2000", COMMON_MEASURE_DEMO="false")
        subprocess.run(
            [sys.executable, "-m", "analytics", "import", str(survey), "--initiative", "Bench",
             "--create", "--instrument", str(instrument), "--db", url],
            env=env, check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        forget_store(url)  # a template has no one connected
        runs = [run_once(cluster, run, folder, spent) for run in range(args.repeats)]
    print(f"{args.respondents:,} respondents, 40 items, 10 scales; {args.repeats} runs")
    print("| Recount | Median s | Of which reading the answers, s | Runs s |")
    print("| --- | --- | --- | --- |")
    for name in runs[0]:
        total = [r[name][0] for r in runs]
        reading = [r[name][1] for r in runs]
        each = ", ".join(f"{t:.2f}" for t in total)
        print(
            f"| {name} | {statistics.median(total):.2f} | {statistics.median(reading):.2f}"
            f" | {each} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
