"""Audit log: who did what, when, to which initiative (admins and backbone organisations)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.access.audit import audit_log
from analytics.access.permissions import Permission
from analytics.views.exports import csv_bytes
from ui.auth import page_user
from ui.components import initiative_picker, store

KEY = "audit."


def main() -> None:
    db = store()
    user = page_user(Permission.AUDIT)
    st.title("Audit log")
    everything = False
    if user.role == "admin":
        everything = st.toggle(
            "Every initiative, sign-ins and user management",
            value=True,
            key=KEY + "everything",
        )
    picked = None if everything else initiative_picker(db, user)
    if not everything and picked is None:
        return
    since = st.columns(3)[0].date_input(
        "Since", dt.date.today() - dt.timedelta(days=90), key=KEY + "since", format="YYYY-MM-DD"
    )
    log = audit_log(db, user, initiative_id=None if everything else picked[0], since=since)
    st.caption(
        f"{len(log):,} {'entry' if len(log) == 1 else 'entries'}, newest first. Every write "
        "of the app and of the command line is recorded here, with who made it."
    )
    st.dataframe(
        log,
        hide_index=True,
        key=KEY + "table",
        column_config={
            "when": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "who": "Who",
            "what": "What",
            "initiative": "Initiative",
            "detail": st.column_config.TextColumn("Detail", width="large"),
            "rows": "Rows",
        },
    )
    st.download_button(
        "Download CSV",
        csv_bytes(log),
        file_name="audit-log.csv",
        mime="text/csv",
        on_click="ignore",
        key=KEY + "download",
        icon=":material/download:",
    )


main()
