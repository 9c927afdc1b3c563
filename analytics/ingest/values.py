"""Answers of respondent fields (sector, role) placed on an initiative's lists: exactly, by the
words of synonyms.toml, or by the broker's value map (a codebook for numeric exports), which
is saved with the column mapping. An answer nothing places is "unspecified", never a refusal."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.ingest.answers import answer_key
from analytics.ingest.identifiers import normalise_column
from analytics.ingest.options import VALUE_FIELDS
from analytics.store.connection import Store
from analytics.store.scale_scores import instrument_scales
from analytics.store.schema import SECTORS
from analytics.store.score_cells import refresh_score_cells

SYNONYMS_TOML = Path(__file__).with_name("synonyms.toml")
UNSPECIFIED = "unspecified"  # the broker's word for "no value from this answer"
HOW = ("exact", "rule", "map", "unspecified")  # how an answer was placed

# The lists of an initiative that has not set its own: the six sectors; roles kept as answered.
DEFAULT_CHOICES: dict[str, tuple[str, ...]] = {"sector": SECTORS, "role": ()}

ValueMap = dict[str, dict[str, str]]  # field -> answer key -> value (or UNSPECIFIED)


@dataclass(frozen=True)
class _Words:
    words: tuple[str, ...]
    exact: tuple[str, ...]


@cache
def synonyms() -> dict[str, dict[str, _Words]]:
    """field -> choice -> its words, from synonyms.toml (read once)."""
    with SYNONYMS_TOML.open("rb") as f:
        raw = tomllib.load(f)
    return {
        field: {
            choice: _Words(
                tuple(answer_key(w) for w in entry.get("words", [])),
                tuple(answer_key(w) for w in entry.get("exact", [])),
            )
            for choice, entry in choices.items()
        }
        for field, choices in raw.items()
    }


def _contains(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def place_by_rule(answer: str, field: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice an answer names: the choice itself or one of its exact words, else the one
    choice whose words (or name) occur in it, the longest word winning; None when no choice
    or a tie."""
    key = answer_key(answer)
    if not key:
        return None
    known = synonyms().get(field, {})
    by_key = {answer_key(c): c for c in choices}
    if key in by_key:
        return by_key[key]
    best: dict[str, int] = {}
    for choice in choices:
        entry = known.get(choice, _Words((), ()))
        if key in entry.exact:
            return choice
        for word in (answer_key(choice), *entry.words):
            if word and _contains(key, word):
                best[choice] = max(best.get(choice, 0), len(word))
    if not best:
        return None
    top = max(best.values())
    winners = [c for c, length in best.items() if length == top]
    return winners[0] if len(winners) == 1 else None


@dataclass(frozen=True)
class Placement:
    """One distinct answer of a field, how many respondents gave it, and where it goes."""

    field: str
    answer: str
    count: int
    value: str | None  # None: unspecified (or kept as answered when the list is empty)
    how: str  # one of HOW


def place_answers(
    answers: pd.Series, field: str, choices: tuple[str, ...] | list[str], saved: dict[str, str]
) -> list[Placement]:
    """Each distinct non-empty answer with its count and place: the broker's map first, then
    the rule. With an empty list of choices the answers are kept as they are (free text)."""
    counts = answers[answers.astype(str).str.strip().ne("")].astype(str).value_counts(sort=False)
    return place_counts(counts, field, choices, saved)


def place_counts(
    counts: pd.Series, field: str, choices: tuple[str, ...] | list[str], saved: dict[str, str]
) -> list[Placement]:
    """place_answers from the answers' counts: each distinct non-empty answer (the index, in
    order of first appearance) and how many respondents gave it."""
    placed = []
    for answer, count in counts.items():
        key = answer_key(answer)
        if not choices:
            placed.append(Placement(field, answer, int(count), answer, "exact"))
        elif key in saved:
            value = saved[key]
            placed.append(
                Placement(field, answer, int(count), None if value == UNSPECIFIED else value, "map")
            )
        else:
            value = place_by_rule(answer, field, choices)
            exact = value is not None and answer_key(value) == key
            how = "exact" if exact else "rule" if value else "unspecified"
            placed.append(Placement(field, answer, int(count), value, how))
    return placed


