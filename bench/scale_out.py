"""Scale-out (issue 17): two `streamlit run` servers on one PostgreSQL database, against one server
on the embedded DuckDB file.

1. Warm page latency: N sessions, spread evenly over the servers, each asking again and again
   for the Overview of the demo's Riverside; the time of each run, for N = 1, 10 and 30.
2. An import while sessions read: the command line imports a generated file (100,000
   respondents by default) into PostgreSQL while sessions on both servers ask for its Overview;
   a third process, outside the servers, reads the new initiative's respondent count all along
   (it must be 0 or all of them, never a part); the time from the command line's commit to the
   first page on each server that shows the new initiative.

A session is by default a Python client speaking Streamlit's own protocol (`--client protocol`):
one websocket to `/_stcore/stream` with the signed-in session cookie, a `rerun_script` BackMsg
for the page (its name and query string, as the browser sends them), timed until the
`script_finished` ForwardMsg; the run must have drawn the page (its title, its charts) without
an exception or an error. It measures the servers: a headless Chromium page per session
(`--client browser`, each load a page load until the app is idle) costs the 2 cores of this
machine more than the servers do. Either way one Chromium signs in once (the sign-in form), and
every session gets its session cookie.

    python bench/scale_out.py                     # a throwaway PostgreSQL cluster of its own
    python bench/scale_out.py --sessions 1 10 --rounds 5 --respondents 20000
    python bench/scale_out.py --client browser    # the sessions in headless Chromium

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
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.access.sessions import COOKIE_NAME  # noqa: E402
from analytics.demo.fill import DEMO_PASSWORDS, fill_if_new  # noqa: E402
from analytics.store.connection import forget_store, open_store  # noqa: E402
from bench.generate import generate  # noqa: E402
from tests.browser import APP_IDLE, CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402
from tests.postgres_cluster import PostgresCluster  # noqa: E402

RIVERSIDE = "Riverside Early Years Alliance"
NEW_INITIATIVE = "Scale-out import"
PAGE = "overview"  # the Overview's URL path (st.navigation in app.py)
RUN_TIMEOUT_S = 300


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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


async def _signed_in_cookie(url: str) -> str:
    """The `Cookie` header of a signed-in browser: one sign-in through the form in Chromium,
    which is then closed (the session lives in the database, not in the browser)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        (page,) = await _signed_in_pages(browser, [url], 1)
        cookies = await page.context.cookies()
        await browser.close()
    value = next(c["value"] for c in cookies if c["name"] == COOKIE_NAME)
    return f"{COOKIE_NAME}={value}"


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float
    status: str  # the script_finished status, or "timeout" / "closed"
    deltas: int = 0  # elements and blocks drawn (a reference to a cached element counts)
    charts: int = 0
    exceptions: int = 0  # exception elements: an uncaught error in the script
    errors: int = 0  # st.error alerts (a refusal, the database unavailable)
    headings: tuple[str, ...] = ()

    def shows(self, text: str) -> bool:
        return any(text in h.replace("\\", "") for h in self.headings)

    def drew_page(self, title: str) -> bool:
        """The run finished and drew the page whole: its title and charts, no error."""
        return (
            self.status == "FINISHED_SUCCESSFULLY"
            and self.deltas > 0
            and self.charts > 0
            and self.exceptions == 0
            and self.errors == 0
            and self.shows(title)
        )


class StreamSession:
    """One Streamlit session over the app's websocket, `/_stcore/stream`, speaking the
    protocol of Streamlit's frontend: BackMsg protobufs up, ForwardMsg protobufs down (one a
    frame). Like the browser, it tells the server which large elements it holds already
    (`cached_message_hashes`), and the server then sends a reference instead of the element."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url
        self.cookie = cookie
        self.page_script_hash = ""
        self._cached: dict[str, str] = {}  # hash of a cacheable element -> its element type
        self._socket = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        parts = urlsplit(self.url)
        self._socket = await connect(
            f"ws://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers={"Cookie": self.cookie},
            origin=f"{parts.scheme}://{parts.netloc}",
            compression="deflate",
            max_size=None,
            open_timeout=120,
            ping_interval=None,  # a run of several seconds under load must not look dead
            proxy=None,
        )

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    def _rerun(self, page: str, query: dict) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = urlencode(query)
        state.page_name = page
        state.page_script_hash = self.page_script_hash  # empty on the first run: by name
        state.widget_states.SetInParent()
        state.cached_message_hashes.extend(self._cached)
        context = state.context_info
        context.timezone = "UTC"
        context.locale = "en-GB"
        context.url = f"{self.url}/{page}?{state.query_string}"
        return message.SerializeToString()

    async def run(self, page: str, query: dict) -> Run:
        """Ask for `page` (its URL path) with `query` (its URL parameters) and wait for the
        script to finish; the seconds from the request to `script_finished`."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        finished = ForwardMsg.ScriptFinishedStatus.Name
        seen = {"deltas": 0, "charts": 0, "exceptions": 0, "errors": 0}
        headings: list[str] = []
        start = time.perf_counter()
        await self._socket.send(self._rerun(page, query))
        status = "timeout"
        try:
            async with asyncio.timeout(RUN_TIMEOUT_S):
                async for frame in self._socket:
                    message = ForwardMsg.FromString(frame)
                    kind = message.WhichOneof("type")
                    if kind == "script_finished":
                        status = finished(message.script_finished)
                        if status != "FINISHED_EARLY_FOR_RERUN":  # the app reruns itself
                            break
                    elif kind == "navigation" and message.navigation.page_script_hash:
                        self.page_script_hash = message.navigation.page_script_hash
                    elif kind == "ref_hash":
                        seen["deltas"] += 1
                        seen["charts"] += self._cached.get(message.ref_hash) == "plotly_chart"
                    elif kind == "delta":
                        seen["deltas"] += 1
                        if message.delta.WhichOneof("type") != "new_element":
                            continue
                        element = message.delta.new_element
                        which = element.WhichOneof("type")
                        if message.metadata.cacheable:
                            self._cached[message.hash] = which
                        seen["charts"] += which == "plotly_chart"
                        seen["exceptions"] += which == "exception"
                        seen["errors"] += which == "alert" and element.alert.format == 1
                        if which == "heading":
                            headings.append(element.heading.body)
                else:
                    status = "closed"
        except TimeoutError:
            pass
        return Run(time.perf_counter() - start, status, **seen, headings=tuple(headings))


