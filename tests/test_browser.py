"""End to end in a real browser: `streamlit run` and Debian's headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import APP_IDLE, ARTIFACTS, CHROMIUM_ARGS, chromium_path, streamlit_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_overview_shows_the_demo_charts_on_a_new_database(browser, tmp_path):
    with streamlit_server(tmp_path / "first-start.duckdb") as (url, _seconds):
        page = browser.new_page(viewport={"width": 1400, "height": 3400})
        page.goto(url)
        page.wait_for_selector(APP_IDLE, timeout=90_000)
        # Two radars and at least the visible tab's trend grid.
        charts = page.locator(".js-plotly-plot")
        for n in range(3):
            expect(charts.nth(n)).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator('[data-testid="stMetric"]')).to_have_count(12)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        # The radar's legend names the demo's two latest waves.
        expect(charts.first).to_contain_text("Oct 2026")
        page.wait_for_timeout(1000)  # let Plotly finish its transitions before the picture
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)
        page.close()
