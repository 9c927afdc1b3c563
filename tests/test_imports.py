"""Import rules: templates, the long layout, duplicates, undo, saved mappings, literal text,
limits, and the database untouched by every refusal."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analytics import settings
from analytics.errors import ImportRefused
from analytics.ingest.answers import answer_key
from analytics.ingest.commit import Target, commit_import, import_history, undo_import
from analytics.ingest.identifiers import normalise_column
from analytics.ingest.mapping import (
    FIELDS,
    NOT_USED,
    Mapping,
    MappingError,
    mapping_for,
    mapping_from_table,
    mapping_table,
    propose_mapping,
)
from analytics.ingest.reading import UnreadableFile, read_grid
from analytics.ingest.validate import (
    IDENTIFIER_FIELDS,
    _lengths,
    _parse_times,
    _Problems,
    _respondent_fields,
    by_distinct,
    read_survey,
    validate,
)
from analytics.ingest.values import DEFAULT_CHOICES, VALUE_FIELDS, place_answers
from analytics.instrument import load_instrument_csv
from analytics.measures.scoring import initiative_statistics
from analytics.views.templates import template_csv, template_xlsx
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

ITEMS = load_instrument_csv()
HEADER = "respondent_id,organisation,sector,role,submitted_at,CA1,CA2,CA3,EQ1\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def _prepare(data: bytes, name: str = "wave.csv", wave: str | None = "W1", **kw):
    table = read_survey(data, name)
    return validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave=wave, **kw)


def _import(store, data: bytes, name: str = "wave.csv", invalid: str = "reject", **kw):
    prepared = _prepare(data, name, **kw)
    return commit_import(
        store, Target("Test initiative", create=True), prepared, user=ADMIN, invalid=invalid
    )


GOOD = _csv(
    "r1,Alpha Trust,nonprofit,Leadership,2026-03-01,5,4,2,4",
    "r2,Beta Council,government,Staff,2026-03-02,4,,1,3",
    "r3,Gamma Ltd,business,Staff,2026-03-03,3,3,3,N/A",
)


def test_a_clean_file_imports_and_scores(empty_store):
    result = _import(empty_store, GOOD)
    assert (result.respondents, result.answers, result.missing, result.problems) == (3, 10, 2, 0)
    stats = initiative_statistics(empty_store, ADMIN, empty_store.initiative_id("Test initiative"))
    ca = stats[stats["scale"] == "common_agenda"].iloc[0]
    # CA1..CA3 answered (CA3 reverse): r1 (5+4+4)/3, r2 (4+5)/2, r3 (3+3+3)/3.
    assert ca["n"] == 3
    assert ca["mean"] == pytest.approx((13 / 3 + 4.5 + 3) / 3)


def test_problems_block_and_leave_the_database_unchanged(empty_store):
    bad = _csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,six,4")
    before = empty_store.table_counts()
    with pytest.raises(ImportRefused) as error:
        _import(empty_store, bad)
    assert error.value.problems[0].value == "six"
    assert error.value.problems[0].row == 2
    assert error.value.problems[0].column == "CA3"
    assert empty_store.table_counts() == before


def test_invalid_cells_as_missing_when_the_broker_chooses(empty_store):
    bad = _csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,six,4")
    result = _import(empty_store, bad, invalid="missing")
    assert (result.answers, result.missing, result.problems) == (3, 1, 1)
    stored = empty_store.read_df("SELECT item_id, value FROM responses ORDER BY item_id")
    assert stored.set_index("item_id")["value"].isna().to_dict()["CA3"]
    record = empty_store.read_df("SELECT problem_count, problems FROM imports")
    assert record["problem_count"].iloc[0] == 1
    assert "six" in record["problems"].iloc[0]


def test_the_same_file_twice_is_refused_until_undone(empty_store):
    first = _import(empty_store, GOOD)
    counts = empty_store.table_counts()
    with pytest.raises(ImportRefused, match="already imported"):
        _import(empty_store, GOOD)
    assert empty_store.table_counts() == counts
    assert undo_import(empty_store, ADMIN, first.import_id) == 3
    assert empty_store.read_one("SELECT count(*) FROM responses") == 0
    assert empty_store.read_one("SELECT count(*) FROM waves") == 0  # the wave it created
    history = import_history(empty_store, ADMIN, empty_store.initiative_id("Test initiative"))
    assert history["undone_by"].tolist() == [ADMIN.login]
    again = _import(empty_store, GOOD)
    assert again.import_id != first.import_id
    actions = empty_store.read_df("SELECT action FROM audit_log ORDER BY id")["action"].tolist()
    assert actions.count("import survey file") == 2 and "undo survey import" in actions


def test_undo_twice_is_refused(empty_store):
    result = _import(empty_store, GOOD)
    undo_import(empty_store, ADMIN, result.import_id)
    with pytest.raises(ImportRefused, match="already undone"):
        undo_import(empty_store, ADMIN, result.import_id)


def test_undo_keeps_a_wave_that_other_imports_use(empty_store):
    first = _import(empty_store, GOOD)
    other = GOOD.replace(b"r1,", b"r9,").replace(b"r2,", b"r8,").replace(b"r3,", b"r7,")
    _import(empty_store, other)
    undo_import(empty_store, ADMIN, first.import_id)
    assert empty_store.read_one("SELECT count(*) FROM waves") == 1


def test_create_happens_in_the_import_transaction(empty_store):
    bad = _csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,six,4")
    with pytest.raises(ImportRefused):
        _import(empty_store, bad)
    assert empty_store.initiative_id("Test initiative") is None
    prepared = _prepare(GOOD)
    with pytest.raises(ImportRefused, match="no initiative named"):
        commit_import(empty_store, Target("Unknown"), prepared, user=ADMIN)


def test_the_next_wave_of_the_same_survey_maps_itself(empty_store):
    data = _csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,2,4")
    table = read_survey(data, "wave1.csv")
    mapping = propose_mapping(table, ITEMS)
    mapping.items.pop("EQ1")  # the broker decides EQ1 was asked differently and drops it
    prepared = validate(table, mapping, ITEMS, data=data, wave="W1")
    commit_import(empty_store, Target("Test initiative", create=True), prepared, user=ADMIN)
    initiative_id = empty_store.initiative_id("Test initiative")
    next_wave = read_survey(_csv("r1,Alpha,nonprofit,Lead,2026-09-01,4,4,2,5"), "wave2.csv")
    saved, was_saved = mapping_for(empty_store, ADMIN, initiative_id, next_wave, ITEMS)
    assert was_saved
    assert "EQ1" not in saved.items.values()
    other_survey = read_survey(b"respondent_id,CA1\nx,4\n", "other.csv")
    assert not mapping_for(empty_store, ADMIN, initiative_id, other_survey, ITEMS)[1]


def test_long_template_with_a_wave_column(empty_store):
    data = (
        b"respondent_id,organisation,sector,role,submitted_at,wave,item_id,value\n"
        b"r1,Alpha,nonprofit,Lead,2026-03-01,W1,CA1,5\n"
        b"r1,Alpha,nonprofit,Lead,2026-03-01,W1,ca2,agree\n"
        b"r1,Alpha,nonprofit,Lead,2026-09-01,W2,CA1,3\n"
        b"r2,Beta,government,Staff,2026-03-02,W1,CA1,N/A\n"
        b"r2,Beta,government,Staff,2026-03-02,W1,XX9,4\n"
        b"r2,Beta,government,Staff,2026-03-02,W1,CA2,7\n"
        b"r2,Beta,government,Staff,2026-03-02,W1,EQ1,strongly agree\n"
    )
    table = read_survey(data, "long.csv")
    assert table.layout.key == "template_long"
    mapping = propose_mapping(table, ITEMS)
    assert (mapping.item_column, mapping.value_column) == ("item_id", "value")
    prepared = validate(table, mapping, ITEMS, data=data)
    problems = {(p.row, p.column, p.value) for p in prepared.problems}
    assert problems == {(6, "item_id", "XX9"), (7, "value", "7")}
    result = commit_import(
        empty_store, Target("Long", create=True), prepared, user=ADMIN, invalid="missing"
    )
    assert sorted(result.waves) == ["W1", "W2"]
    stored = empty_store.read_df(
        "SELECT w.label, p.respondent_key, r.item_id, r.value FROM responses r"
        " JOIN respondents p ON p.id = r.respondent_id JOIN waves w ON w.id = p.wave_id"
        " ORDER BY 1, 2, 3"
    )
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in stored.itertuples(index=False)]
    assert rows == [
        ("W1", "r1", "CA1", 5),
        ("W1", "r1", "CA2", 4),
        ("W1", "r1", "EQ1", None),
        ("W1", "r2", "CA1", None),
        ("W1", "r2", "CA2", None),
        ("W1", "r2", "EQ1", 5),
        ("W2", "r1", "CA1", 3),
        ("W2", "r1", "CA2", None),
        ("W2", "r1", "EQ1", None),
    ]


def _filled(kind: str, long: bool = False) -> bytes:
    """A template as a broker fills it in: one respondent, every item (or three, long)."""
    fields = [
        "R001",
        "Example Family Centre",
        "nonprofit",
        "Programme staff",
        "2026-03-04 10:15",
        "Mar 2026",
    ]
    if long:
        rows = [[*fields, item.item_id, 4] for item in ITEMS[:3]]
    else:
        rows = [[*fields, *["agree" if i % 2 else 4 for i in range(len(ITEMS))]]]
    if kind == "csv":
        header = template_csv(ITEMS, long=long).decode("utf-8-sig").strip()
        body = "\n".join(",".join(map(str, r)) for r in rows)
        return f"{header}\n{body}\n".encode()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_xlsx(ITEMS)))
    sheet = book["Responses (long)" if long else "Responses (wide)"]
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("long", [False, True])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_templates_import_once_filled_in(empty_store, kind, long):
    data = _filled(kind, long)
    table = read_survey(data, f"template.{kind}")
    assert table.layout.key == ("template_long" if long else "template_wide")
    mapping = propose_mapping(table, ITEMS)
    if not long:
        assert sorted(mapping.items.values()) == sorted(i.item_id for i in ITEMS)
    assert {"respondent_id", "organisation", "sector", "role", "submitted_at", "wave"} <= set(
        mapping.fields
    )
    prepared = validate(table, mapping, ITEMS, data=data)
    assert prepared.problem_count == 0
    result = commit_import(empty_store, Target("T", create=True), prepared, user=ADMIN)
    assert (result.respondents, result.answers) == (1, 3 if long else len(ITEMS))


def test_an_empty_template_has_no_respondents():
    data = template_csv(ITEMS)
    prepared = _prepare(data, wave=None)
    assert prepared.respondents.empty


def test_text_is_stored_and_returned_literally(empty_store):
    hostile = [
        '=HYPERLINK("http://x","click")',
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE respondents; --",
        "@SUM(A1)",
    ]
    quoted = ['"' + h.replace('"', '""') + '"' for h in hostile]
    rows = [f"r{i},{q},nonprofit,{q},,4,4,4,4" for i, q in enumerate(quoted)]
    _import(empty_store, _csv(*rows))
    stored = empty_store.read_df("SELECT organisation, role FROM respondents ORDER BY id")
    assert stored["organisation"].tolist() == hostile
    assert stored["role"].tolist() == hostile
    assert empty_store.read_one("SELECT count(*) FROM respondents") == len(hostile)


def test_blank_rows_are_not_respondents():
    data = _csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,2,4", ",,,,,,,,", "", "  ,,,,,,,,")
    prepared = _prepare(data)
    assert len(prepared.respondents) == 1
    assert prepared.problem_count == 0


def test_respondent_fields_are_checked():
    data = _csv(
        "r1,Alpha,Martians,Lead,yesterday,5,4,2,4",
        "r1,Alpha,Non-profit,Lead,04/03/2026 10:15,5,4,2,4",
        "r2,Beta,Community,Lead,31/03/2026 10:15,5,4,2,4",
    )
    prepared = _prepare(data)
    reasons = {(p.row, p.column): p.reason for p in prepared.problems}
    # Issue 14: a sector no rule places is unspecified with a warning, never a problem.
    assert (2, "sector") not in reasons
    assert "'Martians'" in " ".join(prepared.warnings)
    assert reasons[(2, "submitted_at")] == "not a date and time"
    assert "earlier row" in reasons[(3, "respondent_id")]
    kept = prepared.respondents.set_index("respondent_key")
    assert kept.loc["r2", "sector"] == "community member"
    # 31/03 shows the file writes the day first, so 04/03 is the 4th of March.
    assert str(kept.loc["r2", "submitted_at"]) == "2026-03-31 10:15:00"


def test_a_wave_is_needed():
    with pytest.raises(ImportRefused, match="name the wave"):
        _prepare(GOOD, wave=None)


def test_cells_over_the_length_limit_are_problems(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_MAX_CELL_CHARS", "20")
    prepared = _prepare(_csv(f"r1,{'x' * 21},nonprofit,Lead,2026-03-01,5,4,2,{'4' * 25}"))
    assert {(p.column, p.reason) for p in prepared.problems} == {
        ("organisation", "longer than 20 characters"),
        ("EQ1", "longer than 20 characters"),
    }


def test_file_size_and_row_limits(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_MAX_UPLOAD_MB", "1")
    with pytest.raises(UnreadableFile, match="limit is 1 MB"):
        read_grid(b"a,b\n" + b"1,2\n" * 300_000, "big.csv")
    monkeypatch.setenv("COMMON_MEASURE_MAX_ROWS", "10")
    with pytest.raises(UnreadableFile, match="limit is 10"):
        read_grid(b"a,b\n" + b"1,2\n" * 20, "long.csv")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Excel 97-2003"),
        (b"PK\x03\x04not really a zip", "not a readable .xlsx"),
        (b"a,b\x00,c\n", "binary"),
        (b"a,b\nOrg\x81\x8d\x8f\x90\x9d\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(UnreadableFile, match=message):
        read_grid(data, "upload.csv")


def test_encodings_and_delimiters_are_detected():
    text = "respondent_id;organisation;CA1\r\nr1;Société Générale – Lyon;agree\r\n"
    for encoding, name in (
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 with BOM"),
        ("cp1252", "Windows-1252"),
        ("utf-16", "UTF-16"),
    ):
        grid = read_grid(text.encode(encoding), "f.csv")
        assert grid.encoding == name
        assert grid.delimiter == ";"
        assert grid.line_ending == "CRLF"
        assert grid.frame.iloc[1, 1] == "Société Générale – Lyon"
    tabbed = read_grid(b"a\tb\tc\n1\t2\t3\n", "f.tsv")
    assert tabbed.delimiter == "\t" and tabbed.frame.shape == (2, 3)


def test_ragged_rows_are_problems_with_their_row_numbers():
    data = _csv(
        "r1,A,nonprofit,L,2026-03-01,5,4,2,4",
        "r2,B,nonprofit,L,2026-03-01,5,4,2,4,9,9",
        "r3,C,nonprofit,L,2026-03-01,5,4,2",
        "r4,D,nonprofit,L,2026-03-01,5,4,2,4",
    )
    prepared = _prepare(data)
    assert [(p.row, p.column) for p in prepared.problems] == [(3, None), (4, None)]
    assert "has 11 cells" in prepared.problems[0].reason
    assert "has 8 cells" in prepared.problems[1].reason
    assert prepared.respondents["respondent_key"].tolist() == ["r1", "r4"]


def test_an_unquoted_line_break_does_not_make_a_respondent():
    data = b"respondent_id,CA1,comment,CA2\nR1,4,great\nwork,5\nR2,3,ok,2\n"
    prepared = _prepare(data)
    assert [p.row for p in prepared.problems] == [2, 3]
    assert prepared.respondents["respondent_key"].tolist() == ["R2"]


def test_a_stray_byte_in_utf8_is_an_error_not_mojibake():
    data = "respondent_id,organisation\nr1,Café\n".encode() + b"r2,Caf\xe9\n"
    with pytest.raises(UnreadableFile, match="UTF-8 except for byte 0xe9 on line 3"):
        read_grid(data, "mixed.csv")


def test_dates_need_day_month_and_year_and_follow_the_file():
    data = _csv(
        "r1,A,nonprofit,L,2024,5,4,2,4",
        "r2,B,nonprofit,L,05/03/2024 10:00,5,4,2,4",
        "r3,C,nonprofit,L,2024-03-05T10:00:00+01:00,5,4,2,4",
        "r4,D,nonprofit,L,0005-01-01,5,4,2,4",
    )
    prepared = _prepare(data)
    assert {(p.row, p.value) for p in prepared.problems} == {(2, "2024"), (5, "0005-01-01")}
    times = prepared.respondents.set_index("respondent_key")["submitted_at"].astype(str)
    assert times["r2"] == "2024-03-05 10:00:00"  # day first unless the layout says otherwise
    assert times["r3"] == "2024-03-05 09:00:00"  # stored in UTC


def test_mapping_editor_round_trip_and_conflicts():
    table = read_survey(GOOD, "wave.csv")
    mapping = propose_mapping(table, ITEMS)
    edited = mapping_table(table, mapping, ITEMS)
    again = mapping_from_table(edited, ITEMS, [6])
    assert again.items == mapping.items and again.fields == mapping.fields
    assert again.missing_codes == [6]
    edited.loc[edited["Column"] == "EQ1", "Maps to"] = NOT_USED
    assert "EQ1" not in mapping_from_table(edited, ITEMS, []).items
    duplicate = edited.copy()
    duplicate.loc[duplicate["Column"] == "CA2", "Maps to"] = duplicate.loc[
        duplicate["Column"] == "CA1", "Maps to"
    ].iloc[0]
    with pytest.raises(MappingError, match="both"):
        mapping_from_table(duplicate, ITEMS, [])


def test_preview_shows_rows_as_stored():
    prepared = _prepare(GOOD)
    preview = prepared.preview()
    assert preview.loc[0, "respondent_key"] == "r1"
    assert preview.loc[0, "sector"] == "nonprofit"
    assert int(preview.loc[0, "CA3"]) == 2  # stored raw; reverse coding happens in scoring
    assert pd.isna(preview.loc[1, "CA2"])


def test_problem_export_is_formula_safe():
    prepared = _prepare(_csv("r1,Alpha,nonprofit,Lead,2026-03-01,5,4,=1+2,4"))
    from analytics.views.exports import csv_bytes

    back = pd.read_csv(io.BytesIO(csv_bytes(prepared.problems_frame())), encoding="utf-8-sig")
    assert back["value"].iloc[0] == "'=1+2"


def test_respondents_already_in_the_wave_are_refused(empty_store):
    _import(empty_store, GOOD)
    before = empty_store.table_counts()
    re_export = GOOD + b"r4,Delta,other,Staff,2026-03-04,4,4,4,4\n"
    with pytest.raises(ImportRefused, match="3 respondent") as error:
        _import(empty_store, re_export)
    assert [(p.row, p.value) for p in error.value.problems] == [(2, "r1"), (3, "r2"), (4, "r3")]
    assert "undo that import" in error.value.problems[0].reason
    assert empty_store.table_counts() == before
    _import(empty_store, re_export, wave="W2")  # the same people in another wave: fine


def test_long_layout_rows_without_respondent_id_are_problems():
    data = b"respondent_id,wave,item_id,value\n,W1,CA1,4\n  ,W1,CA2,5\nr1 ,W1,CA1,3\nr1,W1,CA2,2\n"
    table = read_survey(data, "long.csv")
    prepared = validate(table, propose_mapping(table, ITEMS), ITEMS, data=data)
    assert [(p.row, p.reason[:16]) for p in prepared.problems] == [
        (2, "no respondent id"),
        (3, "no respondent id"),
    ]
    assert prepared.respondents["respondent_key"].tolist() == ["r1"]
    assert prepared.values.iloc[0].tolist() == [3, 2]


def test_keyless_files_do_not_clash_with_each_other(empty_store):
    no_ids = b"organisation,CA1,CA2\nA,4,4\nB,5,5\n"
    _import(empty_store, no_ids, "one.csv")
    _import(empty_store, no_ids + b"C,3,3\n", "two.csv")
    assert empty_store.read_one("SELECT count(*) FROM respondents") == 5
    assert empty_store.read_one("SELECT count(respondent_key) FROM respondents") == 0


def test_the_wave_label_is_suggested_from_the_answers_dates():
    from analytics.ingest.validate import suggested_wave

    table = read_survey(GOOD, "wave.csv")
    assert suggested_wave(table, propose_mapping(table, ITEMS)) == "Mar 2026"
    undated = read_survey(b"respondent_id,CA1\nr1,4\n", "undated.csv")
    assert suggested_wave(undated, propose_mapping(undated, ITEMS)) is None


def test_organisations_that_are_not_partners_are_named(demo_store):
    from analytics.ingest.commit import unknown_organisations

    initiative = demo_store.initiative_id("Riverside Early Years Alliance")
    partner = demo_store.read_one(
        "SELECT name FROM partners WHERE initiative_id = ? LIMIT 1", [initiative]
    )
    data = _csv(
        f"r1,{partner.upper()} ,nonprofit,L,2026-03-01,5,4,2,4",
        "r2,Nobody Ltd,business,L,2026-03-01,5,4,2,4",
    )
    assert unknown_organisations(demo_store, ADMIN, initiative, _prepare(data)) == ["Nobody Ltd"]


def test_cells_released_while_validating_change_nothing_that_is_stored():
    """The CLI validates once and lets each item column's cells go once checked: what would be
    stored is the same, and the table no longer holds those cells."""
    data = _csv(
        "r1,Alpha Trust,nonprofit,Leadership,2026-03-01,5,4,2,4",
        "r2,Beta Council,government,Staff,2026-03-02,4,,7,3",
    )
    kept = _prepare(data)
    table = read_survey(data, "wave.csv")
    mapping = propose_mapping(table, ITEMS)
    released = validate(table, mapping, ITEMS, data=data, wave="W1", release_cells=True)
    pd.testing.assert_frame_equal(released.values, kept.values)
    pd.testing.assert_frame_equal(released.respondents, kept.respondents)
    assert released.problems == kept.problems
    assert released.sha256 == kept.sha256
    for label in mapping.items:
        assert label not in table.data.columns
    assert "organisation" in table.data.columns
    assert table.grid.frame.shape[1] == len(table.labels) - len(mapping.items)


def test_an_import_without_its_cells_commits_the_same(empty_store):
    from analytics.ingest.validate import file_sha256, without_cells

    prepared = _prepare(GOOD)
    bare = without_cells(prepared)
    assert bare.table.data.empty and bare.table.grid.frame.empty
    assert prepared.table.data.shape == (3, 9)  # the original is untouched
    assert bare.table.grid.describe() == prepared.table.grid.describe()
    assert bare.sha256 == file_sha256(GOOD) == prepared.sha256
    result = commit_import(empty_store, Target("Test initiative", create=True), bare, user=ADMIN)
    assert (result.respondents, result.answers, result.missing) == (3, 10, 2)


def test_a_given_sha256_stands_for_the_bytes():
    table = read_survey(GOOD, "wave.csv")
    prepared = validate(table, propose_mapping(table, ITEMS), ITEMS, sha256="ab" * 32, wave="W1")
    assert prepared.sha256 == "ab" * 32


def _reference_respondent_fields(
    frame, rows, mapping, wave, problems, first, choices, places, warns
):
    """validate._respondent_fields as it was before it worked per distinct value: cell by cell
    over every row (the behaviour the faster one keeps)."""
    max_chars = settings.get("COMMON_MEASURE_MAX_CELL_CHARS")
    out = pd.DataFrame({"row": rows.astype(int)})
    for name in FIELDS:
        label = mapping.fields.get(name)
        column = frame[label].astype(str).str.strip() if label else pd.Series("", index=frame.index)
        if name in IDENTIFIER_FIELDS:
            column = normalise_column(column)
        too_long = _lengths(column) > max_chars
        for row, value in zip(rows[too_long], column[too_long], strict=True):
            problems.add(int(row), label, value, f"longer than {max_chars} characters")
        out[name] = column.where(~too_long, "")
    out = out.rename(columns={"respondent_id": "respondent_key"})
    for name in VALUE_FIELDS:
        options = list(choices.get(name, DEFAULT_CHOICES[name]))
        if not options:
            continue
        found = place_answers(out[name], name, options, mapping.values.get(name, {}))
        places.extend(found)
        place = {answer_key(p.answer): p.value for p in found}
        codes, parsed = by_distinct(out[name], lambda s, place=place: place.get(answer_key(s)))
        out[name] = pd.Series(np.array(parsed, dtype=object)[codes], index=out.index)
        unplaced = [p for p in found if p.value is None]
        if unplaced:
            shown = ", ".join(repr(p.answer) for p in unplaced[:10])
            more = f" and {len(unplaced) - 10} more" if len(unplaced) > 10 else ""
            warns.append(
                f"{sum(p.count for p in unplaced)} respondent(s) have no {name} "
                f"(unspecified): no rule or value map places {shown}{more}"
            )
    submitted = _parse_times(out["submitted_at"], first)
    unparsed = out["submitted_at"].ne("") & submitted.isna()
    for row, value in zip(rows[unparsed], out["submitted_at"][unparsed], strict=True):
        problems.add(int(row), mapping.fields["submitted_at"], value, "not a date and time")
    out["submitted_at"] = submitted
    out["wave"] = out["wave"].where(out["wave"].ne(""), wave or "")
    for row in rows[out["wave"].eq("")]:
        problems.add(int(row), mapping.fields.get("wave"), "", "no wave label")
    for name in ("organisation", "sector", "role"):
        out[name] = out[name].where(out[name].notna() & out[name].ne(""), None)
    return out


_TRICKY = {
    "id": ["r1", " r1 ", "", "   ", "r2", "R2", "x" * 25, " " + "y" * 21, "r\u200b3", "r1"],
    "org": [
        "Alpha Trust",
        "  Alpha   Trust ",
        "Alpha\u200bTrust",
        "alpha trust",
        "",
        "  ",
        "Caf\u0065\u0301",
        "Caf\u00e9",
        "Line\nbreak",
        "o" * 21,
        "o" * 20,
        " " + "o" * 20 + " ",
    ],
    "sector": [
        "nonprofit",
        " Nonprofit ",
        "Organisme à but non lucratif",
        "Gouvernement",
        "Government / public sector",
        "Business",
        "",
        " ",
        "Something unheard of",
        "Quelque chose d'autre",
        "s" * 21,
        "-",
    ],
    "role": ["Staff", " staff", "Personnel", "Leadership", "", "Direction", "r" * 30, "?"],
    "date": [
        "2026-03-01",
        " 2026-03-02 10:00 ",
        "04/03/2026",
        "04/03/2026 08:10:00 PM",
        "not a date",
        "",
        "  ",
        "2026-13-45",
        "d" * 22,
        "1850-01-01",
    ],
    "wave": ["W1", " W1 ", "W\u200b1", "", "   ", "w" * 21, "Wave 2"],
}


def _tricky_frame(seed: int, rows: int, kinds: dict[str, str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(index=range(rows))
    for column, pool in _TRICKY.items():
        kind = kinds.get(column, "arrow")
        if kind == "mixed":  # cells no reader gives, as a caller's frame may hold
            pool = [*pool, None, float("nan"), 1, 1.0, True]
        cells = [pool[i] for i in rng.integers(0, len(pool), rows)]
        frame[column] = pd.Series(cells, dtype=str if kind == "arrow" else object)
    return frame


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("wave", [None, "Given wave"])
def test_respondent_fields_per_distinct_value_as_cell_by_cell(seed, wave, monkeypatch):
    """The respondent fields checked once per distinct cell give what checking every cell gave
    (the same rows, dtypes, problems in the same order, placements and warnings), whatever the
    cells hold and whether the columns are Arrow text or Python objects (the exact CSV reader,
    XLSX), or some unmapped."""
    monkeypatch.setenv("COMMON_MEASURE_MAX_CELL_CHARS", "20")
    kinds = [
        {},
        dict.fromkeys(_TRICKY, "object"),
        {"org": "object", "date": "object"},
        dict.fromkeys(["org", "sector", "role", "date", "wave"], "mixed"),
    ]
    fields = {
        "respondent_id": "id",
        "organisation": "org",
        "sector": "sector",
        "role": "role",
        "submitted_at": "date",
        "wave": "wave",
    }
    if seed % 3 == 2:
        del fields["organisation"], fields["wave"]
    choices = [{}, {"sector": ["nonprofit", "government", "other"], "role": ["Staff", "Lead"]}]
    saved = {"sector": {"quelque chose d'autre": "other", "something unheard of": "unspecified"}}
    frame = _tricky_frame(seed, 40 + 97 * seed, kinds[seed % 4])
    rows = pd.Series(range(2, len(frame) + 2), dtype="int64")
    mapping = Mapping(fields=fields, values=saved if seed % 3 else {})
    got, expected = [], []
    for function, held in ((_respondent_fields, got), (_reference_respondent_fields, expected)):
        problems, places, warns = _Problems(), [], []
        out = function(
            frame, rows, mapping, wave, problems, seed % 2 == 0, choices[seed % 2], places, warns
        )
        held.extend([out, problems.kept, problems.count, places, warns])
    pd.testing.assert_frame_equal(got[0], expected[0])
    assert got[1:] == expected[1:]
    assert expected[2] > 0 and expected[3]  # the tricky cells did make problems and placements
