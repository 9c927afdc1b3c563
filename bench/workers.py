"""The measured side of the benchmark: each worker runs in a fresh process started by
bench/run.py and prints one JSON object as its last line of standard output.

    python -m bench.workers baseline-import SURVEY_CSV NEW_DB
    python -m bench.workers baseline-wide-scoring WIDE_DB INSTRUMENT_CSV
    python -m bench.workers scoring DB INITIATIVE
    python -m bench.workers baseline-scoring DB INITIATIVE
    python -m bench.workers many-initiatives SURVEY_CSV INSTRUMENT_CSV NEW_DB COUNT
    python -m bench.workers portfolio DB
    python -m bench.workers warm DB INITIATIVE [--page]
    python -m bench.workers apptest DB

Only the standard library is imported at the top, so that a worker can time the imports of the
project (or of DuckDB) apart from the call it measures. Peak RSS is read by the parent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The bare DuckDB baseline of scoring: per-respondent scale scores by the rules of DESIGN.md
# section 3 (reverse-coded items as 6 - value; the mean of the answered items when at least half
# of the scale's items, rounded up, are answered), then per wave and scale n and mean, and the
# two indices (the mean of the five condition means, of the five principle means). Written
# straight from analytics/store/schema.py: respondent_answers (one UTINYINT list per respondent,
# migration 2) unnested to one row per answer, its positions named by item_lists, then
# respondents, waves, items, initiative_instruments, as the long table was read before it. (The
# `responses` view gives the same rows but, joined before the unnest, took 12 to 17 s at 1M.)
# The initiative is a bound parameter.
BASELINE_SCORING_SQL = """
WITH scale_items AS (
    SELECT i.item_id, 'condition' AS scale_type, i.condition AS scale, i.reverse
    FROM items i JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id
    WHERE ii.initiative_id = $initiative AND i.condition IS NOT NULL
    UNION ALL
    SELECT i.item_id, 'principle', i.principle, i.reverse
    FROM items i JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id
    WHERE ii.initiative_id = $initiative AND i.principle IS NOT NULL
),
scale_size AS (
    SELECT scale_type, scale, count(*) AS n_items FROM scale_items GROUP BY scale_type, scale
),
people AS (
    SELECT p.id, p.wave_id FROM respondents p JOIN waves w ON w.id = p.wave_id
    WHERE w.initiative_id = $initiative
),
answers AS (
    SELECT p.wave_id, a.respondent_id, a.item_list_id,
           unnest(a.answers) AS value, unnest(range(1, len(a.answers) + 1)) AS position
    FROM respondent_answers a JOIN people p ON p.id = a.respondent_id
),
item_positions AS (
    SELECT id AS item_list_id, unnest(item_ids) AS item_id,
           generate_subscripts(item_ids, 1) AS position
    FROM item_lists
),
respondent_scores AS (
    SELECT r.wave_id, r.respondent_id, s.scale_type, s.scale,
           avg(CASE WHEN s.reverse THEN 6 - r.value ELSE r.value END) AS score,
           count(r.value) AS answered
    FROM answers r
    JOIN item_positions i ON i.item_list_id = r.item_list_id AND i.position = r.position
    JOIN scale_items s ON s.item_id = i.item_id
    GROUP BY r.wave_id, r.respondent_id, s.scale_type, s.scale
),
wave_means AS (
    SELECT c.wave_id, c.scale_type, c.scale, count(*) AS n, avg(c.score) AS mean
    FROM respondent_scores c
    JOIN scale_size z ON z.scale_type = c.scale_type AND z.scale = c.scale
    WHERE c.answered >= ceil(z.n_items / 2.0)
    GROUP BY c.wave_id, c.scale_type, c.scale
)
SELECT w.label AS wave, m.scale, m.n, m.mean
FROM wave_means m JOIN waves w ON w.id = m.wave_id
UNION ALL
SELECT w.label, CASE m.scale_type WHEN 'condition' THEN 'collective_impact'
                                  ELSE 'partnering' END,
       min(m.n), avg(m.mean)
