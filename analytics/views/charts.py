"""Plotly figure builders: one function per chart, data in, figure out, no streamlit."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.measures.groups import ALL_GROUP
from analytics.measures.scoring import Bands
from analytics.measures.suppression import is_small

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


def plotly_text(value: object) -> str:
    """Text from a user or a file, for any Plotly label, name, tick or hover value: shown as
    typed, never as Plotly's HTML subset (links, images, bold)."""
    return html.escape(str(value), quote=False)


def plotly_texts(values) -> list[str]:
    return [plotly_text(v) for v in values]


def with_plotly_text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """`frame` with the text of `columns` made literal for Plotly (for customdata)."""
    return frame.assign(**{c: frame[c].map(plotly_text) for c in columns if c in frame})


def wrap_label(text: str, width: int = 18, joiner: str = "<br>") -> str:
    """Break a long label over lines of at most `width` characters (words are never split),
    joined for Plotly (<br>) or for matplotlib (a newline), so that it is never cut off. The
    text is literal: escaped for Plotly's HTML, and its dollar signs for matplotlib's maths."""
    text = str(text)
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if joiner == "<br>":
        lines = plotly_texts(lines)
    else:
        lines = [part.replace("$", r"\$") for part in lines]
    return joiner.join(lines)


def wave_ticks(dates: pd.Series, labels: pd.Series, most: int = 8) -> dict:
    """Axis ticks at the waves, named as the waves are, on two short lines ("Mar<br>2026") and
    level, at most `most` of them (every other one, or fewer, counted back from the latest):
    eight one-line dates tilted on a phone's 270 px plot print over each other."""
    ticks = pd.DataFrame({"date": pd.to_datetime(list(dates)), "label": list(labels)})
    step = max(1, math.ceil(len(ticks) / most))
    ticks = ticks.iloc[::-1].iloc[::step].iloc[::-1]
    return dict(
        tickvals=list(ticks["date"]),
        ticktext=[wrap_label(w, 4) for w in ticks["label"]],
        tickangle=0,
    )


def _label_above_row(fig: go.Figure, y: float, label: object, *, size: int) -> None:
    """A row's name written above it across the chart's width, on a light background, rather
    than as an axis label, which on a phone left the bars a plot 60 px wide."""
    fig.add_annotation(
        x=0,
        xref="paper",
        y=y,
        yref="y",
        text=wrap_label(label, 46),
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        align="left",
        font=dict(size=size, color="#262730"),
        bgcolor="rgba(255, 255, 255, 0.85)",
    )


def _ci_band(data: pd.DataFrame, x: pd.Series, colour: str, showlegend: bool = True) -> go.Scatter:
    """The 95% confidence interval as a shaded band (up along ci_high, back along ci_low), one
    band per run of waves that have one: a wave without (hidden, or one respondent) breaks it,
    rather than the band bridging a wave it knows nothing of."""
    has_ci = data["ci_low"].notna().to_numpy()
    xs, highs, lows = list(x), list(data["ci_high"]), list(data["ci_low"])
    band_x: list = []
    band_y: list = []
    run: list[int] = []
    for i in [*range(len(xs)), None]:
        if i is not None and has_ci[i]:
            run.append(i)
            continue
        if run:
            band_x += [*(xs[k] for k in run), *(xs[k] for k in run[::-1]), None]
            band_y += [*(highs[k] for k in run), *(lows[k] for k in run[::-1]), None]
        run = []
    return go.Scatter(
        x=band_x[:-1],
        y=band_y[:-1],
        mode="lines",
        fill="toself",
        # Strong enough to stand out on every phase's shading, with an edge of its own.
        fillcolor=_rgba(colour, 0.30),
        line=dict(width=1, color=_rgba(colour, 0.45)),
        hoverinfo="skip",
        showlegend=showlegend,
        name="95% confidence interval",
        legendgroup="ci",
    )


def radar(changes: pd.DataFrame, scale_type: str) -> go.Figure:
    """Latest against previous wave for the five conditions or principles.

    `changes` is `scoring.latest_changes(...)`: one row per scale with mean and previous_mean.
    """
    rows = changes[changes["scale_type"] == scale_type].set_index("scale")
    keys = [k for k in SCALE_TYPES[scale_type] if k in rows.index]
    labels = [wrap_label(scale_label(k), 16) for k in keys]
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
                name=plotly_text(wave),
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


