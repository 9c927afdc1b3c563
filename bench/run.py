"""Benchmark of Common Measure against bare DuckDB (issue 8). See bench/README.md.

For each size it generates (or reuses) a wide survey file with bench/generate.py, then repeats,
interleaved so that the machine's drift falls on both sides alike, each in a fresh process whose
peak RSS is read with os.wait4:

  import     the CLI `python -m analytics import` against DuckDB `CREATE TABLE AS read_csv`;
  scoring    initiative_statistics, cold, against a bare DuckDB query of the same means;
  cli scores `python -m analytics scores`, whole process, against the file loaded as one wide
             table and one query in a process of its own (issue 18's natural baseline);
  warm       the overview twice in one process, the second call timed (and, up to 100k, the
             whole overview page's analytics: overview and highlights);
  cold start `streamlit run app.py` to a healthy /_stcore/health (at --app-size only);
  apptest    the app's overview AppTest (at --app-size only);
  portfolio  an admin's portfolio of --initiatives initiatives, first call and warm.

    python bench/run.py [--sizes 10000 100000 1000000] [--runs 5] [--quick]

Medians and peak RSS are printed as a table and written as JSON to bench/results/<date>.json.
The exit status is 3 when the project's per-wave means differ from the baseline's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

INITIATIVE = "Bench"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
APP_SIZE = 1_000_000
PAGE_EVERY_RUN_UP_TO = 100_000  # larger sizes measure the whole page's refresh in run 1 only
MEANS_TOLERANCE = 1e-9
MIB = 1024 * 1024

# The targets of issues 8 and 18. A ratio target is judged at its size; other sizes show it for
# trend. Issue 18 tightened the import's and moved the AppTest to 1M.
TARGETS = {
    "import": {"ratio": 1.5, "peak_rss_mb": 1024.0, "size": 1_000_000},
    "scoring": {"ratio": 2.0, "size": 1_000_000},
    "cli_scores": {"ratio": 1.5, "size": 1_000_000},
    "cli_scores_small": {"seconds": 0.6, "size": 10_000},
    "warm_refresh": {"seconds": 0.050},
    "page_refresh": {"seconds": 0.050},
    "cold_start": {"seconds": 2.0},
    "apptest_overview": {"seconds": 1.5, "size": APP_SIZE},
}
# The many-initiatives case (issue 18): an admin's portfolio of PORTFOLIO_INITIATIVES initiatives
# of PORTFOLIO_RESPONDENTS respondents each (4 waves), first call in a new process and warm.
PORTFOLIO_INITIATIVES = 500
PORTFOLIO_RESPONDENTS = 1_000
PORTFOLIO_TARGETS = {"portfolio_first": {"seconds": 1.5}, "portfolio_warm": {"seconds": 0.100}}
MEASUREMENTS = tuple(TARGETS)


class BenchError(RuntimeError):
    """A measured process failed: the benchmark cannot go on."""


@dataclass
class Sample:
    """One measured process: wall-clock seconds, peak RSS, its outputs."""

    seconds: float
    peak_rss_mb: float
    stdout: str
    result: dict


def run_process(
    command: list[str], *, env: dict[str, str] | None = None, timeout: float = 3600
) -> Sample:
    """Run `command` from the repository root; its wall time and peak RSS (os.wait4).

    A worker's last line of standard output is its JSON result."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise BenchError(f"{' '.join(command)} exited with {process.returncode}:\n{stderr[-3000:]}")
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    result = json.loads(last) if last.startswith("{") else {}
    # ru_maxrss is in kilobytes on Linux.
    return Sample(seconds, usage.ru_maxrss / 1024, stdout, result)


def worker(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.workers", *args]


def cli_import(survey: Path, instrument: Path, db: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "analytics",
        "import",
        str(survey),
        "--initiative",
        INITIATIVE,
        "--create",
        "--instrument",
        str(instrument),
        "--db",
        str(db),
    ]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "COMMON_MEASURE_DB"}
    env["COMMON_MEASURE_MAX_UPLOAD_MB"] = "2000"  # the 1M file is about 245 MB
    env["COMMON_MEASURE_DEMO"] = "false"
    return env


