"""Local accounts: bcrypt password hashes, sign-in with lock-out, sessions that expire, and the
admin's user management. A password or its hash never leaves this module: no function returns
one, and every read of users names its columns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

import bcrypt
import pandas as pd

from analytics import settings
from analytics.access.passwords import MAX_PASSWORD_BYTES, password_problem
from analytics.access.permissions import (
    ROLE_PERMISSIONS,
    AccessDenied,
    Permission,
    User,
    guarded,
    require,
)
from analytics.store.connection import Store, scalar

LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_dummy_hashes: dict[int, bytes] = {}
# Sign-ins whose password is being checked now, per (database, account): counted in the writer
# with the attempt, so that a success during a burst of attempts never resets the count.
_in_flight: dict[tuple[str, int], int] = {}


class SignInRefused(Exception):
    """Sign-in did not succeed; the message is safe to show (it never says which part was
    wrong, only that the account is locked or disabled when the password was right)."""


class AccountError(ValueError):
    """A user-management request that cannot be done, in words a person can act on."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_password(password: str, login: str = "") -> str:
    check_password_rules(password, login)
    rounds = int(settings.get("COMMON_MEASURE_BCRYPT_ROUNDS"))
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password_rules(password: str, login: str = "") -> None:
    """The rules of analytics.access.passwords: length, no control characters, not one repeated
    character, not the login, not a common or easily guessed password."""
    problem = password_problem(password, login)
    if problem:
        raise AccountError(problem)


def _dummy_hash() -> bytes:
    """A hash of the configured cost, checked when there is no real one to check (an unknown
    login, a locked account), so that every refusal takes as long as a wrong password and the
    time does not tell which logins exist."""
    rounds = int(settings.get("COMMON_MEASURE_BCRYPT_ROUNDS"))
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = bcrypt.hashpw(b"no such account", bcrypt.gensalt(rounds))
    return _dummy_hashes[rounds]


def _password_matches(password: str, hashed: str | None) -> bool:
    candidate = password.encode("utf-8")
    # bcrypt ends a password at a NUL byte: never check one (nor an empty password), so that
    # a hash of a password with a NUL, set before the rules refused them, opens to nothing else.
    if len(candidate) > MAX_PASSWORD_BYTES or not hashed or not candidate or b"\x00" in candidate:
        bcrypt.checkpw(b"x", _dummy_hash())
        return False
    return bcrypt.checkpw(candidate, hashed.encode("ascii"))


# -- reading accounts ------------------------------------------------------------------------


def _user_from_row(store: Store, row: pd.Series) -> User:
    grants = store.read_df(
        "SELECT initiative_id FROM user_initiatives WHERE user_id = ?", [int(row["id"])]
    )["initiative_id"]
    return User(
        login=str(row["login"]),
        role=str(row["role"]),
        initiative_ids=frozenset(int(i) for i in grants),
        display_name=str(row["display_name"] or ""),
        id=int(row["id"]),
        is_demo=bool(row["is_demo"]),
    )


def _demo_accounts_allowed() -> bool:
    return bool(settings.get("COMMON_MEASURE_DEMO_ACCOUNTS"))


def load_user(store: Store, user_id: int, signed_in_at: dt.datetime | None = None) -> User | None:
    """The account as it is now (role and grants re-read), or None when it is disabled, gone,
    a demo account while demo accounts are turned off, or (for a session that signed in at
    `signed_in_at`) its password was set since. Called on every page run, so a change by an
    admin takes effect at the user's next click."""
    found = store.read_df(
        "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.is_demo,"
        " u.password_changed_at FROM users u WHERE u.id = ?",
        [user_id],
    )
    if found.empty:
        return None
    row = found.iloc[0]
    if row["disabled"] or (row["is_demo"] and not _demo_accounts_allowed()):
        return None
    changed = row["password_changed_at"]
    if signed_in_at is not None and pd.notna(changed) and changed >= pd.Timestamp(signed_in_at):
        return None
    return _user_from_row(store, row)


