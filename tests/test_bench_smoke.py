"""A smoke run of the benchmark runner (bench/run.py) at 10k respondents, one run, without the
streamlit parts, with a portfolio of two small initiatives: it completes, the project's per-wave
means match the bare DuckDB baselines' (the stored lists and the wide table), and its JSON
holds every measurement. The full benchmark is not part of the test run; see
bench/README.md."""

import json
import subprocess
import sys

import pytest

from bench.run import MEASUREMENTS, compare_means
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_a_quick_run_at_10k_completes_with_the_baseline_means(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, "bench/run.py", "--sizes", "10000", "--runs", "1", "--quick",
               "--initiatives", "2", "--initiative-respondents", "200"]  # fmt: skip
    done = subprocess.run(
        [*command, "--work", str(tmp_path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MISMATCH" not in done.stdout + done.stderr

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["means_match"]
    assert results["date"] and results["runs"] == 1 and results["quick"]
    assert results["machine"]["nproc"] >= 1 and results["machine"]["memory_gib"] > 0
    entry = results["sizes"]["10000"]
    assert set(MEASUREMENTS) <= set(entry)
    assert entry["scoring"]["means_match"], entry["scoring"]["mismatches"]
    for name in ("import", "scoring", "cli_scores"):
        measured = entry[name]
        for side in ("project", "baseline"):
            assert measured[side]["runs"] == 1
            assert measured[side]["median_s"] > 0
            assert measured[side]["peak_rss_mb"] > 0
        assert measured["ratio"] > 0 and isinstance(measured["met"], bool)
    assert entry["scoring"]["project"]["startup_median_s"] > 0
    assert entry["cli_scores_small"]["project"]["median_s"] > 0
    assert entry["cli_scores"]["baseline"]["query_median_s"] > 0
    for name in ("warm_refresh", "page_refresh"):
        assert entry[name]["project"]["median_s"] > 0
        assert isinstance(entry[name]["met"], bool)
    for name in ("cold_start", "apptest_overview"):
        assert entry[name] == {"skipped": "--quick"}
    many = results["portfolio"]
    assert many["initiatives"] == 2 and many["respondents_each"] == 200
    for name in ("portfolio_first", "portfolio_warm"):
        assert many[name]["project"]["median_s"] > 0
        assert isinstance(many[name]["met"], bool) and not many[name]["target"]["applies"]
    assert many["portfolio_first"]["project"]["startup_median_s"] > 0
    # The table on standard output has a row per measurement taken.
    rows = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("10,000 ")}
    assert rows == {
        "import", "scoring", "cli_scores", "cli_scores_small", "warm_refresh", "page_refresh"
    }  # fmt: skip
    rows = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("400 ")}
    assert rows == {"portfolio_first", "portfolio_warm"}


def test_a_difference_in_the_means_is_reported():
    ours = {"2024-W1": {"equity": [120, 3.5], "partnering": [118, 3.4]}}
    assert compare_means(ours, ours) == []
    other_mean = {"2024-W1": {"equity": [120, 3.6], "partnering": [118, 3.4]}}
    assert compare_means(ours, other_mean) == [
        "2024-W1 equity: project n=120 mean=3.5, baseline n=120 mean=3.6"
    ]
    other_n = {"2024-W1": {"equity": [119, 3.5], "partnering": [118, 3.4]}}
    assert len(compare_means(ours, other_n)) == 1
    missing = {"2024-W1": {"equity": [120, 3.5]}}
    assert compare_means(ours, missing) == ["2024-W1 partnering: only the project has a mean"]
    assert compare_means({}, {}) == ["the project returned no per-wave means"]


@pytest.mark.parametrize("layout", ["rows", "lists"])
def test_the_import_floor_stores_what_the_cli_import_stores(tmp_path, layout):
    """bench/import_floor.py's worker (DuckDB alone, no validation) writes the same stored
    scale scores and score-cell sums as the CLI import of the same file, in either layout
    (migration 8's rows, migration 11's lists): the floor measures the project's layout, not a
    lighter one."""
    from analytics.store.connection import forget_store, open_store
    from bench.generate import generate

    survey, instrument = generate(1000, tmp_path)
    floor, cli = tmp_path / "floor.duckdb", tmp_path / "cli.duckdb"
    open_store(floor)
    forget_store(floor)
    run = [sys.executable, "bench/import_floor.py", "--worker", str(floor), str(survey)]
    done = subprocess.run(
        [*run, str(instrument), layout], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["stages"][f"scale scores ({layout})"] > 0
    imported = subprocess.run(
        [sys.executable, "-m", "analytics", "import", str(survey), "--initiative", "Bench",
         "--create", "--instrument", str(instrument), "--db", str(cli)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr

    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH ? AS f (READ_ONLY)", [str(floor)])
    con.execute("ATTACH ? AS p (READ_ONLY)", [str(cli)])
    # {d} below is one of the two catalogue names just attached, f or p: no value in the SQL.
    scores = (
        "SELECT r.respondent_key, s.scale_type, s.scale, s.score, s.answered, s.favourable"
        " FROM {d}.respondent_scale_scores s JOIN {d}.respondents r ON r.id = s.respondent_id"
    )
    cells = (
        "SELECT w.label, c.scale_type, c.scale, c.items_answered, sum(c.n), sum(c.sum_total),"
        " sum(c.sum_total2), sum(c.favourable), sum(c.answered)"
        " FROM {d}.score_cells c JOIN {d}.waves w ON w.id = c.wave_id GROUP BY ALL"
    )
    for query in (scores, cells):
        rows = con.execute(f"SELECT count(*) FROM ({query.format(d='p')})").fetchone()[0]
        assert rows > 0
        for a, b in (("f", "p"), ("p", "f")):
            differ = f"SELECT count(*) FROM ({query.format(d=a)} EXCEPT ALL {query.format(d=b)})"
            assert con.execute(differ).fetchone()[0] == 0, (query, a, b)
