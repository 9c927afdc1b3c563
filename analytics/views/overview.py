"""What the overview page shows for one initiative, as plain data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.measures.groups import ALL_GROUP
from analytics.measures.groups import PAIRED_BREAKDOWNS as PAIRED
from analytics.measures.scoring import initiative_statistics, latest_changes
from analytics.measures.statistics import (
    breakdown_statistics,
    gap_flag,
    matched_pairs,
    min_important_difference,
    perception_gaps,
    prepare_wave,
    reliability,
    reliability_threshold,
    wave_breakdowns,
    wave_changes,
    wave_reliability,
)
from analytics.measures.suppression import suppression_threshold
from analytics.store.connection import Store


@dataclass(frozen=True)
class Overview:
    name: str
    description: str
    waves: pd.DataFrame  # id, label, opened_on, closed_on, in time order
    statistics: pd.DataFrame  # scoring.initiative_statistics: every wave, whole-wave group
    changes: pd.DataFrame  # scoring.latest_changes: latest against previous wave

    @property
    def latest_wave(self) -> str | None:
        return None if self.waves.empty else str(self.waves["label"].iloc[-1])

    @property
    def previous_wave(self) -> str | None:
        return None if len(self.waves) < 2 else str(self.waves["label"].iloc[-2])

    def respondents_in_latest_wave(self) -> int | None:
        """None when the reader may not see it (a wave too small for a funder)."""
        latest = self.statistics[self.statistics["wave"] == self.latest_wave]
        if latest.empty:
            return 0
        most = latest["n"].max()
        return None if pd.isna(most) else int(most)


@guarded(Permission.VIEW)
def overview(store: Store, user: User, initiative_id: int) -> Overview:
    info = store.read_df("SELECT name, description FROM initiatives WHERE id = ?", [initiative_id])
    if info.empty:
        raise KeyError(f"no initiative with id {initiative_id}")
    waves = store.waves(initiative_id)
    if waves.empty:
        stats = initiative_statistics(store, user, initiative_id)
    else:
        # The highlights' figures of the latest wave are computed beside the statistics, on
        # the other core: up to about 120,000 respondents the answers fit in one DuckDB row
        # group, which one thread reads, so each query alone keeps a single core busy.
        with ThreadPoolExecutor(max_workers=1) as beside:
            latest = beside.submit(_latest_wave_figures, store, user, initiative_id, waves)
            stats = initiative_statistics(store, user, initiative_id)
            latest.result()
    stats = stats[stats["group"] == ALL_GROUP].reset_index(drop=True)
    return Overview(
        name=str(info["name"].iloc[0]),
        description=str(info["description"].iloc[0]),
        waves=waves,
        statistics=stats,
        changes=latest_changes(stats),
    )


def _latest_wave_figures(store: Store, user: User, initiative_id: int, waves: pd.DataFrame) -> None:
    """Fill the caches of what highlights() reads of the latest wave."""
    try:
        prepare_wave(store, user, initiative_id, int(waves["id"].iloc[-1]))
    except Exception:  # noqa: BLE001 (highlights() computes again, and reports, what failed here)
        return


def change_table(changes: pd.DataFrame, scale_type: str) -> pd.DataFrame:
    """The radar's data for people: scale, both waves' means (named by wave), change, n, band."""
    rows = changes[changes["scale_type"] == scale_type]
    latest = rows["wave"].dropna().iloc[0] if rows["wave"].notna().any() else "latest"
    previous = (
        rows["previous_wave"].dropna().iloc[0] if rows["previous_wave"].notna().any() else None
    )
    table = {"Scale": [scale_label(s) for s in rows["scale"]], f"{latest}": rows["mean"].round(2)}
    if previous is not None:
        table[f"{previous}"] = rows["previous_mean"].round(2)
        table["Change"] = rows["change"].round(2)
    table["n"] = rows["n"]
    table["Band"] = rows["band"]
    return pd.DataFrame(table).reset_index(drop=True)


def trend_table(stats: pd.DataFrame, scale_type: str) -> pd.DataFrame:
    """The trend chart's data for people: one row per scale and wave."""
    keys = list(SCALE_TYPES[scale_type])
    index_key = INDEX_OF[scale_type]
    rows = stats[stats["scale"].isin([*keys, index_key])]
    order = {k: i for i, k in enumerate([*keys, index_key])}
    rows = rows.assign(_o=rows["scale"].map(order)).sort_values(["_o", "wave_order"])
    return pd.DataFrame(
        {
            "Scale": [scale_label(s) for s in rows["scale"]],
            "Wave": rows["wave"],
            "Respondents": rows["n"],
            "Mean": rows["mean"].round(2),
            "SD": rows["sd"].round(2),
            "95% CI low": rows["ci_low"].round(2),
            "95% CI high": rows["ci_high"].round(2),
            "% favourable": rows["pct_favourable"].round(1),
            "Band": rows["band"],
        }
    ).reset_index(drop=True)


