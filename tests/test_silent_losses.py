"""Issue 14, point 6: the losses a new user met without a word, each now impossible or loud.
Each test here failed on the code before issue 14."""

from __future__ import annotations

import pytest

from analytics.errors import ImportRefused
from analytics.ingest.commit import Target, already_stored, commit_import
from analytics.ingest.mapping import propose_mapping, unmapped_items
from analytics.ingest.reading import read_grid
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from tests.conftest import ROOT
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

ITEMS = load_instrument_csv()
GOOGLE = ROOT / "tests" / "fixtures" / "imports" / "googleforms"
CA1 = "Partners share a clear understanding of the problem we are trying to solve together."
CA3 = "My organisation's own priorities often pull it away from the shared plan."
METADATA = (
    "Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,"
    "Last Name,Custom Data 1"
)


def _monkey(question: str, sub: str, rows: list[str]) -> bytes:
    """A SurveyMonkey export: two header rows, then respondents."""
    lines = [METADATA + "," + question, "," * 8 + "," + sub, *rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _prepare(data: bytes, name: str = "monkey.csv", **kw):
    table = read_survey(data, name)
    mapping = propose_mapping(table, ITEMS)
    return table, mapping, validate(table, mapping, ITEMS, data=data, wave="W1", **kw)


def test_pm_is_honoured_in_surveymonkey_dates():
    data = _monkey(
        f"Organisation name,Question,{CA1}",
        "Open-Ended Response,Response,Response",
        [
            "11863598213,452198091,03/13/2026 08:02:14 PM,03/13/2026 08:10:00 PM,,,,,,"
            "Alpha,Nonprofit,Agree",
            "11863598214,452198091,03/14/2026 11:50:00 AM,03/14/2026 12:05:00 PM,,,,,,"
            "Beta,Nonprofit,Agree",
            "11863598215,452198091,03/14/2026 11:50:00 PM,03/15/2026 12:05:00 AM,,,,,,"
            "Gamma,Nonprofit,Agree",
        ],
    )
    _table, _mapping, prepared = _prepare(data)
    times = prepared.respondents["submitted_at"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert times == ["2026-03-13 20:10", "2026-03-14 12:05", "2026-03-15 00:05"]


def test_a_sector_column_is_proposed_from_its_answers():
    question = "Which of the following best describes your organisation?"
    data = _monkey(
        f"What is the name of your organisation?,{question},{CA1}",
        "Open-Ended Response,Response,Response",
        [
            f"1186359821{i},452198091,03/13/2026 08:02:14 AM,03/13/2026 08:10:00 AM,,,,,,"
            f"Org {i},{sector},Agree"
            for i, sector in enumerate(
                [
                    "Nonprofit / voluntary sector",
                    "Government / public sector",
                    "Business / private sector",
                    "Philanthropy / funder",
                    "Community member / resident",
                    "Nonprofit / voluntary sector",
                ]
            )
        ],
    )
    table, mapping, prepared = _prepare(data)
    assert mapping.fields["sector"] == question
    assert mapping.fields["organisation"] == "What is the name of your organisation?"
    assert prepared.respondents["sector"].value_counts().to_dict() == {
        "nonprofit": 2,
        "government": 1,
        "business": 1,
        "philanthropy": 1,
        "community member": 1,
    }


def test_an_item_without_a_column_is_named_with_the_closest_header():
    reworded = CA1.replace("we are", "we're").rstrip(".")
    data = _monkey(
        f"Organisation,Sector,{reworded},{CA3}",
        "Open-Ended Response,Response,Response,Response",
        [
            "11863598213,452198091,03/13/2026 08:02:14 AM,03/13/2026 08:10:00 AM,,,,,,"
            "Alpha,nonprofit,Agree,Disagree",
        ],
    )
    table, mapping, prepared = _prepare(data)
    assert "CA1" not in mapping.items.values()
    gap = next(g for g in unmapped_items(table, mapping, ITEMS) if g.item_id == "CA1")
    assert gap.closest == reworded and gap.similarity > 0.9
    warned = " ".join(prepared.notices())
    assert "CA1" in warned and reworded[:40] in warned


def test_mac_roman_is_not_read_as_windows_1252():
    text = (
        "respondent_id,organisation,sector,CA1\r\n"
        "r1,Café des Amis,Organisme à but non lucratif,Agree\r\n"
        "r2,Société de développement,Gouvernement / secteur public,Agree\r\n"
    )
    grid = read_grid(text.encode("mac_roman"), "mac.csv")
    assert grid.encoding == "Mac Roman"
    assert grid.frame.iloc[1, 1] == "Café des Amis"
    assert grid.frame.iloc[2, 1] == "Société de développement"
    # The same text from Windows still reads as Windows-1252.
    assert read_grid(text.encode("cp1252"), "win.csv").encoding == "Windows-1252"


def _google(name: str):
    data = (GOOGLE / name).read_bytes()
    table = read_survey(data, name)
    return validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave="W1")


def test_the_xlsx_of_an_imported_google_sheet_is_not_imported_twice(empty_store):
    first = commit_import(
        empty_store,
        Target("Dup", create=True),
        _google("responses.csv"),
        user=ADMIN,
        invalid="missing",
    )
    initiative_id = empty_store.initiative_id("Dup")
    again = _google("responses.xlsx")
    found = already_stored(empty_store, ADMIN, initiative_id, again)
    assert len(found.duplicate_rows) == first.respondents
    with pytest.raises(ImportRefused, match="already in this wave"):
        commit_import(empty_store, initiative_id, again, user=ADMIN, invalid="missing")
    with pytest.raises(ImportRefused, match="every row"):
        commit_import(
            empty_store, initiative_id, again, user=ADMIN, invalid="missing", duplicates="skip"
        )
    count = empty_store.read_one("SELECT count(*) FROM respondents")
    assert count == first.respondents


def test_the_same_file_twice_is_refused_before_the_import_button(empty_store):
    prepared = _google("responses.csv")
    result = commit_import(
        empty_store, Target("Twice", create=True), prepared, user=ADMIN, invalid="missing"
    )
    initiative_id = empty_store.initiative_id("Twice")
    found = already_stored(empty_store, ADMIN, initiative_id, _google("responses.csv"))
    assert found.same_file_import == result.import_id
    assert "already imported" in found.refusal("responses.csv")


def test_duplicates_can_be_skipped_keeping_the_new_rows(empty_store):
    header = "Timestamp,Organisation,Sector,CA1\n"
    old = "3/4/2026 10:15:30,Alpha,Nonprofit,Agree\n3/4/2026 11:00:00,Beta,Nonprofit,Agree\n"
    new = old + "3/5/2026 09:00:00,Gamma,Nonprofit,Disagree\n"

    def prep(text: str, name: str):
        data = (header + text).encode()
        table = read_survey(data, name)
        return validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave="W1")

    commit_import(empty_store, Target("Skip", create=True), prep(old, "a.csv"), user=ADMIN)
    initiative_id = empty_store.initiative_id("Skip")
    result = commit_import(
        empty_store, initiative_id, prep(new, "b.csv"), user=ADMIN, duplicates="skip"
    )
    assert result.respondents == 1
    stored = empty_store.read_df("SELECT organisation FROM respondents ORDER BY id")
    assert stored["organisation"].tolist() == ["Alpha", "Beta", "Gamma"]