def has_accounts(store: Store) -> bool:
    """True once any account exists (demo accounts count only while they are allowed)."""
    return bool(
        store.read_one(
            "SELECT count(*) FROM users WHERE ? OR NOT is_demo", [_demo_accounts_allowed()]
        )
    )


def demo_accounts(store: Store) -> pd.DataFrame:
    """The demo database's accounts (login, role, initiatives) for the sign-in page; empty
    when the setting turns them off."""
    if not _demo_accounts_allowed():
        return pd.DataFrame(columns=["login", "role", "initiatives"])
    return store.read_df(
        "SELECT u.login, u.role, coalesce(string_agg(n.name, ', ' ORDER BY n.name), 'all')"
        " AS initiatives FROM users u"
        " LEFT JOIN user_initiatives g ON g.user_id = u.id"
        " LEFT JOIN initiatives n ON n.id = g.initiative_id"
        " WHERE u.is_demo AND NOT u.disabled GROUP BY u.login, u.role, u.id ORDER BY u.id"
    )


# -- signing in --------------------------------------------------------------------------------


def authenticate(
    store: Store, login: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """The account for `login` when `password` is right and the account may sign in.

    Each attempt is counted, in the single writer, before its password is checked: once
    COMMON_MEASURE_LOCKOUT_ATTEMPTS attempts are counted (failed, or still being checked) no
    further password is checked, and when they fail the account is locked for
    COMMON_MEASURE_LOCKOUT_MINUTES (a right password does not open it sooner, even one checked
    during the burst). A success resets the count unless other attempts are being checked.
    Every attempt is audited, never with the password; an unknown login does the same work
    and the same writes as a known one.
    """
    now = now or _now()
    login = login.strip()
    row, refusal = _count_attempt(store, login, now)
    if refusal:
        _password_matches(password, None)
        raise SignInRefused(refusal)
    try:
        matches = _password_matches(password, row["password_hash"] if row else None)
    except BaseException:
        with suppress(SignInRefused):  # the attempt counts as failed; the error goes on
            _end_attempt(store, row, login, now, matches=False)
        raise
    return _end_attempt(store, row, login, now, matches=matches)


def _locked_message(locked_until: object, now: dt.datetime) -> str:
    left = pd.Timestamp(locked_until) - pd.Timestamp(now) if pd.notna(locked_until) else None
    minutes = max(1, round(left.total_seconds() / 60)) if left is not None else 1
    return (
        f"This account is locked after too many wrong passwords. Try again in {minutes} "
        "minutes, or ask an admin."
    )


def _is_locked(row: dict, now: dt.datetime) -> bool:
    until = row["locked_until"]
    return until is not None and pd.notna(until) and pd.Timestamp(until) > pd.Timestamp(now)


def _account_row(cursor, login: str) -> dict | None:
    found = cursor.execute(
        "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.is_demo,"
        " u.password_hash, u.failed_attempts, u.locked_until"
        " FROM users u WHERE lower(u.login) = lower(?)",
        [login],
    ).fetchall()
    if not found:
        return None
    names = [d[0] for d in cursor.description]
    return dict(zip(names, found[0], strict=True))


def _count_attempt(store: Store, login: str, now: dt.datetime) -> tuple[dict | None, str | None]:
    """Count one attempt before its password is checked; a refusal message instead when the
    account is locked or as many attempts as the limit are already counted."""
    limit = int(settings.get("COMMON_MEASURE_LOCKOUT_ATTEMPTS"))
    with store.transaction() as cursor:
        row = _account_row(cursor, login)
        user_id = int(row["id"]) if row else -1
        refused = bool(row) and (_is_locked(row, now) or int(row["failed_attempts"]) >= limit)
        # The same statement for a known and an unknown login (it changes no row then).
        cursor.execute(
            "UPDATE users SET failed_attempts = failed_attempts + ? WHERE id = ?",
            [0 if refused else 1, user_id],
        )
        if refused:
            Store.audit(cursor, str(row["login"]), "sign-in refused: locked")
            return row, _locked_message(row["locked_until"] or (now + _lock_time()), now)
        if row:
            key = (store.path, user_id)
            _in_flight[key] = _in_flight.get(key, 0) + 1
    return row, None


def _lock_time() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.get("COMMON_MEASURE_LOCKOUT_MINUTES")))


