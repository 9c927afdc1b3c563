"""The floor of an import at 1M: what DuckDB alone takes to parse the bench survey and write the
rows the project stores, without any validation or Python per row, against the bare load.

    python bench/import_floor.py [--respondents 1000000] [--work /work/benchdata] [--runs 3]

Issue 18 asks the CLI import for at most 1.5 times `CREATE TABLE AS read_csv`. This measures
whether the stored layout allows it at all: a worker process that imports only DuckDB parses the
CSV (answers typed as UTINYINT: no check of labels, dates, names or ranges) and writes, with one
SQL statement each, the respondents, the answer lists and the scale scores into a database the
project created (its real tables and constraints), and the score cells (the same statement for
both layouts; the alpha sums are left out: the floor is a lower bound). Two layouts of the scale
scores:

- `rows`: as migration 8 stored them: one row per respondent and scale, the scale named by two
  text columns (the worker puts migration 8's table back in place of migration 11's view);
- `lists`: as stored since migration 11: one row per respondent, its scales' totals, items
  answered and favourable answers in three lists in the order of a scale list.

Each process is timed whole (start-up included), as bench/run.py times the CLI and the baseline,
interleaved run by run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Answers run 1..5; a reverse-coded item's value is REVERSE_FROM - value (DESIGN.md 3).
REVERSE_FROM = 6
FAVOURABLE_FROM = 4


# Migration 8's table, which migration 11 made a view of lists (the worker imports DuckDB alone,
# not the project's schema module: its start-up is part of the floor).
_MIGRATION_8_TABLE = """CREATE TABLE respondent_scale_scores (respondent_id BIGINT NOT NULL,
    wave_id INTEGER NOT NULL, scale_type VARCHAR NOT NULL, scale VARCHAR NOT NULL, score DOUBLE,
    answered SMALLINT NOT NULL, favourable SMALLINT NOT NULL)"""


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"  # the column names and types of read_csv's map


def _scales(instrument: Path) -> list[tuple[str, str, list[tuple[str, bool]]]]:
    """(scale_type, scale, [(item_id, reverse)]) of the instrument CSV, in item id order."""
    members: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    with instrument.open(newline="", encoding="utf-8") as f:
        for row in sorted(csv.DictReader(f), key=lambda r: r["item_id"]):
            for scale_type in ("condition", "principle"):
                if row[scale_type]:
                    key = (scale_type, row[scale_type])
                    members.setdefault(key, []).append((row["item_id"], row["reverse"] == "true"))
    return [(t, s, items) for (t, s), items in sorted(members.items())]


def _sums(items: list[tuple[str, bool]]) -> tuple[str, str, str]:
    """SQL of a scale's total after reverse coding, items answered and favourable answers."""
    coded = [
        f"({REVERSE_FROM} - {_identifier(i)})" if reverse else _identifier(i)
        for i, reverse in items
    ]
    total = " + ".join(f"coalesce({c}, 0)::INTEGER" for c in coded)
    answered = " + ".join(f"({_identifier(i)} IS NOT NULL)::INTEGER" for i, _r in items)
    favourable = " + ".join(f"(coalesce({c}, 0) >= {FAVOURABLE_FROM})::INTEGER" for c in coded)
    return total, answered, favourable


