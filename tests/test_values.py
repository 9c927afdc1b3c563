"""Sector and role answers placed on an initiative's lists (analytics.ingest.values): by rule
in English and French, by the broker's value map or codebook, else unspecified with a warning."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest.answers import parse_answer
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import mapping_for, propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.ingest.values import (
    ValuesError,
    initiative_choices,
    place_by_rule,
    read_values_csv,
    set_initiative_choices,
    values_from_frame,
)
from analytics.instrument import load_instrument_csv
from analytics.store.schema import SECTORS
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

ITEMS = load_instrument_csv()


@pytest.mark.parametrize(
    ("answer", "sector"),
    [
        ("Nonprofit / voluntary sector", "nonprofit"),
        ("Government / public sector", "government"),
        ("Community member / resident", "community member"),
        ("Philanthropy / funder", "philanthropy"),
        ("Business / private sector", "business"),
        ("University / research", "other"),
        ("Other (please specify)", "other"),
        ("Registered charity", "nonprofit"),
        ("Municipal government", "government"),
        ("Private foundation", "philanthropy"),  # the longest word wins: foundation
        ("Community", "community member"),
        ("NON-PROFIT", "nonprofit"),
        ("Organisme à but non lucratif", "nonprofit"),
        ("Organisme communautaire", "nonprofit"),
        ("Gouvernement / secteur public", "government"),
        ("Fondation", "philanthropy"),
        ("Résident(e)", "community member"),
        ("Entreprise / secteur privé", "business"),
        ("Membre de la communauté", "community member"),
        ("Autre (veuillez préciser)", "other"),
        ("Member of the public", "community member"),
    ],
)
def test_tool_labels_are_placed_by_rule(answer, sector):
    assert place_by_rule(answer, "sector", SECTORS) == sector


@pytest.mark.parametrize("answer", ["Martians", "3", "", "Public funder"])
def test_what_no_rule_settles_is_left_to_the_broker(answer):
    assert place_by_rule(answer, "sector", SECTORS) is None


def test_an_initiatives_own_list_is_matched_exactly_and_by_words():
    roles = ["leadership", "staff", "volunteer"]
    assert place_by_rule("Executive Director", "role", roles) == "leadership"
    assert place_by_rule("Bénévole", "role", roles) == "volunteer"
    assert place_by_rule("Staff", "role", roles) == "staff"
    assert place_by_rule("Board member", "role", roles) is None  # board is not on the list


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("Fortement en désaccord", 1),
        ("FORTEMENT EN DESACCORD", 1),
        ("En désaccord", 2),
        ("Ni en accord ni en désaccord", 3),
        ("D’accord", 4),
        ("Fortement d'accord", 5),
        ("Tout à fait d'accord", 5),
    ],
)
def test_french_answer_labels(label, value):
    assert parse_answer(label).value == value


@pytest.mark.parametrize("label", ["Sans objet", "Ne sais pas", "sans OBJET"])
def test_french_missing_labels(label):
    answer = parse_answer(label)
    assert answer.missing and not answer.is_invalid


def test_an_unknown_french_label_stays_invalid():
    assert parse_answer("D'acord").is_invalid
    assert parse_answer("Un peu d'accord").is_invalid


def test_a_brokers_own_labels():
    labels = {"tres d'accord": 5, "nao sei": 0}
    assert parse_answer("Très d'accord", labels=labels).value == 5
    assert parse_answer("Não sei", labels=labels).missing


HEADER = "respondent_id,organisation,Which sector?,role,CA1,CA2\n"


def _prepare(text: str, name: str = "wave.csv", choices=None, mapping=None):
    data = (HEADER + text).encode()
    table = read_survey(data, name)
    mapping = mapping or propose_mapping(table, ITEMS)
    return table, validate(table, mapping, ITEMS, data=data, wave="W1", choices=choices)


def _sectors(prepared, field="sector"):
    return [None if pd.isna(v) else v for v in prepared.respondents[field]]


ROWS = (
    "r1,Alpha,Nonprofit / voluntary sector,Lead,4,5\n"
    "r2,Beta,Government / public sector,Lead,4,5\n"
    "r3,Gamma,Martians,Lead,4,5\n"
    "r4,Delta,Martians,Lead,4,5\n"
    "r5,Epsilon,,Lead,4,5\n"
)


def test_unplaced_answers_are_unspecified_with_a_warning_never_a_problem():
    _table, prepared = _prepare(ROWS)
    assert prepared.problem_count == 0
    assert _sectors(prepared) == [
        "nonprofit",
        "government",
        None,
        None,
        None,
    ]
    assert any(
        "2 respondent(s) have no sector" in w and "'Martians'" in w for w in prepared.warnings
    )
    frame = prepared.value_map().set_index("Answer")
    assert frame.loc["Martians", "Count"] == 2
    assert frame.loc["Martians", "Value"] == "unspecified"
    assert frame.loc["Nonprofit / voluntary sector", "Placed by"] == "rule"


NEXT = ROWS.replace(",Lead,", ",Staff,")  # the next wave: same answers, new roles


def test_the_value_map_is_saved_with_the_mapping_and_applied_next_wave(empty_store):
    table, prepared = _prepare(ROWS)
    edited = prepared.value_map()
    edited.loc[edited["Answer"] == "Martians", "Value"] = "other"
    edited.loc[edited["Answer"] == "Government / public sector", "Value"] = "business"
    prepared.mapping.values = values_from_frame(edited, {"sector": list(SECTORS)})
    assert prepared.mapping.values == {
        "sector": {"martians": "other", "government / public sector": "business"}
    }
    table, prepared = _prepare(ROWS, mapping=prepared.mapping)
    commit_import(empty_store, Target("Values", create=True), prepared, user=ADMIN)
    initiative_id = empty_store.initiative_id("Values")
    next_wave = read_survey((HEADER + NEXT).encode(), "wave2.csv")
    mapping, saved = mapping_for(empty_store, ADMIN, initiative_id, next_wave, ITEMS)
    assert saved
    _t, again = _prepare(NEXT, "wave2.csv", mapping=mapping)
    assert _sectors(again) == [
        "nonprofit",
        "business",
        "other",
        "other",
        None,
    ]
    how = again.value_map().set_index("Answer")["Placed by"].to_dict()
    assert how["Martians"] == "map" and how["Nonprofit / voluntary sector"] == "rule"


def test_a_codebook_places_numeric_codes():
    codebook = read_values_csv(
        b"answer,value\n1,Nonprofit\n2,government\n3,unspecified\n", "sector", SECTORS
    )
    assert codebook == {"1": "nonprofit", "2": "government", "3": "unspecified"}
    table = read_survey((HEADER + "r1,A,1,L,4,4\nr2,B,2,L,4,4\nr3,C,3,L,4,4\n").encode(), "n.csv")
    mapping = propose_mapping(table, ITEMS)
    mapping.fields["sector"] = "Which sector?"
    mapping.values = {"sector": codebook}
    prepared = validate(table, mapping, ITEMS, wave="W1")
    assert _sectors(prepared) == ["nonprofit", "government", None]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1,Martians\n", "not one of"),
        (b"1,2,3\n", "expected answer,value"),
        (b"\xff\xfe1,2\n", "not UTF-8"),
    ],
)
def test_a_bad_codebook_says_which_row(data, message):
    with pytest.raises(ValuesError, match=message):
        read_values_csv(data, "sector", SECTORS)


def test_an_initiatives_lists(empty_store):
    commit_import(empty_store, Target("Lists", create=True), _prepare(ROWS)[1], user=ADMIN)
    initiative_id = empty_store.initiative_id("Lists")
    assert initiative_choices(empty_store, ADMIN, initiative_id) == {
        "sector": list(SECTORS),
        "role": [],
    }
    set_initiative_choices(empty_store, ADMIN, initiative_id, "role", ["Leadership", "Staff"])
    choices = initiative_choices(empty_store, ADMIN, initiative_id)
    assert choices["role"] == ["Leadership", "Staff"]
    _t, prepared = _prepare("r9,Z,Nonprofit,Executive director,4,4\n", choices=choices)
    assert _sectors(prepared, "role") == [None]  # "Leadership" has no synonyms
    with pytest.raises(ValuesError):
        set_initiative_choices(empty_store, ADMIN, initiative_id, "colour", ["red"])


def test_a_sector_column_with_an_opaque_header_is_proposed_from_its_answers():
    data = (
        b"respondent_id,Organisation,Q7,CA1\n"
        b"r1,Northside Community Foundation,Nonprofit / voluntary sector,4\n"
        b"r2,City Council,Government / public sector,4\n"
        b"r3,Ashford Trust,Philanthropy / funder,4\n"
        b"r4,Greenway,Other (please specify),4\n"
    )
    mapping = propose_mapping(read_survey(data, "q.csv"), ITEMS)
    assert mapping.fields["sector"] == "Q7"
    assert mapping.fields["organisation"] == "Organisation"
