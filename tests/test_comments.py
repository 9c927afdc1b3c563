"""Open-text comments (issue 14, point 3): kept per respondent and question, counted in the
import, shown to backbones and brokers, never to a funder: not in a funder's pages, report or
exports."""

from __future__ import annotations

import pytest

from analytics.access.permissions import AccessDenied
from analytics.ingest.commit import commit_import, initiative_comments, undo_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from analytics.reports.build import report_html
from analytics.views.exports import EXPORT_KINDS, available_exports, export_file
from tests.conftest import ROOT, initiative
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores

HERE = ROOT / "tests" / "fixtures" / "imports" / "answer_values"
TEXTS = ("More time for joint planning", "Les réunions sont trop tôt", "never asked before")


def _import(store, name: str = "qualtrics_fr.csv"):
    riverside = initiative(store, "Riverside Early Years Alliance")
    items = store.instrument(riverside)
    # The demo instrument has no French texts: map the French columns as a broker would.
    bilingual = {i.item_id: i for i in load_instrument_csv(HERE / "instrument_bilingual.csv")}
    data = (HERE / name).read_bytes()
    table = read_survey(data, name)
    mapping = propose_mapping(table, [bilingual.get(i.item_id, i) for i in items])
    prepared = validate(table, mapping, items, data=data, wave="Comments wave")
    return riverside, prepared, commit_import(store, riverside, prepared, user=ADMIN)


def test_comments_are_kept_counted_and_searched(writable_demo_store):
    riverside, prepared, result = _import(writable_demo_store)
    assert prepared.summary()["comments"] == result.comments == 5
    backbone = as_role("backbone", riverside)
    found = initiative_comments(writable_demo_store, backbone, riverside)
    assert len(found) == 5
    assert set(found["question"]) == {"Avez-vous d’autres commentaires pour l’équipe de soutien ?"}
    one = initiative_comments(
        writable_demo_store, as_role("broker", riverside), riverside, "RÉUNIONS"
    )
    assert one["text"].tolist() == ["Les réunions sont trop tôt le matin."]
    assert one["sector"].tolist() == ["community member"]
    undo_import(
        writable_demo_store, ADMIN, int(writable_demo_store.read_one("SELECT max(id) FROM imports"))
    )
    assert initiative_comments(writable_demo_store, backbone, riverside).empty


def test_a_funder_sees_no_comment_in_pages_report_or_exports(writable_demo_store, monkeypatch):
    riverside, _prepared, _result = _import(writable_demo_store)
    funder = as_role("funder", riverside)
    with pytest.raises(AccessDenied):
        initiative_comments(writable_demo_store, funder, riverside)
    html = report_html(writable_demo_store, funder, riverside)
    assert not any(text in html for text in TEXTS)
    assert set(available_exports(funder)) < set(EXPORT_KINDS)
    for kind in available_exports(funder):
        for fmt in ("csv", "xlsx"):
            data, _name, _mime = export_file(writable_demo_store, funder, riverside, kind, fmt)
            assert not any(text.encode() in data for text in TEXTS), (kind, fmt)


@pytest.mark.app
def test_the_funders_pages_show_no_comment(writable_demo_store, monkeypatch):
    from tests.users import open_app
    from ui.navigation import PAGES

    _import(writable_demo_store)
    monkeypatch.setenv("COMMON_MEASURE_DB", str(writable_demo_store.path))
    app = open_app("demo.funder")
    for path, *_rest in PAGES:
        app.switch_page(path).run()
        assert not app.exception, (path, app.exception)
        shown = repr([e.value for e in app.main if hasattr(e, "value")])
        assert not any(text in shown for text in TEXTS), path
    app.switch_page("pages/comments.py").run()
    assert not any("Les réunions" in repr(getattr(e, "value", "")) for e in app.main)
