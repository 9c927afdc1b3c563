"""Figure builders: the figures carry the analytics layer's numbers, in safe colours."""

import pytest

from analytics.measures.scoring import initiative_statistics, latest_changes
from analytics.views import charts
from tests.users import ADMIN


@pytest.fixture
def stats(demo_store, riverside):
    return initiative_statistics(demo_store, ADMIN, riverside)


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


def test_likert_bars_centre_on_the_neutral_answer():
    import pandas as pd

    frame = pd.DataFrame(
        [{"label": "S1", "a1": 10.0, "a2": 20.0, "a3": 30.0, "a4": 25.0, "a5": 15.0}]
    )
    figure = charts.likert_bars(frame)
    left = sum(t.x[0] for t in figure.data if t.x[0] < 0)
    right = sum(t.x[0] for t in figure.data if t.x[0] > 0)
    assert left == pytest.approx(-(10 + 20 + 15))
    assert right == pytest.approx(25 + 15 + 15)
    assert [t.name for t in figure.data if t.showlegend is not False] == charts.LIKERT_WORDS[
        2:3
    ] + charts.LIKERT_WORDS[1::-1] + charts.LIKERT_WORDS[3:]


def test_heatmap_shows_suppressed_cells_as_such():
    import pandas as pd

    table = pd.DataFrame(
        [
            {"group": "a", "scale": "Equity", "n": 3, "mean": None, "suppressed": True},
            {"group": "b", "scale": "Equity", "n": 9, "mean": None, "suppressed": True},
            {"group": "c", "scale": "Equity", "n": 20, "mean": 3.5, "suppressed": False},
        ]
    )
    heat = charts.group_heatmap(table, 5).data[0]
    assert list(heat.text) == [["n < 5"], ["hidden"], ["3.50"]]
    assert heat.z[0][0] is None and heat.z[2][0] == 3.5


def test_trend_panels_name_phases_in_the_legend_and_keep_ticks_few(stats, demo_store, riverside):
    from analytics.measures.phases import phases as initiative_phases

    phases = initiative_phases(demo_store, ADMIN, riverside)
    panels = charts.trend_panels(stats, "condition", phases=phases)
    assert len(panels) == 6
    for figure in panels:
        assert len(figure.layout.xaxis.tickvals) <= 4
        assert figure.layout.xaxis.tickangle == 0
        texts = [note.text for note in figure.layout.annotations]
        assert not any(p.capitalize() in texts for p in phases["phase"])  # no label over it
        legend = {trace.name for trace in figure.data}
        assert {p.capitalize() for p in phases["phase"]} <= legend
    assert "yellow" in charts.phase_key(phases)


@pytest.mark.parametrize("waves", [3, 8, 16])
def test_wave_ticks_stay_level_short_and_few_enough_for_a_phone(waves):
    """Eight one-line dates, tilted, printed over each other on a 390 px phone (seen in a
    screenshot of Conditions): the trend and per-wave charts name at most eight waves, level,
    on lines of at most eight characters, the latest always among them."""
    import pandas as pd

    dates = pd.Series(pd.date_range("2020-03-01", periods=waves, freq="6MS"))
    labels = pd.Series([d.strftime("%b %Y") for d in dates])
    ticks = charts.wave_ticks(dates, labels)
    assert len(ticks["tickvals"]) == min(waves, 8 if waves <= 8 else waves // 2)
    assert ticks["tickvals"][-1] == dates.iloc[-1]
    assert ticks["tickangle"] == 0
    for text in ticks["ticktext"]:
        assert all(len(line) <= 8 for line in text.split("<br>"))


def test_the_scale_trend_uses_the_phone_safe_ticks(stats):
    scale = stats.loc[stats["scale_type"] == "condition", "scale"].iloc[0]
    from analytics.measures.statistics import successive_changes

    figure = charts.scale_trend(stats, scale, successive_changes(stats))
    assert figure.layout.xaxis.tickangle == 0
    assert all("<br>" in text for text in figure.layout.xaxis.ticktext)
