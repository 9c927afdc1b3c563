"""Sign-in under attack (issue 20): parallel guesses never get more password checks than the
lock-out allows, a success during a burst never unlocks, a new password ends sessions, weak
passwords are refused, and unknown logins are audited with the same writes as known ones."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest

from analytics.access import accounts as auth
from analytics.access.accounts import (
    AccountError,
    NewAccount,
    SignInRefused,
    add_user,
    authenticate,
    load_user,
    set_password,
)
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 26, 12, 0)
RIVERSIDE = "Riverside Early Years Alliance"


@pytest.fixture
def accounts(writable_demo_store, monkeypatch):
    # A cost that makes each check take a few milliseconds, so that parallel attempts overlap.
    monkeypatch.setenv("COMMON_MEASURE_BCRYPT_ROUNDS", "8")
    add_user(writable_demo_store, ADMIN, NewAccount("maria", "broker", (RIVERSIDE,)), PASSWORD)
    add_user(writable_demo_store, ADMIN, NewAccount("maria.lopez", "admin"), "another good secret")
    return writable_demo_store


@pytest.fixture
def checks_of(monkeypatch):
    """The real bcrypt check, counted per hash it is asked to check against."""
    counted: dict[bytes, int] = {}
    real = bcrypt.checkpw
    lock = threading.Lock()

    def counting(password: bytes, hashed: bytes) -> bool:
        with lock:
            counted[hashed] = counted.get(hashed, 0) + 1
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    return counted


def _hash_of(store, login: str) -> bytes:
    return store.read_one("SELECT password_hash FROM users WHERE login = ?", [login]).encode()


def _attempt(store, password: str) -> str:
    try:
        authenticate(store, "maria", password, now=NOW)
    except SignInRefused as refused:
        return str(refused)
    return "signed in"


def test_parallel_wrong_guesses_get_at_most_the_limit_of_password_checks(accounts, checks_of):
    limit = 5
    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(lambda _: _attempt(accounts, "wrong guess 123"), range(40)))
    assert "signed in" not in outcomes
    assert checks_of.get(_hash_of(accounts, "maria"), 0) <= limit
    assert sum("locked" in outcome for outcome in outcomes) >= 40 - limit
    with pytest.raises(SignInRefused, match="locked"):
        authenticate(accounts, "maria", PASSWORD, now=NOW)  # even the right password
    assert checks_of.get(_hash_of(accounts, "maria"), 0) <= limit


def test_a_success_checked_during_a_burst_never_unlocks(accounts, monkeypatch):
    """The right password is being checked while the burst of wrong ones locks the account:
    it is refused, and the lock stays."""
    real = bcrypt.checkpw
    burst_done = threading.Event()
    right_started = threading.Event()

    def slow_for_the_right_password(password: bytes, hashed: bytes) -> bool:
        if password == PASSWORD.encode():
            right_started.set()
            burst_done.wait(timeout=30)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", slow_for_the_right_password)
    with ThreadPoolExecutor(max_workers=1) as pool:
        right = pool.submit(_attempt, accounts, PASSWORD)
        assert right_started.wait(timeout=30)
        burst = [_attempt(accounts, "wrong guess 123") for _ in range(6)]
        burst_done.set()
        assert "locked" in right.result(timeout=60)
    assert "locked" in burst[-1]
    with pytest.raises(SignInRefused, match="locked"):
        authenticate(accounts, "maria", PASSWORD, now=NOW + dt.timedelta(minutes=1))


def test_a_new_password_ends_the_sessions_signed_in_before(accounts):
    signed_in_at = NOW
    maria = authenticate(accounts, "maria", PASSWORD, now=signed_in_at)
    assert load_user(accounts, maria.id, signed_in_at) == maria
    set_password(accounts, ADMIN, "maria", "a brand new secret")
    assert load_user(accounts, maria.id, signed_in_at) is None  # the next click signs out
    authenticate(accounts, "maria", "a brand new secret")
    assert load_user(accounts, maria.id, auth._now()) == maria  # a new session is fine


@pytest.mark.parametrize(
    "password,reason",
    [
        (" " * 10, "one character repeated"),
        ("aaaaaaaaaa", "one character repeated"),
        ("password12", "most common"),
        ("qwertyuiop", "most common"),
        ("maria.lopez2", "the login"),
        ("MARIA.LOPEZ2", "the login"),
        ("\x00" * 12, "control"),
        ("abc\x00defghijkl", "control"),
        ("tab\there and there", "control"),
        ("zero\u200bwidth secret pass", "invisible"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(accounts, password, reason):
    before = accounts.table_counts()
    with pytest.raises(AccountError, match=reason):
        add_user(accounts, ADMIN, NewAccount("maria.lopez2", "admin"), password)
    login = "maria"
    if reason == "the login":
        login, password = "maria.lopez", password[:-1]
    with pytest.raises(AccountError, match=reason):
        set_password(accounts, ADMIN, login, password)
    assert accounts.table_counts() == before


def test_a_nul_password_never_lets_an_empty_password_sign_in(accounts):
    """bcrypt ends a password at NUL: a hash made of one (before the rules) must open to
    neither the empty password nor the NUL one."""
    legacy = bcrypt.hashpw(b"\x00" * 12, bcrypt.gensalt(4)).decode()
    with accounts.transaction() as cursor:
        cursor.execute("UPDATE users SET password_hash = ? WHERE login = 'maria'", [legacy])
    for typed in ("", "\x00" * 12, "\x00"):
        with pytest.raises(SignInRefused, match="^Wrong login or password.$"):
            authenticate(accounts, "maria", typed, now=NOW)


def _writes_of(store, login: str) -> tuple[int, int]:
    version, audited = store.data_version(), store.read_one("SELECT count(*) FROM audit_log")
    with pytest.raises(SignInRefused, match="^Wrong login or password.$"):
        authenticate(store, login, "wrong guess 123", now=NOW)
    return (
        store.data_version() - version,
        store.read_one("SELECT count(*) FROM audit_log") - audited,
    )


def test_an_unknown_login_is_audited_with_the_same_writes_as_a_known_one(accounts):
    assert _writes_of(accounts, "nobody.here") == _writes_of(accounts, "maria")
    log = accounts.read_df("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 2")
    assert log["action"].tolist() == ["sign-in failed", "sign-in failed"]
    assert "nobody.here" in log["actor"].iloc[1]


def test_a_new_password_signs_out_a_session_of_the_app_at_its_next_click(
    writable_demo_store, monkeypatch
):
    from tests.users import open_app

    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    at = open_app("demo.broker")
    assert "sign_in.login" not in [box.key for box in at.text_input]  # signed in
    set_password(writable_demo_store, ADMIN, "demo.broker", "a brand new secret")
    at.run()
    assert not at.exception
    assert at.text_input(key="sign_in.login")  # back at the sign-in form
    assert "can no longer sign in" in at.warning[0].value