def trend_grid(
    stats: pd.DataFrame,
    scale_type: str,
    bands: Bands | None = None,
    phases: pd.DataFrame | None = None,
    *,
    only: str | None = None,
) -> go.Figure:
    """Each scale's mean over the waves with its 95% confidence interval as a band, and the
    family's index in the last panel (or the panel of scale `only` alone, for `trend_panels`).
    `stats` is `scoring.initiative_statistics(...)`."""
    bands = bands or Bands.from_settings()
    whole = stats[stats["group"] == ALL_GROUP].sort_values("wave_order")
    keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]] if only is None else [only]
    columns = min(3, len(keys))
    rows = math.ceil(len(keys) / columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_yaxes=True,
        vertical_spacing=0.2,
        horizontal_spacing=0.04,
        subplot_titles=[wrap_label(scale_label(k), 22) for k in keys],
    )
    shapes = []  # band thresholds: one layout update, far faster than add_hline per panel
    for i, key in enumerate(keys):
        row, col = i // columns + 1, i % columns + 1
        data = whole[whole["scale"] == key]
        x = pd.to_datetime(data["opened_on"])
        colour = OKABE_ITO["vermillion"] if key in INDEX_OF.values() else LATEST_COLOUR
        if data["ci_low"].notna().any():
            fig.add_trace(_ci_band(data, x, colour, showlegend=i == 0), row=row, col=col)
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
                customdata=with_plotly_text(data, "wave")[
                    ["wave", "n", "ci_low", "ci_high"]
                ].to_numpy(),
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
    # Ticks at the waves themselves, named as the waves are.
    # At most four named, level, two-line ticks a panel, so that 16 waves do not collide.
    ticks = whole.drop_duplicates("wave_id").sort_values("wave_order")
    fig.update_xaxes(
        **wave_ticks(ticks["opened_on"], ticks["wave"], most=4),
        tickfont=dict(size=11),
        gridcolor="#f4f4f4",
    )
    fig.update_annotations(font=dict(size=13))
    fig.update_layout(
        shapes=shapes,
        font=FONT,
        height=320 * rows + (90 if only is None else 40),
        margin=dict(l=60, r=20, t=90 if only is None else 50, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.08, xanchor="left", x=0),
        hovermode="closest",
        showlegend=only is None,
    )
    last = pd.to_datetime(whole["opened_on"]).max()
    add_phase_bands(
        fig, phases, until=last, axes=["x" + (str(i + 1) if i else "") for i in range(len(keys))]
    )
    return fig


def trend_panels(
    stats: pd.DataFrame,
    scale_type: str,
    bands: Bands | None = None,
    phases: pd.DataFrame | None = None,
) -> list[go.Figure]:
    """`trend_grid` as one small figure per scale and the index, to lay out in columns that
    stack on a phone."""
    keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]]
    return [trend_grid(stats, scale_type, bands, phases, only=key) for key in keys]


# -- the evaluator's charts ----------------------------------------------------------------------

# Diverging, colour-blind safe (ColorBrewer PuOr): disagreement orange, agreement purple.
LIKERT_COLOURS = ["#b35806", "#f1a340", "#d9d9d9", "#998ec3", "#542788"]
LIKERT_WORDS = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
VERDICT_STYLE = {
    "improvement": ("triangle-up", OKABE_ITO["blue"], "Real improvement (adjusted p < 0.05)"),
    "decline": ("triangle-down", OKABE_ITO["vermillion"], "Real decline (adjusted p < 0.05)"),
}


