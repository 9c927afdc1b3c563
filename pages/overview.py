"""Overview: both indices and every scale in the latest wave, against the previous one."""

from __future__ import annotations

import math

import streamlit as st

from analytics.instrument import CONDITIONS, INDICES, PRINCIPLES, scale_label
from analytics.measures.phases import phases as initiative_phases
from analytics.measures.suppression import small_group_words
from analytics.views import charts
from analytics.views.overview import (
    Highlights,
    Overview,
    change_table,
    first_wave_words,
    highlights,
    overview,
    trend_table,
)
from ui.auth import page_user
from ui.components import chart_with_data, charts_with_data, initiative_picker, literal, store

BAND_WORDS = {"strength": "Strength", "borderline": "Borderline", "concern": "Concern"}


def _render_card(view: Overview, scale: str) -> None:
    row = view.changes[view.changes["scale"] == scale]
    label = scale_label(scale)
    with st.container(border=True, height="stretch"):
        # The label as markdown wraps long scale names instead of cutting them off.
        st.markdown(f"**{literal(label)}**")
        if row.empty or row["mean"].isna().all():
            st.metric(label, "–", label_visibility="collapsed")
            st.caption("No score in the latest wave")
            return
        r = row.iloc[0]
        change = r["change"]
        has_change = not (change is None or math.isnan(change))
        st.metric(
            label,
            f"{r['mean']:.2f}",
            delta=f"{change:+.2f}" if has_change else None,
            # Blue up, orange down: told apart with every common colour-vision deficiency.
            delta_color=("blue" if change >= 0 else "orange") if has_change else "off",
            label_visibility="collapsed",
        )
        since = f" · change since {literal(r['previous_wave'])}" if has_change else ""
        st.caption(f"{BAND_WORDS.get(r['band'], 'No band')} · n = {r['n']}{since}")


def _render_highlights(marks: Highlights, previous: str | None) -> None:
    badges = st.container(horizontal=True, gap="small")
    with badges:
        for row in marks.real_changes.itertuples():
            up = row.verdict == "improvement"
            st.badge(
                f"{scale_label(row.scale)}: real {row.verdict} ({row.difference:+.2f})",
                icon=":material/trending_up:" if up else ":material/trending_down:",
                color="blue" if up else "orange",
                help=f"Since {literal(previous)}: {row.test} p = {row.p_value:.3f}, adjusted "
                f"for the ten scales tested at once (Benjamini-Hochberg) {row.p_adjusted:.3f}; "
                f"Cohen's d = {row.cohens_d:.2f}, a {row.effect} effect.",
            )
        for row in marks.unreliable.itertuples():
            st.badge(
                f"{scale_label(row.scale)}: unreliable (alpha {row.alpha:.2f})",
                icon=":material/warning:",
                color="gray",
                help="Its statements do not hang together well in this wave; see the scale's page.",
            )
        gap = marks.largest_gap
        if gap is not None:
            # Short enough for a phone's width (a badge does not wrap); the groups in its help.
            st.badge(
                f"Largest perception gap: {scale_label(gap['scale'])}, {gap['gap']:.2f}",
                icon=":material/diversity_3:",
                color="violet",
                help=f"By {gap['breakdown']}: {literal(gap['highest'])} "
                f"{gap['highest_mean']:.2f} (n = {gap['highest_n']}), {literal(gap['lowest'])} "
                f"{gap['lowest_mean']:.2f} (n = {gap['lowest_n']}); the two groups differ "
                f"(Welch's t-test, p = {gap['p_value']:.3f}).",
            )
        if marks.real_changes.empty and marks.unreliable.empty and gap is None:
            st.badge("No real change, reliability warning or large gap", color="gray")
    since_first = first_wave_words(marks.first_changes)
    if since_first:
        st.caption(literal(since_first))  # a sentence with a wave label in it


def _render_cards(view: Overview) -> None:
    st.subheader("Latest wave at a glance")
    *index_columns, note = st.columns([1, 1, 3])
    for column, scale in zip(index_columns, INDICES, strict=True):
        with column:
            _render_card(view, scale)
    note.caption(
        "The **Collective Impact index** is the mean of the five condition scores below; the "
        "**Partnering index** is the mean of the five principle scores. Each card shows the "
        "mean on the 1-5 scale, its change since the previous wave (blue arrow up, orange "
        "arrow down), its band and the number of respondents (n) it rests on."
    )
    for keys in (CONDITIONS, PRINCIPLES):
        for column, scale in zip(st.columns(len(keys)), keys, strict=True):
            with column:
                _render_card(view, scale)


def _render_radars(view: Overview) -> None:
    st.subheader("Conditions and principles, latest against previous wave")
    left, right = st.columns(2, gap="large")
    for column, scale_type in ((left, "condition"), (right, "principle")):
        with column:
            chart_with_data(
                charts.radar(view.changes, scale_type),
                change_table(view.changes, scale_type),
                title=f"{view.name} {scale_type}s latest vs previous",
                key=f"overview.radar.{scale_type}",
            )


def _render_trends(view: Overview, phases) -> None:
    st.subheader("Trends over all waves, with 95% confidence intervals")
    st.caption(
        "Shaded band: the range in which the true mean probably lies (95% confidence). "
        "Dotted lines: the borderline and strength thresholds."
    )
    conditions, principles = st.tabs(["Conditions", "Principles"])
    for tab, scale_type in ((conditions, "condition"), (principles, "principle")):
        with tab:
            st.caption(charts.phase_key(phases))
            charts_with_data(
                charts.trend_panels(view.statistics, scale_type, phases=phases),
                trend_table(view.statistics, scale_type),
                title=f"{view.name} {scale_type} trends",
                key=f"overview.trend.{scale_type}",
                table_height=300,
            )


def main() -> None:
    db = store()
    user = page_user()
    picked = initiative_picker(db, user)
    if picked is None:
        st.title("Overview")
        return
    st.title(f"Overview: {literal(picked[1])}")
    view = overview(db, user, picked[0])
    if view.description:
        st.markdown(literal(view.description))
    if view.latest_wave is None or view.statistics.empty:
        st.info("No survey waves with answers yet. Import a wave to see scores here.")
        return
    compared = f", compared with {literal(view.previous_wave)}" if view.previous_wave else ""
    respondents = view.respondents_in_latest_wave()
    size = (
        f"{respondents} respondents"
        if respondents is not None
        else f"{small_group_words()}: its figures are not shown"
    )
    st.caption(
        f"Latest wave: {literal(view.latest_wave)} ({size}){compared}. "
        "Scores run from 1 (strongly disagree) to 5 (strongly agree)."
    )
    _render_highlights(highlights(db, user, picked[0]), view.previous_wave)
    _render_cards(view)
    _render_radars(view)
    _render_trends(view, initiative_phases(db, user, picked[0]))


main()
