"""Twenty readers while an import commits: each read sees the data before the import or after
it, never a mix, and none errors (DuckDB's snapshot isolation, the store's one writer)."""

from __future__ import annotations

import threading
import time

import pytest

from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.views.overview import overview
from bench.generate import generate
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

READERS = 20


def test_reads_during_an_import_see_before_or_after(writable_demo_store, tmp_path):
    store = writable_demo_store
    survey, instrument = generate(60_000, tmp_path)
    items = load_instrument_csv(instrument)
    data = survey.read_bytes()
    table = read_survey(data, survey.name)
    prepared = validate(table, propose_mapping(table, items), items, data=data)
    riverside = store.initiative_id("Riverside Early Years Alliance")

    def snapshot() -> tuple[int, int]:
        # One statement, one snapshot: both counts from the same moment.
        row = store.read_df(
            "SELECT (SELECT count(id) FROM respondents) AS people,"
            " (SELECT count(item_id) FROM responses) AS answers"
        ).iloc[0]
        return int(row["people"]), int(row["answers"])

    before = snapshot()
    expected_overview = overview(store, ADMIN, riverside).statistics["n"].sum()
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(snapshot())
                view = overview(store, ADMIN, riverside)  # the import goes to another initiative
                assert view.statistics["n"].sum() == expected_overview
                time.sleep(0.001)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    result = commit_import(
        store, Target("Concurrent", create=True, instrument=items), prepared, user=ADMIN
    )
    time.sleep(0.2)
    done.set()
    for thread in threads:
        thread.join(timeout=60)
    after = snapshot()

    assert not errors, errors[:3]
    assert after[0] == before[0] + result.respondents
    assert set(seen) <= {before, after}
    assert before in seen and after in seen  # reads ran on both sides of the commit
