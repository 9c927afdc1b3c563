"""Survey imports, second half: a validated import committed in one transaction, and undone
whole; the import history and the initiative's instrument as the upload page reads them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.access.permissions import Permission, User, guarded, require
from analytics.errors import ImportProblem, ImportRefused
from analytics.ingest.aliases import Alias, apply_aliases, stored_aliases, write_aliases
from analytics.ingest.options import POLICIES
from analytics.ingest.partners import PARTNER_KEYS_SQL
from analytics.ingest.validate import MAX_PROBLEMS_KEPT, PreparedImport, Progress
from analytics.instrument import Item
from analytics.store.connection import Store, scalar
from analytics.store.scale_scores import instrument_scales, recompute_scale_scores
from analytics.store.score_cells import refresh_score_cells

# Respondents with their partner, by the one matching rule of analytics.ingest.partners.
_INSERT_RESPONDENTS_SQL = (
    "INSERT INTO respondents (id, wave_id, import_id, respondent_key, partner_id,"  # noqa: S608
    " organisation, sector, role, submitted_at)"
    " SELECT f.id, f.wave_id, ?, f.respondent_key, p.id, f.organisation, f.sector,"
    " f.role, f.submitted_at FROM import_people f LEFT JOIN ("
    + PARTNER_KEYS_SQL
    + ") p ON p.name_key = lower(trim(f.organisation))"
)


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    respondents: int
    answers: int
    missing: int
    problems: int
    waves: list[str]
    comments: int = 0  # open-text answers kept
    aliases: int = 0  # groups of organisation names confirmed with this import


def _wave_ids(
    cursor, initiative_id: int, prepared: PreparedImport
) -> tuple[dict[str, int], list[int]]:
    ids, created = {}, []
    submitted = prepared.respondents.groupby("wave")["submitted_at"]
    first, last = submitted.min(), submitted.max()
    for label in prepared.respondents["wave"].unique():
        found = scalar(
            cursor,
            "SELECT id FROM waves WHERE initiative_id = ? AND label = ?",
            [initiative_id, label],
        )
        if found is None:
            opened = first.get(label)
            closed = last.get(label)
            found = scalar(
                cursor,
                "INSERT INTO waves (initiative_id, label, opened_on, closed_on)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                [
                    initiative_id,
                    label,
                    opened.date() if pd.notna(opened) else dt.date.today(),
                    closed.date() if pd.notna(closed) else None,
                ],
            )
            created.append(int(found))
        ids[label] = int(found)
    return ids, created


@dataclass(frozen=True)
class Target:
    """Where an import goes: an initiative, created in the import's own transaction when
    `create` is set, and given `instrument` (a new item bank) when that is set."""

    initiative: str
    create: bool = False
    instrument: list[Item] | None = None
    instrument_name: str | None = None


def resolve_target(cursor, target: Target, user: User) -> int:
    """The target's initiative id, created (and its instrument set) when asked: creating an
    initiative or changing its instrument is an admin's; importing needs IMPORT."""
    if target.instrument is not None:
        require(user, Permission.ADMINISTER)
    found = scalar(cursor, "SELECT id FROM initiatives WHERE name = ?", [target.initiative])
    if found is None and not target.create:
        raise ImportRefused(f"there is no initiative named {target.initiative!r}; create it first")
    instrument_id = None
    if target.instrument is not None:
        base = target.instrument_name or f"{target.initiative} instrument"
        name, n = base, 1
        while scalar(cursor, "SELECT count(*) FROM instruments WHERE name = ?", [name]):
            n += 1
            name = f"{base} ({n})"
        instrument_id = Store.insert_instrument(cursor, name, target.instrument)
    if found is None:
        require(user, Permission.ADMINISTER)
        found = Store.create_initiative(
            cursor, target.initiative, instrument_id or Store.default_instrument_in(cursor)
        )
        Store.audit(cursor, user.login, "create initiative", int(found), target.initiative, 1)
    elif instrument_id is not None:
        known = {item.item_id for item in target.instrument}
        stored = cursor.execute(
            "SELECT DISTINCT r.item_id FROM responses r JOIN respondents p"
            " ON p.id = r.respondent_id JOIN waves w ON w.id = p.wave_id"
            " WHERE w.initiative_id = ?",
            [found],
        ).fetchall()
        lost = sorted({row[0] for row in stored} - known)
        if lost:
            raise ImportRefused(
                f"the new instrument lacks items that {target.initiative!r} already has "
                f"answers to: {', '.join(lost)}"
            )
        cursor.execute(
            "UPDATE initiative_instruments SET instrument_id = ? WHERE initiative_id = ?",
            [instrument_id, found],
        )
        # Reverse flags and scales may have changed: the stored scores follow, in this
        # transaction.
        recompute_scale_scores(cursor, int(found))  # and the score cells
        Store.audit(
            cursor, user.login, "change instrument", int(found), name, len(target.instrument)
        )
    return int(found)


