"""Scoring rules of DESIGN.md section 3 against figures computed by hand."""

import math

import pandas as pd
import pytest

from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures.scoring import (
    Bands,
    InvalidAnswerError,
    group_statistics,
    initiative_statistics,
    latest_changes,
    respondent_scores,
)
from analytics.store.scale_scores import recompute_scale_scores
from tests.conftest import frame
from tests.users import ADMIN

T_975_DF1 = 12.706204736  # t quantile 0.975 with 1 degree of freedom, from printed tables
T_975_DF2 = 4.302652730

# Common agenda: A1, A2, A3 (A3 reverse-coded). Equity: A1, B1, B2 (B2 reverse-coded).
ITEMS = frame(
    [
        ("A1", "common_agenda", "equity", False),
        ("A2", "common_agenda", None, False),
        ("A3", "common_agenda", None, True),
        ("B1", None, "equity", False),
        ("B2", None, "equity", True),
    ],
    ["item_id", "condition", "principle", "reverse"],
)
NA = None
ANSWERS = frame(
    [
        # r1 answers everything: A3 2 -> 4, B2 1 -> 5.
        (1, 1, "A1", 5),
        (1, 1, "A2", 4),
        (1, 1, "A3", 2),
        (1, 1, "B1", 3),
        (1, 1, "B2", 1),
        # r2: one of three common-agenda items (no score), two of three equity items.
        (2, 1, "A1", 4),
        (2, 1, "A2", NA),
        (2, 1, "A3", NA),
        (2, 1, "B1", 2),
        (2, 1, "B2", NA),
        # r3: two common-agenda items (A3 5 -> 1), no equity item.
        (3, 1, "A1", NA),
        (3, 1, "A2", 3),
        (3, 1, "A3", 5),
        (3, 1, "B1", NA),
        (3, 1, "B2", NA),
        # r4 skipped everything.
        (4, 1, "A1", NA),
        (4, 1, "A2", NA),
        (4, 1, "A3", NA),
        (4, 1, "B1", NA),
        (4, 1, "B2", NA),
    ],
    ["respondent_id", "wave_id", "item_id", "value"],
)


def _score(scores, respondent, scale):
    rows = scores[(scores["respondent_id"] == respondent) & (scores["scale"] == scale)]
    return None if rows.empty else float(rows["score"].iloc[0])


def test_respondent_scores_reverse_code_and_need_half_the_items():
    scores = respondent_scores(ANSWERS, ITEMS)
    assert _score(scores, 1, "common_agenda") == pytest.approx(13 / 3)  # (5 + 4 + 4) / 3
    assert _score(scores, 1, "equity") == pytest.approx(13 / 3)  # (5 + 3 + 5) / 3
    assert _score(scores, 2, "common_agenda") is None  # 1 of 3 answered < 2 needed
    assert _score(scores, 2, "equity") == pytest.approx(3.0)  # (4 + 2) / 2
    assert _score(scores, 3, "common_agenda") == pytest.approx(2.0)  # (3 + 1) / 2
    assert _score(scores, 3, "equity") is None
    assert 4 not in set(scores["respondent_id"])  # all missing: no score at all


@pytest.mark.parametrize(
    ("n_items", "answered", "scored"),
    [
        (1, 1, True),
        (2, 1, True),
        (3, 1, False),
        (3, 2, True),
        (4, 2, True),
        (5, 2, False),
        (5, 3, True),
        (6, 3, True),
    ],
)
def test_half_the_items_rounded_up(n_items, answered, scored):
    items = frame(
        [(f"I{i}", "shared_measurement", None, False) for i in range(n_items)],
        ["item_id", "condition", "principle", "reverse"],
    )
    answers = frame(
        [(1, 1, f"I{i}", 4 if i < answered else None) for i in range(n_items)],
        ["respondent_id", "wave_id", "item_id", "value"],
    )
    scores = respondent_scores(answers, items)
    assert (len(scores) == 1) is scored


def _stat(stats, scale):
    return stats[stats["scale"] == scale].iloc[0]


