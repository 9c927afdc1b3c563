"""Milestone rules and metrics, and their one-transaction saves and imports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.errors import ImportRefused
from analytics.measures.milestones import (
    Milestone,
    burn_up,
    delivery,
    export_frame,
    import_milestones_csv,
    milestones,
    overdue,
    save_milestones,
    validate_rows,
)
from analytics.views.exports import csv_bytes
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

D = dt.date


def _frame(rows):
    return pd.DataFrame(rows, columns=["title", "due_date", "done_date", "status"])


SAMPLE = _frame(
    [
        ("On time", D(2025, 3, 31), D(2025, 3, 31), "done"),
        ("Early", D(2025, 6, 30), D(2025, 6, 1), "done"),
        ("Late", D(2025, 1, 31), D(2025, 4, 15), "done"),
        ("Overdue", D(2025, 9, 30), None, "in progress"),
        ("Blocked and overdue", D(2025, 10, 31), None, "blocked"),
        ("Future", D(2026, 6, 30), None, "planned"),
        ("Dropped", D(2025, 2, 28), None, "dropped"),
    ]
)


def test_milestone_overdue_and_on_time_rules():
    assert Milestone("x", D(2025, 1, 1), "planned").is_overdue(D(2025, 1, 2))
    assert not Milestone("x", D(2025, 1, 1), "planned").is_overdue(D(2025, 1, 1))
    assert not Milestone("x", D(2025, 1, 1), "dropped").is_overdue(D(2026, 1, 1))
    assert not Milestone("x", D(2025, 1, 1), "done", D(2025, 5, 1)).is_overdue(D(2026, 1, 1))
    assert Milestone("x", D(2025, 1, 1), "done", D(2025, 1, 1)).done_on_time
    assert not Milestone("x", D(2025, 1, 1), "done", D(2025, 1, 2)).done_on_time


def test_delivery_figures_by_hand():
    figures = delivery(SAMPLE, D(2025, 12, 1))
    assert figures == {
        "milestones": 6,
        "done": 3,
        "share_done": 0.5,
        "share_on_time": pytest.approx(2 / 3),
        "overdue": 2,
    }
    assert delivery(SAMPLE, D(2025, 10, 1))["overdue"] == 1  # only "Overdue" by then


def test_overdue_list_as_of_a_date():
    late = overdue(SAMPLE, D(2025, 12, 1))
    assert late["title"].tolist() == ["Overdue", "Blocked and overdue"]
    assert late["days_overdue"].tolist() == [62, 31]


def test_burn_up_counts_planned_and_done_by_month():
    burn = burn_up(SAMPLE, D(2025, 7, 15)).set_index("month")
    assert burn.loc[D(2025, 1, 1), "planned"] == 1 and burn.loc[D(2025, 1, 1), "done"] == 0
    assert burn.loc[D(2025, 3, 1), "planned"] == 2 and burn.loc[D(2025, 3, 1), "done"] == 1
    assert burn.loc[D(2025, 6, 1), "planned"] == 3 and burn.loc[D(2025, 6, 1), "done"] == 3
    assert burn.loc[D(2025, 7, 1), "done"] == 3
    assert pd.isna(burn.loc[D(2025, 8, 1), "done"])  # the future has no 'done' yet
    assert burn["planned"].iloc[-1] == 6  # dropped milestones are not planned work
    assert burn.index[-1] == D(2026, 6, 1)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ({"title": "", "due_date": "2025-01-01"}, "title", "needs a title"),
        ({"title": "x"}, "due_date", "needs a due date"),
        ({"title": "x", "due_date": "soon"}, "due_date", "not a date"),
        ({"title": "x", "due_date": "2025-01-01", "status": "finished"}, "status", "not one of"),
        (
            {
                "title": "x",
                "due_date": "2025-01-01",
                "done_date": "2025-01-02",
                "status": "planned",
            },
            "done_date",
            "only for status done",
        ),
        ({"title": "x", "due_date": "2025-01-01", "status": "done"}, "done_date", "needs its done"),
        (
            {"title": "x", "due_date": "2025-01-01", "condition": "equity"},
            "condition",
            "not one of",
        ),
        ({"title": "x", "due_date": "2025-01-01", "principle": "agenda"}, "principle", "not one"),
        ({"title": "x", "due_date": "2025-01-01", "phase": "launch"}, "phase", "not one of"),
        ({"title": "x", "due_date": "2025-01-01", "owner": "Nobody Ltd"}, "owner", "not a partner"),
    ],
)
def test_bad_milestones_are_reported_by_row_and_column(row, column, reason):
    _clean, problems = validate_rows(pd.DataFrame([row]), {"acme": 1}, first_row=7)
    assert [(p.row, p.column) for p in problems] == [(7, column)]
    assert reason in problems[0].reason


def test_a_good_milestone_is_clean():
    clean, problems = validate_rows(
        pd.DataFrame(
            [
                {
                    "title": " Launch ",
                    "due_date": "2025-01-01",
                    "done_date": D(2025, 1, 3),
                    "status": "Done",
                    "owner": "ACME",
                    "condition": "common_agenda",
                    "phase": None,
                }
            ]
        ),
        {"acme": 1},
    )
    assert not problems
    assert clean[0]["title"] == "Launch" and clean[0]["status"] == "done"
    assert clean[0]["owner_partner_id"] == 1 and clean[0]["done_date"] == D(2025, 1, 3)


def test_save_edits_adds_and_deletes_in_one_go(writable_demo_store):
    store = writable_demo_store
    initiative = store.initiative_id("Coastal Youth Employment Compact")
    before = milestones(store, ADMIN, initiative)
    edited = before.copy()
    edited.loc[0, "status"] = "done"
    edited.loc[0, "done_date"] = D(2024, 10, 1)
    edited = edited.drop(index=1)
    edited = pd.concat(
        [
            edited,
            pd.DataFrame([{"title": "New one", "due_date": D(2027, 1, 1), "status": "planned"}]),
        ],
        ignore_index=True,
    )
    counts = save_milestones(store, initiative, edited, user=ADMIN)
    assert counts == {"added": 1, "kept": len(before) - 1, "deleted": 1}
    after = milestones(store, ADMIN, initiative)
    assert len(after) == len(before)
    assert "New one" in set(after["title"]) and before.loc[1, "title"] not in set(after["title"])
    assert after.set_index("id").loc[before.loc[0, "id"], "done_date"] == D(2024, 10, 1)
    audit = store.read_df("SELECT action, actor FROM audit_log ORDER BY id DESC LIMIT 1")
    assert audit.iloc[0].tolist() == ["save milestones", ADMIN.login]


def test_a_bad_row_saves_nothing(writable_demo_store):
    store = writable_demo_store
    initiative = store.initiative_id("Coastal Youth Employment Compact")
    before = milestones(store, ADMIN, initiative)
    edited = before.copy()
    edited.loc[0, "title"] = "Renamed"
    last = len(edited) - 1  # a planned milestone, with no done date
    edited.loc[last, "status"] = "finished"
    counts = store.table_counts()
    with pytest.raises(ImportRefused) as error:
        save_milestones(store, initiative, edited, user=ADMIN)
    assert [(p.row, p.column) for p in error.value.problems] == [(last + 1, "status")]
    assert milestones(store, ADMIN, initiative).equals(before)
    assert store.table_counts() == counts


def test_csv_export_imports_back_and_bad_csv_changes_nothing(writable_demo_store):
    store = writable_demo_store
    initiative = store.initiative_id("Riverside Early Years Alliance")
    before = milestones(store, ADMIN, initiative)
    data = csv_bytes(export_frame(before))
    added = import_milestones_csv(store, initiative, data, "milestones.csv", user=ADMIN)
    assert added == len(before)
    assert len(milestones(store, ADMIN, initiative)) == 2 * len(before)
    bad = b"title,due_date,status\nGood,2026-01-01,planned\nBad,someday,planned\n"
    counts = store.table_counts()
    with pytest.raises(ImportRefused) as error:
        import_milestones_csv(store, initiative, bad, "bad.csv", user=ADMIN)
    assert [(p.row, p.column, p.value) for p in error.value.problems] == [
        (3, "due_date", "someday")
    ]
    assert store.table_counts() == counts


def test_a_new_phase_closes_the_open_one(writable_demo_store):
    from analytics.measures.phases import start_phase

    store = writable_demo_store
    initiative = store.initiative_id("Coastal Youth Employment Compact")
    start_phase(store, initiative, "sustain action and impact", D(2026, 11, 1), user=ADMIN)
    phases = store.phases(initiative)
    assert phases["phase"].tolist()[-2:] == ["organise for impact", "sustain action and impact"]
    assert phases["end_date"].tolist()[-2] == D(2026, 10, 31)
    assert pd.isna(phases["end_date"].tolist()[-1])
    counts = store.table_counts()
    with pytest.raises(ImportRefused, match="must start after"):
        start_phase(store, initiative, "initiate action", D(2026, 1, 1), user=ADMIN)
    with pytest.raises(ImportRefused, match="not one of"):
        start_phase(store, initiative, "celebrate", D(2027, 1, 1), user=ADMIN)
    assert store.table_counts() == counts
