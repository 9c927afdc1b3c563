"""Population-level outcome indicators: definitions, observations, and whether the curve is
turning (DESIGN.md section 3): on track when the least-squares trend of the observations since
the baseline reaches the target by its date, respecting polarity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.errors import ImportProblem, ImportRefused
from analytics.store.connection import Store, scalar
from analytics.store.schema import POLARITIES

ON_TRACK, OFF_TRACK, NOT_ENOUGH = "on track", "off track", "not enough data"


@guarded(Permission.VIEW)
def indicators(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    frame = store.read_df(
        "SELECT id, name, unit, polarity, baseline_date, baseline_value, target_date,"
        " target_value FROM indicators WHERE initiative_id = ? ORDER BY name",
        [initiative_id],
    )
    for column in ("baseline_date", "target_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


@guarded(Permission.VIEW)
def observations(store: Store, user: User, initiative_id: int, indicator_id: int) -> pd.DataFrame:
    """The indicator's dated observations (none when it is not the initiative's)."""
    frame = store.read_df(
        "SELECT o.observed_on, o.value FROM indicator_observations o"
        " JOIN indicators i ON i.id = o.indicator_id"
        " WHERE o.indicator_id = ? AND i.initiative_id = ? ORDER BY o.observed_on",
        [indicator_id, initiative_id],
    )
    frame["observed_on"] = pd.to_datetime(frame["observed_on"]).dt.date
    return frame


@dataclass(frozen=True)
class Projection:
    status: str
    slope_per_year: float | None
    projected: float | None  # the trend's value on the target date
    latest: float | None
    points: int


def project(
    polarity: str,
    baseline_date: dt.date,
    target_date: dt.date,
    target_value: float,
    observed: pd.DataFrame,
) -> Projection:
    """Least-squares line through the observations dated on or after the baseline date,
    evaluated at the target date. Fewer than two such observations: not enough data."""
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}")
    since = observed[[d >= baseline_date for d in observed["observed_on"]]]
    latest = float(since["value"].iloc[-1]) if len(since) else None
    if len(since) < 2 or len(set(since["observed_on"])) < 2:
        return Projection(NOT_ENOUGH, None, None, latest, len(since))
    days = np.array([(d - baseline_date).days for d in since["observed_on"]], dtype=float)
    slope, intercept = np.polyfit(days, since["value"].to_numpy(dtype=float), 1)
    projected = float(intercept + slope * (target_date - baseline_date).days)
    reaches = projected >= target_value if polarity == "higher" else projected <= target_value
    return Projection(
        ON_TRACK if reaches else OFF_TRACK, float(slope * 365.25), projected, latest, len(since)
    )


@guarded(Permission.VIEW)
def indicator_statuses(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every indicator with its latest value, projection and status."""
    rows = []
    for ind in indicators(store, user, initiative_id).itertuples():
        p = project(
            ind.polarity,
            ind.baseline_date,
            ind.target_date,
            ind.target_value,
            observations(store, user, initiative_id, ind.id),
        )
        rows.append(
            {
                "id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "polarity": ind.polarity,
                "baseline_date": ind.baseline_date,
                "baseline_value": ind.baseline_value,
                "target_date": ind.target_date,
                "target_value": ind.target_value,
                "latest": p.latest,
                "projected": p.projected,
                "per_year": p.slope_per_year,
                "observations": p.points,
                "status": p.status,
            }
        )
    return pd.DataFrame(rows)


def _number(value: object, column: str, row: int, problems: list[ImportProblem]) -> float | None:
    try:
        number = float(str(value).strip())
        if np.isfinite(number):
            return number
    except ValueError:
        pass
    problems.append(ImportProblem(row, column, str(value), "not a number"))
    return None