def test_group_statistics_by_hand():
    stats = group_statistics(ANSWERS, ITEMS, bands=Bands(4.0, 3.0), min_n=5)
    ca = _stat(stats, "common_agenda")
    # Scores 13/3 and 2: mean 19/6, sd |13/3 - 2| / sqrt(2).
    assert ca["n"] == 2
    assert ca["mean"] == pytest.approx(19 / 6)
    sd = (13 / 3 - 2) / math.sqrt(2)
    assert ca["sd"] == pytest.approx(sd)
    assert ca["ci_low"] == pytest.approx(19 / 6 - T_975_DF1 * sd / math.sqrt(2))
    assert ca["ci_high"] == pytest.approx(19 / 6 + T_975_DF1 * sd / math.sqrt(2))
    # Valid common-agenda answers after reverse coding: 5 4 4 | 4 | 3 1 -> 4 of 6 favourable.
    assert ca["pct_favourable"] == pytest.approx(100 * 4 / 6)
    assert ca["band"] == "borderline"
    assert bool(ca["suppressed"]) is True  # n 2 < 5

    equity = _stat(stats, "equity")
    assert equity["n"] == 2
    assert equity["mean"] == pytest.approx((13 / 3 + 3) / 2)
    # 5 3 5 | 4 2 -> 3 of 5 favourable.
    assert equity["pct_favourable"] == pytest.approx(60.0)
    # Only two scales have items: no index can be formed.
    assert not (stats["scale_type"] == "index").any()


def test_one_respondent_has_a_mean_but_no_spread():
    answers = ANSWERS[ANSWERS["respondent_id"] == 1]
    stats = group_statistics(answers, ITEMS, bands=Bands(4.0, 3.0), min_n=1)
    ca = _stat(stats, "common_agenda")
    assert ca["n"] == 1
    assert ca["mean"] == pytest.approx(13 / 3)
    assert math.isnan(ca["sd"]) and math.isnan(ca["ci_low"]) and math.isnan(ca["ci_high"])
    assert ca["band"] == "strength"
    assert bool(ca["suppressed"]) is False


def test_all_missing_gives_no_statistics():
    answers = ANSWERS[ANSWERS["respondent_id"] == 4]
    assert respondent_scores(answers, ITEMS).empty
    assert group_statistics(answers, ITEMS).empty


def test_three_respondents_ci_uses_two_degrees_of_freedom():
    items = frame(
        [("S1", "backbone_support", None, False)], ["item_id", "condition", "principle", "reverse"]
    )
    answers = frame(
        [(1, 1, "S1", 2), (2, 1, "S1", 3), (3, 1, "S1", 5)],
        ["respondent_id", "wave_id", "item_id", "value"],
    )
    row = _stat(group_statistics(answers, items, min_n=1), "backbone_support")
    mean, sd = 10 / 3, math.sqrt(((2 - 10 / 3) ** 2 + (3 - 10 / 3) ** 2 + (5 - 10 / 3) ** 2) / 2)
    assert row["sd"] == pytest.approx(sd)
    assert row["ci_high"] - mean == pytest.approx(T_975_DF2 * sd / math.sqrt(3))
    assert row["pct_favourable"] == pytest.approx(100 / 3)


@pytest.mark.parametrize("bad", [0, 6, 4.5, -1])
def test_invalid_values_are_refused_not_coerced(bad):
    answers = ANSWERS.copy()
    answers["value"] = answers["value"].astype(object)
    answers.loc[0, "value"] = bad
    with pytest.raises(InvalidAnswerError) as error:
        group_statistics(answers, ITEMS)
    assert len(error.value.bad) == 1
    assert error.value.bad["value"].iloc[0] == bad


@pytest.mark.parametrize(
    ("mean", "band"),
    [
        (4.0, "strength"),
        (3.99, "borderline"),
        (3.0, "borderline"),
        (2.99, "concern"),
        (None, None),
        (float("nan"), None),
    ],
)
def test_bands(mean, band):
    assert Bands(4.0, 3.0).of(mean) == band


def _all_scales_items():
    rows = [(f"C{i}", key, None, False) for i, key in enumerate(CONDITIONS)]
    rows += [(f"P{i}", None, key, False) for i, key in enumerate(PRINCIPLES)]
    return frame(rows, ["item_id", "condition", "principle", "reverse"])