def _audited_login(login: str) -> str:
    """A login as typed, for the audit log: printable characters only, at most 64."""
    shown = "".join(ch for ch in login if ch.isprintable())[:64]
    return f"unknown login {shown!r}"


def _end_attempt(
    store: Store, row: dict | None, login: str, now: dt.datetime, *, matches: bool
) -> User:
    """Judge a counted attempt in the writer, with the account as it is now."""
    limit = int(settings.get("COMMON_MEASURE_LOCKOUT_ATTEMPTS"))
    user_id = int(row["id"]) if row else -1
    with store.transaction() as cursor:
        others = 0
        if row:
            key = (store.path, user_id)
            others = _in_flight.get(key, 1) - 1
            if others:
                _in_flight[key] = others
            else:
                _in_flight.pop(key, None)
        # Read for an unknown login too (it finds nothing), so both do the same work.
        current = _account_row(cursor, str(row["login"]) if row else login)
        if not matches or current is None:
            # One UPDATE (DuckDB 2.0 refuses a second update, or an UPDATE ... RETURNING, of a
            # row that another table references); its right-hand sides read the row as it was.
            # The attempt was counted already: at the limit it locks the account.
            cursor.execute(
                "UPDATE users SET"
                " locked_until = CASE WHEN failed_attempts >= $limit THEN $until"
                "   ELSE locked_until END,"
                " failed_attempts = CASE WHEN failed_attempts >= $limit THEN 0"
                "   ELSE failed_attempts END"
                " WHERE id = $id",
                {"limit": limit, "until": now + _lock_time(), "id": user_id},
            )
            locks = bool(current) and int(current["failed_attempts"]) >= limit
            actor = str(row["login"]) if row else _audited_login(login)
            Store.audit(cursor, actor, "sign-in failed" + (": account locked" if locks else ""))
            refusal = "Wrong login or password."
        elif _is_locked(current, now):  # locked by attempts that failed while this one ran
            Store.audit(cursor, str(current["login"]), "sign-in refused: locked")
            refusal = _locked_message(current["locked_until"], now)
        elif current["disabled"]:
            Store.audit(cursor, str(current["login"]), "sign-in refused: disabled")
            refusal = "This account is disabled. Ask an admin."
        elif current["is_demo"] and not _demo_accounts_allowed():
            refusal = "Demo accounts are turned off on this server."
        else:
            refusal = None
        if matches and current is not None:
            # A success clears the count, but not while other attempts are being checked:
            # they were counted, and a burst must not get more checks than the limit.
            cursor.execute(
                "UPDATE users SET failed_attempts = CASE WHEN ? THEN 0"
                " ELSE greatest(failed_attempts - 1, 0) END WHERE id = ?",
                [refusal is None and others == 0, user_id],
            )
            if refusal is None:
                Store.audit(cursor, str(current["login"]), "sign in")
    if refusal:  # raised once the transaction is committed: the count and the audit stay
        raise SignInRefused(refusal)
    return _user_from_row(store, pd.Series(current))


def _record(store: Store, user_id: int, login: str, action: str) -> None:
    with store.transaction() as cursor:
        Store.audit(cursor, str(login), action)


def user_for_email(store: Store, email: str, *, verified: object = None) -> User:
    """The enabled account whose e-mail is `email` (case-insensitive), for a sign-in through
    the identity provider; refused when there is none, or when the provider says the address
    is not verified (`verified` False; providers that do not send the claim, such as
    Microsoft's for work accounts, pass None)."""
    if verified is not None and verified is not True:
        raise SignInRefused(
            f"Your identity provider has not verified the e-mail address {email}. "
            "Verify it there, or ask an admin for a password."
        )
    found = store.read_df(
        "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.is_demo"
        " FROM users u WHERE lower(u.email) = lower(?)",
        [email.strip()],
    )
    if found.empty or not email.strip():
        raise SignInRefused(f"No account here has the e-mail address {email}. Ask an admin.")
    row = found.iloc[0]
    if row["disabled"] or (row["is_demo"] and not _demo_accounts_allowed()):
        raise SignInRefused("This account is disabled. Ask an admin.")
    with store.transaction() as cursor:
        Store.audit(cursor, str(row["login"]), "sign in (identity provider)")
    return _user_from_row(store, row)