def _day(value: object, column: str, row: int, problems: list[ImportProblem]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    parsed = pd.to_datetime(str(value).strip(), errors="coerce", format="ISO8601")
    if pd.isna(parsed):
        problems.append(ImportProblem(row, column, str(value), "not a date (use YYYY-MM-DD)"))
        return None
    return parsed.date()


@guarded(Permission.MANAGE)
def define_indicator(
    store: Store,
    initiative_id: int,
    *,
    name: str,
    unit: str,
    polarity: str,
    baseline_date: object,
    baseline_value: object,
    target_date: object,
    target_value: object,
    user: User,
) -> int:
    """A new indicator; its baseline is also its first observation. Refused with problems."""
    problems: list[ImportProblem] = []
    if not str(name).strip():
        problems.append(ImportProblem(None, "name", "", "an indicator needs a name"))
    if polarity not in POLARITIES:
        problems.append(ImportProblem(None, "polarity", str(polarity), "higher or lower is better"))
    b_date = _day(baseline_date, "baseline_date", None, problems)
    t_date = _day(target_date, "target_date", None, problems)
    b_value = _number(baseline_value, "baseline_value", None, problems)
    t_value = _number(target_value, "target_value", None, problems)
    if b_date and t_date and t_date <= b_date:
        problems.append(
            ImportProblem(
                None,
                "target_date",
                str(t_date),
                "the target date must come after the baseline date",
            )
        )
    if problems:
        raise ImportRefused("the indicator was not saved", problems)
    with store.transaction() as cursor:
        taken = scalar(
            cursor,
            "SELECT count(*) FROM indicators WHERE initiative_id = ? AND name = ?",
            [initiative_id, name.strip()],
        )
        if taken:
            raise ImportRefused(f"there is already an indicator named {name.strip()!r}")
        indicator_id = int(
            scalar(
                cursor,
                "INSERT INTO indicators (initiative_id, name, unit, polarity, baseline_date,"
                " baseline_value, target_date, target_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                [
                    initiative_id,
                    name.strip(),
                    unit.strip(),
                    polarity,
                    b_date,
                    b_value,
                    t_date,
                    t_value,
                ],
            )
        )
        cursor.execute(
            "INSERT INTO indicator_observations VALUES (?, ?, ?)", [indicator_id, b_date, b_value]
        )
        Store.audit(cursor, user.login, "define indicator", initiative_id, name.strip(), 1)
    return indicator_id


@guarded(Permission.MANAGE)
def add_observations(
    store: Store,
    initiative_id: int,
    indicator_id: int,
    rows: list[tuple[object, object]],
    *,
    user: User,
    first_row: int = 1,
) -> int:
    """Add (date, value) observations in one transaction, or none: every bad date or number,
    and a date already observed, is a problem."""
    problems: list[ImportProblem] = []
    clean = []
    for offset, (day, value) in enumerate(rows):
        row = first_row + offset
        d = _day(day, "observed_on", row, problems)
        v = _number(value, "value", row, problems)
        if d is not None and v is not None:
            clean.append((d, v, row))
    seen: set[dt.date] = set()
    for d, _v, row in clean:
        if d in seen:
            problems.append(ImportProblem(row, "observed_on", str(d), "the same date twice"))
        seen.add(d)
    if problems:
        raise ImportRefused(f"{len(problems)} problem(s); no observation was saved", problems)
    with store.transaction() as cursor:
        owner = scalar(cursor, "SELECT initiative_id FROM indicators WHERE id = ?", [indicator_id])
        if owner != initiative_id:
            raise ImportRefused("that indicator is not part of this initiative")
        existing = {
            r[0]
            for r in cursor.execute(
                "SELECT observed_on FROM indicator_observations WHERE indicator_id = ?",
                [indicator_id],
            ).fetchall()
        }
        clashes = [
            ImportProblem(row, "observed_on", str(d), "already observed on this date")
            for d, _v, row in clean
            if d in existing
        ]
        if clashes:
            raise ImportRefused(f"{len(clashes)} date(s) already have a value", clashes)
        cursor.executemany(
            "INSERT INTO indicator_observations VALUES (?, ?, ?)",
            [[indicator_id, d, v] for d, v, _row in clean],
        )
        Store.audit(
            cursor,
            user.login,
            "add indicator observations",
            initiative_id,
            f"indicator {indicator_id}",
            len(clean),
        )
    return len(clean)


def observations_from_csv(data: bytes, file_name: str) -> list[tuple[object, object]]:
    """(date, value) rows of a CSV or XLSX with the columns observed_on and value."""
    # Imported here: the file readers (pyarrow's CSV) only for an upload.
    from analytics.ingest.reading import read_grid

    frame = read_grid(data, file_name).frame
    header = [str(c).strip().lower() for c in frame.iloc[0]]
    if not {"observed_on", "value"} <= set(header):
        raise ImportRefused(f"{file_name} needs the columns observed_on and value")
    body = frame.iloc[1:]
    body.columns = header
    body = body[(body["observed_on"].str.strip() != "") | (body["value"].str.strip() != "")]
    return list(zip(body["observed_on"], body["value"], strict=True))


@guarded(Permission.VIEW)
def progress_points(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every observation of every indicator as progress from baseline (0%) to target (100%),
    whichever way is better."""
    frames = []
    for ind in indicators(store, user, initiative_id).itertuples():
        observed = observations(store, user, initiative_id, ind.id)
        span = ind.target_value - ind.baseline_value
        if not span:
            continue
        frames.append(
            observed.assign(
                name=ind.name, progress=(observed["value"] - ind.baseline_value) / span * 100
            )
        )
    if not frames:
        return pd.DataFrame(columns=["observed_on", "value", "name", "progress"])
    return pd.concat(frames, ignore_index=True)
