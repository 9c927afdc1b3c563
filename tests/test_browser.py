"""End to end in a real browser: `streamlit run` and Debian's headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import (
    APP_IDLE,
    ARTIFACTS,
    CHROMIUM_ARGS,
    chromium_path,
    sign_in,
    streamlit_server,
)

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
        expect(page.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
        sign_in(page, "demo.admin")  # the first initiative is then Coastal
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


def _settle(page) -> None:
    """Wait for the rerun that an action starts to finish."""
    page.wait_for_timeout(400)
    page.wait_for_selector(APP_IDLE, timeout=90_000)


def test_upload_a_wave_through_the_page_and_see_the_overview_change(browser, tmp_path):
    survey = tmp_path / "november.csv"
    survey.write_text(
        "respondent_id,organisation,sector,role,submitted_at,CA1,CA2,CA3,SM1,BS1,EQ1,ED1\n"
        + "".join(
            f"n{i},Org {i},nonprofit,Staff,2026-11-20 10:00,5,5,1,5,5,5,5\n" for i in range(9)
        ),
        encoding="utf-8",
    )
    with streamlit_server(tmp_path / "upload.duckdb") as (url, _seconds):
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.goto(f"{url}/upload")  # a deep link, as the server's very first visit
        sign_in(page, "demo.broker")  # then the page the link asked for
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("Overview")
        expect(nav).not_to_contain_text("app")  # not Streamlit's file-name navigation
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(survey)
        _settle(page)
        expect(page.get_by_text("Detected Common Measure template (wide)")).to_be_visible()
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        wave = page.get_by_role("textbox", name="Wave label")
        wave.fill("Nov 2026")
        wave.press("Enter")
        _settle(page)
        expect(page.get_by_text("No problems")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "upload-checked.png", full_page=True)
        page.get_by_role("button", name="Import 9 respondents").click()
        _settle(page)
        expect(page.get_by_text("Imported 9 respondents")).to_be_visible()
        page.get_by_role("link", name="See the updated overview").click()
        _settle(page)
        expect(page.get_by_text("Latest wave: Nov 2026 (9 respondents)")).to_be_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()


def test_timeline_shows_phase_bands(browser, tmp_path):
    with streamlit_server(tmp_path / "timeline.duckdb") as (url, _seconds):
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        page.goto(f"{url}/timeline")
        sign_in(page, "demo.backbone")
        chart = page.locator(".js-plotly-plot").first
        expect(chart).to_be_visible(timeout=30_000)
        expect(chart).to_contain_text("Initiate action")
        expect(chart).to_contain_text("Organise for impact")
        expect(chart).to_contain_text("Milestones")
        # Two phases, each shaded behind the three rows of the timeline.
        bands = chart.locator(".layer-below .shapelayer path")
        assert bands.count() >= 6
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)
        page.screenshot(path=ARTIFACTS / "timeline.png", full_page=True)
        page.close()


def _menu(page) -> list[str]:
    """The page names in the sidebar's navigation (without their icons' ligature names)."""
    names = page.locator('[data-testid="stSidebarNavLink"] [data-testid="stSidebarNavLinkText"]')
    found = [t.strip() for t in names.all_inner_texts()]
    if not found:  # older markup: the link's last line is its name
        found = [
            t.strip().splitlines()[-1]
            for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        ]
    return found


def test_a_funder_and_a_broker_see_different_navigation(browser, tmp_path):
    with streamlit_server(tmp_path / "roles.duckdb") as (url, _seconds):
        menus = {}
        for login in ("demo.funder", "demo.broker"):
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(url)
            sign_in(page, login)
            menus[login] = _menu(page)
            expect(page.get_by_text(f"Signed in as Demo {login.split('.')[1]}")).to_be_visible()
            page.screenshot(path=ARTIFACTS / f"navigation-{login.split('.')[1]}.png")
            # The upload page by its URL (still signed in: the session outlives the page load):
            # a broker's page, refused to a funder.
            page.goto(f"{url}/upload")
            page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
            _settle(page)
            if login == "demo.funder":
                expect(
                    page.get_by_text("Your role (funder) does not allow this page")
                ).to_be_visible()
                assert page.locator('[data-testid="stFileUploader"]').count() == 0
            else:
                expect(page.locator('[data-testid="stFileUploader"]')).to_be_visible()
            page.close()
        assert "Upload" in menus["demo.broker"] and "Upload" not in menus["demo.funder"]
        assert "Overview" in menus["demo.funder"] and "Overview" in menus["demo.broker"]
        assert "Users" not in menus["demo.broker"] and "Audit log" not in menus["demo.funder"]
