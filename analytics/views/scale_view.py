"""What the Conditions and Principles pages show for one scale, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.measures.groups import ALL_GROUP
from analytics.measures.scoring import initiative_statistics
from analytics.measures.statistics import (
    CHECK_REVERSED,
    RELIABLE,
    UNCERTAIN,
    breakdown_statistics,
    filtered_reliability,
    filtered_statistics,
    group_item_distributions,
    item_distributions,
    matched_pairs,
    perception_gaps,
    reliability,
    reliability_threshold,
    reliability_verdict,
    successive_changes,
)
from analytics.measures.suppression import HIDDEN_WORDS
from analytics.store.connection import Store

ALL_RESPONDENTS = "All respondents"  # the heatmap's row of the whole wave


@dataclass(frozen=True)
class ScaleView:
    scale_type: str
    scale: str
    items: pd.DataFrame  # item_id, text, reverse
    trend: pd.DataFrame  # the whole-wave statistics of every wave (all scales of the initiative)
    changes: pd.DataFrame  # successive changes of this scale
    reliability: pd.DataFrame  # alpha of this scale per wave
    waves: list[str]  # in time order
    # The page's filter (a breakdown and one of its groups), or None: then the trend, changes
    # and reliability are those of that group's respondents, its rows standing as the whole.
    by: str | None = None
    group: str | None = None

    @property
    def label(self) -> str:
        return scale_label(self.scale)

    def description(self) -> str:
        n = len(self.items)
        return (
            f"{self.label} is measured by {n} statement{'s' if n != 1 else ''} that partners "
            "rate from strongly disagree (1) to strongly agree (5)."
        )

    def latest_reliability(self) -> pd.Series | None:
        rows = self.reliability.dropna(subset=["alpha"])
        return None if rows.empty else rows.iloc[-1]


@guarded(Permission.VIEW)
def scale_view(
    store: Store,
    user: User,
    initiative_id: int,
    scale_type: str,
    scale: str,
    by: str | None = None,
    group: str | None = None,
) -> ScaleView:
    """One scale of the initiative in every wave; filtered to one sector or role (`by`,
    `group`), the statistics of that group's respondents as the breakdown publishes them
    (statistics.filtered_statistics: suppressed for every reader, concealed for a funder),
    their changes by Welch's t-test (no matching of respondents within a group) and their
    reliability (statistics.filtered_reliability)."""
    if scale not in SCALE_TYPES[scale_type]:
        raise KeyError(f"{scale!r} is not a {scale_type}")
    items = store.instrument_items(initiative_id)
    items = items[items[scale_type] == scale][["item_id", "text", "reverse"]].reset_index(drop=True)
    if by is None:
        stats = initiative_statistics(store, user, initiative_id)
        changes = successive_changes(stats, matched_pairs(store, user, initiative_id))
        alpha = reliability(store, user, initiative_id)
    else:
        # The group's rows stand for the whole wave on a page filtered to it.
        stats = filtered_statistics(store, user, initiative_id, by, group)
        stats = stats.assign(group=ALL_GROUP).drop(columns="suppression")
        for column in ("mean", "sd", "ci_low", "ci_high", "pct_favourable"):
            stats[column] = pd.to_numeric(stats[column], errors="coerce")  # hidden: NaN
        changes = successive_changes(stats)
        alpha = filtered_reliability(store, user, initiative_id, by, group)
    waves = store.waves(initiative_id)["label"].tolist()
    return ScaleView(
        scale_type=scale_type,
        scale=scale,
        items=items,
        trend=stats,
        changes=changes[changes["scale"] == scale].reset_index(drop=True),
        reliability=alpha[alpha["scale"] == scale].reset_index(drop=True),
        waves=waves,
        by=by,
        group=group,
    )


def trend_table(view: ScaleView) -> pd.DataFrame:
    rows = view.trend[(view.trend["group"] == ALL_GROUP) & (view.trend["scale"] == view.scale)]
    changes = view.changes.set_index("to")
    hidden = rows["mean"].isna() & rows["suppressed"].fillna(True).astype(bool)
    table = pd.DataFrame(
        {
            "Wave": rows["wave"],
            # A hidden figure says why in the one wording of suppression, never a number.
            "Why hidden": [HIDDEN_WORDS if h else "" for h in hidden],
            "Respondents": rows["n"],
            "Mean": rows["mean"].round(2),
            "95% CI low": rows["ci_low"].round(2),
            "95% CI high": rows["ci_high"].round(2),
            "% favourable": rows["pct_favourable"].round(1),
            "Change": [_round(changes["difference"].get(w)) for w in rows["wave"]],
            "p-value": [_round(changes["p_value"].get(w), 3) for w in rows["wave"]],
            # The verdict's p: adjusted for the false discovery rate across the ten scales.
            "p (adjusted)": [_round(changes["p_adjusted"].get(w), 3) for w in rows["wave"]],
            "Cohen's d": [_round(changes["cohens_d"].get(w)) for w in rows["wave"]],
            "Effect": [changes["effect"].get(w, "") or "" for w in rows["wave"]],
            "Verdict": [changes["verdict"].get(w, "") for w in rows["wave"]],
        }
    ).reset_index(drop=True)
    return table if hidden.any() else table.drop(columns="Why hidden")


def _round(value: object, digits: int = 2) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def reliability_words(
    alpha: float | None,
    complete: int,
    low: float | None = None,
    high: float | None = None,
) -> str:
    """The reliability of a scale in words for a non-statistician, from alpha and its 95%
    interval (statistics.reliability_verdict)."""
    threshold = reliability_threshold()
    if alpha is None or pd.isna(alpha):
        return (
            f"Not enough complete answers ({complete}) to judge whether the statements "
            "hang together."
        )
    if low is None or pd.isna(low) or high is None or pd.isna(high):
        low = high = alpha  # no interval given: judge the point estimate
    verdict = reliability_verdict(float(alpha), float(low), float(high), threshold)
    figure = f"Cronbach's alpha {alpha:.2f}, 95% interval {low:.2f} to {high:.2f}"
    if verdict == CHECK_REVERSED:
        return (
            f"The statements pull against each other ({figure}): check that the "
            "reverse-coded (negatively worded) statements are marked as such."
        )
    if verdict == RELIABLE:
        return (
            f"The statements hang together well ({figure}, at least {threshold:.2f} is "
            "good): the score can be trusted as one measure."
        )
    if verdict == UNCERTAIN:
        return (
            f"Too few answers to be sure the statements hang together ({figure}, around "
            f"{threshold:.2f}): treat the score with some care."
        )
    return (
        f"The statements do not hang together well ({figure}, below {threshold:.2f}): "
        "partners may read them differently, so treat the score with care and look at the "
        "statements one by one."
    )


@guarded(Permission.VIEW)
def distribution(
    store: Store, user: User, view: ScaleView, initiative_id: int, wave: str
) -> pd.DataFrame:
    """Shares (0-100) of each answer to each of the scale's items in one wave, reverse-coded
    items turned round so that agreement is always the favourable side; items whose counts
    are concealed from the reader are left out. On a filtered view, the answers of the
    filter's group (group_distribution: nothing where the breakdown hides the group)."""
    if view.by is not None:
        return group_distribution(store, user, view, initiative_id, wave, view.by, view.group)
    return _shares(view, item_distributions(store, user, initiative_id), wave)