@dataclass(frozen=True)
class Highlights:
    """What the overview flags for the latest wave."""

    real_changes: pd.DataFrame  # scales whose change from the previous wave is real
    first_changes: pd.DataFrame  # the latest wave against the first (3 waves or more)
    unreliable: pd.DataFrame  # scales with Cronbach's alpha below the threshold
    largest_gap: pd.Series | None  # the largest flagged perception gap (sector or role)


@guarded(Permission.VIEW)
def highlights(store: Store, user: User, initiative_id: int) -> Highlights:
    """Cached per data version (and per kind of reader: a funder's come from concealed
    figures): the gap and reliability work reads every answer."""
    flags = (
        gap_flag(),
        reliability_threshold(),
        suppression_threshold(),
        min_important_difference(),
    )
    return store.cached(
        "highlights",
        (initiative_id, flags, user.aggregated_only),
        lambda: _highlights(store, user, initiative_id),
    )


def _highlights(store: Store, user: User, initiative_id: int) -> Highlights:
    wave_rows = store.waves(initiative_id)
    waves = wave_rows["label"].tolist()
    stats = initiative_statistics(store, user, initiative_id)
    matched = matched_pairs(store, user, initiative_id) if len(waves) >= 2 else None
    changes = (
        wave_changes(stats, waves[-2], waves[-1], matched)
        if len(waves) >= 2
        else wave_changes(stats, "", "")
    )
    real = changes[changes["verdict"] != "no clear change"].reset_index(drop=True)
    first = (
        wave_changes(stats, waves[0], waves[-1], matched)
        if len(waves) >= 3
        else wave_changes(stats, "", "")
    )
    if waves:
        # Only the latest wave is flagged: read only its answers (a new process's first page).
        latest_id = int(wave_rows["id"].iloc[-1])
        alpha = wave_reliability(store, user, initiative_id, latest_id)
        breakdowns = wave_breakdowns(store, user, initiative_id, latest_id)
    else:
        alpha = reliability(store, user, initiative_id)
        breakdowns = {by: breakdown_statistics(store, user, initiative_id, by) for by in PAIRED}
    unreliable = alpha[(alpha["wave"] == (waves[-1] if waves else None)) & alpha["unreliable"]]
    gaps = []
    for by in PAIRED:
        found = perception_gaps(breakdowns[by])
        gaps.append(
            found[(found["wave"] == (waves[-1] if waves else None)) & found["flagged"]].assign(
                breakdown=by
            )
        )
    flagged = pd.concat(gaps, ignore_index=True)
    flagged = flagged[flagged["scale_type"] != "index"]
    largest = None if flagged.empty else flagged.sort_values("gap", ascending=False).iloc[0]
    return Highlights(real, first, unreliable.reset_index(drop=True), largest)


def first_wave_words(first_changes: pd.DataFrame) -> str | None:
    """The change since the first wave in a sentence: how many scales improved or declined
    clearly (adjusted p < 0.05 and at least the minimal important difference), the largest
    change with its effect in words; None without a first-wave comparison."""
    if first_changes.empty:
        return None
    row = first_changes.iloc[0]
    up = int((first_changes["verdict"] == "improvement").sum())
    down = int((first_changes["verdict"] == "decline").sum())
    largest = first_changes.loc[first_changes["difference"].abs().idxmax()]
    counts = [f"{up} improved clearly" if up else "", f"{down} declined clearly" if down else ""]
    summary = " and ".join(c for c in counts if c) or "none changed clearly"
    effect = f", a {largest['effect']} effect" if largest["effect"] else ""
    return (
        f"Since the first wave ({row['from']}): of {len(first_changes)} scales, {summary}; "
        f"the largest change is {scale_label(largest['scale'])} "
        f"({largest['difference']:+.2f}{effect})."
    )
