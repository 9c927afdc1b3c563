"""Figure builders: the figures carry the analytics layer's numbers, in safe colours."""

import pytest

from analytics import charts
from analytics.scoring import initiative_statistics, latest_changes


@pytest.fixture
def stats(demo_store, riverside):
    return initiative_statistics(demo_store, riverside)


def test_radar_shows_latest_and_previous_wave(stats):
    changes = latest_changes(stats[stats["group"] == "all"])
    figure = charts.radar(changes, "condition")
    names = [trace.name for trace in figure.data]
    assert names == ["Mar 2026", "Sep 2026"]
    latest = figure.data[1]
    expected = changes[changes["scale_type"] == "condition"]["mean"].tolist()
    assert list(latest.r[:-1]) == pytest.approx(expected)
    assert latest.r[0] == latest.r[-1]  # closed shape
    assert {trace.line.color for trace in figure.data} <= set(charts.OKABE_ITO.values())


def test_trend_grid_has_a_panel_per_scale_with_ci_bands(stats):
    figure = charts.trend_grid(stats, "principle")
    titles = [a.text for a in figure.layout.annotations]
    assert titles[:5] == [
        "Equity",
        "Transparency",
        "Mutual benefit",
        "Embracing diversity",
        "Having courage",
    ]
    assert titles[5] == "Partnering index"
    bands = [t for t in figure.data if t.fill == "toself"]
    means = [t for t in figure.data if t.mode == "lines+markers"]
    assert len(bands) == 5 and len(means) == 6
    equity = stats[(stats["group"] == "all") & (stats["scale"] == "equity")]
    assert list(means[0].y) == pytest.approx(equity.sort_values("wave_order")["mean"].tolist())
    high = equity.sort_values("wave_order")["ci_high"].tolist()
    assert list(bands[0].y[: len(high)]) == pytest.approx(high)


def test_radar_with_one_wave_has_one_trace(stats):
    first = stats[(stats["group"] == "all") & (stats["wave_order"] == 0)]
    figure = charts.radar(latest_changes(first), "principle")
    assert len(figure.data) == 1
