"""The reliability section of the report: Cronbach's alpha of each scale in the latest wave, with
the scales whose statements did not hang together flagged."""

from __future__ import annotations

import pandas as pd

from analytics.instrument import SCALE_TYPES, scale_label
from analytics.measures.statistics import reliability_threshold
from analytics.measures.suppression import conceal
from analytics.reports.content import HIDDEN, NONE_SHOWN, Section, Table, count_text, is_missing
from analytics.reports.context import ReportContext


def latest_unreliable(ctx: ReportContext) -> list[str]:
    """The scales flagged as unreliable in the latest wave, as this reader sees them."""
    alpha = _reliability_rows(ctx)
    rows = alpha[(alpha["wave"] == ctx.latest_wave) & alpha["unreliable"].fillna(False)]
    return [scale_label(s) for s in rows["scale"]]


def _reliability_rows(ctx: ReportContext) -> pd.DataFrame:
    alpha = ctx.figures.reliability[ctx.figures.reliability["wave"].isin(ctx.labels)]
    alpha = conceal(alpha, ctx.user, n_column="complete_cases")
    if ctx.user.aggregated_only:
        alpha = alpha.assign(unreliable=alpha["unreliable"].where(alpha["alpha"].notna()))
    return alpha


def section(ctx: ReportContext) -> Section:
    threshold = reliability_threshold()
    title = "Reliability"
    if not ctx.labels:
        return Section(title, ["No survey wave in the period."])
    alpha = _reliability_rows(ctx)
    latest = alpha[alpha["wave"] == ctx.latest_wave]
    order = {key: i for i, key in enumerate([*SCALE_TYPES["condition"], *SCALE_TYPES["principle"]])}
    latest = latest.assign(_o=latest["scale"].map(order)).sort_values("_o")
    flagged = latest_unreliable(ctx)
    words = (
        f"In {ctx.latest_wave}, the statements of {', '.join(flagged)} did not hang "
        "together well: partners may read them differently, so treat those scores with care "
        "and look at the statements one by one."
        if flagged
        else f"In {ctx.latest_wave}, the statements of every scale with enough complete "
        "answers hung together well."
    )
    paragraphs = [
        "Cronbach's alpha says whether a scale's statements measure one thing. It is computed "
        "over respondents who answered every statement of the scale (at least three), with its "
        f"95% interval (Feldt): 'unreliable' when the whole interval is below {threshold:.2f}, "
        "'uncertain' when it straddles it; a negative alpha usually means a reverse-worded "
        "statement was not turned round.",
        words,
    ]
    rows = []
    for r in latest.itertuples():
        if ctx.user.aggregated_only and is_missing(r.complete_cases):
            cases, value, verdict = HIDDEN, HIDDEN, NONE_SHOWN
        else:
            cases = count_text(r.complete_cases)
            value = (
                NONE_SHOWN
                if is_missing(r.alpha)
                else f"{float(r.alpha):.2f} ({float(r.alpha_low):.2f} to {float(r.alpha_high):.2f})"
            )
            verdict = "not enough answers" if is_missing(r.alpha) else str(r.reliability)
        rows.append([scale_label(r.scale), count_text(r.items), cases, value, verdict])
    table = Table(
        f"Cronbach's alpha in {ctx.latest_wave}",
        ["Scale", "Statements", "Complete answers", "Alpha (95% interval)", "Reliability"],
        rows,
        widths=[2.8, 1.1, 1.4, 2.2, 2.4],
    )
    return Section(title, paragraphs, tables=[table])
