"""The funder's portfolio: every initiative a reader may see, side by side, as one table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.access.accounts import initiatives_for
from analytics.access.permissions import User
from analytics.instrument import INDEX_OF
from analytics.measures.groups import ALL_GROUP
from analytics.measures.indicators import ON_TRACK, indicator_statuses
from analytics.measures.milestones import delivery, milestones_of_initiatives
from analytics.measures.scoring import Bands, every_wave, statistics_of_initiatives
from analytics.measures.statistics import (
    change_rows,
    latest_matched_pairs,
    latest_participation,
    min_important_difference,
)
from analytics.measures.suppression import is_small, suppression_threshold
from analytics.store.connection import Store

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
    For a funder, a wave of fewer respondents than the suppression threshold shows no figure.

    Every initiative's figures come from a few queries over all of them (statistics, matched
    respondents, participation, milestones), not from a page's worth of queries each; the
    table is cached per data version."""
    as_of = as_of or dt.date.today()
    granted = initiatives_for(store, user)
    ids = tuple(int(i) for i in granted["id"])
    key = (
        user.aggregated_only,
        ids,
        as_of,
        suppression_threshold(),
        min_important_difference(),
        Bands.from_settings(),
    )
    return store.cached("portfolio", key, lambda: _portfolio(store, user, granted, as_of))


def _portfolio(store: Store, user: User, granted: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    ids = [int(i) for i in granted["id"]]
    waves = every_wave(store, user, ids)
    figures = _index_figures(
        statistics_of_initiatives(store, user, ids),
        latest_matched_pairs(store, user, ids),
        {int(i): list(w["wave"]) for i, w in waves.groupby("initiative_id")},
        user,
    )
    latest = latest_participation(store, user, ids).set_index("initiative_id")
    milestones_of = milestones_of_initiatives(store, user, ids)
    with_indicators = set(
        store.read_df("SELECT DISTINCT initiative_id FROM indicators")["initiative_id"].astype(int)
    )
    last_wave = waves.drop_duplicates("initiative_id", keep="last").set_index("initiative_id")
    rows = []
    for initiative_id, name in zip(ids, granted["name"], strict=True):
        done = (
            delivery(milestones_of[initiative_id], as_of)
            if initiative_id in milestones_of
            else {"share_on_time": None}  # delivery() of no milestones
        )
        statuses = (
            indicator_statuses(store, user, initiative_id)
            if initiative_id in with_indicators
            else pd.DataFrame()
        )
        has_wave = initiative_id in last_wave.index
        row: dict = {
            "initiative_id": initiative_id,
            "initiative": str(name),
            "milestones_on_time": done["share_on_time"],
            "indicators_on_track": (
                int((statuses["status"] == ON_TRACK).sum()) if len(statuses) else 0
            ),
            "indicators": len(statuses),
            "latest_wave": str(last_wave.at[initiative_id, "wave"]) if has_wave else None,
            "latest_wave_opened": (
                pd.Timestamp(last_wave.at[initiative_id, "opened_on"]).date() if has_wave else None
            ),
        }
        if initiative_id in latest.index:
            part = latest.loc[initiative_id]
            # latest_participation() hides a small wave's figures from a funder already (NaN).
            if not pd.isna(part["respondents"]):
                row["respondents"] = int(part["respondents"])
                row["responding_partners"] = int(part["responding_partners"])
            row["active_partners"] = int(part["active_partners"])
        row.update(figures.get(initiative_id, {}))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _index_figures(
    stats: pd.DataFrame, pairs: pd.DataFrame, wave_labels: dict[int, list[str]], user: User
) -> dict[int, dict]:
    """{initiative id: each index's latest mean, its change since the previous wave
    (scoring.latest_changes: the last two waves with statistics) and its family's real
    changes between the initiative's previous and latest wave (statistics.change_rows, the
    rule of wave_changes)}, from every initiative's whole-wave statistics in one pass."""
    whole = stats[stats["group"] == ALL_GROUP]
    columns = ["initiative_id", "wave", "scale", "scale_type", "n", "mean", "sd"]
    waves: dict[int, dict[str, dict]] = {}
    for record in whole[columns].itertuples(index=False):
        waves.setdefault(int(record[0]), {}).setdefault(record[1], {})[record[2]] = record[2:]
    matched: dict[tuple, dict] = {}
    for r in pairs.itertuples(index=False):
        n_paired = 0 if pd.isna(r.n_paired) else int(r.n_paired)
        matched.setdefault((int(r.initiative_id), r.wave_from, r.wave_to), {})[r.scale] = (
            n_paired,
            r.r,
        )
    smallest = min_important_difference()
    figures: dict[int, dict] = {}
    for initiative_id, by_wave in waves.items():
        present = list(by_wave)  # waves with statistics, in order (the statistics' sort)
        latest = by_wave[present[-1]]
        previous = by_wave[present[-2]] if len(present) >= 2 else {}
        labels = wave_labels.get(initiative_id, [])
        real = (
            change_rows(
                by_wave.get(labels[-2], {}),
                by_wave.get(labels[-1], {}),
                matched.get((initiative_id, labels[-2], labels[-1]), {}),
                labels[-2],
                labels[-1],
                smallest,
            )
            if len(labels) >= 2
            else None
        )
        row: dict = {}
        for scale_type, index in INDEX_OF.items():
            if index not in latest:
                continue
            _, _, n, mean, _ = latest[index]
            if user.aggregated_only and is_small(n):
                continue  # the index rests on a scale with too few respondents for this reader
            before = previous[index][3] if index in previous else np.nan
            row[index] = mean
            row[f"{index}_change"] = mean - before
            row[f"{index}_real_changes"] = (
                _real_changes(real, scale_type) if real is not None else None
            )
        figures[initiative_id] = row
    return figures


def _real_changes(changes: list[dict], scale_type: str) -> str:
    """The family's real changes since the previous wave (statistics.change_rows), in words:
    '2 up, 1 down' or 'none'. (An index has no test of its own: it has no respondent-level
    spread.)"""
    verdicts = [row["verdict"] for row in changes if row["scale_type"] == scale_type]
    up, down = verdicts.count("improvement"), verdicts.count("decline")
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