def scale_trend(
    stats: pd.DataFrame,
    scale: str,
    changes: pd.DataFrame,
    bands: Bands | None = None,
    phases: pd.DataFrame | None = None,
) -> go.Figure:
    """One scale's mean over the waves with its 95% CI band; a marker where a change from
    the wave before is real. `changes` is statistics.successive_changes(...)."""
    bands = bands or Bands.from_settings()
    data = stats[(stats["group"] == ALL_GROUP) & (stats["scale"] == scale)].sort_values(
        "wave_order"
    )
    x = pd.to_datetime(data["opened_on"])
    fig = go.Figure()
    fig.add_trace(_ci_band(data, x, LATEST_COLOUR))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=data["mean"],
            mode="lines+markers",
            name="Mean",
            line=dict(color=LATEST_COLOUR, width=3),
            marker=dict(size=8),
            customdata=with_plotly_text(data, "wave")[["wave", "n"]].to_numpy(),
            hovertemplate="<b>%{customdata[0]}</b><br>mean %{y:.2f}, n = %{customdata[1]}"
            "<extra></extra>",
        )
    )
    real = changes[(changes["scale"] == scale) & (changes["verdict"] != "no clear change")]
    for verdict, (symbol, colour, label) in VERDICT_STYLE.items():
        rows = real[real["verdict"] == verdict].merge(
            data[["wave", "opened_on", "mean"]], left_on="to", right_on="wave"
        )
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["opened_on"]),
                y=rows["mean"] + 0.22,
                mode="markers",
                marker=dict(symbol=symbol, size=15, color=colour),
                name=label,
                customdata=with_plotly_text(rows, "from")[
                    ["from", "difference", "p_value"]
                ].to_numpy(),
                hovertemplate="since %{customdata[0]}: %{customdata[1]:+.2f} "
                "(p = %{customdata[2]:.3f})<extra></extra>",
            )
        )
    fig.update_layout(
        shapes=[
            dict(
                type="line",
                xref="x domain",
                yref="y",
                x0=0,
                x1=1,
                y0=t,
                y1=t,
                line=dict(color=OKABE_ITO["grey"], width=1, dash="dot"),
            )
            for t in (bands.borderline, bands.strength)
        ],
        yaxis=dict(range=[1, 5.4], tickvals=[1, 2, 3, 4, 5], title="Mean (1-5)"),
        xaxis=wave_ticks(x, data["wave"]),
        font=FONT,
        height=380,
        margin=dict(l=60, r=20, t=30, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
    )
    add_phase_bands(fig, phases, until=x.max() if len(x) else None)
    return fig


def likert_bars(distribution: pd.DataFrame) -> go.Figure:
    """Diverging stacked bars of the answers to each item, centred on the neutral answer.

    `distribution` has one row per item with `label` and the shares (0-100) of each answer
    after reverse coding in columns a1..a5 (a1 = strongly disagree with the positive view).
    Each statement is written above its bar, across the chart's width (as axis labels they
    were cut off on a phone, and squeezed the bars).
    """
    labels = list(distribution["label"])
    rows = list(range(len(labels)))
    fig = go.Figure()
    share = {k: distribution[f"a{k}"].astype(float) for k in range(1, 6)}
    # Stacking starts at zero, so each side is drawn from the centre outwards: the neutral
    # half, then the milder answer, then the stronger one.
    pieces = [(3, -0.5), (2, -1), (1, -1), (3, 0.5), (4, 1), (5, 1)]
    for k, factor in pieces:
        word, colour = LIKERT_WORDS[k - 1], LIKERT_COLOURS[k - 1]
        fig.add_trace(
            go.Bar(
                y=rows,
                x=share[k] * factor,
                orientation="h",
                width=0.42,
                name=word,
                marker_color=colour,
                legendgroup=word,
                legendrank=k,
                showlegend=not (k == 3 and factor > 0),
                customdata=list(zip(share[k], plotly_texts(labels), strict=True)),
                hovertemplate="%{customdata[1]}<br>" + word + ": %{customdata[0]:.0f}%"
                "<extra></extra>",
            )
        )
    for row, label in zip(rows, labels, strict=True):
        _label_above_row(fig, row - 0.24, label, size=13)  # legible over the centre line
    fig.update_layout(
        barmode="relative",
        font=FONT,
        height=140 + 120 * len(labels),
        xaxis=dict(
            range=[-100, 100],
            tickvals=[-100, -50, 0, 50, 100],
            ticktext=["100%", "50%", "0", "50%", "100%"],
            zeroline=True,
            zerolinecolor="#555",
            title="Share of answers (disagree ← → agree)",
            fixedrange=True,
        ),
        yaxis=dict(
            range=[len(labels) - 0.5, -0.95],  # reversed: the first statement on top
            showticklabels=False,
            showgrid=False,
            fixedrange=True,
        ),
        # On the left: Plotly's toolbar takes the top right corner.
        legend=dict(
            orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, traceorder="normal"
        ),
        margin=dict(l=10, r=20, t=40, b=40),
    )
    return fig


def _heatmap_column(scale: str) -> str:
    """A heatmap column's heading on one line: on a phone a column is some 18 px wide, and
    Plotly turns the headings upright, where headings of two or three lines ran into each
    other."""
    return plotly_text(scale)


def group_heatmap(
    table: pd.DataFrame, min_n: int, clickable: pd.DataFrame | None = None
) -> go.Figure:
    """Scale means by group (rows) and scale (columns); suppressed cells are grey and say why.

    `table` has columns group, scale, mean (None when suppressed), n, suppressed. The cells of
    `clickable` (group, scale) carry a clear square marker over them whose customdata is
    [group, scale], to be clicked: a heatmap cell itself gives no selection in Streamlit.
    """
    groups = list(dict.fromkeys(table["group"]))
    scales = list(dict.fromkeys(table["scale"]))
    z, text = [], []
    for group in groups:
        row_z, row_text = [], []
        for scale in scales:
            cell = table[(table["group"] == group) & (table["scale"] == scale)]
            if cell.empty or cell["suppressed"].iloc[0] or cell["mean"].iloc[0] is None:
                row_z.append(None)
                row_text.append(
                    f"n < {min_n}"
                    if not cell.empty
                    and pd.notna(cell["n"].iloc[0])
                    and is_small(cell["n"].iloc[0], min_n)
                    else "hidden"
                    if not cell.empty
                    else ""
                )
            else:
                value = float(cell["mean"].iloc[0])
                row_z.append(value)
                row_text.append(f"{value:.2f}")
        z.append(row_z)
        text.append(row_text)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_heatmap_column(s) for s in scales],
            y=plotly_texts(groups),
            text=text,
            texttemplate="%{text}",
            zmin=1,
            zmax=5,
            zmid=3,
            colorscale=[[0, LIKERT_COLOURS[0]], [0.5, "#f7f7f7"], [1, LIKERT_COLOURS[4]]],
            colorbar=dict(title="Mean"),
            hoverongaps=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    if clickable is not None and not clickable.empty:
        fig.add_trace(
            go.Scatter(
                x=[_heatmap_column(s) for s in clickable["scale"]],
                y=plotly_texts(clickable["group"]),
                customdata=list(zip(clickable["group"], clickable["scale"], strict=True)),
                mode="markers",
                marker=dict(symbol="square", size=34, color="rgba(0,0,0,0)"),
                hovertemplate="%{y}<br>%{x}: click to see the statements<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_layout(
        font=FONT,
        height=160 + 46 * len(groups),
        margin=dict(l=10, r=10, t=20, b=10),
        plot_bgcolor="#e6e6e6",
        yaxis=dict(autorange="reversed"),
    )
    return fig


def _per_wave_layout(
    fig: go.Figure,
    dates: pd.Series,
    labels: pd.Series,
    phases: pd.DataFrame | None,
    *,
    barmode: str,
    left: str,
    right: str,
    right_range: list[float],
    right_ticks: list[float],
) -> go.Figure:
    """Bars per wave on a time axis named by the waves, a second axis on the right, phases
    shaded behind (to just past the last wave's bars), named by the page (phase_key), not in
    the legend: ten phases made a phone's 380 px chart a scrolling legend over its bars."""
    fig.update_yaxes(title_text=left, secondary_y=False)
    fig.update_yaxes(
        title_text=right, range=right_range, secondary_y=True, tickvals=right_ticks, showgrid=False
    )
    fig.update_layout(
        barmode=barmode,
        font=FONT,
        height=380,
        margin=dict(l=60, r=60, t=30, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        xaxis=wave_ticks(dates, labels, most=4),  # half a desktop's width, a phone's 250 px
    )
    add_phase_bands(fig, phases, until=dates.max() + pd.Timedelta(days=75), legend=False)
    return fig


def participation_chart(table: pd.DataFrame, phases: pd.DataFrame | None = None) -> go.Figure:
    """Respondents and responding partners per wave (at the wave's opening date), with the
    partners' response rate."""
    x = pd.to_datetime(table["opened_on"])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=x, y=table["respondents"], name="Respondents", marker_color=OKABE_ITO["sky"])
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=table["responding_partners"],
            name="Responding partners",
            marker_color=OKABE_ITO["blue"],
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=table["response_rate"] * 100,
            name="Partners responding (%)",
            mode="lines+markers",
            line=dict(color=OKABE_ITO["vermillion"], width=3),
        ),
        secondary_y=True,
    )
    return _per_wave_layout(
        fig,
        x,
        table["wave"],
        phases,
        barmode="group",
        left="People and partners",
        right="% of active partners",
        right_range=[0, 105],
        right_ticks=[0, 25, 50, 75, 100],
    )