async def _stream_sessions(urls: list[str], sessions: int, cookie: str) -> list[StreamSession]:
    """`sessions` websocket sessions, spread evenly over the servers."""
    clients = [StreamSession(urls[i % len(urls)], cookie) for i in range(sessions)]
    await asyncio.gather(*(c.open() for c in clients))
    return clients


async def _latency_protocol(
    urls: list[str], sessions: int, rounds: int, initiative_id: int, cookie: str
) -> tuple[list[float], list[dict]]:
    """Each session: one warm-up run (not counted), then `rounds` reruns, all sessions at
    once. The times of the runs that drew the page, and the runs that did not."""
    clients = await _stream_sessions(urls, sessions, cookie)
    query = {"initiative": initiative_id}
    title = f"Overview: {RIVERSIDE}"
    failed: list[dict] = []

    def check(client: StreamSession, run: Run, warm_up: bool) -> float | None:
        if run.drew_page(title):
            return run.seconds
        seen = asdict(run) | {"seconds": round(run.seconds, 3)}
        failed.append({"server": client.url, "warm_up": warm_up, **seen})
        return None

    for client in clients:  # warm: the figures are cached per data version
        check(client, await client.run(PAGE, query), warm_up=True)

    async def session(client: StreamSession) -> list[float | None]:
        return [check(client, await client.run(PAGE, query), False) for _ in range(rounds)]

    times = await asyncio.gather(*(session(c) for c in clients))
    await asyncio.gather(*(c.close() for c in clients))
    return [t for one in times for t in one if t is not None], failed


async def _load(page, address: str) -> float:
    """Seconds from asking for a page to its script having stopped running."""
    start = time.perf_counter()
    await page.goto(address, timeout=120_000)
    await page.wait_for_timeout(50)  # the script starts after the websocket connects
    await page.wait_for_selector(APP_IDLE, timeout=120_000)
    return time.perf_counter() - start


async def _latency_browser(
    urls: list[str], sessions: int, rounds: int, initiative_id: int
) -> tuple[list[float], list[dict]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pages = await _signed_in_pages(browser, urls, sessions)
        addresses = [
            f"{urls[i % len(urls)]}/{PAGE}?initiative={initiative_id}" for i in range(sessions)
        ]
        for page, address in zip(pages, addresses, strict=True):
            await _load(page, address)  # warm: the figures are cached per data version
            await page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=120_000)

        async def session(page, address: str) -> list[float]:
            return [await _load(page, address) for _ in range(rounds)]

        times = await asyncio.gather(
            *(session(p, a) for p, a in zip(pages, addresses, strict=True))
        )
        failed = [
            {"server": address, "exceptions": count}
            for page, address in zip(pages, addresses, strict=True)
            if (count := await page.locator('[data-testid="stException"]').count())
        ]
        await browser.close()
    return [t for one in times for t in one], failed


def _summary(times: list[float]) -> dict:
    if not times:
        return {"runs": 0}
    ordered = sorted(times)
    return {
        "runs": len(times),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)], 3),
        "max_s": round(ordered[-1], 3),
    }


class _Reader:
    """A session that asks again and again for one initiative's Overview: a browser page or a
    protocol client, the same questions."""

    def __init__(self, url: str, browser_page=None, client: StreamSession | None = None):
        self.url, self.page, self.client = url, browser_page, client

    async def look(self, initiative_id: int, text: str) -> tuple[float, bool]:
        """Seconds of one load of the Overview, and whether it showed `text`."""
        if self.client is not None:
            run = await self.client.run(PAGE, {"initiative": initiative_id})
            return run.seconds, run.shows(text)
        seconds = await _load(self.page, f"{self.url}/{PAGE}?initiative={initiative_id}")
        return seconds, bool(await self.page.get_by_text(text).count())


