"""Tables as people read them (issue 19): headings in words, no "None"."""

from __future__ import annotations

import pandas as pd

from analytics.views.tables import heading, readable


def test_headings_are_words():
    assert heading("due_date") == "Due"
    assert heading("days_overdue") == "Days overdue"
    assert heading("pct_favourable") == "% favourable"
    assert heading("Last took part") == "Last took part"


def test_empty_text_cells_are_blank_and_numbers_stay_numbers():
    frame = pd.DataFrame({"owner": ["Ana", None], "days_overdue": [3, 4]})
    shown = readable(frame)
    assert list(shown.columns) == ["Owner", "Days overdue"]
    assert shown["Owner"].tolist() == ["Ana", ""]
    assert shown["Days overdue"].tolist() == [3, 4]
    assert "None" not in shown.to_string()


def test_a_date_column_with_gaps_keeps_its_type():
    import datetime as dt

    frame = pd.DataFrame({"done_date": [dt.date(2026, 1, 2), None]})
    assert readable(frame)["Done on"].tolist()[0] == dt.date(2026, 1, 2)


def test_a_number_column_with_gaps_reads_blank_not_none():
    frame = pd.DataFrame({"change": [None, 0.0712, -0.19]})
    assert readable(frame)["Change"].tolist() == ["", "0.071", "-0.19"]
