"""The report's content (analytics.reports.build) rendered twice: a self-contained HTML file with
interactive Plotly charts (plotly.js embedded, so it works offline, and print CSS), and a PDF
with static matplotlib charts (Agg) and fpdf2 tables, made on the server without a browser."""

from __future__ import annotations

import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before pyplot is imported

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from fpdf import FPDF  # noqa: E402
from fpdf.fonts import FontFace  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from analytics.reports.content import Chart, Panel, ReportContent, Series, Table  # noqa: E402
from analytics.views.charts import OKABE_ITO, wrap_label  # noqa: E402

# -- HTML ----------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Source Sans Pro", Arial, sans-serif; color: #262730; margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.45rem; text-align: left;
         vertical-align: top; }
th { background: #e8f1f8; }
tr:nth-child(even) td { background: #f7f7f7; }
.note, .caption { color: #555; font-size: 0.85rem; }
.chart { margin: 0.5rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; }
  section { break-before: auto; }
  table, .chart { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .modebar-container { display: none !important; }
}
@page { size: A4; margin: 15mm; }
"""

_PLOTLY_SYMBOL = {"o": "circle", "^": "triangle-up", "v": "triangle-down", "s": "square"}
_PLOTLY_SYMBOL["*"] = "star"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _plotly_figure(chart: Chart) -> go.Figure:
    columns = chart.columns
    rows = -(-len(chart.panels) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[_e(p.title) for p in chart.panels],
        vertical_spacing=0.18 if rows > 1 else 0.1,
        horizontal_spacing=0.07,
    )
    shown: set[str] = set()
    for i, panel in enumerate(chart.panels):
        row, col = i // columns + 1, i % columns + 1
        for s in panel.series:
            _plotly_series(fig, s, row, col, s.name not in shown)
            shown.add(s.name)
        for guide in panel.guides:
            fig.add_hline(
                y=guide, line=dict(color=OKABE_ITO["grey"], width=1, dash="dot"), row=row, col=col
            )
        if panel.y_range:
            fig.update_yaxes(range=list(panel.y_range), row=row, col=col)
        if panel.ticks:
            fig.update_xaxes(
                tickvals=[d for d, _ in panel.ticks],
                ticktext=[_e(t) for _, t in panel.ticks],
                row=row,
                col=col,
            )
        if col == 1:
            fig.update_yaxes(title_text=_e(panel.y_label), row=row, col=col)
    fig.update_layout(
        height=(300 if columns > 1 else 340) * rows + 60,
        margin=dict(l=60, r=20, t=70, b=40),
        font=dict(family="Source Sans Pro, Arial, sans-serif", size=13, color="#262730"),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="right", x=1),
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#f0f0f0")
    fig.update_yaxes(gridcolor="#eeeeee")
    fig.update_annotations(font=dict(size=13))
    return fig


def _plotly_series(fig: go.Figure, s: Series, row: int, col: int, legend: bool) -> None:
    if s.low is not None and s.high is not None:
        band = [(x, lo, hi) for x, lo, hi in zip(s.x, s.low, s.high, strict=True) if lo is not None]
        if band:
            xs = [b[0] for b in band]
            fig.add_trace(
                go.Scatter(
                    x=[*xs, *xs[::-1]],
                    y=[*[b[2] for b in band], *[b[1] for b in band][::-1]],
                    fill="toself",
                    fillcolor=_rgba(s.colour, 0.18),
                    line=dict(width=0),
                    mode="lines",
                    hoverinfo="skip",
                    name="95% confidence interval",
                    legendgroup="ci",
                    showlegend=legend,
                ),
                row=row,
                col=col,
            )
    line = dict(color=s.colour, width=2.5)
    if s.style == "dashed":
        line["dash"] = "dash"
    if s.style == "step":
        line["shape"] = "hv"
    fig.add_trace(
        go.Scatter(
            x=s.x,
            y=s.y,
            name=_e(s.name),
            legendgroup=_e(s.name),
            showlegend=legend,
            mode="markers" if s.style == "markers" else "lines+markers",
            line=line,
            marker=dict(
                symbol=_PLOTLY_SYMBOL.get(s.marker, "circle"),
                size=13 if s.style == "markers" else 7,
                color=s.colour,
            ),
            hovertemplate="%{y:.2f}<extra>" + _e(s.name) + "</extra>",
        ),
        row=row,
        col=col,
    )


def _html_table(table: Table) -> str:
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    note = f"<p class='note'>{_e(table.note)}</p>" if table.note else ""
    return (
        f"<h3>{_e(table.title)}</h3><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}"
    )


def to_html(content: ReportContent) -> str:
    """One self-contained HTML document: every text escaped, plotly.js embedded once."""
    from plotly.offline import get_plotlyjs

    parts = []
    for number, section in enumerate(content.sections, start=1):
        parts.append(f"<section><h2>{number}. {_e(section.title)}</h2>")
        parts += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
        for chart in section.charts:
            figure = _plotly_figure(chart).to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True},
            )
            caption = f"<p class='caption'>{_e(chart.caption)}</p>" if chart.caption else ""
            parts.append(f"<div class='chart'><h3>{_e(chart.title)}</h3>{figure}{caption}</div>")
        parts += [_html_table(t) for t in section.tables]
        parts.append("</section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(content.title)}</title><style>{_CSS}</style>"
        f"<script id='plotly-js'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_e(content.title)}</h1><p class='meta'>{_e(content.subtitle)}<br>"
        f"Prepared {content.generated_on:%d %b %Y} for {_e(content.reader)} · Common Measure"
        f"</p></header>{''.join(parts)}</body></html>\n"
    )


# -- PDF -----------------------------------------------------------------------------------------

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FAMILY = "DejaVu"
_TEXT = (38, 39, 48)
_HEAD_FILL = (232, 241, 248)
_BLUE = (0, 114, 178)


class _Pdf(FPDF):
    def __init__(self, content: ReportContent):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.content = content
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.add_font(_FAMILY, "", str(_FONTS / "DejaVuSans.ttf"))
        self.add_font(_FAMILY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(content.title)
        self.set_creator("Common Measure")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FAMILY, "", 7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.content.title} · page {self.page_no()}/{{nb}}", align="C")


def _mpl_figure(chart: Chart) -> bytes:
    columns = chart.columns
    rows = -(-len(chart.panels) // columns)
    width = 7.2
    height = (2.35 if columns > 1 else 2.9) * rows + 0.55
    fig, axes = plt.subplots(
        rows, columns, figsize=(width, height), squeeze=False, sharey=columns > 2
    )
    handles: dict[str, object] = {}
    for i, ax in enumerate(axes.flat):
        if i >= len(chart.panels):
            ax.set_visible(False)
            continue
        panel = chart.panels[i]
        _mpl_panel(ax, panel, handles, first_column=i % columns == 0, wrap=100 // columns)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles.keys()),
            loc="upper center",
            ncol=min(4, len(handles)),
            fontsize=7.5,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
        )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.32 / height))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=170)
    plt.close(fig)
    return buffer.getvalue()


def _mpl_panel(ax, panel: Panel, handles: dict, first_column: bool, wrap: int) -> None:
    ax.set_title(wrap_label(panel.title, wrap, "\n"), fontsize=8.5, loc="left")
    for s in panel.series:
        if s.low is not None and s.high is not None:
            band = [
                (x, lo, hi) for x, lo, hi in zip(s.x, s.low, s.high, strict=True) if lo is not None
            ]
            if band:
                shade = ax.fill_between(
                    [b[0] for b in band],
                    [b[1] for b in band],
                    [b[2] for b in band],
                    color=s.colour,
                    alpha=0.30,  # seen on every phase's shading; its edge marks it too
                    edgecolor=s.colour,
                    linewidth=0.5,
                )
                handles.setdefault("95% confidence interval", shade)
        points = [(x, y) for x, y in zip(s.x, s.y, strict=True) if y is not None]
        if not points:
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if s.style == "markers":
            (drawn,) = ax.plot(xs, ys, linestyle="none", marker=s.marker, color=s.colour, ms=7)
        elif s.style == "step":
            (drawn,) = ax.step(xs, ys, where="post", color=s.colour, linewidth=1.8)
        else:
            (drawn,) = ax.plot(
                xs,
                ys,
                color=s.colour,
                linewidth=1.6,
                marker=s.marker,
                ms=3.5,
                linestyle="--" if s.style == "dashed" else "-",
            )
        handles.setdefault(s.name, drawn)
    for guide in panel.guides:
        ax.axhline(guide, color=OKABE_ITO["grey"], linewidth=0.7, linestyle=":")
    if panel.y_range:
        ax.set_ylim(*panel.y_range)
        if panel.y_range[1] - panel.y_range[0] <= 10:
            ax.set_yticks(range(int(panel.y_range[0]), int(panel.y_range[1]) + 1))
    if first_column and panel.y_label:
        ax.set_ylabel(panel.y_label, fontsize=7.5)
    if panel.ticks:
        ticks = panel.ticks
        # At most four labels, each on two short lines and ending at the newest wave, so that
        # a third of a page's width holds them apart at 3, 8 or 16 waves.
        step = max(1, -(-len(ticks) // 4))
        shown = ticks[::-1][::step][::-1]
        ax.set_xticks([d for d, _ in shown])
        ax.set_xticklabels([t.replace(" ", "\n", 1) for _, t in shown], fontsize=6.5)
        if len(ticks) == 1:
            only = ticks[0][0]
            ax.set_xlim(mdates.date2num(only) - 60, mdates.date2num(only) + 60)
    else:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(labelsize=6.5)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _pdf_paragraph(pdf: _Pdf, text: str) -> None:
    pdf.set_font(_FAMILY, "", 9.5)
    pdf.set_text_color(*_TEXT)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _pdf_heading(pdf: _Pdf, text: str, size: float, colour=_TEXT, keep: float = 30) -> None:
    if pdf.get_y() + keep > pdf.h - pdf.b_margin:
        pdf.add_page()  # a heading never sits alone at the foot of a page
    pdf.set_font(_FAMILY, "B", size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _pdf_table(pdf: _Pdf, table: Table) -> None:
    _pdf_heading(pdf, table.title, 10, keep=28)
    pdf.set_font(_FAMILY, "", 7.5)
    pdf.set_text_color(*_TEXT)
    pdf.set_draw_color(200, 200, 200)
    widths = table.widths or [1] * len(table.columns)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        text_align="LEFT",
        line_height=3.8,
        padding=(0.9, 1.2, 0.9, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        cell_fill_color=(247, 247, 247),
        cell_fill_mode="ROWS",
        repeat_headings=1,
    ) as grid:
        header = grid.row()
        for column in table.columns:
            header.cell(column)
        for values in table.rows:
            row = grid.row()
            for value in values:
                row.cell(str(value))
    if table.note:
        pdf.set_font(_FAMILY, "", 7.5)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _chart_height(pdf: _Pdf, chart: Chart) -> float:
    rows = -(-len(chart.panels) // chart.columns)
    return pdf.epw / 7.2 * ((2.35 if chart.columns > 1 else 2.9) * rows + 0.55)


def _pdf_chart(pdf: _Pdf, chart: Chart) -> None:
    image = _mpl_figure(chart)
    height = _chart_height(pdf, chart)
    _pdf_heading(pdf, chart.title, 10, keep=height + 12)
    pdf.image(io.BytesIO(image), x=pdf.l_margin, w=pdf.epw, h=height)
    if chart.caption:
        pdf.set_font(_FAMILY, "", 7.5)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, chart.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def to_pdf(content: ReportContent) -> bytes:
    pdf = _Pdf(content)
    pdf.add_page()
    pdf.set_font(_FAMILY, "B", 17)
    pdf.set_text_color(*_TEXT)
    pdf.multi_cell(0, 8, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        0,
        4.8,
        f"{content.subtitle}\nPrepared {content.generated_on:%d %b %Y} for {content.reader}"
        " · Common Measure",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    for number, section in enumerate(content.sections, start=1):
        # A section whose first chart would not fit below its opening words starts a page.
        keep = 40 + (_chart_height(pdf, section.charts[0]) if section.charts else 0)
        _pdf_heading(pdf, f"{number}. {section.title}", 13, colour=_BLUE, keep=min(keep, 200))
        for paragraph in section.paragraphs:
            _pdf_paragraph(pdf, paragraph)
        for chart in section.charts:
            _pdf_chart(pdf, chart)
        for table in section.tables:
            _pdf_table(pdf, table)
        pdf.ln(2)
    return bytes(pdf.output())