SECTOR_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "green", "purple", "vermillion", "grey")]


def sector_mix_chart(
    by_sector: pd.DataFrame, evenness: pd.DataFrame, phases: pd.DataFrame | None = None
) -> go.Figure:
    """Active partners by sector per wave (stacked) and the evenness of the mix (line)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for sector, colour in zip(sorted(by_sector["sector"].unique()), SECTOR_COLOURS, strict=False):
        rows = by_sector[by_sector["sector"] == sector]
        fig.add_trace(
            go.Bar(
                x=pd.to_datetime(rows["opened_on"]),
                y=rows["active_partners"],
                name=plotly_text(sector),
                marker_color=colour,
            )
        )
    if evenness["evenness_active"].notna().any():  # one sector (a filter) has no mix
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(evenness["opened_on"]),
                y=evenness["evenness_active"],
                name="Evenness of the mix (0-1)",
                mode="lines+markers",
                line=dict(color="#000000", width=3, dash="dot"),
            ),
            secondary_y=True,
        )
    return _per_wave_layout(
        fig,
        pd.to_datetime(evenness["opened_on"]),
        evenness["wave"],
        phases,
        barmode="stack",
        left="Active partners",
        right="Evenness",
        right_range=[0, 1.05],
        right_ticks=[0, 0.25, 0.5, 0.75, 1],
    )


# -- phases, milestones, indicators and the shared timeline ---------------------------------------

# Light tints, none of them blue, so that a blue confidence band shows on each; named in the
# legend (and in words by `phase_key`), never written over the chart where labels collide.
PHASE_FILL = {
    "initiate action": _rgba(OKABE_ITO["yellow"], 0.22),
    "organise for impact": _rgba(OKABE_ITO["grey"], 0.14),
    "sustain action and impact": _rgba(OKABE_ITO["green"], 0.12),
}
PHASE_COLOUR_WORDS = {
    "initiate action": "yellow",
    "organise for impact": "grey",
    "sustain action and impact": "green",
}


def _phase_tints(names: list[str]) -> dict[str, str]:
    """Each phase's tint, as the FSG phase whose tint it takes: FSG's phases keep their own;
    another model's phases take the tints in turn, so that neighbours differ."""
    own = set(names) <= set(PHASE_FILL)
    tints = list(PHASE_FILL)
    return {name: name if own else tints[i % len(tints)] for i, name in enumerate(names)}


