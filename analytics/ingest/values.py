"""Answers of respondent fields (sector, role) placed on an initiative's lists: exactly, by the
words of synonyms.toml, or by the broker's value map (a codebook for numeric exports), which
is saved with the column mapping. An answer nothing places is "unspecified", never a refusal."""

from __future__ import annotations

import csv
import io
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
from analytics.store.schema import SECTORS

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


@guarded(Permission.IMPORT)
def initiative_choices(store: Store, user: User, initiative_id: int) -> dict[str, list[str]]:
    """The initiative's sectors and roles (DEFAULT_CHOICES where it has not set its own)."""
    rows = store.read_df(
        "SELECT field, value FROM answer_choices WHERE initiative_id = ? ORDER BY position",
        [initiative_id],
    )
    out = {name: list(values) for name, values in DEFAULT_CHOICES.items()}
    for name in VALUE_FIELDS:
        own = rows.loc[rows["field"] == name, "value"].tolist()
        if own:
            out[name] = own
    return out


@guarded(Permission.MANAGE)
def set_initiative_choices(
    store: Store, user: User, initiative_id: int, field: str, values: list[str]
) -> list[str]:
    """Replace the initiative's list of sectors or roles (an empty list: the default)."""
    if field not in VALUE_FIELDS:
        raise ValuesError(f"{field!r} has no list; use one of {', '.join(VALUE_FIELDS)}")
    cleaned = list(dict.fromkeys(normalise_column(pd.Series(values, dtype=object)).tolist()))
    cleaned = [v for v in cleaned if v]
    if UNSPECIFIED in cleaned:
        raise ValuesError(f"{UNSPECIFIED!r} is kept for answers no rule places")
    with store.transaction() as cursor:
        cursor.execute(
            "DELETE FROM answer_choices WHERE initiative_id = ? AND field = ?",
            [initiative_id, field],
        )
        cursor.executemany(
            "INSERT INTO answer_choices (initiative_id, field, position, value)"
            " VALUES (?, ?, ?, ?)",
            [[initiative_id, field, i, v] for i, v in enumerate(cleaned, start=1)],
        )
        store.audit(cursor, user.login, f"set {field} list", initiative_id, ", ".join(cleaned))
    return cleaned
