"""Plotly figure builders: one function per chart, data in, figure out, no streamlit."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.scoring import ALL_GROUP, Bands

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
LATEST_COLOUR = OKABE_ITO["blue"]
PREVIOUS_COLOUR = OKABE_ITO["orange"]
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=14, color="#262730")
SCALE_RANGE = (1, 5)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _wrap(text: str, width: int = 18) -> str:
    """Break a long axis label over lines so that it is never cut off."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def radar(changes: pd.DataFrame, scale_type: str) -> go.Figure:
    """Latest against previous wave for the five conditions or principles.

    `changes` is `scoring.latest_changes(...)`: one row per scale with mean and previous_mean.
    """
    rows = changes[changes["scale_type"] == scale_type].set_index("scale")
    keys = [k for k in SCALE_TYPES[scale_type] if k in rows.index]
    labels = [_wrap(scale_label(k), 16) for k in keys]
    fig = go.Figure()
    series = [
        ("previous_mean", "previous_wave", PREVIOUS_COLOUR, "dash"),
        ("mean", "wave", LATEST_COLOUR, "solid"),
    ]
    for column, wave_column, colour, dash in series:
        values = rows.loc[keys, column].tolist() if keys else []
        if not values or all(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
            continue
        wave = rows[wave_column].dropna().iloc[0] if rows[wave_column].notna().any() else ""
        fig.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=[*labels, labels[0]],
                name=f"{wave}",
                line=dict(color=colour, width=3, dash=dash),
                marker=dict(size=7, symbol="circle" if dash == "solid" else "diamond"),
                fill="toself" if dash == "solid" else "none",
                fillcolor=_rgba(colour, 0.12),
                hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        polar=dict(
            radialaxis=dict(
                range=list(SCALE_RANGE), tickvals=[1, 2, 3, 4, 5], angle=54, tickfont=dict(size=11)
            ),
            angularaxis=dict(tickfont=dict(size=12), rotation=90, direction="clockwise"),
        ),
        font=FONT,
        legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="center", x=0.5),
        margin=dict(l=110, r=110, t=50, b=30),
        height=460,
        title=dict(
            text=f"{scale_type.capitalize()}s: latest and previous wave",
            x=0.5,
            xanchor="center",
            font=dict(size=16),
        ),
    )
    return fig


def trend_grid(stats: pd.DataFrame, scale_type: str, bands: Bands | None = None) -> go.Figure:
    """Each scale's mean over the waves with its 95% confidence interval as a band, and the
    family's index in the last panel. `stats` is `scoring.initiative_statistics(...)`."""
    bands = bands or Bands.from_settings()
    whole = stats[stats["group"] == ALL_GROUP].sort_values("wave_order")
    keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]]
    columns = 3
    rows = math.ceil(len(keys) / columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_yaxes=True,
        vertical_spacing=0.16,
        horizontal_spacing=0.04,
        subplot_titles=[_wrap(scale_label(k), 34) for k in keys],
    )
    shapes = []  # band thresholds: one layout update, far faster than add_hline per panel
    for i, key in enumerate(keys):
        row, col = i // columns + 1, i % columns + 1
        data = whole[whole["scale"] == key]
        x = pd.to_datetime(data["opened_on"])
        colour = OKABE_ITO["vermillion"] if key in INDEX_OF.values() else LATEST_COLOUR
        has_ci = data["ci_low"].notna()
        if has_ci.any():
            fig.add_trace(
                go.Scatter(
                    x=[*x[has_ci], *x[has_ci][::-1]],
                    y=[*data["ci_high"][has_ci], *data["ci_low"][has_ci][::-1]],
                    mode="lines",
                    fill="toself",
                    fillcolor=_rgba(colour, 0.18),
                    line=dict(width=0),
                    hoverinfo="skip",
                    showlegend=i == 0,
                    name="95% confidence interval",
                    legendgroup="ci",
                ),
                row=row,
                col=col,
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=data["mean"],
                mode="lines+markers",
                line=dict(color=colour, width=2.5),
                marker=dict(size=7),
                name="Mean" if key not in INDEX_OF.values() else "Index",
                showlegend=i == 0 or key in INDEX_OF.values(),
                legendgroup=colour,
                customdata=data[["wave", "n", "ci_low", "ci_high"]].to_numpy(),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>mean %{y:.2f}<br>n = %{customdata[1]}"
                    "<br>95% CI %{customdata[2]:.2f} to %{customdata[3]:.2f}<extra></extra>"
                ),
            ),
            row=row,
            col=col,
        )
        axis = "" if i == 0 else str(i + 1)
        shapes += [
            dict(
                type="line",
                xref=f"x{axis} domain",
                yref=f"y{axis}",
                x0=0,
                x1=1,
                y0=threshold,
                y1=threshold,
                line=dict(color=OKABE_ITO["grey"], width=1, dash="dot"),
            )
            for threshold in (bands.borderline, bands.strength)
        ]
    fig.update_yaxes(range=[1, 5], tickvals=[1, 2, 3, 4, 5], gridcolor="#eeeeee")
    fig.update_yaxes(title_text="Mean (1-5)", col=1)
    fig.update_xaxes(tickformat="%b<br>%Y", gridcolor="#f4f4f4")
    fig.update_annotations(font=dict(size=14))
    fig.update_layout(
        shapes=shapes,
        font=FONT,
        height=300 * rows + 80,
        margin=dict(l=60, r=20, t=60, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="right", x=1),
        hovermode="closest",
    )
    return fig
