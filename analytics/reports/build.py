"""The report of one initiative over a period, for one reader: its content is built once, as
format-neutral sections (analytics.reports.sections, one module each), then rendered as a
self-contained HTML file or as a PDF (analytics.reports.render), so the two never disagree."""

from __future__ import annotations

import datetime as dt

from analytics.access.permissions import Permission, User, guarded
from analytics.reports.content import Period, ReportContent
from analytics.reports.context import ReportContext
from analytics.reports.sections import (
    gaps,
    indicators,
    method,
    milestones,
    network,
    participation,
    partnership,
    reliability,
    scales,
    summary,
)
from analytics.store.connection import Store

# -- building the content -------------------------------------------------------------------------


@guarded(Permission.VIEW)
def report_content(
    store: Store, user: User, initiative_id: int, period: Period | None = None
) -> ReportContent:
    """What the report of one initiative over `period` says to `user`: a funder
    (user.aggregated_only) gets no figure of a group below the suppression threshold, no
    organisation names, no free text and no breakdown by organisation."""
    period = period or Period()
    ctx = ReportContext.gather(store, user, initiative_id, period)
    sections = [
        summary.section(ctx),
        scales.section(ctx, "condition"),
        scales.section(ctx, "principle"),
        reliability.section(ctx),
        gaps.section(ctx),
        participation.section(ctx),
        network.section(ctx),
        milestones.section(ctx),
        indicators.section(ctx),
        partnership.section(ctx),
        method.section(ctx),
    ]
    return ReportContent(
        title=f"{ctx.figures.name}: partnership report",
        subtitle=f"Survey waves, milestones and indicators of {period.describe()}",
        generated_on=dt.date.today(),
        reader=f"{user.name} ({user.role})",
        sections=sections,
    )


# -- the two renderings ----------------------------------------------------------------------------


@guarded(Permission.VIEW)
def report_html(store: Store, user: User, initiative_id: int, period: Period | None = None) -> str:
    """The report as one self-contained HTML file: interactive charts with plotly.js embedded
    (works offline), print CSS, every text from users or files escaped."""
    from analytics.reports.render import to_html  # plotly.js and matplotlib load on demand

    return to_html(report_content(store, user, initiative_id, period))


@guarded(Permission.VIEW)
def report_pdf(store: Store, user: User, initiative_id: int, period: Period | None = None) -> bytes:
    """The same report as a PDF (A4), with static charts, made on the server."""
    from analytics.reports.render import to_pdf

    return to_pdf(report_content(store, user, initiative_id, period))
