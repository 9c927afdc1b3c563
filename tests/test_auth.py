"""Accounts: bcrypt hashes, sign-in, lock-out, expiry, disabled and demo accounts, and that no
password or hash ever leaves the database."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.access.accounts import (
    AccountError,
    NewAccount,
    SignInRefused,
    add_user,
    authenticate,
    demo_accounts,
    disable_user,
    enable_user,
    has_accounts,
    list_users,
    load_user,
    session_expired,
    set_grants,
    set_password,
    user_for_email,
)
from analytics.access.permissions import AccessDenied
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 26, 12, 0)


@pytest.fixture
def accounts(writable_demo_store):
    add_user(
        writable_demo_store,
        ADMIN,
        NewAccount(
            "maria", "broker", ("Riverside Early Years Alliance",), "Maria", "maria@example.org"
        ),
        PASSWORD,
    )
    return writable_demo_store


def test_a_password_is_stored_as_a_bcrypt_hash_only(accounts):
    stored = accounts.read_one("SELECT password_hash FROM users WHERE login = 'maria'")
    assert stored.startswith("$2b$") and PASSWORD not in stored
    assert accounts.read_one("SELECT count(*) FROM users WHERE password_hash = ?", [PASSWORD]) == 0


def test_sign_in_gives_the_account_with_its_grants(accounts):
    user = authenticate(accounts, "Maria", PASSWORD, now=NOW)  # logins ignore case
    riverside = accounts.initiative_id("Riverside Early Years Alliance")
    assert (user.login, user.role, user.initiative_ids) == ("maria", "broker", {riverside})
    assert load_user(accounts, user.id) == user


@pytest.mark.parametrize("login,password", [("maria", "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_password_or_login_gets_one_message(accounts, login, password):
    with pytest.raises(SignInRefused, match="^Wrong login or password.$"):
        authenticate(accounts, login, password, now=NOW)


def test_five_wrong_passwords_lock_the_account_until_the_time_is_up(accounts):
    for _ in range(4):
        with pytest.raises(SignInRefused, match="Wrong"):
            authenticate(accounts, "maria", "wrong password", now=NOW)
    with pytest.raises(SignInRefused, match="Wrong"):  # the fifth locks it
        authenticate(accounts, "maria", "wrong password", now=NOW)
    later = NOW + dt.timedelta(minutes=14)
    with pytest.raises(SignInRefused, match="locked .* Try again in 1 minutes"):
        authenticate(accounts, "maria", PASSWORD, now=later)  # even the right password
    assert authenticate(accounts, "maria", PASSWORD, now=NOW + dt.timedelta(minutes=16))


def test_a_success_resets_the_count_of_failures(accounts):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            authenticate(accounts, "maria", "wrong password", now=NOW)
    authenticate(accounts, "maria", PASSWORD, now=NOW)
    for _ in range(4):
        with pytest.raises(SignInRefused, match="Wrong"):
            authenticate(accounts, "maria", "wrong password", now=NOW)
    assert authenticate(accounts, "maria", PASSWORD, now=NOW)


def test_an_admin_unlocks_by_setting_a_password(accounts):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            authenticate(accounts, "maria", "wrong password", now=NOW)
    set_password(accounts, ADMIN, "maria", "a brand new secret")
    assert authenticate(accounts, "maria", "a brand new secret", now=NOW)


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(accounts):
    user = authenticate(accounts, "maria", PASSWORD, now=NOW)
    disable_user(accounts, ADMIN, "maria")
    assert load_user(accounts, user.id) is None  # the next click signs them out
    with pytest.raises(SignInRefused, match="disabled"):
        authenticate(accounts, "maria", PASSWORD, now=NOW)
    enable_user(accounts, ADMIN, "maria")
    assert authenticate(accounts, "maria", PASSWORD, now=NOW)


def test_a_wrong_password_does_not_tell_that_an_account_is_disabled(accounts):
    disable_user(accounts, ADMIN, "maria")
    with pytest.raises(SignInRefused, match="^Wrong login or password.$"):
        authenticate(accounts, "maria", "wrong password", now=NOW)


def test_sessions_expire_after_the_setting_without_a_click(monkeypatch):
    assert not session_expired(NOW - dt.timedelta(minutes=29), NOW)
    assert session_expired(NOW - dt.timedelta(minutes=31), NOW)
    assert session_expired(None, NOW)
    monkeypatch.setenv("COMMON_MEASURE_SESSION_MINUTES", "5")
    assert session_expired(NOW - dt.timedelta(minutes=6), NOW)


def test_only_an_admin_manages_accounts(accounts):
    backbone = as_role("backbone", accounts.initiative_id("Riverside Early Years Alliance"))
    with pytest.raises(AccessDenied):
        list_users(accounts, backbone)
    with pytest.raises(AccessDenied):
        add_user(accounts, backbone, NewAccount("eve", "admin"), PASSWORD)
    with pytest.raises(AccessDenied):
        set_password(accounts, backbone, "maria", "taken over now")
    assert authenticate(accounts, "maria", PASSWORD, now=NOW)


def test_a_user_may_set_their_own_password(accounts):
    maria = authenticate(accounts, "maria", PASSWORD, now=NOW)
    set_password(accounts, maria, "maria", "my own new secret")
    assert authenticate(accounts, "maria", "my own new secret", now=NOW)


@pytest.mark.parametrize(
    "account,password,message",
    [
        (NewAccount("x", "broker", ("Riverside Early Years Alliance",)), PASSWORD, "login"),
        (NewAccount("bob", "chief"), PASSWORD, "role"),
        (NewAccount("bob", "funder"), PASSWORD, "needs at least one initiative"),
        (NewAccount("bob", "funder", ("Atlantis",)), PASSWORD, "no initiative named"),
        (NewAccount("maria", "admin"), PASSWORD, "already an account"),
        (NewAccount("bob", "admin"), "short", "at least 10 characters"),
        (NewAccount("bob", "admin"), "é" * 40, "at most 72 bytes"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(accounts, account, password, message):
    before = accounts.table_counts()
    with pytest.raises(AccountError, match=message):
        add_user(accounts, ADMIN, account, password)
    assert accounts.table_counts() == before


def test_grants_change_at_the_next_click(accounts):
    maria = authenticate(accounts, "maria", PASSWORD, now=NOW)
    set_grants(accounts, ADMIN, "maria", "backbone", ["Northgate Housing Partnership"])
    again = load_user(accounts, maria.id)
    assert again.role == "backbone"
    assert again.initiative_ids == {accounts.initiative_id("Northgate Housing Partnership")}


def test_an_identity_provider_e_mail_finds_its_account(accounts):
    assert user_for_email(accounts, "MARIA@example.org").login == "maria"
    with pytest.raises(SignInRefused, match="No account here"):
        user_for_email(accounts, "stranger@example.org")


def test_demo_accounts_exist_only_in_the_demo_and_a_setting_turns_them_off(
    accounts, empty_store, monkeypatch
):
    assert sorted(demo_accounts(accounts)["role"]) == ["admin", "backbone", "broker", "funder"]
    assert not has_accounts(empty_store)
    assert empty_store.table_counts()["users"] == 0
    demo = authenticate(accounts, "demo.funder", "demo-funder-2026", now=NOW)
    monkeypatch.setenv("COMMON_MEASURE_DEMO_ACCOUNTS", "false")
    assert demo_accounts(accounts).empty
    assert load_user(accounts, demo.id) is None
    with pytest.raises(SignInRefused, match="turned off"):
        authenticate(accounts, "demo.funder", "demo-funder-2026", now=NOW)
    assert authenticate(accounts, "maria", PASSWORD, now=NOW)  # real accounts still work


def test_no_password_or_hash_in_the_user_list_or_the_audit_log(accounts):
    with pytest.raises(SignInRefused):
        authenticate(accounts, "maria", "a guessed password", now=NOW)
    authenticate(accounts, "maria", PASSWORD, now=NOW)
    set_password(accounts, ADMIN, "maria", "another good secret")
    hashes = accounts.read_df("SELECT password_hash FROM users")["password_hash"].tolist()
    secrets = [PASSWORD, "a guessed password", "another good secret", *hashes]
    listed = list_users(accounts, ADMIN).to_csv()
    log = accounts.read_df("SELECT * FROM audit_log").to_csv()
    for secret in secrets:
        assert secret not in listed and secret not in log
    assert "password" not in " ".join(list_users(accounts, ADMIN).columns)
    assert {"sign in", "sign-in failed", "set password"} <= set(
        accounts.read_df("SELECT action FROM audit_log")["action"]
    )


def test_wrong_passwords_at_the_same_time_all_count(accounts):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        try:
            authenticate(accounts, "maria", "wrong password", now=NOW)
        except SignInRefused as refused:
            return str(refused)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(attempt, range(8)))
    with pytest.raises(SignInRefused, match="locked"):
        authenticate(accounts, "maria", PASSWORD, now=NOW)


def test_an_unknown_login_is_checked_against_a_hash_of_the_same_cost(monkeypatch):
    """So that the time of a refusal does not tell which logins exist."""
    from analytics.access import accounts as auth

    monkeypatch.setenv("COMMON_MEASURE_BCRYPT_ROUNDS", "6")
    assert auth._dummy_hash().startswith(b"$2b$06$")
    assert auth.hash_password("long enough pass").startswith("$2b$06$")


def test_an_unverified_identity_provider_e_mail_is_refused(accounts):
    with pytest.raises(SignInRefused, match="has not verified"):
        user_for_email(accounts, "maria@example.org", verified=False)
    assert user_for_email(accounts, "maria@example.org", verified=True).login == "maria"
