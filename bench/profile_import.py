"""cProfile of the project's CLI import of one generated survey file: where the time goes.

    python bench/profile_import.py [--respondents 100000] [--top 25] [--save import.prof]

Runs `analytics.cli.main(["import", ...])` in this process under cProfile, the import of the
CLI's modules included, into a new database; prints the time of each stage of the import and
the functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

# (file suffix, function, what it is): the stages of `python -m analytics import`.
STAGES = [
    ("analytics/cli.py", "<module>", "module imports (pandas, pyarrow, duckdb...)"),
    ("analytics/store/connection.py", "open_store", "open and migrate the new database"),
    ("analytics/ingest/validate.py", "read_survey", "read_survey: bytes to a grid, the layout"),
    ("analytics/ingest/reading.py", "_fast_csv", "  pyarrow CSV read and to pandas"),
    ("analytics/ingest/mapping.py", "propose_mapping", "propose_mapping: columns to items"),
    ("analytics/ingest/validate.py", "validate", "validate: every cell checked"),
    ("analytics/ingest/validate.py", "column", "  answer columns (factorize, parse once per text)"),
    ("analytics/ingest/validate.py", "_respondent_fields", "  respondent fields"),
    ("analytics/ingest/validate.py", "_parse_times", "    submitted_at dates"),
    ("analytics/ingest/commit.py", "commit_import", "commit_import: one transaction"),
    ("analytics/ingest/validate.py", "answer_matrix", "  answers as respondent-by-item arrays"),
    ("analytics/store/connection.py", "insert_answers", "  INSERT, one answer list a respondent"),
    ("analytics/store/connection.py", "forget_store", "close (DuckDB checkpoint)"),
]


def _find(stats: pstats.Stats, suffix: str, function: str) -> tuple[float, float] | None:
    """(own time, cumulative time) of the function, summed over its definitions."""
    found = [
        (tt, ct)
        for (file, _line, name), (_cc, _nc, tt, ct, _callers) in stats.stats.items()
        if name == function and file.endswith(suffix)
    ]
    if not found:
        return None
    return sum(f[0] for f in found), sum(f[1] for f in found)


def profile_import(survey: Path, instrument: Path, db: Path) -> tuple[pstats.Stats, float]:
    os.environ["COMMON_MEASURE_MAX_UPLOAD_MB"] = "2000"
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    cli = importlib.import_module("analytics.cli")
    code = cli.main(
        [
            "import",
            str(survey),
            "--initiative",
            "Bench",
            "--create",
            "--instrument",
            str(instrument),
            "--db",
            str(db),
        ],
        out=io.StringIO(),
        err=io.StringIO(),
    )
    profiler.disable()
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the import failed with exit status {code}")
    return pstats.Stats(profiler), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--save", type=Path, help="write the raw profile (for pstats, snakeviz)")
    args = parser.parse_args()
    survey, instrument = args.work / f"survey_{args.respondents}.csv", args.work / "instrument.csv"
    if not (survey.exists() and instrument.exists()):
        survey, instrument = generate(args.respondents, args.work)
    with tempfile.TemporaryDirectory() as folder:
        stats, seconds = profile_import(survey, instrument, Path(folder) / "profile.duckdb")
    if args.save:
        stats.dump_stats(args.save)
    print(f"CLI import of {survey.name} under cProfile: {seconds:.2f} s\n")
    print(f"{'stage':58} {'cumulative':>10} {'own':>8}")
    for suffix, function, label in STAGES:
        found = _find(stats, suffix, function)
        if found is not None:
            print(f"{label:58} {found[1]:9.2f}s {found[0]:7.2f}s")
    print(f"\nThe {args.top} functions with the most time of their own:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