FROM wave_means m JOIN waves w ON w.id = m.wave_id
GROUP BY w.label, m.scale_type
HAVING count(*) = 5
"""


def wide_scoring_sql(instrument: Path) -> str:
    """The natural baseline of scoring (issue 18): the survey file loaded as one wide table `t`
    (bare DuckDB's `CREATE TABLE t AS SELECT * FROM read_csv`, blank answers NULL), and one
    query written straight from the instrument, as an analyst would: reverse-coded items as
    6 - value, each respondent's scale mean when at least half of the scale's items (rounded
    up) are answered, then per wave and scale n and mean, and the two indices (the mean of the
    five condition means, of the five principle means; n the smallest of the five). Column
    names come from the instrument file and are quoted."""
    import csv

    with instrument.open(encoding="utf-8") as f:
        items = list(csv.DictReader(f))
    scales: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for item in items:
        for family in ("condition", "principle"):
            if item[family]:
                scales.setdefault((family, item[family]), []).append(
                    (item["item_id"], item["reverse"].strip().lower() in ("true", "1", "yes"))
                )
    scores, means = [], []
    for k, ((family, scale), members) in enumerate(scales.items()):
        coded = [(f'(6 - "{i}")' if reverse else f'"{i}"') for i, reverse in members]
        answered = " + ".join(f'("{i}" IS NOT NULL)::INTEGER' for i, _ in members)
        need = -(-len(members) // 2)
        total = " + ".join(f"coalesce({c}, 0)" for c in coded)
        scores.append(f"CASE WHEN {answered} >= {need} THEN ({total}) / ({answered}) END AS s{k}")
        means.append(
            f"SELECT wave, '{scale}' AS scale, '{family}' AS family, count(s{k}) AS n,"  # noqa: S608
            f" avg(s{k}) AS mean FROM scored GROUP BY wave"
        )
    return (
        f"WITH scored AS (SELECT wave, {', '.join(scores)} FROM t),"  # noqa: S608 (bench)
        f" means AS ({' UNION ALL '.join(means)})"
        " SELECT wave, scale, n, mean FROM means"
        " UNION ALL SELECT wave, CASE family WHEN 'condition' THEN 'collective_impact'"
        " ELSE 'partnering' END, min(n), avg(mean) FROM means GROUP BY wave, family"
        " HAVING count(mean) = 5"
    )


# What app.py and the overview page import: timed as the AppTest's start-up, not its run.
APP_MODULES = (
    "plotly.graph_objects",
    "analytics.views.charts",
    "analytics.views.overview",
    "ui.components",
)


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _means(rows) -> dict[str, dict[str, list[float]]]:
    """{wave: {scale: [n, mean]}} from (wave, scale, n, mean) rows."""
    out: dict[str, dict[str, list[float]]] = {}
    for wave, scale, n, mean in rows:
        if mean is not None and mean == mean:  # not NaN
            out.setdefault(str(wave), {})[str(scale)] = [int(n), float(mean)]
    return out


def baseline_import(survey: Path, db: Path) -> dict:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($file)", {"file": str(survey)})
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return {"rows": int(rows), "seconds": time.perf_counter() - started}


def baseline_wide_scoring(db: Path, instrument: Path) -> dict:
    """The wide-table baseline in a process of its own: connect, one query, the means."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    started = time.perf_counter()
    rows = con.execute(wide_scoring_sql(instrument)).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": len(rows), "means": _means(rows)}


def many_initiatives(survey: Path, instrument: Path, db: Path, count: int) -> dict:
    """A database of `count` initiatives holding the same survey file (read and checked once),
    each committed through the core's own path (commit_import: one transaction each, creating
    the initiative with the file's instrument, stored scores included), for the portfolio's
    measurement."""
    os.environ["COMMON_MEASURE_MAX_UPLOAD_MB"] = "2000"
    from analytics.access.permissions import command_line_user
    from analytics.ingest.commit import Target, commit_import
    from analytics.ingest.mapping import propose_mapping
    from analytics.ingest.validate import read_survey, validate
    from analytics.ingest.values import DEFAULT_CHOICES
    from analytics.instrument import load_instrument_csv
    from analytics.store.connection import forget_store, open_store

    user = command_line_user("bench")
    store = open_store(db)
    items = load_instrument_csv(instrument)
    data = survey.read_bytes()
    table = read_survey(data, survey.name)
    choices = {name: list(values) for name, values in DEFAULT_CHOICES.items()}
    prepared = validate(table, propose_mapping(table, items, choices), items, data=data,
                        choices=choices)  # fmt: skip
    started = time.perf_counter()
    for k in range(count):
        # Each initiative gets the file's instrument (an initiative created without one would
        # use the default instrument, whose items the file does not have).
        target = Target(f"Initiative {k + 1:04d}", create=True, instrument=items)
        commit_import(store, target, prepared, user=user)
    seconds = time.perf_counter() - started
    forget_store(db)
    return {"seconds": seconds, "initiatives": count}


def portfolio(db: Path) -> dict:
    """An admin's portfolio of every initiative: the first call in a new process (its imports
    and the opening of the store timed apart, as start-up), then a second, warm call."""
    from analytics.access.permissions import command_line_user
    from analytics.store.connection import forget_store, open_store
    from analytics.views.portfolio import portfolio as portfolio_table
    from analytics.views.portfolio import portfolio_for_reading

    admin = command_line_user("bench")
    store = open_store(db)
    startup = time.perf_counter() - STARTED
    started = time.perf_counter()
    table = portfolio_for_reading(portfolio_table(store, admin))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    portfolio_for_reading(portfolio_table(store, admin))
    warm_seconds = time.perf_counter() - started
    forget_store(db)
    return {
        "seconds": seconds,
        "startup_seconds": startup,
        "warm_seconds": warm_seconds,
        "rows": len(table),
    }


def scoring(db: Path, initiative: str) -> dict:
    """The project's scoring, cold: the first call of initiative_statistics in a new process."""
    from analytics.access.permissions import command_line_user
    from analytics.measures.groups import ALL_GROUP
    from analytics.measures.scoring import initiative_statistics
    from analytics.store.connection import forget_store, open_store

    store = open_store(db)
    initiative_id = store.initiative_id(initiative)
    startup = time.perf_counter() - STARTED
    started = time.perf_counter()
    stats = initiative_statistics(store, command_line_user("bench"), initiative_id)
    seconds = time.perf_counter() - started
    whole = stats[stats["group"] == ALL_GROUP]
    means = _means(whole[["wave", "scale", "n", "mean"]].itertuples(index=False))
    forget_store(db)
    return {"seconds": seconds, "startup_seconds": startup, "rows": len(stats), "means": means}


def baseline_scoring(db: Path, initiative: str) -> dict:
    import duckdb

    con = duckdb.connect(str(db))
    found = con.execute("SELECT id FROM initiatives WHERE name = ?", [initiative]).fetchone()
    startup = time.perf_counter() - STARTED
    started = time.perf_counter()
    # fetchall, not .df(): the first .df() would import pandas inside the timed call.
    rows = con.execute(BASELINE_SCORING_SQL, {"initiative": found[0]}).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    means = _means(rows)
    return {"seconds": seconds, "startup_seconds": startup, "rows": len(rows), "means": means}


def warm(db: Path, initiative: str, page: bool) -> dict:
    """overview() twice in one process, the second call timed (cached per data version); with
    `page`, also the rest of the overview page's analytics (highlights) twice."""
    from analytics.access.permissions import command_line_user
    from analytics.store.connection import forget_store, open_store
    from analytics.views.overview import highlights, overview

    ADMIN = command_line_user("bench")  # noqa: N806
    store = open_store(db)
    initiative_id = store.initiative_id(initiative)
    result = {}
    started = time.perf_counter()
    overview(store, ADMIN, initiative_id)
    result["first_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    overview(store, ADMIN, initiative_id)
    result["seconds"] = time.perf_counter() - started
    if page:
        started = time.perf_counter()
        overview(store, ADMIN, initiative_id)
        highlights(store, ADMIN, initiative_id)
        result["page_first_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        overview(store, ADMIN, initiative_id)
        highlights(store, ADMIN, initiative_id)
        result["page_seconds"] = time.perf_counter() - started
    forget_store(db)
    return result


def apptest(db: Path) -> dict:
    """The app's overview as an AppTest on `db`: the first run in this process (after the
    modules the app imports, timed apart as start-up), then a rerun of the same session."""
    os.environ["COMMON_MEASURE_DB"] = str(db)
    os.environ["COMMON_MEASURE_DEMO"] = "false"
    os.environ["COMMON_MEASURE_BCRYPT_ROUNDS"] = "4"  # the sign-in is not what is measured
    import importlib
    import subprocess

    from streamlit.testing.v1 import AppTest

    # An account to sign in with (refused, harmlessly, when an earlier run added it).
    before = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "analytics", "users", "add", "bench.admin", "--role", "admin",
         "--db", str(db)],
        input="bench admin password\n", text=True, capture_output=True, cwd=ROOT, check=False,
    )  # fmt: skip
    account_seconds = time.perf_counter() - before
    for module in APP_MODULES:
        importlib.import_module(module)
    startup = time.perf_counter() - STARTED - account_seconds
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    started = time.perf_counter()
    at.run()  # the sign-in page (opens the database)
    sign_in_page = time.perf_counter() - started
    at.text_input(key="sign_in.login").input("bench.admin")
    at.text_input(key="sign_in.password").input("bench admin password")
    started = time.perf_counter()
    at.button(key="sign_in.submit").click().run()  # sign in, then the first overview
    seconds = time.perf_counter() - started
    problems = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
    if not at.title or not at.title[0].value.startswith("Overview"):
        problems.append("the overview was not shown after signing in")
    started = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - started
    problems += [str(e.value) for e in at.exception]
    return {
        "seconds": seconds,
        "sign_in_page_seconds": sign_in_page,
        "startup_seconds": startup,
        "rerun_seconds": rerun,
        "metrics": len(at.metric),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("baseline-import")
    one.add_argument("survey", type=Path)
    one.add_argument("db", type=Path)
    wide = commands.add_parser("baseline-wide-scoring")
    wide.add_argument("db", type=Path)
    wide.add_argument("instrument", type=Path)
    many = commands.add_parser("many-initiatives")
    many.add_argument("survey", type=Path)
    many.add_argument("instrument", type=Path)
    many.add_argument("db", type=Path)
    many.add_argument("count", type=int)
    commands.add_parser("portfolio").add_argument("db", type=Path)
    for name in ("scoring", "baseline-scoring", "warm"):
        sub = commands.add_parser(name)
        sub.add_argument("db", type=Path)
        sub.add_argument("initiative")
        if name == "warm":
            sub.add_argument("--page", action="store_true")
    app = commands.add_parser("apptest")
    app.add_argument("db", type=Path)
    args = parser.parse_args(argv)
    if args.command == "baseline-import":
        result = baseline_import(args.survey, args.db)
    elif args.command == "baseline-wide-scoring":
        result = baseline_wide_scoring(args.db, args.instrument)
    elif args.command == "many-initiatives":
        result = many_initiatives(args.survey, args.instrument, args.db, args.count)
    elif args.command == "portfolio":
        result = portfolio(args.db)
    elif args.command == "scoring":
        result = scoring(args.db, args.initiative)
    elif args.command == "baseline-scoring":
        result = baseline_scoring(args.db, args.initiative)
    elif args.command == "warm":
        result = warm(args.db, args.initiative, args.page)
    else:
        result = apptest(args.db)
    result["peak_rss_mb_self"] = _peak_rss_mb()
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
