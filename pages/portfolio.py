"""Portfolio: every initiative the reader may see, side by side; pick one to open it."""

from __future__ import annotations

import streamlit as st

from analytics.views.portfolio import portfolio
from ui.auth import page_user
from ui.components import store


def _render_table(table) -> None:
    shown = table.assign(milestones_on_time=table["milestones_on_time"] * 100)
    event = st.dataframe(
        shown.drop(columns=["initiative_id"]),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="portfolio.table",
        column_config={
            "initiative": st.column_config.TextColumn("Initiative", pinned=True),
            "collective_impact": st.column_config.NumberColumn(
                "CI index", format="%.2f", width="small"
            ),
            "collective_impact_change": st.column_config.NumberColumn(
                "Change", format="%+.2f", width="small"
            ),
            "collective_impact_real_changes": st.column_config.TextColumn(
                "Real changes (conditions)", width="medium"
            ),
            "partnering": st.column_config.NumberColumn(
                "Partnering index", format="%.2f", width="small"
            ),
            "partnering_change": st.column_config.NumberColumn(
                "Change ", format="%+.2f", width="small"
            ),
            "partnering_real_changes": st.column_config.TextColumn(
                "Real changes (principles)", width="medium"
            ),
            "milestones_on_time": st.column_config.NumberColumn(
                "Milestones on time", format="%.0f%%"
            ),
            "indicators_on_track": st.column_config.NumberColumn(
                "Indicators on track", width="small"
            ),
            "indicators": st.column_config.NumberColumn("of", width="small"),
            "respondents": st.column_config.NumberColumn("Respondents", width="small"),
            "responding_partners": st.column_config.NumberColumn(
                "Responding partners", width="small"
            ),
            "active_partners": st.column_config.NumberColumn("of active", width="small"),
            "latest_wave": st.column_config.TextColumn("Latest wave", width="small"),
            "latest_wave_opened": st.column_config.DateColumn(
                "Opened", format="D MMM YYYY", width="small"
            ),
        },
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        st.session_state["initiative.chosen"] = str(table["initiative"].iloc[rows[0]])
        st.switch_page("pages/overview.py")


db = store()
user = page_user()
st.title("Portfolio")
st.caption(
    "Every initiative you may see, side by side. Sort by any column; select a row to open "
    "its overview. Real changes: scales whose change since the previous wave is significant "
    "after allowing for the ten scales tested at once (adjusted p < 0.05) and large enough to "
    "matter (see About)."
)
table = portfolio(db, user)
if table.empty:
    st.info("There are no initiatives for you to see yet.")
else:
    _render_table(table)
