"""The report: HTML and PDF carry the analytics layer's figures, and a funder's copy carries no
figure of a group below the suppression threshold, no organisation and no free text."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from analytics.access.permissions import AccessDenied, User
from analytics.cli import main
from analytics.instrument import CONDITIONS, INDICES, PRINCIPLES
from analytics.measures.groups import ALL_GROUP
from analytics.measures.scoring import initiative_statistics
from analytics.reports.build import report_content, report_html, report_pdf
from analytics.reports.content import Period
from tests.report_fixtures import SECRET_NOTE, SECRET_ORGANISATION, small_initiative

ADMIN = User(login="admin", role="admin")


class _Report(HTMLParser):
    """The visible text, the chart data (every script but plotly.js itself), and the tables
    under their titles."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._in_script = self._in_library = False
        self._heading: str | None = None
        self._last_h3 = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            self._in_library = dict(attrs).get("id") == "plotly-js"
        elif tag == "h3":
            self._heading = ""
        elif tag == "table":
            self.tables[self._last_h3] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = self._in_library = False
        elif tag == "h3" and self._heading is not None:
            self._last_h3, self._heading = self._heading, None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._last_h3].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_script:
            if not self._in_library:
                self.scripts.append(data)
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)


def parse(document: str) -> _Report:
    parser = _Report()
    parser.feed(document)
    return parser


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def latest_means(store, initiative_id: int) -> tuple[str, dict[str, str]]:
    stats = initiative_statistics(store, ADMIN, initiative_id)
    whole = stats[stats["group"] == ALL_GROUP]
    latest = whole[whole["wave_order"] == whole["wave_order"].max()]
    return latest["wave"].iloc[0], {
        r.scale: f"{r.mean:.2f}" for r in latest.itertuples() if r.mean == r.mean
    }


def test_html_tables_show_the_latest_means_of_the_analytics_layer(demo_store, riverside):
    wave, means = latest_means(demo_store, riverside)
    report = parse(report_html(demo_store, ADMIN, riverside))
    for family, keys in (("Conditions", CONDITIONS), ("Principles", PRINCIPLES)):
        rows = {row[0]: row for row in report.tables[f"{family} in {wave}"][1:]}
        for key, label in keys.items():
            assert rows[label][1] == means[key], (family, label)
    conditions = {row[0]: row for row in report.tables[f"Conditions in {wave}"][1:]}
    assert conditions[INDICES["collective_impact"]][1] == means["collective_impact"]
    text = " ".join(" ".join(report.text).split())
    assert f"The Collective Impact index was {means['collective_impact']}" in text
    assert report.scripts, "the charts' data is inline"


def test_html_is_self_contained_and_prints(demo_store, riverside):
    document = report_html(demo_store, ADMIN, riverside)
    assert "<script id='plotly-js'>" in document
    assert "src=" not in document.split("<script id='plotly-js'>")[0]
    assert "@media print" in document
    assert not re.search(r"<script[^>]+src=\s*['\"]?https?:", document)


def test_pdf_shows_the_same_figures(demo_store, northgate):
    wave, means = latest_means(demo_store, northgate)
    text = pdf_text(report_pdf(demo_store, ADMIN, northgate))
    assert f"Conditions in {wave}" in text
    for key in [*CONDITIONS, *PRINCIPLES]:
        assert f"{means[key]}" in text, key
    assert f"The Collective Impact index was {means['collective_impact']}" in text
    assert f"The Partnering index was {means['partnering']}" in text
    content = report_content(demo_store, ADMIN, northgate)
    for section in content.sections:
        assert section.title in text


def test_html_and_pdf_say_the_same_paragraphs(demo_store, coastal):
    content = report_content(demo_store, ADMIN, coastal)
    text = pdf_text(report_pdf(demo_store, ADMIN, coastal))
    html_text = " ".join(" ".join(parse(report_html(demo_store, ADMIN, coastal)).text).split())
    for section in content.sections:
        for paragraph in section.paragraphs:
            words = " ".join(paragraph.split())
            assert words in html_text
            assert words[:60] in text


def test_period_selects_waves(demo_store, riverside):
    period = Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    content = report_content(demo_store, ADMIN, riverside, period)
    family = next(s for s in content.sections if s.title == "The five conditions")
    by_wave = next(t for t in family.tables if t.title.endswith("means by wave"))
    assert by_wave.columns[1:] == ["Mar 2023", "Sep 2023"]


