"""Sign-in for the app: the session's user, the sign-in form, expiry, and each page's check."""

from __future__ import annotations

import secrets

import streamlit as st

from analytics import settings
from analytics.access.accounts import (
    SignInRefused,
    authenticate,
    demo_accounts,
    has_accounts,
    sign_out,
    user_for_email,
)
from analytics.access.permissions import ROLE_DESCRIPTIONS, Permission, User
from analytics.access.sessions import (
    COOKIE_NAME,
    cookie_token,
    end_session,
    resume_session,
    session_ended_because,
    session_key,
    start_session,
)
from analytics.store.connection import Store
from ui.components import FIRST_ADMIN_COMMAND, ROUTING, literal

SESSION_ID = "auth.session_id"  # this tab's session (analytics.access.sessions)
_CURRENT = "auth.current"  # the User loaded for this run
_NOTICE = "auth.notice"  # why the last session ended, shown on the sign-in form
_ENDED = {
    "no activity": "You were signed out after {minutes} minutes without activity.",
    "signed out": "You signed out (in this tab or another).",
    "signed in again": "Someone signed in again in this browser.",
}
_CANNOT = "Your account can no longer sign in. Ask an admin."


def _identity_provider() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for Streamlit's st.login."""
    return isinstance(settings.secrets().get("auth"), dict)


def _browser_token(db: Store) -> str | None:
    """The token of this browser's session cookie, which the server (ui/server.py) sets
    HttpOnly on every page load; None when the app runs without it (AppTest, or a server
    started another way), and the session then lives as long as the tab."""
    value = st.context.cookies.get(COOKIE_NAME)
    return cookie_token(session_key(db), value) if value else None


def _start_session(db: Store, user: User) -> None:
    _forget_everything()  # nothing of an earlier session in this tab reaches the new user
    token = _browser_token(db) or secrets.token_urlsafe(32)  # without a cookie: this tab only
    st.session_state[SESSION_ID] = start_session(db, user, token)
    st.session_state.pop(_NOTICE, None)


def _forget_everything() -> None:
    """Drop the session's state (choices, prepared reports, uploads) but the router's mark."""
    for key in list(st.session_state.keys()):
        if key != ROUTING:
            del st.session_state[key]


def _end_session(notice: str | None = None) -> None:
    """Sign out: everything the session held goes with its user."""
    _forget_everything()
    if notice:
        st.session_state[_NOTICE] = notice


def _ended_notice(db: Store, session_id: int) -> str:
    because = session_ended_because(db, session_id)
    minutes = settings.get("COMMON_MEASURE_SESSION_MINUTES")
    return _ENDED.get(str(because), _CANNOT).format(minutes=minutes)


def signed_in_user(db: Store) -> User | None:
    """The session's user as the database has it now, or None (never signed in, signed out
    in any tab, expired after inactivity, disabled, a new password, or removed since). A tab
    without a session of its own takes up its browser's (a reload, a new tab, a link). Called
    once per run by the router."""
    session_id = st.session_state.get(SESSION_ID)
    if session_id is not None:
        session = resume_session(db, session_id=int(session_id))
        if session is None:
            _end_session(_ended_notice(db, int(session_id)))
    else:
        session = resume_session(db, token=_browser_token(db))
        if session is not None:
            st.session_state[SESSION_ID] = session.id
    if session is None:
        st.session_state.pop(_CURRENT, None)
        return None
    st.session_state[_CURRENT] = session.user
    return session.user


def current_user() -> User | None:
    """The user the router loaded for this run."""
    return st.session_state.get(_CURRENT)


def page_user(permission: Permission = Permission.VIEW) -> User:
    """The signed-in user when they may use this page; otherwise a refusal, and the page
    stops. Every page calls it first (a page reached by its URL as well as from the menu)."""
    user = current_user()
    if user is None:
        st.warning("Sign in to see this page.", icon=":material/lock:")
        st.stop()
    if not user.has(permission):
        st.error(
            f"Your role ({user.role}) does not allow this page: it needs permission to "
            f"{permission.value}.",
            icon=":material/block:",
        )
        st.stop()
    return user


def _sign_in_with_password(db: Store, login: str, password: str) -> None:
    try:
        _start_session(db, authenticate(db, login, password))
    except SignInRefused as error:
        st.session_state[_NOTICE] = str(error)


def render_sign_in(db: Store) -> None:
    """The sign-in page: the form, the identity provider's button when configured, and the
    demo accounts of a demo database."""
    with st.columns([3, 2])[0]:  # a form of a readable width, even in the wide layout
        _render_sign_in(db)


def _render_sign_in(db: Store) -> None:
    st.title("Sign in to Common Measure")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(literal(notice), icon=":material/info:")
    if not has_accounts(db):
        st.info(
            "There are no accounts in this database yet. Create the first admin on the "
            "server, then sign in here:",
            icon=":material/person_add:",
        )
        st.code(FIRST_ADMIN_COMMAND, language="bash")
        return
    with st.form("sign_in.form", clear_on_submit=True):
        login = st.text_input("Login", key="sign_in.login", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in.password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in.submit")
    if submitted:
        _sign_in_with_password(db, login, password)
        st.rerun()
    if _identity_provider():
        _render_identity_provider(db)
    _render_demo_accounts(db)


def _render_identity_provider(db: Store) -> None:
    """Streamlit's identity cookie outlives our sessions (about 30 days), so a signed-in
    identity is never taken silently: after a sign-out or an expiry the person clicks again."""
    if st.user.get("is_logged_in", False):
        email = str(st.user.get("email") or "")
        left, right = st.columns(2)
        if left.button(
            f"Continue as {email}", type="primary", icon=":material/key:", key="sign_in.oidc"
        ):
            try:
                _start_session(
                    db, user_for_email(db, email, verified=st.user.get("email_verified"))
                )
            except SignInRefused as error:
                st.session_state[_NOTICE] = str(error)
            st.rerun()
        right.button("Use another account", on_click=st.logout, key="sign_in.oidc.other")
        return
    st.button(
        "Sign in with your organisation's account",
        on_click=st.login,
        icon=":material/key:",
        key="sign_in.oidc",
    )


def _render_demo_accounts(db: Store) -> None:
    accounts = demo_accounts(db)
    if accounts.empty:
        return
    # Imported here: the demo module is only needed on a demo database's sign-in page.
    from analytics.demo.fill import DEMO_PASSWORDS

    st.subheader("Demo accounts")
    st.caption(
        "This database holds the demo initiatives, with one account per role. "
        "Try each to see what that role may see and do."
    )
    for account in accounts.itertuples():
        with st.container(border=True):
            left, right = st.columns([3, 1], vertical_alignment="center")
            left.markdown(
                f"**{literal(account.login)}** · {account.role}: "
                f"{ROLE_DESCRIPTIONS[account.role]}  \n"
                f"Initiatives: {literal(account.initiatives)}"
            )
            if right.button(
                f"Sign in as {account.role}",
                key=f"sign_in.demo.{account.login}",
                width="stretch",
            ):
                _sign_in_with_password(db, account.login, DEMO_PASSWORDS[account.login])
                st.rerun()


def render_account(db: Store, user: User) -> None:
    """The sidebar's account box: who is signed in, and the sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{literal(user.name)}** ({user.role})")
        if st.button("Sign out", key="account.sign_out", icon=":material/logout:"):
            sign_out(db, user)
            end_session(db, int(st.session_state[SESSION_ID]))
            _end_session("You signed out.")
            if _identity_provider() and st.user.get("is_logged_in", False):
                st.logout()
            st.rerun()