# -- the machine ---------------------------------------------------------------------------------


def _proc_field(path: str, name: str) -> str | None:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(name) and ":" in line:
                return line.split(":", 1)[1].strip()
    return None


def machine() -> dict:
    memory_kb = _proc_field("/proc/meminfo", "MemTotal")
    cpu_limit = None
    with contextlib.suppress(OSError):
        cpu_limit = Path("/sys/fs/cgroup/cpu.max").read_text().strip()
    packages = {}
    for name in ("duckdb", "pandas", "pyarrow", "streamlit", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cgroup_cpu_max": cpu_limit,
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(memory_kb.split()[0]) / MIB, 1) if memory_kb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
    }


def code_version() -> dict:
    """The commit measured, and whether the app's code differed from it."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "analytics", "pages", "ui", "app.py")
    return {"commit": git("rev-parse", "HEAD"), "app_code_changed": bool(changed)}


# -- measuring -----------------------------------------------------------------------------------


def compare_means(project: dict, baseline: dict) -> list[str]:
    """Differences between {wave: {scale: [n, mean]}} of the project and of the baseline."""
    problems = []
    for wave in sorted(set(project) | set(baseline)):
        ours, theirs = project.get(wave, {}), baseline.get(wave, {})
        for scale in sorted(set(ours) | set(theirs)):
            if scale not in ours or scale not in theirs:
                side = "project" if scale in ours else "baseline"
                problems.append(f"{wave} {scale}: only the {side} has a mean")
                continue
            (n1, mean1), (n2, mean2) = ours[scale], theirs[scale]
            if n1 != n2 or abs(mean1 - mean2) > MEANS_TOLERANCE:
                problems.append(
                    f"{wave} {scale}: project n={n1} mean={mean1!r}, baseline n={n2} mean={mean2!r}"
                )
    if not project:
        problems.append("the project returned no per-wave means")
    return problems


class Series:
    """The runs of one side of one measurement."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.rss: list[float] = []
        self.extra: dict[str, list[float]] = {}

    def add(self, seconds: float, rss: float | None = None, **extra: float) -> None:
        self.seconds.append(seconds)
        if rss is not None:
            self.rss.append(rss)
        for key, value in extra.items():
            self.extra.setdefault(key, []).append(value)

    def summary(self) -> dict:
        out = {
            "median_s": statistics.median(self.seconds),
            "min_s": min(self.seconds),
            "max_s": max(self.seconds),
            "runs": len(self.seconds),
            "runs_s": [round(s, 6) for s in self.seconds],
            "peak_rss_mb": round(max(self.rss), 1) if self.rss else None,
        }
        for key, values in self.extra.items():
            out[f"{key}_median_s"] = statistics.median(values)
        return out


def _ratio_entry(name: str, size: int, project: Series, baseline: Series) -> dict:
    target = TARGETS[name]
    ours, theirs = project.summary(), baseline.summary()
    ratio = ours["median_s"] / theirs["median_s"]
    # Each run's project time over the same run's baseline time: drift within a run cancels.
    paired = [a / b for a, b in zip(project.seconds, baseline.seconds, strict=True)]
    met = ratio <= target["ratio"]
    if "peak_rss_mb" in target:
        met = met and ours["peak_rss_mb"] <= target["peak_rss_mb"]
    return {
        "project": ours,
        "baseline": theirs,
        "ratio": ratio,
        "paired_ratios": [round(r, 3) for r in paired],
        "paired_ratio_median": statistics.median(paired),
        "target": {**target, "applies": size == target["size"]},
        "met": met,
    }


def _time_entry(name: str, size: int, series: Series) -> dict:
    target = TARGETS[name]
    summary = series.summary()
    return {
        "project": summary,
        "target": {**target, "applies": size == target.get("size", size)},
        "met": summary["median_s"] < target["seconds"],
    }


