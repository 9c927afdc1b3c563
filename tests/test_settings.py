"""Settings: declared once, typed, documented in the README."""

import pytest

from analytics import settings
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in settings.SETTINGS if f"`{name}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_setting_has_a_help_line():
    for setting in settings.SETTINGS.values():
        assert setting.help.strip().endswith("."), setting.name


def test_environment_values_are_typed(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_SUPPRESSION_MIN_N", "7")
    monkeypatch.setenv("COMMON_MEASURE_BAND_STRENGTH", "4.2")
    monkeypatch.setenv("COMMON_MEASURE_DEMO", "off")
    assert settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N") == 7
    assert settings.get("COMMON_MEASURE_BAND_STRENGTH") == pytest.approx(4.2)
    assert settings.get("COMMON_MEASURE_DEMO") is False


def test_a_bad_boolean_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DEMO", "perhaps")
    with pytest.raises(ValueError, match="COMMON_MEASURE_DEMO"):
        settings.get("COMMON_MEASURE_DEMO")


def test_a_database_password_is_never_shown(monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", "postgresql://cm:s3cret@db.internal:5432/cm")
    assert settings.shown("COMMON_MEASURE_DB") == "postgresql://cm@db.internal:5432/cm"
    assert settings.is_postgres_url(settings.database_target())
    monkeypatch.setenv("COMMON_MEASURE_DB", "/srv/cm/network.duckdb")
    assert settings.shown("COMMON_MEASURE_DB") == "/srv/cm/network.duckdb"
