"""Sessions that outlive a tab (issue 19): signed, expiring cookies; a server-side record per
sign-in that a reload finds, and that a sign-out, a new password or a disabled account ends."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.access.accounts import (
    NewAccount,
    add_user,
    authenticate,
    disable_user,
    set_password,
)
from analytics.access.sessions import (
    COOKIE_MAX_AGE,
    cookie_token,
    end_session,
    renewed_cookie_value,
    resume_session,
    session_ended_because,
    session_key,
    start_session,
)
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

PASSWORD = "correct horse battery"
KEY = b"k" * 32
NOW = dt.datetime(2026, 11, 29, 12, 0)


@pytest.fixture
def accounts(writable_demo_store, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_BCRYPT_ROUNDS", "4")
    add_user(
        writable_demo_store,
        ADMIN,
        NewAccount("maria", "broker", ("Riverside Early Years Alliance",)),
        PASSWORD,
    )
    return writable_demo_store


def test_a_cookie_is_signed_and_expires():
    value = renewed_cookie_value(KEY, None, NOW)
    token = cookie_token(KEY, value, NOW)
    assert token and token in value
    assert cookie_token(b"x" * 32, value, NOW) is None  # another database's key
    forged = value.replace(token, "A" * len(token))
    assert cookie_token(KEY, forged, NOW) is None
    assert cookie_token(KEY, value, NOW + COOKIE_MAX_AGE + dt.timedelta(seconds=1)) is None
    assert cookie_token(KEY, "not.a.cookie", NOW) is None
    assert cookie_token(KEY, "nonsense", NOW) is None


def test_a_cookie_is_renewed_with_its_token_past_half_its_life():
    value = renewed_cookie_value(KEY, None, NOW)
    assert renewed_cookie_value(KEY, value, NOW + dt.timedelta(hours=1)) is None
    later = NOW + COOKIE_MAX_AGE * 0.6
    renewed = renewed_cookie_value(KEY, value, later)
    assert renewed != value
    assert cookie_token(KEY, renewed, later) == cookie_token(KEY, value, NOW)
    expired = renewed_cookie_value(KEY, value, NOW + COOKIE_MAX_AGE * 2)
    assert cookie_token(KEY, expired, NOW + COOKIE_MAX_AGE * 2) != cookie_token(KEY, value, NOW)


def test_the_key_is_made_once_per_database(accounts):
    assert session_key(accounts) == session_key(accounts)
    assert len(session_key(accounts)) == 32


def test_a_session_is_found_by_its_browser_token_and_ends_everywhere(accounts):
    maria = authenticate(accounts, "maria", PASSWORD)
    version = accounts.data_version()
    session = start_session(accounts, maria, "browser-token")
    assert accounts.data_version() == version  # bookkeeping keeps every cache
    assert resume_session(accounts, token="browser-token").user == maria
    assert resume_session(accounts, session_id=session).id == session
    assert resume_session(accounts, token="another browser") is None
    assert "browser-token" not in accounts.read_df("SELECT * FROM sessions").to_string()
    end_session(accounts, session)
    assert resume_session(accounts, token="browser-token") is None
    assert resume_session(accounts, session_id=session) is None
    assert session_ended_because(accounts, session) == "signed out"


def test_a_session_ends_after_inactivity(accounts):
    maria = authenticate(accounts, "maria", PASSWORD)
    session = start_session(accounts, maria, "t", now=NOW)
    assert resume_session(accounts, session_id=session, now=NOW + dt.timedelta(minutes=29))
    later = NOW + dt.timedelta(minutes=29 + 31)
    assert resume_session(accounts, session_id=session, now=later) is None
    assert session_ended_because(accounts, session) == "no activity"


def test_a_new_password_or_a_disabled_account_ends_its_sessions(accounts):
    maria = authenticate(accounts, "maria", PASSWORD)
    first = start_session(accounts, maria, "laptop")
    set_password(accounts, ADMIN, "maria", "another long secret")
    assert resume_session(accounts, session_id=first) is None
    assert session_ended_because(accounts, first) == "password set"
    maria = authenticate(accounts, "maria", "another long secret")
    second = start_session(accounts, maria, "phone")
    assert resume_session(accounts, token="phone") is not None
    disable_user(accounts, ADMIN, "maria")
    assert resume_session(accounts, token="phone") is None
    assert session_ended_because(accounts, second) == "account disabled"


def test_signing_in_again_on_a_browser_ends_its_earlier_session(accounts):
    maria = authenticate(accounts, "maria", PASSWORD)
    first = start_session(accounts, maria, "shared computer")
    start_session(accounts, maria, "shared computer")
    assert session_ended_because(accounts, first) == "signed in again"
