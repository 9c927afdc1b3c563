"""The outcome-indicators section of the report: each indicator against its baseline and target,
with the least-squares trend that says whether it is on track."""

from __future__ import annotations

import pandas as pd

from analytics.measures.indicators import project
from analytics.reports.content import (
    NONE_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    date_text,
)
from analytics.reports.context import ReportContext
from analytics.views.charts import OKABE_ITO


def _indicator_rows(ctx: ReportContext) -> list[dict]:
    rows = []
    for ind in ctx.figures.indicators.itertuples():
        observed = ctx.figures.observations[int(ind.id)]
        known = observed[[d <= ctx.as_of for d in observed["observed_on"]]]
        projection = project(
            ind.polarity, ind.baseline_date, ind.target_date, ind.target_value, known
        )
        shown = observed[[ctx.period.contains(d) for d in observed["observed_on"]]]
        rows.append({"indicator": ind, "projection": projection, "shown": shown, "known": known})
    return rows


def indicator_words(ctx: ReportContext) -> str:
    """The sentence saying how many outcome indicators are on track."""
    rows = _indicator_rows(ctx)
    if not rows:
        return "The initiative has no outcome indicator."
    on_track = sum(r["projection"].status == "on track" for r in rows)
    return (
        f"{on_track} of {len(rows)} outcome indicators "
        f"{'is' if on_track == 1 else 'are'} on track to reach the target by its date."
    )


def section(ctx: ReportContext) -> Section:
    title = "Outcome indicators"
    rows = _indicator_rows(ctx)
    paragraphs = [
        "Each indicator against its baseline and target. On track: the least-squares trend "
        "of the observations since the baseline (up to the end of the period) reaches the "
        "target by its date, whichever direction is better.",
        indicator_words(ctx),
    ]
    if not rows:
        return Section(title, paragraphs)
    table_rows, panels = [], []
    for r in rows:
        ind, p, shown = r["indicator"], r["projection"], r["shown"]
        unit = f" {ind.unit}" if ind.unit else ""
        table_rows.append(
            [
                ind.name,
                f"{ind.polarity} is better",
                f"{ind.baseline_value:g}{unit} ({date_text(ind.baseline_date)})",
                f"{ind.target_value:g}{unit} ({date_text(ind.target_date)})",
                NONE_SHOWN if p.latest is None else f"{p.latest:g}{unit}",
                NONE_SHOWN if p.projected is None else f"{p.projected:.1f}{unit}",
                p.status,
            ]
        )
        series = [
            Series(
                "Observed",
                list(shown["observed_on"]),
                [float(v) for v in shown["value"]],
                OKABE_ITO["black"],
            ),
            Series(
                "Baseline",
                [ind.baseline_date],
                [float(ind.baseline_value)],
                OKABE_ITO["orange"],
                style="markers",
                marker="s",
            ),
            Series(
                "Target",
                [ind.target_date],
                [float(ind.target_value)],
                OKABE_ITO["green"],
                style="markers",
                marker="*",
            ),
        ]
        trend = _trend_line(ind, p, observed_since=r["known"])
        if trend is not None:
            series.append(trend)
        panels.append(Panel(f"{ind.name} ({p.status})", series, y_label=ind.unit or "Value"))
    chart = Chart("Turning the curve", panels, columns=min(2, len(panels)))
    table = Table(
        "Indicators",
        ["Indicator", "Direction", "Baseline", "Target", "Latest", "Trend at target", "Status"],
        table_rows,
        widths=[3, 1.6, 2.2, 2.2, 1.3, 1.5, 1.5],
    )
    return Section(title, paragraphs, [chart], [table])


def _trend_line(ind, p, observed_since: pd.DataFrame) -> Series | None:
    """The least-squares trend since the baseline carried on to the target date."""
    if p.projected is None or p.slope_per_year is None:
        return None
    since = [d for d in observed_since["observed_on"] if d >= ind.baseline_date]
    first = since[0]
    start = p.projected - p.slope_per_year / 365.25 * (ind.target_date - first).days
    colour = OKABE_ITO["blue"] if p.status == "on track" else OKABE_ITO["vermillion"]
    return Series(
        f"Trend: {p.status}",
        [first, ind.target_date],
        [start, p.projected],
        colour,
        style="dashed",
        marker="",
    )
