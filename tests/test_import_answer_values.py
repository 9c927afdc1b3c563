"""Issue 14's fixtures (tests/fixtures/imports/answer_values): each tool's export with its own
sector labels, in English or French, imports by the CLI with no flag beyond --instrument and
--missing-code, with the right scores and the right sector counts."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analytics.cli import main
from analytics.instrument import load_instrument_csv
from analytics.measures.scoring import group_statistics, initiative_statistics
from analytics.store.connection import Store, forget_store
from tests.conftest import ROOT
from tests.users import ADMIN

HERE = ROOT / "tests" / "fixtures" / "imports" / "answer_values"
INSTRUMENT = HERE / "instrument_bilingual.csv"
ITEMS = load_instrument_csv(INSTRUMENT)
CASES = {
    "surveymonkey_labels.csv": ("surveymonkey", []),
    "qualtrics_fr.csv": ("qualtrics", []),
    "kobo_fr_semicolon.csv": ("kobo", []),
    "googleforms_bilingual.csv": ("google_forms", []),
    "msforms_labels.xlsx": ("ms_forms", []),
}


def _expected() -> pd.DataFrame:
    frame = pd.read_csv(HERE / "expected.csv", dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None)).astype("Int64")
    return frame


def _import(tmp_path, name: str, *extra: str) -> tuple[int, str, str, Store]:
    db = tmp_path / "cli.duckdb"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "import",
            str(HERE / name),
            "--initiative",
            "Bilingual",
            "--create",
            "--instrument",
            str(INSTRUMENT),
            "--db",
            str(db),
            *extra,
        ],
        out,
        err,
    )
    forget_store(db)
    return code, out.getvalue(), err.getvalue(), Store(db)


@pytest.mark.parametrize("name", list(CASES))
def test_each_tools_export_imports_as_it_is(tmp_path, name):
    code, out, err, store = _import(tmp_path, name)
    assert code == 0, err
    assert "0 problems" in out and "10 respondents" in out
    assert "wave 'Mar 2026', from its submission dates" in err
    layout = store.read_one("SELECT layout FROM imports")
    assert layout == CASES[name][0]
    expected = _expected()
    people = expected.drop_duplicates("position")
    stored = store.read_df("SELECT organisation, sector FROM respondents ORDER BY organisation")
    assert stored["sector"].value_counts().to_dict() == people["sector"].value_counts().to_dict()
    truth_sector = dict(zip(people["organisation"], people["sector"], strict=True))
    assert dict(zip(stored["organisation"], stored["sector"], strict=True)) == truth_sector

    initiative_id = store.initiative_id("Bilingual")
    scores = initiative_statistics(store, ADMIN, initiative_id)
    truth = group_statistics(
        expected.assign(respondent_id=expected["position"].astype(int), wave_id=1),
        pd.DataFrame([vars(i) for i in ITEMS]).drop(columns="texts"),
    )
    both = scores.merge(truth, on="scale", suffixes=("", "_truth"))
    assert len(both) == len(truth) > 0
    assert (both["n"] == both["n_truth"]).all()
    pd.testing.assert_series_equal(both["mean"], both["mean_truth"], check_names=False)


def test_a_numeric_export_imports_with_unspecified_sectors_and_a_warning(tmp_path):
    code, out, err, store = _import(tmp_path, "surveymonkey_numeric.csv", "--missing-code", "6")
    assert code == 0, err
    assert store.read_one("SELECT count(*) FROM respondents WHERE sector IS NULL") == 10
    assert "10 respondent(s) have no sector (unspecified)" in err
    assert "'1', '2'" in err or "'1'" in err
    assert "sector answers placed as unspecified" in err


def test_a_codebook_places_the_numeric_sectors(tmp_path):
    code, out, err, store = _import(
        tmp_path,
        "surveymonkey_numeric.csv",
        "--missing-code",
        "6",
        "--values",
        f"sector={HERE / 'surveymonkey_codebook.csv'}",
    )
    assert code == 0, err
    people = _expected().drop_duplicates("position")
    stored = store.read_df("SELECT sector FROM respondents")
    assert stored["sector"].value_counts().to_dict() == people["sector"].value_counts().to_dict()
    assert "sector answers placed by the value map: '1' -> nonprofit (3)" in err


def test_a_bad_values_file_is_a_one_line_reason(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,Martians\n", encoding="utf-8")
    code, _out, err, store = _import(
        tmp_path, "surveymonkey_numeric.csv", "--values", f"sector={bad}"
    )
    assert code == 2
    assert err.strip().count("\n") == 0 and "Martians" in err
    assert store.read_one("SELECT count(*) FROM respondents") == 0


def test_the_date_order_is_asked_when_the_file_leaves_it_open(tmp_path):
    from analytics.ingest.mapping import propose_mapping
    from analytics.ingest.validate import dates_ambiguous, read_survey

    survey = tmp_path / "forms.csv"
    survey.write_text(
        "Timestamp,Organisation,Sector,CA1\n"
        "04/03/2026 08:10:00 PM,Alpha,Nonprofit,Agree\n"
        "05/03/2026 09:00:00 AM,Beta,Fondation,Agree\n",
        encoding="utf-8",
    )
    table = read_survey(survey.read_bytes(), survey.name)
    assert dates_ambiguous(table, propose_mapping(table, ITEMS))
    db = tmp_path / "dates.duckdb"
    for order, wanted in (("dmy", "2026-03-04 20:10:00"), ("mdy", "2026-04-03 20:10:00")):
        out, err = io.StringIO(), io.StringIO()
        args = ["import", str(survey), "--initiative", order, "--create", "--db", str(db)]
        assert main([*args, "--date-order", order], out, err) == 0, err.getvalue()
        forget_store(db)
        store = Store(db)
        first = store.read_one(
            "SELECT min(r.submitted_at) FROM respondents r JOIN waves w ON w.id = r.wave_id"
            " JOIN initiatives i ON i.id = w.initiative_id WHERE i.name = ?",
            [order],
        )
        assert str(first) == wanted
        store.close()
        forget_store(db)
