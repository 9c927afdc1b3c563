"""A small initiative for the report, portfolio and export tests: one wave with a sector of
two respondents, and a later wave of three respondents, below the suppression threshold."""

from __future__ import annotations

import csv
import io

from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.measures.milestones import import_milestones_csv
from analytics.store.connection import Store
from tests.users import ADMIN

SMALL = "Small Circle"
SECRET_ORGANISATION = "Secret Org Ltd"
SECRET_NOTE = "call the chair privately"


def _wave(store: Store, label: str, day: str, people: list[tuple[str, str, list[int]]]) -> None:
    items = load_instrument_csv()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["respondent_id", "organisation", "sector", "role", "submitted_at"]
        + [i.item_id for i in items]
    )
    for number, (organisation, sector, pattern) in enumerate(people, start=1):
        answers = [pattern[k % len(pattern)] for k in range(len(items))]
        writer.writerow(
            [f"{label}-{number}", organisation, sector, "staff", f"{day} 10:00", *answers]
        )
    data = buffer.getvalue().encode()
    table = read_survey(data, f"{label}.csv")
    prepared = validate(table, propose_mapping(table, items), items, data=data, wave=label)
    assert not prepared.problem_count, prepared.problems_frame()
    commit_import(store, Target(SMALL, create=True), prepared, user=ADMIN)


def small_initiative(store: Store) -> int:
    """W1 (Jan 2025): eight respondents, two of them from one business; W2 (Jul 2025): three."""
    nonprofit = [
        (f"Org {k}", "nonprofit", pattern)
        for k, pattern in enumerate(
            [[4, 5, 4], [5, 4, 4, 3], [4, 4, 5], [3, 4, 5, 4], [5, 5, 4], [4, 3, 4, 4]]
        )
    ]
    business = [(SECRET_ORGANISATION, "business", [1, 2]), (SECRET_ORGANISATION, "business", [2])]
    _wave(store, "W1", "2025-01-10", nonprofit + business)
    _wave(store, "W2", "2025-07-10", [("Org 0", "nonprofit", [2])] * 3)
    initiative_id = store.initiative_id(SMALL)
    milestones = (
        "title,due_date,status,done_date,notes\n"
        f"Agree the plan,2025-03-01,done,2025-02-20,{SECRET_NOTE}\n"
        "Hire the backbone,2025-05-01,planned,,\n"
    ).encode()
    import_milestones_csv(store, initiative_id, milestones, "m.csv", user=ADMIN)
    return initiative_id
