"""Sessions that outlive a browser tab: a signed, expiring browser token in an HttpOnly cookie,
and a server-side record per sign-in that a reload finds again and a sign-out, a new password
or a disabled account ends everywhere."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from analytics import settings
from analytics.access.accounts import load_user
from analytics.access.permissions import User
from analytics.store.connection import Store

COOKIE_NAME = "common_measure_session"
# The browser keeps its token this long; the session on it still ends after
# COMMON_MEASURE_SESSION_MINUTES without a click (the server decides, not the cookie).
COOKIE_MAX_AGE = dt.timedelta(days=7)
# A session's last click is written at most this often: a write per click would be wasted.
_TOUCH_EVERY = dt.timedelta(seconds=60)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def session_key(store: Store) -> bytes:
    """The database's key for signing cookies, made on first use."""
    found = store.read_one("SELECT secret FROM session_keys WHERE id = 1")
    if found is not None:
        return bytes(found)
    with store.transaction(changes_data=False) as cursor:
        cursor.execute(
            "INSERT INTO session_keys (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING",
            [secrets.token_bytes(32)],
        )
        return bytes(cursor.execute("SELECT secret FROM session_keys WHERE id = 1").fetchone()[0])


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _signed(key: bytes, token: str, now: dt.datetime) -> str:
    payload = f"{token}.{int(now.replace(tzinfo=dt.UTC).timestamp())}"
    return f"{payload}.{_signature(key, payload)}"


def _issued_at(value: str) -> dt.datetime | None:
    try:
        seconds = int(value.split(".")[1])
        return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    except (IndexError, ValueError, OverflowError, OSError):
        return None


def cookie_token(key: bytes, value: str | None, now: dt.datetime | None = None) -> str | None:
    """The token of a cookie (`token.issued.signature`) that this database signed and that
    has not expired; else None."""
    if not value or value.count(".") != 2:
        return None
    token, issued, signature = value.split(".")
    if not hmac.compare_digest(signature, _signature(key, f"{token}.{issued}")):
        return None
    issued_at = _issued_at(value)
    if issued_at is None:
        return None
    age = (now or _now()) - issued_at
    return token if dt.timedelta(minutes=-5) <= age <= COOKIE_MAX_AGE else None


def renewed_cookie_value(
    key: bytes, value: str | None, now: dt.datetime | None = None
) -> str | None:
    """The cookie a browser should be given with a page, or None when its own is fine: a new
    token when it has none (or a forged or expired one); its token signed again once past
    half its life, so that a browser in use keeps its session."""
    now = now or _now()
    token = cookie_token(key, value, now)
    if token is None:
        return _signed(key, secrets.token_urlsafe(32), now)
    issued_at = _issued_at(str(value))
    if issued_at is not None and now - issued_at > COOKIE_MAX_AGE / 2:
        return _signed(key, token, now)
    return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _inactivity_limit() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.get("COMMON_MEASURE_SESSION_MINUTES")))


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    started_at: dt.datetime
    last_seen: dt.datetime


def start_session(store: Store, user: User, token: str, now: dt.datetime | None = None) -> int:
    """Record a sign-in on the browser whose token is `token`; any earlier session of that
    browser ends (one user per browser)."""
    now = now or _now()
    with store.transaction(changes_data=False) as cursor:
        cursor.execute(
            "UPDATE sessions SET ended_at = ?, ended_because = 'signed in again'"
            " WHERE token_hash = ? AND ended_at IS NULL",
            [now, _hash(token)],
        )
        cursor.execute(
            "INSERT INTO sessions (user_id, token_hash, started_at, last_seen)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            [user.id, _hash(token), now, now],
        )
        return int(cursor.fetchone()[0])


def _end(store: Store, session_id: int, because: str, now: dt.datetime) -> None:
    with store.transaction(changes_data=False) as cursor:
        cursor.execute(
            "UPDATE sessions SET ended_at = ?, ended_because = ? WHERE id = ? AND ended_at IS NULL",
            [now, because, session_id],
        )


def end_session(store: Store, session_id: int, because: str = "signed out") -> None:
    """End one session (a sign-out): every tab of that browser is signed out at its next click."""
    _end(store, session_id, because, _now())


def resume_session(
    store: Store, *, session_id: int | None = None, token: str | None = None, now=None
) -> Session | None:
    """The live session with this id (a tab that is signed in) or on this browser token (a
    reload, a new tab), with its user as the database has them now; None when there is none,
    it ended, it saw no click for COMMON_MEASURE_SESSION_MINUTES (it is then ended), or its
    account may no longer sign in. A click is recorded (at most once a minute)."""
    now = now or _now()
    columns = "SELECT id, user_id, started_at, last_seen FROM sessions WHERE ended_at IS NULL"
    if session_id is not None:
        found = store.read_df(f"{columns} AND id = ?", [session_id])
    elif token:
        found = store.read_df(
            f"{columns} AND token_hash = ? ORDER BY id DESC LIMIT 1", [_hash(token)]
        )
    else:
        return None
    if found.empty:
        return None
    row = found.iloc[0]
    session = int(row["id"])
    last_seen = row["last_seen"].to_pydatetime()
    if now - last_seen > _inactivity_limit():
        _end(store, session, "no activity", now)
        return None
    user = load_user(store, int(row["user_id"]), row["started_at"].to_pydatetime())
    if user is None:
        _end(store, session, "account may no longer sign in", now)
        return None
    if now - last_seen >= _TOUCH_EVERY:
        with store.transaction(changes_data=False) as cursor:
            cursor.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", [now, session])
        last_seen = now
    return Session(session, user, row["started_at"].to_pydatetime(), last_seen)


def session_ended_because(store: Store, session_id: int) -> str | None:
    """Why a session ended (None while it is live, or unknown)."""
    return store.read_one("SELECT ended_because FROM sessions WHERE id = ?", [session_id])