def test_a_funder_sees_no_suppressed_figure(empty_store):
    initiative_id = small_initiative(empty_store)
    funder = User(login="f", role="funder", initiative_ids=frozenset({initiative_id}))
    stats = initiative_statistics(empty_store, ADMIN, initiative_id)
    whole = stats[stats["group"] == ALL_GROUP]
    small = {f"{m:.2f}" for m in whole[whole["wave"] == "W2"]["mean"].dropna()}
    shown = {
        f"{v:.2f}"
        for column in ("mean", "ci_low", "ci_high")
        for v in whole[whole["wave"] == "W1"][column].dropna()
    }
    business = initiative_statistics(empty_store, ADMIN, initiative_id, by="sector")
    small |= {f"{m:.2f}" for m in business[business["group"] == "business"]["mean"].dropna()}
    hidden = small - shown
    assert hidden

    admin_html = parse(report_html(empty_store, ADMIN, initiative_id))
    admin_text = " ".join(admin_html.text)
    assert any(value in admin_text for value in hidden)  # the admin's copy has them
    assert SECRET_NOTE in admin_text and SECRET_ORGANISATION not in admin_text

    html = parse(report_html(empty_store, funder, initiative_id))
    pdf = pdf_text(report_pdf(empty_store, funder, initiative_id))
    for text in (" ".join(html.text), pdf):
        assert not hidden & set(re.findall(r"\d+\.\d\d(?!\d)", text))
        assert SECRET_ORGANISATION not in text
        assert SECRET_NOTE not in text
        assert "fewer than 5 respondents" in text
    # The charts' data: no plotted value is a hidden mean (whole numbers are counts there).
    plotted = {
        f"{float(v):.2f}"
        for script in html.scripts
        for values in re.findall(r'"y":\[([^\]]*)\]', script)
        for v in values.split(",")
        if v.strip() not in ("", "null")
    }
    assert not {h for h in hidden if not h.endswith(".00")} & plotted
    assert SECRET_ORGANISATION not in " ".join(html.scripts)
    assert "hidden" in " ".join(html.text)


def test_a_funder_without_the_grant_is_refused(demo_store, riverside):
    stranger = User(login="f", role="funder", initiative_ids=frozenset())
    with pytest.raises(AccessDenied):
        report_html(demo_store, stranger, riverside)


def test_user_text_is_escaped(writable_demo_store):
    initiative_id = writable_demo_store.initiative_id("Coastal Youth Employment Compact")
    from analytics.measures.milestones import import_milestones_csv

    import_milestones_csv(
        writable_demo_store,
        initiative_id,
        b"title,due_date\n<script>alert(1)</script>,2025-01-01\n",
        "m.csv",
        user=ADMIN,
    )
    document = report_html(writable_demo_store, ADMIN, initiative_id)
    assert "<script>alert(1)" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document


@pytest.fixture
def cli_db(demo_db_path, tmp_path):
    """A copy of the demo: the CLI closes the store of its database when it is done."""
    path = tmp_path / "cli.duckdb"
    shutil.copyfile(demo_db_path, path)
    return path


def test_cli_writes_both_formats(cli_db, tmp_path, capsys):
    for fmt in ("html", "pdf"):
        out = tmp_path / f"report.{fmt}"
        code = main(
            [
                "report",
                "--initiative",
                "Riverside Early Years Alliance",
                "--format",
                fmt,
                "--out",
                str(out),
                "--from",
                "2024-01-01",
                "--db",
                str(cli_db),
            ]
        )
        assert code == 0
        assert out.stat().st_size > 10_000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    text = pdf_text((tmp_path / "report.pdf").read_bytes())
    assert "Mar 2023" not in text.split("Participation by wave")[1][:400]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--initiative", "Nope"], "no initiative named 'Nope'"),
        (["--initiative", "Riverside Early Years Alliance", "--from", "2024-02-30"], "not a date"),
        (
            [
                "--initiative",
                "Riverside Early Years Alliance",
                "--from",
                "2025-01-01",
                "--to",
                "2024-01-01",
            ],
            "--from must not be after --to",
        ),
    ],
)
def test_cli_usage_errors(cli_db, tmp_path, args, reason):
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "report",
            *args,
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "r.pdf"),
            "--db",
            str(cli_db),
        ],
        out,
        err,
    )
    assert code == 2
    assert reason in err.getvalue() and err.getvalue().count("\n") == 1


def test_an_initiative_without_waves_gets_a_report(writable_demo_store):
    """A new initiative has no survey wave yet: its report says so (an empty list of waves
    used to select no columns of the waves table, and the report failed)."""
    from analytics.store.connection import Store

    store = writable_demo_store
    with store.transaction() as cursor:
        Store.create_initiative(cursor, "Just Started", Store.default_instrument_in(cursor))
    initiative_id = store.initiative_id("Just Started")
    content = report_content(store, ADMIN, initiative_id)
    assert "has no survey wave" in content.sections[0].paragraphs[0]
    assert report_pdf(store, ADMIN, initiative_id).startswith(b"%PDF")