def test_indices_are_means_of_the_five_means():
    items = _all_scales_items()
    condition_values = [1, 2, 3, 4, 5]
    principle_values = [5, 5, 4, 4, 2]
    rows = []
    for respondent in (1, 2):
        rows += [(respondent, 1, f"C{i}", v) for i, v in enumerate(condition_values)]
        rows += [(respondent, 1, f"P{i}", v) for i, v in enumerate(principle_values)]
    stats = group_statistics(
        frame(rows, ["respondent_id", "wave_id", "item_id", "value"]), items, min_n=1
    )
    assert _stat(stats, "collective_impact")["mean"] == pytest.approx(3.0)
    assert _stat(stats, "partnering")["mean"] == pytest.approx(4.0)
    assert _stat(stats, "partnering")["band"] == "strength"
    assert _stat(stats, "collective_impact")["n"] == 2


def test_index_needs_all_five_means():
    items = _all_scales_items()
    rows = [(1, 1, f"C{i}", 4) for i in range(4)]  # the fifth condition unanswered
    rows += [(1, 1, f"P{i}", 4) for i in range(5)]
    stats = group_statistics(
        frame(rows, ["respondent_id", "wave_id", "item_id", "value"]), items, min_n=1
    )
    assert "collective_impact" not in set(stats["scale"])
    assert _stat(stats, "partnering")["mean"] == pytest.approx(4.0)


def test_store_and_frames_give_the_same_statistics(demo_store, riverside):
    stored = initiative_statistics(demo_store, ADMIN, riverside)
    answers = demo_store.answers(riverside)
    items = demo_store.instrument_items(riverside)
    direct = group_statistics(answers, items)
    merged = stored.merge(direct, on=["wave_id", "group", "scale"], suffixes=("", "_direct"))
    assert len(merged) == len(stored) == len(direct)
    for column in ("n", "mean", "sd", "ci_low", "pct_favourable"):
        pd.testing.assert_series_equal(
            merged[column].astype(float),
            merged[f"{column}_direct"].astype(float),
            check_names=False,
        )


def test_statistics_are_cached_until_the_data_changes(writable_demo_store):
    store = writable_demo_store
    riverside = store.initiative_id("Riverside Early Years Alliance")
    first = initiative_statistics(store, ADMIN, riverside)
    version = store.data_version()
    again = initiative_statistics(store, ADMIN, riverside)
    assert again.equals(first)
    with store.transaction() as cursor:
        cursor.execute(
            "UPDATE respondent_answers"
            " SET answers = list_transform(answers, lambda v: CASE WHEN v IS NOT NULL THEN 1 END)"
            " WHERE respondent_id IN ("
            " SELECT p.id FROM respondents p JOIN waves w ON w.id = p.wave_id"
            " WHERE w.initiative_id = ?)",
            [riverside],
        )
        # Every write of answers rewrites the stored respondent scores in its transaction.
        recompute_scale_scores(cursor, riverside)
    assert store.data_version() == version + 1
    changed = initiative_statistics(store, ADMIN, riverside)
    # Every answer is now 1: items worded positively score 1, reverse-coded ones 5.
    shared_agenda = changed[changed["scale"] == "common_agenda"]["mean"]
    assert (shared_agenda < first[first["scale"] == "common_agenda"]["mean"].min()).all()


def test_latest_changes_compare_the_last_two_waves(demo_store, coastal):
    stats = initiative_statistics(demo_store, ADMIN, coastal)
    changes = latest_changes(stats)
    assert set(changes["wave"]) == {"Oct 2026"}
    assert set(changes["previous_wave"]) == {"Apr 2026"}
    row = changes[changes["scale"] == "equity"].iloc[0]
    whole = stats[(stats["group"] == "all") & (stats["scale"] == "equity")]
    latest = whole[whole["wave"] == "Oct 2026"]["mean"].iloc[0]
    previous = whole[whole["wave"] == "Apr 2026"]["mean"].iloc[0]
    assert row["change"] == pytest.approx(latest - previous)


def test_the_band_follows_the_mean_as_shown():
    assert Bands(4.0, 3.0).of(3.996) == "strength"  # shown as 4.00
    assert Bands(4.0, 3.0).of(3.994) == "borderline"  # shown as 3.99
