"""Issue 20's lock-out in real browsers: sixteen Chromium sessions submit wrong passwords for one
account at once; the server checks at most the configured number of them, refuses the rest as
locked, and then refuses the right password too. The count comes from the audit log, read after
the server has stopped (DuckDB lets one process hold the file)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from analytics import settings
from analytics.access.accounts import NewAccount, add_user
from analytics.store.connection import forget_store, open_store
from tests.browser import APP_IDLE, CHROMIUM_ARGS, chromium_path, streamlit_server
from tests.users import ADMIN

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SESSIONS = 16


def _submit(page, password: str) -> None:
    page.get_by_role("textbox", name="Login").fill("target.broker")
    page.get_by_role("textbox", name="Password").fill(password)


def _answered(page) -> None:
    """Wait for the sign-in's answer (a refusal, or the signed-in menu), however long the
    password checks queued before it take on a loaded machine: a fixed pause then "idle" can
    look before the click's rerun has started."""
    page.get_by_text("Wrong login or password.").or_(
        page.get_by_text("This account is locked")
    ).or_(page.get_by_test_id("stSidebarNav")).first.wait_for(timeout=90_000)
    page.wait_for_selector(APP_IDLE, timeout=90_000)


def test_parallel_browser_sign_ins_get_no_more_password_checks_than_the_limit(
    demo_db_path, tmp_path, monkeypatch
):
    path = tmp_path / "lockout.duckdb"
    shutil.copyfile(demo_db_path, path)
    # A full-cost hash (about a quarter of a second a check), so that the attempts overlap.
    monkeypatch.setenv("COMMON_MEASURE_BCRYPT_ROUNDS", "12")
    store = open_store(path)
    account = NewAccount("target.broker", "broker", ("Riverside Early Years Alliance",))
    add_user(store, ADMIN, account, PASSWORD)
    forget_store(path)
    limit = int(settings.get("COMMON_MEASURE_LOCKOUT_ATTEMPTS"))

    with streamlit_server(path) as (url, _seconds), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pages = []
        for i in range(SESSIONS):
            page = browser.new_context().new_page()
            page.goto(url)
            page.wait_for_selector(APP_IDLE, timeout=90_000)
            _submit(page, f"wrong guess number {i}")
            pages.append(page)
        for page in pages:  # all at once: each click returns before its script has run
            page.get_by_role("button", name="Sign in", exact=True).click(no_wait_after=True)
        for page in pages:
            _answered(page)
            refused = page.get_by_text("Wrong login or password.").count()
            refused += page.get_by_text("This account is locked").count()
            assert refused == 1 and page.get_by_test_id("stSidebarNav").count() == 0
        last = browser.new_context().new_page()
        last.goto(url)
        last.wait_for_selector(APP_IDLE, timeout=90_000)
        _submit(last, PASSWORD)
        last.get_by_role("button", name="Sign in", exact=True).click()
        _answered(last)
        assert last.get_by_text("This account is locked").count() == 1
        assert last.get_by_test_id("stSidebarNav").count() == 0
        browser.close()

    store = open_store(path)
    audit = store.read_df(
        "SELECT action FROM audit_log WHERE actor = 'target.broker' AND action LIKE 'sign%'"
    )["action"]
    forget_store(path)
    checked = int(audit.str.startswith("sign-in failed").sum())
    refused = int((audit == "sign-in refused: locked").sum())
    assert checked <= limit
    assert checked + refused == SESSIONS + 1  # every attempt accounted for, the right one too
    assert not (audit == "sign in").any()
