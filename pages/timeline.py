"""Timeline: partnership scores, milestones, indicators, what emerged and phases on one time
axis."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.measures.groups import ALL_GROUP
from analytics.measures.indicators import progress_points
from analytics.measures.milestones import milestones
from analytics.measures.outcomes import entries, export_frame, filter_entries
from analytics.measures.phases import current_model, start_phase
from analytics.measures.phases import phases as initiative_phases
from analytics.measures.scoring import initiative_statistics
from analytics.store.schema import ENTRY_KINDS
from analytics.views import charts
from ui.auth import page_user
from ui.components import chart_with_data, data_table, initiative_picker, literal, store


def main() -> None:
    db = store()
    user = page_user()
    st.title("Timeline")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    st.caption(
        "What happened when: the partnership's scores, the milestones delivered, "
        "the outcome indicators and what emerged, over the initiative's phases (shaded)."
    )
    stats = initiative_statistics(db, user, initiative_id)
    indices = stats[(stats["group"] == ALL_GROUP) & (stats["scale_type"] == "index")]
    done = milestones(db, user, initiative_id)
    progress = progress_points(db, user, initiative_id)
    phases = initiative_phases(db, user, initiative_id)
    log = entries(db, user, initiative_id)
    kinds = st.multiselect(
        "What emerged: show",
        ENTRY_KINDS,
        default=list(ENTRY_KINDS),
        key="timeline.kinds",
        help="Outcomes nobody planned and the decisions partners took; an open diamond is an "
        "outcome not yet confirmed.",
    )
    shown = filter_entries(log, kinds=kinds)
    figure = charts.timeline_chart(indices, done, progress, phases, dt.date.today(), shown)
    table = phases.rename(
        columns={
            "phase": "Phase",
            "start_date": "From",
            "end_date": "To",
            "note": "Note",
            "recorded_by": "Recorded by",
        }
    )
    table["Phase"] = table["Phase"].astype(str).str.capitalize()  # as the legend names them
    # An open phase has no end yet: a blank cell, not "None".
    table["To"] = [d.isoformat() if pd.notna(d) else "" for d in table["To"]]
    chart_with_data(figure, table, title=f"{name} phases", key="timeline.chart")
    st.subheader("What emerged")
    if shown.empty:
        st.caption("Nothing to show.")
    else:
        data_table(export_frame(shown), key="timeline.entries")
    if user.may(Permission.MANAGE, initiative_id):
        _render_new_phase(db, user, initiative_id)


def _render_new_phase(db, user: User, initiative_id: int) -> None:
    model = current_model(db, user, initiative_id)
    with st.expander("Start a new phase"), st.form("timeline.phase"):
        phase = st.selectbox(f"Phase ({model.name})", model.phases, key="timeline.phase.name")
        start = st.date_input("From", dt.date.today(), key="timeline.phase.start")
        if st.form_submit_button("Start this phase"):
            try:
                start_phase(db, initiative_id, phase, start, user=user)
            except ImportRefused as error:
                st.error(literal(error))
                return
            st.rerun()


main()
