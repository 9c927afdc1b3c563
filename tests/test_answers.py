"""The label map of DESIGN.md section 3: answers, missing and invalid."""

import pytest

from analytics.ingest.answers import normalise_label, parse_answer


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Strongly disagree", 1),
        ("disagree", 2),
        ("Neither agree nor disagree", 3),
        ("NEUTRAL", 3),
        ("  Agree ", 4),
        ("Strongly\u00a0Agree", 5),
        ("strongly  agree", 5),
        (3, 3),
        (4.0, 4),
        ("5", 5),
        ("2.0", 2),
    ],
)
def test_answers_map_to_values(raw, value):
    answer = parse_answer(raw)
    assert answer.value == value
    assert not answer.missing and not answer.is_invalid


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        float("nan"),
        "N/A",
        "n/a",
        "Not applicable",
        "Don\u2019t know",
        "don't know",
        "Not sure",
        "Prefer not to say",
    ],
)
def test_missing_is_not_an_error(raw):
    answer = parse_answer(raw)
    assert answer.value is None
    assert answer.missing
    assert not answer.is_invalid


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        (0, "outside"),
        (6, "outside"),
        ("6", "outside"),
        (4.5, "not a known"),
        ("4.5", "not a known"),
        ("four", "not a known"),
        ("strongly agreee", "not a known"),
        ("=1+4", "formula"),
        ("+4", "formula"),
        ("-1", "outside"),
        ("-99", "outside"),
        ("=-1", "formula"),
        (True, "not an answer"),
    ],
)
def test_invalid_is_reported_never_coerced(raw, reason_part):
    answer = parse_answer(raw)
    assert answer.value is None
    assert not answer.missing
    assert answer.is_invalid
    assert reason_part in answer.invalid_reason


def test_missing_codes_only_when_the_mapping_says_so():
    assert parse_answer(6).is_invalid
    assert parse_answer(6, missing_codes=frozenset({6})).missing
    assert parse_answer("6", missing_codes=frozenset({6})).value is None
    assert parse_answer(5, missing_codes=frozenset({6})).value == 5
    assert parse_answer("-99", missing_codes=frozenset({-99})).missing
    assert parse_answer(-99.0, missing_codes=frozenset({-99})).missing


def test_normalise_label_straightens_quotes_and_folds_case():
    assert normalise_label("  Don\u2019t\tKNOW ") == "don't know"
    assert normalise_label("\uff21gree") == "agree"  # full-width A, NFKC
