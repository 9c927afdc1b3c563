"""The partner network section of the report: the network-level measures of each network wave
in the period (density, reciprocity, centralisation, trust and value, level shares), with the
change since the first; no organisation is named, for any reader."""

from __future__ import annotations

import pandas as pd

from analytics.measures.network import MEASURE_LABELS
from analytics.reports.content import NONE_SHOWN, Chart, Panel, Section, Series, Table, is_missing
from analytics.reports.context import ReportContext
from analytics.views.charts import OKABE_ITO

SHOWN = (
    "organisations",
    "ties",
    "density",
    "reciprocity",
    "degree_centralisation",
    "mean_trust",
    "mean_value",
    "share_level_0",
    "share_level_3",
    "share_level_4",
    "share_level_5",
    "new_ties",
    "lost_ties",
)
COUNTS = {"organisations", "ties", "new_ties", "lost_ties"}


def _text(measure: str, value: object) -> str:
    if is_missing(value):
        return NONE_SHOWN
    if measure in COUNTS:
        return str(int(value))
    if measure.startswith("share_"):
        return f"{float(value) * 100:.0f}%"
    return f"{float(value):.2f}"


def section(ctx: ReportContext) -> Section:
    title = "Partner network"
    waves = ctx.figures.network_waves
    waves = waves[[ctx.period.contains(d) for d in waves["opened_on"]]]
    if waves.empty:
        return Section(title, ["No network wave in the period."])
    labels = waves["label"].tolist()
    measures = ctx.figures.network[ctx.figures.network["wave"].isin(labels)]
    wide = measures.pivot(index="measure", columns="wave", values="value")[labels]
    first, last = labels[0], labels[-1]
    paragraphs = [
        f"In {last}, {_text('organisations', wide.at['organisations', last])} organisations "
        f"reported {_text('ties', wide.at['ties', last])} ties at networking or more: a density "
        f"of {_text('density', wide.at['density', last])}, with "
        f"{_text('share_level_0', wide.at['reciprocity', last])} of ties returned and a mean "
        f"trust of {_text('mean_trust', wide.at['mean_trust', last])} (1 to 4)."
    ]
    if len(labels) > 1:
        paragraphs.append(
            f"Since {first}, density went from {_text('density', wide.at['density', first])} to "
            f"{_text('density', wide.at['density', last])} and degree centralisation from "
            f"{_text('degree_centralisation', wide.at['degree_centralisation', first])} to "
            f"{_text('degree_centralisation', wide.at['degree_centralisation', last])}."
        )
    rows = [
        [MEASURE_LABELS[m], *(_text(m, wide.at[m, w]) for w in labels)]
        for m in SHOWN
        if m in wide.index
    ]
    table = Table(
        "Network measures by wave",
        ["Measure", *labels],
        rows,
        note="Density: the share of possible ties reported at level 1 or more. Reciprocity: the "
        "share of ties the other side also reports. Centralisation: Freeman's, 1 for a star.",
    )
    dates = [pd.Timestamp(d).date() for d in waves["opened_on"]]
    series = [
        Series(
            MEASURE_LABELS[m],
            dates,
            [None if is_missing(wide.at[m, w]) else float(wide.at[m, w]) for w in labels],
            colour,
            style="line",
        )
        for m, colour in (
            ("density", OKABE_ITO["blue"]),
            ("reciprocity", OKABE_ITO["orange"]),
            ("degree_centralisation", OKABE_ITO["purple"]),
        )
    ]
    chart = Chart(
        "The network over waves",
        [Panel("Density, reciprocity and centralisation", series, y_range=(0, 1))],
    )
    return Section(title, paragraphs, charts=[chart], tables=[table])
