"""Tables as people read them: column headings in words and no "None" in empty cells. The one
home of the headings every page's tables and chart data use."""

from __future__ import annotations

import pandas as pd

COLUMN_LABELS: dict[str, str] = {
    "n": "n",
    "sd": "SD",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "pct_favourable": "% favourable",
    "due_date": "Due",
    "done_date": "Done on",
    "days_overdue": "Days overdue",
    "observed_on": "Date",
    "alpha": "Cronbach's alpha",
    "alpha_low": "Alpha 95% low",
    "alpha_high": "Alpha 95% high",
    "p_value": "p",
    "p_adjusted": "Adjusted p",
    "cohens_d": "Cohen's d",
}


def heading(column: object) -> str:
    """`due_date` reads "Due"; any other snake_case name reads as a sentence ("days_overdue"
    as "Days overdue"); headings already in words stay as they are."""
    text = str(column)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    if text.islower() or "_" in text:
        words = text.replace("_", " ").strip()
        return words[:1].upper() + words[1:]
    return text


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with headings in words and empty text cells blank, not "None"."""
    shown = frame.rename(columns={c: heading(c) for c in frame.columns})
    for column in shown.columns:
        values = shown[column]
        present = values.dropna()
        if len(present) == len(values):
            continue
        if present.map(lambda v: isinstance(v, str)).all():
            shown[column] = values.astype(object).where(values.notna(), "")
        elif present.map(_is_number).all():  # a grid shows a missing number as "None"
            shown[column] = [_number_text(v) for v in values]
        # Dates keep their type (the grid shows a missing date as an empty cell).
    return shown


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_text(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{round(float(value), 3):g}"
