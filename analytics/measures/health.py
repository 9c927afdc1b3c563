"""Partnership health checks (issue 15): a short check a broker runs with partners at any
time, rating each of the five partnering principles and the current stage's key questions red,
amber or green with a sentence and, where needed, a next step; and the rule that flags where a
check and the latest survey disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.errors import ImportRefused
from analytics.instrument import PRINCIPLES
from analytics.measures.groups import ALL_GROUP
from analytics.measures.phases import current_stage
from analytics.measures.scoring import initiative_statistics
from analytics.measures.suppression import conceal
from analytics.store.connection import Store
from analytics.store.schema import HEALTH_CHECK_RUN_BY, HEALTH_RATINGS

COLUMNS = ["date", "principle", "rating", "note", "next_step", "run_by", "phase", "recorded_by"]


@dataclass(frozen=True)
class Rating:
    """One line of a check: a principle's key (or a stage question's text), its rating and
    the sentence said about it; `next_step` is an action agreed for it, if any."""

    topic: str
    rating: str
    note: str = ""
    next_step: str = ""


def disagrees(rating: str | None, band: str | None) -> str | None:
    """Why a health-check rating and a survey band disagree, or None when they do not (or one
    is missing): amber or red where partners' answers say strength, green where they say
    concern."""
    if rating is None or band is None or pd.isna(band) or pd.isna(rating):
        return None
    if rating in ("amber", "red") and band == "strength":
        return f"check says {rating}, survey says strength"
    if rating == "green" and band == "concern":
        return "check says green, survey says concern"
    return None


def insert_health_check(
    cursor: duckdb.DuckDBPyConnection,
    initiative_id: int,
    held_on: dt.date,
    model: str,
    phase: str | None,
    run_by: str,
    author: str,
    ratings: list[Rating],
) -> int:
    """Store a checked health check, inside the caller's transaction (record_health_check,
    the demo); its id."""
    check_id = int(
        cursor.execute(
            "INSERT INTO health_checks (initiative_id, held_on, phase_model, phase, run_by,"
            " recorded_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [initiative_id, held_on, model, phase, run_by, author],
        ).fetchall()[0][0]
    )
    cursor.executemany(
        "INSERT INTO health_check_ratings (health_check_id, position, topic, is_principle,"
        " rating, note, next_step) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                check_id,
                i,
                r.topic,
                r.topic in PRINCIPLES,
                r.rating,
                r.note.strip(),
                r.next_step.strip(),
            ]
            for i, r in enumerate(ratings)
        ],
    )
    return check_id


@guarded(Permission.RECORD)
def record_health_check(
    store: Store,
    initiative_id: int,
    held_on: dt.date,
    ratings: list[Rating],
    *,
    user: User,
    run_by: str = "broker",
) -> int:
    """Store one health check in one transaction; refused whole (ImportRefused) when a
    principle is missing, a rating is not red, amber or green, or a topic repeats."""
    if run_by not in HEALTH_CHECK_RUN_BY:
        raise ImportRefused(f"run by must be one of {', '.join(HEALTH_CHECK_RUN_BY)}")
    topics = [r.topic for r in ratings]
    missing = [PRINCIPLES[p] for p in PRINCIPLES if p not in topics]
    if missing:
        raise ImportRefused(f"rate every principle; missing: {', '.join(missing)}")
    if len(set(topics)) != len(topics):
        raise ImportRefused("a principle or question is rated twice")
    bad = [r.rating for r in ratings if r.rating not in HEALTH_RATINGS]
    if bad:
        raise ImportRefused(f"{bad[0]!r} is not a rating; use {', '.join(HEALTH_RATINGS)}")
    stage = current_stage(store, user, initiative_id, held_on)
    with store.transaction() as cursor:
        check_id = insert_health_check(
            cursor, initiative_id, held_on, stage.model.key, stage.phase, run_by, user.name, ratings
        )
        Store.audit(
            cursor,
            user.login,
            "record health check",
            initiative_id,
            f"{held_on:%Y-%m-%d}, {run_by}",
            len(ratings),
        )
    return check_id


@guarded(Permission.VIEW)
def health_checks(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every rating of every check, oldest check first, one row per check and principle (or
    stage question): date, principle, rating, note, next step, who ran it, the phase. A funder
    sees the ratings of the principles only, without the sentences or who recorded them."""
    frame = store.read_df(
        "SELECT h.id AS check_id, h.held_on AS date, r.topic AS principle, r.is_principle,"
        " r.rating, r.note, r.next_step, h.run_by, h.phase, h.recorded_by"
        " FROM health_checks h JOIN health_check_ratings r ON r.health_check_id = h.id"
        " WHERE h.initiative_id = ? ORDER BY h.held_on, h.id, r.position",
        [initiative_id],
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    if user.aggregated_only:
        frame = frame.loc[frame["is_principle"].astype(bool)].reset_index(drop=True)
    return conceal(frame, user)


def history_grid(checks: pd.DataFrame) -> pd.DataFrame:
    """The principles' ratings as a grid: one row per principle (in the instrument's order),
    one column per check date."""
    rows = checks.loc[checks["is_principle"].astype(bool)]
    if rows.empty:
        return pd.DataFrame(index=pd.Index(list(PRINCIPLES.values()), name="principle"))
    grid = rows.pivot_table(
        index="principle", columns="date", values="rating", aggfunc="last"
    ).reindex(list(PRINCIPLES))
    grid.index = [PRINCIPLES[p] for p in grid.index]
    grid.index.name = "principle"
    grid.columns = [f"{d:%d %b %Y}" for d in grid.columns]
    return grid


@guarded(Permission.VIEW)
def check_against_survey(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The latest check's rating of each principle beside the latest survey wave's mean and
    band for it (as the reader may see them), with the disagreement flagged."""
    checks = health_checks(store, user, initiative_id)
    stats = initiative_statistics(store, user, initiative_id)
    survey = stats[(stats["group"] == ALL_GROUP) & (stats["scale_type"] == "principle")]
    latest_wave = survey["wave_order"].max() if len(survey) else None
    survey = survey[survey["wave_order"] == latest_wave].set_index("scale")
    rows = checks.loc[checks["is_principle"].astype(bool)]
    latest = rows[rows["check_id"] == rows["check_id"].iloc[-1]] if len(rows) else rows
    latest = latest.set_index("principle")
    out = []
    for key, label in PRINCIPLES.items():
        rating = latest["rating"].get(key)
        band = survey["band"].get(key) if "band" in survey else None
        band = None if band is None or pd.isna(band) else band
        out.append(
            {
                "principle": label,
                "check_date": latest["date"].get(key),
                "rating": rating,
                "survey_wave": survey["wave"].get(key) if "wave" in survey else None,
                "survey_mean": survey["mean"].get(key) if "mean" in survey else None,
                "survey_band": band,
                "disagreement": disagrees(rating, band),
            }
        )
    return pd.DataFrame(out)


def open_actions(checks: pd.DataFrame) -> pd.DataFrame:
    """The next steps agreed at the latest check, with what they are about."""
    if checks.empty or "next_step" not in checks.columns:
        return pd.DataFrame(columns=["date", "about", "rating", "next_step"])
    latest = checks[checks["check_id"] == checks["check_id"].iloc[-1]]
    steps = latest[latest["next_step"].astype(str).str.strip() != ""]
    about = [PRINCIPLES.get(t, t) for t in steps["principle"]]
    return pd.DataFrame(
        {
            "date": steps["date"].tolist(),
            "about": about,
            "rating": steps["rating"].tolist(),
            "next_step": steps["next_step"].tolist(),
        }
    )