def _refuse_respondents_already_imported(cursor, prepared: PreparedImport) -> None:
    """A respondent id already in the same wave (from another file) is refused, with each
    clash as a problem: a re-export of a wave would otherwise count people twice."""
    clashes = cursor.execute(
        "SELECT f.row, f.respondent_key, w.label, r.import_id FROM import_people f"
        " JOIN respondents r ON r.wave_id = f.wave_id AND r.respondent_key = f.respondent_key"
        " JOIN waves w ON w.id = f.wave_id ORDER BY f.row"
    ).fetchall()
    if not clashes:
        return
    column = prepared.mapping.fields.get("respondent_id")
    problems = [
        ImportProblem(
            int(row),
            column,
            key,
            f"already imported into wave {label} (import {import_id}); undo that "
            "import to replace it, or leave this row out",
        )
        for row, key, label, import_id in clashes[:MAX_PROBLEMS_KEPT]
    ]
    raise ImportRefused(
        f"{len(clashes)} respondent(s) of {prepared.file_name} are already in this wave",
        problems,
    )


def refuse_same_file(cursor, initiative_id: int, sha256: str, file_name: str) -> None:
    """The same file (by its SHA-256) twice into one initiative is refused, survey or network."""
    duplicate = scalar(
        cursor,
        "SELECT id FROM imports WHERE initiative_id = ? AND sha256 = ? AND undone_at IS NULL",
        [initiative_id, sha256],
    )
    if duplicate is not None:
        raise ImportRefused(same_file_reason(file_name, int(duplicate)))


def same_file_reason(file_name: str, import_id: int) -> str:
    return (
        f"{file_name} was already imported into this initiative (import {import_id}); undo "
        "that import first to import it again"
    )


DUPLICATES = ("refuse", "skip")  # what to do with rows already in the wave


@dataclass(frozen=True)
class AlreadyStored:
    """What of a prepared import is already in the initiative, found before the Import button:
    the same file (an import not undone), and rows equal to rows already in their wave."""

    same_file_import: int | None
    duplicate_rows: list[tuple[int, int]]  # (row of the file, import that holds it)

    def refusal(self, file_name: str) -> str | None:
        """The one-line reason the import cannot go ahead as it is, if any."""
        if self.same_file_import is not None:
            return same_file_reason(file_name, self.same_file_import)
        return None


def _signatures(people: pd.DataFrame, values: pd.DataFrame) -> pd.Series:
    """One text per respondent: wave, submission time, organisation and every answer."""
    answers = values.astype("string").fillna("")
    parts = [
        people["wave"].astype(str),
        people["submitted_at"].astype("string").fillna(""),
        people["organisation"].astype("string").fillna(""),
        *(column + "=" + answers[column] for column in sorted(answers.columns)),
    ]
    out = parts[0]
    for part in parts[1:]:
        out = out + "|" + part
    return out