def data_files(size: int, folder: Path, regenerate: bool) -> tuple[Path, Path, float | None]:
    survey, instrument = folder / f"survey_{size}.csv", folder / "instrument.csv"
    if survey.exists() and instrument.exists() and not regenerate:
        return survey, instrument, None
    started = time.perf_counter()
    survey, instrument = generate(size, folder)
    return survey, instrument, time.perf_counter() - started


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _measure_import(
    size: int, survey: Path, instrument: Path, db: Path, base: Path, series: dict[str, Series]
) -> None:
    """The CLI import into a new database, then bare DuckDB's read_csv into another."""
    env = environment()
    sample = run_process(cli_import(survey, instrument, db), env=env)
    if "Imported" not in sample.stdout:
        raise BenchError(f"the CLI did not import {survey}:\n{sample.stdout[-2000:]}")
    series["import"].add(sample.seconds, sample.peak_rss_mb)
    baseline = run_process(worker("baseline-import", str(survey), str(base)), env=env)
    if baseline.result["rows"] != size:
        raise BenchError(f"bare DuckDB read {baseline.result['rows']} rows, not {size}")
    series["import_baseline"].add(baseline.seconds, baseline.peak_rss_mb)
    _say(f"  import: project {sample.seconds:.2f} s, baseline {baseline.seconds:.2f} s")


def _measure_scoring(db: Path, series: dict[str, Series]) -> list[str]:
    """Cold scoring by the project, then by the baseline query; their differences in means."""
    env = environment()
    ours = run_process(worker("scoring", str(db), INITIATIVE), env=env)
    theirs = run_process(worker("baseline-scoring", str(db), INITIATIVE), env=env)
    for key, sample in (("scoring", ours), ("scoring_baseline", theirs)):
        series[key].add(
            sample.result["seconds"], sample.peak_rss_mb, startup=sample.result["startup_seconds"]
        )
    _say(
        f"  scoring: project {ours.result['seconds']:.3f} s, "
        f"baseline {theirs.result['seconds']:.3f} s"
    )
    return compare_means(ours.result["means"], theirs.result["means"])


def cli_scores(db: Path) -> list[str]:
    return [sys.executable, "-m", "analytics", "scores", "--initiative", INITIATIVE,
            "--format", "json", "--db", str(db)]  # fmt: skip


def _cli_means(stdout: str) -> dict[str, dict[str, list[float]]]:
    """{wave: {scale: [n, mean]}} of the whole waves, from the CLI's JSON records."""
    out: dict[str, dict[str, list[float]]] = {}
    for record in json.loads(stdout):
        if record["group"] == "all" and record["mean"] is not None:
            out.setdefault(str(record["wave"]), {})[record["scale"]] = [
                int(record["n"]),
                float(record["mean"]),
            ]
    return out


def _measure_cli_scores(
    db: Path, wide: Path, instrument: Path, series: dict[str, Series]
) -> list[str]:
    """The CLI's `scores`, whole process, then the wide-table baseline, whole process; their
    differences in means."""
    env = environment()
    ours = run_process(cli_scores(db), env=env)
    theirs = run_process(worker("baseline-wide-scoring", str(wide), str(instrument)), env=env)
    series["cli_scores"].add(ours.seconds, ours.peak_rss_mb)
    series["cli_scores_baseline"].add(
        theirs.seconds, theirs.peak_rss_mb, query=theirs.result["seconds"]
    )
    _say(f"  cli scores: project {ours.seconds:.3f} s, wide baseline {theirs.seconds:.3f} s")
    return compare_means(_cli_means(ours.stdout), theirs.result["means"])


def _measure_warm(db: Path, page: bool, series: dict[str, Series]) -> None:
    """The overview's warm refresh and, with `page`, the whole overview page's analytics."""
    command = worker("warm", str(db), INITIATIVE, *(["--page"] if page else []))
    sample = run_process(command, env=environment())
    result = sample.result
    series["warm"].add(result["seconds"], sample.peak_rss_mb, first=result["first_seconds"])
    if page:
        series["page"].add(result["page_seconds"], first=result["page_first_seconds"])
    _say(f"  warm refresh: {result['seconds'] * 1000:.1f} ms")


