"""Scale-out (issue 17): two `streamlit run` servers on one PostgreSQL database, against one server
on the embedded DuckDB file.

1. Warm page latency: N browser sessions (headless Chromium, signed in), spread evenly over the
   servers, each reloading the Overview of the demo's Riverside and waiting until the app's
   script has stopped running; the time of each reload, for N = 1, 10 and 30.
2. An import while sessions read: the command line imports a generated file (100,000
   respondents by default) into PostgreSQL while sessions on both servers reload its Overview;
   a third process, outside the servers, reads the new initiative's respondent count all along
   (it must be 0 or all of them, never a part); the time from the command line's commit to the
   first page on each server that lists the new initiative.

    python bench/scale_out.py                     # a throwaway PostgreSQL cluster of its own
    python bench/scale_out.py --sessions 1 10 --rounds 5 --respondents 20000

Needs Debian's chromium and postgresql. Prints a table; writes bench/results/scale_out-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.demo.fill import DEMO_PASSWORDS, fill_if_new  # noqa: E402
from analytics.store.connection import forget_store, open_store  # noqa: E402
from bench.generate import generate  # noqa: E402
from tests.browser import APP_IDLE, CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402
from tests.postgres_cluster import PostgresCluster  # noqa: E402

RIVERSIDE = "Riverside Early Years Alliance"
NEW_INITIATIVE = "Scale-out import"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _signed_in_pages(browser, urls: list[str], sessions: int) -> list:
    """`sessions` pages, spread evenly over the servers, each in a browser context of its own
    (its own Streamlit session), all signed in as the demo admin: one sign-in through the form,
    whose session cookie the other contexts are given (cookies ignore the port, and every
    server of the shared store resumes the same signed-in session)."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(urls[0], timeout=120_000)
    await page.wait_for_selector(APP_IDLE, timeout=120_000)
    await page.get_by_role("textbox", name="Login").fill("demo.admin")
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS["demo.admin"])
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_timeout(400)
    await page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=120_000)
    signed_in = await context.storage_state()
    pages = [page]
    for _ in range(sessions - 1):
        other = await browser.new_context(storage_state=signed_in)
        pages.append(await other.new_page())
    return pages


async def _load(page, address: str) -> float:
    """Seconds from asking for a page to its script having stopped running."""
    start = time.perf_counter()
    await page.goto(address, timeout=120_000)
    await page.wait_for_timeout(50)  # the script starts after the websocket connects
    await page.wait_for_selector(APP_IDLE, timeout=120_000)
    return time.perf_counter() - start


async def _latency(urls: list[str], sessions: int, rounds: int, initiative_id: int) -> list[float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pages = await _signed_in_pages(browser, urls, sessions)
        addresses = [
            f"{urls[i % len(urls)]}/overview?initiative={initiative_id}" for i in range(sessions)
        ]
        for page, address in zip(pages, addresses, strict=True):
            await _load(page, address)  # warm: the figures are cached per data version
            await page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=120_000)

        async def session(page, address: str) -> list[float]:
            return [await _load(page, address) for _ in range(rounds)]

        times = await asyncio.gather(
            *(session(p, a) for p, a in zip(pages, addresses, strict=True))
        )
        await browser.close()
    return [t for one in times for t in one]


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "loads": len(times),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)], 3),
        "max_s": round(ordered[-1], 3),
    }


