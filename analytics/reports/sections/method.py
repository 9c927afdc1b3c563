"""The method section of the report: how scores, bands and real changes are worked out, and the
suppression rule that applies to this reader."""

from __future__ import annotations

from analytics.measures.statistics import min_important_difference
from analytics.reports.content import HIDDEN, Section
from analytics.reports.context import HEADLINE_MIN_N, ReportContext


def section(ctx: ReportContext) -> Section:
    bands = ctx.bands
    paragraphs = [
        "Answers run from 1 (strongly disagree) to 5 (strongly agree); reverse-worded "
        "statements count as 6 minus the answer. A respondent's scale score is the mean of "
        "their answers to its statements when they answered at least half of them. A scale's "
        "mean is the mean of those scores; its 95% confidence interval comes from the t "
        "distribution; % favourable is the share of answers that are 4 or 5.",
        f"Bands: {bands.strength:.1f} or more is a strength, {bands.borderline:.1f} to below "
        f"{bands.strength:.1f} borderline, below {bands.borderline:.1f} a concern. The "
        "Collective Impact index is the mean of the five condition means, the Partnering "
        "index the mean of the five principle means.",
        "A change between two waves (the latest against the previous wave, and against the "
        "first) is an improvement or a decline only when its p-value, adjusted for the false "
        "discovery rate across the scales of the comparison (Benjamini-Hochberg), is under "
        f"0.05 and the change is at least {min_important_difference():.2f} points; otherwise "
        "it is 'no clear change'. People who answered both waves are matched by their "
        "respondent key and tested with the partially overlapping samples t-test (Derrick et "
        "al., 2017); Welch's t-test when too few are matched. Effect sizes (Cohen's d) are "
        "named small (0.2), medium (0.5) and large (0.8). The indices have no test of their "
        "own: read their change with the real changes of their scales. The summary's headline "
        f"figures rest on at least {HEADLINE_MIN_N} respondents.",
    ]
    if ctx.user.aggregated_only:
        rule = (
            f"Suppression for this reader ({ctx.user.role}): no figure and no size is shown "
            f"for a group of fewer than {ctx.min_n} respondents (marked '{HIDDEN}'); in a "
            "breakdown, more groups are hidden beside a small one until the hidden groups hold "
            f"at least {ctx.min_n} respondents together, and an index is hidden wherever one "
            "of its scales is, so that no hidden figure can be worked out from the others. "
            "Organisations are not named, milestone owners and notes are left out, and there "
            "is no breakdown by organisation."
        )
    else:
        rule = (
            f"Suppression for this reader ({ctx.user.role}): whole-wave figures are shown "
            f"whatever the number of respondents; breakdowns by sector or role leave out any "
            f"group of fewer than {ctx.min_n} respondents, and more groups beside it until "
            f"the hidden ones hold at least {ctx.min_n} together. A funder's copy of this "
            f"report hides every figure of a group below {ctx.min_n}, names no organisation "
            "and holds no free text."
        )
    return Section("Method and suppression", [*paragraphs, rule])
