"""The Conditions and Principles pages: one renderer, for either family of scales."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.ingest.commit import initiative_comments
from analytics.instrument import SCALE_TYPES
from analytics.measures.phases import phases as initiative_phases
from analytics.measures.statistics import filter_groups
from analytics.measures.suppression import (
    HIDDEN_WORDS,
    small_group_words,
    suppression_threshold,
)
from analytics.views import charts
from analytics.views.scale_view import (
    clicked_cell,
    distribution,
    distribution_table,
    drillable,
    gaps_for,
    group_distribution,
    heatmap_table,
    reliability_words,
    scale_view,
    trend_table,
)
from ui.auth import page_user
from ui.components import chart_with_data, data_table, initiative_picker, literal, store
from ui.filters import FILTER_WORDS, filter_words, group_filter
from ui.links import follow, opened, show

BREAKDOWN_WORDS = FILTER_WORDS  # the heatmap compares by the breakdowns a page filters by


def render(scale_type: str) -> None:
    db = store()
    user = page_user()
    family = SCALE_TYPES[scale_type]
    st.title(f"{scale_type.capitalize()}s")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    key = f"{scale_type}s."
    _take_heatmap_click(scale_type, key)
    _follow_drill(db, user, initiative_id, key)
    follow("scale", key + "scale", list(family))
    left, right = st.columns(2)
    scale = left.selectbox(
        scale_type.capitalize(), list(family), format_func=family.get, key=key + "scale"
    )
    show("scale", scale)
    with right:
        chosen = group_filter(db, user, initiative_id, key + "filter")
    by, group = chosen if chosen else (None, None)
    view = scale_view(db, user, initiative_id, scale_type, scale, by, group)
    if not view.waves:
        st.info("No survey waves yet.")
        return
    if chosen:
        st.info(
            f"Every figure below is of the respondents of {filter_words(chosen)} only. "
            f"Where they are {small_group_words()} in a wave, or hidden beside a group that "
            f"small, that wave shows no figure: {HIDDEN_WORDS}.",
            icon=":material/filter_alt:",
        )
    st.markdown(view.description())
    turned = " *(negatively worded: turned round)*"
    lines = [f"- {literal(i.text)}{turned if i.reverse else ''}" for i in view.items.itertuples()]
    st.markdown("\n".join(lines))

    clicked = _render_trend(view, name, initiative_phases(db, user, initiative_id))
    _render_reliability(view)
    follow("wave", key + "wave", view.waves)
    if st.session_state.get(key + "wave") not in view.waves:  # first visit, or another initiative
        st.session_state[key + "wave"] = view.waves[-1]
    # A click on a trend point chooses its wave, once: the slider may move on from it.
    if clicked is not None and clicked != st.session_state.get(key + "clicked"):
        st.session_state[key + "wave"] = clicked
    st.session_state[key + "clicked"] = clicked
    wave = st.select_slider("Wave", view.waves, key=key + "wave")
    show("wave", wave)
    _render_distribution(db, user, view, initiative_id, wave, name)
    if chosen:
        st.subheader(f"Do groups see it differently? ({literal(wave)})")
        st.caption(
            "Groups are compared across all respondents: choose All partners above to see "
            "every sector and role side by side, and to open one group's statements."
        )
        show("drill", None)
    else:
        _render_groups(db, user, view, initiative_id, wave, name, key)
    if user.has(Permission.VIEW_DETAIL):  # open text: never for a funder
        _render_comments(db, user, view, initiative_id, wave, key)


def _heatmap_key(scale_type: str) -> str:
    return f"scale.heatmap.{scale_type}"


def _take_heatmap_click(scale_type: str, key: str) -> None:
    """A click on a cell of the group heatmap (last run's selection) opens that group, once,
    and chooses its scale, before the scale's selectbox is drawn."""
    event = st.session_state.get(_heatmap_key(scale_type) + ".chart")
    selection = getattr(event, "selection", None) or {}
    cell = clicked_cell(list(selection.get("points", [])), scale_type)
    if cell is not None and cell != st.session_state.get(key + "cell"):
        group, scale = cell
        st.session_state[key + "group"] = (st.session_state.get(key + "by"), group)
        st.session_state[key + "scale"] = scale
    st.session_state[key + "cell"] = cell


def _follow_drill(db, user: User, initiative_id: int, key: str) -> None:
    """A link that names a drilled-down group (`drill=sector:nonprofit`, its scale in
    `scale`) opens it, once; a group the breakdown does not list is ignored."""
    raw = opened("drill")
    if raw is None:
        return
    by, _, group = raw.partition(":")
    if by in BREAKDOWN_WORDS and group in filter_groups(db, user, initiative_id, by):
        st.session_state[key + "group"] = (by, group)
        st.session_state[key + "by"] = by


def _render_trend(view, name: str, phases) -> str | None:
    st.subheader(f"{view.label} over time")
    real = view.changes[view.changes["verdict"] != "no clear change"]
    if real.empty:
        st.caption(
            "No change between two waves is both clear to the test (adjusted p < 0.05) "
            "and large enough to matter."
        )
    else:
        st.caption(
            "Triangles mark changes from the wave before that are real (Welch's t-test, "
            "adjusted p < 0.05 across the ten scales, and at least the minimal important "
            "difference): blue up for an improvement, orange-red down for a decline."
        )
    own = view.trend[(view.trend["scale"] == view.scale)]
    if view.by is not None and own["mean"].isna().all():  # nothing but hidden waves to draw
        st.info(
            f"The {literal(view.label)} scores of {filter_words((view.by, view.group))} are "
            f"{HIDDEN_WORDS} in every wave.",
            icon=":material/visibility_off:",
        )
        data_table(trend_table(view), key=f"scale.trend.{view.scale}.hidden")
        return None
    points = chart_with_data(
        charts.scale_trend(view.trend, view.scale, view.changes, phases=phases),
        trend_table(view),
        title=f"{name} {view.label} trend",
        key=f"scale.trend.{view.scale}",
        select=True,
    )
    st.caption("Click a point of the trend to see that wave's answers and groups below.")
    return _clicked_wave(points, view.waves)


def _clicked_wave(points: list[dict], waves: list[str]) -> str | None:
    """The wave of the trend point just clicked (the mean's points carry it first in their
    customdata), or None."""
    for point in points:
        data = point.get("customdata") or []
        if data and data[0] in waves:
            return str(data[0])
    return None


def _render_reliability(view) -> None:
    latest = view.latest_reliability()
    st.subheader("Can the score be trusted?")
    hidden = view.reliability.get("suppressed", pd.Series([False])).astype(bool)
    if latest is None and hidden.all():  # a filtered group hidden in every wave
        st.info(
            f"The reliability of this group's answers is {HIDDEN_WORDS} in every wave.",
            icon=":material/visibility_off:",
        )
        return
    if latest is None:
        st.info(reliability_words(None, 0))
        return
    words = reliability_words(
        latest["alpha"], int(latest["complete_cases"]), latest["alpha_low"], latest["alpha_high"]
    )
    trusted = latest["reliability"] == "reliable"
    (st.success if trusted else st.warning)(f"{literal(latest['wave'])}: {words}")
    columns = ["wave", "items", "complete_cases", "alpha", "alpha_low", "alpha_high", "reliability"]
    table = view.reliability[columns].rename(
        columns={
            "wave": "Wave",
            "items": "Statements",
            "complete_cases": "Complete answers",
            "alpha": "Cronbach's alpha",
            "alpha_low": "95% interval low",
            "alpha_high": "95% interval high",
            "reliability": "Reads as",
        }
    )
    for column in ("Cronbach's alpha", "95% interval low", "95% interval high"):
        table[column] = table[column].astype(float).round(2)
    if "suppressed" in view.reliability.columns:  # a filtered group: hidden where it is
        hidden = view.reliability["suppressed"].astype(bool)
        table["Reads as"] = table["Reads as"].astype(object).where(~hidden, HIDDEN_WORDS)
    table["Reads as"] = table["Reads as"].fillna("")
    with st.expander("Reliability in every wave"):
        st.dataframe(table, hide_index=True)


def _render_distribution(db, user: User, view, initiative_id: int, wave: str, name: str) -> None:
    st.subheader(f"How partners answered in {literal(wave)}")
    frame = distribution(db, user, view, initiative_id, wave)
    if frame.empty and view.by is not None:
        st.info(
            f"The answers of {filter_words((view.by, view.group))} in {literal(wave)} are "
            f"{HIDDEN_WORDS} (groups of {small_group_words()}, and those hidden beside them).",
            icon=":material/visibility_off:",
        )
        return
    if frame.empty:
        st.info("No answers to these statements in this wave.")
        return
    st.caption(
        "Each bar is one statement: disagreement to the left of the centre line, "
        "agreement to the right, the neutral answer split across it."
    )
    chart_with_data(
        charts.likert_bars(frame),
        distribution_table(frame),
        title=f"{name} {view.label} answers {wave}",
        key=f"scale.likert.{view.scale}",
    )


def _render_groups(
    db, user: User, view, initiative_id: int, wave: str, name: str, key: str
) -> None:
    st.subheader(f"Do groups see it differently? ({literal(wave)})")
    follow("by", key + "by", list(BREAKDOWN_WORDS))
    by = st.radio(
        "Compare by",
        list(BREAKDOWN_WORDS),
        format_func=BREAKDOWN_WORDS.get,
        horizontal=True,
        key=key + "by",
    )
    show("by", by)
    min_n = suppression_threshold()
    gaps = gaps_for(db, user, initiative_id, view.scale, wave)
    gap = gaps[gaps["breakdown"] == by]
    if not gap.empty:
        row = gap.iloc[0]
        message = (
            f"Perception gap on {view.label}: {row['gap']:.2f} between "
            f"{literal(row['highest'])} ({row['highest_mean']:.2f}, n = {row['highest_n']}) and "
            f"{literal(row['lowest'])} ({row['lowest_mean']:.2f}, n = {row['lowest_n']})."
        )
        if row["flagged"]:
            st.warning(
                message + " That is a large gap, and the two groups differ (Welch's t-test, "
                f"p = {row['p_value']:.3f}): worth a conversation.",
                icon=":material/diversity_3:",
            )
        else:
            st.caption(message)
    st.caption(
        f"Groups of {small_group_words(min_n)} show no figure (n < {min_n}); beside them "
        f"the next smallest are hidden too, until the hidden groups hold {min_n} or more "
        "together, so that no group's figure can be worked out from the total."
    )
    table = heatmap_table(db, user, initiative_id, view.scale_type, by, wave)
    shown = table.rename(
        columns={
            "group": BREAKDOWN_WORDS[by],
            "scale": "Scale",
            "n": "Respondents",
            "mean": "Mean",
            "suppressed": "Hidden",
            "suppression": "Why hidden",
        }
    )
    shown["Mean"] = shown["Mean"].map(lambda v: None if v is None else round(float(v), 2))
    shown["Why hidden"] = shown["Why hidden"].fillna("")
    cells = drillable(table, view.scale_type)
    chart_with_data(
        charts.group_heatmap(table, min_n, cells),
        shown,
        title=f"{name} {view.scale_type}s by {by} {wave}",
        key=_heatmap_key(view.scale_type),
        select=True,
    )
    st.caption("Click a cell to see how that group answered each statement of its scale.")
    chosen = st.session_state.get(key + "group")
    if chosen is None or chosen[0] != by:
        show("drill", None)
        return
    group = chosen[1]
    show("drill", f"{by}:{group}")  # a reload or a shared link reopens it
    if not (cells["group"] == group).any():
        st.info(f"{literal(group)} shows no figures in {literal(wave)}: too few answered.")
    else:
        _render_group_distribution(db, user, view, initiative_id, wave, name, by, group)
    st.button("Back to all partners", key=key + "clear", on_click=_clear_group, args=(key,))


def _clear_group(key: str) -> None:
    st.session_state.pop(key + "group", None)


def _render_group_distribution(
    db, user: User, view, initiative_id: int, wave: str, name: str, by: str, group: str
) -> None:
    st.subheader(f"How {literal(group)} answered in {literal(wave)}")
    frame = group_distribution(db, user, view, initiative_id, wave, by, group)
    if frame.empty:
        st.info(f"No answers of {literal(group)} to these statements can be shown in this wave.")
        return
    chart_with_data(
        charts.likert_bars(frame),
        distribution_table(frame),
        title=f"{name} {view.label} answers {group} {wave}",
        key=f"scale.group_likert.{view.scale}",
    )


def _render_comments(db, user: User, view, initiative_id: int, wave: str, key: str) -> None:
    """The open-text comments of the wave, searchable (backbones, brokers, admins only: the
    caller checks, and initiative_comments refuses a funder too). Shown as data, never as
    markup."""
    by, group = view.by, view.group
    with st.expander(f"Comments in {literal(wave)}", icon=":material/chat:"):
        search = st.text_input("Search the comments", key=key + "comments.search")
        found = initiative_comments(
            db,
            user,
            initiative_id,
            search,
            wave=wave,
            sector=group if by == "sector" else None,
            role=group if by == "role" else None,
        )
        if found.empty:
            st.caption("No comment" + (" contains that" if search.strip() else "") + ".")
            return
        st.caption(
            f"{len(found):,} comment(s) of this wave's respondents"
            + (" of the group chosen above" if group else "")
            + ". Open-text answers are never shown to funders."
        )
        st.dataframe(
            found.drop(columns="wave")
            .fillna("")
            .rename(
                columns={
                    "organisation": "Organisation",
                    "sector": "Sector",
                    "role": "Role",
                    "question": "Question",
                    "text": "Comment",
                }
            ),
            hide_index=True,
            key=key + "comments.table",
        )
