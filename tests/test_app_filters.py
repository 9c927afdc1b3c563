"""The sector or role filter of the Conditions, Principles and Participation pages, its place
in the URL, the drilled-down group in the URL, and the comments of a scale page's wave (issue 19,
issue 14 item 3), as AppTests."""

from __future__ import annotations

import pytest

from analytics.measures.statistics import filtered_statistics
from analytics.measures.suppression import HIDDEN_WORDS
from tests.users import ADMIN, open_app

pytestmark = pytest.mark.app

RIVERSIDE = "Riverside Early Years Alliance"


@pytest.fixture
def demo_env(demo_db_path, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))


def _texts(app) -> str:
    return repr([getattr(e, "value", None) for e in app.main])


def _frames(app) -> list:
    return [frame.value for frame in app.dataframe]


def _riverside(app, page: str):
    app.switch_page(page).run()
    app.selectbox(key="initiative").select(RIVERSIDE).run()
    assert not app.exception, app.exception
    return app


def test_the_filter_restricts_the_trend_to_the_group_and_lives_in_the_url(demo_env, demo_store):
    app = _riverside(open_app("demo.backbone"), "pages/conditions.py")
    app.selectbox(key="conditions.filter").select("sector:nonprofit").run()
    assert not app.exception, app.exception
    assert app.query_params["filter"] == "sector:nonprofit"
    assert any("respondents of sector nonprofit only" in i.value for i in app.info)
    riverside = demo_store.initiative_id(RIVERSIDE)
    expected = filtered_statistics(demo_store, ADMIN, riverside, "sector", "nonprofit")
    scale = app.selectbox(key="conditions.scale").value
    expected = expected[expected["scale"] == scale]
    trend = next(f for f in _frames(app) if "Verdict" in f.columns)
    assert trend["Respondents"].tolist() == expected["n"].tolist()
    for mean, want in zip(trend["Mean"], expected["mean"], strict=True):
        assert mean == "" if want is None else float(mean) == round(want, 2)
    # A hidden wave says so in the words of suppression.
    hidden = expected["suppressed"].tolist()
    assert any(hidden)  # the demo's nonprofits are hidden in one wave
    assert [w == HIDDEN_WORDS for w in trend["Why hidden"]] == hidden
    # No heatmap of groups in a filtered view (its groups are all respondents').
    assert not [c for c in app.get("plotly_chart") if "heatmap" in str(c.key)]
    assert len(app.get("plotly_chart")) == 2  # the trend and the group's answers


def test_a_link_with_a_filter_opens_the_filtered_view(demo_env, demo_store):
    app = open_app("demo.backbone")
    riverside = demo_store.initiative_id(RIVERSIDE)
    app.query_params["initiative"] = str(riverside)
    app.query_params["filter"] = "role:Leadership"
    app.switch_page("pages/principles.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="principles.filter").value == "role:Leadership"
    assert any("respondents of role Leadership only" in i.value for i in app.info)
    # Back to all partners: the parameter leaves the URL.
    app.selectbox(key="principles.filter").select("all").run()
    assert "filter" not in app.query_params


def test_a_funder_sees_hidden_words_for_a_small_filtered_group(demo_env):
    app = _riverside(open_app("demo.funder"), "pages/conditions.py")
    app.selectbox(key="conditions.filter").select("sector:business").run()  # 2 to 4 a wave
    assert not app.exception, app.exception
    trend = next(f for f in _frames(app) if "Verdict" in f.columns)
    assert set(trend["Why hidden"]) == {HIDDEN_WORDS}
    assert set(trend["Mean"]) == {""} and set(trend["Respondents"]) == {""}
    assert any(HIDDEN_WORDS in i.value for i in app.info)


def test_the_participation_page_filters_by_sector(demo_env):
    app = _riverside(open_app("demo.backbone"), "pages/participation.py")
    app.selectbox(key="participation.filter").select("sector:nonprofit").run()
    assert not app.exception, app.exception
    assert app.query_params["filter"] == "sector:nonprofit"
    table = next(f for f in _frames(app) if "Respondents" in f.columns)
    assert "Evenness, active" not in table.columns  # one sector has no mix
    follow_up = next(f for f in _frames(app) if "Partner" in f.columns)
    assert set(follow_up["Sector"]) <= {"nonprofit"}


def test_a_funder_sees_no_count_of_a_small_sector_on_participation(demo_env):
    app = _riverside(open_app("demo.funder"), "pages/participation.py")
    app.selectbox(key="participation.filter").select("sector:business").run()
    assert not app.exception, app.exception
    table = next(f for f in _frames(app) if "Respondents" in f.columns)
    assert set(table["Respondents"]) == {""}
    assert set(table["Why hidden"]) == {HIDDEN_WORDS}


def test_a_drilled_down_group_is_in_the_url_and_a_link_reopens_it(demo_env, demo_store):
    app = open_app("demo.broker")
    riverside = demo_store.initiative_id(RIVERSIDE)
    app.query_params.update(
        {
            "initiative": str(riverside),
            "scale": "equity",
            "by": "sector",
            "drill": "sector:nonprofit",
        }
    )
    app.switch_page("pages/principles.py").run()
    assert not app.exception, app.exception
    assert any("How nonprofit answered in" in h.value for h in app.subheader)
    assert app.query_params["drill"] == "sector:nonprofit"
    app.button(key="principles.clear").click().run()
    assert "drill" not in app.query_params
    assert not any("How nonprofit answered in" in h.value for h in app.subheader)


def _import_comments(store):
    from tests.test_comments import _import

    return _import(store)


def test_a_backbone_sees_the_waves_comments_on_the_conditions_page(
    writable_demo_store, monkeypatch
):
    _import_comments(writable_demo_store)
    monkeypatch.setenv("COMMON_MEASURE_DB", str(writable_demo_store.path))
    app = _riverside(open_app("demo.backbone"), "pages/conditions.py")
    app.select_slider(key="conditions.wave").set_value("Comments wave").run()
    assert not app.exception, app.exception
    comments = next(f for f in _frames(app) if "Comment" in f.columns)
    assert "Les réunions sont trop tôt le matin." in comments["Comment"].tolist()
    app.text_input(key="conditions.comments.search").input("réunions").run()
    comments = next(f for f in _frames(app) if "Comment" in f.columns)
    assert comments["Comment"].tolist() == ["Les réunions sont trop tôt le matin."]


def test_a_funder_sees_no_comments_section_on_the_scale_pages(writable_demo_store, monkeypatch):
    _import_comments(writable_demo_store)
    monkeypatch.setenv("COMMON_MEASURE_DB", str(writable_demo_store.path))
    app = _riverside(open_app("demo.funder"), "pages/conditions.py")
    app.select_slider(key="conditions.wave").set_value("Comments wave").run()
    assert not app.exception, app.exception
    assert not [e for e in app.expander if "Comments" in e.label]
    assert "réunions" not in _texts(app)
    assert not [f for f in _frames(app) if "Comment" in f.columns]
