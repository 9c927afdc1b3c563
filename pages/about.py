"""About and method: what the scores mean, in plain language, and the instrument's items."""

from __future__ import annotations

import streamlit as st

from analytics import settings
from analytics.instrument import scale_label
from ui.components import initiative_picker, store


def _render_method() -> None:
    strength = settings.get("COMMON_MEASURE_BAND_STRENGTH")
    borderline = settings.get("COMMON_MEASURE_BAND_BORDERLINE")
    min_n = settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N")
    st.markdown(
        f"""
Common Measure follows a Collective Impact initiative through repeated partner surveys.
Each survey item is a statement that partners rate from **1 (strongly disagree)** to
**5 (strongly agree)**. Items are grouped into the five **conditions** of Collective Impact
and the five **partnering principles**.

- **Missing is not wrong.** Blank, N/A, "don't know", "not sure" and "prefer not to say" are
  left out of every figure. Anything else that is not an answer on the scale is reported as a
  problem, never guessed at.
- **Negatively worded items** ("I hear about developments too late…") are turned round
  (5 becomes 1) so that a higher score is always better.
- **A partner's score** on a scale is the average of their answers to its items, counted only
  when they answered at least half of the items.
- **The scale's score** in a wave is the average of the partners' scores, with the number of
  people it rests on (n) and a **95% confidence interval**: the range in which the true average
  probably lies. Small groups have wide intervals.
- **% favourable** is the share of answers that were "agree" or "strongly agree".
- **Bands:** {strength:.1f} and above is a *strength*, {borderline:.1f} to below
  {strength:.1f} is *borderline*, below {borderline:.1f} is a *concern*.
- **The Collective Impact index** is the average of the five condition scores; the
  **Partnering index** is the average of the five principle scores. Each is shown only when all
  five of its scales have a score.
- **Privacy:** any group of fewer than {min_n} respondents is marked as small; funders and
  exports never see a figure for it.
"""
    )


def main() -> None:
    db = store()
    st.title("About and method")
    _render_method()
    st.subheader("The survey items")
    picked = initiative_picker(db)
    if picked is None:
        return
    items = db.instrument_items(picked[0])
    items = items.assign(
        condition=[scale_label(c) if isinstance(c, str) else "" for c in items["condition"]],
        principle=[scale_label(p) if isinstance(p, str) else "" for p in items["principle"]],
        reverse=["yes" if r else "" for r in items["reverse"]],
    ).rename(
        columns={
            "item_id": "Item",
            "text": "Statement",
            "condition": "Condition",
            "principle": "Principle",
            "reverse": "Reverse-coded",
        }
    )
    st.table(items, hide_index=True, border="horizontal")


main()
