"""Downloads are safe against spreadsheet formula injection."""

import io

import pandas as pd
import pytest

from analytics.views.exports import FORMULA_TRIGGERS, csv_bytes, neutralise_formulas


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_text_cells_starting_a_formula_are_neutralised(trigger):
    frame = pd.DataFrame({"Scale": [f'{trigger}HYPERLINK("x")', "Equity"], "Mean": [-0.5, 3.2]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig")
    assert back["Scale"].iloc[0] == f'\'{trigger}HYPERLINK("x")'.strip()
    assert back["Scale"].iloc[1] == "Equity"
    assert back["Mean"].tolist() == [-0.5, 3.2]  # numbers stay numbers


def test_headers_are_neutralised_too():
    out = neutralise_formulas(pd.DataFrame({"=cmd": [1]}))
    assert list(out.columns) == ["'=cmd"]


# -- the initiative's exports (issue 7) ---------------------------------------------------------

from openpyxl import load_workbook  # noqa: E402

from analytics.access.permissions import AccessDenied, User  # noqa: E402
from analytics.measures.milestones import import_milestones_csv  # noqa: E402
from analytics.views.exports import (  # noqa: E402
    EXPORT_KINDS,
    as_file,
    available_exports,
    export_file,
    milestones_export,
    scores_export,
)
from tests.report_fixtures import SECRET_NOTE, SECRET_ORGANISATION, small_initiative  # noqa: E402

ADMIN = User(login="a", role="admin")


def _xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_xlsx_cells_starting_a_formula_are_text(trigger):
    frame = pd.DataFrame({"Title": [f"{trigger}1+1", "plain"], "Mean": [3.25, -1.5]})
    rows = _xlsx_rows(as_file(frame, "xlsx"))
    # XML stores a carriage return as a line feed; the cell still starts with the apostrophe.
    assert rows[1][0].value.startswith("'") and rows[1][0].value[2:] == "1+1"
    assert rows[1][0].data_type == "s"
    assert rows[2][0].value == "plain"
    assert [r[1].value for r in rows[1:]] == [3.25, -1.5]
    back = pd.read_csv(io.BytesIO(as_file(frame, "csv")), encoding="utf-8-sig")
    assert back["Title"].iloc[0].startswith("'") and back["Title"].iloc[0].endswith("1+1")


def test_a_stored_formula_is_neutralised_in_both_formats(writable_demo_store):
    initiative_id = writable_demo_store.initiative_id("Coastal Youth Employment Compact")
    for title in ("=HYPERLINK(1)", "+SUM(A1)", "-2+3", "@cmd"):
        import_milestones_csv(
            writable_demo_store,
            initiative_id,
            f"title,due_date\n{title},2025-01-01\n".encode(),
            "m.csv",
            user=ADMIN,
        )
    csv_data, name, _mime = export_file(
        writable_demo_store, ADMIN, initiative_id, "milestones", "csv"
    )
    assert name == "milestones.csv"
    titles = pd.read_csv(io.BytesIO(csv_data), encoding="utf-8-sig")["title"].tolist()
    xlsx_data, _name, _mime = export_file(
        writable_demo_store, ADMIN, initiative_id, "milestones", "xlsx"
    )
    cells = [row[0] for row in _xlsx_rows(xlsx_data)[1:]]
    for title in ("=HYPERLINK(1)", "+SUM(A1)", "-2+3", "@cmd"):
        assert f"'{title}" in titles
        cell = next(c for c in cells if c.value == f"'{title}")
        assert cell.data_type == "s"


def test_every_export_in_both_formats_for_an_admin(demo_store, riverside):
    for kind in EXPORT_KINDS:
        for fmt in ("csv", "xlsx"):
            data, name, _mime = export_file(demo_store, ADMIN, riverside, kind, fmt)
            assert name == f"{kind}.{fmt}" and len(data) > 100


def test_a_funders_exports_are_suppressed_and_have_no_names(empty_store):
    initiative_id = small_initiative(empty_store)
    funder = User(login="f", role="funder", initiative_ids=frozenset({initiative_id}))
    assert "responses" not in available_exports(funder)
    with pytest.raises(AccessDenied):
        export_file(empty_store, funder, initiative_id, "responses", "csv")
    with pytest.raises(AccessDenied):
        scores_export(empty_store, funder, initiative_id, "organisation")
    scores = scores_export(empty_store, funder, initiative_id)
    w2 = scores[scores["wave"] == "W2"]
    assert w2["mean"].isna().all() and w2["n"].isna().all()
    by_sector = scores_export(empty_store, funder, initiative_id, "sector")
    business = by_sector[by_sector["group"] == "business"]
    assert business["mean"].isna().all()
    assert not milestones_export(empty_store, funder, initiative_id).isin([SECRET_NOTE]).any().any()
    for kind in available_exports(funder):
        for fmt in ("csv", "xlsx"):
            data, _name, _mime = export_file(empty_store, funder, initiative_id, kind, fmt)
            text = data.decode("utf-8-sig") if fmt == "csv" else ""
            assert SECRET_ORGANISATION not in text and SECRET_NOTE not in text
    responses, _n, _m = export_file(empty_store, ADMIN, initiative_id, "responses", "csv")
    assert SECRET_ORGANISATION in responses.decode("utf-8-sig")
