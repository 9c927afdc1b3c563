"""Milestones: what was planned, what is done, what is late; edit, import and export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.ingest.reading import UnreadableFile
from analytics.instrument import CONDITIONS, PRINCIPLES, scale_label
from analytics.measures.milestones import (
    burn_up,
    delivery,
    export_frame,
    import_milestones_csv,
    milestones,
    overdue,
    partner_names,
    save_milestones,
)
from analytics.measures.phases import phases as initiative_phases
from analytics.store.schema import MILESTONE_STATUSES, PHASES
from analytics.views import charts
from analytics.views.exports import csv_bytes
from ui.auth import page_user
from ui.components import (
    chart_with_data,
    confirm,
    confirmation,
    data_table,
    initiative_picker,
    literal,
    show_refusal,
    store,
)
from ui.links import follow, follow_date, show

KEY = "milestones."


def _filters(frame: pd.DataFrame) -> pd.DataFrame:
    left, middle, right = st.columns(3)
    scales = {**CONDITIONS, **PRINCIPLES}
    follow("scale", KEY + "scale", list(scales), multiple=True)
    wanted = left.multiselect(
        "Condition or principle", list(scales), format_func=scales.get, key=KEY + "scale"
    )
    follow("phase", KEY + "phase", list(PHASES), multiple=True)
    phases = middle.multiselect("Phase", list(PHASES), key=KEY + "phase")
    owners = []
    if "owner" in frame.columns:  # a funder sees no owners
        names = sorted(frame["owner"].dropna().unique())
        follow("owner", KEY + "owner", names, multiple=True)
        owners = right.multiselect("Owner", names, key=KEY + "owner")
    show("scale", wanted)
    show("phase", phases)
    show("owner", owners)
    if wanted:
        frame = frame[frame["condition"].isin(wanted) | frame["principle"].isin(wanted)]
    if phases:
        frame = frame[frame["phase"].isin(phases)]
    if owners:
        frame = frame[frame["owner"].isin(owners)]
    return frame


def _render_metrics(frame: pd.DataFrame, as_of: dt.date) -> None:
    figures = delivery(frame, as_of)
    a, b, c, d = st.columns(4)
    a.metric("Milestones (not dropped)", figures["milestones"])
    share = figures["share_done"]
    b.metric("Done", "–" if share is None else f"{share:.0%}")
    on_time = figures["share_on_time"]
    c.metric("Done on time (of those done)", "–" if on_time is None else f"{on_time:.0%}")
    d.metric(f"Overdue on {as_of:%d %b %Y}", figures["overdue"])


def _render_progress(db, user: User, initiative_id: int, frame: pd.DataFrame) -> None:
    """The quick way to record that one milestone moved on."""
    if frame.empty:
        return
    with st.expander("Record progress on one milestone", expanded=False):
        titles = dict(zip(frame["id"], frame["title"], strict=True))
        chosen = st.selectbox(
            "Milestone", list(titles), format_func=titles.get, key=KEY + "progress.which"
        )
        current = frame[frame["id"] == chosen].iloc[0]
        left, right = st.columns(2)
        status = left.selectbox(
            "Status",
            MILESTONE_STATUSES,
            index=MILESTONE_STATUSES.index(current["status"]),
            key=KEY + f"progress.status.{chosen}",
        )
        done_on = right.date_input(
            "Done on (only when done)",
            current["done_date"] if current["status"] == "done" else dt.date.today(),
            key=KEY + f"progress.done.{chosen}",
            disabled=status != "done",
        )
        if st.button("Save progress", key=KEY + "progress.save"):
            edited = frame.copy()
            row = edited.index[edited["id"] == chosen][0]
            edited.loc[row, "status"] = status
            edited.loc[row, "done_date"] = done_on if status == "done" else None
            try:
                save_milestones(db, initiative_id, edited, user=user)
            except ImportRefused as error:
                show_refusal(error)
                return
            confirm(KEY + "progress", f"Saved: {literal(titles[chosen])} is {status}.")
            st.rerun()
        confirmation(KEY + "progress")


def _render_editor(db, user: User, initiative_id: int, frame: pd.DataFrame) -> None:
    partners = partner_names(db, user, initiative_id)
    with st.expander("Edit milestones"):
        st.caption(
            "Add a row at the bottom, change any cell, or delete rows; then save. "
            "Nothing is saved while any row has a problem."
        )
        edited = st.data_editor(
            frame.drop(columns=["id"]).assign(id=frame["id"]),
            num_rows="dynamic",
            hide_index=True,
            key=KEY + "editor",
            column_order=[
                "title",
                "status",
                "due_date",
                "done_date",
                "owner",
                "condition",
                "principle",
                "phase",
                "notes",
            ],
            column_config={
                # Not `required`: the editor would hold back an incomplete row without a word;
                # the check on saving names what is missing, row by row.
                "title": st.column_config.TextColumn("Title", width="large"),
                "status": st.column_config.SelectboxColumn(
                    "Status", options=MILESTONE_STATUSES, required=True, default="planned"
                ),
                "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
                "done_date": st.column_config.DateColumn("Done on", format="YYYY-MM-DD"),
                "owner": st.column_config.SelectboxColumn("Owner", options=partners),
                "condition": st.column_config.SelectboxColumn(
                    "Condition", options=list(CONDITIONS), format_func=CONDITIONS.get
                ),
                "principle": st.column_config.SelectboxColumn(
                    "Principle", options=list(PRINCIPLES), format_func=PRINCIPLES.get
                ),
                "phase": st.column_config.SelectboxColumn(
                    "Phase", options=list(PHASES), format_func=str.capitalize
                ),
                "notes": st.column_config.TextColumn("Notes"),
            },
        )
        if st.button("Save milestones", type="primary", key=KEY + "save"):
            try:
                counts = save_milestones(db, initiative_id, edited, user=user)
            except ImportRefused as error:
                show_refusal(error)
                return
            confirm(
                KEY + "editor",
                f"Saved the milestones: {counts['added']} added, {counts['deleted']} deleted, "
                "the others as shown.",
            )
            st.rerun()
        confirmation(KEY + "editor")


def _render_csv(db, user: User, initiative_id: int, frame: pd.DataFrame, name: str) -> None:
    with st.expander("Import or export as CSV"):
        st.download_button(
            "Download the milestones (CSV)",
            csv_bytes(export_frame(frame)),
            f"{name} milestones.csv",
            "text/csv",
            on_click="ignore",
            key=KEY + "export",
        )
        if not user.has(Permission.MANAGE):
            return
        upload = st.file_uploader(
            "Add milestones from a CSV with the same columns",
            type=["csv", "xlsx"],
            key=KEY + "import",
        )
        if upload is not None and st.button("Add these milestones", key=KEY + "import.go"):
            try:
                added = import_milestones_csv(
                    db, initiative_id, upload.getvalue(), upload.name, user=user
                )
            except (ImportRefused, UnreadableFile) as error:
                show_refusal(error)
                return
            confirm(KEY + "import", f"{added} milestones added from {literal(upload.name)}.")
            st.rerun()
        confirmation(KEY + "import")


def main() -> None:
    db = store()
    user = page_user()
    st.title("Milestones")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    follow_date("as_of", KEY + "as_of", dt.date.today())
    as_of = st.sidebar.date_input("As of", key=KEY + "as_of")
    show("as_of", None if as_of == dt.date.today() else as_of)
    everything = milestones(db, user, initiative_id)
    frame = _filters(everything)
    _render_metrics(frame, as_of)
    phases = initiative_phases(db, user, initiative_id)
    table = (
        frame.assign(
            condition=[scale_label(c) if isinstance(c, str) else "" for c in frame["condition"]],
            principle=[scale_label(p) if isinstance(p, str) else "" for p in frame["principle"]],
        )
        .drop(columns=["id"])
        .reset_index(drop=True)
    )

    st.subheader("Timeline")
    if frame.empty:
        st.info("No milestones match.")
    else:
        chart_with_data(
            charts.milestone_timeline(frame.reset_index(drop=True), as_of, phases),
            table,
            title=f"{name} milestones",
            key=KEY + "timeline",
        )
        st.subheader("Planned and done over time")
        burn = burn_up(frame, as_of)
        chart_with_data(
            charts.burn_up_chart(burn, phases, until=as_of),
            burn,
            title=f"{name} milestone burn-up",
            key=KEY + "burn",
        )
        st.caption(charts.phase_key(phases))
        st.subheader(f"Overdue on {as_of:%d %b %Y}")
        late = overdue(frame, as_of)
        if late.empty:
            st.success("Nothing is overdue.")
        else:
            data_table(
                late.reindex(
                    columns=[
                        c
                        for c in ["title", "owner", "due_date", "days_overdue", "status"]
                        if c in late.columns
                    ]
                ),
                key=KEY + "overdue",
            )
    if user.may(Permission.MANAGE, initiative_id):
        _render_progress(db, user, initiative_id, everything)
        _render_editor(db, user, initiative_id, everything)
    _render_csv(db, user, initiative_id, everything, name)


main()
