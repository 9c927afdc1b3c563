"""The summary section of the report: the latest wave's participation and indices, the highest
and lowest scales, and a sentence each from reliability, gaps, milestones and indicators."""

from __future__ import annotations

import pandas as pd

from analytics.instrument import INDEX_OF, scale_label
from analytics.measures.suppression import HIDDEN_WORDS, is_small
from analytics.reports.content import Section, change_text, date_text, is_missing, mean_text
from analytics.reports.context import HEADLINE_MIN_N, ReportContext
from analytics.reports.sections import gaps, indicators, milestones, reliability, scales


def section(ctx: ReportContext) -> Section:
    if not ctx.labels:
        return Section(
            "Summary",
            [
                f"{ctx.figures.name} has no survey wave in {ctx.period.describe()}, so this "
                "report has no scores; milestones and indicators follow."
            ],
        )
    latest, previous = ctx.latest_wave, ctx.previous_wave
    paragraphs = []
    part = ctx.figures.participation[ctx.figures.participation["wave"] == latest]
    if not part.empty:
        p = part.iloc[0]
        if pd.isna(p["respondents"]):  # concealed from this reader (a small wave)
            paragraphs.append(
                f"The latest survey in the period, {latest}, had fewer than {ctx.min_n} "
                "respondents, so its figures are not shown to this reader."
            )
        else:
            paragraphs.append(
                f"The latest survey in the period, {latest} (opened "
                f"{date_text(p['opened_on'])}), had {int(p['respondents'])} respondents "
                f"from {int(p['responding_partners'])} of {int(p['active_partners'])} "
                "active partners."
            )
    for scale_type, index in INDEX_OF.items():
        row = ctx.row(latest, index)
        label = scale_label(index)
        if row is None or is_missing(row["mean"]) and not ctx.hidden(row):
            paragraphs.append(f"The {label} has no value in {latest}.")
            continue
        if not ctx.headline(row):
            paragraphs.append(
                f"The {label} of {latest} rests on too few respondents for a headline "
                f"(fewer than {HEADLINE_MIN_N}, or {HIDDEN_WORDS}); the "
                "tables below show what may be shown. " + scales.real_changes_words(ctx, scale_type)
            )
            continue
        sentence = f"The {label} was {mean_text(row['mean'])} ({row['band']}) in {latest}"
        changes = [
            f"{change_text(float(row['mean']) - float(before['mean']))} since {wave}"
            for wave in dict.fromkeys(w for w in (previous, ctx.labels[0]) if w != latest)
            if ctx.headline(before := ctx.row(wave, index))
        ]
        if changes:
            sentence += ", " + " and ".join(changes)
        paragraphs.append(sentence + ". " + scales.real_changes_words(ctx, scale_type))
    latest_scales = ctx.stats[
        (ctx.stats["wave"] == latest) & (ctx.stats["scale_type"] != "index")
    ].dropna(subset=["mean"])
    latest_scales = latest_scales[[ctx.headline(r) for _, r in latest_scales.iterrows()]]
    if len(latest_scales) >= 2:
        ordered = latest_scales.assign(m=latest_scales["mean"].astype(float)).sort_values("m")
        high, low = ordered.iloc[-1], ordered.iloc[0]
        paragraphs.append(
            f"The highest-rated scale was {scale_label(high['scale'])} "
            f"({mean_text(high['mean'])}); the lowest was {scale_label(low['scale'])} "
            f"({mean_text(low['mean'])})."
        )
    flagged = reliability.latest_unreliable(ctx)
    if flagged:
        paragraphs.append(
            "Treat with care, as its statements do not hang together well in "
            f"{latest}: {', '.join(flagged)}."
        )
    gap = gaps.largest_gap(ctx)
    if gap is not None and not (
        is_small(gap["highest_n"], HEADLINE_MIN_N) or is_small(gap["lowest_n"], HEADLINE_MIN_N)
    ):
        paragraphs.append(
            f"The largest perception gap in {latest} was on {scale_label(gap['scale'])} by "
            f"{gap['breakdown']}: {gap['highest']} rated it {mean_text(gap['highest_mean'])}, "
            f"{gap['lowest']} {mean_text(gap['lowest_mean'])}."
        )
    paragraphs.append(milestones.milestone_words(ctx))
    paragraphs.append(indicators.indicator_words(ctx))
    return Section("Summary", paragraphs)
