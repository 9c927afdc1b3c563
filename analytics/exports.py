"""Downloads that are safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

# A spreadsheet treats a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell that a spreadsheet would run as a formula is prefixed
    with an apostrophe, so it shows as the literal text. Numbers are left as numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS) else v
            )
    out.columns = [
        "'" + c if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) else c for c in out.columns
    ]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents right), formulas neutralised."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")
