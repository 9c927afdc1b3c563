"""The house rules of STYLE.md that a machine can check, and a clean ruff run."""

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_analytics_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "analytics").rglob("*.py")
        if re.search(r"^\s*(import streamlit|from streamlit)", path.read_text(), re.MULTILINE)
    ]
    assert not offenders


def test_pages_hold_no_sql():
    sql = re.compile(
        r"\b(select|insert|update|delete)\b[^\"\n]{0,40}\b(from|into|set)\b|"
        r"\.execute\(",
        re.IGNORECASE,
    )
    offenders = [
        str(path.relative_to(ROOT))
        for path in [*(ROOT / "pages").glob("*.py"), ROOT / "app.py", *(ROOT / "ui").glob("*.py")]
        if sql.search(path.read_text())
    ]
    assert not offenders


def test_no_html_from_data():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("pages", "ui", "analytics")
        for path in (ROOT / folder).rglob("*.py")
        if "unsafe_allow_html" + "=True" in path.read_text()
    ]
    assert not offenders


def test_ruff_lint_and_format_are_clean():
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
