"""Local accounts: bcrypt password hashes, sign-in with lock-out, sessions that expire, and the
admin's user management. A password or its hash never leaves this module: no function returns
one, and every read of users names its columns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import bcrypt
import pandas as pd

from analytics import settings
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
MIN_PASSWORD_LENGTH = 10
# bcrypt reads at most 72 bytes; a longer password would be cut silently, so refuse it.
MAX_PASSWORD_BYTES = 72
_dummy_hashes: dict[int, bytes] = {}


class SignInRefused(Exception):
    """Sign-in did not succeed; the message is safe to show (it never says which part was
    wrong, only that the account is locked or disabled when the password was right)."""


class AccountError(ValueError):
    """A user-management request that cannot be done, in words a person can act on."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    check_password_rules(password)
    rounds = int(settings.get("COMMON_MEASURE_BCRYPT_ROUNDS"))
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_BYTES} bytes")


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
    if len(candidate) > MAX_PASSWORD_BYTES or not hashed:
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


def load_user(store: Store, user_id: int) -> User | None:
    """The account as it is now (role and grants re-read), or None when it is disabled, gone,
    or a demo account while demo accounts are turned off. Called on every page run, so a
    change by an admin takes effect at the user's next click."""
    found = store.read_df(
        "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.is_demo"
        " FROM users u WHERE u.id = ?",
        [user_id],
    )
    if found.empty:
        return None
    row = found.iloc[0]
    if row["disabled"] or (row["is_demo"] and not _demo_accounts_allowed()):
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

    A wrong password counts a failed attempt; after COMMON_MEASURE_LOCKOUT_ATTEMPTS failures
    in a row the account is locked for COMMON_MEASURE_LOCKOUT_MINUTES (a right password does
    not open it sooner). Success resets the count. Every attempt is audited, never with the
    password.
    """
    now = now or _now()
    login = login.strip()
    found = store.read_df(
        "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.is_demo,"
        " u.password_hash, u.failed_attempts, u.locked_until"
        " FROM users u WHERE lower(u.login) = lower(?)",
        [login],
    )
    if found.empty:
        _password_matches(password, None)
        raise SignInRefused("Wrong login or password.")
    row = found.iloc[0]
    user_id = int(row["id"])
    locked_until = row["locked_until"]
    if pd.notna(locked_until) and pd.Timestamp(locked_until) > pd.Timestamp(now):
        _password_matches(password, None)
        _record(store, user_id, row["login"], "sign-in refused: locked")
        left = pd.Timestamp(locked_until) - pd.Timestamp(now)
        minutes = max(1, round(left.total_seconds() / 60))
        raise SignInRefused(
            f"This account is locked after too many wrong passwords. Try again in {minutes} "
            "minutes, or ask an admin."
        )
    if not _password_matches(password, row["password_hash"]):
        _failed(store, user_id, str(row["login"]), now)
        raise SignInRefused("Wrong login or password.")
    if row["disabled"]:
        _record(store, user_id, row["login"], "sign-in refused: disabled")
        raise SignInRefused("This account is disabled. Ask an admin.")
    if row["is_demo"] and not _demo_accounts_allowed():
        raise SignInRefused("Demo accounts are turned off on this server.")
    with store.transaction() as cursor:
        cursor.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [user_id]
        )
        Store.audit(cursor, str(row["login"]), "sign in")
    return _user_from_row(store, row)


def _failed(store: Store, user_id: int, login: str, now: dt.datetime) -> None:
    """Count a wrong password, in the single writer, so that attempts made at the same time
    all count; lock the account at the limit."""
    limit = int(settings.get("COMMON_MEASURE_LOCKOUT_ATTEMPTS"))
    until = now + dt.timedelta(minutes=int(settings.get("COMMON_MEASURE_LOCKOUT_MINUTES")))
    with store.transaction() as cursor:
        # One UPDATE without RETURNING: DuckDB 2.0 refuses a second update, or an UPDATE ...
        # RETURNING, of a row that another table references. Its right-hand sides read the
        # row as it was.
        cursor.execute(
            "UPDATE users SET"
            " locked_until = CASE WHEN failed_attempts + 1 >= $limit THEN $until"
            "   ELSE locked_until END,"
            " failed_attempts = CASE WHEN failed_attempts + 1 >= $limit THEN 0"
            "   ELSE failed_attempts + 1 END"
            " WHERE id = $id",
            {"limit": limit, "until": until, "id": user_id},
        )
        locked = scalar(
            cursor,
            "SELECT failed_attempts = 0 AND locked_until = ? FROM users WHERE id = ?",
            [until, user_id],
        )
        Store.audit(cursor, login, "sign-in failed" + (": account locked" if locked else ""))


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
    hashed = hash_password(password)
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


@guarded(Permission.ADMINISTER)
def disable_user(store: Store, user: User, login: str) -> None:
    with store.transaction() as cursor:
        _account_id(cursor, login)
        if user.id is not None and login.lower() == user.login.lower():
            raise AccountError("you cannot disable your own account")
        cursor.execute("UPDATE users SET disabled = true WHERE lower(login) = lower(?)", [login])
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
    """An admin sets anyone's password; anyone else only their own. Unlocks the account."""
    if login.lower() != user.login.lower():
        require(user, Permission.ADMINISTER)
    hashed = hash_password(password)
    with store.transaction() as cursor:
        _account_id(cursor, login)
        cursor.execute(
            "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL"
            " WHERE lower(login) = lower(?)",
            [hashed, login],
        )
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
