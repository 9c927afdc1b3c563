"""Sectors and roles: the initiative's lists that survey answers are placed on. A backbone or
an admin edits them (add, rename, remove); brokers see them; funders never reach the page."""

from __future__ import annotations

import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.ingest.values import (
    VALUE_FIELDS,
    ValuesError,
    choice_changes,
    choice_lists,
    save_initiative_choices,
)
from analytics.store.connection import Store
from ui.auth import page_user
from ui.components import confirm, confirmation, initiative_picker, literal, store

KEY = "lists."
TITLES = {"sector": "Sectors", "role": "Roles"}
ABOUT = {
    "sector": "Each respondent's sector answer is placed on this list (by its words, or by "
    "the value map of the upload page). Without a list of its own, an initiative uses the "
    "six default sectors shown here.",
    "role": "Each respondent's role answer is placed on this list. Without a list, role "
    "answers are kept as the respondents typed them.",
}


def _render_list(db: Store, user: User, initiative_id: int, field: str, table) -> None:
    with st.container(border=True):
        st.subheader(TITLES[field])
        st.caption(ABOUT[field])
        confirmation(KEY + field)
        editable = user.may(Permission.MANAGE, initiative_id)
        if table.empty:
            st.info(
                "No list: answers are kept as typed."
                + (" Add a row to start one." if editable else ""),
                icon=":material/info:",
            )
        if not editable:
            if not table.empty:
                st.dataframe(table.drop(columns="Saved value"), hide_index=True)
            st.caption("Only a backbone organisation or an admin can change this list.")
            return
        version = st.session_state.get(KEY + f"{field}.version", 0)
        with st.form(KEY + f"{field}.form", border=False):
            edited = st.data_editor(
                table,
                hide_index=True,
                num_rows="dynamic",
                disabled=["Saved value", "Respondents"],
                # The saved value stays in the table, unseen, so that a rename is told from a
                # removal and an addition.
                column_order=["Value", "Respondents"],
                column_config={
                    "Value": st.column_config.TextColumn(
                        "Value", width="medium", help="Type over a value to rename it."
                    ),
                    "Respondents": st.column_config.NumberColumn(
                        "Respondents", help="Stored respondents who hold this value."
                    ),
                },
                key=KEY + f"{field}.editor.{version}",
                width="stretch",
            )
            saved = st.form_submit_button(f"Save {TITLES[field].lower()}", type="primary")
        if saved:
            values, renamed = choice_changes(edited)
            try:
                result = save_initiative_choices(db, user, initiative_id, field, values, renamed)
            except ValuesError as error:
                reason = str(error)
                st.error(
                    f"Not saved: {literal(reason[:1].lower() + reason[1:])}.",
                    icon=":material/block:",
                )
                return
            moved = "".join(
                f" {count} respondent(s) moved from {literal(old)} to {literal(new)}."
                for old, new, count in result.moved
                if count
            )
            what = "the default list" if result.default else ", ".join(map(literal, result.values))
            confirm(KEY + field, f"{TITLES[field]} saved: {what}.{moved}")
            st.session_state[KEY + f"{field}.version"] = version + 1
            st.rerun()


def main() -> None:
    db = store()
    user = page_user(Permission.VIEW_DETAIL)
    st.title("Sectors and roles")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, _name = picked
    if user.may(Permission.MANAGE, initiative_id):
        st.caption(
            "Add a row for a new value. Type over a value to rename it: the respondents who "
            "hold it and the saved value maps follow (renamed onto another value of the list, "
            "the two merge). Delete a row to remove a value that no stored respondent holds."
        )
    tables = choice_lists(db, user, initiative_id)
    for column, field in zip(st.columns(2, gap="large"), VALUE_FIELDS, strict=True):
        with column:
            _render_list(db, user, initiative_id, field, tables[field])


main()
