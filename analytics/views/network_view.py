"""The partner network as the network page, the report and the CLI show it: the map of one wave
(Plotly: colour by sector, size by ties, edge width by level), the measures over waves, and
the tables beside them. Text from the data is HTML-escaped: Plotly renders tags in labels."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.ingest.network import COLLABORATION_LEVELS
from analytics.measures.network import HIDDEN_SECTOR, MEASURE_LABELS
from analytics.store.schema import SECTORS
from analytics.views.charts import FONT, OKABE_ITO, SECTOR_COLOURS

SECTOR_COLOUR = dict(zip(SECTORS, SECTOR_COLOURS, strict=True))
HIDDEN_COLOUR = "#C4C4C4"
_EDGE_COLOUR = "rgba(60,60,60,{alpha})"


def _edge_trace(edges: pd.DataFrame, level: int) -> go.Scatter:
    chosen = edges[edges["level"] == level]
    # One polyline per level: each tie's two ends, then a gap (NaN) before the next tie.
    xs = np.full(len(chosen) * 3, np.nan)
    ys = np.full(len(chosen) * 3, np.nan)
    xs[0::3], xs[1::3] = chosen["source_x"].to_numpy(), chosen["target_x"].to_numpy()
    ys[0::3], ys[1::3] = chosen["source_y"].to_numpy(), chosen["target_y"].to_numpy()
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line=dict(width=0.4 + 0.7 * level, color=_EDGE_COLOUR.format(alpha=0.12 + 0.1 * level)),
        hoverinfo="skip",
        name=f"{level} {COLLABORATION_LEVELS[level]}",
        legendgroup="levels",
        legendgrouptitle_text="Tie level",
    )


def network_map_figure(nodes: pd.DataFrame, edges: pd.DataFrame, wave: str) -> go.Figure:
    """The map of `wave`: nodes of network_map (named, or anonymised with name ''), sized by
    their ties either way, coloured by sector; edges drawn wider and darker the higher their
    level. The positions are the layout's for every wave, so the map changes only by ties."""
    shown_nodes = nodes[nodes["wave"] == wave]
    shown_edges = edges[edges["wave"] == wave]
    fig = go.Figure()
    for level in sorted(COLLABORATION_LEVELS)[1:]:
        if (shown_edges["level"] == level).any():
            fig.add_trace(_edge_trace(shown_edges, level))
    top = max(int(shown_nodes["degree"].max()), 1) if len(shown_nodes) else 1
    for sector in [*SECTORS, HIDDEN_SECTOR]:
        group = shown_nodes[shown_nodes["sector"] == sector]
        if group.empty:
            continue
        named = group["name"].fillna("").astype(str)
        ring = "#7A7A7A" if sector == HIDDEN_SECTOR else "white"  # pale dots need an outline
        who = [
            html.escape(name) if name else f"Organisation {node}"
            for name, node in zip(named, group["node"], strict=True)
        ]
        hover = [
            f"{w}<br>{html.escape(sector)}<br>{degree} ties{'<br>on the edge' if edge else ''}"
            for w, degree, edge in zip(who, group["degree"], group["on_edge"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=group["x"],
                y=group["y"],
                # Names on hover only: printed beside dots they cover each other in the middle.
                mode="markers",
                hovertext=hover,
                hoverinfo="text",
                marker=dict(
                    size=[7 + 15 * math.sqrt(d / top) for d in group["degree"]],
                    color=SECTOR_COLOUR.get(sector, HIDDEN_COLOUR),
                    line=dict(
                        width=[2 if e else 1 for e in group["on_edge"]],
                        color=[OKABE_ITO["black"] if e else ring for e in group["on_edge"]],
                    ),
                ),
                name=html.escape(sector),
                legendgroup="sectors",
                legendgrouptitle_text="Sector",
            )
        )
    if shown_nodes["on_edge"].any():  # a legend entry for the black ring
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(size=10, color="white", line=dict(width=2, color=OKABE_ITO["black"])),
                name="ringed: no tie at level 2+",
                legendgroup="sectors",
            )
        )
    axis = dict(visible=False, range=[-1.3, 1.3], fixedrange=False)
    fig.update_layout(
        font=FONT,
        height=600,
        margin=dict(l=10, r=10, t=40, b=10),
        title=dict(text=f"Who works with whom: {html.escape(wave)}", x=0),
        xaxis=axis,
        yaxis={**axis, "scaleanchor": "x", "scaleratio": 1},
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=-0.02, x=0),
        hoverlabel=dict(font=FONT),
    )
    return fig


def measures_wide(measures: pd.DataFrame) -> pd.DataFrame:
    """network_measures as one row per wave and one column per measure (readable names)."""
    if measures.empty:
        return pd.DataFrame(columns=["Wave"])
    order = list(dict.fromkeys(measures["wave"]))
    wide = measures.pivot(index="wave", columns="measure", values="value").reindex(order)
    wide = wide[[m for m in MEASURE_LABELS if m in wide.columns]].rename(columns=MEASURE_LABELS)
    return wide.round(3).reset_index().rename(columns={"wave": "Wave"})


_TREND_LINES = {
    "density": OKABE_ITO["blue"],
    "reciprocity": OKABE_ITO["orange"],
    "degree_centralisation": OKABE_ITO["purple"],
    "mean_trust": OKABE_ITO["green"],
    "mean_value": OKABE_ITO["vermillion"],
}


def network_trend_figure(measures: pd.DataFrame) -> go.Figure:
    """Density, reciprocity and centralisation (0 to 1), then mean trust and value (1 to 4),
    wave by wave."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Structure (0 to 1)", "Trust and value (1 to 4)"),
        horizontal_spacing=0.12,
    )
    waves = list(dict.fromkeys(measures["wave"]))
    for measure, colour in _TREND_LINES.items():
        rows = measures[measures["measure"] == measure].set_index("wave").reindex(waves)
        col = 2 if measure.startswith("mean_") else 1
        fig.add_trace(
            go.Scatter(
                x=[html.escape(w) for w in waves],
                y=rows["value"],
                mode="lines+markers",
                name=MEASURE_LABELS[measure],
                line=dict(color=colour, width=3),
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(range=[1, 4.05], row=1, col=2)
    fig.update_layout(
        font=FONT,
        height=380,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0),
    )
    return fig


def map_table(nodes: pd.DataFrame, wave: str) -> pd.DataFrame:
    """The map's data for `wave`: one row per organisation (its name only where shown)."""
    shown = nodes[nodes["wave"] == wave]
    table = pd.DataFrame(
        {
            "Organisation": [
                name if name else f"Organisation {node}"
                for name, node in zip(shown["name"].fillna(""), shown["node"], strict=True)
            ],
            "Sector": shown["sector"],
            "Ties (either way)": shown["degree"],
            "On the edge": shown["on_edge"].map({True: "yes", False: "no"}),
        }
    )
    return table.sort_values("Ties (either way)", ascending=False).reset_index(drop=True)
