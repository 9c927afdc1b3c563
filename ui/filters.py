"""The sector or role filter of the Conditions, Principles and Participation pages (issue 19):
one group of respondents, or all, kept in the URL (`filter=sector:nonprofit`) like the pages'
other choices, so that a shared link opens the filtered view."""

from __future__ import annotations

import streamlit as st

from analytics.access.permissions import User
from analytics.measures.statistics import FILTER_BREAKDOWNS, filter_groups
from analytics.measures.suppression import small_group_words, suppression_threshold
from analytics.store.connection import Store
from ui.components import literal
from ui.links import follow, show

ALL = "all"  # the filter's first option: every respondent
FILTER_WORDS = {"sector": "Sector", "role": "Role"}


def _option_words(option: str) -> str:
    if option == ALL:
        return "All partners"
    by, _, group = option.partition(":")
    return f"{FILTER_WORDS[by]}: {group}"


def group_filter(db: Store, user: User, initiative_id: int, key: str) -> tuple[str, str] | None:
    """A select box of 'All partners' and each sector and role of the initiative; the chosen
    (breakdown, group), or None for all. The choice lives in the URL as `filter`."""
    options = [ALL] + [
        f"{by}:{group}"
        for by in FILTER_BREAKDOWNS
        for group in filter_groups(db, user, initiative_id, by)
    ]
    follow("filter", key, options, ALL)
    if st.session_state.get(key) not in options:  # another initiative's group
        st.session_state[key] = ALL
    chosen = st.selectbox(
        "Show the answers of",
        options,
        format_func=_option_words,
        key=key,
        help="One sector or role of respondents, or all of them. Every figure of the page is "
        f"then that group's; a group of {small_group_words()} in a wave shows no figure "
        f"(n < {suppression_threshold()}), nor do groups hidden beside it.",
    )
    show("filter", None if chosen == ALL else chosen)
    if chosen == ALL:
        return None
    by, _, group = chosen.partition(":")
    return by, group


def filter_words(chosen: tuple[str, str]) -> str:
    """The filter in words, for markdown: 'sector nonprofit', the group shown literally."""
    by, group = chosen
    return f"{FILTER_WORDS[by].lower()} {literal(group)}"
