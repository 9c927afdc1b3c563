"""Portfolio: every initiative the reader may see, side by side; pick one to open it."""

from __future__ import annotations

import streamlit as st

from analytics.views.portfolio import portfolio, portfolio_for_reading
from ui.auth import page_user
from ui.components import store


def _render_table(table) -> None:
    small = {"width": "small"}
    event = st.dataframe(
        portfolio_for_reading(table),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="portfolio.table",
        column_config={
            "initiative": st.column_config.TextColumn("Initiative", pinned=True),
            "collective_impact": st.column_config.TextColumn(
                "CI index", help="Collective Impact index (change since the previous wave)"
            ),
            "collective_impact_real_changes": st.column_config.TextColumn(
                "Real changes", help="Real changes among the five conditions", **small
            ),
            "partnering": st.column_config.TextColumn(
                "Partnering", help="Partnering index (change since the previous wave)"
            ),
            "partnering_real_changes": st.column_config.TextColumn(
                "Real changes ", help="Real changes among the five principles", **small
            ),
            "milestones_on_time": st.column_config.NumberColumn(
                "On time", help="Milestones done on time", format="%.0f%%", **small
            ),
            "indicators_on_track": st.column_config.TextColumn(
                "Indicators", help="Outcome indicators on track, of all", **small
            ),
            "respondents": st.column_config.NumberColumn("Respondents", **small),
            "responding_partners": st.column_config.TextColumn(
                "Partners", help="Partners who responded, of the active partners", **small
            ),
            "latest_wave": st.column_config.TextColumn("Latest wave", **small),
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
