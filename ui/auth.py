"""Sign-in for the app: the session's user, the sign-in form, expiry, and each page's check."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import settings
from analytics.access.accounts import (
    SignInRefused,
    authenticate,
    demo_accounts,
    has_accounts,
    load_user,
    session_expired,
    sign_out,
    user_for_email,
)
from analytics.access.permissions import ROLE_DESCRIPTIONS, Permission, User
from analytics.store.connection import Store
from ui.components import FIRST_ADMIN_COMMAND, ROUTING, literal

USER_ID = "auth.user_id"  # the signed-in account's id
LAST_SEEN = "auth.last_seen"  # when this session last ran a page (UTC)
SIGNED_IN_AT = "auth.signed_in_at"  # when this session signed in (UTC): a later password ends it
_CURRENT = "auth.current"  # the User loaded for this run
_NOTICE = "auth.notice"  # why the last session ended, shown on the sign-in form


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _identity_provider() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for Streamlit's st.login."""
    return isinstance(settings.secrets().get("auth"), dict)


def _start_session(user: User) -> None:
    _forget_everything()  # nothing of an earlier session in this tab reaches the new user
    st.session_state[USER_ID] = user.id
    st.session_state[LAST_SEEN] = _now()
    st.session_state[SIGNED_IN_AT] = _now()
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


def signed_in_user(db: Store) -> User | None:
    """The session's user as the database has it now, or None (never signed in, signed out,
    expired after inactivity, disabled or removed since). Called once per run by the router."""
    user_id = st.session_state.get(USER_ID)
    if user_id is None:
        st.session_state.pop(_CURRENT, None)
        return None
    if session_expired(st.session_state.get(LAST_SEEN), _now()):
        minutes = settings.get("COMMON_MEASURE_SESSION_MINUTES")
        _end_session(f"You were signed out after {minutes} minutes without activity.")
        return None
    user = load_user(db, int(user_id), st.session_state.get(SIGNED_IN_AT))
    if user is None:
        _end_session("Your account can no longer sign in. Ask an admin.")
        return None
    st.session_state[LAST_SEEN] = _now()
    st.session_state[_CURRENT] = user
    return user


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
        _start_session(authenticate(db, login, password))
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
                _start_session(user_for_email(db, email, verified=st.user.get("email_verified")))
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
            _end_session("You signed out.")
            if _identity_provider() and st.user.get("is_logged_in", False):
                st.logout()
            st.rerun()