def _measure_app(db: Path, series: dict[str, Series]) -> None:
    """`streamlit run app.py` to healthy, then the overview AppTest in a new process."""
    from tests.browser import streamlit_server  # imports pytest: only when measured

    with streamlit_server(db, COMMON_MEASURE_DEMO="false") as (_url, healthy):
        series["cold_start"].add(healthy)
    sample = run_process(worker("apptest", str(db)), env=environment())
    result = sample.result
    if result["problems"] or result["metrics"] == 0:
        raise BenchError(f"the overview AppTest failed: {result}")
    series["apptest"].add(
        result["seconds"],
        sample.peak_rss_mb,
        startup=result["startup_seconds"],
        rerun=result["rerun_seconds"],
    )
    _say(f"  cold start {healthy:.2f} s, overview AppTest {result['seconds']:.2f} s")


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)


def bench_size(size: int, args: argparse.Namespace, work: Path) -> dict:
    """Every measurement at one size, run after run; within a run the project, then the
    baseline, so that drift falls on both alike."""
    survey, instrument, generated = data_files(size, work, args.regenerate)
    load = [round(x, 2) for x in os.getloadavg()]
    _say(f"== {size:,} respondents: {survey} ({survey.stat().st_size / 1e6:.1f} MB)")
    streamlit_parts = not args.quick and size == args.app_size
    series: dict[str, Series] = defaultdict(Series)
    mismatches: list[str] = []
    for run in range(args.runs):
        _say(f" run {run + 1} of {args.runs}")
        db, base = work / f"bench_{size}.duckdb", work / f"baseline_{size}.duckdb"
        _remove(db, base)
        try:
            _measure_import(size, survey, instrument, db, base, series)
            found = _measure_cli_scores(db, base, instrument, series)
            _remove(base)
            found += _measure_scoring(db, series)
            if found:
                _say(f"!!! MISMATCH at {size:,}, run {run + 1}: project and baseline means differ")
                for line in found[:20]:
                    _say(f"!!!   {line}")
                mismatches += [f"run {run + 1}: {line}" for line in found]
            _measure_warm(db, run == 0 or size <= PAGE_EVERY_RUN_UP_TO, series)
            if streamlit_parts:
                _measure_app(db, series)
        finally:
            _remove(db, base)

    entry: dict = {
        "respondents": size,
        "load_average_before": load,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "file_mb": round(survey.stat().st_size / 1e6, 1),
        "generated_s": generated,
        "import": _ratio_entry("import", size, series["import"], series["import_baseline"]),
        "scoring": _ratio_entry("scoring", size, series["scoring"], series["scoring_baseline"]),
        "cli_scores": _ratio_entry(
            "cli_scores", size, series["cli_scores"], series["cli_scores_baseline"]
        ),
        "cli_scores_small": _time_entry("cli_scores_small", size, series["cli_scores"]),
        "warm_refresh": _time_entry("warm_refresh", size, series["warm"]),
        "page_refresh": _time_entry("page_refresh", size, series["page"]),
    }
    entry["scoring"]["means_match"] = not mismatches
    entry["scoring"]["mismatches"] = mismatches[:100]
    if streamlit_parts:
        entry["cold_start"] = _time_entry("cold_start", size, series["cold_start"])
        entry["apptest_overview"] = _time_entry("apptest_overview", size, series["apptest"])
    else:
        reason = "--quick" if args.quick else f"measured at {args.app_size:,} respondents only"
        entry["cold_start"] = {"skipped": reason}
        entry["apptest_overview"] = {"skipped": reason}
    return entry


