"""The method section of the report: how scores, bands and real changes are worked out, and the
suppression rule that applies to this reader."""

from __future__ import annotations

from analytics.reports.content import HIDDEN, Section
from analytics.reports.context import ReportContext


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
        "A change between two waves is called an improvement or a decline only when Welch's "
        "t-test gives p < 0.05; otherwise it is 'no clear change'. The indices have no test "
        "of their own: read their change with the real changes of their scales.",
    ]
    if ctx.user.aggregated_only:
        rule = (
            f"Suppression for this reader ({ctx.user.role}): no figure is shown for a group "
            f"of fewer than {ctx.min_n} respondents (marked '{HIDDEN}'); organisations are "
            "not named, milestone owners and notes are left out, and there is no breakdown "
            "by organisation."
        )
    else:
        rule = (
            f"Suppression for this reader ({ctx.user.role}): whole-wave figures are shown "
            f"whatever the number of respondents; breakdowns by sector or role leave out any "
            f"group of fewer than {ctx.min_n} respondents, and the next-smallest group "
            "beside it. A funder's copy of this report hides every figure of a group below "
            f"{ctx.min_n}, names no organisation and holds no free text."
        )
    return Section("Method and suppression", [*paragraphs, rule])