def worker(db: str, survey: str, instrument: str, layout: str) -> None:
    """One import, timed stage by stage; prints a JSON line."""
    import duckdb

    stages: dict[str, float] = {}
    mark = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[name] = now - mark
        mark = now

    scales = _scales(Path(instrument))
    with open(survey, encoding="utf-8") as f:
        header = next(csv.reader(f))
    fields, items = header[:6], header[6:]
    columns = ", ".join(
        f"{_literal(name)}: {_literal('VARCHAR' if k < len(fields) else 'UTINYINT')}"
        for k, name in enumerate(header)
    )
    con = duckdb.connect(db)
    if layout == "rows":
        con.execute("DROP VIEW respondent_scale_scores")
        con.execute(_MIGRATION_8_TABLE)
    stage("start-up")
    con.execute(
        "CREATE TEMP TABLE survey AS SELECT * FROM read_csv($file, header = true,"  # noqa: S608
        f" auto_detect = false, delim = ',', quote = '\"', columns = {{{columns}}})",
        {"file": survey},
    )
    stage("parse (DuckDB read_csv, typed)")
    con.execute("BEGIN")
    con.execute("INSERT INTO initiatives (name) VALUES ('Floor')")
    con.execute(
        "INSERT INTO waves (initiative_id, label)"
        " SELECT 1, wave FROM (SELECT DISTINCT wave FROM survey) ORDER BY wave"
    )
    con.execute(
        "INSERT INTO respondents (id, wave_id, import_id, respondent_key, organisation, sector,"
        " role, submitted_at) SELECT s.rowid + 1, w.id, 1, s.respondent_id, s.organisation,"
        " s.sector, s.role, strptime(s.submitted_at, '%Y-%m-%d %H:%M') FROM survey s"
        " JOIN waves w ON w.label = s.wave"
    )
    stage("respondents")
    con.execute("INSERT INTO item_lists (item_ids) VALUES (?::VARCHAR[])", [items])
    answers = ", ".join(_identifier(i) for i in items)
    con.execute(
        "INSERT INTO respondent_answers (respondent_id, item_list_id, answers)"  # noqa: S608
        f" SELECT rowid + 1, 1, list_value({answers}) FROM survey"
    )
    stage("answer lists")
    con.execute("CREATE TEMP TABLE wave_of AS SELECT id AS respondent_id, wave_id FROM respondents")
    if layout == "rows":
        for scale_type, scale, members in scales:
            total, answered, favourable = _sums(members)
            needed = -(-len(members) // 2)
            con.execute(
                "INSERT INTO respondent_scale_scores (respondent_id, wave_id, scale_type,"  # noqa: S608
                " scale, score, answered, favourable) SELECT w.respondent_id, w.wave_id, ?, ?,"
                " CASE WHEN a >= ? THEN t / a END, a, f FROM (SELECT rowid + 1 AS respondent_id,"
                f" {total} AS t, {answered} AS a, {favourable} AS f FROM survey) s"
                " JOIN wave_of w USING (respondent_id) WHERE a > 0",
                [scale_type, scale, needed],
            )
    else:
        con.execute(
            "INSERT INTO scale_lists (scale_types, scales, needed)"
            " VALUES (?::VARCHAR[], ?::VARCHAR[], ?::INTEGER[])",
            [
                [t for t, _s, _m in scales],
                [s for _t, s, _m in scales],
                [-(-len(m) // 2) for _t, _s, m in scales],
            ],
        )
        parts = [_sums(members) for _t, _s, members in scales]
        kinds = ("INTEGER", "SMALLINT", "SMALLINT")
        lists = [
            "list_value(" + ", ".join(f"({p[k]})::{kinds[k]}" for p in parts) + ")"
            for k in range(3)
        ]
        anything = " OR ".join(f"({p[1]}) > 0" for p in parts)
        con.execute(
            "INSERT INTO respondent_scale_lists SELECT w.respondent_id, w.wave_id, 1,"  # noqa: S608
            f" {lists[0]}, {lists[1]}, {lists[2]} FROM survey s"
            f" JOIN wave_of w ON w.respondent_id = s.rowid + 1 WHERE {anything}"
        )
    stage(f"scale scores ({layout})")
    # The same statement for both layouts: each scale's sums straight from the parsed survey.
    by_scale, names = [], []
    for scale_type, scale, members in scales:
        total, answered, favourable = _sums(members)
        by_scale.append(
            f"SELECT ? AS scale_type, ? AS scale, ? AS needed, rowid + 1 AS respondent_id,"  # noqa: S608
            f" {total} AS t, {answered} AS a, {favourable} AS f FROM survey"
        )
        names += [scale_type, scale, -(-len(members) // 2)]
    con.execute(
        "INSERT INTO score_cells (wave_id, sector, role, scale_type, scale, items_answered, n,"  # noqa: S608
        " sum_total, sum_total2, favourable, answered) SELECT p.wave_id,"
        " coalesce(p.sector, ''), coalesce(p.role, ''), s.scale_type, s.scale, s.a,"
        " count(*) FILTER (WHERE s.a >= s.needed),"
        " coalesce(sum(s.t) FILTER (WHERE s.a >= s.needed), 0),"
        " coalesce(sum(s.t * s.t) FILTER (WHERE s.a >= s.needed), 0), sum(s.f), sum(s.a)"
        f" FROM ({' UNION ALL '.join(by_scale)}) s JOIN respondents p ON p.id = s.respondent_id"
        " WHERE s.a > 0 GROUP BY ALL",
        names,
    )
    stage("score cells")
    con.execute("COMMIT")
    con.close()
    stage("commit and close")
    print(json.dumps({"stages": stages, "layout": layout}))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", nargs=4, metavar=("DB", "SURVEY", "INSTRUMENT", "LAYOUT"))
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from analytics.store.connection import forget_store, open_store
    from bench.generate import generate
    from bench.run import run_process
    from bench.run import worker as bench_worker

    survey = args.work / f"survey_{args.respondents}.csv"
    instrument = args.work / "instrument.csv"
    if not (survey.exists() and instrument.exists()):
        survey, instrument = generate(args.respondents, args.work)
    env = {k: v for k, v in os.environ.items() if k != "COMMON_MEASURE_DB"}
    seconds: dict[str, list[float]] = {"baseline": [], "rows": [], "lists": []}
    stages: dict[str, list[dict[str, float]]] = {"rows": [], "lists": []}
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.duckdb"
        open_store(empty)
        forget_store(empty)  # closed: a migrated project database with no initiative
        for run in range(args.runs):
            base = Path(folder) / f"base{run}.duckdb"
            sample = run_process(bench_worker("baseline-import", str(survey), str(base)), env=env)
            seconds["baseline"].append(sample.seconds)
            for layout in ("rows", "lists"):
                db = Path(folder) / f"{layout}{run}.duckdb"
                shutil.copy(empty, db)
                command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(db)]
                sample = run_process([*command, str(survey), str(instrument), layout], env=env)
                seconds[layout].append(sample.seconds)
                stages[layout].append(sample.result["stages"])
            print(
                f"run {run + 1}: bare load {seconds['baseline'][-1]:.2f} s, floor with scores as"
                f" rows {seconds['rows'][-1]:.2f} s, as lists {seconds['lists'][-1]:.2f} s",
                flush=True,
            )
    base = _median(seconds["baseline"])
    print(f"\n{survey.name}: medians of {args.runs} runs, load {os.getloadavg()[0]:.2f}")
    print(f"{'bare CREATE TABLE AS read_csv':52} {base:6.2f} s")
    for layout in ("rows", "lists"):
        total = _median(seconds[layout])
        print(f"{'floor, scale scores as ' + layout:52} {total:6.2f} s  {total / base:.2f}x")
        for name in stages[layout][0]:
            value = _median([s[name] for s in stages[layout]])
            print(f"    {name:48} {value:6.2f} s")


if __name__ == "__main__":
    main()
