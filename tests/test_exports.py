"""Downloads are safe against spreadsheet formula injection."""

import io

import pandas as pd
import pytest

from analytics.exports import FORMULA_TRIGGERS, csv_bytes, neutralise_formulas


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_text_cells_starting_a_formula_are_neutralised(trigger):
    frame = pd.DataFrame({"Scale": [f'{trigger}HYPERLINK("x")', "Equity"], "Mean": [-0.5, 3.2]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig")
    assert back["Scale"].iloc[0] == f'\'{trigger}HYPERLINK("x")'.strip()
    assert back["Scale"].iloc[1] == "Equity"
    assert back["Mean"].tolist() == [-0.5, 3.2]  # numbers stay numbers


def test_headers_are_neutralised_too():
    out = neutralise_formulas(pd.DataFrame({"=cmd": [1]}))
    assert list(out.columns) == ["'=cmd"]