def _duplicate_rows(
    query, initiative_id: int, prepared: PreparedImport, *, keyed: bool = True
) -> list[tuple[int, int]]:
    """Rows of the file already in their wave: the same respondent id (`keyed`), or, for rows
    without one, the same submission time, organisation and answers as a stored row without
    one (a Google Forms CSV and the XLSX of the same sheet)."""
    people = prepared.respondents
    waves = sorted(people["wave"].astype(str).unique())
    found: list[tuple[int, int]] = []
    has_key = people["respondent_key"].notna()
    if keyed and has_key.any():
        stored_keys = query(
            "SELECT r.respondent_key, w.label AS wave, r.import_id FROM respondents r"
            " JOIN waves w ON w.id = r.wave_id WHERE w.initiative_id = ?"
            " AND r.respondent_key IS NOT NULL AND w.label = ANY(?)",
            [initiative_id, waves],
        )
        known_keys = {
            (k, w): int(i)
            for k, w, i in zip(
                stored_keys["respondent_key"],
                stored_keys["wave"],
                stored_keys["import_id"],
                strict=True,
            )
        }
        for row, key, wave in zip(
            people["row"], people["respondent_key"], people["wave"], strict=True
        ):
            if (key, wave) in known_keys:
                found.append((int(row), known_keys[(key, wave)]))
    timed = people["submitted_at"].notna() & ~has_key
    if not timed.any():
        return found
    stored = query(
        "SELECT r.id, r.import_id, w.label AS wave, r.submitted_at, r.organisation, s.item_id,"
        " s.value FROM respondents r JOIN waves w ON w.id = r.wave_id"
        " JOIN responses s ON s.respondent_id = r.id"
        " WHERE w.initiative_id = ? AND r.submitted_at IS NOT NULL"
        " AND r.respondent_key IS NULL AND w.label = ANY(?)",
        [initiative_id, waves],
    )
    if stored.empty:
        return found
    items = list(prepared.values.columns)
    stored = stored[stored["item_id"].isin(items)]
    wide = stored.pivot_table(
        index="id", columns="item_id", values="value", aggfunc="first", dropna=False
    ).reindex(columns=items)
    first = stored.drop_duplicates("id").set_index("id").loc[wide.index]
    stored_people = first[["wave", "submitted_at", "organisation"]].assign(
        submitted_at=pd.to_datetime(first["submitted_at"])
    )
    known = dict(
        zip(
            _signatures(stored_people, wide.astype("Int64")),
            first["import_id"].astype(int),
            strict=True,
        )
    )
    mine = _signatures(
        people.assign(submitted_at=pd.to_datetime(people["submitted_at"])),
        prepared.values.astype("Int64"),
    )
    return found + [
        (int(row), known[sig])
        for row, sig, has_time in zip(people["row"], mine, timed, strict=True)
        if has_time and sig in known
    ]


@guarded(Permission.IMPORT)
def already_stored(
    store: Store,
    user: User,
    initiative_id: int,
    prepared: PreparedImport,
    aliases: Sequence[Alias] = (),
) -> AlreadyStored:
    """Checked before the Import button: the same file, and rows already in the wave (their
    organisation named as it will be stored: the saved aliases and `aliases` applied)."""
    same = store.read_one(
        "SELECT min(id) FROM imports WHERE initiative_id = ? AND sha256 = ? AND undone_at IS NULL",
        [initiative_id, prepared.sha256],
    )
    return AlreadyStored(
        None if same is None else int(same),
        _duplicate_rows(
            store.read_df, initiative_id, as_stored(store, user, initiative_id, prepared, aliases)
        ),
    )


@guarded(Permission.IMPORT)
def as_stored(
    store: Store,
    user: User,
    initiative_id: int,
    prepared: PreparedImport,
    aliases: Sequence[Alias] = (),
) -> PreparedImport:
    """The prepared import with its organisations named as the import will store them (the
    saved aliases and `aliases` applied), for the preview before the Import button."""
    confirmed = stored_aliases(store.read_df, initiative_id) | {a.key: a.name for a in aliases}
    return with_aliases(prepared, confirmed)


def with_aliases(prepared: PreparedImport, confirmed: dict[str, str]) -> PreparedImport:
    """The prepared import with each organisation named as it is stored: the confirmed
    alias's name where its name key has one (analytics.ingest.aliases)."""
    people = prepared.respondents
    given = people["organisation"]
    renamed = apply_aliases(given, confirmed)
    if renamed is given:
        return prepared
    return dataclasses.replace(prepared, respondents=people.assign(organisation=renamed))


def without_rows(prepared: PreparedImport, rows: set[int]) -> PreparedImport:
    """The prepared import without these rows of the file (duplicates the broker skips)."""
    keep = ~prepared.respondents["row"].isin(rows)
    return dataclasses.replace(
        prepared,
        respondents=prepared.respondents[keep].reset_index(drop=True),
        values=prepared.values[keep.to_numpy()].reset_index(drop=True),
        skipped=sorted([*prepared.skipped, *((r, "already in this wave") for r in rows)]),
        comments=_renumbered(prepared.comments, keep.to_numpy()),
    )


