"""Issue 14 end to end in a real browser: the value map of a sector column shown, one value
corrected, the wave imported, and the Conditions page's sector breakdown shows the correction."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from analytics.instrument import load_instrument_csv
from tests.browser import (
    APP_IDLE,
    CHROMIUM_ARGS,
    chromium_path,
    sign_in,
    streamlit_server,
)

pytestmark = pytest.mark.browser
SCREENSHOT_DIR = "/tmp"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_selector(APP_IDLE, timeout=90_000)


def _survey(path) -> None:
    """Twelve respondents of a later wave: six nonprofits by the tool's label, six whose answer
    ("Tenants' association") no rule places, listed first so that it heads the value map."""
    items = [item.item_id for item in load_instrument_csv()]
    rows = []
    for i in range(12):
        sector = "Tenants' association" if i < 6 else "Nonprofit / voluntary sector"
        answers = ",".join("4" if i < 6 else "2" for _ in items)
        rows.append(f"d{i},Org {i},{sector},Staff,2026-12-0{1 + i % 5} 10:00,{answers}\n")
    header = "respondent_id,organisation,sector,role,submitted_at," + ",".join(items) + "\n"
    path.write_text(header + "".join(rows), encoding="utf-8")


def test_a_corrected_value_reaches_the_sector_breakdown(browser, tmp_path):
    survey = tmp_path / "december.csv"
    _survey(survey)
    with streamlit_server(tmp_path / "values.duckdb") as (url, _seconds):
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.goto(f"{url}/upload")
        sign_in(page, "demo.broker")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(survey)
        _settle(page)
        expect(page.get_by_text("Sector and role answers")).to_be_visible()
        # The editors: the column mapping, then the value map.
        editor = page.locator('[data-testid="stDataFrame"]').nth(1)
        unmapped = page.get_by_text("6 respondent(s) have no sector")
        expect(unmapped).to_have_count(1)
        # The grid takes keys only once it has drawn and has the focus: on a loaded machine a
        # first attempt's keys can land before it is ready (CI, once). The gesture is tried
        # again, never more than three times; what is asserted below is unchanged.
        for _attempt in range(3):
            editor.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            box = editor.bounding_box()
            page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)  # first row, first column
            for _ in range(3):
                page.keyboard.press("ArrowRight")  # to the Value column
            page.keyboard.press("Enter")
            page.wait_for_timeout(400)
            page.keyboard.type("community member")
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)
            page.keyboard.press("Escape")
            _settle(page)
            if unmapped.count() == 0:
                break
        editor.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=f"{SCREENSHOT_DIR}/value-map.png", full_page=True)
        expect(page.get_by_text("6 respondent(s) have no sector")).to_have_count(0)
        wave = page.get_by_role("textbox", name="Wave label")
        wave.fill("Dec 2026")
        wave.press("Enter")
        _settle(page)
        page.get_by_role("button", name="Import 12 respondents").click()
        _settle(page)
        expect(page.get_by_text("Imported 12 respondents")).to_be_visible()

        page.locator('[data-testid="stSidebarNav"]').get_by_text("Conditions").click()
        _settle(page)
        heading = page.get_by_role("heading", name="Do groups see it differently? (Dec 2026)")
        expect(heading).to_be_visible(timeout=30_000)
        heading.scroll_into_view_if_needed()
        charts = page.locator(".js-plotly-plot")
        expect(charts.last).to_contain_text("community member", timeout=30_000)
        expect(charts.last).to_contain_text("nonprofit")
        page.set_viewport_size({"width": 1400, "height": 4200})
        page.wait_for_timeout(1000)
        page.screenshot(path=f"{SCREENSHOT_DIR}/conditions-by-sector.png", full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()
