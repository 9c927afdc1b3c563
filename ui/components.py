"""Small rendering helpers that every page uses the same way."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from analytics import settings
from analytics.access.accounts import has_accounts, initiatives_for
from analytics.access.permissions import User
from analytics.demo.fill import fill_if_new
from analytics.store.connection import Store, StoreError, open_store
from analytics.views.exports import csv_bytes
from analytics.views.tables import readable
from ui.busy import database_busy, render_busy
from ui.links import opened, show

FIRST_ADMIN_COMMAND = "python -m analytics users add LOGIN --role admin"
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def literal(value: object) -> str:
    """Text from a user or a file, for a markdown string: shown as typed, never as markup,
    links, LaTeX or emoji codes."""
    return _MARKUP.sub(r"\\\1", str(value))


INITIATIVE_KEY = "initiative"  # the picker widget
# Streamlit drops a widget's state on a page that does not draw it; the choice lives here too.
_CHOSEN_INITIATIVE = "initiative.chosen"


@st.cache_resource(show_spinner="Opening the database…")
def _open(path: str) -> Store:
    opened = open_store(path)
    if settings.get("COMMON_MEASURE_DEMO"):
        fill_if_new(opened)  # the first start of a new database: the demo, in one transaction
    if not has_accounts(opened):  # once per server start: the console says what to do first
        print(
            f"Common Measure: {path} has no accounts yet. Create the first admin with\n"
            f"    {FIRST_ADMIN_COMMAND} --db {path}",
            file=sys.stderr,
        )
    return opened


ROUTER = Path(__file__).resolve().parent.parent / "app.py"
ROUTING = "router.running"  # set by app.py while it runs, so pages know they came through it


def _through_the_router() -> None:
    """Make sure app.py ran first: it signs the user in and loads them for the page.

    Streamlit starts a new server in its old 'pages/ directory' mode until some script calls
    st.navigation (and AppTest returns to that mode before every run), and in that mode a page
    runs alone, without app.py. Leave that mode and run app.py in this same run, so that what
    the user just did (a click, a form) reaches the widgets app.py draws; then stop the page.
    """
    if not st.session_state.get(ROUTING):
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()


def store() -> Store:
    """The process's one store for the database setting (created with demo data on first
    start). Every page calls it first."""
    _through_the_router()
    path = settings.database_target()
    try:
        opened = _open(path)
    except StoreError as error:  # PostgreSQL out of reach: the host and the reason, in words
        st.error(f"The database cannot be opened: {error}. Try again in a moment.")
        st.stop()
    except duckdb.IOException as error:
        if not database_busy(error):
            raise
        render_busy(lambda: _open(path))
    if opened.closed:  # closed by another user of the file in this process (the CLI, tests)
        _open.clear(path)
        opened = _open(path)
    return opened


def _remember_initiative() -> None:
    st.session_state[_CHOSEN_INITIATIVE] = st.session_state[INITIATIVE_KEY]


def initiative_picker(db: Store, user: User) -> tuple[int, str] | None:
    """A select box of the initiatives `user` may open, in the sidebar; the choice is kept
    across pages and in the URL (`initiative=ID`); a link to another one shows a refusal."""
    initiatives = initiatives_for(db, user)
    if initiatives.empty:
        st.info(
            "There are no initiatives you may open yet."
            if user.role != "admin"
            else "There are no initiatives in this database yet."
        )
        return None
    names = initiatives["name"].tolist()
    linked = opened("initiative")
    if linked is not None:
        match = initiatives.loc[initiatives["id"].astype(str) == linked, "name"]
        if match.empty:  # the same words whether it exists or not: a link tells nothing
            st.error(
                "This link is to an initiative you may not open. "
                "Choose one of yours in the sidebar's menu.",
                icon=":material/block:",
            )
            st.stop()
        st.session_state[_CHOSEN_INITIATIVE] = match.iloc[0]
    if st.session_state.get(_CHOSEN_INITIATIVE) not in names:
        st.session_state[_CHOSEN_INITIATIVE] = names[0]
    st.session_state[INITIATIVE_KEY] = st.session_state[_CHOSEN_INITIATIVE]
    name = st.sidebar.selectbox(
        "Initiative", names, key=INITIATIVE_KEY, on_change=_remember_initiative
    )
    initiative_id = int(initiatives.loc[initiatives["name"] == name, "id"].iloc[0])
    show("initiative", initiative_id)
    return initiative_id, name


def show_refusal(error: Exception, prefix: str = "") -> None:
    """A refused write or unreadable file: the reason, then each problem with its row, column
    and value (file text shown literally)."""
    st.error(f"{prefix}{literal(error)}", icon=":material/block:")
    problems = getattr(error, "problems", [])
    if problems:
        st.dataframe(readable(pd.DataFrame([p.as_dict() for p in problems])), hide_index=True)


def data_table(frame: pd.DataFrame, *, key: str) -> None:
    """A table with headings in words and blank empty cells."""
    st.dataframe(readable(frame), hide_index=True, key=key)


def confirm(key: str, text: str) -> None:
    """Keep what a form saved, to say so next to it after the rerun that shows the change."""
    st.session_state[f"{key}.saved"] = text


def confirmation(key: str) -> None:
    """Say, once, what the form `key` saved (its `confirm`), where the form is."""
    text = st.session_state.pop(f"{key}.saved", None)
    if text:
        st.success(text, icon=":material/check_circle:")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def charts_with_data(
    figures: list[go.Figure],
    table: pd.DataFrame,
    *,
    title: str,
    key: str,
    per_row: int = 3,
    table_height: int | None = None,
) -> None:
    """Small charts side by side, `per_row` a row (on a phone they stack, in order), then
    their data as one table and its CSV download."""
    for start in range(0, len(figures), per_row):
        for column, (n, figure) in zip(
            st.columns(per_row), enumerate(figures[start : start + per_row], start), strict=False
        ):
            config = {
                "displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": f"{_slug(title)}-{n + 1}"},
            }
            column.plotly_chart(figure, key=f"{key}.chart.{n}", config=config)
    _table_and_download(table, title=title, key=key, table_height=table_height)


def chart_with_data(
    figure: go.Figure,
    table: pd.DataFrame,
    *,
    title: str,
    key: str,
    table_height: int | None = None,
    select: bool = False,
) -> list[dict]:
    """A chart, then its data as a table, then a CSV download of that table. With `select`,
    a click on a point reruns the page and the points chosen are returned (their
    `customdata` included) for the page to act on; otherwise none are."""
    # Plotly's own camera button saves the chart as a PNG in the reader's browser (the server
    # has no browser to draw one); the table and its CSV below are the chart's data.
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": _slug(title), "scale": 2},
    }
    if select:
        event = st.plotly_chart(
            figure,
            key=f"{key}.chart",
            config=config,
            on_select="rerun",
            selection_mode="points",
        )
    else:
        event = st.plotly_chart(figure, key=f"{key}.chart", config=config)
    _table_and_download(table, title=title, key=key, table_height=table_height)
    selection = getattr(event, "selection", None) if select else None
    return list(selection.get("points", [])) if selection else []


def _table_and_download(
    table: pd.DataFrame, *, title: str, key: str, table_height: int | None
) -> None:
    table = readable(table)
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