def phase_key(phases: pd.DataFrame | None) -> str:
    """The phases' shading in words, for charts drawn without a legend."""
    if phases is None or phases.empty:
        return ""
    tint = _phase_tints(list(dict.fromkeys(phases["phase"])))
    return "Shading behind: " + "; ".join(f"{PHASE_COLOUR_WORDS[tint[p]]}, {p}" for p in tint) + "."


STATUS_COLOURS = {
    "done": OKABE_ITO["blue"],
    "in progress": OKABE_ITO["sky"],
    "planned": OKABE_ITO["grey"],
    "blocked": OKABE_ITO["vermillion"],
    "dropped": "#cccccc",
}


def add_phase_bands(
    fig: go.Figure,
    phases: pd.DataFrame | None,
    *,
    until: object = None,
    axes: list[str] | None = None,
    legend: bool = True,
) -> go.Figure:
    """Shade each dated phase behind the charts of `fig` (x axes `axes`, default 'x'), each
    phase named in the legend (names written on the chart ran into each other), or, without
    `legend`, nowhere on the chart (the page names them: phase_key). An open phase runs to
    `until` (today). FSG's phases keep their tints; another model's phases take the tints in
    turn, so that neighbours differ."""
    if phases is None or phases.empty:
        return fig
    import datetime as dt

    end_default = until or dt.date.today()
    axes = axes or ["x"]
    tint = _phase_tints(list(dict.fromkeys(phases["phase"])))
    fill = {name: PHASE_FILL[key] for name, key in tint.items()}
    names = list(fill)
    shapes = list(fig.layout.shapes or [])
    for phase in phases.itertuples():
        end = (
            phase.end_date
            if phase.end_date is not None and not pd.isna(phase.end_date)
            else end_default
        )
        for axis in axes:
            y = "y" + axis[1:]
            shapes.append(
                dict(
                    type="rect",
                    xref=axis,
                    yref=f"{y} domain",
                    x0=phase.start_date,
                    x1=end,
                    y0=0,
                    y1=1,
                    fillcolor=fill[phase.phase],
                    line=dict(width=0),
                    layer="below",
                )
            )
    for name in names if legend else []:  # one legend entry per phase, in order
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    symbol="square", size=13, color=fill[name], line=dict(width=1, color="#bbbbbb")
                ),
                name=plotly_text(name.capitalize()),
                hoverinfo="skip",
            )
        )
    fig.update_layout(shapes=shapes)
    return fig


