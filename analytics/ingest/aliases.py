"""Organisation names that are one partner: spellings equal up to case, accents, spacing,
punctuation and a legal-form suffix ("Northside Hub", "NORTHSIDE HUB", "Northside Hub Inc.")
are proposed as one group; the broker confirms a group's name, which is kept per initiative
and applied to every later import (survey and network) without asking again.

The rule only proposes: nothing is merged until a person confirms it (the upload page, or a
confirmation saved with an earlier wave). Undoing an import keeps the aliases confirmed with
it: they are the broker's knowledge of names, not data of the file, and the next file of the
same partners needs them again (the audit log records who confirmed each)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.access.permissions import Permission, User, guarded, require
from analytics.ingest.answers import answer_key
from analytics.store.connection import Store

# Legal-form suffixes dropped from the end of a name key, as the words left once punctuation
# is gone ("S.A." is "s a", "Ltée" is "ltee"). Only legal forms: words that also name what an
# organisation is (society, association, foundation, trust, group, centre) stay, since
# "Northside Society" and "Northside Foundation" are often two partners.
LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("inc",),
    ("incorporated",),
    ("ltd",),
    ("limited",),
    ("llc",),
    ("l", "l", "c"),
    ("corp",),
    ("corporation",),
    ("co",),
    ("plc",),
    ("gmbh",),
    # French (Canada and France)
    ("ltee",),
    ("s", "a"),
    ("societe",),  # only at the end ("Northside Hub Société"); a leading "Société" stays
)

Query = Callable[[str, Sequence[object]], pd.DataFrame]


def name_key(name: object) -> str:
    """The key two spellings of one organisation share: case folded, accents and curly quotes
    gone (as answer labels are matched), apostrophes dropped, every other run of punctuation
    or spacing one space, then legal-form suffixes (LEGAL_SUFFIXES) removed from the end while
    a word is left. "Northside Hub Inc." and "NORTHSIDE  HUB" are "northside hub"."""
    text = answer_key(str(name)).replace("'", "")
    words = re.sub(r"[\W_]+", " ", text).split()
    dropped = True
    while dropped:
        dropped = False
        for suffix in LEGAL_SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                dropped = True
                break
    return " ".join(words)


@dataclass(frozen=True)
class AliasGroup:
    """Spellings of one organisation in an upload: each with its respondents, most first, and
    the name suggested for all (the known partner's, else the most frequent spelling)."""

    key: str
    spellings: tuple[tuple[str, int], ...]
    suggested: str
    partner: bool  # the suggested name is a partner of the initiative

    @property
    def respondents(self) -> int:
        return sum(count for _spelling, count in self.spellings)


@dataclass(frozen=True)
class Alias:
    """A confirmed group: every spelling with this key is stored as `name`."""

    key: str
    name: str
    spellings: tuple[str, ...] = ()


def propose_groups(
    answers: pd.Series, partners: Iterable[str], confirmed: dict[str, str]
) -> list[AliasGroup]:
    """Groups of two or more spellings (the upload's and the partners' names) that share a
    name key, for the broker to confirm; keys with a confirmed alias are not asked again.
    Largest groups first."""
    given = answers.dropna().astype(str).str.strip()
    counts = given[given.ne("")].value_counts(sort=False)
    by_key: dict[str, list[tuple[str, int]]] = {}
    for spelling, count in counts.items():
        by_key.setdefault(name_key(spelling), []).append((str(spelling), int(count)))
    known: dict[str, list[str]] = {}
    for partner in partners:
        known.setdefault(name_key(partner), []).append(str(partner).strip())
    groups = []
    for key, spellings in by_key.items():
        if not key or key in confirmed:
            continue
        names = {s for s, _c in spellings} | set(known.get(key, []))
        if len(names) < 2:
            continue
        ordered = tuple(sorted(spellings, key=lambda sc: -sc[1]))  # stable: ties as read
        partner = known.get(key, [None])[0]
        groups.append(AliasGroup(key, ordered, partner or ordered[0][0], partner is not None))
    return sorted(groups, key=lambda g: (-g.respondents, g.key))


def apply_aliases(names: pd.Series, confirmed: dict[str, str]) -> pd.Series:
    """Each name as it is stored: the confirmed name of its key, else as given."""
    if not confirmed or names.empty:
        return names
    keys = {n: name_key(n) for n in names.dropna().astype(str).unique()}
    renamed = {n: confirmed[k] for n, k in keys.items() if k in confirmed}
    if not renamed:
        return names
    return names.map(lambda n: renamed.get(n, n) if isinstance(n, str) else n)


def stored_aliases(query: Query, initiative_id: int) -> dict[str, str]:
    """The initiative's confirmed aliases (name key -> name), read through `query` (a store's
    read_df, or a transaction's cursor)."""
    rows = query(
        "SELECT alias_key, partner_name FROM organisation_aliases WHERE initiative_id = ?",
        [initiative_id],
    )
    return dict(zip(rows["alias_key"], rows["partner_name"], strict=True))


class AliasError(ValueError):
    """A confirmation that cannot be kept; the message names the group."""


def write_aliases(cursor, user: User, initiative_id: int, aliases: Sequence[Alias]) -> int:
    """Keep confirmed groups, inside the caller's transaction (an import's, or
    save_aliases'), replacing an earlier confirmation of the same key; audited."""
    require(user, Permission.IMPORT, initiative_id)
    for alias in aliases:
        if not alias.name.strip():
            shown = ", ".join(alias.spellings) or alias.key
            raise AliasError(f"the group {shown!r} needs a name to be stored under")
    for alias in aliases:
        cursor.execute(
            "DELETE FROM organisation_aliases WHERE initiative_id = ? AND alias_key = ?",
            [initiative_id, alias.key],
        )
        cursor.execute(
            "INSERT INTO organisation_aliases"
            " (initiative_id, alias_key, alias, partner_name, confirmed_by, confirmed_at)"
            " VALUES (?, ?, ?, ?, ?, current_timestamp)",
            [
                initiative_id,
                alias.key,
                " | ".join(alias.spellings) or alias.key,
                alias.name.strip(),
                user.login,
            ],
        )
    if aliases:
        Store.audit(
            cursor,
            user.login,
            "confirm organisation aliases",
            initiative_id,
            "; ".join(f"{' | '.join(a.spellings) or a.key} -> {a.name.strip()}" for a in aliases),
            len(aliases),
        )
    return len(aliases)


@guarded(Permission.IMPORT)
def save_aliases(store: Store, user: User, initiative_id: int, aliases: Sequence[Alias]) -> int:
    """Keep confirmed groups outside an import (an import saves its own with its rows)."""
    with store.transaction() as cursor:
        return write_aliases(cursor, user, initiative_id, aliases)


@guarded(Permission.IMPORT)
def forget_alias(store: Store, user: User, initiative_id: int, key: str) -> None:
    """Remove a confirmed alias: the next import proposes its spellings again. Respondents
    already stored keep the name they were stored under."""
    with store.transaction() as cursor:
        found = cursor.execute(
            "SELECT alias, partner_name FROM organisation_aliases"
            " WHERE initiative_id = ? AND alias_key = ?",
            [initiative_id, key],
        ).fetchall()
        if not found:
            raise AliasError(f"there is no alias {key!r} in this initiative")
        cursor.execute(
            "DELETE FROM organisation_aliases WHERE initiative_id = ? AND alias_key = ?",
            [initiative_id, key],
        )
        Store.audit(
            cursor,
            user.login,
            "forget organisation alias",
            initiative_id,
            f"{found[0][0]} -> {found[0][1]}",
            1,
        )


@guarded(Permission.IMPORT)
def organisation_aliases(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The initiative's confirmed aliases: key, spellings, name, who confirmed them and when."""
    return store.read_df(
        "SELECT alias_key, alias AS spellings, partner_name AS name, confirmed_by,"
        " confirmed_at FROM organisation_aliases WHERE initiative_id = ? ORDER BY partner_name",
        [initiative_id],
    )


@guarded(Permission.IMPORT)
def proposed_groups(
    store: Store, user: User, initiative_id: int | None, answers: pd.Series
) -> list[AliasGroup]:
    """propose_groups for an upload into the initiative (None: a new one, the file alone)."""
    if initiative_id is None:
        return propose_groups(answers, [], {})
    partners = store.read_df(
        "SELECT name FROM partners WHERE initiative_id = ? ORDER BY id", [initiative_id]
    )["name"]
    return propose_groups(answers, partners, stored_aliases(store.read_df, initiative_id))


# The broker's two columns first: on a phone the spellings scroll, the choices stay in view.
GROUP_COLUMNS = ["One partner", "Store as", "Spellings (respondents)", "Respondents"]


def groups_frame(groups: list[AliasGroup]) -> pd.DataFrame:
    """The groups as the broker checks them: a tick, the name, spellings with counts."""
    return pd.DataFrame(
        {
            "One partner": [True] * len(groups),
            "Store as": [g.suggested for g in groups],
            "Spellings (respondents)": [
                "; ".join(f"{s} ({c})" for s, c in g.spellings) for g in groups
            ],
            "Respondents": [g.respondents for g in groups],
        },
        columns=GROUP_COLUMNS,
    )


def aliases_from_frame(groups: list[AliasGroup], edited: pd.DataFrame) -> list[Alias]:
    """The ticked groups of the edited groups_frame as aliases; AliasError names the first
    ticked group without a name."""
    chosen = []
    rows = zip(groups, edited["Store as"], edited["One partner"], strict=True)
    for group, name, ticked in rows:
        if not ticked:
            continue
        name = "" if pd.isna(name) else str(name).strip()
        if not name:
            raise AliasError(
                f"give a name to store {group.spellings[0][0]!r} and its other spellings "
                "under, or untick its group"
            )
        chosen.append(Alias(group.key, name, tuple(s for s, _c in group.spellings)))
    return chosen


def renamed_by(names: pd.Series, confirmed: dict[str, str]) -> list[tuple[str, str, int]]:
    """(spelling, name it is stored as, respondents) for each spelling a confirmed alias
    renames."""
    given = names.dropna().astype(str).str.strip()
    stored = apply_aliases(given, confirmed)
    changed = given[given != stored]
    pairs = pd.DataFrame({"spelling": changed, "name": stored[given != stored]})
    counted = pairs.value_counts(sort=False).sort_index()
    return [(str(a), str(b), int(n)) for (a, b), n in counted.items()]


@guarded(Permission.IMPORT)
def saved_renames(
    store: Store, user: User, initiative_id: int | None, names: pd.Series
) -> list[tuple[str, str, int]]:
    """renamed_by the initiative's confirmed aliases (None: a new initiative, none)."""
    if initiative_id is None:
        return []
    return renamed_by(names, stored_aliases(store.read_df, initiative_id))


def groups_summary(groups: list[AliasGroup], limit: int = 20) -> list[str]:
    """One line per proposed group (the CLI's summary): spellings with counts, and the name."""
    lines = []
    for group in groups[:limit]:
        shown = ", ".join(f"{s!r} ({c})" for s, c in group.spellings)
        lines.append(
            f"organisation names that may be one partner, not merged: {shown} -> "
            f"{group.suggested!r}{' (a partner)' if group.partner else ''}"
        )
    if len(groups) > limit:
        lines.append(f"and {len(groups) - limit} more groups of organisation names")
    return lines
