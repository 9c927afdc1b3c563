"""The command line contract: python -m analytics import ... and scores ..."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import SCORE_COLUMNS, main
from analytics.store.connection import forget_store, open_store
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "imports" / "surveymonkey" / "responses_expanded.csv"
NUMERIC = ROOT / "tests" / "fixtures" / "imports" / "qualtrics" / "responses_numeric.csv"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], out, err)
    return code, out.getvalue(), err.getvalue()


def counts(db: Path) -> dict[str, int]:
    store = open_store(db)
    try:
        return store.table_counts()
    finally:
        forget_store(db)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "cli.duckdb"


def test_unknown_initiative_without_create_is_a_usage_error(db):
    code, _out, err = run("import", FIXTURE, "--initiative", "Nope", "--wave", "W1", "--db", db)
    assert code == 2
    assert "add --create" in err and err.count("\n") == 1


def test_problems_block_with_exit_1_and_a_table(db):
    code, out, err = run(
        "import", FIXTURE, "--initiative", "CLI", "--create", "--wave", "W1", "--db", db
    )
    assert code == 1
    assert "nothing was imported" in err
    assert "Strongly agreee" in out and "reason" in out
    assert counts(db)["respondents"] == 0
    assert counts(db)["initiatives"] == 0  # --create happens only with a successful import


def test_import_with_invalid_as_missing_then_duplicate(db):
    code, out, _err = run(
        "import",
        FIXTURE,
        "--initiative",
        "CLI",
        "--create",
        "--wave",
        "W1",
        "--invalid",
        "missing",
        "--db",
        db,
    )
    assert code == 0
    assert "12 respondents" in out and "1 problems" in out
    code, _out, err = run(
        "import", FIXTURE, "--initiative", "CLI", "--wave", "W1", "--invalid", "missing", "--db", db
    )
    assert code == 1 and "already imported" in err


def test_missing_code_makes_the_na_column_missing(db):
    code, out, _err = run(
        "import",
        NUMERIC,
        "--initiative",
        "Q",
        "--create",
        "--wave",
        "W1",
        "--invalid",
        "missing",
        "--db",
        db,
    )
    assert code == 0
    without = counts(db)
    code, out2, _ = run(
        "import",
        NUMERIC,
        "--initiative",
        "Q2",
        "--create",
        "--wave",
        "W1",
        "--invalid",
        "missing",
        "--missing-code",
        "6",
        "--db",
        db,
    )
    assert code == 0
    problems = [int(t.split(" problems")[0].split()[-1]) for t in (out, out2)]
    assert problems[1] < problems[0]  # the 6s are no longer problems
    assert counts(db)["respondents"] == 2 * without["respondents"]


def test_instrument_csv_becomes_the_initiatives_instrument(db, tmp_path):
    instrument = tmp_path / "mine.csv"
    instrument.write_text(
        "item_id,text,condition,principle,reverse\n"
        "X1,We share a clear understanding of the problem,common_agenda,,false\n"
        "X2,Small partners have as much say as large ones,,equity,true\n"
    )
    survey = tmp_path / "survey.csv"
    survey.write_text("respondent_id,X1,X2\nr1,agree,disagree\nr2,5,1\n")
    code, out, err = run(
        "import",
        survey,
        "--initiative",
        "Own",
        "--create",
        "--wave",
        "W1",
        "--instrument",
        instrument,
        "--db",
        db,
    )
    assert code == 0, err
    code, out, _ = run("scores", "--initiative", "Own", "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["scale"] for r in rows} == {"common_agenda", "equity"}


def test_bad_instrument_is_a_usage_error(db, tmp_path):
    instrument = tmp_path / "bad.csv"
    instrument.write_text("item_id,text,condition,principle,reverse\nX1,Text,agenda,,false\n")
    code, _out, err = run(
        "import",
        FIXTURE,
        "--initiative",
        "B",
        "--create",
        "--wave",
        "W",
        "--instrument",
        instrument,
        "--db",
        db,
    )
    assert code == 2 and "condition 'agenda'" in err


def test_unreadable_file_is_a_usage_error(db, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    code, _out, err = run(
        "import", junk, "--initiative", "J", "--create", "--wave", "W", "--db", db
    )
    assert code == 2 and "binary" in err
    code, _out, err = run(
        "import",
        tmp_path / "absent.csv",
        "--initiative",
        "J",
        "--create",
        "--wave",
        "W",
        "--db",
        db,
    )
    assert code == 2 and "cannot read" in err


def test_bad_arguments_exit_2():
    assert run("import")[0] == 2
    assert run("import", "f.csv", "--initiative", "x", "--invalid", "maybe")[0] == 2
    assert run("frobnicate")[0] == 2


def test_scores_contract(demo_db_path):
    code, out, _ = run(
        "scores", "--initiative", "Riverside Early Years Alliance", "--db", demo_db_path
    )
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert (
        reader.fieldnames
        == SCORE_COLUMNS
        == [  # the contract, as the issue states it
            "initiative",
            "wave",
            "scale_type",
            "scale",
            "group",
            "n",
            "mean",
            "sd",
            "ci_low",
            "ci_high",
            "pct_favourable",
            "band",
            "suppressed",
        ]
    )
    rows = list(reader)
    assert {r["scale_type"] for r in rows} == {"condition", "principle", "index"}
    assert len({r["wave"] for r in rows}) == 8
    code, out, _ = run(
        "scores",
        "--initiative",
        "Riverside Early Years Alliance",
        "--wave",
        "Sep 2026",
        "--format",
        "json",
        "--db",
        demo_db_path,
    )
    records = json.loads(out)
    assert {r["wave"] for r in records} == {"Sep 2026"}
    assert len(records) == 12 and list(records[0]) == SCORE_COLUMNS


def test_scores_by_sector_are_suppressed_with_their_totals(demo_db_path):
    code, out, _ = run(
        "scores",
        "--initiative",
        "Northgate Housing Partnership",
        "--by",
        "sector",
        "--db",
        demo_db_path,
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    small = [r for r in rows if int(r["n"]) < 5]
    assert small and all(r["suppressed"] == "True" for r in small)
    hidden = [r for r in rows if r["suppressed"] == "True"]
    assert all(r["mean"] == "" and r["pct_favourable"] == "" for r in hidden)
    per_cell: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["group"] != "all":
            key = (r["wave"], r["scale"])
            per_cell[key] = per_cell.get(key, 0) + (r["suppressed"] == "True")
    assert 1 not in per_cell.values()  # a lone hidden group could be found from the total
    assert any(r["group"] == "all" for r in rows)
    assert any(r["group"] == "community member" and r["mean"] for r in rows)


def test_scores_as_a_funder_are_concealed_and_changes_have_verdicts(demo_db_path):
    code, out, _ = run(
        "scores", "--initiative", "Riverside Early Years Alliance", "--by", "sector",
        "--as", "demo.funder", "--db", demo_db_path,
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    hidden = [r for r in rows if r["suppressed"] == "True"]
    assert hidden and all(r["n"] == "" and r["mean"] == "" for r in hidden)
    # The funder is not granted Northgate: refused with a reason, exit 2.
    refused = run(
        "scores", "--initiative", "Northgate Housing Partnership", "--as", "demo.funder",
        "--db", demo_db_path,
    )  # fmt: skip
    assert refused[0] == 2
    code, out, _ = run(
        "scores", "--initiative", "Riverside Early Years Alliance", "--changes",
        "--as", "demo.funder", "--db", demo_db_path,
    )  # fmt: skip
    assert code == 0
    changes = list(csv.DictReader(io.StringIO(out)))
    assert {"p_adjusted", "verdict", "effect", "test"} <= set(changes[0])
    assert {r["comparison"] for r in changes} == {"previous wave", "first wave"}
    assert len(changes) == 20  # ten scales, two comparisons
    first = [r for r in changes if r["comparison"] == "first wave"]
    assert all(r["verdict"] == "improvement" for r in first)  # +0.87 to +1.65 since Mar 2023
    assert run("scores", "--initiative", "X", "--as", "nobody", "--db", demo_db_path)[0] == 2


def test_scores_errors(demo_db_path, tmp_path):
    assert run("scores", "--initiative", "Nope", "--db", demo_db_path)[0] == 2
    assert (
        run(
            "scores",
            "--initiative",
            "Riverside Early Years Alliance",
            "--wave",
            "1999",
            "--db",
            demo_db_path,
        )[0]
        == 2
    )
    assert run("scores", "--initiative", "X", "--db", tmp_path / "absent.duckdb")[0] == 2


def test_python_dash_m_analytics_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "import",
            str(FIXTURE),
            "--initiative",
            "Sub",
            "--create",
            "--wave",
            "W1",
            "--invalid",
            "missing",
            "--db",
            str(tmp_path / "s.duckdb"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Imported responses_expanded.csv" in result.stdout
    assert "Writing answers" in result.stderr  # progress goes to standard error


# What `scores` must not load: each command imports its own modules where it runs, and scores
# start a new process every time (issue 18: scipy alone cost 0.1-0.2 s of a 0.75 s run).
NOT_FOR_SCORES = (
    "scipy",
    "networkx",
    "openpyxl",
    "matplotlib",
    "analytics.measures.statistics",
    "analytics.store.postgres",
)
_MODULES_AFTER_MAIN = """
import io, json, sys
from analytics.cli import main
out = io.StringIO()
code = main(sys.argv[1:], out)
print(json.dumps({"code": code, "output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_scores_import_neither_scipy_nor_what_other_commands_need(demo_db_path, tmp_path, fmt):
    db = tmp_path / "scores.duckdb"
    shutil.copyfile(demo_db_path, db)  # this process holds the demo database open
    result = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER_MAIN, "scores", "--initiative"]
        + ["Riverside Early Years Alliance", "--format", fmt, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout)
    assert done["code"] == 0 and "collective_impact" in done["output"]
    loaded = [
        name
        for name in done["modules"]
        if any(name == heavy or name.startswith(heavy + ".") for heavy in NOT_FOR_SCORES)
    ]
    assert not loaded


def test_python_dash_m_analytics_scores_leaves_standard_error_empty(demo_db_path, tmp_path):
    """The command's own process, through analytics/__main__.py, which freezes what pandas built
    (gc.freeze): DuckDB's bindings would report on standard error any of their objects left
    uncollected at exit."""
    db = tmp_path / "scores.duckdb"
    shutil.copyfile(demo_db_path, db)
    result = subprocess.run(
        [sys.executable, "-m", "analytics", "scores", "--initiative"]
        + ["Riverside Early Years Alliance", "--format", "json", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == ""
    assert {row["scale"] for row in json.loads(result.stdout)} >= {"collective_impact"}


def test_an_existing_initiative_takes_a_new_instrument(db, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(
        "item_id,text,condition,principle,reverse\n"
        "X1,We share a clear understanding of the problem,common_agenda,,false\n"
    )
    wider = tmp_path / "wider.csv"
    wider.write_text(first.read_text() + "X2,Small partners have a say,,equity,false\n")
    narrower = tmp_path / "narrower.csv"
    narrower.write_text(
        "item_id,text,condition,principle,reverse\nX2,Small partners have a say,,equity,false\n"
    )
    one = tmp_path / "one.csv"
    one.write_text("respondent_id,X1\nr1,agree\n")
    two = tmp_path / "two.csv"
    two.write_text("respondent_id,X1,X2\nr1,agree,agree\n")
    assert (
        run(
            "import",
            one,
            "--initiative",
            "I",
            "--create",
            "--wave",
            "W1",
            "--instrument",
            first,
            "--db",
            db,
        )[0]
        == 0
    )
    code, _out, err = run(
        "import", two, "--initiative", "I", "--wave", "W2", "--instrument", wider, "--db", db
    )
    assert code == 0, err
    before = counts(db)
    three = tmp_path / "three.csv"
    three.write_text("respondent_id,X2\nr1,agree\n")
    code, _out, err = run(
        "import", three, "--initiative", "I", "--wave", "W3", "--instrument", narrower, "--db", db
    )
    assert code == 1 and "lacks items" in err and "X1" in err
    assert counts(db) == before


# -- users ------------------------------------------------------------------------------------


def users(db: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["users", *args, "--db", str(db)], out, err, io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_users_add_list_disable_and_set_password(db):
    from analytics.access.accounts import SignInRefused, authenticate

    created = run(
        "import", FIXTURE, "--initiative", "Riverside", "--create", "--wave", "W1",
        "--invalid", "missing", "--db", db,
    )  # fmt: skip
    assert created[0] == 0, created
    code, out, err = users(
        db, "add", "ana", "--role", "broker", "--initiative", "Riverside",
        stdin="first secret pass\n",
    )  # fmt: skip
    assert (code, out, err) == (0, "Added ana (broker).\n", "")
    assert users(db, "add", "root", "--role", "admin", stdin="root secret pass\n")[0] == 0
    code, out, _ = users(db, "list")
    assert code == 0 and "ana" in out and "Riverside" in out and "broker" in out
    assert "$2b$" not in out and "first secret pass" not in out
    assert users(db, "set-password", "ana", stdin="second secret pass\n")[0] == 0
    store = open_store(db)
    try:
        assert authenticate(store, "ana", "second secret pass").role == "broker"
        log = store.read_df("SELECT actor, action FROM audit_log")
    finally:
        forget_store(db)
    assert {"add user", "set password"} <= set(log["action"])
    written = log[log["action"].isin(["add user", "set password", "create initiative"])]
    assert len(written) == 4 and all(a.startswith("command line (") for a in written["actor"])
    assert users(db, "disable", "ana")[0] == 0
    store = open_store(db)
    try:
        with pytest.raises(SignInRefused, match="disabled"):
            authenticate(store, "ana", "second secret pass")
    finally:
        forget_store(db)


@pytest.mark.parametrize(
    "args,stdin,message",
    [
        (("add", "bo", "--role", "funder"), "long enough pass\n", "needs at least one initiative"),
        (("add", "bo", "--role", "admin"), "short\n", "at least 10 characters"),
        (("add", "bo", "--role", "funder", "--initiative", "Nowhere"), "long enough pass\n",
         "no initiative named"),
        (("disable", "ghost"), "", "no account with login 'ghost'"),
        (("set-password", "ghost"), "long enough pass\n", "no account with login 'ghost'"),
    ],
)  # fmt: skip
def test_users_refusals_exit_2_with_a_reason_and_change_nothing(db, args, stdin, message):
    assert users(db, "add", "first", "--role", "admin", stdin="root secret pass\n")[0] == 0
    before = counts(db)
    code, out, err = users(db, *args, stdin=stdin)
    assert code == 2 and message in err and out == ""
    assert counts(db) == before


def test_users_role_must_be_one_of_the_four(db, capsys):
    code, _out, _err = users(db, "add", "x1", "--role", "chief", stdin="long enough pass\n")
    assert code == 2 and "invalid choice: 'chief'" in capsys.readouterr().err


# -- the partner network ---------------------------------------------------------------------

NETWORK = ROOT / "tests" / "fixtures" / "network"


def test_import_network_creates_lists_added_partners_and_prints_measures(db):
    code, out, err = run(
        "import-network", NETWORK / "template.csv", "--initiative", "Bay", "--wave", "N1",
        "--create", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    assert "5 relationships among 3 organisations" in out
    assert "Added 3 organisation(s) as partners" in out and "Bay Youth Club" in out
    code, out, err = run(
        "import-network", NETWORK / "roster_google_forms.csv", "--initiative", "Bay", "--wave",
        "N2", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    # "Town Council" is a new name ("=Town Council" is another); "Bay Youth Club" is known.
    assert "Added 1 organisation(s) as partners (sector 'other'): Town Council." in out
    code, out, _err = run("network", "--initiative", "Bay", "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["initiative", "wave", "measure", "value"]
    measures = {r["measure"] for r in rows}
    assert {"organisations", "ties", "density", "reciprocity", "degree_centralisation"} <= measures
    assert {"mean_trust", "mean_value"} <= measures
    first = {r["measure"]: r["value"] for r in rows if r["wave"] == "N1"}
    assert float(first["ties"]) == 4 and float(first["density"]) == pytest.approx(4 / 6)
    assert float(first["mean_trust"]) == pytest.approx(13 / 4)
    code, out, _err = run(
        "network", "--initiative", "Bay", "--wave", "N1", "--partners", "--db", db
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "initiative", "wave", "partner", "in_degree", "out_degree", "betweenness", "eigenvector",
    ]  # fmt: skip
    assert {r["wave"] for r in rows} == {"N1"} and len(rows) == 3
    assert "'=Town Council" in {r["partner"] for r in rows}  # neutralised for spreadsheets
    code, out, _err = run("network", "--initiative", "Bay", "--format", "json", "--db", db)
    assert code == 0 and {"initiative", "wave", "measure", "value"} == set(json.loads(out)[0])


def test_import_network_problems_exit_1_and_change_nothing(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_organisation,partner_organisation,level\nA,B,9\nA,C,two\n")
    run("import-network", NETWORK / "template.csv", "--initiative", "Bay", "--wave", "N1",
        "--create", "--db", db)  # fmt: skip
    before = counts(db)
    code, out, err = run("import-network", bad, "--initiative", "Bay", "--wave", "N2", "--db", db)
    assert code == 1 and "2 problem(s)" in err and "a level runs from 0 to 5" in out
    assert counts(db) == before


def test_import_network_usage_errors_exit_2(db, tmp_path):
    args = ["--initiative", "Nope", "--wave", "N1", "--db", db]
    assert run("import-network", NETWORK / "template.csv", *args)[0] == 2  # no --create
    assert run("import-network", tmp_path / "missing.csv", *args, "--create")[0] == 2
    survey = tmp_path / "survey.csv"
    survey.write_text("respondent_id,CA1\nr1,4\n")
    assert run("import-network", survey, *args, "--create")[0] == 2  # not a network file
    assert run("import-network", NETWORK / "template.csv", "--initiative", "X")[0] == 2  # no wave
    run("import-network", NETWORK / "template.csv", "--initiative", "Bay", "--wave", "N1",
        "--create", "--db", db)  # fmt: skip
    assert run("network", "--initiative", "Bay", "--wave", "Nope", "--db", db)[0] == 2
