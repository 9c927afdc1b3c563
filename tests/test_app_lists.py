"""The sectors and roles page (AppTest): a backbone saves a list (an added role, a renamed
sector) and is told so; removing a sector stored respondents hold is refused next to the list,
the database unchanged; a broker sees the lists without editing them; a funder never sees
the page."""

from __future__ import annotations

import pytest

from analytics.access.permissions import User
from tests.users import open_app
from ui.navigation import pages_for

pytestmark = pytest.mark.app

PAGE = "pages/lists.py"


@pytest.fixture
def app_store(writable_demo_store, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    return writable_demo_store


def _open(login: str):
    app = open_app(login)
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _edit(app, field: str, edits: dict) -> None:
    app.session_state[f"lists.{field}.editor.0"] = {
        "edited_rows": edits.get("edited_rows", {}),
        "added_rows": edits.get("added_rows", []),
        "deleted_rows": edits.get("deleted_rows", []),
    }


def _save(app, field: str):
    label = {"sector": "Save sectors", "role": "Save roles"}[field]
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, app.exception
    return app


def _initiative(app, store) -> int:
    return store.initiative_id(app.sidebar.selectbox[0].value)


def test_a_backbone_adds_a_role_and_renames_a_sector(app_store):
    app = _open("demo.backbone")
    editors = [e.value for e in app.get("data_editor")]
    sectors = editors[0]
    assert sectors["Value"].tolist()[:2] == ["nonprofit", "government"]
    assert len(sectors) == 6 and sectors["Respondents"].sum() > 0
    initiative_id = _initiative(app, app_store)
    held = app_store.read_one(
        "SELECT count(*) FROM respondents r JOIN waves w ON w.id = r.wave_id"
        " WHERE w.initiative_id = ? AND r.sector = 'government'",
        [initiative_id],
    )
    _edit(app, "sector", {"edited_rows": {1: {"Value": "public sector"}}})
    _save(app, "sector")
    saved = " ".join(s.value for s in app.success)
    assert "Sectors saved: nonprofit, public sector, business" in saved
    assert f"{held} respondent(s) moved from government to public sector" in saved
    assert not app_store.read_one(
        "SELECT count(*) FROM respondents r JOIN waves w ON w.id = r.wave_id"
        " WHERE w.initiative_id = ? AND r.sector = 'government'",
        [initiative_id],
    )
    _edit(app, "role", {"added_rows": [{"Value": "Volunteer"}]})
    _save(app, "role")
    assert any("Roles saved: Volunteer." in s.value for s in app.success)
    values = app_store.read_df(
        "SELECT field, value FROM answer_choices WHERE initiative_id = ? ORDER BY field, position",
        [initiative_id],
    )
    assert values[values["field"] == "role"]["value"].tolist() == ["Volunteer"]
    assert "public sector" in values["value"].tolist()


def test_removing_a_sector_respondents_hold_is_refused_next_to_the_list(app_store):
    app = _open("demo.admin")
    before = app_store.table_counts()
    _edit(app, "sector", {"deleted_rows": [0]})  # nonprofit
    _save(app, "sector")
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith("Not saved: 'nonprofit' is the sector of ")
    assert "stored respondent" in errors[0] and "\n" not in errors[0]
    assert not app.success
    assert app_store.table_counts() == before


def test_a_broker_sees_the_lists_and_cannot_edit_them(app_store):
    app = _open("demo.broker")
    assert not app.get("data_editor")
    assert [t.value["Value"].tolist() for t in app.dataframe][0][:1] == ["nonprofit"]
    assert any("Only a backbone organisation or an admin" in c.value for c in app.caption)
    assert not [b for b in app.button if b.label.startswith("Save")]


def test_a_funder_never_sees_the_page(app_store):
    assert PAGE not in pages_for(User(login="f", role="funder"))
    assert PAGE in pages_for(User(login="b", role="broker"))
    app = _open("demo.funder")
    assert any("does not allow this page" in e.value for e in app.error)
    assert not app.dataframe and not app.get("data_editor")
