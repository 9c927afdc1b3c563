"""Partner network imports (issue 16): who works with whom, from our long template or from a
roster question of a survey tool's export (one column per partner organisation), validated
cell by cell and committed in one transaction; undone through the same import history.

Levels of collaboration: 0 none, 1 networking, 2 cooperation, 3 coordination, 4 coalition,
5 collaboration. Trust and value ratings run 1..4 (PARTNER tool); a tie's trust (value) is the
mean of the trust (value) ratings given for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.access.permissions import Permission, User, require
from analytics.errors import ImportProblem, ImportRefused
from analytics.ingest.answers import MISSING_LABELS, normalise_label
from analytics.ingest.commit import Target, refuse_same_file, resolve_target
from analytics.ingest.layouts import NETWORK_LONG, Table, detect_network_layout, to_table
from analytics.ingest.partners import canonical_names, match_partners
from analytics.ingest.reading import read_grid
from analytics.ingest.validate import MAX_PROBLEMS_KEPT
from analytics.store.connection import Store, scalar

COLLABORATION_LEVELS: dict[int, str] = {
    0: "none",
    1: "networking",
    2: "cooperation",
    3: "coordination",
    4: "coalition",
    5: "collaboration",
}
RATING_RANGE = (1, 4)
_LEVEL_BY_NAME = {name: level for level, name in COLLABORATION_LEVELS.items()}
_LEADING_LEVEL = re.compile(r"^([0-5])(?:\s*[-\u2013:.)=])?\s+(?=[^\d\s])")
_INTEGER = re.compile(r"^\d+(\.0+)?$")
# A roster column names its partner in brackets (Google Forms grids, SurveyMonkey matrices as
# read by layouts), after " - " (Qualtrics), or after "with" ("...your work with Partner A?").
_ROSTER_PATTERNS = (
    re.compile(r"^(?P<question>.*?)\s*\[(?P<partner>[^\[\]]+)\]$"),
    re.compile(r"^(?P<question>.+?)\s+-\s+(?P<partner>.+)$"),
    re.compile(r"^(?P<question>.*\bwith)\s+(?P<partner>.+?)\s*\??$", re.IGNORECASE),
)
_ROSTER_WORDS = ("work with", "working with", "collaborat", "relationship", "describe")


@dataclass
class PreparedNetwork:
    """A read and checked network file: its ties (one row per reported relationship, by
    organisation name), every problem, and what the import will record."""

    file_name: str
    sha256: str
    layout_key: str
    layout_name: str
    ties: pd.DataFrame  # row, source, target, level, frequency, trust, value
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def organisations(self) -> list[str]:
        names = pd.concat([self.ties["source"], self.ties["target"]])
        return list(dict.fromkeys(names.tolist()))

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [p.as_dict() for p in self.problems], columns=["row", "column", "value", "reason"]
        )


@dataclass(frozen=True)
class NetworkImportResult:
    import_id: int
    wave: str
    ties: int
    organisations: int
    partners_added: list[str]


class _Problems:
    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, value: object, reason: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(ImportProblem(row, column, str(value)[:200], reason))


def parse_level(text: str) -> int | None | str:
    """A cell as a level of collaboration: 0..5, None (blank or not known: not reported), or
    the reason it is not a level."""
    label = normalise_label(text)
    if not label or label in MISSING_LABELS:
        return None
    if _INTEGER.match(label):
        level = int(float(label))
        return level if level in COLLABORATION_LEVELS else "a level runs from 0 to 5"
    if label in _LEVEL_BY_NAME:
        return _LEVEL_BY_NAME[label]
    leading = _LEADING_LEVEL.match(label)
    if leading:
        return int(leading.group(1))
    first = re.split(r"[\s:(\-\u2013,]+", label)[0]
    if first in _LEVEL_BY_NAME:
        return _LEVEL_BY_NAME[first]
    return "not a level of collaboration (0-5, or none, networking ... collaboration)"


def _rating(text: str) -> float | None | str:
    label = normalise_label(text)
    if not label or label in MISSING_LABELS:
        return None
    if _INTEGER.match(label) and RATING_RANGE[0] <= int(float(label)) <= RATING_RANGE[1]:
        return float(int(float(label)))
    return f"a rating runs from {RATING_RANGE[0]} to {RATING_RANGE[1]}"


def roster_columns(table: Table) -> dict[str, str]:
    """Label -> partner name of each column of a roster question."""
    found = {}
    for label in table.labels:
        for pattern in _ROSTER_PATTERNS:
            match = pattern.match(label.strip())
            if match and any(w in match.group("question").casefold() for w in _ROSTER_WORDS):
                found[label] = match.group("partner").strip()
                break
    return found


def _respondent_column(table: Table, roster: dict[str, str]) -> str | None:
    for label in table.labels:
        key = normalise_label(label)
        if label in roster or "sector" in key:
            continue
        if key in {"respondent_organisation", "organisation", "organization"} or any(
            w in key for w in ("organisation", "organization")
        ):
            return label
    return None


def read_network(data: bytes, file_name: str) -> Table:
    """An upload as a Table in the network template or a survey tool's layout. Raises
    reading.UnreadableFile."""
    grid = read_grid(data, file_name)
    return to_table(grid, detect_network_layout(grid))


def _check_names(source: pd.Series, target: pd.Series, rows: pd.Series, columns, problems):
    source_column, target_column = columns
    for i in range(len(source)):
        s, t = source.iat[i], target.iat[i]
        if not s:
            problems.add(int(rows.iat[i]), source_column, s, "no respondent organisation")
        elif not t:
            problems.add(int(rows.iat[i]), target_column, t, "no partner organisation")
        elif s.casefold() == t.casefold():
            problems.add(int(rows.iat[i]), target_column, t, "an organisation rates itself")


def _prepare_long(table: Table, problems: _Problems) -> pd.DataFrame:
    data, rows = table.data, table.row_numbers
    names = {normalise_label(label): label for label in table.labels}
    source = data[names["respondent_organisation"]].str.strip()
    target = data[names["partner_organisation"]].str.strip()
    _check_names(
        source,
        target,
        rows,
        (names["respondent_organisation"], names["partner_organisation"]),
        problems,
    )
    # Each distinct cell is read once: a file of 20,000 ties has a handful of distinct levels.
    level_column = data[names["level"]]
    read = {text: parse_level(text) for text in level_column.unique()}
    parsed = level_column.map(read)
    for i in np.flatnonzero(~parsed.map(lambda v: isinstance(v, int)).to_numpy(dtype=bool)):
        text = level_column.iat[i]
        reason = read[text] if isinstance(read[text], str) else "no level given"
        problems.add(int(rows.iat[i]), names["level"], text, reason)
    levels = [v if isinstance(v, int) else None for v in parsed]
    ratings = {}
    for kind in ("trust", "value"):
        columns = [
            label for key, label in names.items() if key == kind or key.startswith(kind + "_")
        ]
        given = pd.DataFrame(index=data.index)
        for column in columns:
            read_rating = {text: _rating(text) for text in data[column].unique()}
            values = data[column].map(read_rating)
            bad = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            for i in np.flatnonzero(bad):
                problems.add(int(rows.iat[i]), column, data[column].iat[i], values.iat[i])
            given[column] = pd.to_numeric(values.where(~bad), errors="coerce").astype("float64")
        ratings[kind] = given.mean(axis=1) if columns else pd.Series(float("nan"), data.index)
    frequency = (
        data[names["frequency"]].str.strip().replace("", None)
        if "frequency" in names
        else pd.Series(None, index=data.index, dtype="object")
    )
    return pd.DataFrame(
        {
            "row": rows.to_numpy(),
            "source": source.to_numpy(),
            "target": target.to_numpy(),
            "level": pd.array(levels, dtype="Int64"),
            "frequency": frequency.to_numpy(),
            "trust": ratings["trust"].to_numpy(),
            "value": ratings["value"].to_numpy(),
        }
    )


def _prepare_roster(table: Table, roster: dict[str, str], problems: _Problems) -> pd.DataFrame:
    respondent = _respondent_column(table, roster)
    if respondent is None:
        raise ImportRefused(
            f"{table.grid.file_name} has roster columns but no column naming the respondent's "
            "organisation (a header with 'organisation')"
        )
    out = []
    for i in range(len(table.data)):
        row = int(table.row_numbers.iat[i])
        source = str(table.data[respondent].iat[i]).strip()
        if not source:
            problems.add(row, respondent, "", "no respondent organisation")
            continue
        for column, partner in roster.items():
            text = table.data[column].iat[i]
            level = parse_level(text)
            if level is None:
                continue  # not answered: no tie reported either way
            if isinstance(level, str):
                problems.add(row, column, text, level)
                continue
            if source.casefold() == partner.casefold():
                continue  # the roster lists the respondent's own organisation too
            out.append((row, source, partner, level, None, float("nan"), float("nan")))
    return pd.DataFrame(
        out, columns=["row", "source", "target", "level", "frequency", "trust", "value"]
    ).astype({"level": "Int64", "trust": "float64", "value": "float64"})


def prepare_network(table: Table, data: bytes) -> PreparedNetwork:
    """Read every tie of the table and list every problem (row, column, value, reason).
    Raises ImportRefused when the file is not a network file at all."""
    problems = _Problems()
    if table.layout.key == NETWORK_LONG.key:
        ties = _prepare_long(table, problems)
        layout_key, layout_name = NETWORK_LONG.key, NETWORK_LONG.name
    else:
        roster = roster_columns(table)
        if not roster:
            raise ImportRefused(
                f"{table.grid.file_name} is neither the network template (respondent_organisation,"
                " partner_organisation, level) nor a roster question (one column per partner, "
                "'How would you describe your work with [partner]?')"
            )
        ties = _prepare_roster(table, roster, problems)
        layout_key = f"network_roster:{table.layout.key}"
        layout_name = f"roster question ({table.layout.name})"
    pairs = ties["source"].str.casefold() + "\x00" + ties["target"].str.casefold()
    repeated = pairs.duplicated() & (ties["source"] != "") & (ties["target"] != "")
    for row, source, target in ties.loc[repeated, ["row", "source", "target"]].itertuples(
        index=False
    ):
        problems.add(int(row), None, f"{source} -> {target}", "this relationship is given twice")
    valid = (ties["source"] != "") & (ties["target"] != "") & ties["level"].notna()
    valid &= ties["source"].str.casefold() != ties["target"].str.casefold()
    return PreparedNetwork(
        file_name=table.grid.file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        layout_key=layout_key,
        layout_name=layout_name,
        ties=ties[valid & ~repeated].reset_index(drop=True),
        problems=sorted(problems.kept, key=lambda p: (p.row or 0, p.column or "")),
        problem_count=problems.count,
    )


def _network_wave(
    cursor, initiative_id: int, label: str, opened_on: dt.date | None, import_id: int
) -> int:
    found = scalar(
        cursor,
        "SELECT id FROM network_waves WHERE initiative_id = ? AND label = ?",
        [initiative_id, label],
    )
    if found is not None:
        return int(found)
    return int(
        scalar(
            cursor,
            "INSERT INTO network_waves (initiative_id, label, opened_on, created_by_import)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            [initiative_id, label, opened_on or dt.date.today(), import_id],
        )
    )


def _refuse_organisations_already_answered(cursor, wave_id: int, ties: pd.DataFrame) -> None:
    """An organisation that already reported its ties in this wave (from another file) is
    refused: a second file would count its relationships twice."""
    clashes = cursor.execute(
        "SELECT f.row, f.source, t.import_id FROM import_ties f"
        " JOIN (SELECT DISTINCT source_partner_id, import_id FROM network_ties"
        "  WHERE network_wave_id = ?) t ON t.source_partner_id = f.source_id ORDER BY f.row",
        [wave_id],
    ).fetchall()
    if clashes:
        seen: dict[str, ImportProblem] = {}
        for row, source, import_id in clashes:
            seen.setdefault(
                source,
                ImportProblem(
                    int(row),
                    None,
                    source,
                    f"already reported its ties in this wave (import {import_id}); undo that "
                    "import to replace them",
                ),
            )
        raise ImportRefused(
            f"{len(seen)} organisation(s) already reported their ties in this wave",
            list(seen.values())[:MAX_PROBLEMS_KEPT],
        )


def commit_network(
    store: Store,
    target: int | Target,
    prepared: PreparedNetwork,
    *,
    user: User,
    wave: str,
    opened_on: dt.date | None = None,
) -> NetworkImportResult:
    """Write the network file's ties into `wave` (a network wave, created when new) in one
    transaction, or nothing. Organisations that are not yet partners of the initiative (by the
    same name matching as the survey import) are added as partners (sector 'other'), and listed
    in the result. Refused (ImportRefused, database unchanged) on any problem, on an empty
    file, on a file imported before, and on an organisation that already answered this wave."""
    if prepared.problem_count:
        raise ImportRefused(
            f"{prepared.problem_count} problem(s) in {prepared.file_name}: fix the file",
            prepared.problems,
        )
    if prepared.ties.empty:
        raise ImportRefused(f"{prepared.file_name} has no relationship to import")
    if not wave.strip():
        raise ImportRefused("a network import needs a wave label")
    with store.transaction() as cursor:
        initiative_id = target if isinstance(target, int) else resolve_target(cursor, target, user)
        require(user, Permission.IMPORT, initiative_id)
        refuse_same_file(cursor, initiative_id, prepared.sha256, prepared.file_name)
        import_id = int(
            scalar(
                cursor,
                "INSERT INTO imports (initiative_id, file_name, sha256, imported_by, layout,"
                " rows_accepted, cells_accepted, problems, problem_count, kind)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 0, 'network') RETURNING id",
                [
                    initiative_id,
                    prepared.file_name,
                    prepared.sha256,
                    user.login,
                    prepared.layout_key,
                    len(prepared.ties),
                    len(prepared.ties),
                ],
            )
        )
        wave_id = _network_wave(cursor, initiative_id, wave.strip(), opened_on, import_id)
        opened = scalar(cursor, "SELECT opened_on FROM network_waves WHERE id = ?", [wave_id])
        matched = match_partners(cursor, initiative_id, prepared.organisations)
        stored_as = canonical_names(cursor, initiative_id, prepared.organisations)
        added: list[str] = []
        added_ids: list[int] = []
        keys: dict[str, int] = {}
        for name, partner_id in matched.items():
            stored = stored_as[name]  # a confirmed alias's name, else the name as given
            if partner_id is None:
                partner_id = keys.get(stored.casefold())
            if partner_id is None:
                partner_id = int(
                    scalar(
                        cursor,
                        "INSERT INTO partners (initiative_id, name, sector, joined_on)"
                        " VALUES (?, ?, 'other', ?) RETURNING id",
                        [initiative_id, stored, opened],
                    )
                )
                added.append(stored)
                added_ids.append(partner_id)
            keys[stored.casefold()] = partner_id
            matched[name] = partner_id
        ties = prepared.ties.assign(
            source_id=prepared.ties["source"].map(matched).astype("int64"),
            target_id=prepared.ties["target"].map(matched).astype("int64"),
        )
        same = ties["source_id"] == ties["target_id"]
        if same.any():  # two spellings of one partner
            row = ties.loc[same].iloc[0]
            raise ImportRefused(
                "an organisation rates itself under another spelling",
                [ImportProblem(int(row["row"]), None, f"{row['source']} -> {row['target']}", "")],
            )
        cursor.register("import_ties", ties)
        try:
            _refuse_organisations_already_answered(cursor, wave_id, ties)
            cursor.execute(
                "INSERT INTO network_ties (network_wave_id, import_id, source_partner_id,"
                " target_partner_id, level, frequency, trust, value)"
                " SELECT ?, ?, source_id, target_id, level, frequency, trust, value"
                " FROM import_ties",
                [wave_id, import_id],
            )
        finally:
            cursor.unregister("import_ties")
        cursor.execute(
            "UPDATE imports SET partners_created = ?, mapping = ? WHERE id = ?",
            [added_ids, json.dumps({"wave": wave.strip()}), import_id],
        )
        Store.audit(
            cursor,
            user.login,
            "import network file",
            initiative_id,
            f"{prepared.file_name}: {len(ties)} ties in wave {wave.strip()}, "
            f"{len(added)} partners added (import {import_id})",
            len(ties),
        )
    return NetworkImportResult(
        import_id, wave.strip(), len(ties), len(prepared.organisations), added
    )
