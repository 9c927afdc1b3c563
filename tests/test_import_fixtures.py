"""Each survey tool's export, as researched in tests/fixtures/imports/*/LAYOUT.md, imports
with exactly the answers, problems and scores of its hand-made expected file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.measures.scoring import group_statistics, initiative_statistics
from tests.conftest import ROOT
from tests.users import ADMIN

FIXTURES = ROOT / "tests" / "fixtures" / "imports"
ITEMS = load_instrument_csv()
KOBO_XML_NAMES = {  # what a broker maps by hand: the XML export holds no statement text
    "shared_problem": "CA1",
    "outcomes_agreed": "CA2",
    "own_priorities": "CA3",
    "community_voice": "CA4",
    "same_indicators": "SM1",
    "data_shared": "SM2",
    "no_duplication": "MR2",
    "real_value": "MR3",
    "meet_often": "CC1",
    "safe_to_disagree": "CC3",
    "equal_say": "EQ1",
    "avoid_conflict": "HC2",
}


@dataclass
class Case:
    file: str
    layout: str
    expected: str
    missing_codes: list[int] = field(default_factory=list)
    sector_is_coded: bool = False  # numeric exports code the sector question too
    has_ids: bool = True

    @property
    def path(self) -> Path:
        return FIXTURES / self.file


CASES = [
    Case(
        "surveymonkey/responses_expanded.csv",
        "surveymonkey",
        "surveymonkey/responses_expanded.expected.csv",
    ),
    Case(
        "surveymonkey/responses_numeric.csv",
        "surveymonkey",
        "surveymonkey/responses_numeric.expected.csv",
        [6],
        sector_is_coded=True,
    ),
    Case("surveymonkey/responses.xlsx", "surveymonkey", "surveymonkey/responses.expected.csv"),
    Case("qualtrics/responses_text.csv", "qualtrics", "qualtrics/responses_text.expected.csv"),
    Case(
        "qualtrics/responses_numeric.csv",
        "qualtrics",
        "qualtrics/responses_numeric.expected.csv",
        [6],
        sector_is_coded=True,
    ),
    Case("qualtrics/responses.xlsx", "qualtrics", "qualtrics/responses.expected.csv"),
    Case(
        "googleforms/responses.csv",
        "google_forms",
        "googleforms/responses.expected.csv",
        has_ids=False,
    ),
    Case(
        "googleforms/responses.xlsx",
        "google_forms",
        "googleforms/responses.expected.csv",
        has_ids=False,
    ),
    Case(
        "googleforms/responses_forms_tab.csv",
        "google_forms",
        "googleforms/responses_forms_tab.expected.csv",
        has_ids=False,
    ),
    Case("msforms/responses.xlsx", "ms_forms", "msforms/responses.expected.csv"),
    Case("msforms/responses.csv", "ms_forms", "msforms/responses.expected.csv"),
    Case("kobo/responses_labels.csv", "kobo", "kobo/responses_labels.expected.csv"),
    Case("kobo/responses_labels.xlsx", "kobo", "kobo/responses_labels.expected.csv"),
    Case("kobo/responses_xml.csv", "kobo", "kobo/responses_xml.expected.csv"),
    Case(
        "excel_resave/responses_cp1252_semicolon.csv",
        "generic",
        "excel_resave/responses_cp1252_semicolon.expected.csv",
    ),
]


def _mapping(case: Case, table):
    mapping = propose_mapping(table, ITEMS)
    if case.file == "kobo/responses_xml.csv":
        for label in table.labels:
            name = label.rsplit("/", 1)[-1]
            if name in KOBO_XML_NAMES:
                mapping.items[label] = KOBO_XML_NAMES[name]
    if case.sector_is_coded:
        mapping.fields.pop("sector")  # the broker leaves the coded sector column unmapped
    return mapping


def _expected(case: Case) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / case.expected, dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None)).astype("Int64")
    order = list(dict.fromkeys(frame["respondent_key"]))
    frame["position"] = frame["respondent_key"].map({k: i for i, k in enumerate(order)})
    return frame


@pytest.fixture(params=CASES, ids=[c.file for c in CASES])
def case(request) -> Case:
    return request.param


def test_layout_is_detected(case: Case):
    table = read_survey(case.path.read_bytes(), case.path.name)
    assert table.layout.key == case.layout


def test_every_item_column_is_found(case: Case):
    table = read_survey(case.path.read_bytes(), case.path.name)
    mapping = _mapping(case, table)
    expected = _expected(case)
    assert sorted(mapping.items.values()) == sorted(set(expected["item_id"]))
    wanted = {"organisation", "role"} | (set() if case.sector_is_coded else {"sector"})
    assert wanted <= set(mapping.fields)
    assert ("respondent_id" in mapping.fields) is case.has_ids


def test_problems_are_exactly_the_invalid_cells(case: Case):
    data = case.path.read_bytes()
    table = read_survey(data, case.path.name)
    mapping = _mapping(case, table)
    prepared = validate(
        table, mapping, ITEMS, data=data, wave="W1", missing_codes=case.missing_codes
    )
    expected = _expected(case)
    position_of_row = {int(r): i for i, r in enumerate(prepared.respondents["row"])}
    found = {(position_of_row[p.row], mapping.items[p.column]) for p in prepared.problems}
    wanted = {(int(r.position), r.item_id) for r in expected.itertuples() if r.status == "invalid"}
    assert found == wanted
    for problem in prepared.problems:
        assert problem.row and problem.column and problem.value and problem.reason


def test_imported_answers_and_scores_equal_the_expected_file(case: Case, empty_store):
    data = case.path.read_bytes()
    table = read_survey(data, case.path.name)
    mapping = _mapping(case, table)
    prepared = validate(
        table, mapping, ITEMS, data=data, wave="W1", missing_codes=case.missing_codes
    )
    result = commit_import(
        empty_store, Target("Fixture", create=True), prepared, user=ADMIN, invalid="missing"
    )
    expected = _expected(case)
    assert result.respondents == expected["position"].nunique()

    stored = empty_store.read_df(
        "SELECT p.id, p.respondent_key, p.organisation, p.sector, p.role, r.item_id, r.value"
        " FROM respondents p JOIN responses r ON r.respondent_id = p.id ORDER BY p.id"
    )
    first_id = stored["id"].min()
    stored["position"] = stored["id"] - first_id
    merged = expected.merge(
        stored, on=["position", "item_id"], how="outer", suffixes=("", "_stored"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert merged["value"].astype("Int64").equals(merged["value_stored"].astype("Int64"))
    assert (merged["organisation"] == merged["organisation_stored"]).all()
    assert (merged["role"] == merged["role_stored"]).all()
    if not case.sector_is_coded:
        assert (merged["sector"] == merged["sector_stored"]).all()
    if case.has_ids:
        assert (merged["respondent_key"] == merged["respondent_key_stored"]).all()

    initiative_id = empty_store.initiative_id("Fixture")
    scores = initiative_statistics(empty_store, ADMIN, initiative_id)
    truth = group_statistics(
        expected.assign(respondent_id=expected["position"], wave_id=1),
        pd.DataFrame([vars(i) for i in ITEMS]),
    )
    both = scores.merge(truth, on="scale", suffixes=("", "_truth"))
    assert len(both) == len(truth) > 0
    assert (both["n"] == both["n_truth"]).all()
    pd.testing.assert_series_equal(both["mean"], both["mean_truth"], check_names=False)
