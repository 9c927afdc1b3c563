"""Users (admin): accounts, their roles and initiatives; add, change, disable, reset."""

from __future__ import annotations

import streamlit as st

from analytics.access.accounts import (
    AccountError,
    NewAccount,
    add_user,
    disable_user,
    enable_user,
    initiatives_for,
    list_users,
    set_grants,
    set_password,
)
from analytics.access.permissions import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, Permission, User
from analytics.store.connection import Store
from ui.auth import page_user
from ui.components import literal, show_refusal, store

KEY = "users."


def _initiative_names(db: Store, user: User) -> list[str]:
    return initiatives_for(db, user)["name"].tolist()


def _render_add(db: Store, user: User, initiatives: list[str]) -> None:
    with st.expander("Add an account"), st.form(KEY + "add", clear_on_submit=True):
        left, right = st.columns(2)
        login = left.text_input("Login", key=KEY + "add.login")
        name = right.text_input("Display name", key=KEY + "add.name")
        email = left.text_input(
            "E-mail (for sign-in with the organisation's account)", key=KEY + "add.email"
        )
        role = right.selectbox(
            "Role",
            list(ROLE_PERMISSIONS),
            format_func=lambda r: f"{r}: {ROLE_DESCRIPTIONS[r]}",
            key=KEY + "add.role",
        )
        granted = st.multiselect(
            "Initiatives (not needed for an admin)", initiatives, key=KEY + "add.initiatives"
        )
        password = st.text_input(
            "First password (at least 10 characters; tell it to them privately)",
            type="password",
            key=KEY + "add.password",
            autocomplete="new-password",
        )
        if st.form_submit_button("Add account", type="primary"):
            try:
                add_user(
                    db,
                    user,
                    NewAccount(
                        login.strip(), role, tuple(granted), name.strip(), email.strip() or None
                    ),
                    password,
                )
            except AccountError as error:
                show_refusal(error, prefix="Not added: ")
                return
            st.toast(f"Added {literal(login)}.")
            st.rerun()


def _render_change(db: Store, user: User, accounts, initiatives: list[str]) -> None:
    with st.expander("Change an account"):
        login = st.selectbox("Account", accounts["login"].tolist(), key=KEY + "change.which")
        row = accounts[accounts["login"] == login].iloc[0]
        current = [n for n in str(row["initiatives"]).split(", ") if n]
        with st.form(KEY + "change.grants"):
            role = st.selectbox(
                "Role",
                list(ROLE_PERMISSIONS),
                index=list(ROLE_PERMISSIONS).index(row["role"]),
                key=KEY + f"change.role.{login}",
            )
            granted = st.multiselect(
                "Initiatives",
                initiatives,
                default=[n for n in current if n in initiatives],
                key=KEY + f"change.initiatives.{login}",
            )
            if st.form_submit_button("Save role and initiatives"):
                _act(lambda: set_grants(db, user, login, role, granted), f"Saved {login}.")
        with st.form(KEY + "change.password", clear_on_submit=True):
            password = st.text_input(
                "New password",
                type="password",
                key=KEY + "change.password.value",
                autocomplete="new-password",
            )
            if st.form_submit_button("Set password (also unlocks the account)"):
                _act(lambda: set_password(db, user, login, password), f"Password of {login} set.")
        if row["state"] == "disabled":
            if st.button("Enable this account", key=KEY + "change.enable"):
                _act(lambda: enable_user(db, user, login), f"Enabled {login}.")
        elif st.button("Disable this account", key=KEY + "change.disable"):
            _act(lambda: disable_user(db, user, login), f"Disabled {login}.")


def _act(action, done: str) -> None:
    try:
        action()
    except AccountError as error:
        show_refusal(error, prefix="Not changed: ")
        return
    st.toast(literal(done))
    st.rerun()


def main() -> None:
    db = store()
    user = page_user(Permission.ADMINISTER)
    st.title("Users")
    st.caption(
        "Who may sign in, with which role, to which initiatives. Passwords are stored only as "
        "bcrypt hashes; no one, admins included, can read them."
    )
    accounts = list_users(db, user)
    st.dataframe(
        accounts,
        hide_index=True,
        key=KEY + "table",
        column_config={
            "login": "Login",
            "display_name": "Name",
            "email": "E-mail",
            "role": "Role",
            "initiatives": st.column_config.TextColumn("Initiatives", width="large"),
            "state": "State",
            "demo": st.column_config.CheckboxColumn("Demo"),
            "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD"),
        },
    )
    initiatives = _initiative_names(db, user)
    _render_add(db, user, initiatives)
    if not accounts.empty:
        _render_change(db, user, accounts, initiatives)


main()