@guarded(Permission.VIEW)
def group_distribution(
    store: Store, user: User, view: ScaleView, initiative_id: int, wave: str, by: str, group: str
) -> pd.DataFrame:
    """distribution() of one sector or role (a cell of the group heatmap clicked): nothing of
    a group hidden in that wave's breakdown, and for a funder nothing of an item fewer than the
    suppression threshold answered (statistics.group_item_distributions)."""
    return _shares(
        view, group_item_distributions(store, user, initiative_id, by, group, wave), wave
    )


def _shares(view: ScaleView, raw: pd.DataFrame, wave: str) -> pd.DataFrame:
    """Shares of each answer to each of the scale's items in one wave, from counts (a1..a5,
    missing) per wave and item; items without counts are left out."""
    raw = raw.dropna(subset=["a1"])
    raw = raw[(raw["wave"] == wave) & raw["item_id"].isin(view.items["item_id"])]
    rows = []
    for item in view.items.itertuples():
        found = raw[raw["item_id"] == item.item_id]
        if found.empty:
            continue
        counts = [int(found[f"a{k}"].iloc[0]) for k in range(1, 6)]
        if item.reverse:
            counts = counts[::-1]
        answered = sum(counts)
        label = f"{item.item_id} · {item.text}" + (" (turned round)" if item.reverse else "")
        row = {
            "item_id": item.item_id,
            "label": label,
            "answered": answered,
            "missing": int(found["missing"].iloc[0]),
        }
        for k, count in enumerate(counts, start=1):
            row[f"a{k}"] = 100 * count / answered if answered else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def distribution_table(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    words = ["Strongly disagree %", "Disagree %", "Neither %", "Agree %", "Strongly agree %"]
    out = frame[["label", "answered", "missing"]].rename(
        columns={"label": "Statement", "answered": "Answered", "missing": "Missing"}
    )
    for k, word in enumerate(words, start=1):
        out[word] = frame[f"a{k}"].round(1)
    return out


@guarded(Permission.VIEW)
def heatmap_table(
    store: Store, user: User, initiative_id: int, scale_type: str, by: str, wave: str
) -> pd.DataFrame:
    """Suppressed means of the family's scales (and index) by group, in one wave."""
    table = breakdown_statistics(store, user, initiative_id, by)
    keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]]
    table = table[(table["wave"] == wave) & table["scale"].isin(keys)]
    order = {k: i for i, k in enumerate(keys)}
    table = table.assign(_o=table["scale"].map(order))
    groups = [g for g in dict.fromkeys(table["group"]) if g != ALL_GROUP] + [ALL_GROUP]
    table["group"] = pd.Categorical(table["group"], groups, ordered=True)
    table = table.sort_values(["group", "_o"])
    table["group"] = table["group"].astype(str).replace({ALL_GROUP: ALL_RESPONDENTS})
    table["scale"] = table["scale"].map(scale_label)
    return table[["group", "scale", "n", "mean", "suppressed", "suppression"]].reset_index(
        drop=True
    )


