"""Property-based: malformed files never raise an unhandled exception, and a refused import
leaves the database exactly as it was."""

from __future__ import annotations

import csv
import io
import string

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from analytics.errors import ImportRefused
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.reading import UnreadableFile
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.store.connection import forget_store, open_store
from tests.users import ADMIN

ITEMS = load_instrument_csv()
NASTY = [
    "=1+2",
    "+SUM(A1:A9)",
    "-2",
    "@cmd",
    "\t=x",
    "\r=y",
    "<script>alert(1)</script>",
    "'; DROP TABLE responses; --",
    'Robert"); DELETE FROM imports; --',
    "NULL",
    "nan",
    "4.5",
    "0",
    "6",
    "Strongly agreee",
    "agree",
    "Strongly Agree",
    "N/A",
    "",
    " ",
    "\u00a0",
    "é ü ’ « »",
    "x" * 5000,
    "\x00",
    "1e3",
    "TRUE",
    "2026-03-04",
    "\ufeff",
    '"',
    ",",
    ";",
    "\n",
    "4",
    "5",
]
HEADERS = [
    "respondent_id",
    "organisation",
    "sector",
    "role",
    "submitted_at",
    "wave",
    "CA1",
    "CA2",
    "SM1",
    "EQ1",
    "Respondent ID",
    "CA1",
    "",
    "item_id",
    "value",
    "Partners share a clear understanding of the problem we are trying to solve together.",
]
cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
row = st.lists(cell, min_size=0, max_size=12)


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=10))
    rows = draw(st.lists(row, max_size=15))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace")


@st.composite
def xlsx_files(draw) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8)))
    values = st.one_of(
        cell.map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
        st.integers(-10, 10),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    for values_row in draw(st.lists(st.lists(values, max_size=8), max_size=10)):
        sheet.append(values_row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


files = st.one_of(
    st.binary(max_size=2000),
    csv_files(),
    xlsx_files(),
    st.text(alphabet=string.printable, max_size=500).map(str.encode),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb"
    store = open_store(path)
    yield store
    forget_store(path)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=files, invalid=st.sampled_from(["reject", "missing"]))
def test_malformed_files_are_imported_cleanly_or_refused_with_reasons(store, data, invalid):
    before = store.table_counts()
    try:
        table = read_survey(data, "fuzz.csv")
    except UnreadableFile as error:
        assert str(error)
        event("unreadable")
        return
    mapping = propose_mapping(table, ITEMS)
    try:
        prepared = validate(table, mapping, ITEMS, data=data, wave="W")
        for problem in prepared.problems:
            assert problem.reason
        result = commit_import(
            store, Target("Fuzz", create=True), prepared, user=ADMIN, invalid=invalid
        )
    except ImportRefused as error:
        assert str(error)
        assert store.table_counts() == before
        event("refused")
        return
    event("imported")
    assert result.respondents == len(prepared.respondents) > 0
    assert invalid == "missing" or prepared.problem_count == 0
    after = store.table_counts()
    assert after["respondents"] == before["respondents"] + result.respondents
