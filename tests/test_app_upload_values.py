"""The upload page of issue 14: the value map shown, the same file twice refused before the
Import button, items without a column named."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.users import open_app

pytestmark = pytest.mark.app

FILE = ROOT / "tests" / "fixtures" / "imports" / "answer_values" / "surveymonkey_labels.csv"


def _upload(app, data: bytes, name: str):
    app.switch_page("pages/upload.py").run()
    app.get("file_uploader")[0].upload(name, data, "text/csv").run()
    assert not app.exception, app.exception
    return app


def _value_map(app):
    for editor in app.get("data_editor"):
        frame = editor.value
        if list(frame.columns)[:2] == ["Field", "Answer"]:
            return frame
    raise AssertionError("no value map on the page")


def test_the_value_map_then_the_same_file_refused_before_the_button(
    writable_demo_store, monkeypatch
):
    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    app = _upload(open_app(), FILE.read_bytes(), FILE.name)
    values = _value_map(app).set_index("Answer")
    assert values.loc["Nonprofit / voluntary sector", "Value"] == "nonprofit"
    assert values.loc["Nonprofit / voluntary sector", "Count"] == 3
    assert values.loc["Community member / resident", "Value"] == "community member"
    assert set(values["Placed by"]) == {"rule"}
    warnings = " ".join(w.value for w in app.warning)
    assert "item(s) of the instrument have no column" in warnings
    before = writable_demo_store.table_counts()["respondents"]
    app.button(key="upload.commit").click().run()
    assert not app.exception
    assert writable_demo_store.table_counts()["respondents"] == before + 10

    _upload(app, FILE.read_bytes(), FILE.name)
    assert any("was already imported" in e.value for e in app.error)
    assert not [b for b in app.button if b.key == "upload.commit"]


def _names_file() -> bytes:
    from analytics.instrument import load_instrument_csv

    items = [i.item_id for i in load_instrument_csv()]
    header = "respondent_id,organisation,sector,role,submitted_at," + ",".join(items)
    names = ["Harbour Lights", "HARBOUR LIGHTS", "Harbour Lights Inc.", "Harbour  Lights"]
    names += ["Quay Trust", "Quay Trust Ltd"]
    rows = [
        f"hl{n},{name},nonprofit,Staff,2026-11-0{n + 1}," + ",".join(["4"] * len(items))
        for n, name in enumerate(names)
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


def _groups(app):
    for editor in app.get("data_editor"):
        if "Store as" in editor.value.columns:
            return editor.value
    return None


def test_spellings_of_one_organisation_are_confirmed_and_kept_with_the_import(
    writable_demo_store, monkeypatch
):
    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    app = _upload(open_app("demo.broker"), _names_file(), "names.csv")
    groups = _groups(app)
    assert groups["Store as"].tolist() == ["Harbour Lights", "Quay Trust"]
    assert groups["Spellings (respondents)"].iloc[0] == (
        "Harbour Lights (2); HARBOUR LIGHTS (1); Harbour Lights Inc. (1)"
    )
    # The broker names the first group otherwise and keeps the second apart.
    edits = {0: {"Store as": "Harbour Lights Centre"}, 1: {"One partner": False}}
    app.session_state["upload.aliases"] = {
        "edited_rows": edits,
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    app.button(key="upload.commit").click().run()
    assert not app.exception, app.exception
    assert any("1 group(s) of organisation names kept" in s.value for s in app.success)
    stored = writable_demo_store.read_df(
        "SELECT organisation, count(*) AS n FROM respondents WHERE respondent_key LIKE 'hl%'"
        " GROUP BY 1"
    )
    assert dict(zip(stored["organisation"], stored["n"], strict=True)) == {
        "Harbour Lights Centre": 4,
        "Quay Trust": 1,
        "Quay Trust Ltd": 1,
    }
    kept = writable_demo_store.read_df("SELECT alias_key, partner_name FROM organisation_aliases")
    assert kept.values.tolist() == [["harbour lights", "Harbour Lights Centre"]]

    # Kept: listed under the history, and forgotten on request.
    listed = [t.value for t in app.dataframe if "spellings" in t.value.columns]
    assert listed[0]["name"].tolist() == ["Harbour Lights Centre"]
    app.button(key="upload.alias.go").click().run()
    assert not app.exception, app.exception
    assert any("Forgotten: Harbour Lights" in s.value for s in app.success)
    assert writable_demo_store.read_one("SELECT count(*) FROM organisation_aliases") == 0


def test_a_ticked_group_without_a_name_is_refused_next_to_it(writable_demo_store, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    app = _upload(open_app(), _names_file(), "names.csv")
    app.session_state["upload.aliases"] = {
        "edited_rows": {0: {"Store as": " "}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert any("Give a name to store 'Harbour Lights'" in e.value for e in app.error)
    assert not [b for b in app.button if b.key == "upload.commit"]
