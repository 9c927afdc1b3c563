"""Small rendering helpers that every page uses the same way."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.exports import csv_bytes
from analytics.store import Store, open_store

INITIATIVE_KEY = "initiative"  # shared by every page: the initiative being looked at


@st.cache_resource(show_spinner="Opening the database…")
def store() -> Store:
    """The process's one store (created with demo data on first start)."""
    return open_store()


def initiative_picker(db: Store) -> tuple[int, str] | None:
    """A select box of the initiatives; remembers the choice across pages."""
    initiatives = db.initiatives()
    if initiatives.empty:
        st.info("There are no initiatives in this database yet.")
        return None
    names = initiatives["name"].tolist()
    if st.session_state.get(INITIATIVE_KEY) not in names:
        st.session_state[INITIATIVE_KEY] = names[0]
    name = st.selectbox("Initiative", names, key=INITIATIVE_KEY)
    initiative_id = int(initiatives.loc[initiatives["name"] == name, "id"].iloc[0])
    return initiative_id, name


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def chart_with_data(
    figure: go.Figure, table: pd.DataFrame, *, title: str, key: str, table_height: int | None = None
) -> None:
    """A chart, then its data as a table, then a CSV download of that table."""
    st.plotly_chart(figure, key=f"{key}.chart", config={"displaylogo": False})
    st.dataframe(
        table, hide_index=True, key=f"{key}.table", height=table_height if table_height else "auto"
    )
    st.download_button(
        "Download CSV",
        csv_bytes(table),
        file_name=f"{_slug(title)}.csv",
        mime="text/csv",
        key=f"{key}.download",
        icon=":material/download:",
        on_click="ignore",
    )
