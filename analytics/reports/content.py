"""The report's content as format-neutral types (paragraphs, tables of formatted text, chart
data) and the number formats both renderings share: the builder fills them, the renderer reads
them, and neither imports the other."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

NONE_SHOWN = "–"
HIDDEN = "hidden"

# -- the format-neutral content -------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From and to dates, both included; None leaves that end open."""

    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError("the period must start on or before its end")

    def contains(self, day: object) -> bool:
        if day is None or day is pd.NaT or (not isinstance(day, dt.date) and pd.isna(day)):
            return False
        day = pd.Timestamp(day).date()
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        if self.start and self.end:
            return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"
        if self.start:
            return f"from {self.start:%d %b %Y}"
        if self.end:
            return f"up to {self.end:%d %b %Y}"
        return "the whole life of the initiative"


@dataclass(frozen=True)
class Series:
    """One line or set of markers. `low`/`high` draw a shaded band (the 95% CI)."""

    name: str
    x: list[dt.date]
    y: list[float | None]
    colour: str
    style: str = "line"  # line, step, dashed, markers
    marker: str = "o"  # o, ^, v, s, *
    low: list[float | None] | None = None
    high: list[float | None] | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    series: list[Series]
    y_label: str = ""
    y_range: tuple[float, float] | None = None
    guides: tuple[float, ...] = ()  # dotted horizontal lines (the band thresholds)
    ticks: list[tuple[dt.date, str]] | None = None  # x ticks at the waves, named as they are


@dataclass(frozen=True)
class Chart:
    title: str
    panels: list[Panel]
    columns: int = 1
    caption: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    widths: list[float] | None = None  # relative column widths


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class ReportContent:
    title: str
    subtitle: str
    generated_on: dt.date
    reader: str
    sections: list[Section]


# -- number formats: one definition for both renderings --------------------------------------


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def mean_text(value: object) -> str:
    return NONE_SHOWN if is_missing(value) else f"{float(value):.2f}"


def change_text(value: object) -> str:
    return NONE_SHOWN if is_missing(value) else f"{float(value):+.2f}"


def percent_text(value: object, digits: int = 0) -> str:
    return NONE_SHOWN if is_missing(value) else f"{float(value):.{digits}f}%"


def count_text(value: object) -> str:
    return NONE_SHOWN if is_missing(value) else str(int(value))


def p_text(value: object) -> str:
    if is_missing(value):
        return NONE_SHOWN
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def date_text(value: object) -> str:
    return NONE_SHOWN if is_missing(value) or value is pd.NaT else f"{pd.Timestamp(value):%d %b %Y}"