def session_expired(last_seen: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """True when more than COMMON_MEASURE_SESSION_MINUTES passed since the last page run."""
    if last_seen is None:
        return True
    limit = dt.timedelta(minutes=int(settings.get("COMMON_MEASURE_SESSION_MINUTES")))
    return (now or _now()) - last_seen > limit


def sign_out(store: Store, user: User, reason: str = "sign out") -> None:
    with store.transaction() as cursor:
        Store.audit(cursor, user.login, reason)


# -- managing accounts (admin) -----------------------------------------------------------------


@dataclass(frozen=True)
class NewAccount:
    login: str
    role: str
    initiatives: Sequence[str] = ()
    display_name: str = ""
    email: str | None = None


def _initiative_ids(cursor, names: Sequence[str]) -> list[int]:
    ids = []
    for name in names:
        found = scalar(cursor, "SELECT id FROM initiatives WHERE name = ?", [name])
        if found is None:
            raise AccountError(f"there is no initiative named {name!r}")
        ids.append(int(found))
    return ids


def _check_account(account: NewAccount) -> None:
    if not LOGIN_PATTERN.match(account.login):
        raise AccountError(
            f"login {account.login!r}: use 2 to 64 letters, digits, dots, dashes, underscores "
            "or @, starting with a letter or digit"
        )
    if account.role not in ROLE_PERMISSIONS:
        raise AccountError(f"role {account.role!r}: use one of {', '.join(ROLE_PERMISSIONS)}")
    if account.role != "admin" and not account.initiatives:
        raise AccountError(f"a {account.role} needs at least one initiative (--initiative NAME)")


def insert_account(cursor, account: NewAccount, hashed: str, *, is_demo: bool = False) -> int:
    """Insert a checked account and its grants inside the caller's transaction."""
    _check_account(account)
    if scalar(cursor, "SELECT 1 FROM users WHERE lower(login) = lower(?)", [account.login]):
        raise AccountError(f"there is already an account with login {account.login!r}")
    if account.email and scalar(
        cursor, "SELECT 1 FROM users WHERE lower(email) = lower(?)", [account.email]
    ):
        raise AccountError(f"there is already an account with e-mail {account.email!r}")
    grants = _initiative_ids(cursor, account.initiatives)
    user_id = int(
        scalar(
            cursor,
            "INSERT INTO users (login, display_name, email, role, password_hash, is_demo)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [
                account.login,
                account.display_name,
                account.email or None,
                account.role,
                hashed,
                is_demo,
            ],
        )
    )
    for initiative_id in grants:
        cursor.execute(
            "INSERT INTO user_initiatives (user_id, initiative_id) VALUES (?, ?)",
            [user_id, initiative_id],
        )
    return user_id


def add_user(
    store: Store, user: User, account: NewAccount, password: str, *, is_demo: bool = False
) -> int:
    """Create an account with its grants, in one transaction; returns its id."""
    require(user, Permission.ADMINISTER)
    _check_account(account)
    hashed = hash_password(password, account.login)
    with store.transaction() as cursor:
        user_id = insert_account(cursor, account, hashed, is_demo=is_demo)
        Store.audit(
            cursor,
            user.login,
            "add user",
            None,
            f"{account.login} ({account.role}; {', '.join(account.initiatives) or 'all'})",
            1,
        )
    return user_id


