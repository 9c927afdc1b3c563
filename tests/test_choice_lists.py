"""An initiative's sector and role lists edited by a backbone (analytics.ingest.values): add,
rename (stored respondents and saved value maps follow), remove only what no stored respondent
holds; refusals name the value and the count and leave the database unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.permissions import AccessDenied
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import mapping_for
from analytics.ingest.validate import read_survey
from analytics.ingest.values import (
    ValuesError,
    choice_changes,
    choice_lists,
    initiative_choices,
    save_initiative_choices,
    values_from_frame,
)
from analytics.store.schema import SECTORS
from tests.test_values import HEADER, ITEMS, NEXT, ROWS, _prepare
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores  # every test with a store runs on DuckDB and PostgreSQL


@pytest.fixture
def lists(empty_store):
    """An initiative with ROWS imported: nonprofit 1, government 1 (mapped to business by the
    broker's saved value map for 'Government / public sector'), three unspecified."""
    _table, prepared = _prepare(ROWS)
    edited = prepared.value_map()
    edited.loc[edited["Answer"] == "Martians", "Value"] = "other"
    prepared.mapping.values = values_from_frame(edited, {"sector": list(SECTORS)})
    _table, prepared = _prepare(ROWS, mapping=prepared.mapping)
    commit_import(empty_store, Target("Lists", create=True), prepared, user=ADMIN)
    return empty_store, empty_store.initiative_id("Lists")


def _held(store) -> dict[str, int]:
    rows = store.read_df("SELECT sector, count(*) AS n FROM respondents GROUP BY 1")
    return {s: int(n) for s, n in zip(rows["sector"], rows["n"], strict=True) if isinstance(s, str)}


def test_the_default_six_are_listed_with_the_respondents_holding_each(lists):
    store, initiative_id = lists
    shown = choice_lists(store, ADMIN, initiative_id)
    sectors = shown["sector"].set_index("Value")["Respondents"].to_dict()
    assert list(sectors) == list(SECTORS)
    assert sectors == {
        "nonprofit": 1,
        "government": 1,
        "business": 0,
        "philanthropy": 0,
        "community member": 0,
        "other": 2,
    }
    assert shown["role"].empty  # no list: roles are kept as answered


def test_the_edited_table_says_what_to_add_rename_and_remove():
    edited = pd.DataFrame(
        {
            "Value": ["nonprofit", "Public sector", None, "Social enterprise", " "],
            "Saved value": ["nonprofit", "government", "business", None, "other"],
        }
    )
    assert choice_changes(edited) == (
        ["nonprofit", "Public sector", "Social enterprise"],
        {"government": "Public sector"},
    )


def test_adding_and_removing_unused_values(lists):
    store, initiative_id = lists
    values = [*SECTORS, "Social enterprise"]
    values.remove("philanthropy")
    saved = save_initiative_choices(store, ADMIN, initiative_id, "sector", values)
    assert saved.moved == [] and not saved.default
    assert initiative_choices(store, ADMIN, initiative_id)["sector"] == values
    actions = store.read_df("SELECT action, detail FROM audit_log WHERE action = 'set sector list'")
    assert "Social enterprise" in actions["detail"].iloc[0]


def test_removing_a_value_stored_respondents_hold_is_refused_with_the_count(lists):
    store, initiative_id = lists
    before = store.table_counts()
    values = [s for s in SECTORS if s != "other"]
    with pytest.raises(ValuesError) as refused:
        save_initiative_choices(store, ADMIN, initiative_id, "sector", values)
    assert str(refused.value) == (
        "'other' is the sector of 2 stored respondent(s): rename it to move them to another "
        "value, or keep it"
    )
    assert "\n" not in str(refused.value)
    assert store.table_counts() == before
    assert initiative_choices(store, ADMIN, initiative_id)["sector"] == list(SECTORS)


def test_a_rename_moves_stored_respondents_and_the_saved_value_map(lists):
    store, initiative_id = lists
    values = ["nonprofit", "government", "business", "philanthropy", "community", "unknown"]
    saved = save_initiative_choices(
        store,
        ADMIN,
        initiative_id,
        "sector",
        values,
        {"community member": "community", "other": "unknown"},
    )
    assert ("other", "unknown", 2) in saved.moved
    assert _held(store) == {"nonprofit": 1, "government": 1, "unknown": 2}
    # The next wave: the broker's map said Martians -> other; it now says unknown.
    next_wave = read_survey((HEADER + NEXT).encode(), "wave2.csv")
    choices = initiative_choices(store, ADMIN, initiative_id)
    mapping, _saved = mapping_for(store, ADMIN, initiative_id, next_wave, ITEMS, choices)
    assert mapping.values["sector"]["martians"] == "unknown"


def test_a_rename_onto_another_value_merges_them(lists):
    store, initiative_id = lists
    values = [s for s in SECTORS if s != "government"]
    saved = save_initiative_choices(
        store, ADMIN, initiative_id, "sector", values, {"government": "other"}
    )
    assert saved.moved == [("government", "other", 1)]
    assert _held(store) == {"nonprofit": 1, "other": 3}


@pytest.mark.parametrize(
    ("values", "renamed", "message"),
    [
        (["nonprofit", "unspecified"], {}, "'unspecified' is kept"),
        (list(SECTORS), {"martians": "other"}, "'martians' is not on the sector list"),
        (list(SECTORS), {"other": "elsewhere"}, "renamed 'elsewhere', which is not on the list"),
        ([*SECTORS, "Business"], {}, "'Business' is on the sector list twice \\(as 'business'\\)"),
    ],
)
def test_other_refusals_name_the_value_and_change_nothing(lists, values, renamed, message):
    store, initiative_id = lists
    before = store.table_counts()
    with pytest.raises(ValuesError, match=message):
        save_initiative_choices(store, ADMIN, initiative_id, "sector", values, renamed)
    assert store.table_counts() == before


def test_only_a_backbone_or_admin_edits_and_a_funder_does_not_even_read(lists):
    store, initiative_id = lists
    before = store.table_counts()
    for role in ("broker", "funder"):
        with pytest.raises(AccessDenied):
            save_initiative_choices(
                store, as_role(role, initiative_id), initiative_id, "role", ["Staff"]
            )
    with pytest.raises(AccessDenied):
        choice_lists(store, as_role("funder", initiative_id), initiative_id)
    assert store.table_counts() == before
    choice_lists(store, as_role("broker", initiative_id), initiative_id)  # a broker may look
    save_initiative_choices(
        store, as_role("backbone", initiative_id), initiative_id, "role", ["Staff"]
    )
