"""The partner network page (AppTest): a backbone sees names, the partners on the edge and the
mismatches; a funder sees the anonymised map and the measures, and no partner's name anywhere."""

from __future__ import annotations

import pytest

from tests.users import open_app

pytestmark = pytest.mark.app

RIVERSIDE = "Riverside Early Years Alliance"


@pytest.fixture
def db(demo_db_path, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))
    return demo_db_path


def _everything(app) -> str:
    """Every text, table and chart spec the page sent to the browser."""
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "title", "subheader", "info", "success", "error")
        for e in getattr(app, kind)
    ]
    parts += [table.value.to_csv() for table in app.dataframe]
    parts += [chart.proto.spec for chart in app.get("plotly_chart")]
    return "\n".join(parts)


def _open_network(login: str):
    app = open_app(login)
    app.switch_page("pages/network.py").run()
    assert not app.exception, app.exception
    app.selectbox(key="initiative").select(RIVERSIDE).run()
    assert not app.exception, app.exception
    return app


def test_a_backbone_sees_the_map_with_names_the_edge_and_the_mismatches(db, demo_store):
    app = _open_network("demo.backbone")
    assert app.title[0].value == "Partner network"
    assert len(app.get("plotly_chart")) == 2  # the map and the measures over waves
    assert any("on the edge" in s.value for s in app.subheader)
    assert any("see differently" in s.value for s in app.subheader)
    names = demo_store.read_df(
        "SELECT p.name FROM partners p JOIN initiatives i ON i.id = p.initiative_id"
        " WHERE i.name = ?",
        [RIVERSIDE],
    )["name"]
    assert any(name in _everything(app) for name in names)
    first = app.select_slider(key="network.wave").options[0]
    app.select_slider(key="network.wave").set_value(first).run()
    assert not app.exception and first in app.get("plotly_chart")[0].proto.spec


def test_a_funder_sees_the_measures_and_no_partner_name(db, demo_store):
    app = _open_network("demo.funder")
    assert len(app.get("plotly_chart")) == 2
    assert not any("on the edge" in s.value for s in app.subheader)
    text = _everything(app)
    names = demo_store.read_df(
        "SELECT p.name FROM partners p JOIN initiatives i ON i.id = p.initiative_id"
        " WHERE i.name = ?",
        [RIVERSIDE],
    )["name"]
    leaked = [name for name in names if name in text]
    assert not leaked, leaked[:3]
    assert "Organisation " in text  # numbered, not named