@guarded(Permission.VIEW)
def gaps_for(store: Store, user: User, initiative_id: int, scale: str, wave: str) -> pd.DataFrame:
    """The scale's perception gaps in one wave, by sector and by role."""
    frames = []
    for by in ("sector", "role"):
        gaps = perception_gaps(breakdown_statistics(store, user, initiative_id, by))
        gaps = gaps[(gaps["scale"] == scale) & (gaps["wave"] == wave)]
        frames.append(gaps.assign(breakdown=by))
    return pd.concat(frames, ignore_index=True)


def drillable(table: pd.DataFrame, scale_type: str) -> pd.DataFrame:
    """The cells of heatmap_table() a reader may open (group, scale): a group's cell on a
    scale (not the index) where the breakdown shows it. A hidden cell opens nothing."""
    labels = {scale_label(s) for s in SCALE_TYPES[scale_type]}
    shown = table[
        ~table["suppressed"].fillna(True).astype(bool)
        & table["mean"].notna()
        & (table["group"] != ALL_RESPONDENTS)
        & table["scale"].isin(labels)
    ]
    return shown[["group", "scale"]].reset_index(drop=True)


def clicked_cell(points: list[dict], scale_type: str) -> tuple[str, str] | None:
    """(group, scale key) of the heatmap cell just clicked (its marker's customdata is
    [group, scale label]), or None."""
    keys = {scale_label(s): s for s in SCALE_TYPES[scale_type]}
    for point in points:
        data = point.get("customdata") or []
        if len(data) == 2 and data[1] in keys:
            return str(data[0]), keys[data[1]]
    return None
