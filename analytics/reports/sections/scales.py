"""The family sections of the report: the five conditions, or the five principles, with their
index: trend charts, the latest wave's table, the means by wave, and the real changes."""

from __future__ import annotations

import pandas as pd

from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.reports.content import (
    NONE_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    change_text,
    count_text,
    is_missing,
    mean_text,
    p_text,
    percent_text,
)
from analytics.reports.context import ReportContext
from analytics.views.charts import OKABE_ITO


def _change_words(changes: pd.DataFrame, scale_type: str, since: str) -> str:
    rows = changes[changes["scale_type"] == scale_type]
    real = rows[rows["verdict"] != "no clear change"]
    family = "conditions" if scale_type == "condition" else "principles"
    if real.empty:
        return f"None of the {family} changed clearly since {since}."
    parts = [
        f"{scale_label(r.scale)} ({r.verdict}, {change_text(r.difference)}, "
        f"{r.effect or 'negligible'} effect)"
        for r in real.itertuples()
    ]
    return f"Real changes among the {family} since {since}: {'; '.join(parts)}."


def real_changes_words(ctx: ReportContext, scale_type: str) -> str:
    """The sentences naming the scales of the family that changed clearly since the wave
    before and, with three waves or more, since the first wave of the period: a change is real
    when its false-discovery-adjusted p is under 0.05 and it is at least the minimal important
    difference; its size is said in words (Cohen's d)."""
    if ctx.previous_wave is None:
        return "There is no earlier wave in the period to compare with."
    words = _change_words(ctx.latest_changes, scale_type, ctx.previous_wave)
    if ctx.first_changes is not None:
        words += " " + _change_words(ctx.first_changes, scale_type, ctx.labels[0])
    return words


def section(ctx: ReportContext, scale_type: str) -> Section:
    family = "Conditions" if scale_type == "condition" else "Principles"
    title = f"The five {family.lower()}"
    keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]]
    if not ctx.labels:
        return Section(title, [f"No survey wave in {ctx.period.describe()}."])
    paragraphs = [
        f"Means from 1 (strongly disagree) to 5 (strongly agree), with the index (the mean "
        f"of the five). At or above {ctx.bands.strength:.1f} is a strength, below "
        f"{ctx.bands.borderline:.1f} a concern. " + real_changes_words(ctx, scale_type)
    ]
    chart = Chart(
        f"{family} over the waves",
        [_trend_panel(ctx, key) for key in keys],
        columns=3,
        caption="Lines: the mean; shaded: its 95% confidence interval; triangles: a real "
        "improvement (up) or decline (down) from the wave before (adjusted p < 0.05 and at "
        "least the minimal important difference).",
    )
    latest = Table(
        f"{family} in {ctx.latest_wave}",
        [
            "Scale",
            "Mean",
            "95% CI",
            "% favourable",
            "Band",
            "n",
            "Change",
            "p (adj.)",
            "Verdict",
        ],
        [_latest_row(ctx, key) for key in keys],
        note=(
            f"Change: since {ctx.previous_wave}; p adjusted for the false discovery rate "
            "across the scales of the comparison; the verdict names the effect size."
            if ctx.previous_wave
            else ""
        ),
        widths=[3.1, 0.9, 1.6, 1.5, 1.3, 0.8, 1.1, 1.1, 2.1],
    )
    waves = ctx.labels[-8:]
    by_wave = Table(
        f"{family}: means by wave",
        ["Scale", *waves],
        [[scale_label(k), *[ctx.mean(ctx.row(w, k)) for w in waves]] for k in keys],
        note="The last eight waves of the period." if len(ctx.labels) > 8 else "",
        widths=[3.2, *[1] * len(waves)],
    )
    return Section(title, paragraphs, [chart], [latest, by_wave])


def _latest_row(ctx: ReportContext, key: str) -> list[str]:
    row = ctx.row(ctx.latest_wave, key)
    change = ctx.latest_changes[ctx.latest_changes["scale"] == key]
    c = change.iloc[0] if not change.empty else None
    hidden = ctx.hidden(row)
    if row is None or hidden:
        return [scale_label(key), ctx.mean(row), *[NONE_SHOWN] * 3, ctx.n(row)] + [NONE_SHOWN] * 3
    ci = (
        NONE_SHOWN
        if is_missing(row["ci_low"])
        else f"{mean_text(row['ci_low'])} to {mean_text(row['ci_high'])}"
    )
    return [
        scale_label(key),
        mean_text(row["mean"]),
        ci,
        percent_text(row["pct_favourable"]),
        row["band"] or NONE_SHOWN,
        count_text(row["n"]),
        change_text(c["difference"]) if c is not None else _index_change(ctx, key),
        p_text(c["p_adjusted"]) if c is not None else NONE_SHOWN,
        _verdict_text(c) if c is not None else NONE_SHOWN,
    ]


def _verdict_text(change: pd.Series) -> str:
    if is_missing(change["p_adjusted"]):
        return NONE_SHOWN
    effect = change["effect"] if isinstance(change["effect"], str) else "negligible"
    return f"{change['verdict']} ({effect})"


def _index_change(ctx: ReportContext, key: str) -> str:
    now, before = ctx.row(ctx.latest_wave, key), ctx.row(ctx.previous_wave, key)
    if now is None or before is None or is_missing(now["mean"]) or is_missing(before["mean"]):
        return NONE_SHOWN
    return change_text(float(now["mean"]) - float(before["mean"]))


def _trend_panel(ctx: ReportContext, key: str) -> Panel:
    data = ctx.stats[ctx.stats["scale"] == key].sort_values("wave_order")
    x = [pd.Timestamp(d).date() for d in data["opened_on"]]
    means = [None if is_missing(m) else float(m) for m in data["mean"]]
    is_index = key in INDEX_OF.values()
    colour = OKABE_ITO["vermillion"] if is_index else OKABE_ITO["blue"]
    series = [
        Series(
            "Index" if is_index else "Mean",
            x,
            means,
            colour,
            low=[None if is_missing(v) else float(v) for v in data["ci_low"]],
            high=[None if is_missing(v) else float(v) for v in data["ci_high"]],
        )
    ]
    if ctx.changes is not None:
        real = ctx.changes[
            (ctx.changes["scale"] == key) & (ctx.changes["verdict"] != "no clear change")
        ]
        for verdict, marker, colour in (
            ("improvement", "^", OKABE_ITO["blue"]),
            ("decline", "v", OKABE_ITO["vermillion"]),
        ):
            found = real[real["verdict"] == verdict].merge(
                data[["wave", "opened_on", "mean"]], left_on="to", right_on="wave"
            )
            if not found.empty:
                series.append(
                    Series(
                        f"Real {verdict}",
                        [pd.Timestamp(d).date() for d in found["opened_on"]],
                        [float(m) + 0.25 for m in found["mean"]],
                        colour,
                        style="markers",
                        marker=marker,
                    )
                )
    return Panel(
        scale_label(key),
        series,
        y_label="Mean (1-5)",
        y_range=(1, 5.4),
        guides=(ctx.bands.borderline, ctx.bands.strength),
        ticks=list(zip(x, data["wave"].astype(str), strict=True)),
    )
