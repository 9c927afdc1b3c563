"""Helpers for browser tests: a real `streamlit run` on a free port, Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def chromium_path() -> str:
    path = os.environ.get("COMMON_MEASURE_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Debian's chromium is needed for browser tests: apt-get install chromium "
            "(bash .ci/run installs it)"
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0) -> float:
    """Seconds until /_stcore/health answers ok."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


@contextmanager
def streamlit_server(db_path: Path, **env: str) -> Iterator[tuple[str, float]]:
    """Run `streamlit run app.py` on a free port; yield its URL and seconds to healthy."""
    port = free_port()
    environment = {**os.environ, "COMMON_MEASURE_DB": str(db_path), **env}
    log = ARTIFACTS / f"streamlit-{port}.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            seconds = wait_healthy(url, process)
            yield url, seconds
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def sign_in(page, login: str = "demo.admin") -> None:
    """Sign in through the form with a demo account, then wait for the page to settle."""
    from analytics.demo.fill import DEMO_PASSWORDS

    page.wait_for_selector(APP_IDLE, timeout=90_000)
    page.get_by_role("textbox", name="Login").fill(login)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS[login])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_timeout(400)
    page.wait_for_selector(APP_IDLE, timeout=90_000)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
