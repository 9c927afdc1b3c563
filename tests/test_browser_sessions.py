"""In a real browser: a session survives a reload and a new tab, and ends in every tab; a
link opens the exact view it names, after sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import APP_IDLE, CHROMIUM_ARGS, chromium_path, sign_in, streamlit_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("sessions") / "sessions.duckdb") as (url, _s):
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _settled(page) -> None:
    page.wait_for_timeout(400)
    page.wait_for_selector(APP_IDLE, timeout=90_000)


def _signed_in(page) -> None:
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)


def test_the_session_cookie_is_http_only_and_same_site_lax(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server)
    _settled(page)
    (cookie,) = [c for c in context.cookies() if c["name"] == "common_measure_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("common_measure_session") == -1
    context.close()


def test_a_reload_and_a_new_tab_keep_the_session_and_a_sign_out_ends_both(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    first = context.new_page()
    first.goto(server)
    sign_in(first, "demo.backbone")
    first.reload()
    _settled(first)
    _signed_in(first)
    second = context.new_page()
    second.goto(f"{server}/participation")
    _settled(second)
    _signed_in(second)
    expect(second.get_by_role("heading", name="Participation")).to_be_visible()

    first.get_by_role("button", name="Sign out").click()
    _settled(first)
    expect(first.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
    second.get_by_role("link", name="Overview").click()  # the other tab's next click
    _settled(second)
    expect(second.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
    second.reload()
    _settled(second)
    expect(second.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
    context.close()


def test_another_browser_does_not_share_the_session(browser, server):
    signed = browser.new_context()
    page = signed.new_page()
    page.goto(server)
    sign_in(page, "demo.funder")
    other = browser.new_context().new_page()
    other.goto(server)
    _settled(other)
    expect(other.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
    signed.close()


def test_a_deep_link_opens_its_exact_view_after_sign_in(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(server)
    sign_in(page, "demo.backbone")  # Riverside and Northgate
    page.goto(f"{server}/principles")
    _settled(page)
    page.wait_for_function("location.search.includes('initiative=')")
    initiative = dict(_query(page.url))["initiative"]
    context.close()

    # In a new browser (so, not signed in): a link to Principles, equity, by role.
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(f"{server}/principles?initiative={initiative}&scale=equity&by=role")
    _settled(page)
    expect(page.get_by_role("heading", name="Sign in to Common Measure")).to_be_visible()
    sign_in(page, "demo.backbone")
    expect(page.get_by_role("heading", name="Principles")).to_be_visible()
    expect(page.get_by_role("combobox", name="Principle")).to_have_value("Equity")
    expect(page.get_by_role("radio", name="role", exact=False)).to_be_checked()
    query = dict(_query(page.url))
    assert query["scale"] == "equity" and query["by"] == "role"
    assert query["initiative"] == initiative
    wave = query["wave"]
    page.reload()
    _settled(page)
    assert dict(_query(page.url))["wave"] == wave
    context.close()


def test_a_link_with_a_filter_opens_the_filtered_view_after_sign_in(browser, server):
    """A shared link to Conditions filtered to one sector (issue 19) opens filtered, and a
    reload keeps it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(f"{server}/conditions?initiative=1&filter=sector:nonprofit")
    _settled(page)
    sign_in(page, "demo.broker")  # Riverside (1) only
    filtered = page.get_by_text("Every figure below is of the respondents of sector nonprofit")
    expect(filtered).to_be_visible(timeout=30_000)
    assert dict(_query(page.url))["filter"] == "sector:nonprofit"
    page.reload()
    _settled(page)
    expect(filtered).to_be_visible(timeout=30_000)
    context.close()


def test_a_link_to_an_initiative_the_reader_may_not_see_is_refused(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/participation?initiative=999")
    sign_in(page, "demo.broker")
    expect(page.get_by_text("This link is to an initiative you may not open")).to_be_visible()
    context.close()


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


def test_a_click_on_a_trend_point_chooses_its_wave(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{server}/conditions")
    sign_in(page, "demo.broker")  # Riverside only
    page.wait_for_function("location.search.includes('wave=')")
    latest = dict(_query(page.url))["wave"]
    trend = page.locator(".js-plotly-plot").first
    trend.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    trend.locator(".scatterlayer .trace .points path").first.click(force=True)
    page.wait_for_function(f"!location.search.includes('wave={latest.replace(' ', '+')}')")
    _settled(page)
    first = dict(_query(page.url))["wave"]
    assert first != latest
    expect(page.get_by_role("heading", name=f"How partners answered in {first}")).to_be_visible()
    context.close()


def test_a_click_on_a_heatmap_cell_opens_that_groups_statements(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{server}/conditions")
    sign_in(page, "demo.broker")  # Riverside only
    page.wait_for_function("location.search.includes('wave=')")
    _settled(page)
    heatmap = page.locator(".js-plotly-plot").last
    heatmap.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    heading = page.get_by_role("heading", name=re.compile(r"^How (?!partners ).+ answered in "))
    expect(heading).to_have_count(0)
    scale = dict(_query(page.url)).get("scale")
    # The last clickable cell: the last shown group on the family's last scale shown for it.
    heatmap.locator(".scatterlayer .trace .points path").last.click(force=True)
    _settled(page)
    expect(heading).to_be_visible(timeout=30_000)
    assert dict(_query(page.url))["scale"] != scale  # the cell's scale is chosen too
    # Its statements' Likert bars are drawn below it; the button goes back to all partners.
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    # The drilled-down group is in the URL: a reload (or the link, shared) reopens it.
    page.wait_for_function("location.search.includes('drill=')")
    query = dict(_query(page.url))
    drilled = heading.inner_text()
    page.reload()
    _settled(page)
    expect(page.get_by_role("heading", name=drilled)).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    assert {k: dict(_query(page.url)).get(k) for k in ("drill", "by", "scale")} == {
        k: query[k] for k in ("drill", "by", "scale")
    }
    page.get_by_role("button", name="Back to all partners").click()
    _settled(page)
    expect(heading).to_have_count(0)
    assert "drill" not in dict(_query(page.url))
    context.close()