def _renumbered(comments: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Comments of the kept respondents, with positions among them."""
    new_position = np.cumsum(keep) - 1
    kept = (
        comments[keep[comments["position"].astype(int).to_numpy()]] if len(comments) else comments
    )
    return kept.assign(position=new_position[kept["position"].astype(int).to_numpy()])


def commit_import(
    store: Store,
    target: int | Target,
    prepared: PreparedImport,
    *,
    user: User,
    invalid: str = "reject",
    progress: Progress | None = None,
    duplicates: str = "refuse",
    aliases: Sequence[Alias] = (),
) -> ImportResult:
    """Write the prepared import in one transaction, or nothing.

    `aliases` are groups of organisation names the broker confirmed: kept in the same
    transaction, then every confirmed alias of the initiative names the respondents'
    organisation as it is stored (and so the partner it matches).

    `target` is an initiative id, or a Target (which may create the initiative and set its
    instrument in the same transaction). Refused (ImportRefused, database unchanged) when there
    are problems and the policy is "reject", when nothing is left to import, or when the same
    file was already imported into this initiative and not undone. Rows equal to rows already
    in their wave are refused too, or left out with `duplicates="skip"`.
    """
    if invalid not in POLICIES:
        raise ValueError(f"invalid must be one of {POLICIES}, not {invalid!r}")
    if duplicates not in DUPLICATES:
        raise ValueError(f"duplicates must be one of {DUPLICATES}, not {duplicates!r}")
    if prepared.problem_count and invalid == "reject":
        raise ImportRefused(
            f"{prepared.problem_count} problem(s) in {prepared.file_name}: fix the file, or "
            "import with invalid cells as missing",
            prepared.problems,
        )
    if prepared.respondents.empty:
        raise ImportRefused(f"{prepared.file_name} has no respondent with an answer to import")
    with store.transaction() as cursor:
        initiative_id = target if isinstance(target, int) else resolve_target(cursor, target, user)
        require(user, Permission.IMPORT, initiative_id)
        refuse_same_file(cursor, initiative_id, prepared.sha256, prepared.file_name)
        kept = write_aliases(cursor, user, initiative_id, aliases)
        prepared = with_aliases(
            prepared,
            stored_aliases(lambda sql, params: cursor.execute(sql, params).df(), initiative_id),
        )
        # Refused: rows without an id here; a respondent id already in the wave is refused
        # below with each clash. Skipped: both.
        doubled = _duplicate_rows(
            lambda sql, params: cursor.execute(sql, params).df(),
            initiative_id,
            prepared,
            keyed=duplicates == "skip",
        )
        if doubled and duplicates == "refuse":
            raise ImportRefused(
                f"{len(doubled)} row(s) of {prepared.file_name} are already in this wave "
                "(same submission time, organisation and answers); leave them out or undo "
                "the import that holds them",
                [
                    ImportProblem(row, None, "", f"the same as a row of import {import_id}")
                    for row, import_id in doubled[:MAX_PROBLEMS_KEPT]
                ],
            )
        if doubled:
            prepared = without_rows(prepared, {row for row, _import in doubled})
            if prepared.respondents.empty:
                raise ImportRefused(f"every row of {prepared.file_name} is already in this wave")
        if progress:
            progress(0.75, "Writing respondents")
        wave_ids, created = _wave_ids(cursor, initiative_id, prepared)
        import_id = int(
            scalar(
                cursor,
                "INSERT INTO imports (initiative_id, file_name, sha256, imported_by, mapping,"
                " layout, survey_key, rows_accepted, cells_accepted, cells_missing, problems,"
                " problem_count, waves_created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    initiative_id,
                    prepared.file_name,
                    prepared.sha256,
                    user.login,
                    prepared.mapping.to_json(),
                    prepared.table.layout.key,
                    prepared.survey_key,
                    len(prepared.respondents),
                    prepared.answers,
                    prepared.missing,
                    json.dumps([p.as_dict() for p in prepared.problems[:1000]], ensure_ascii=False),
                    prepared.problem_count,
                    created,
                ],
            )
        )
        first_id = int(scalar(cursor, "SELECT coalesce(max(id), 0) + 1 FROM respondents"))
        people = prepared.respondents.assign(
            id=np.arange(first_id, first_id + len(prepared.respondents), dtype=np.int64),
            wave_id=prepared.respondents["wave"].map(wave_ids).astype("int64"),
        )
        cursor.register("import_people", people)
        _refuse_respondents_already_imported(cursor, prepared)
        cursor.execute(
            _INSERT_RESPONDENTS_SQL,
            [import_id, initiative_id],
        )
        cursor.unregister("import_people")
        if progress:
            progress(0.85, "Writing answers")
        values, missing = prepared.answer_matrix()
        Store.insert_answers(
            cursor,
            people["id"].to_numpy(),
            list(prepared.values.columns),
            values,
            missing,
            initiative_id=initiative_id,
            wave_ids=people["wave_id"].to_numpy(),
        )
        if len(prepared.comments):
            ids = people["id"].to_numpy()
            cursor.executemany(
                "INSERT INTO comments (respondent_id, import_id, question, text)"
                " VALUES (?, ?, ?, ?)",
                [
                    [int(ids[int(p)]), import_id, q, t]
                    for p, q, t in prepared.comments.itertuples(index=False)
                ],
            )
        cursor.execute(
            "INSERT INTO survey_mappings (initiative_id, survey_key, mapping) VALUES (?, ?, ?)"
            " ON CONFLICT (initiative_id, survey_key) DO UPDATE"
            " SET mapping = excluded.mapping, updated_at = now()",
            [initiative_id, prepared.survey_key, prepared.mapping.to_json()],
        )
        Store.audit(
            cursor,
            user.login,
            "import survey file",
            initiative_id,
            f"{prepared.file_name}: {len(people)} respondents, {prepared.answers} answers, "
            f"{prepared.problem_count} problems (import {import_id})",
            len(people),
        )
    if progress:
        progress(1.0, "Done")
    return ImportResult(
        import_id,
        len(people),
        prepared.answers,
        prepared.missing,
        prepared.problem_count,
        sorted(wave_ids),
        len(prepared.comments),
        kept,
    )


def undo_import(store: Store, user: User, import_id: int) -> int:
    """Remove every respondent and answer of an import, and the waves it created that are now
    empty; keep the import's record (marked undone) and audit it. Returns respondents removed
    (for a network import: its ties, the network waves and partners it added)."""
    with store.transaction() as cursor:
        found = cursor.execute(
            "SELECT initiative_id, undone_at, waves_created, file_name, kind, partners_created"
            " FROM imports WHERE id = ?",
            [import_id],
        ).fetchall()
        # One answer whether the import does not exist or is another initiative's, so that the
        # refusal does not tell which ids exist elsewhere.
        if not found or not user.may(Permission.IMPORT, found[0][0]):
            require(user, Permission.IMPORT)
            raise ImportRefused(f"there is no import {import_id} that you may undo")
        initiative_id, undone_at, waves_created, file_name, kind, partners_created = found[0]
        if undone_at is not None:
            raise ImportRefused(f"import {import_id} was already undone on {undone_at:%Y-%m-%d}")
        if kind == "network":
            removed = _remove_network_import(cursor, import_id, partners_created or [])
            _mark_undone(cursor, user, import_id, initiative_id, file_name, removed, kind)
            return removed
        removed = int(
            scalar(cursor, "SELECT count(*) FROM respondents WHERE import_id = ?", [import_id])
        )
        for table in ("respondent_answers", "respondent_scale_lists"):
            # Table names from this fixed pair; the import is a bound parameter.
            cursor.execute(
                f"DELETE FROM {table} WHERE respondent_id IN"  # noqa: S608
                " (SELECT id FROM respondents WHERE import_id = ?)",
                [import_id],
            )
        cursor.execute("DELETE FROM comments WHERE import_id = ?", [import_id])
        cursor.execute("DELETE FROM respondents WHERE import_id = ?", [import_id])
        # Before the emptied waves go: a wave's cells are found by its initiative.
        refresh_score_cells(cursor, initiative_id, instrument_scales(cursor, initiative_id))
        for wave_id in waves_created or []:
            cursor.execute(
                "DELETE FROM waves WHERE id = ? AND NOT EXISTS"
                " (SELECT 1 FROM respondents WHERE wave_id = ?)",
                [wave_id, wave_id],
            )
        _mark_undone(cursor, user, import_id, initiative_id, file_name, removed, kind)
    return removed


def _mark_undone(cursor, user, import_id, initiative_id, file_name, removed, kind) -> None:
    cursor.execute(
        "UPDATE imports SET undone_at = now(), undone_by = ? WHERE id = ?",
        [user.login, import_id],
    )
    Store.audit(
        cursor,
        user.login,
        f"undo {kind} import",
        initiative_id,
        f"{file_name} (import {import_id})",
        removed,
    )


def _remove_network_import(cursor, import_id: int, partners_created: list[int]) -> int:
    """A network import's ties, the network waves it created (when now empty) and the partners
    it added (unless something else now refers to them). Returns the ties removed."""
    removed = int(
        scalar(cursor, "SELECT count(*) FROM network_ties WHERE import_id = ?", [import_id])
    )
    cursor.execute("DELETE FROM network_ties WHERE import_id = ?", [import_id])
    cursor.execute(
        "DELETE FROM network_waves w WHERE created_by_import = ? AND NOT EXISTS"
        " (SELECT 1 FROM network_ties t WHERE t.network_wave_id = w.id)",
        [import_id],
    )
    for partner_id in partners_created:
        cursor.execute(
            "DELETE FROM partners WHERE id = ?"
            " AND NOT EXISTS (SELECT 1 FROM network_ties WHERE ? IN"
            "  (source_partner_id, target_partner_id))"
            " AND NOT EXISTS (SELECT 1 FROM respondents WHERE partner_id = ?)"
            " AND NOT EXISTS (SELECT 1 FROM milestones WHERE owner_partner_id = ?)",
            [partner_id, partner_id, partner_id, partner_id],
        )
    return removed


@guarded(Permission.VIEW_DETAIL)
def initiative_comments(
    store: Store,
    user: User,
    initiative_id: int,
    search: str = "",
    wave: str | None = None,
    sector: str | None = None,
    role: str | None = None,
) -> pd.DataFrame:
    """Every open-text comment of the initiative (wave, organisation, sector, role, question,
    text), newest wave first, those containing `search` (case ignored) if given, of one wave
    (its label) and of one sector or role (as the breakdowns group them: none given reads
    'not given') if given. Row-level text: only for readers with VIEW_DETAIL (backbones,
    brokers, admins), never a funder."""
    return store.read_df(
        "SELECT w.label AS wave, r.organisation, r.sector, r.role, c.question, c.text"
        " FROM comments c JOIN respondents r ON r.id = c.respondent_id"
        " JOIN waves w ON w.id = r.wave_id"
        " WHERE w.initiative_id = ? AND (? = '' OR contains(lower(c.text), lower(?)))"
        " AND (?::VARCHAR IS NULL OR w.label = ?)"
        " AND (?::VARCHAR IS NULL OR coalesce(r.sector, 'not given') = ?)"
        " AND (?::VARCHAR IS NULL OR coalesce(r.role, 'not given') = ?)"
        " ORDER BY w.opened_on DESC NULLS LAST, r.id",
        [initiative_id, search.strip(), search.strip(), wave, wave, sector, sector, role, role],
    )


@guarded(Permission.VIEW)
def initiative_instrument(store: Store, user: User, initiative_id: int) -> list[Item]:
    """The initiative's instrument as items, in order."""
    return store.instrument(initiative_id)


@guarded(Permission.VIEW)
def instrument_items(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The initiative's items as a table: item_id, text, condition, principle, reverse."""
    return store.instrument_items(initiative_id)


@guarded(Permission.IMPORT)
def unknown_organisations(
    store: Store,
    user: User,
    initiative_id: int,
    prepared: PreparedImport,
    aliases: Sequence[Alias] = (),
) -> list[str]:
    """Organisation names of the file, as they will be stored (saved aliases and `aliases`
    applied), that match no partner of the initiative (case and spaces aside): their
    respondents will not count as responding partners."""
    names = {
        str(n).strip().casefold()
        for n in store.read_df(
            "SELECT name FROM partners WHERE initiative_id = ?", [initiative_id]
        )["name"]
    }
    given = as_stored(store, user, initiative_id, prepared, aliases).respondents["organisation"]
    given = given.dropna().astype(str).str.strip()
    return sorted({g for g in given if g and g.casefold() not in names})


@guarded(Permission.IMPORT)
def import_history(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    return store.read_df(
        'SELECT id AS import, file_name AS file, layout, imported_by AS "by",'
        ' imported_at AS "at", rows_accepted AS respondents, cells_accepted AS answers,'
        " cells_missing AS missing, problem_count AS problems, undone_at, undone_by"
        " FROM imports WHERE initiative_id = ? ORDER BY id DESC",
        [initiative_id],
    )
