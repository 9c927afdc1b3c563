"""Reports and exports: the report of one initiative over a period as HTML or PDF, and its
data as CSV or XLSX."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.access.permissions import User
from analytics.reports.build import report_html, report_pdf
from analytics.reports.content import Period
from analytics.views.exports import available_exports, export_file
from ui.auth import page_user
from ui.components import initiative_picker, store
from ui.links import follow, follow_date, show


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _render_report(db, user: User, initiative_id: int, name: str) -> None:
    st.subheader("Report")
    left, right, fmt_column = st.columns(3)
    follow_date("from", "reports.from", None)
    follow_date("to", "reports.to", None)
    follow("format", "reports.format", ["PDF", "HTML"])
    start = left.date_input("From", key="reports.from", format="YYYY-MM-DD")
    end = right.date_input("To", key="reports.to", format="YYYY-MM-DD")
    fmt = fmt_column.radio("Format", ["PDF", "HTML"], horizontal=True, key="reports.format")
    show("from", start)
    show("to", end)
    show("format", fmt)
    if start and end and start > end:
        st.error("The period must start on or before its end.")
        return
    period = Period(start, end)
    st.caption(f"Waves, milestones and observations of {period.describe()}.")
    if st.button("Prepare the report", key="reports.prepare", icon=":material/description:"):
        with st.spinner("Preparing the report…"):
            if fmt == "PDF":
                data, mime = report_pdf(db, user, initiative_id, period), "application/pdf"
            else:
                data = report_html(db, user, initiative_id, period).encode("utf-8")
                mime = "text/html"
        st.session_state["reports.file"] = (
            data,
            mime,
            fmt.lower(),
            period,
            initiative_id,
            user.login,
        )
    prepared = st.session_state.get("reports.file")
    # Offered only to the reader it was prepared for, for the initiative, format and period
    # chosen now: after a change, the button must not offer the file prepared before it.
    if prepared and prepared[2:] == (fmt.lower(), period, initiative_id, user.login):
        data, mime, ext, *_ = prepared
        st.download_button(
            f"Download the {ext.upper()} report",
            data,
            file_name=f"{_slug(name)}-report-{dt.date.today():%Y-%m-%d}.{ext}",
            mime=mime,
            key="reports.download",
            icon=":material/download:",
            on_click="ignore",
        )


def _render_exports(db, user: User, initiative_id: int, name: str) -> None:
    st.subheader("Data exports")
    st.caption(
        "Safe to open in a spreadsheet: cells that would run as formulas are neutralised; "
        "groups too small to show are suppressed."
    )
    for kind in available_exports(user):
        columns = st.columns([2, 1, 1])
        columns[0].markdown(f"**{kind.capitalize()}**")
        for column, fmt in zip(columns[1:], ("csv", "xlsx"), strict=True):
            data, file_name, mime = export_file(db, user, initiative_id, kind, fmt)
            column.download_button(
                fmt.upper(),
                data,
                file_name=f"{_slug(name)}-{file_name}",
                mime=mime,
                key=f"reports.{kind}.{fmt}",
                icon=":material/download:",
                on_click="ignore",
            )


db = store()
user = page_user()
st.title("Reports and exports")
chosen = initiative_picker(db, user)
if chosen is not None:
    initiative_id, name = chosen
    _render_report(db, user, initiative_id, name)
    _render_exports(db, user, initiative_id, name)
