"""Turning the curve: projection and status for both polarities, and observation rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.errors import ImportRefused
from analytics.measures.indicators import (
    NOT_ENOUGH,
    OFF_TRACK,
    ON_TRACK,
    add_observations,
    define_indicator,
    indicator_statuses,
    observations,
    observations_from_csv,
    progress_points,
    project,
)
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores

D = dt.date


def _observed(*points):
    return pd.DataFrame(points, columns=["observed_on", "value"])


def test_projection_is_the_least_squares_line_at_the_target_date():
    observed = _observed((D(2020, 1, 1), 10.0), (D(2021, 1, 1), 14.0), (D(2022, 1, 1), 15.0))
    result = project("higher", D(2020, 1, 1), D(2024, 1, 1), 20.0, observed)
    days = np.array([0, 366, 731], dtype=float)
    slope, intercept = np.polyfit(days, [10.0, 14.0, 15.0], 1)
    assert result.projected == pytest.approx(intercept + slope * 1461)
    assert result.status == ON_TRACK  # about 22.5 by 2024, above the target of 20
    assert result.latest == 15.0 and result.points == 3


@pytest.mark.parametrize(
    ("polarity", "target", "status"),
    [
        ("higher", 25.0, OFF_TRACK),
        ("higher", 20.0, ON_TRACK),
        ("lower", 20.0, OFF_TRACK),
        ("lower", 25.0, ON_TRACK),
        ("lower", 30.0, ON_TRACK),
    ],
)
def test_status_respects_polarity(polarity, target, status):
    observed = _observed((D(2020, 1, 1), 10.0), (D(2022, 1, 1), 16.0))
    result = project(polarity, D(2020, 1, 1), D(2024, 1, 1), target, observed)
    assert result.projected == pytest.approx(22.0, abs=0.02)
    assert result.status == status


def test_a_falling_curve_for_a_lower_is_better_indicator():
    observed = _observed((D(2020, 1, 1), 100.0), (D(2021, 1, 1), 95.0), (D(2022, 1, 1), 89.0))
    assert project("lower", D(2020, 1, 1), D(2024, 1, 1), 80.0, observed).status == ON_TRACK
    assert project("lower", D(2020, 1, 1), D(2024, 1, 1), 70.0, observed).status == OFF_TRACK


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(D(2020, 1, 1), 10.0)],
        [(D(2019, 1, 1), 8.0), (D(2020, 1, 1), 10.0)],  # only one since the baseline
    ],
)
def test_fewer_than_two_observations_is_not_enough_data(points):
    result = project("higher", D(2020, 1, 1), D(2024, 1, 1), 20.0, _observed(*points))
    assert result.status == NOT_ENOUGH and result.projected is None


def test_demo_statuses(demo_store, coastal, northgate):
    coast = indicator_statuses(demo_store, ADMIN, coastal).set_index("name")
    assert coast.loc["Apprenticeship starts", "status"] == NOT_ENOUGH
    north = indicator_statuses(demo_store, ADMIN, northgate)
    assert (north["status"] == OFF_TRACK).all()  # the stalling story


def test_define_and_add_observations(empty_store):
    from analytics.store.connection import Store

    with empty_store.transaction() as cursor:
        initiative = Store.create_initiative(cursor, "I", Store.default_instrument_in(cursor))
    indicator = define_indicator(
        empty_store,
        initiative,
        name="Reading at age 7",
        unit="%",
        polarity="higher",
        baseline_date=D(2024, 1, 1),
        baseline_value="60",
        target_date="2027-01-01",
        target_value=70,
        user=ADMIN,
    )
    added = add_observations(
        empty_store,
        initiative,
        indicator,
        [("2025-01-01", "63.5"), (D(2026, 1, 1), 66)],
        user=ADMIN,
    )
    assert added == 2
    assert observations(empty_store, ADMIN, initiative, indicator)["value"].tolist() == [
        60.0,
        63.5,
        66.0,
    ]
    progress = progress_points(empty_store, ADMIN, initiative)
    assert progress["progress"].round(1).tolist() == [0.0, 35.0, 60.0]
    counts = empty_store.table_counts()
    with pytest.raises(ImportRefused) as error:
        add_observations(
            empty_store,
            initiative,
            indicator,
            [("2026-06-01", "67"), ("June", "x"), ("2026-06-01", "68")],
            user=ADMIN,
            first_row=2,
        )
    assert {(p.row, p.column) for p in error.value.problems} == {
        (3, "observed_on"),
        (3, "value"),
        (4, "observed_on"),
    }
    with pytest.raises(ImportRefused, match="already have a value"):
        add_observations(empty_store, initiative, indicator, [("2025-01-01", 1)], user=ADMIN)
    assert empty_store.table_counts() == counts
    with pytest.raises(ImportRefused) as error:
        define_indicator(
            empty_store,
            initiative,
            name="",
            unit="",
            polarity="up",
            baseline_date="2025-01-01",
            baseline_value="a",
            target_date="2024-01-01",
            target_value=1,
            user=ADMIN,
        )
    assert {p.column for p in error.value.problems} == {
        "name",
        "polarity",
        "baseline_value",
        "target_date",
    }


def test_observations_from_csv():
    rows = observations_from_csv(b"observed_on,value\n2026-01-01,5\n,\n2026-02-01,6\n", "o.csv")
    assert rows == [("2026-01-01", "5"), ("2026-02-01", "6")]
    with pytest.raises(ImportRefused, match="observed_on and value"):
        observations_from_csv(b"date,v\n2026-01-01,5\n", "o.csv")
