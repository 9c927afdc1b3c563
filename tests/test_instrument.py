"""The default instrument and instrument validation."""

import pytest

from analytics.instrument import (
    CONDITIONS,
    PRINCIPLES,
    InstrumentError,
    items_by_scale,
    load_instrument_csv,
    parse_instrument_rows,
)


def test_default_instrument_covers_every_scale_with_three_items():
    items = load_instrument_csv()
    scales = items_by_scale(items)
    for key in CONDITIONS:
        assert len(scales[("condition", key)]) >= 3, key
    for key in PRINCIPLES:
        assert len(scales[("principle", key)]) >= 3, key
    assert any(item.reverse for item in items)
    assert not all(item.reverse for item in items)
    assert any(item.condition and item.principle for item in items)
    assert len({item.item_id for item in items}) == len(items)


def _row(**kw):
    row = {
        "item_id": "X1",
        "text": "A statement.",
        "condition": "common_agenda",
        "principle": "",
        "reverse": "false",
    }
    row.update(kw)
    return row


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row(item_id=""), "item_id is empty"),
        (_row(text=""), "has no text"),
        (_row(condition="common agenda"), "condition 'common agenda' is not one of"),
        (_row(principle="fairness"), "principle 'fairness' is not one of"),
        (_row(condition="", principle=""), "feeds no condition or principle"),
        (_row(reverse="maybe"), "reverse must be true or false"),
    ],
)
def test_bad_instrument_rows_name_the_row(row, message):
    with pytest.raises(InstrumentError) as error:
        parse_instrument_rows([_row(item_id="OK1"), row], "mine.csv")
    assert message in str(error.value)
    assert "mine.csv, row 3" in str(error.value)


def test_duplicate_item_ids_are_refused():
    with pytest.raises(InstrumentError, match="appears twice"):
        parse_instrument_rows([_row(), _row()], "mine.csv")
