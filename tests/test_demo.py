"""The demo: deterministic, realistic, and telling the three stories it promises."""

import datetime as dt

import pandas as pd
import pytest

from analytics.demo.fill import DEMO_AS_OF, fill_demo, fill_if_new
from analytics.demo.stories import STORIES_FILE, load_partner_names, load_stories
from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures.scoring import initiative_statistics
from analytics.store.connection import Store, forget_store, open_store
from analytics.store.schema import MILESTONE_STATUSES, PHASES, POLARITIES, SECTORS
from tests.users import ADMIN


def _means(store, initiative_id, scale, group="all"):
    stats = initiative_statistics(
        store, ADMIN, initiative_id, by=None if group == "all" else "sector"
    )
    rows = stats[(stats["scale"] == scale) & (stats["group"] == group)]
    return rows.sort_values("wave_order")["mean"].tolist()


def test_the_stories_file_holds_three_initiatives_in_known_terms():
    stories = load_stories()
    assert [story.name for story in stories] == [
        "Riverside Early Years Alliance",
        "Northgate Housing Partnership",
        "Coastal Youth Employment Compact",
    ]
    scales = {*CONDITIONS, *PRINCIPLES}
    for story in stories:
        assert len(story.sector_weights) == len(SECTORS)
        assert {phase for phase, _, _ in story.phases} <= set(PHASES), story.name
        for shifts in (story.scale_shift, story.scale_trend, story.community_gap, story.noisy):
            assert set(shifts) <= scales, story.name
        assert story.milestones, story.name
        for m in story.milestones:
            assert m.condition is None or m.condition in CONDITIONS, m.title
            assert m.principle is None or m.principle in PRINCIPLES, m.title
            assert m.condition or m.principle, m.title
            assert m.phase in PHASES, m.title
            assert m.status in MILESTONE_STATUSES, m.title
            assert (m.days_late is not None) == (m.status == "done"), m.title
        assert all(i["polarity"] in POLARITIES for i in story.indicators), story.name


def test_the_names_file_has_patterns_for_every_sector():
    names = load_partner_names()
    assert set(names.patterns) == set(SECTORS)
    assert names.places and names.surnames


def test_a_misspelt_key_in_a_stories_file_is_refused_not_ignored(tmp_path):
    misspelt = tmp_path / "stories.toml"
    misspelt.write_text(STORIES_FILE.read_text().replace("days_late = ", "days_lat = ", 1))
    with pytest.raises(ValueError, match="days_lat"):
        load_stories(misspelt)


def test_the_same_seed_gives_the_same_data(tmp_path, demo_store):
    path = tmp_path / "again.duckdb"
    again = open_store(path)
    fill_demo(again)
    for table in ("partners", "respondents", "responses", "milestones", "indicators"):
        query = (
            f"SELECT * EXCLUDE (id) FROM {table}"
            if table != "responses"
            else ("SELECT * FROM responses")
        )
        a = demo_store.read_df(query).sort_values(list(demo_store.read_df(query).columns))
        b = again.read_df(query).sort_values(list(a.columns))
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    forget_store(path)


def test_three_initiatives_each_with_partners_waves_milestones_indicators(demo_store):
    initiatives = demo_store.initiatives()
    assert len(initiatives) >= 3
    for initiative_id in initiatives["id"]:
        partners = demo_store.read_df(
            "SELECT sector FROM partners WHERE initiative_id = ?", [initiative_id]
        )
        assert 25 <= len(partners) <= 60
        assert set(partners["sector"]) == set(SECTORS)
        waves = demo_store.waves(int(initiative_id))
        assert len(waves) >= 4
        span = waves["opened_on"].iloc[-1] - waves["opened_on"].iloc[0]
        assert pd.Timedelta(span) >= pd.Timedelta(days=730)
        indicators = demo_store.read_df(
            "SELECT baseline_value, target_value FROM indicators WHERE initiative_id = ?",
            [initiative_id],
        )
        assert len(indicators) >= 3
        assert indicators.notna().all().all()
        milestones = demo_store.read_df(
            "SELECT due_date, done_date, status FROM milestones WHERE initiative_id = ?",
            [initiative_id],
        )
        assert len(milestones) >= 5


def test_milestones_include_late_and_overdue_ones(demo_store):
    milestones = demo_store.read_df("SELECT due_date, done_date, status FROM milestones")
    done = milestones[milestones["status"] == "done"]
    assert (done["done_date"] > done["due_date"]).any(), "no milestone done late"
    open_ = milestones[milestones["status"] != "done"]
    overdue = open_[pd.to_datetime(open_["due_date"]) < pd.Timestamp(DEMO_AS_OF)]
    assert len(overdue) >= 3


