"""Issue 20: the reader's limits, the crashes of the hostile probe, and NUL anywhere."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from analytics.ingest.layouts import Table
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.reading import UnreadableFile, read_grid
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from tests.hostile_files import template_csv

ITEMS = load_instrument_csv()


def test_the_headers_of_many_columns_are_found_in_linear_time():
    """Each column's header used to be found with list.index: quadratic in the columns."""
    labels = [f"Q{i}" for i in range(40_000)]
    table = Table(None, None, [labels], labels, pd.DataFrame(), pd.Series())
    started = time.perf_counter()
    found = [table.header_texts(label) for label in labels]
    assert found[-1] == ["Q39999", "Q39999"]
    assert time.perf_counter() - started < 1.5


def test_a_csv_as_wide_as_the_limit_is_read_and_mapped_in_seconds():
    columns = 5_000
    header = ["respondent_id", "wave", *[f"Q{i}" for i in range(columns - 2)]]
    data = ",".join(header) + "\n" + ",".join(["r1", "W1", *["4"] * (columns - 2)]) + "\n"
    started = time.perf_counter()
    table = read_survey(data.encode(), "wide.csv")
    propose_mapping(table, ITEMS)
    assert time.perf_counter() - started < 15


def test_more_columns_than_the_setting_are_refused_before_rows_are_read(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_MAX_COLUMNS", "5")
    with pytest.raises(UnreadableFile, match="COMMON_MEASURE_MAX_COLUMNS"):
        read_grid(template_csv(), "t.csv")


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"respondent_id,wave,CA1\rnote\nr1,W1,5\n", None),  # read: the lone CR is in a cell
        (template_csv() + b"r9,W1,o,s,r," + b"x" * 200_000 + b",1,1,1\n", None),
        (template_csv() + b"r9,W1,o,s,r," + b"x" * 2_000_000 + b",1,1,1\n", "FIELD_CHARS"),
        (template_csv() + b"r9,W1\x00,o,s,r,1,1,1,1\n" + b"r8,W1,o,s,r,1,1,1,1\n" * 500, "NUL"),
        (template_csv() * 1 + b"r9,W\x00" + b"1,o,s,r,1,1,1,1\n", "NUL"),
    ],
)
def test_files_that_crashed_the_reader_are_read_or_refused_in_one_line(data, reason):
    if reason is None:
        table = read_survey(data, "f.csv")
        validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave="W1")
        return
    with pytest.raises(UnreadableFile, match=reason) as refused:
        read_survey(data, "f.csv")
    assert "\n" not in str(refused.value)


def test_a_400_digit_answer_is_an_invalid_cell_not_a_crash():
    data = template_csv() + b"r9,W1,o,s,r," + b"9" * 400 + b",1,1,1\n"
    table = read_survey(data, "f.csv")
    prepared = validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave="W1")
    assert "a number far outside the scale 1-5" in [p.reason for p in prepared.problems]
