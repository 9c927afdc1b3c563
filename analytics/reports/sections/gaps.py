"""The perception-gaps section of the report: for each scale in the latest wave, the spread of
the means among sectors and among roles, with the large gaps flagged."""

from __future__ import annotations

import pandas as pd

from analytics.instrument import scale_label
from analytics.measures.statistics import gap_flag, perception_gaps
from analytics.reports.content import Section, Table, change_text, count_text, mean_text, p_text
from analytics.reports.context import ReportContext


def _gap_rows(ctx: ReportContext) -> pd.DataFrame:
    frames = []
    for by, breakdown in ctx.figures.breakdowns.items():
        gaps = perception_gaps(breakdown[breakdown["wave"].isin(ctx.labels)])
        frames.append(gaps.assign(breakdown=by))
    gaps = pd.concat(frames, ignore_index=True)
    return gaps[(gaps["wave"] == ctx.latest_wave) & (gaps["scale_type"] != "index")]


def largest_gap(ctx: ReportContext) -> pd.Series | None:
    """The largest flagged gap of the latest wave (by sector or role), or None when none is."""
    gaps = _gap_rows(ctx)
    flagged = gaps[gaps["flagged"]]
    return None if flagged.empty else flagged.sort_values("gap", ascending=False).iloc[0]


def section(ctx: ReportContext) -> Section:
    flag = gap_flag()
    title = "Perception gaps"
    if not ctx.labels:
        return Section(title, ["No survey wave in the period."])
    gaps = _gap_rows(ctx).sort_values("gap", ascending=False)
    paragraphs = [
        f"For each scale in {ctx.latest_wave}: the highest minus the lowest mean among the "
        f"sectors (or roles) shown; a gap of {flag:.1f} or more is flagged when the two groups "
        "differ by Welch's t-test (p < 0.05). Groups too small to show are left out, with "
        "more groups beside them where needed, so that the hidden ones hold at least "
        f"{ctx.min_n} respondents together."
    ]
    flagged = gaps[gaps["flagged"]]
    paragraphs.append(
        f"{len(flagged)} gap{'s' if len(flagged) != 1 else ''} flagged."
        if len(flagged)
        else "No gap is large enough to flag."
    )
    rows = [
        [
            scale_label(r.scale),
            r.breakdown,
            change_text(r.gap).lstrip("+"),
            f"{r.highest} ({mean_text(r.highest_mean)}, n {count_text(r.highest_n)})",
            f"{r.lowest} ({mean_text(r.lowest_mean)}, n {count_text(r.lowest_n)})",
            p_text(r.p_value),
            "flagged" if r.flagged else "",
        ]
        for r in gaps.itertuples()
    ]
    columns = ["Scale", "By", "Gap", "Highest", "Lowest", "p", "Flag"]
    widths = [2.4, 0.8, 0.6, 2.6, 2.8, 0.8, 0.9]
    if flagged.empty:  # a column with nothing in it: leave it out
        rows, columns, widths = [row[:-1] for row in rows], columns[:-1], widths[:-1]
    table = Table(f"Gaps by sector and role in {ctx.latest_wave}", columns, rows, widths=widths)
    return Section(title, paragraphs, tables=[table] if rows else [])
