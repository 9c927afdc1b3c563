"""Participation: who took part in each wave, the sector mix, and whom to follow up."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission
from analytics.measures.phases import phases as initiative_phases
from analytics.measures.statistics import (
    non_responding_partners,
    participation,
    participation_by_sector,
)
from analytics.measures.suppression import HIDDEN_WORDS, small_group_words
from analytics.views import charts
from analytics.views.exports import csv_bytes
from ui.auth import page_user
from ui.components import chart_with_data, data_table, initiative_picker, literal, store
from ui.filters import filter_words, group_filter

KEY = "participation."


def main() -> None:
    db = store()
    user = page_user()
    st.title("Participation")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    chosen = group_filter(db, user, initiative_id, KEY + "filter")
    by, group = chosen if chosen else (None, None)
    table = participation(db, user, initiative_id, by, group)
    if table.empty:
        st.info("No survey waves yet.")
        return
    latest = table.iloc[-1]
    if chosen:
        st.info(
            f"Every figure below is of the respondents of {filter_words(chosen)} only"
            + (
                " and of the partners of that sector."
                if by == "sector"
                else ", and of the partners they answered for."
            ),
            icon=":material/filter_alt:",
        )
    if pd.isna(latest["respondents"]):
        st.caption(
            f"In {literal(latest['wave'])}, the respondents of this group are {HIDDEN_WORDS} "
            f"({small_group_words()}, or hidden beside such a group)."
        )
    else:
        st.caption(
            f"In {literal(latest['wave'])}, {latest['respondents']} people answered for "
            f"{latest['responding_partners']} of the {latest['active_partners']} partners "
            "active when the wave opened."
        )

    phases = initiative_phases(db, user, initiative_id)
    st.subheader("Respondents and responding partners")
    shown = table.rename(
        columns={
            "wave": "Wave",
            "opened_on": "Opened",
            "respondents": "Respondents",
            "responding_partners": "Responding partners",
            "active_partners": "Active partners",
            "response_rate": "Partners responding (%)",
            "evenness_responding": "Evenness, responding",
            "evenness_active": "Evenness, active",
            "sectors_responding": "Sectors responding",
            "sectors_active": "Sectors active",
        }
    )
    shown["Partners responding (%)"] = (shown["Partners responding (%)"].astype(float) * 100).round(
        1
    )
    shown["Opened"] = shown["Opened"].dt.date
    for column in ("Evenness, responding", "Evenness, active"):
        shown[column] = shown[column].astype(float).round(2)
    hidden = table["respondents"].isna()
    if by is not None and hidden.any():
        # A hidden group says so in the one wording of suppression, never a number.
        shown.insert(2, "Why hidden", [HIDDEN_WORDS if h else "" for h in hidden])
    if by == "sector":  # one sector has no mix to be even
        shown = shown.drop(
            columns=[
                "Evenness, responding",
                "Evenness, active",
                "Sectors responding",
                "Sectors active",
            ]
        )
    chart_with_data(
        charts.participation_chart(table, phases),
        shown,
        title=f"{name} participation",
        key="participation.waves",
    )
    st.caption(charts.phase_key(phases))

    st.subheader("Sector mix of the partnership" if by != "sector" else "Partners of the sector")
    if by != "sector":
        st.caption(
            "Evenness runs from 0 (all partners from one sector) to 1 (the sectors present are "
            "equally represented): Shannon's diversity H divided by its largest possible value."
        )
    by_sector = participation_by_sector(db, user, initiative_id, by, group)
    pivot = by_sector.pivot_table(
        index="wave", columns="sector", values="active_partners", aggfunc="sum", sort=False
    ).reset_index()
    chart_with_data(
        charts.sector_mix_chart(by_sector, table, phases),
        pivot,
        title=f"{name} sector mix",
        key="participation.sectors",
    )
    st.caption(charts.phase_key(phases))

    if not user.has(Permission.VIEW_DETAIL):
        return  # which partners did not answer is not for funders
    st.subheader(f"Partners with no respondent in {literal(latest['wave'])}")
    missing = non_responding_partners(db, user, initiative_id, by, group)
    if missing.empty:
        st.success("Every active partner took part.")
        return
    st.caption("For follow-up by the backbone team before the next wave.")
    missing["joined_on"] = missing["joined_on"].dt.date
    chart_table = missing.rename(
        columns={
            "partner": "Partner",
            "sector": "Sector",
            "joined_on": "Joined",
            "last_responded": "Last took part",
        }
    )
    data_table(chart_table, key="participation.missing")
    st.download_button(
        "Download CSV",
        csv_bytes(chart_table),
        file_name="partners-to-follow-up.csv",
        mime="text/csv",
        on_click="ignore",
        key="participation.missing.csv",
    )


main()