def milestone_timeline(
    frame: pd.DataFrame, as_of: object, phases: pd.DataFrame | None = None
) -> go.Figure:
    """One row per milestone: a diamond on its due date, a dot on its done date joined to it
    (a late one reaches right of its diamond), coloured by status; a line for `as_of`.

    Each title is written above its row, across the chart's whole width (titles as axis labels
    left a phone a plot 60 px wide, and ran into each other), so the chart reads the same at
    390 px and at 1400 px."""
    fig = go.Figure()
    rows_of = {index: k for k, index in enumerate(frame.index)}
    for status, colour in STATUS_COLOURS.items():
        rows = frame[frame["status"] == status]
        if rows.empty:
            continue
        y = [rows_of[i] for i in rows.index]
        fig.add_trace(
            go.Scatter(
                x=list(rows["due_date"]),
                y=y,
                mode="markers",
                name=f"Due ({status})",
                marker=dict(
                    symbol="diamond-open" if status != "done" else "diamond",
                    size=12,
                    color=colour,
                    line=dict(width=2, color=colour),
                ),
                # A funder's milestones come without owners.
                customdata=rows.reindex(columns=["title", "status", "owner"])
                .astype(object)
                .fillna("")
                .map(plotly_text)
                .to_numpy(),
                hovertemplate="%{customdata[0]}<br>due %{x|%d %b %Y}<br>%{customdata[1]}, "
                "%{customdata[2]}<extra></extra>",
                legendgroup=status,
            )
        )
        done = rows[rows["done_date"].notna()]
        for row in done.itertuples():
            fig.add_trace(
                go.Scatter(
                    x=[row.due_date, row.done_date],
                    y=[rows_of[row.Index]] * 2,
                    mode="lines",
                    line=dict(color=colour, width=3),
                    showlegend=False,
                    hoverinfo="skip",
                    legendgroup=status,
                )
            )
        if not done.empty:
            fig.add_trace(
                go.Scatter(
                    x=list(done["done_date"]),
                    y=[rows_of[i] for i in done.index],
                    mode="markers",
                    name="Done on",
                    marker=dict(size=9, color=colour),
                    legendgroup=status,
                    customdata=done["title"].map(plotly_text),
                    hovertemplate="%{customdata}<br>done %{x|%d %b %Y}<extra></extra>",
                    showlegend=False,
                )
            )
    for title, k in zip(frame["title"], range(len(frame)), strict=True):
        _label_above_row(fig, k - 0.32, title, size=12)  # over the phases and the today line
    fig.add_vline(x=as_of, line=dict(color="#000000", width=2, dash="dash"))
    fig.add_annotation(
        x=as_of,
        y=1.0,
        yref="paper",
        text="Today",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font=dict(size=12),
    )
    add_phase_bands(fig, phases, until=as_of)
    fig.update_layout(
        font=FONT,
        height=170 + 58 * len(frame),
        hovermode="closest",
        yaxis=dict(
            autorange=False,
            range=[len(frame) - 0.5, -1.1],  # reversed: the first milestone on top
            showticklabels=False,
            showgrid=False,
            zeroline=False,
            fixedrange=True,
        ),
        xaxis=dict(tickformat="%b<br>%Y", nticks=8),
        margin=dict(l=10, r=20, t=70, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0),
    )
    return fig


