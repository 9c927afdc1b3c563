"""The web server around the app (`streamlit run app.py` finds it in app.py): it builds the
database (and the demo) once at start-up, closes it at exit, and gives each browser its
signed session cookie, HttpOnly and SameSite=Lax, on every page load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie

import anyio

from analytics import settings
from analytics.access.sessions import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    renewed_cookie_value,
    session_key,
)
from analytics.demo.fill import fill_if_new
from analytics.store.connection import close_all_stores, open_store


def _database_key() -> bytes:
    return session_key(open_store())


@asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """Open the database (filling a new one with the demo) before the first visitor comes,
    and close it when the server stops (DuckDB then checkpoints and frees cleanly)."""

    def prepare() -> None:
        store = open_store()
        if settings.get("COMMON_MEASURE_DEMO"):
            fill_if_new(store)

    await anyio.to_thread.run_sync(prepare)
    try:
        yield
    finally:
        close_all_stores()


def _cookie_header(value: str, secure: bool) -> bytes:
    attributes = [
        f"{COOKIE_NAME}={value}",
        "Path=/",
        f"Max-Age={int(COOKIE_MAX_AGE.total_seconds())}",
        "HttpOnly",
        "SameSite=Lax",
    ]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes).encode("latin-1")


def _request_cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE_NAME)
            if morsel is not None:
                return morsel.value
    return None


def _served_over_https(scope) -> bool:
    forwarded = dict(scope.get("headers", [])).get(b"x-forwarded-proto", b"")
    return scope.get("scheme") == "https" or forwarded.split(b",")[0].strip() == b"https"


class SessionCookie:
    """ASGI middleware: a page (an HTML response) carries a fresh or renewed session cookie
    when the browser's is missing, forged, expired or past half its life. The script reads it
    with st.context.cookies when its websocket connects; the browser's JavaScript never can."""

    def __init__(self, app) -> None:
        self.app = app
        self._key: bytes | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        if self._key is None:
            self._key = await anyio.to_thread.run_sync(_database_key)
        current = _request_cookie(scope.get("headers", []))
        renewed = renewed_cookie_value(self._key, current)
        if renewed is None:
            await self.app(scope, receive, send)
            return
        header = _cookie_header(renewed, _served_over_https(scope))

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    message = {**message, "headers": [*headers, (b"set-cookie", header)]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
