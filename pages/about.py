"""About and method: what the scores mean, in plain language, and the instrument's items."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.access.permissions import User
from analytics.ingest.commit import instrument_items
from analytics.instrument import scale_label
from analytics.measures.phases import phase_models
from analytics.measures.scoring import Bands
from analytics.measures.statistics import (
    gap_flag,
    min_important_difference,
    reliability_threshold,
)
from analytics.measures.suppression import HIDDEN_WORDS, suppression_threshold
from ui.auth import page_user
from ui.components import initiative_picker, literal, store


def _render_method() -> None:
    bands = Bands.from_settings()
    strength, borderline = bands.strength, bands.borderline
    min_n = suppression_threshold()
    alpha = reliability_threshold()
    gap = gap_flag()
    mid = min_important_difference()
    st.markdown(
        f"""
Common Measure follows a Collective Impact initiative through repeated partner surveys.
Each survey item is a statement that partners rate from **1 (strongly disagree)** to
**5 (strongly agree)**. Items are grouped into the five **conditions** of Collective Impact
and the five **partnering principles**.

#### Scores
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

#### Is it real, can it be trusted, do groups agree?
- **Real change.** A score always moves a little from one wave to the next by chance. A change
  is called an *improvement* or a *decline* only when both hold: a statistical test (Welch's
  t-test) says a change that large would happen by chance less than 1 time in 20, after
  allowing for the ten scales being tested at once (the Benjamini-Hochberg adjustment, so that
  testing many scales does not turn up changes by luck: adjusted p < 0.05); and the change is
  at least **{mid:.1f} points** on the 1-5 scale, the smallest change worth acting on.
  Otherwise it is *no clear change*. The size of the change is also given as Cohen's d in
  words: *negligible* below 0.2, *small*, *medium* from 0.5, *large* from 0.8.
- **Reliability.** The statements of one scale should move together: someone who agrees with
  one tends to agree with the others. Cronbach's alpha measures this from the partners who
  answered all of a scale's statements (at least 3 of them are needed), with a 95% interval
  (Feldt's) for the chance in it. A scale is *unreliable* only when the whole interval is
  below {alpha:.2f}: its statements may be read differently, so look at them one by one. When
  the interval straddles {alpha:.2f} it is *uncertain*: too few answers to be sure. A negative
  alpha means the statements pull against each other, usually a negatively worded statement
  not turned round: *check the reverse-coded statements*.
- **Perception gaps.** Within a wave, the highest group's score minus the lowest's, by
  sector or role, among groups large enough to show, with both groups' sizes. A gap is flagged
  when it is {gap:.1f} or more and a test (Welch's t-test, p < 0.05) says the two groups
  really differ: a large gap between two small groups can be chance.
- **Participation.** Respondents per wave, the partners who responded out of those active
  when the wave opened, and the **evenness** of the partners' sector mix (Shannon's H divided
  by its largest possible value): 1 when every sector present is equally represented.

#### Privacy
- Any group of fewer than **{min_n} respondents** shows no figure (funders and exports never
  see one), and a funder does not see how many people a hidden group has.
- **No working it out from the total.** In every breakdown, if any group is hidden, the next
  smallest groups are hidden too, until the hidden groups together hold at least {min_n}
  respondents. Taking the shown groups away from the total then gives only the average of
  several groups together, never one group's. Every hidden group says the same thing,
  "{HIDDEN_WORDS}", so you cannot tell which one was small.
- **No working it out from an index.** A group's Collective Impact or Partnering index is
  hidden wherever any of its five scores is hidden, since the index and four scores would give
  the fifth.
- **No working it out by putting breakdowns side by side.** The sector and role breakdowns of
  a wave are checked together: if a sector and a role (or groups of them) overlap so that
  taking one from the other would leave fewer than {min_n} people, more groups are hidden.
- The same rules hold on every page, in the report and in every download.
"""
    )


def _render_brokering() -> None:
    st.subheader("The broker's view: phases, health checks, what emerged")
    st.markdown(
        """
Collective Impact gives an initiative its *why* and *what* (the five conditions); partnership
brokering is the *how*: a go-between who builds and strengthens the partnership throughout its
life cycle, serving and leading as its needs change.

- **Phase models.** An initiative is told in one of three models, chosen by its backbone;
  changing model keeps the history of every model, each shown in its own. Every chart over time
  shades the current model's phases.
- **Health check.** At any time, not only in survey waves, the broker (alone or with a partners'
  meeting) rates each partnering principle and the current stage's key questions red, amber or
  green, with a sentence and a next step. A check *disagrees* with the latest survey when it says
  amber or red where the survey's band is *strength*, or green where it is *concern*: worth
  raising with partners, not a verdict on either.
- **What emerged.** Outcomes nobody planned, after outcome harvesting's questions (what changed,
  for whom, when and where; why it matters; how the initiative contributed; who can confirm it),
  and decisions ("we noticed..., we decided..."), tagged to conditions, principles and the phase.
- **What funders see.** Confirmed outcomes only, without the names of people (who can confirm
  them, who recorded them; an entry that names people is left out), and the health checks'
  ratings of the principles without what was said. A backbone may mark an entry *shareable*:
  funders then see it whole.
"""
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Model": model.name,
                    "Stage": stage.name,
                    "Phases": ", ".join(stage.phases),
                    "What it asks of the broker": stage.asks,
                }
                for model in phase_models().values()
                for stage in model.stages
            ]
        ),
        hide_index=True,
        key="about.phase_models",
    )
    st.markdown("**Sources**")
    for model in phase_models().values():
        st.markdown(f"- {literal(model.name)}: {literal(model.source)}.")
    st.markdown(
        "- "
        + literal(
            "Partnership Brokers Association, What is a partnership broker? and Brokering "
            "(partnershipbrokers.org/w/brokering/): the broker as an active go-between who "
            "serves and leads as the partnership's needs change over its life cycle."
        )
    )
    st.markdown(
        "- "
        + literal(
            "The Partnering Initiative, The Partnering Cycle and Partnering Principles "
            "(archive.thepartneringinitiative.org/the-partnering-cycle-and-partnering-principles/)."
        )
    )
    st.markdown(
        "- "
        + literal(
            "Kauffman Foundation, Collective Impact Toolkit (kauffman.org/collective-impact-"
            "toolkit), summarising the Collective Impact Forum's five phases."
        )
    )
    st.markdown(
        "- "
        + literal(
            "R. Wilson-Grau and H. Britt, Outcome Harvesting (Ford Foundation, 2012; revised "
            "2013): the questions of an outcome description."
        )
    )


def _render_settings(user: User) -> None:
    st.subheader("Settings")
    st.caption("Set each as an environment variable or a top-level key of .streamlit/secrets.toml.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Setting": s.name,
                    "Value now": settings.shown(s.name)
                    if user.role == "admin" or s.name not in settings.SERVER_ONLY
                    else "(set on the server)",
                    "Default": str(s.default),
                    "What it does": s.help,
                }
                for s in settings.SETTINGS.values()
            ]
        ),
        hide_index=True,
    )


def main() -> None:
    db = store()
    user = page_user()
    st.title("About and method")
    _render_method()
    _render_brokering()
    _render_settings(user)
    st.subheader("The survey items")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    items = instrument_items(db, user, picked[0])
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