def burn_up_chart(
    burn: pd.DataFrame, phases: pd.DataFrame | None = None, until: object = None
) -> go.Figure:
    """Milestones planned (by due date) and done, cumulative by month, over the phases. The
    phases are not in its legend: ten of them in a 340 px chart left a phone a scrolling
    legend over the lines; the page names them (phase_key)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=burn["month"],
            y=burn["planned"],
            name="Planned (by due date)",
            mode="lines",
            line=dict(color=OKABE_ITO["grey"], width=3, dash="dash", shape="hv"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=burn["month"],
            y=burn["done"],
            name="Done",
            mode="lines",
            line=dict(color=OKABE_ITO["blue"], width=3, shape="hv"),
        )
    )
    add_phase_bands(fig, phases, until=until, legend=False)
    fig.update_layout(
        font=FONT,
        height=340,
        yaxis=dict(title="Milestones (cumulative)"),
        xaxis=dict(tickformat="%b<br>%Y"),
        margin=dict(l=60, r=20, t=40, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0),
    )
    return fig


INDICATOR_STATUS_COLOURS = {
    "on track": OKABE_ITO["blue"],
    "off track": OKABE_ITO["vermillion"],
    "not enough data": OKABE_ITO["grey"],
}


def indicator_chart(
    row: pd.Series, observed: pd.DataFrame, phases: pd.DataFrame | None = None, until: object = None
) -> go.Figure:
    """Turn the curve: the observations, the baseline and the target, and the least-squares
    trend since the baseline carried on to the target date."""
    colour = INDICATOR_STATUS_COLOURS[row["status"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=observed["observed_on"],
            y=observed["value"],
            mode="lines+markers",
            name="Observed",
            line=dict(color="#333333", width=2),
            marker=dict(size=8),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[row["baseline_date"]],
            y=[row["baseline_value"]],
            mode="markers",
            name="Baseline",
            marker=dict(symbol="square", size=12, color=OKABE_ITO["orange"]),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[row["target_date"]],
            y=[row["target_value"]],
            mode="markers",
            name="Target",
            marker=dict(symbol="star", size=16, color=OKABE_ITO["green"]),
        )
    )
    if row["projected"] is not None and not pd.isna(row["projected"]):
        since = observed[[d >= row["baseline_date"] for d in observed["observed_on"]]]
        first = since["observed_on"].iloc[0]
        span = (row["target_date"] - row["baseline_date"]).days
        start_value = (
            row["projected"] - row["per_year"] / 365.25 * ((row["target_date"] - first).days)
            if span
            else row["projected"]
        )
        fig.add_trace(
            go.Scatter(
                x=[first, row["target_date"]],
                y=[start_value, row["projected"]],
                mode="lines",
                name=f"Trend: {row['status']}",
                line=dict(color=colour, width=3, dash="dot"),
            )
        )
    add_phase_bands(fig, phases, until=until)
    better = "higher" if row["polarity"] == "higher" else "lower"
    fig.update_layout(
        title=dict(
            text=f"{row['status'].capitalize()} · {better} is better",
            x=0,
            font=dict(size=14, color=colour),
        ),
        font=FONT,
        height=330,
        yaxis=dict(title=plotly_text(row["unit"] or "Value")),
        xaxis=dict(tickformat="%b<br>%Y"),
        margin=dict(l=60, r=20, t=60, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )
    return fig


def timeline_chart(
    index_stats: pd.DataFrame,
    milestones_frame: pd.DataFrame,
    indicator_points: pd.DataFrame,
    phases: pd.DataFrame | None,
    until: object,
    entries: pd.DataFrame | None = None,
) -> go.Figure:
    """One time axis, three rows: the two indices; milestones done (cumulative) and due; each
    indicator's progress from baseline (0%) to target (100%); with `entries`, a fourth row of
    what emerged (outcomes and decisions, as the reader may see them)."""
    lanes = 3 if entries is None else 4
    titles = [
        "Partnership indices (1-5)",
        "Milestones",
        # Two short lines: one long line was cut at 390 px.
        "Outcome indicators:<br>progress from baseline to target",
        "What emerged",
    ]
    fig = make_subplots(
        rows=lanes,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09 if lanes == 3 else 0.08,  # room for a two-line lane title
        subplot_titles=titles[:lanes],
        row_heights=None if lanes == 3 else [0.3, 0.25, 0.3, 0.15],
    )
    for key, colour in (
        ("collective_impact", OKABE_ITO["blue"]),
        ("partnering", OKABE_ITO["vermillion"]),
    ):
        rows = index_stats[index_stats["scale"] == key].sort_values("wave_order")
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["opened_on"]),
                y=rows["mean"],
                name=scale_label(key),
                mode="lines+markers",
                line=dict(color=colour, width=3),
            ),
            row=1,
            col=1,
        )
    done = milestones_frame[milestones_frame["done_date"].notna()].sort_values("done_date")
    fig.add_trace(
        go.Scatter(
            x=list(done["done_date"]),
            y=list(range(1, len(done) + 1)),
            name="Milestones done (cumulative)",
            mode="lines+markers",
            line=dict(color=OKABE_ITO["green"], width=3, shape="hv"),
            customdata=done["title"].map(plotly_text),
            hovertemplate="%{customdata}<br>%{x|%d %b %Y}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    due = milestones_frame.sort_values("due_date")
    fig.add_trace(
        go.Scatter(
            x=list(due["due_date"]),
            y=list(range(1, len(due) + 1)),
            name="Milestones due (cumulative)",
            mode="lines",
            line=dict(color=OKABE_ITO["grey"], width=2, dash="dash", shape="hv"),
        ),
        row=2,
        col=1,
    )
    palette = [OKABE_ITO[c] for c in ("purple", "orange", "sky", "black", "yellow")]
    for (name, points), colour in zip(
        indicator_points.groupby("name", sort=False), palette, strict=False
    ):
        fig.add_trace(
            go.Scatter(
                x=points["observed_on"],
                y=points["progress"],
                name=plotly_text(name),
                mode="lines+markers",
                line=dict(color=colour, width=2),
            ),
            row=3,
            col=1,
        )
    fig.add_hline(y=100, line=dict(color=OKABE_ITO["green"], dash="dot"), row=3, col=1)
    if entries is not None:
        _add_entries(fig, entries, row=4)
    fig.add_vline(x=until, line=dict(color="#000000", width=1.5, dash="dash"))
    add_phase_bands(fig, phases, until=until, axes=["x", "x2", "x3", "x4"][:lanes])
    fig.update_yaxes(range=[1, 5], row=1, col=1)
    fig.update_yaxes(title_text="% of the way", row=3, col=1)
    fig.update_xaxes(tickformat="%b<br>%Y")
    fig.update_layout(
        font=FONT,
        height=960 if lanes == 3 else 1120,
        margin=dict(l=60, r=20, t=60, b=150),
        legend=dict(orientation="h", yanchor="top", y=-0.07 if lanes == 3 else -0.06, x=0),
    )
    return fig


ENTRY_MARKERS = {  # (lane, symbol, colour): confirmed outcomes filled, others open
    "outcome": ("Outcome", "diamond", OKABE_ITO["green"]),
    "decision": ("Decision", "circle", OKABE_ITO["black"]),
}


def _add_entries(fig: go.Figure, entries: pd.DataFrame, row: int) -> None:
    """One marker per outcome or decision on its date, in a lane of its kind; the title on
    hover. An outcome not yet confirmed is drawn open."""
    for kind, (lane, symbol, colour) in ENTRY_MARKERS.items():
        mine = entries[entries["kind"] == kind]
        if kind == "outcome":
            groups = [(True, "confirmed"), (False, "not yet confirmed")]
        else:
            groups = [(None, "")]
        for confirmed, words in groups:
            shown = mine if confirmed is None else mine[mine["confirmed"].astype(bool) == confirmed]
            name = f"{lane}s{' ' + words if words else ''}"
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(shown["date"]),
                    y=[lane] * len(shown),
                    name=name,
                    mode="markers",
                    marker=dict(
                        symbol=symbol if confirmed is not False else f"{symbol}-open",
                        size=13,
                        color=colour,
                        line=dict(width=1.5, color=colour),
                    ),
                    customdata=shown["title"].map(plotly_text),
                    hovertemplate="%{customdata}<br>%{x|%d %b %Y}<extra></extra>",
                    showlegend=len(shown) > 0,
                ),
                row=row,
                col=1,
            )
    fig.update_yaxes(categoryorder="array", categoryarray=["Decision", "Outcome"], row=row, col=1)
