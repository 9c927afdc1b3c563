"""The funder's portfolio: every initiative a reader may see, side by side, as one table."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.access.accounts import initiatives_for
from analytics.access.permissions import User
from analytics.instrument import INDEX_OF
from analytics.measures.indicators import ON_TRACK, indicator_statuses
from analytics.measures.milestones import delivery, milestones
from analytics.measures.statistics import matched_pairs, participation, wave_changes
from analytics.measures.suppression import is_small
from analytics.store.connection import Store
from analytics.views.overview import overview

COLUMNS = [
    "initiative_id",
    "initiative",
    "collective_impact",
    "collective_impact_change",
    "collective_impact_real_changes",
    "partnering",
    "partnering_change",
    "partnering_real_changes",
    "milestones_on_time",
    "indicators_on_track",
    "indicators",
    "respondents",
    "responding_partners",
    "active_partners",
    "latest_wave",
    "latest_wave_opened",
]


def portfolio(store: Store, user: User, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per initiative `user` is granted, by name: each index in the latest wave
    (mean), its change since the previous wave and the real changes among its five scales in
    words (statistics.wave_changes: BH-adjusted p < 0.05 and the minimal important difference);
    the share of done milestones done on time; indicators on track
    (k of n); the latest wave's respondents and responding of active partners, and its date.
    For a funder, a wave of fewer respondents than the suppression threshold shows no figure."""
    as_of = as_of or dt.date.today()
    rows = [_row(store, user, int(i.id), as_of) for i in initiatives_for(store, user).itertuples()]
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(store: Store, user: User, initiative_id: int, as_of: dt.date) -> dict:
    view = overview(store, user, initiative_id)
    part = participation(store, user, initiative_id)
    done = delivery(milestones(store, user, initiative_id), as_of)
    statuses = indicator_statuses(store, user, initiative_id)
    row: dict = {
        "initiative_id": initiative_id,
        "initiative": view.name,
        "milestones_on_time": done["share_on_time"],
        "indicators_on_track": int((statuses["status"] == ON_TRACK).sum()) if len(statuses) else 0,
        "indicators": len(statuses),
        "latest_wave": view.latest_wave,
        "latest_wave_opened": (
            None if view.waves.empty else pd.Timestamp(view.waves["opened_on"].iloc[-1]).date()
        ),
    }
    latest = part.iloc[-1] if len(part) else None
    # participation() hides a small wave's figures from a funder already (NaN).
    small = latest is None or pd.isna(latest["respondents"])
    if not small:
        row["respondents"] = int(latest["respondents"])
        row["responding_partners"] = int(latest["responding_partners"])
    if latest is not None:
        row["active_partners"] = int(latest["active_partners"])
    changes = (
        wave_changes(
            view.statistics,
            view.previous_wave,
            view.latest_wave,
            matched_pairs(store, user, initiative_id),
        )
        if view.previous_wave
        else None
    )
    for scale_type, index in INDEX_OF.items():
        found = view.changes[view.changes["scale"] == index]
        if found.empty:
            continue
        r = found.iloc[0]
        if user.aggregated_only and is_small(r["n"]):
            continue  # the index rests on a scale with too few respondents for this reader
        row[index] = r["mean"]
        row[f"{index}_change"] = r["change"]
        row[f"{index}_real_changes"] = (
            _real_changes(changes, scale_type) if changes is not None else None
        )
    return row


def _real_changes(changes: pd.DataFrame, scale_type: str) -> str:
    """The family's real changes since the previous wave, in words: '2 up, 1 down' or
    'none'. (An index has no test of its own: it has no respondent-level spread.)"""
    verdicts = changes.loc[changes["scale_type"] == scale_type, "verdict"]
    up, down = int((verdicts == "improvement").sum()), int((verdicts == "decline").sum())
    if not up and not down:
        return "none"
    return ", ".join(p for p in (f"{up} up" if up else "", f"{down} down" if down else "") if p)


def _k_of_n(k: pd.Series, n: pd.Series) -> pd.Series:
    return pd.Series(
        [
            "" if pd.isna(a) or pd.isna(b) else f"{int(a)} of {int(b)}"
            for a, b in zip(k, n, strict=True)
        ],
        index=k.index,
        dtype=object,
    )


def _with_change(mean: pd.Series, change: pd.Series) -> pd.Series:
    return pd.Series(
        [
            "" if pd.isna(m) else f"{m:.2f}" + ("" if pd.isna(c) else f" ({c:+.2f})")
            for m, c in zip(mean, change, strict=True)
        ],
        index=mean.index,
        dtype=object,
    )


def portfolio_for_reading(table: pd.DataFrame) -> pd.DataFrame:
    """The portfolio as the page shows it, narrow enough for a laptop's width: each index
    with its change as "3.52 (+0.09)", counts of a total as "k of n", the share of milestones
    on time in %, the latest wave without its date (the overview has it)."""
    return pd.DataFrame(
        {
            "initiative": table["initiative"],
            "collective_impact": _with_change(
                table["collective_impact"], table["collective_impact_change"]
            ),
            "collective_impact_real_changes": table["collective_impact_real_changes"],
            "partnering": _with_change(table["partnering"], table["partnering_change"]),
            "partnering_real_changes": table["partnering_real_changes"],
            "milestones_on_time": table["milestones_on_time"] * 100,
            "indicators_on_track": _k_of_n(table["indicators_on_track"], table["indicators"]),
            "respondents": table["respondents"],
            "responding_partners": _k_of_n(table["responding_partners"], table["active_partners"]),
            "latest_wave": table["latest_wave"],
        }
    )
