"""What emerged (issue 15): the log of emergent outcomes and of decisions and adaptations,
after outcome harvesting's fields (what changed, for whom, when and where; why it matters; how
the initiative contributed; who can confirm it and whether it was), tagged to conditions,
principles and the phase. Funders see it through suppression.conceal_entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.errors import ImportRefused
from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures.phases import current_stage
from analytics.measures.suppression import conceal_entries
from analytics.store.connection import Store
from analytics.store.schema import ENTRY_KINDS

# The export contract's columns first (issue 15), then the rest of an entry.
EXPORT_COLUMNS = [
    "date",
    "kind",
    "title",
    "change",
    "for_whom",
    "significance",
    "contribution",
    "confirmed",
    "conditions",
    "principles",
    "phase",
    "place",
    "decided",
    "confirmed_by",
    "shareable",
]


@dataclass(frozen=True)
class Entry:
    """One outcome ("what changed ...") or decision ("we noticed ..., we decided ...")."""

    kind: str
    happened_on: dt.date
    title: str
    change: str = ""  # for a decision: what we noticed
    for_whom: str = ""
    place: str = ""
    significance: str = ""
    contribution: str = ""
    decided: str = ""  # for a decision: what we decided
    confirmed_by: str = ""
    confirmed: bool = False
    conditions: tuple[str, ...] = field(default_factory=tuple)
    principles: tuple[str, ...] = field(default_factory=tuple)
    names_people: bool = False


def entry_problems(entry: Entry) -> list[str]:
    """What is wrong with an entry, in words (none: it may be stored)."""
    problems = []
    if entry.kind not in ENTRY_KINDS:
        problems.append(f"kind must be one of {', '.join(ENTRY_KINDS)}")
    if not entry.title.strip():
        problems.append("an entry needs a title")
    if entry.kind == "outcome" and not entry.change.strip():
        problems.append("an outcome says what changed")
    if entry.kind == "decision" and not entry.decided.strip():
        problems.append("a decision says what was decided")
    if entry.confirmed and not entry.confirmed_by.strip():
        problems.append("a confirmed outcome says who confirmed it")
    problems += [f"{c!r} is not a condition" for c in entry.conditions if c not in CONDITIONS]
    problems += [f"{p!r} is not a principle" for p in entry.principles if p not in PRINCIPLES]
    return problems


def insert_entry(
    cursor: duckdb.DuckDBPyConnection,
    initiative_id: int,
    entry: Entry,
    model: str,
    phase: str | None,
    author: str,
    shareable: bool = False,
) -> None:
    """Store a checked entry, inside the caller's transaction (record_entry, the demo)."""
    cursor.execute(
        "INSERT INTO emergent_entries (initiative_id, kind, happened_on, title, change,"
        " for_whom, place, significance, contribution, decided, confirmed_by, confirmed,"
        " conditions, principles, phase_model, phase, names_people, recorded_by, shareable)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            initiative_id,
            entry.kind,
            entry.happened_on,
            entry.title.strip(),
            entry.change.strip(),
            entry.for_whom.strip(),
            entry.place.strip(),
            entry.significance.strip(),
            entry.contribution.strip(),
            entry.decided.strip(),
            entry.confirmed_by.strip(),
            entry.confirmed,
            list(entry.conditions),
            list(entry.principles),
            model,
            phase,
            entry.names_people,
            author,
            shareable,
        ],
    )


@guarded(Permission.RECORD)
def record_entry(store: Store, initiative_id: int, entry: Entry, *, user: User) -> None:
    """Add an outcome or a decision, tagged with the phase the initiative was in on its date;
    refused (ImportRefused, every problem listed) when it is not complete."""
    problems = entry_problems(entry)
    if problems:
        raise ImportRefused("; ".join(problems))
    stage = current_stage(store, user, initiative_id, entry.happened_on)
    with store.transaction() as cursor:
        insert_entry(cursor, initiative_id, entry, stage.model.key, stage.phase, user.name)
        Store.audit(cursor, user.login, f"record {entry.kind}", initiative_id, entry.title, 1)


@guarded(Permission.RECORD)
def confirm_entry(
    store: Store, initiative_id: int, entry_id: int, confirmed_by: str, *, user: User
) -> None:
    """Record that an outcome was confirmed, and by whom."""
    if not confirmed_by.strip():
        raise ImportRefused("say who confirmed it")
    with store.transaction() as cursor:
        changed = cursor.execute(
            "UPDATE emergent_entries SET confirmed = true, confirmed_by = ?"
            " WHERE id = ? AND initiative_id = ? RETURNING id",
            [confirmed_by.strip(), entry_id, initiative_id],
        ).fetchall()
        if not changed:
            raise ImportRefused("no such entry in this initiative")
        Store.audit(cursor, user.login, "confirm outcome", initiative_id, str(entry_id), 1)


@guarded(Permission.MANAGE)
def mark_shareable(
    store: Store, initiative_id: int, entry_id: int, shareable: bool, *, user: User
) -> None:
    """A backbone's decision that funders may see an entry whole (or no longer)."""
    with store.transaction() as cursor:
        changed = cursor.execute(
            "UPDATE emergent_entries SET shareable = ? WHERE id = ? AND initiative_id = ?"
            " RETURNING id",
            [shareable, entry_id, initiative_id],
        ).fetchall()
        if not changed:
            raise ImportRefused("no such entry in this initiative")
        Store.audit(
            cursor,
            user.login,
            "share entry with funders" if shareable else "stop sharing entry",
            initiative_id,
            str(entry_id),
            1,
        )


@guarded(Permission.VIEW)
def entries(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The log of what emerged, newest first, as `user` may see it."""
    frame = store.read_df(
        "SELECT id, happened_on AS date, kind, title, change, for_whom, place, significance,"
        " contribution, decided, confirmed_by, confirmed, conditions, principles, phase_model,"
        " phase, names_people, shareable, recorded_by FROM emergent_entries"
        " WHERE initiative_id = ? ORDER BY happened_on DESC, id DESC",
        [initiative_id],
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    for column in ("conditions", "principles"):
        frame[column] = [list(v) if v is not None else [] for v in frame[column]]
    return conceal_entries(frame, user)


def filter_entries(
    frame: pd.DataFrame,
    *,
    kinds: list[str] | None = None,
    condition: str | None = None,
    principle: str | None = None,
    phase: str | None = None,
    confirmed_only: bool = False,
) -> pd.DataFrame:
    """The entries of the kinds, tagged with the condition, principle and phase chosen."""
    keep = pd.Series(True, index=frame.index)
    if kinds:
        keep &= frame["kind"].isin(kinds)
    if condition:
        keep &= frame["conditions"].map(lambda tags: condition in tags)
    if principle:
        keep &= frame["principles"].map(lambda tags: principle in tags)
    if phase:
        keep &= frame["phase"] == phase
    if confirmed_only:
        keep &= frame["confirmed"].astype(bool)
    return frame.loc[keep.astype(bool)]


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per entry, the contract's columns first (tags as 'a; b'), oldest first; what
    the reader may not see stays out."""
    out = frame.sort_values("date", kind="stable").copy()
    for column in ("conditions", "principles"):
        out[column] = ["; ".join(tags) for tags in out[column]]
    return out[[c for c in EXPORT_COLUMNS if c in out.columns]].reset_index(drop=True)