def looks_like(answers: pd.Series, field: str, choices: tuple[str, ...] | list[str]) -> float:
    """How much a column's answers look like answers to this field's question: the share of
    its distinct answers the rule places, when that is at least two in three of at least two
    distinct short answers; else 0."""
    if not choices:
        return 0.0
    distinct = [a for a in answers.astype(str).str.strip().unique()[:200] if a]
    if len(distinct) < 2 or any(len(a) > 80 for a in distinct):
        return 0.0
    placed = sum(place_by_rule(a, field, choices) is not None for a in distinct)
    share = placed / len(distinct)
    return share if share >= 2 / 3 else 0.0


def value_map_frame(placements: list[Placement]) -> pd.DataFrame:
    """The value map a broker checks: one row per field and distinct answer."""
    return pd.DataFrame(
        [
            {
                "Field": p.field,
                "Answer": p.answer,
                "Count": p.count,
                "Value": p.value or UNSPECIFIED,
                "Placed by": p.how,
            }
            for p in placements
        ],
        columns=["Field", "Answer", "Count", "Value", "Placed by"],
    )


def placement_summary(placements: list[Placement]) -> list[str]:
    """One line per field and way of placing: the answers placed by rule, by the value map and
    left unspecified, with their counts (the CLI's summary)."""
    lines = []
    for name in VALUE_FIELDS:
        for how, words in (
            ("rule", "by rule"),
            ("map", "by the value map"),
            ("unspecified", "as unspecified"),
        ):
            found = [p for p in placements if p.field == name and p.how == how]
            if found:
                shown = "; ".join(
                    f"{p.answer!r} -> {p.value or UNSPECIFIED} ({p.count})" for p in found[:20]
                )
                more = f"; and {len(found) - 20} more" if len(found) > 20 else ""
                lines.append(f"{name} answers placed {words}: {shown}{more}")
    return lines


class ValuesError(ValueError):
    """A value map or codebook that cannot be used; the message says which row."""


def values_from_frame(edited: pd.DataFrame, choices: dict[str, tuple[str, ...] | list[str]]):
    """The broker's value map from the edited table: only answers whose value differs from
    what the rule gives are kept, so an improved rule still reaches the rest."""
    out: ValueMap = {}
    rows = zip(edited["Field"], edited["Answer"], edited["Value"], strict=True)
    for field, answer, value in rows:
        allowed = list(choices.get(field, ()))
        if not allowed:
            continue
        value = str(value or UNSPECIFIED)
        if value != UNSPECIFIED and value not in allowed:
            raise ValuesError(f"{value!r} is not one of {', '.join(allowed)} ({field})")
        ruled = place_by_rule(str(answer), field, allowed) or UNSPECIFIED
        if value != ruled:
            out.setdefault(field, {})[answer_key(answer)] = value
    return out