async def _watch_import(
    urls: list[str], sessions: int, command: list[str], env: dict, db: str, client: str
) -> dict:
    """Sessions ask for the new initiative's Overview (refused until it exists) while the
    command line imports; when does each server first show it after the commit, and what did
    an outside reader see."""
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
        if client == "browser":
            pages = await _signed_in_pages(browser, urls, sessions)
            readers_of = [_Reader(urls[i % len(urls)], browser_page=p) for i, p in enumerate(pages)]
        else:
            (page,) = await _signed_in_pages(browser, urls, 1)
            cookie = next(c for c in await page.context.cookies() if c["name"] == COOKIE_NAME)
            await browser.close()
            clients = await _stream_sessions(urls, sessions, f"{COOKIE_NAME}={cookie['value']}")
            readers_of = [_Reader(c.url, client=c) for c in clients]
        first_seen: dict[str, float] = {}
        loads: list[float] = []
        stale: dict[str, list[float]] = {url: [] for url in urls}  # starts of loads without it
        done = asyncio.Event()

        async def session(reader: _Reader) -> None:
            while not done.is_set():
                began = time.perf_counter()
                seconds, showed = await reader.look(new_id, NEW_INITIATIVE)
                loads.append(seconds)
                if showed:
                    first_seen[reader.url] = min(first_seen.get(reader.url, began), began)
                    if len(first_seen) == len(urls):
                        done.set()
                else:
                    stale[reader.url].append(began)

        reader = threading.Thread(target=outside_reader, daemon=True)
        reader.start()
        readers = [asyncio.create_task(session(r)) for r in readers_of]
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
            if client == "browser":
                await browser.close()
            else:
                await asyncio.gather(*(r.client.close() for r in readers_of))
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


def _commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return found.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--rounds", type=int, default=10, help="timed runs per session")
    parser.add_argument(
        "--client",
        choices=["protocol", "browser"],
        default="protocol",
        help="a session: a websocket client of Streamlit's protocol, or headless Chromium",
    )
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--import-sessions", type=int, default=10)
    parser.add_argument("--no-latency", action="store_true", help="the import part only")
    parser.add_argument("--no-import", action="store_true", help="the latency part only")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    env = {"COMMON_MEASURE_BCRYPT_ROUNDS": "4", "COMMON_MEASURE_DEMO": "true"}
    results: dict = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": _commit(),
        "client": args.client,
        "cpus": os.cpu_count(),
        "load_average_at_start": _load_average(),
        "latency": [],
    }
    failures = 0

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
                cookie = None
                if args.client == "protocol":
                    cookie = asyncio.run(_signed_in_cookie(urls[0]))
                for n in args.sessions:
                    _say(f"{label}: {n} session(s)...")
                    load_before = _load_average()
                    cpu_before, wall_before = time.process_time(), time.perf_counter()
                    if args.client == "protocol":
                        measure = _latency_protocol(urls, n, args.rounds, riverside, cookie)
                    else:
                        measure = _latency_browser(urls, n, args.rounds, riverside)
                    times, failed = asyncio.run(measure)
                    entry = {
                        "store": label,
                        "sessions": n,
                        **_summary(times),
                        "failed_runs": len(failed),
                        "failed": failed[:10],
                        "load_average_before": load_before,
                        "load_average_after": _load_average(),
                        "wall_s": round(time.perf_counter() - wall_before, 1),
                        "bench_client_cpu_s": round(time.process_time() - cpu_before, 1),
                    }
                    failures += len(failed)
                    results["latency"].append(entry)
                    _say(f"  {entry}")

        if not args.no_import:
            survey, instrument = generate(args.respondents, args.work)
            command = [sys.executable, "-m", "analytics", "import", str(survey), "--initiative",
                       NEW_INITIATIVE, "--create", "--instrument", str(instrument)]  # fmt: skip
            with ExitStack() as running:
                urls = [running.enter_context(streamlit_server(shared, **env))[0] for _ in range(2)]
                _say(f"import of {args.respondents:,} respondents while sessions read...")
                results["import"] = {
                    "respondents": args.respondents,
                    "sessions": args.import_sessions,
                    "load_average_before": _load_average(),
                    **asyncio.run(
                        _watch_import(
                            urls,
                            args.import_sessions,
                            command,
                            {**os.environ, **env, "COMMON_MEASURE_DB": shared},
                            shared,
                            args.client,
                        )
                    ),
                }
                _say(f"  {results['import']}")
        forget_store(shared)

    print("| store | sessions | runs | median s | p95 s | max s | failed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for e in results["latency"]:
        print(f"| {e['store']} | {e['sessions']} | {e['runs']} | {e.get('median_s')} |"
              f" {e.get('p95_s')} | {e.get('max_s')} | {e['failed_runs']} |")  # fmt: skip
    if "import" in results:
        print(json.dumps(results["import"], indent=1))
    out = args.out or ROOT / "bench" / "results" / f"scale_out-{dt.date.today()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    if "import" in results and results["import"]["outside_reader_saw_counts"] not in (
        [0, args.respondents],
        [args.respondents],
    ):
        return 3
    return 4 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