def bench_portfolio(args: argparse.Namespace, work: Path) -> dict:
    """The many-initiatives case: a database of --initiatives initiatives, each the same file
    of --initiative-respondents respondents committed through the core's path (built once),
    then an admin's portfolio in a new process, run after run: first call and warm call."""
    count, size = args.initiatives, args.initiative_respondents
    survey, instrument, _generated = data_files(size, work, args.regenerate)
    db = work / f"portfolio_{count}x{size}.duckdb"
    _remove(db)
    load = [round(x, 2) for x in os.getloadavg()]
    _say(f"== portfolio: {count} initiatives of {size:,} respondents")
    built = run_process(
        worker("many-initiatives", str(survey), str(instrument), str(db), str(count)),
        env=environment(),
    )
    _say(f"  built in {built.seconds:.1f} s")
    series = {"first": Series(), "warm": Series()}
    try:
        for run in range(args.runs):
            sample = run_process(worker("portfolio", str(db)), env=environment())
            result = sample.result
            if result["rows"] != count:
                raise BenchError(f"the portfolio had {result['rows']} rows, not {count}")
            series["first"].add(
                result["seconds"], sample.peak_rss_mb, startup=result["startup_seconds"]
            )
            series["warm"].add(result["warm_seconds"])
            _say(
                f"  run {run + 1}: portfolio first {result['seconds']:.2f} s, "
                f"warm {result['warm_seconds'] * 1000:.1f} ms"
            )
    finally:
        _remove(db)
    entry: dict = {
        "initiatives": count,
        "respondents_each": size,
        "built_s": round(built.seconds, 1),
        "load_average_before": load,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    for name, key in (("portfolio_first", "first"), ("portfolio_warm", "warm")):
        summary = series[key].summary()
        target = PORTFOLIO_TARGETS[name]
        entry[name] = {
            "project": summary,
            "target": {**target, "applies": count == PORTFOLIO_INITIATIVES},
            "met": summary["median_s"] < target["seconds"],
        }
    return entry


# -- reporting -----------------------------------------------------------------------------------


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table_rows(results: dict) -> list[dict]:
    """One row per size and measurement, for the printed table and the README."""
    rows = []
    for size, entry in results["sizes"].items():
        for name in MEASUREMENTS:
            item = entry.get(name, {})
            if "project" not in item:
                continue
            target, ours = item["target"], item["project"]
            theirs = item.get("baseline")
            if "ratio" in target:
                wanted = f"<= {target['ratio']}x"
                if "peak_rss_mb" in target:
                    wanted += f", RSS <= {target['peak_rss_mb'] / 1024:.0f} GiB"
                wanted += f" at {target['size']:,}"
            else:
                wanted = f"< {_duration(target['seconds'])}"
            verdict = "yes" if item["met"] else "NO"
            notes = []
            if "paired_ratios" in item and len(item["paired_ratios"]) > 1:
                notes.append(
                    f"run by run {item['paired_ratio_median']:.2f}x "
                    f"({min(item['paired_ratios']):.2f}-{max(item['paired_ratios']):.2f}x)"
                )
            if "startup_median_s" in ours:
                notes.append(f"start-up {_duration(ours['startup_median_s'])}")
            if theirs and "startup_median_s" in theirs:
                notes.append(f"baseline start-up {_duration(theirs['startup_median_s'])}")
            if "first_median_s" in ours:
                notes.append(f"first call {_duration(ours['first_median_s'])}")
            if "rerun_median_s" in ours:
                notes.append(f"rerun {_duration(ours['rerun_median_s'])}")
            rows.append(
                {
                    "respondents": int(size),
                    "measurement": name,
                    "project": _duration(ours["median_s"]),
                    "baseline": _duration(theirs["median_s"]) if theirs else "",
                    "ratio": f"{item['ratio']:.2f}x" if "ratio" in item else "",
                    "target": wanted,
                    "met": verdict if target["applies"] else f"({verdict.lower()})",
                    "project_rss": f"{ours['peak_rss_mb']:.0f} MB" if ours["peak_rss_mb"] else "",
                    "baseline_rss": f"{theirs['peak_rss_mb']:.0f} MB" if theirs else "",
                    "runs": str(ours["runs"]),
                    "notes": ", ".join(notes),
                }
            )
    entry = results.get("portfolio")
    for name in PORTFOLIO_TARGETS if entry else ():
        item, ours = entry[name], entry[name]["project"]
        verdict = "yes" if item["met"] else "NO"
        notes = [f"{entry['initiatives']} initiatives of {entry['respondents_each']:,}"]
        if "startup_median_s" in ours:
            notes.append(f"start-up {_duration(ours['startup_median_s'])}")
        rows.append(
            {
                "respondents": entry["initiatives"] * entry["respondents_each"],
                "measurement": name,
                "project": _duration(ours["median_s"]),
                "baseline": "",
                "ratio": "",
                "target": f"< {_duration(item['target']['seconds'])}",
                "met": verdict if item["target"]["applies"] else f"({verdict.lower()})",
                "project_rss": f"{ours['peak_rss_mb']:.0f} MB" if ours["peak_rss_mb"] else "",
                "baseline_rss": "",
                "runs": str(ours["runs"]),
                "notes": ", ".join(notes),
            }
        )
    return rows


HEADERS = {
    "respondents": "Respondents",
    "measurement": "Measurement",
    "project": "Project (median)",
    "baseline": "Baseline (median)",
    "ratio": "Ratio",
    "target": "Target",
    "met": "Met",
    "project_rss": "Project peak RSS",
    "baseline_rss": "Baseline peak RSS",
    "runs": "Runs",
    "notes": "Notes",
}


def format_table(rows: list[dict]) -> str:
    cells = [list(HEADERS.values())] + [
        [f"{r[k]:,}" if isinstance(r[k], int) else r[k] for k in HEADERS] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--runs", type=int, default=5, help="runs per size (default 5)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the streamlit parts (cold start, AppTest): import, scoring and warm only",
    )
    parser.add_argument(
        "--app-size",
        type=int,
        default=APP_SIZE,
        help=f"size at which cold start and the AppTest run (default {APP_SIZE:,})",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "bench" / "data",
        help="folder for generated files and databases (default bench/data)",
    )
    parser.add_argument("--regenerate", action="store_true", help="rewrite existing files")
    parser.add_argument(
        "--initiatives",
        type=int,
        default=PORTFOLIO_INITIATIVES,
        help=f"initiatives in the portfolio case (default {PORTFOLIO_INITIATIVES}; 0 skips it)",
    )
    parser.add_argument(
        "--initiative-respondents",
        type=int,
        default=PORTFOLIO_RESPONDENTS,
        help=f"respondents of each initiative there (default {PORTFOLIO_RESPONDENTS:,})",
    )
    parser.add_argument("--out", type=Path, help="JSON results (default bench/results/<date>.json)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.work.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now().astimezone()
    out = args.out or ROOT / "bench" / "results" / f"{now.date().isoformat()}.json"
    results: dict = {
        "date": now.isoformat(timespec="seconds"),
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(),
        "code": code_version(),
        "runs": args.runs,
        "quick": args.quick,
        "targets": {**TARGETS, **PORTFOLIO_TARGETS},
        "sizes": {},
    }
    info = results["machine"]
    _say(
        f"{results['date']}: {info['nproc']} CPUs ({info['cpu_model']}), "
        f"{info['memory_gib']} GiB, Python {info['python']}"
    )
    started = time.perf_counter()
    for size in args.sizes:
        results["sizes"][str(size)] = bench_size(size, args, args.work)
    if args.initiatives > 0:
        results["portfolio"] = bench_portfolio(args, args.work)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["means_match"] = all(
        entry["scoring"]["means_match"] for entry in results["sizes"].values()
    )
    results["table"] = table_rows(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")

    print(
        f"Common Measure benchmark, {results['date']}, {info['nproc']} CPUs "
        f"({info['cpu_model']}), {info['memory_gib']} GiB; medians of {args.runs} run(s)"
    )
    print(format_table(results["table"]))
    if results["means_match"]:
        print("Per-wave means: the project and the baseline agree.")
    else:
        print("!!! MISMATCH: the project's per-wave means differ from the baseline's")
    print(f"Results: {out}")
    return 0 if results["means_match"] else 3


if __name__ == "__main__":
    sys.exit(main())
