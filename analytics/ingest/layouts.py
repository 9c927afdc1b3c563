"""The export layouts of the survey tools: header rows, column labels, rows that are not
responses. A grid (analytics.ingest.reading) becomes a Table: header rows apart, one label per
column, data rows with their row numbers in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.ingest.answers import normalise_label
from analytics.ingest.reading import Grid


@dataclass(frozen=True)
class Layout:
    key: str
    name: str
    header_rows: int
    detect: Callable[[list[list[str]]], bool]
    # Rows of a real export that are not real responses: frame of data rows -> reason or None.
    not_a_response: Callable[[pd.DataFrame, list[str]], pd.Series] | None = None
    # Answers may be choice names (Kobo's XML values: strongly_agree, dont_know).
    choice_names: bool = False
    # Dates like 04/03/2026 are month first in this tool's exports (US style).
    month_first: bool = False
    # The header row that holds the tool's column names (Status, DistributionChannel...).
    names_row: int = 0


@dataclass
class Table:
    """A survey export with its header rows apart and a unique label for each column."""

    grid: Grid
    layout: Layout
    headers: list[list[str]]  # the header rows, each as wide as the table
    labels: list[str]  # one unique, human-readable label per column
    data: pd.DataFrame  # data rows only, columns named by `labels`
    row_numbers: pd.Series  # the file row number of each data row
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why not a response)

    def header_texts(self, label: str) -> list[str]:
        """Every header cell of a column (and, for a matrix, its question's text)."""
        positions = self.__dict__.get("_positions")
        if positions is None or len(positions) != len(self.labels):
            # One pass over the labels, not one per column: linear in the number of columns.
            positions = {name: i for i, name in reversed(list(enumerate(self.labels)))}
            self.__dict__["_positions"] = positions
        index = positions[label]
        return [row[index] for row in self.headers if row[index].strip()] + [label]


def _norm(cell: str) -> str:
    return normalise_label(cell)


def _first_row_has(*names: str) -> Callable[[list[list[str]]], bool]:
    wanted = {_norm(n) for n in names}
    return lambda rows: bool(rows) and wanted <= {_norm(c) for c in rows[0]}


def _qualtrics(rows: list[list[str]]) -> bool:
    return (
        len(rows) >= 3
        and _first_row_has("StartDate", "ResponseId")(rows)
        and any(c.startswith('{"ImportId"') for c in rows[2])
    )


def _qualtrics_legacy(rows: list[list[str]]) -> bool:
    # The legacy export: V1..V10 names in row 1, then ResponseID and question texts in row 2.
    return (
        len(rows) >= 2
        and {"v1", "v8", "v9"} <= {_norm(c) for c in rows[0]}
        and "responseid" in {_norm(c) for c in rows[1]}
    )


def _column(frame: pd.DataFrame, names: list[str], wanted: str) -> pd.Series | None:
    target = _norm(wanted)
    for position, name in enumerate(names):
        if _norm(name) == target:
            return frame.iloc[:, position]
    return None


QUALTRICS_NOT_RESPONSES = {
    "survey preview": "Qualtrics survey preview",
    "survey test": "Qualtrics survey test",
    "spam": "Qualtrics marked it spam",
    "1": "Qualtrics survey preview",
    "2": "Qualtrics survey test",
    "8": "Qualtrics marked it spam",
}


def _qualtrics_not_responses(frame: pd.DataFrame, names: list[str]) -> pd.Series:
    reasons = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    status = _column(frame, names, "Status")
    if status is not None:
        reasons = status.map(lambda s: QUALTRICS_NOT_RESPONSES.get(_norm(s)))
    channel = _column(frame, names, "DistributionChannel")
    if channel is not None:
        by_channel = channel.map(
            lambda c: {"preview": "Qualtrics survey preview", "test": "Qualtrics survey test"}.get(
                _norm(c)
            )
        )
        reasons = reasons.where(reasons.notna(), by_channel)
    return reasons


def _kobo(rows: list[list[str]]) -> bool:
    first = {_norm(c) for c in rows[0]} if rows else set()
    return bool({"_uuid", "_submission_time"} & first) or {"_id", "_index"} <= first


def _kobo_not_responses(frame: pd.DataFrame, names: list[str]) -> pd.Series:
    status = _column(frame, names, "_validation_status")
    if status is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return status.map(
        lambda s: (
            "KoboToolbox validation status: not approved"
            if _norm(s) in {"validation_status_not_approved", "not approved"}
            else None
        )
    )


def _template_long(rows: list[list[str]]) -> bool:
    return _first_row_has("respondent_id", "item_id", "value")(rows)


def _template_wide(rows: list[list[str]]) -> bool:
    return _first_row_has("respondent_id")(rows) and not _template_long(rows)


LAYOUTS: list[Layout] = [
    Layout("qualtrics", "Qualtrics", 3, _qualtrics, _qualtrics_not_responses),
    Layout(
        "qualtrics_legacy",
        "Qualtrics (legacy export)",
        2,
        _qualtrics_legacy,
        _qualtrics_not_responses,
        names_row=1,
    ),
    Layout(
        "surveymonkey",
        "SurveyMonkey",
        2,
        _first_row_has("Respondent ID", "Collector ID"),
        month_first=True,
    ),
    Layout(
        "google_forms",
        "Google Forms",
        1,
        lambda rows: (
            bool(rows)
            and _norm(rows[0][0])
            in {"timestamp", "marca temporal", "horodateur", "zeitstempel", "data/hora"}
        ),
        month_first=True,
    ),
    Layout(
        "ms_forms",
        "Microsoft Forms",
        1,
        _first_row_has("ID", "Start time", "Completion time"),
        month_first=True,
    ),
    Layout("kobo", "KoboToolbox", 1, _kobo, _kobo_not_responses, choice_names=True),
    Layout("template_long", "Common Measure template (long)", 1, _template_long),
    Layout("template_wide", "Common Measure template (wide)", 1, _template_wide),
]
GENERIC = Layout("generic", "Spreadsheet with one header row", 1, lambda rows: True)
LAYOUT_BY_KEY = {layout.key: layout for layout in [*LAYOUTS, GENERIC]}


# The partner network's own template (issue 16): one row per reported relationship. Kept out of
# LAYOUTS: a survey upload is never read as a network file, nor the other way round.
NETWORK_LONG = Layout(
    "network_long",
    "Common Measure network template (long)",
    1,
    _first_row_has("respondent_organisation", "partner_organisation", "level"),
)


def detect_network_layout(grid: Grid) -> Layout:
    """The network template, else the survey tool's layout (a roster question inside it)."""
    head = grid.frame.head(1).astype(str).values.tolist()
    return NETWORK_LONG if NETWORK_LONG.detect(head) else detect_layout(grid)


def detect_layout(grid: Grid) -> Layout:
    head = grid.frame.head(4).astype(str).values.tolist()
    for layout in LAYOUTS:
        if layout.detect(head):
            return layout
    return GENERIC


def _labels(layout: Layout, headers: list[list[str]]) -> list[str]:
    """One readable label per column, unique within the table."""
    width = len(headers[0]) if headers else 0
    labels = []
    if layout.key == "surveymonkey":
        # Row 1 names a question once, over the first column of its block; row 2 names the
        # matrix row ('Response' and 'Open-Ended Response' for questions of one column).
        question = ""
        for i in range(width):
            top, sub = headers[0][i].strip(), headers[1][i].strip()
            question = top or question
            if not top and not sub:
                labels.append(f"Column {i + 1}")
            elif sub and _norm(sub) not in {"response", "open-ended response"}:
                labels.append(f"{question} [{sub}]" if question else sub)
            else:
                labels.append(question)
    elif layout.key == "qualtrics":
        for i in range(width):
            text = headers[1][i].strip()
            labels.append(text or headers[0][i].strip() or f"Column {i + 1}")
    elif layout.key == "qualtrics_legacy":
        for i in range(width):
            labels.append(headers[1][i].strip() or headers[0][i].strip() or f"Column {i + 1}")
    else:
        labels = [cell.strip() or f"Column {i + 1}" for i, cell in enumerate(headers[0])]
    return _unique(labels)


def _unique(labels: list[str]) -> list[str]:
    """The labels, with ' (2)', ' (3)'... added to repeats until every label is unused."""
    taken: set[str] = set()
    out = []
    for label in labels:
        candidate, n = label, 1
        while candidate in taken:
            n += 1
            candidate = f"{label} ({n})"
        taken.add(candidate)
        out.append(candidate)
    return out


def _blank_rows(data: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """Which rows have only blank cells. Column by column, only the rows still blank so far
    are looked at: in a real export the first columns already rule out nearly every row."""
    blank = np.ones(len(data), dtype=bool)
    for label in labels:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        column = data[label]
        if len(candidates) < len(data):
            column = column.iloc[candidates]
        blank[candidates] = column.str.strip().eq("").to_numpy(dtype=bool)
    return blank


def to_table(grid: Grid, layout: Layout | None = None) -> Table:
    """Split the grid into header rows and data rows; drop the rows that are not responses
    (preview, test, spam, unapproved) and the rows that are entirely blank."""
    layout = layout or detect_layout(grid)
    frame = grid.frame
    n = min(layout.header_rows, len(frame))
    headers = [[str(c) for c in row] for row in frame.iloc[:n].values.tolist()]
    width = frame.shape[1]
    while len(headers) < layout.header_rows:  # a file that stops inside its header rows
        headers.append([""] * width)
    labels = _labels(layout, headers) if headers else []
    data = frame.iloc[n:].copy()
    data.columns = labels
    row_numbers = pd.Series(range(n + 1, n + 1 + len(data)), index=data.index)
    skipped: list[tuple[int, str]] = []
    if layout.not_a_response is not None and len(data):
        reasons = layout.not_a_response(data, headers[layout.names_row])
        drop = reasons.notna()
        skipped += list(zip(row_numbers[drop].tolist(), reasons[drop].tolist(), strict=True))
        data, row_numbers = data[~drop], row_numbers[~drop]
    if len(data):
        blank = _blank_rows(data, labels)
        if blank.any():
            data, row_numbers = data[~blank], row_numbers[~blank]
    return Table(
        grid,
        layout,
        headers,
        labels,
        data.reset_index(drop=True),
        row_numbers.reset_index(drop=True),
        skipped,
    )
