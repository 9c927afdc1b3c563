"""Seconds from `streamlit run app.py` to a healthy server (/_stcore/health), and from then
to the overview fully drawn in headless Chromium, with a new database (created and filled with
the demo by the first session) and with an existing one. Medians of N runs.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import (  # noqa: E402
    APP_IDLE,
    CHROMIUM_ARGS,
    chromium_path,
    streamlit_server,
)


def _first_overview(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    page.wait_for_selector(APP_IDLE, timeout=90_000)
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for run in range(args.runs):
            db = Path(folder) / f"run{run}.duckdb"
            for kind in ("new database", "existing database"):
                with streamlit_server(db) as (url, healthy):
                    drawn = _first_overview(browser, url)
                results.setdefault(f"{kind}: streamlit run to healthy", []).append(healthy)
                results.setdefault(f"{kind}: first overview drawn", []).append(drawn)
        browser.close()
    for name, values in results.items():
        print(
            f"{name}: median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f}, runs {len(values)})"
        )


if __name__ == "__main__":
    main()
