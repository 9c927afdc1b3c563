"""Blank import templates generated from an instrument: wide (one row per respondent) and long
(one row per respondent and item), as CSV and XLSX."""

from __future__ import annotations

import io

import pandas as pd

from analytics.instrument import Item
from analytics.views.exports import csv_bytes, neutralise_formulas

RESPONDENT_COLUMNS = ["respondent_id", "organisation", "sector", "role", "submitted_at", "wave"]
LONG_COLUMNS = [*RESPONDENT_COLUMNS, "item_id", "value"]


def wide_template(items: list[Item]) -> pd.DataFrame:
    """Header only: the respondent fields, then one column per item id. (No example row: an
    example would be imported as a respondent if left in.)"""
    return pd.DataFrame(columns=[*RESPONDENT_COLUMNS, *[i.item_id for i in items]])


def long_template(items: list[Item]) -> pd.DataFrame:
    return pd.DataFrame(columns=LONG_COLUMNS)


def item_sheet(items: list[Item]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "item_id": i.item_id,
                "statement": i.text,
                "condition": i.condition or "",
                "principle": i.principle or "",
                "reverse": i.reverse,
            }
            for i in items
        ]
    )


def template_csv(items: list[Item], long: bool = False) -> bytes:
    return csv_bytes(long_template(items) if long else wide_template(items))


def template_xlsx(items: list[Item]) -> bytes:
    """A workbook with the wide template, the long template and the items with statements.
    The import reads the first sheet with rows filled in."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in (
            ("Responses (wide)", wide_template(items)),
            ("Responses (long)", long_template(items)),
            ("Items", item_sheet(items)),
        ):
            neutralise_formulas(frame).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
