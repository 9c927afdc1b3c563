"""The "How the partnership is working" section of the report (issue 15): where the partnership
stands in its cycle, its latest health check in the period beside the survey, and what emerged
in the period; a funder's copy shows what suppression.conceal_entries and the health checks'
concealment let them see (no sentences, no names, confirmed outcomes only unless shared)."""

from __future__ import annotations

import pandas as pd

from analytics.instrument import PRINCIPLES
from analytics.measures.health import disagrees
from analytics.reports.content import NONE_SHOWN, Section, Table, date_text
from analytics.reports.context import ReportContext

TITLE = "How the partnership is working"


def stage_words(ctx: ReportContext) -> str:
    stage = ctx.figures.stage
    if stage.phase is None:
        return f"No phase of {stage.model.name} is recorded yet."
    words = (
        f"Phase model: {stage.model.name}. The partnership is in the phase "
        f"\u201c{stage.phase}\u201d since {date_text(stage.since)}"
    )
    if stage.stage is not None and stage.stage.name != stage.phase:
        words += f", in the stage \u201c{stage.stage.name}\u201d"
    words += "."
    if stage.stage is not None:
        words += f" What the stage asks of the partnership broker: {stage.stage.asks}"
    return words


def _latest_survey_bands(ctx: ReportContext) -> dict[str, str]:
    stats = ctx.stats
    if stats.empty or not ctx.labels:
        return {}
    latest = stats[(stats["wave"] == ctx.labels[-1]) & (stats["scale_type"] == "principle")]
    return {
        str(s): str(b) for s, b in zip(latest["scale"], latest["band"], strict=True) if pd.notna(b)
    }


def _health_table(ctx: ReportContext) -> tuple[str, Table | None]:
    checks = ctx.figures.health_checks
    in_period = checks.loc[[ctx.period.contains(d) for d in checks["date"]]]
    principles = in_period.loc[in_period["is_principle"].astype(bool)]
    if principles.empty:
        return "No partnership health check was held in the period.", None
    latest = principles[principles["check_id"] == principles["check_id"].iloc[-1]]
    held = latest["date"].iloc[0]
    bands = _latest_survey_bands(ctx)
    detail = "note" in latest.columns
    columns = ["Principle", "Health check", "Latest survey", "Disagreement"]
    widths = [2, 1.4, 1.6, 3]
    if detail:
        columns.append("What partners said")
        widths.append(4)
    rows = []
    flagged = 0
    for r in latest.itertuples():
        band = bands.get(r.principle)
        why = disagrees(r.rating, band)
        flagged += why is not None
        row = [PRINCIPLES.get(r.principle, r.principle), r.rating, band or NONE_SHOWN, why or ""]
        if detail:
            row.append(r.note)
        rows.append(row)
    words = (
        f"The latest health check in the period was held on {date_text(held)} "
        f"({latest['run_by'].iloc[0]}); partners rated each partnering principle red, amber or "
        "green. "
        + (
            f"It disagrees with the latest survey on {flagged} principle(s)."
            if flagged
            else "It agrees with the latest survey's bands."
        )
    )
    return words, Table(f"Health check of {date_text(held)}", columns, rows, widths=widths)


def _entries_table(ctx: ReportContext) -> tuple[str, Table | None]:
    log = ctx.figures.entries
    shown = log.loc[[ctx.period.contains(d) for d in log["date"]]].sort_values("date")
    outcomes = int((shown["kind"] == "outcome").sum())
    decisions = int((shown["kind"] == "decision").sum())
    if shown.empty:
        words = "No emergent outcome or decision is recorded in the period."
        if ctx.user.aggregated_only:
            words += " This copy shows confirmed outcomes only, and entries shared whole."
        return words, None
    words = (
        f"What emerged in the period: {outcomes} outcome(s) and {decisions} decision(s) or "
        "adaptation(s), recorded as they happened."
    )
    if ctx.user.aggregated_only:
        words += (
            " This copy shows the outcomes partners have confirmed, without the names of "
            "people, and the entries the backbone shared whole."
        )
    rows = []
    for r in shown.itertuples():
        what = r.change if r.kind == "outcome" else f"{r.change} {r.decided}".strip()
        state = ("confirmed" if r.confirmed else "not yet confirmed") if r.kind == "outcome" else ""
        rows.append([date_text(r.date), r.kind, r.title, what, r.for_whom or "", state])
    table = Table(
        "Outcomes and decisions",
        ["Date", "Kind", "Title", "What changed or was decided", "For whom", "Confirmed"],
        rows,
        widths=[1.3, 1.1, 2.5, 5, 2.2, 1.4],
    )
    return words, table


def section(ctx: ReportContext) -> Section:
    paragraphs = [stage_words(ctx)]
    tables = []
    for words, table in (_health_table(ctx), _entries_table(ctx)):
        paragraphs.append(words)
        if table is not None:
            tables.append(table)
    return Section(TITLE, paragraphs, [], tables)
