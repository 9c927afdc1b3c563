"""The participation section of the report: respondents, responding and active partners and the
sectors' evenness in each wave of the period, small waves hidden from a funder."""

from __future__ import annotations

import pandas as pd

from analytics.measures.suppression import is_small
from analytics.reports.content import (
    HIDDEN,
    NONE_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    count_text,
    date_text,
    is_missing,
    percent_text,
)
from analytics.reports.context import ReportContext, largest_shown
from analytics.views.charts import OKABE_ITO


def section(ctx: ReportContext) -> Section:
    title = "Participation"
    part = ctx.figures.participation[ctx.figures.participation["wave"].isin(ctx.labels)]
    if part.empty:
        return Section(title, ["No survey wave in the period."])
    rows, small = [], []
    for r in part.itertuples():
        if ctx.user.aggregated_only and is_small(r.respondents, ctx.min_n):
            small.append(r.wave)
            rows.append(
                [
                    r.wave,
                    date_text(r.opened_on),
                    f"fewer than {ctx.min_n}",
                    HIDDEN,
                    count_text(r.active_partners),
                    HIDDEN,
                    HIDDEN,
                ]
            )
            continue
        rows.append(
            [
                r.wave,
                date_text(r.opened_on),
                count_text(r.respondents),
                count_text(r.responding_partners),
                count_text(r.active_partners),
                percent_text(None if is_missing(r.response_rate) else 100 * r.response_rate),
                NONE_SHOWN
                if is_missing(r.evenness_responding)
                else f"{float(r.evenness_responding):.2f}",
            ]
        )
    shown = part[~part["wave"].isin(small)]
    x = [pd.Timestamp(d).date() for d in shown["opened_on"]]
    ticks = list(zip(x, shown["wave"].astype(str), strict=True))
    chart = Chart(
        "Who took part",
        [
            Panel(
                "Respondents and responding partners",
                [
                    Series(
                        "Respondents",
                        x,
                        [float(v) for v in shown["respondents"]],
                        OKABE_ITO["sky"],
                    ),
                    Series(
                        "Responding partners",
                        x,
                        [float(v) for v in shown["responding_partners"]],
                        OKABE_ITO["blue"],
                    ),
                    Series(
                        "Active partners",
                        x,
                        [float(v) for v in shown["active_partners"]],
                        OKABE_ITO["grey"],
                        style="dashed",
                    ),
                ],
                y_label="People and partners",
                y_range=(0, largest_shown(shown, "respondents", "active_partners") * 1.1),
                ticks=ticks,
            )
        ],
    )
    paragraphs = [
        "Respondents per wave, and the partners with at least one respondent out of the "
        "partners active when the wave opened. Evenness is the Shannon evenness of the "
        "responding partners' sectors: 1 when every sector is equally represented."
    ]
    table = Table(
        "Participation by wave",
        [
            "Wave",
            "Opened",
            "Respondents",
            "Responding partners",
            "Active partners",
            "Partners responding",
            "Sector evenness",
        ],
        rows,
        widths=[1.3, 1.5, 1.3, 1.4, 1.3, 1.4, 1.3],
    )
    return Section(title, paragraphs, [chart] if x else [], [table])