@guarded(Permission.ADMINISTER)
def list_users(store: Store, user: User) -> pd.DataFrame:
    """Every account with its role, grants and state; never a password or hash."""
    return store.read_df(
        "SELECT u.login, u.display_name, u.email, u.role,"
        " coalesce(string_agg(n.name, ', ' ORDER BY n.name), '') AS initiatives,"
        " CASE WHEN u.disabled THEN 'disabled'"
        "      WHEN u.locked_until > current_localtimestamp() THEN 'locked' ELSE 'active' END"
        " AS state, u.is_demo AS demo, u.created_at"
        " FROM users u LEFT JOIN user_initiatives g ON g.user_id = u.id"
        " LEFT JOIN initiatives n ON n.id = g.initiative_id"
        " GROUP BY ALL ORDER BY u.login"
    )


def _account_id(cursor, login: str) -> int:
    found = scalar(cursor, "SELECT id FROM users WHERE lower(login) = lower(?)", [login])
    if found is None:
        raise AccountError(f"there is no account with login {login!r}")
    return int(found)


def _end_sessions(cursor, login: str, because: str) -> None:
    """End every session of the account in the browsers it is signed in on (sessions.py keeps
    them; its next click in any tab finds it ended)."""
    cursor.execute(
        "UPDATE sessions SET ended_at = ?, ended_because = ? WHERE ended_at IS NULL"
        " AND user_id = (SELECT id FROM users WHERE lower(login) = lower(?))",
        [_now(), because, login],
    )


@guarded(Permission.ADMINISTER)
def disable_user(store: Store, user: User, login: str) -> None:
    with store.transaction() as cursor:
        _account_id(cursor, login)
        if user.id is not None and login.lower() == user.login.lower():
            raise AccountError("you cannot disable your own account")
        cursor.execute("UPDATE users SET disabled = true WHERE lower(login) = lower(?)", [login])
        _end_sessions(cursor, login, "account disabled")
        Store.audit(cursor, user.login, "disable user", None, login, 1)


@guarded(Permission.ADMINISTER)
def enable_user(store: Store, user: User, login: str) -> None:
    with store.transaction() as cursor:
        _account_id(cursor, login)
        cursor.execute(
            "UPDATE users SET disabled = false, failed_attempts = 0, locked_until = NULL"
            " WHERE lower(login) = lower(?)",
            [login],
        )
        Store.audit(cursor, user.login, "enable user", None, login, 1)


def set_password(store: Store, user: User, login: str, password: str) -> None:
    """An admin sets anyone's password; anyone else only their own. Unlocks the account and
    ends its sessions already signed in (at their next click), as disabling does."""
    if login.lower() != user.login.lower():
        require(user, Permission.ADMINISTER)
    hashed = hash_password(password, login)
    with store.transaction() as cursor:
        _account_id(cursor, login)
        cursor.execute(
            "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL,"
            " password_changed_at = ? WHERE lower(login) = lower(?)",
            [hashed, _now(), login],
        )
        _end_sessions(cursor, login, "password set")
        Store.audit(cursor, user.login, "set password", None, login, 1)


@guarded(Permission.ADMINISTER)
def set_grants(store: Store, user: User, login: str, role: str, initiatives: Sequence[str]) -> None:
    """Replace an account's role and initiatives, in one transaction."""
    _check_account(NewAccount(login=login, role=role, initiatives=initiatives))
    with store.transaction() as cursor:
        user_id = _account_id(cursor, login)
        grants = _initiative_ids(cursor, initiatives)
        cursor.execute("DELETE FROM user_initiatives WHERE user_id = ?", [user_id])
        for initiative_id in grants:
            cursor.execute(
                "INSERT INTO user_initiatives (user_id, initiative_id) VALUES (?, ?)",
                [user_id, initiative_id],
            )
        cursor.execute("UPDATE users SET role = ? WHERE id = ?", [role, user_id])
        Store.audit(
            cursor, user.login, "change grants", None, f"{login}: {role}; {', '.join(initiatives)}"
        )


def initiatives_for(store: Store, user: User) -> pd.DataFrame:
    """The initiatives `user` may open (id, name, description, start_date, instrument_id)."""
    if not isinstance(user, User):
        raise AccessDenied("no one is signed in")
    frame = store.initiatives()
    return frame[[user.granted(int(i)) for i in frame["id"]]].reset_index(drop=True)
