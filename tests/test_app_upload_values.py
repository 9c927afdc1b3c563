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
