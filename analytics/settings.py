"""Every setting of Common Measure, declared once with its default and a help line.

A setting is read from the environment variable of its name, else from a top-level key of that
name in `.streamlit/secrets.toml`, else its default. The README lists them all (a test checks).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    def parse(self, raw: Any) -> Any:
        """Convert a raw environment or TOML value to the type of the default."""
        if isinstance(self.default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"setting {self.name}: {raw!r} is not true or false")
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return str(raw)


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting(
            "COMMON_MEASURE_DB",
            str(PROJECT_ROOT / "data" / "common_measure.duckdb"),
            "Path of the DuckDB database file, created (with demo data) on first start; or a"
            " postgresql:// URL of a shared PostgreSQL database (migrated on start).",
        ),
        Setting(
            "COMMON_MEASURE_DEMO",
            True,
            "Fill a newly created database with the three demo initiatives.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_UPLOAD_MB",
            200,
            "Survey files larger than this (megabytes) are refused before they are read.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_ROWS",
            2_000_000,
            "Survey files with more data rows than this are refused.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_CELL_CHARS",
            10_000,
            "A cell longer than this (characters) is reported as a problem, not stored.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_COLUMNS",
            5_000,
            "Survey files with more columns than this are refused before their rows are read.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_CELLS",
            50_000_000,
            "Survey files whose rows times columns exceed this are refused while they are read.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_FIELD_CHARS",
            1_000_000,
            "A cell longer than this (characters) refuses the whole file while it is read.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_UNZIPPED_MB",
            1_024,
            "XLSX workbooks that unzip to more than this (megabytes) are refused before reading.",
        ),
        Setting(
            "COMMON_MEASURE_MAX_SHARED_STRINGS_MB",
            256,
            "XLSX workbooks whose shared strings (or styles) unzip to more than this (megabytes) "
            "are refused before reading.",
        ),
        Setting(
            "COMMON_MEASURE_SUPPRESSION_MIN_N",
            5,
            "Groups with fewer respondents than this show no statistic to funders or in exports.",
        ),
        Setting(
            "COMMON_MEASURE_BAND_STRENGTH",
            4.0,
            "A scale mean at or above this is a strength.",
        ),
        Setting(
            "COMMON_MEASURE_BAND_BORDERLINE",
            3.0,
            "A scale mean at or above this (and below the strength band) is borderline; "
            "below it, a concern.",
        ),
        Setting(
            "COMMON_MEASURE_RELIABILITY_FLAG",
            0.70,
            "Cronbach's alpha below this flags a scale as unreliable in that wave.",
        ),
        Setting(
            "COMMON_MEASURE_MIN_IMPORTANT_DIFFERENCE",
            0.2,
            "The smallest change of a mean (in scale points, 1-5) called an improvement or a"
            " decline, when its false-discovery-adjusted p is also under 0.05.",
        ),
        Setting(
            "COMMON_MEASURE_GAP_FLAG",
            0.5,
            "A perception gap (highest minus lowest group mean) at or above this is flagged.",
        ),
        Setting(
            "COMMON_MEASURE_DEMO_ACCOUNTS",
            True,
            "Offer the demo database's accounts (one per role) on the sign-in page; off, they "
            "cannot sign in. They exist only in a database filled with the demo.",
        ),
        Setting(
            "COMMON_MEASURE_SESSION_MINUTES",
            30,
            "A signed-in session ends after this many minutes without a click.",
        ),
        Setting(
            "COMMON_MEASURE_LOCKOUT_ATTEMPTS",
            5,
            "Wrong passwords in a row that lock an account.",
        ),
        Setting(
            "COMMON_MEASURE_LOCKOUT_MINUTES",
            15,
            "How long a locked account stays locked.",
        ),
        Setting(
            "COMMON_MEASURE_BCRYPT_ROUNDS",
            12,
            "bcrypt's cost factor for new password hashes (each step doubles the work).",
        ),
    ]
}


def secrets() -> dict[str, Any]:
    """The parsed .streamlit/secrets.toml, or {} when there is none."""
    if not SECRETS_FILE.is_file():
        return {}
    with SECRETS_FILE.open("rb") as f:
        return tomllib.load(f)


def get(name: str) -> Any:
    """The value of setting `name`: environment, else secrets.toml, else its default."""
    setting = SETTINGS[name]
    if name in os.environ:
        return setting.parse(os.environ[name])
    secrets_found = secrets()
    if name in secrets_found:
        return setting.parse(secrets_found[name])
    return setting.default


# Settings whose value tells where things are on the server: shown to admins only.
SERVER_ONLY = frozenset({"COMMON_MEASURE_DB"})


def without_password(text: str) -> str:
    """A database URL without its password (a path is returned as it is)."""
    return re.sub(r"^(\w+://[^:/@?]*):[^@/?]*@", r"\1@", text)


def shown(name: str) -> str:
    """A setting's value as a page may show it: a database password never."""
    return without_password(str(get(name)))


def is_postgres_url(target: object) -> bool:
    """True for a PostgreSQL URL (`postgresql://` or `postgres://`); a path is a DuckDB file."""
    return str(target).startswith(("postgresql://", "postgres://"))


def database_target() -> str:
    """The database setting as given: a DuckDB file path or a PostgreSQL URL."""
    return str(get("COMMON_MEASURE_DB"))


def database_path() -> Path:
    """The database setting as a file path (the embedded store)."""
    return Path(get("COMMON_MEASURE_DB"))
