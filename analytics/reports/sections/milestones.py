"""The milestones section of the report: the milestones due or done in the period, how many were
done on time, which are overdue, and the burn-up of planned against done."""

from __future__ import annotations

from analytics.instrument import scale_label
from analytics.measures.milestones import burn_up, delivery, overdue
from analytics.measures.suppression import conceal
from analytics.reports.content import (
    NONE_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    date_text,
    is_missing,
    percent_text,
)
from analytics.reports.context import ReportContext
from analytics.views.charts import OKABE_ITO


def milestone_words(ctx: ReportContext) -> str:
    """The sentence on delivery: done, done on time and overdue as of the report's date."""
    d = delivery(ctx.period_milestones, ctx.as_of)
    if not d["milestones"]:
        return "No milestone falls in the period."
    on_time = (
        f"{percent_text(100 * d['share_on_time'])} of those done were done on time"
        if d["share_on_time"] is not None
        else "none is done yet"
    )
    return (
        f"{d['done']} of {d['milestones']} milestones in the period are done; {on_time}; "
        f"{d['overdue']} {'is' if d['overdue'] == 1 else 'are'} overdue as of "
        f"{date_text(ctx.as_of)}."
    )


def section(ctx: ReportContext) -> Section:
    title = "Milestones"
    frame = conceal(ctx.period_milestones, ctx.user)
    paragraphs = [
        "Milestones due or done in the period. On time: done on or before the due date. "
        "Overdue: not done (nor dropped) and due before the date of this report or the end "
        "of the period.",
        milestone_words(ctx),
    ]
    if frame.empty:
        return Section(title, paragraphs)
    late = {int(i) for i in overdue(ctx.period_milestones, ctx.as_of)["id"]}
    detail = not ctx.user.aggregated_only
    columns = ["Milestone", "Serves", "Due", "Done", "Status"]
    widths = [4, 2.2, 1.4, 1.4, 1.4]
    if detail:
        columns += ["Owner", "Notes"]
        widths += [2.2, 3]
    rows = []
    for r in frame.itertuples():
        serves = ", ".join(
            scale_label(s) for s in (r.condition, r.principle) if isinstance(s, str) and s
        )
        status = r.status + (" (overdue)" if int(r.id) in late else "")
        row = [r.title, serves or NONE_SHOWN, date_text(r.due_date), date_text(r.done_date)]
        row.append(status)
        if detail:
            row += [
                r.owner if isinstance(r.owner, str) else NONE_SHOWN,
                r.notes if isinstance(r.notes, str) else "",
            ]
        rows.append(row)
    burn = _burn_up(ctx)
    charts = [burn] if burn is not None else []
    table = Table("Milestones in the period", columns, rows, widths=widths)
    return Section(title, paragraphs, charts, [table])


def _burn_up(ctx: ReportContext) -> Chart | None:
    burn = burn_up(ctx.period_milestones, ctx.as_of)
    if burn.empty:
        return None
    x = list(burn["month"])
    return Chart(
        "Milestones planned and done",
        [
            Panel(
                "Cumulative milestones",
                [
                    Series(
                        "Planned (by due date)",
                        x,
                        [float(v) for v in burn["planned"]],
                        OKABE_ITO["grey"],
                        style="step",
                    ),
                    Series(
                        "Done",
                        x,
                        [None if is_missing(v) else float(v) for v in burn["done"]],
                        OKABE_ITO["blue"],
                        style="step",
                    ),
                ],
                y_label="Milestones",
            )
        ],
    )
