"""Milestones: validation, one-transaction saves and CSV imports, and the delivery metrics of
DESIGN.md section 3 (share done, done on time, overdue as of a date, burn-up)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.access.permissions import Permission, User, guarded, require
from analytics.errors import ImportProblem, ImportRefused
from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures.suppression import conceal
from analytics.store.connection import Store
from analytics.store.schema import MILESTONE_STATUSES, PHASES

COLUMNS = [
    "id",
    "title",
    "condition",
    "principle",
    "phase",
    "owner",
    "due_date",
    "done_date",
    "status",
    "notes",
]
CSV_COLUMNS = COLUMNS[1:]


@dataclass(frozen=True)
class Milestone:
    title: str
    due_date: dt.date
    status: str
    done_date: dt.date | None = None

    def is_overdue(self, as_of: dt.date) -> bool:
        """Not done (nor dropped) and due before `as_of`."""
        return self.status not in ("done", "dropped") and self.due_date < as_of

    @property
    def done_on_time(self) -> bool:
        return (
            self.status == "done"
            and self.done_date is not None
            and (self.done_date <= self.due_date)
        )


@guarded(Permission.VIEW)
def milestones(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The initiative's milestones with the owner's name, by due date (a funder sees neither
    the owners nor the notes)."""
    frame = store.read_df(
        "SELECT m.id, m.title, m.condition, m.principle, m.phase, p.name AS owner, m.due_date,"
        " m.done_date, m.status, m.notes FROM milestones m"
        " LEFT JOIN partners p ON p.id = m.owner_partner_id"
        " WHERE m.initiative_id = ? ORDER BY m.due_date, m.id",
        [initiative_id],
    )
    for column in ("due_date", "done_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return conceal(frame, user)


def milestones_of_initiatives(
    store: Store, user: User, initiative_ids: list[int]
) -> dict[int, pd.DataFrame]:
    """milestones() of many initiatives from one query (the portfolio): {initiative id: its
    milestones}, only for initiatives that have some. `user` must be allowed to view each."""
    for initiative_id in initiative_ids:
        require(user, Permission.VIEW, int(initiative_id))
    frame = store.read_df(
        "SELECT m.initiative_id, m.id, m.title, m.condition, m.principle, m.phase,"
        " p.name AS owner, m.due_date, m.done_date, m.status, m.notes FROM milestones m"
        " LEFT JOIN partners p ON p.id = m.owner_partner_id ORDER BY m.due_date, m.id"
    )
    for column in ("due_date", "done_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    wanted = {int(i) for i in initiative_ids}
    return {
        int(i): conceal(part.drop(columns="initiative_id").reset_index(drop=True), user)
        for i, part in frame.groupby("initiative_id", sort=False)
        if int(i) in wanted
    }


def _date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if pd.isna(parsed):
        raise ValueError(text)
    return parsed.date()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def validate_rows(
    rows: pd.DataFrame, partners: dict[str, int], first_row: int = 1
) -> tuple[list[dict], list[ImportProblem]]:
    """Check milestone rows; return the clean rows and every problem (row, column, value).

    Title and due date are required; status is one of the known ones (default planned); a done
    date only with status done, and done needs one; condition and principle are keys of the
    instrument's scales; phase is one of the three phases; owner is a partner's name.
    """
    clean, problems = [], []
    for offset, row in enumerate(rows.to_dict("records")):
        number = first_row + offset
        bad = len(problems)

        def problem(column: str, value: object, reason: str, number: int = number) -> None:
            problems.append(ImportProblem(number, column, _text(value), reason))

        title = _text(row.get("title"))
        if not title:
            problem("title", "", "a milestone needs a title")
        status = _text(row.get("status")).lower() or "planned"
        if status not in MILESTONE_STATUSES:
            problem("status", row.get("status"), f"not one of {', '.join(MILESTONE_STATUSES)}")
        dates = {}
        for column in ("due_date", "done_date"):
            try:
                dates[column] = _date(row.get(column))
            except ValueError:
                problem(column, row.get(column), "not a date (use YYYY-MM-DD)")
                dates[column] = None
        if dates["due_date"] is None and "due_date" not in {p.column for p in problems[bad:]}:
            problem("due_date", "", "a milestone needs a due date")
        if dates["done_date"] is not None and status != "done":
            problem("done_date", row.get("done_date"), "a done date is only for status done")
        if status == "done" and dates["done_date"] is None:
            problem("done_date", "", "a milestone that is done needs its done date")
        condition = _text(row.get("condition")) or None
        if condition is not None and condition not in CONDITIONS:
            problem("condition", condition, f"not one of {', '.join(CONDITIONS)}")
        principle = _text(row.get("principle")) or None
        if principle is not None and principle not in PRINCIPLES:
            problem("principle", principle, f"not one of {', '.join(PRINCIPLES)}")
        phase = _text(row.get("phase")) or None
        if phase is not None and phase not in PHASES:
            problem("phase", phase, f"not one of {', '.join(PHASES)}")
        owner = _text(row.get("owner")) or None
        owner_id = None
        if owner is not None:
            owner_id = partners.get(owner.casefold())
            if owner_id is None:
                problem("owner", owner, "not a partner of this initiative")
        if len(problems) == bad:
            raw_id = row.get("id")
            clean.append(
                {
                    "id": None if raw_id is None or pd.isna(raw_id) else int(raw_id),
                    "title": title,
                    "condition": condition,
                    "principle": principle,
                    "phase": phase,
                    "owner_partner_id": owner_id,
                    "due_date": dates["due_date"],
                    "done_date": dates["done_date"],
                    "status": status,
                    "notes": _text(row.get("notes")),
                }
            )
    return clean, problems


@guarded(Permission.VIEW_DETAIL)
def partner_names(store: Store, user: User, initiative_id: int) -> list[str]:
    return store.read_df(
        "SELECT name FROM partners WHERE initiative_id = ? ORDER BY name", [initiative_id]
    )["name"].tolist()


def _partners(store: Store, initiative_id: int) -> dict[str, int]:
    frame = store.read_df("SELECT id, name FROM partners WHERE initiative_id = ?", [initiative_id])
    return {
        str(name).casefold(): int(i) for i, name in zip(frame["id"], frame["name"], strict=True)
    }


_INSERT = (
    "INSERT INTO milestones (initiative_id, title, condition, principle, phase,"
    " owner_partner_id, due_date, done_date, status, notes)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _values(initiative_id: int, row: dict) -> list:
    return [
        initiative_id,
        row["title"],
        row["condition"],
        row["principle"],
        row["phase"],
        row["owner_partner_id"],
        row["due_date"],
        row["done_date"],
        row["status"],
        row["notes"],
    ]


@guarded(Permission.MANAGE)
def save_milestones(
    store: Store, initiative_id: int, edited: pd.DataFrame, *, user: User
) -> dict[str, int]:
    """Make the initiative's milestones exactly the edited table, in one transaction.

    Rows with an id update that milestone, rows without one are added, milestones missing from
    the table are deleted. Refused whole (ImportRefused with the problems) on any bad row.
    """
    clean, problems = validate_rows(edited, _partners(store, initiative_id))
    if problems:
        raise ImportRefused(
            f"{len(problems)} problem(s) in the milestones; nothing was saved", problems
        )
    with store.transaction() as cursor:
        existing = {
            int(r[0])
            for r in cursor.execute(
                "SELECT id FROM milestones WHERE initiative_id = ?", [initiative_id]
            ).fetchall()
        }
        kept = {row["id"] for row in clean if row["id"] in existing}
        removed = existing - kept
        for milestone_id in removed:
            cursor.execute("DELETE FROM milestones WHERE id = ?", [milestone_id])
        changed = 0
        for row in clean:
            if row["id"] in existing:
                cursor.execute(
                    "UPDATE milestones SET title = ?, condition = ?, principle = ?, phase = ?,"
                    " owner_partner_id = ?, due_date = ?, done_date = ?, status = ?, notes = ?"
                    " WHERE id = ? AND initiative_id = ?",
                    [*_values(initiative_id, row)[1:], row["id"], initiative_id],
                )
                changed += 1
            else:
                cursor.execute(_INSERT, _values(initiative_id, row))
        added = len(clean) - changed
        Store.audit(
            cursor,
            user.login,
            "save milestones",
            initiative_id,
            f"{added} added, {changed} kept or changed, {len(removed)} deleted",
            added + changed + len(removed),
        )
    return {"added": added, "kept": changed, "deleted": len(removed)}


@guarded(Permission.MANAGE)
def import_milestones_csv(
    store: Store, initiative_id: int, data: bytes, file_name: str, *, user: User
) -> int:
    """Add the milestones of a CSV (columns as in export_frame) in one transaction, or none."""
    # Imported here: the file readers (pyarrow's CSV) only for an upload.
    from analytics.ingest.reading import read_grid

    grid = read_grid(data, file_name)
    frame = grid.frame
    header = [str(c).strip().lower() for c in frame.iloc[0]]
    missing = {"title", "due_date"} - set(header)
    if missing:
        raise ImportRefused(f"{file_name} lacks the column(s) {', '.join(sorted(missing))}")
    rows = frame.iloc[1:].copy()
    rows.columns = header
    rows = rows[[c for c in header if c in CSV_COLUMNS]]
    clean, problems = validate_rows(rows, _partners(store, initiative_id), first_row=2)
    if problems:
        raise ImportRefused(
            f"{len(problems)} problem(s) in {file_name}; nothing was imported", problems
        )
    with store.transaction() as cursor:
        for row in clean:
            cursor.execute(_INSERT, _values(initiative_id, row))
        Store.audit(cursor, user.login, "import milestones", initiative_id, file_name, len(clean))
    return len(clean)


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The milestones as the CSV that import_milestones_csv reads back (without the owner and
    notes when the reader may not see them)."""
    return frame[[c for c in CSV_COLUMNS if c in frame.columns]]


# -- metrics -------------------------------------------------------------------------------------


def _as_milestones(frame: pd.DataFrame) -> list[Milestone]:
    return [Milestone(r.title, r.due_date, r.status, r.done_date) for r in frame.itertuples()]


def delivery(frame: pd.DataFrame, as_of: dt.date) -> dict[str, float | int | None]:
    """Share done and share done on time (of the milestones not dropped; on time: done date
    on or before the due date, of those done), and the count overdue as of `as_of`."""
    items = [m for m in _as_milestones(frame) if m.status != "dropped"]
    done = [m for m in items if m.status == "done"]
    return {
        "milestones": len(items),
        "done": len(done),
        "share_done": len(done) / len(items) if items else None,
        "share_on_time": sum(m.done_on_time for m in done) / len(done) if done else None,
        "overdue": sum(m.is_overdue(as_of) for m in items),
    }


def overdue(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The milestones overdue as of `as_of`, most overdue first, with days late."""
    flags = [m.is_overdue(as_of) for m in _as_milestones(frame)]
    late = frame[flags].copy()
    late["days_overdue"] = [(as_of - d).days for d in late["due_date"]]
    return late.sort_values("days_overdue", ascending=False).reset_index(drop=True)


def burn_up(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Cumulative milestones planned (by due date) and done (by done date), month by month
    from the first due date to the later of `as_of` and the last due date."""
    items = frame[frame["status"] != "dropped"]
    if items.empty:
        return pd.DataFrame(columns=["month", "planned", "done"])
    start = min(items["due_date"])
    end = max([*items["due_date"], as_of])
    months = pd.date_range(
        pd.Timestamp(start).to_period("M").to_timestamp(),
        pd.Timestamp(end).to_period("M").to_timestamp(),
        freq="MS",
    )
    ends = [(m + pd.offsets.MonthEnd(0)).date() for m in months]
    due = sorted(items["due_date"])
    done = sorted(d for d in items["done_date"] if d is not None and not pd.isna(d))
    return pd.DataFrame(
        {
            "month": [m.date() for m in months],
            "planned": [sum(d <= e for d in due) for e in ends],
            "done": [
                sum(d <= e for d in done) if m.date() <= as_of else None
                for m, e in zip(months, ends, strict=True)
            ],
        }
    )