def read_values_csv(data: bytes, field: str, choices: tuple[str, ...] | list[str]) -> dict:
    """A value map or codebook file (CSV answer,value, a header row optional) for one field."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValuesError("the values file is not UTF-8 text") from None
    out: dict[str, str] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise ValuesError(f"row {number}: expected answer,value, found {len(row)} cells")
        answer, value = (cell.strip() for cell in row)
        if number == 1 and answer_key(answer) == "answer":
            continue
        by_key = {answer_key(c): c for c in choices}
        if answer_key(value) == UNSPECIFIED:
            value = UNSPECIFIED
        elif choices:
            if answer_key(value) not in by_key:
                raise ValuesError(
                    f"row {number}: {value!r} is not one of {', '.join(choices)} ({field})"
                )
            value = by_key[answer_key(value)]
        out[answer_key(answer)] = value
    return out


# -- an initiative's lists ------------------------------------------------------------------
#
# A backbone (MANAGE) edits the lists; brokers see them. Removing a value that stored
# respondents hold is refused (their count named): the value is renamed instead, which moves
# those respondents, and the saved value maps, to the new name (onto another value of the
# list: merged with it). The database is unchanged by any refusal.

# Respondents of the initiative by the value of a field: one fixed statement per field.
_COUNT_SQL = {
    field: f"SELECT r.{field} AS value, count(*) AS n FROM respondents r"  # noqa: S608 (fixed)
    " JOIN waves w ON w.id = r.wave_id WHERE w.initiative_id = ?"
    f" AND r.{field} IS NOT NULL GROUP BY 1"
    for field in VALUE_FIELDS
}
_MOVE_SQL = {
    field: f"UPDATE respondents SET {field} = ? WHERE {field} = ?"  # noqa: S608 (fixed)
    " AND wave_id IN (SELECT id FROM waves WHERE initiative_id = ?)"
    for field in VALUE_FIELDS
}


def _own_choices(query, initiative_id: int) -> dict[str, list[str]]:
    rows = query(
        "SELECT field, value FROM answer_choices WHERE initiative_id = ? ORDER BY position",
        [initiative_id],
    )
    out = {name: list(values) for name, values in DEFAULT_CHOICES.items()}
    for name in VALUE_FIELDS:
        own = rows.loc[rows["field"] == name, "value"].tolist()
        if own:
            out[name] = own
    return out


@guarded(Permission.IMPORT)
def initiative_choices(store: Store, user: User, initiative_id: int) -> dict[str, list[str]]:
    """The initiative's sectors and roles (DEFAULT_CHOICES where it has not set its own)."""
    return _own_choices(store.read_df, initiative_id)


@guarded(Permission.VIEW_DETAIL)
def choice_lists(store: Store, user: User, initiative_id: int) -> dict[str, pd.DataFrame]:
    """Per field, its list as the lists page shows it: each value with the stored respondents
    who hold it (a value no longer on the list but held by respondents is listed last)."""
    lists = _own_choices(store.read_df, initiative_id)
    out = {}
    for name in VALUE_FIELDS:
        counts = store.read_df(_COUNT_SQL[name], [initiative_id])
        held = dict(zip(counts["value"], counts["n"].astype(int), strict=True))
        values = lists[name]
        out[name] = pd.DataFrame(
            {
                "Value": values,
                "Saved value": values,
                "Respondents": [held.get(v, 0) for v in values],
            }
        ).astype({"Value": object, "Saved value": object, "Respondents": "Int64"})
    return out