async def _watch_import(
    urls: list[str], sessions: int, command: list[str], env: dict, db: str
) -> dict:
    """Sessions reload the new initiative's Overview (refused until it exists) while the command
    line imports; when does each server first show it after the commit, and what did an
    outside reader see."""
    new_id = int(open_store(db).read_one("SELECT max(id) + 1 FROM initiatives"))
    from playwright.async_api import async_playwright

    seen_counts: set[int] = set()
    stop = threading.Event()

    def outside_reader() -> None:
        store = open_store(db)
        while not stop.is_set():
            found = store.read_one(
                "SELECT count(*) FROM respondents p JOIN waves w ON w.id = p.wave_id"
                " JOIN initiatives n ON n.id = w.initiative_id WHERE n.name = ?",
                [NEW_INITIATIVE],
            )
            seen_counts.add(int(found))
            time.sleep(0.05)

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pages = await _signed_in_pages(browser, urls, sessions)
        first_seen: dict[str, float] = {}
        loads: list[float] = []
        stale: dict[str, list[float]] = {url: [] for url in urls}  # starts of loads without it
        done = asyncio.Event()

        async def session(i: int) -> None:
            url = urls[i % len(urls)]
            while not done.is_set():
                began = time.perf_counter()
                loads.append(await _load(pages[i], f"{url}/overview?initiative={new_id}"))
                if await pages[i].get_by_text(NEW_INITIATIVE).count():
                    first_seen[url] = min(first_seen.get(url, began), began)
                    if len(first_seen) == len(urls):
                        done.set()
                else:
                    stale[url].append(began)

        reader = threading.Thread(target=outside_reader, daemon=True)
        reader.start()
        readers = [asyncio.create_task(session(i)) for i in range(sessions)]
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        committed = None
        async for line in process.stderr:
            if b"Done" in line and committed is None:  # progress 1.0: after the commit
                committed = time.perf_counter()
        await process.wait()
        ended = time.perf_counter()
        committed = committed or ended
        try:
            # Under load a page of a new 100,000-respondent initiative takes a while to score.
            await asyncio.wait_for(done.wait(), timeout=300)
        except TimeoutError:
            pass  # reported: a server missing from first_load_showing_it_started_s
        finally:
            done.set()
            await asyncio.gather(*readers, return_exceptions=True)
            stop.set()
            reader.join()
            await browser.close()
    return {
        "import_s": round(ended - started, 2),
        "cli_exit_code": process.returncode,
        # Per server: the latest start, after the commit, of a page load that did not show the
        # import (0 when none), and the first start of one that did (a load begun before the
        # commit may show it: negative). A load takes seconds itself on a busy machine.
        "stale_load_started_after_commit_s": {
            url: round(max([0.0] + [b - committed for b in stale[url]]), 2) for url in urls
        },
        "first_load_showing_it_started_s": {
            url: round(first_seen[url] - committed, 2) for url in urls if url in first_seen
        },
        "outside_reader_saw_counts": sorted(seen_counts),
        "page_loads_during_import": _summary(loads) if loads else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--rounds", type=int, default=10, help="page loads per session")
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--import-sessions", type=int, default=10)
    parser.add_argument("--no-latency", action="store_true", help="the import part only")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    env = {"COMMON_MEASURE_BCRYPT_ROUNDS": "4", "COMMON_MEASURE_DEMO": "true"}
    results: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "latency": []}

    with ExitStack() as stack:
        cluster = PostgresCluster.start()
        stack.callback(cluster.stop)
        shared = cluster.create_database("scale_out", "demo")
        embedded = args.work / "scale_out.duckdb"
        embedded.unlink(missing_ok=True)
        store = open_store(embedded)
        fill_if_new(store)
        riverside = store.initiative_id(RIVERSIDE)
        forget_store(embedded)

        stores = (("embedded, 1 server", embedded, 1), ("PostgreSQL, 2 servers", shared, 2))
        for label, target, servers in [] if args.no_latency else stores:
            with ExitStack() as running:
                urls = [
                    running.enter_context(streamlit_server(target, **env))[0]
                    for _ in range(servers)
                ]
                for n in [] if args.no_latency else args.sessions:
                    _say(f"{label}: {n} session(s)...")
                    times = asyncio.run(_latency(urls, n, args.rounds, riverside))
                    entry = {"store": label, "sessions": n, **_summary(times)}
                    results["latency"].append(entry)
                    _say(f"  {entry}")

        survey, instrument = generate(args.respondents, args.work)
        command = [sys.executable, "-m", "analytics", "import", str(survey), "--initiative",
                   NEW_INITIATIVE, "--create", "--instrument", str(instrument)]  # fmt: skip
        with ExitStack() as running:
            urls = [running.enter_context(streamlit_server(shared, **env))[0] for _ in range(2)]
            _say(f"import of {args.respondents:,} respondents while sessions read...")
            results["import"] = {
                "respondents": args.respondents,
                "sessions": args.import_sessions,
                **asyncio.run(
                    _watch_import(
                        urls,
                        args.import_sessions,
                        command,
                        {**os.environ, **env, "COMMON_MEASURE_DB": shared},
                        shared,
                    )
                ),
            }
            _say(f"  {results['import']}")
        forget_store(shared)

    print("| store | sessions | page loads | median s | p95 s | max s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for e in results["latency"]:
        print(f"| {e['store']} | {e['sessions']} | {e['loads']} | {e['median_s']} |"
              f" {e['p95_s']} | {e['max_s']} |")  # fmt: skip
    print(json.dumps(results["import"], indent=1))
    out = args.out or ROOT / "bench" / "results" / f"scale_out-{dt.date.today()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    ok = results["import"]["outside_reader_saw_counts"] in ([0, args.respondents],
                                                            [args.respondents])  # fmt: skip
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
