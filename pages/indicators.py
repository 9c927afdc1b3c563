"""Outcome indicators: is the population-level curve turning?"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.ingest.reading import UnreadableFile
from analytics.measures.indicators import (
    add_observations,
    define_indicator,
    indicator_statuses,
    observations,
    observations_from_csv,
)
from analytics.measures.phases import phases as initiative_phases
from analytics.views import charts
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

KEY = "indicators."


def _render_indicator(db, user: User, row: pd.Series, phases, name: str) -> None:
    initiative_id = int(row["initiative_id"])
    observed = observations(db, user, initiative_id, int(row["id"]))
    st.markdown(f"#### {literal(row['name'])}")
    table = observed.rename(columns={"observed_on": "Date", "value": row["unit"] or "Value"})
    chart_with_data(
        charts.indicator_chart(row, observed, phases, until=dt.date.today()),
        table,
        title=f"{name} {row['name']}",
        key=f"{KEY}{row['id']}",
    )
    if not user.may(Permission.MANAGE, initiative_id):
        return
    with st.form(f"{KEY}add.{row['id']}", clear_on_submit=True):
        st.caption("Add an observation")
        left, right = st.columns(2)
        day = left.date_input("Date", dt.date.today(), key=f"{KEY}day.{row['id']}")
        value = right.number_input(
            f"Value ({literal(row['unit'])})",
            value=float(row["latest"] or 0),
            key=f"{KEY}value.{row['id']}",
            format="%.2f",
        )
        if st.form_submit_button("Add"):
            try:
                add_observations(db, initiative_id, int(row["id"]), [(day, value)], user=user)
            except ImportRefused as error:
                show_refusal(error)
                return
            confirm(f"{KEY}add.{row['id']}", f"Added {value:,.2f} on {day:%d %b %Y}.")
            st.rerun()
    confirmation(f"{KEY}add.{row['id']}")


def _render_define(db, user: User, initiative_id: int) -> None:
    with st.expander("Define a new indicator"), st.form(KEY + "define"):
        name = st.text_input("Name", key=KEY + "new.name")
        unit = st.text_input("Unit (for example %, per 1,000, households)", key=KEY + "new.unit")
        polarity = st.radio(
            "Better is", ["higher", "lower"], horizontal=True, key=KEY + "new.polarity"
        )
        a, b = st.columns(2)
        baseline_date = a.date_input("Baseline date", key=KEY + "new.bdate")
        baseline_value = b.number_input("Baseline value", key=KEY + "new.bvalue")
        c, d = st.columns(2)
        target_date = c.date_input("Target date", key=KEY + "new.tdate")
        target_value = d.number_input("Target value", key=KEY + "new.tvalue")
        if st.form_submit_button("Save indicator"):
            try:
                define_indicator(
                    db,
                    initiative_id,
                    name=name,
                    unit=unit,
                    polarity=polarity,
                    baseline_date=baseline_date,
                    baseline_value=baseline_value,
                    target_date=target_date,
                    target_value=target_value,
                    user=user,
                )
            except ImportRefused as error:
                show_refusal(error)
                return
            confirm(KEY + "define", f"Saved the indicator {literal(name)}.")
            st.rerun()
    confirmation(KEY + "define")


def _render_csv(db, user: User, initiative_id: int, statuses: pd.DataFrame) -> None:
    with st.expander("Add observations from a CSV (columns observed_on, value)"):
        names = dict(zip(statuses["name"], statuses["id"], strict=True))
        chosen = st.selectbox("Indicator", list(names), key=KEY + "csv.which")
        upload = st.file_uploader("CSV or XLSX", type=["csv", "xlsx"], key=KEY + "csv.file")
        if upload is not None and st.button("Add observations", key=KEY + "csv.go"):
            try:
                rows = observations_from_csv(upload.getvalue(), upload.name)
                added = add_observations(
                    db, initiative_id, int(names[chosen]), rows, user=user, first_row=2
                )
            except (ImportRefused, UnreadableFile) as error:
                show_refusal(error)
                return
            confirm(KEY + "csv", f"{added} observations added to {literal(chosen)}.")
            st.rerun()
        confirmation(KEY + "csv")


def main() -> None:
    db = store()
    user = page_user()
    st.title("Outcome indicators")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    manages = user.may(Permission.MANAGE, initiative_id)
    statuses = indicator_statuses(db, user, initiative_id)
    if statuses.empty:
        st.info("No indicators yet.")
        if manages:
            _render_define(db, user, initiative_id)
        return
    st.caption(
        "On track when the straight-line trend of the observations since the baseline reaches "
        "the target by the target date; at least two observations are needed."
    )
    summary = statuses[
        [
            "name",
            "unit",
            "baseline_value",
            "latest",
            "target_value",
            "target_date",
            "projected",
            "status",
        ]
    ].rename(
        columns={
            "name": "Indicator",
            "unit": "Unit",
            "baseline_value": "Baseline",
            "latest": "Latest",
            "target_value": "Target",
            "target_date": "By",
            "projected": "Trend reaches",
            "status": "Status",
        }
    )
    summary["Trend reaches"] = summary["Trend reaches"].astype(float).round(1)
    data_table(summary, key=KEY + "summary")
    phases = initiative_phases(db, user, initiative_id)
    for _, row in statuses.assign(initiative_id=initiative_id).iterrows():
        _render_indicator(db, user, row, phases, name)
    if manages:
        _render_csv(db, user, initiative_id, statuses)
        _render_define(db, user, initiative_id)


main()