def choice_changes(edited: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The list and the renames an edited choice_lists table asks for: a row whose Value
    differs from its Saved value renames it; a row added has no Saved value; a row deleted
    or emptied removes its value."""
    values: list[str] = []
    renamed: dict[str, str] = {}
    for value, before in zip(edited["Value"], edited["Saved value"], strict=True):
        value = "" if pd.isna(value) else str(value).strip()
        before = "" if pd.isna(before) else str(before)
        if value:
            values.append(value)
        if before and value and value != before:
            renamed[before] = value
    return values, renamed


@dataclass(frozen=True)
class ChoicesSaved:
    """A list saved: its values, and the respondents moved by each rename (old, new, count)."""

    values: list[str]
    moved: list[tuple[str, str, int]]
    default: bool = False  # the initiative has no list of its own: the default applies


@guarded(Permission.MANAGE)
def save_initiative_choices(
    store: Store,
    user: User,
    initiative_id: int,
    field: str,
    values: list[str],
    renamed: dict[str, str] | None = None,
) -> ChoicesSaved:
    """Replace the initiative's list of sectors or roles (an empty list: the default),
    renaming values as `renamed` says (stored respondents and saved value maps follow).
    ValuesError, database unchanged, when a value to remove is held by stored respondents."""
    if field not in VALUE_FIELDS:
        raise ValuesError(f"{field!r} has no list; use one of {', '.join(VALUE_FIELDS)}")
    cleaned = list(dict.fromkeys(normalise_column(pd.Series(values, dtype=object)).tolist()))
    cleaned = [str(v) for v in cleaned if isinstance(v, str) and v]
    if UNSPECIFIED in {answer_key(v) for v in cleaned}:
        raise ValuesError(f"{UNSPECIFIED!r} is kept for answers no rule places")
    seen: dict[str, str] = {}
    for value in cleaned:  # answers are matched with case and accents aside
        if answer_key(value) in seen:
            raise ValuesError(
                f"{value!r} is on the {field} list twice (as {seen[answer_key(value)]!r})"
            )
        seen[answer_key(value)] = value
    renamed = {
        str(old): str(normalise_column(pd.Series([new], dtype=object)).iloc[0])
        for old, new in (renamed or {}).items()
        if old != new
    }
    new_list = cleaned or list(DEFAULT_CHOICES[field])
    with store.transaction() as cursor:
        query = lambda sql, params: cursor.execute(sql, params).df()  # noqa: E731
        current = _own_choices(query, initiative_id)[field]
        for old, new in renamed.items():
            if old not in current:
                raise ValuesError(f"{old!r} is not on the {field} list, so it cannot be renamed")
            if new not in new_list:
                raise ValuesError(f"{old!r} is renamed {new!r}, which is not on the list")
        counts = query(_COUNT_SQL[field], [initiative_id])
        held = dict(zip(counts["value"], counts["n"].astype(int), strict=True))
        for value in current:
            if value not in new_list and value not in renamed and held.get(value):
                raise ValuesError(
                    f"{value!r} is the {field} of {held[value]} stored respondent(s): rename it "
                    "to move them to another value, or keep it"
                )
        moved = []
        for old, new in renamed.items():
            cursor.execute(_MOVE_SQL[field], [new, old, initiative_id])
            moved.append((old, new, int(held.get(old, 0))))
        if moved:  # the moved respondents' scores now count in another sector or role
            refresh_score_cells(cursor, initiative_id, instrument_scales(cursor, initiative_id))
        _rename_in_saved_maps(cursor, initiative_id, field, renamed)
        cursor.execute(
            "DELETE FROM answer_choices WHERE initiative_id = ? AND field = ?",
            [initiative_id, field],
        )
        cursor.executemany(
            "INSERT INTO answer_choices (initiative_id, field, position, value)"
            " VALUES (?, ?, ?, ?)",
            [[initiative_id, field, i, v] for i, v in enumerate(cleaned, start=1)],
        )
        detail = ", ".join(cleaned) or "the default"
        if moved:
            detail += "; renamed " + ", ".join(f"{o} -> {n} ({c})" for o, n, c in moved)
        store.audit(cursor, user.login, f"set {field} list", initiative_id, detail, len(cleaned))
    return ChoicesSaved(new_list, moved, not cleaned)


def _rename_in_saved_maps(cursor, initiative_id: int, field: str, renamed: dict[str, str]):
    """The broker's saved value maps follow a rename, so that the next wave is placed on it."""
    if not renamed:
        return
    rows = cursor.execute(
        "SELECT survey_key, mapping FROM survey_mappings WHERE initiative_id = ?",
        [initiative_id],
    ).fetchall()
    for survey_key, text in rows:
        raw = json.loads(text) if isinstance(text, str) else dict(text or {})
        answers = raw.get("values", {}).get(field, {})
        if not any(v in renamed for v in answers.values()):
            continue
        raw["values"][field] = {a: renamed.get(v, v) for a, v in answers.items()}
        cursor.execute(
            "UPDATE survey_mappings SET mapping = ? WHERE initiative_id = ? AND survey_key = ?",
            [json.dumps(raw, ensure_ascii=False), initiative_id, survey_key],
        )


@guarded(Permission.MANAGE)
def set_initiative_choices(
    store: Store, user: User, initiative_id: int, field: str, values: list[str]
) -> list[str]:
    """Replace the initiative's list of sectors or roles (an empty list: the default): what
    save_initiative_choices does without renames. Returns the initiative's own list."""
    saved = save_initiative_choices(store, user, initiative_id, field, values)
    return [] if saved.default else saved.values