def test_answers_are_realistically_incomplete(demo_store):
    answers = demo_store.read_df("SELECT value FROM responses")
    missing = answers["value"].isna().mean()
    assert 0.03 < missing < 0.15
    assert set(answers["value"].dropna().astype(int)) == {1, 2, 3, 4, 5}
    # People who answered one wave but not another.
    seen = demo_store.read_df(
        "SELECT p.respondent_key, count(DISTINCT p.wave_id) AS waves, w.initiative_id"
        " FROM respondents p JOIN waves w ON w.id = p.wave_id"
        " GROUP BY p.respondent_key, w.initiative_id"
    )
    total = demo_store.read_df(
        "SELECT initiative_id, count(*) AS waves FROM waves GROUP BY initiative_id"
    )
    merged = seen.merge(total, on="initiative_id", suffixes=("", "_total"))
    assert (merged["waves"] < merged["waves_total"]).mean() > 0.3
    # Someone broke off: fewer than half of a scale's items answered in some response.
    per_respondent = demo_store.read_df(
        "SELECT respondent_id, count(value) AS answered FROM responses GROUP BY respondent_id"
    )
    assert (per_respondent["answered"] < 12).any()


def test_riverside_improves(demo_store, riverside):
    for index in ("collective_impact", "partnering"):
        means = _means(demo_store, riverside, index)
        assert means[-1] - means[0] > 0.5, index


def test_northgate_stalls_with_an_equity_gap(demo_store, northgate):
    means = _means(demo_store, northgate, "collective_impact")
    assert max(means) - min(means) < 0.3
    community = _means(demo_store, northgate, "equity", "community member")
    nonprofit = _means(demo_store, northgate, "equity", "nonprofit")
    government = _means(demo_store, northgate, "equity", "government")
    for c, n, g in zip(community, nonprofit, government, strict=True):
        assert n - c >= 0.5 and g - c >= 0.5


def test_coastal_is_early_in_its_life(demo_store, coastal):
    phases = demo_store.read_df(
        "SELECT phase FROM phases WHERE initiative_id = ? AND end_date IS NULL"
        " AND phase_model = 'fsg'",
        [coastal],
    )
    assert phases["phase"].tolist() == ["organise for impact"]
    start = demo_store.read_one("SELECT start_date FROM initiatives WHERE id = ?", [coastal])
    assert start >= dt.date(2024, 1, 1)
    assert _means(demo_store, coastal, "shared_measurement")[-1] < 3.0


@pytest.mark.parametrize("table", ["respondents", "responses"])
def test_demo_rows_reference_real_waves_and_respondents(demo_store, table):
    if table == "respondents":
        orphans = demo_store.read_one(
            "SELECT count(*) FROM respondents p LEFT JOIN waves w ON w.id = p.wave_id"
            " WHERE w.id IS NULL"
        )
    else:
        orphans = demo_store.read_one(
            "SELECT count(*) FROM responses r LEFT JOIN respondents p ON p.id = r.respondent_id"
            " WHERE p.id IS NULL"
        )
    assert orphans == 0


def fill_and_open(path):
    """What the app's first start does: open the store, fill the demo if the file is new."""
    store = open_store(path)
    fill_if_new(store)
    return store


def test_opening_a_store_does_not_fill_the_demo(tmp_path):
    path = tmp_path / "plain.duckdb"
    assert open_store(path).table_counts()["initiatives"] == 0
    forget_store(path)


def test_a_new_database_is_filled_with_the_demo_once(tmp_path):
    path = tmp_path / "first-start.duckdb"
    store = fill_and_open(path)
    counts = store.table_counts()
    assert counts["initiatives"] == 3
    forget_store(path)
    reopened = fill_and_open(path)
    assert reopened.table_counts() == counts
    forget_store(path)


def test_a_crash_during_the_demo_fill_leaves_an_empty_database_that_fills_next_time(
    tmp_path, monkeypatch
):
    path = tmp_path / "crash.duckdb"

    def crash(cursor, *args):
        raise KeyboardInterrupt("killed while filling")

    monkeypatch.setattr("analytics.demo.fill._fill_story", crash)
    with pytest.raises(KeyboardInterrupt):
        fill_and_open(path)
    monkeypatch.undo()
    forget_store(path)
    store = Store(path)
    assert store.table_counts()["initiatives"] == 0
    assert store.data_version() == 0
    store.close()
    filled = fill_and_open(path)
    assert filled.table_counts()["initiatives"] == 3
    forget_store(path)
