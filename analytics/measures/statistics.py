"""The evaluator's statistics of DESIGN.md section 3 beyond the group scores: reliability,
change between waves, breakdowns with small-cell suppression, perception gaps, participation
and item distributions. Pure functions over frames, plus their store-backed versions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import settings
from analytics.access.permissions import Permission, User, guarded, require
from analytics.ingest.values import DEFAULT_CHOICES
from analytics.instrument import INDEX_OF
from analytics.measures.groups import ALL_GROUP, BREAKDOWNS, PAIRED_BREAKDOWNS
from analytics.measures.scoring import (
    RESPONDENT_SCORES_SQL,
    every_wave,
    suppressed_breakdown,
)
from analytics.measures.suppression import (
    conceal,
    conceal_alpha,
    hidden_groups,
    is_small,
    suppress_paired,
    suppression_threshold,
)
from analytics.store.connection import Store
from analytics.store.score_cells import alpha_sql

MIN_COMPLETE_FOR_ALPHA = 3


def reliability_threshold() -> float:
    """Alpha below which a scale is flagged unreliable (a setting)."""
    return float(settings.get("COMMON_MEASURE_RELIABILITY_FLAG"))


def min_important_difference() -> float:
    """The smallest change of a mean called an improvement or a decline (a setting)."""
    return float(settings.get("COMMON_MEASURE_MIN_IMPORTANT_DIFFERENCE"))


def gap_flag() -> float:
    """The perception gap (highest minus lowest group mean) that is flagged (a setting)."""
    return float(settings.get("COMMON_MEASURE_GAP_FLAG"))


# -- reliability -------------------------------------------------------------------------------


def cronbach_alpha(items: pd.DataFrame) -> float | None:
    """Cronbach's alpha of complete cases: rows are respondents, columns the scale's items
    (already reverse-coded). None with fewer than two items or three complete cases."""
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < MIN_COMPLETE_FOR_ALPHA:
        return None
    total_variance = complete.sum(axis=1).var(ddof=1)
    if not total_variance:
        return None
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_variance))


def feldt_interval(
    alpha: float, complete_cases: int, items: int, level: float = 0.95
) -> tuple[float, float]:
    """Feldt's (1965) interval for Cronbach's alpha: (1 - alpha) / (1 - true alpha) follows an
    F distribution with n - 1 and (n - 1)(k - 1) degrees of freedom (n complete cases, k
    items)."""
    # scipy.special.fdtri is scipy.stats.f.ppf without the cost of importing scipy.stats.
    from scipy.special import fdtri

    df1, df2 = complete_cases - 1, (complete_cases - 1) * (items - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * float(fdtri(df1, df2, 1 - tail))
    high = 1 - (1 - alpha) * float(fdtri(df1, df2, tail))
    return low, high


# How a scale's alpha reads (DESIGN.md section 3).
RELIABLE, UNCERTAIN, UNRELIABLE = "reliable", "uncertain", "unreliable"
CHECK_REVERSED = "check the reverse-coded statements"


def reliability_verdict(
    alpha: float | None, low: float | None, high: float | None, threshold: float
) -> str | None:
    """'unreliable' only when the whole 95% interval is below the threshold, 'uncertain' when
    it straddles it, 'reliable' when it lies above; a negative alpha (items pulling against
    each other: usually a reverse-coded statement not turned round) reads 'check the
    reverse-coded statements'. None without an alpha."""
    if _missing(alpha):
        return None
    if alpha < 0:
        return CHECK_REVERSED
    if high < threshold:
        return UNRELIABLE
    if low < threshold:
        return UNCERTAIN
    return RELIABLE


# The rule as SQL over the answers (`answer_lists`, as scoring.STORE_ANSWERS_SQL gives them):
# complete cases, respondents who answered every item of a scale (of two or more items), with
# their total and their item values in item id order; then per wave and scale the variance of
# the totals and, position by position (item by item), the variances of the items. The stored
# alpha sums (store.score_cells) hold the same, and _reliability reads them; tests check the
# two agree.
_ALPHA = (
    RESPONDENT_SCORES_SQL  # noqa: S608 (composed of constants)
    + """,
complete AS (
    SELECT wave_id, scale_type, scale, list_sum(item_values) AS total, item_values, n_items
    FROM coded WHERE n_items >= 2 AND list_count(item_values) = n_items
),
item_variance AS (
    SELECT wave_id, scale_type, scale, position, var_samp(item_values[position]) AS variance
    FROM complete, range(1, n_items + 1) AS positions(position)
    GROUP BY wave_id, scale_type, scale, position
)
SELECT t.wave_id, t.scale_type, t.scale, t.complete_cases,
       v.k AS items, v.item_variance, t.total_variance
FROM (
    SELECT wave_id, scale_type, scale, count(*) AS complete_cases,
           var_samp(total) AS total_variance
    FROM complete GROUP BY wave_id, scale_type, scale
) t JOIN (
    SELECT wave_id, scale_type, scale, count(*) AS k, sum(variance) AS item_variance
    FROM item_variance GROUP BY wave_id, scale_type, scale
) v USING (wave_id, scale_type, scale)
"""
)


@guarded(Permission.VIEW)
def reliability(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Cronbach's alpha per wave and scale over complete cases, with its 95% Feldt interval
    (alpha_low, alpha_high) and how it reads against COMMON_MEASURE_RELIABILITY_FLAG
    (`reliability`: reliable, uncertain, unreliable, or check the reverse-coded statements;
    `unreliable` only when the whole interval is below); alpha is None under three complete
    cases (and, for a funder, under the suppression threshold)."""
    threshold = reliability_threshold()
    alpha = store.cached(
        "reliability",
        (initiative_id, threshold),
        lambda: _reliability(store, initiative_id, threshold),
    )
    return conceal_alpha(alpha, user)


@guarded(Permission.VIEW)
def wave_reliability(store: Store, user: User, initiative_id: int, wave_id: int) -> pd.DataFrame:
    """reliability() of one wave (the overview flags the latest), concealed for `user`."""
    return conceal_alpha(_wave_reliability(store, initiative_id, wave_id), user)


def _wave_reliability(store: Store, initiative_id: int, wave_id: int) -> pd.DataFrame:
    threshold = reliability_threshold()
    return store.cached(
        "reliability of a wave",
        (initiative_id, threshold, wave_id),
        lambda: _reliability(store, initiative_id, threshold, wave_id),
    )


def _reliability(
    store: Store,
    initiative_id: int,
    threshold: float,
    wave_id: int | None = None,
    by: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """reliability(), of one wave only when `wave_id` is given, of the respondents of one
    sector or role only when `by` and `group` are (not cached here): from the stored alpha
    sums (store.score_cells), which hold what _ALPHA computes from the answers."""
    params: dict[str, object] = {"initiative": initiative_id}
    if wave_id is not None:
        params["wave"] = wave_id
    if by is not None:
        params["group"] = group
    raw = store.read_df(alpha_sql(wave_id is not None, by), params)
    k, item_var, total_var = raw["items"], raw["item_variance"], raw["total_variance"]
    alpha = k / (k - 1) * (1 - item_var / total_var.where(total_var > 0))
    raw["alpha"] = alpha.where(raw["complete_cases"] >= MIN_COMPLETE_FOR_ALPHA)
    bounds = [
        feldt_interval(a, int(n), int(k)) if not _missing(a) else (np.nan, np.nan)
        for a, n, k in zip(raw["alpha"], raw["complete_cases"], raw["items"], strict=True)
    ]
    raw["alpha_low"] = [b[0] for b in bounds]
    raw["alpha_high"] = [b[1] for b in bounds]
    raw["reliability"] = [
        reliability_verdict(a, lo, hi, threshold)
        for a, lo, hi in zip(raw["alpha"], raw["alpha_low"], raw["alpha_high"], strict=True)
    ]
    raw["unreliable"] = raw["reliability"] == UNRELIABLE
    waves = store.waves(initiative_id).rename(columns={"id": "wave_id", "label": "wave"})
    waves["wave_order"] = range(len(waves))
    out = raw.merge(waves[["wave_id", "wave", "wave_order"]], on="wave_id")
    return (
        out[
            [
                "wave",
                "wave_order",
                "scale_type",
                "scale",
                "items",
                "complete_cases",
                "alpha",
                "alpha_low",
                "alpha_high",
                "reliability",
                "unreliable",
            ]
        ]
        .sort_values(["wave_order", "scale_type", "scale"])
        .reset_index(drop=True)
    )


# -- change between waves ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    difference: float
    p_value: float | None
    cohens_d: float | None
    verdict: str  # "improvement", "decline" or "no clear change"


def welch_change(n1: int, mean1: float, sd1: float, n2: int, mean2: float, sd2: float) -> Change:
    """From wave 1 to wave 2: difference of means, Welch's t-test p-value (two-sided), Cohen's
    d with the pooled sd; an improvement or a decline only when p < 0.05."""
    difference = mean2 - mean1
    if min(n1, n2) < 2 or any(map(_missing, (sd1, sd2))):
        return Change(difference, None, None, "no clear change")
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    if v1 + v2 == 0:
        return Change(difference, None, None, "no clear change")
    # scipy.stats.t.sf(x, df) is scipy.special.stdtr(df, -x); scipy.stats costs 0.5 s to import.
    from scipy.special import stdtr

    t = difference / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    p = float(2 * stdtr(df, -abs(t)))
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    d = difference / pooled if pooled else None
    verdict = "no clear change"
    if p < 0.05:
        verdict = "improvement" if difference > 0 else "decline"
    return Change(difference, p, d, verdict)


def overlapping_change(
    n1: int,
    mean1: float,
    sd1: float,
    n2: int,
    mean2: float,
    sd2: float,
    n_paired: int,
    r: float,
) -> Change:
    """From wave 1 to wave 2 when n_paired respondents answered both (their scores correlate
    r): Derrick, Toher and White's (2017) partially overlapping samples t-test for unequal
    variances (T_new2). n, mean and sd are those of each whole wave; the statistic is

        T = (mean2 - mean1) / sqrt(sd1^2/n1 + sd2^2/n2 - 2 r sd1 sd2 n_paired / (n1 n2))

    with df = (n_paired - 1) + (gamma - n_paired + 1) / (n_a + n_b + 2 n_paired) * (n_a + n_b),
    gamma being Welch's df and n_a, n_b the respondents of only one wave. It is Welch's test
    when no one is matched and the paired t-test when everyone is. Cohen's d uses the pooled
    sd, as for independent samples, so that effect sizes compare across tests."""
    if n_paired < 2 or _missing(r):
        return welch_change(n1, mean1, sd1, n2, mean2, sd2)
    difference = mean2 - mean1
    if min(n1, n2) < 2 or any(map(_missing, (sd1, sd2))):
        return Change(difference, None, None, "no clear change")
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    variance = v1 + v2 - 2 * r * sd1 * sd2 * n_paired / (n1 * n2)
    if variance <= 0:
        return Change(difference, None, None, "no clear change")
    from scipy.special import stdtr

    t = difference / math.sqrt(variance)
    gamma = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    n_a, n_b = n1 - n_paired, n2 - n_paired
    df = (n_paired - 1) + (gamma - n_paired + 1) / (n_a + n_b + 2 * n_paired) * (n_a + n_b)
    p = float(2 * stdtr(df, -abs(t)))
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    d = difference / pooled if pooled else None
    verdict = "no clear change"
    if p < 0.05:
        verdict = "improvement" if difference > 0 else "decline"
    return Change(difference, p, d, verdict)


# Cohen's conventions for |d|: below 0.2 negligible, then small, medium (0.5), large (0.8).
EFFECT_SIZES = ((0.8, "large"), (0.5, "medium"), (0.2, "small"))


def effect_words(d: float | None) -> str | None:
    """Cohen's d in words: 'negligible' under 0.2, 'small', 'medium' from 0.5, 'large' from
    0.8 (by its absolute value); None without a d."""
    if _missing(d):
        return None
    for bound, words in EFFECT_SIZES:
        if abs(d) >= bound:
            return words
    return "negligible"


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate) of one family of tests, in
    the given order; a missing p (no test) stays missing and does not count in the family."""
    present = [(i, float(p)) for i, p in enumerate(p_values) if not _missing(p)]
    adjusted: list[float | None] = [None] * len(p_values)
    m = len(present)
    running = 1.0
    for rank, (i, p) in reversed(list(enumerate(sorted(present, key=lambda x: x[1]), start=1))):
        running = min(running, p * m / rank)
        adjusted[i] = running
    return adjusted


def verdict(difference: float, p_adjusted: float | None, min_difference: float) -> str:
    """'improvement' or 'decline' only when the adjusted p is under 0.05 and the change is at
    least the minimal important difference; otherwise 'no clear change'."""
    if _missing(p_adjusted) or p_adjusted >= 0.05 or abs(difference) < min_difference:
        return "no clear change"
    return "improvement" if difference > 0 else "decline"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


CHANGE_COLUMNS = [
    "scale_type",
    "scale",
    "from",
    "to",
    "mean_from",
    "mean_to",
    "difference",
    "n_matched",
    "test",
    "p_value",
    "p_adjusted",
    "cohens_d",
    "effect",
    "verdict",
]


def wave_changes(
    stats: pd.DataFrame, wave_from: str, wave_to: str, matched: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Change of every scale of the whole-wave group between two waves (labels), DESIGN.md 3.

    Per scale: difference of means, p, Cohen's d and its size in words (`effect`). The same
    people often answer both waves: with `matched` (matched_pairs: respondents matched by
    their respondent key, at least the suppression threshold of them) the test is Derrick et
    al.'s (2017) partially overlapping samples t-test, else Welch's (`test` says which,
    `n_matched` how many were matched).
    The scales of the comparison (conditions and principles, the indices having no test of
    their own) are one family: their p-values are adjusted for the false discovery rate
    (Benjamini-Hochberg, `p_adjusted`). A change is an improvement or a decline only when its
    adjusted p is under 0.05 and it is at least COMMON_MEASURE_MIN_IMPORTANT_DIFFERENCE."""
    whole = stats[stats["group"] == ALL_GROUP]
    columns = ["scale", "scale_type", "n", "mean", "sd"]
    a = {r[0]: r for r in whole.loc[whole["wave"] == wave_from, columns].itertuples(index=False)}
    b = {r[0]: r for r in whole.loc[whole["wave"] == wave_to, columns].itertuples(index=False)}
    pairs = {}
    if matched is not None and len(matched):
        found = matched[(matched["wave_from"] == wave_from) & (matched["wave_to"] == wave_to)]
        pairs = {
            row.scale: (0 if _missing(row.n_paired) else int(row.n_paired), row.r)
            for row in found.itertuples()
        }
    return pd.DataFrame(
        change_rows(a, b, pairs, wave_from, wave_to, min_important_difference()),
        columns=CHANGE_COLUMNS,
    )


def change_rows(
    a: dict, b: dict, pairs: dict, wave_from: str, wave_to: str, smallest: float
) -> list[dict]:
    """wave_changes' rows from the two waves' whole-wave figures ({scale: (scale, scale_type,
    n, mean, sd)}, in the later wave's scale order) and the matched respondents ({scale:
    (n_paired, r)}): the rule of DESIGN.md 3, for one comparison or for many."""
    rows = []
    for scale in [s for s in b if s in a and s not in INDEX_OF.values()]:
        (_, _, n_x, mean_x, sd_x), (_, scale_type, n_y, mean_y, sd_y) = a[scale], b[scale]
        if _missing(mean_x) or _missing(mean_y):
            continue
        n_paired, r = pairs.get(scale, (0, None))
        if n_paired and not is_small(n_paired) and not _missing(r):
            test = "partially overlapping t-test"
            change = overlapping_change(int(n_x), mean_x, sd_x, int(n_y), mean_y, sd_y, n_paired, r)
        else:
            test, n_paired = "Welch's t-test", 0
            change = welch_change(int(n_x), mean_x, sd_x, int(n_y), mean_y, sd_y)
        rows.append(
            {
                "scale_type": scale_type,
                "scale": scale,
                "from": wave_from,
                "to": wave_to,
                "mean_from": mean_x,
                "mean_to": mean_y,
                "difference": change.difference,
                "n_matched": n_paired,
                "test": test,
                "p_value": change.p_value,
                "cohens_d": change.cohens_d,
                "effect": effect_words(change.cohens_d),
            }
        )
    adjusted = benjamini_hochberg([row["p_value"] for row in rows])
    for row, p in zip(rows, adjusted, strict=True):
        row["p_adjusted"] = p
        row["verdict"] = verdict(row["difference"], p, smallest)
    return rows


def successive_changes(stats: pd.DataFrame, matched: pd.DataFrame | None = None) -> pd.DataFrame:
    """wave_changes between each wave and the one before it, all waves."""
    order = stats.drop_duplicates("wave").sort_values("wave_order")["wave"].tolist()
    frames = [wave_changes(stats, a, b, matched) for a, b in zip(order, order[1:], strict=False)]
    return pd.concat(frames, ignore_index=True) if frames else wave_changes(stats, "", "")


def comparisons(stats: pd.DataFrame, matched: pd.DataFrame | None = None) -> pd.DataFrame:
    """The latest wave against the previous wave and against the first wave (DESIGN.md 3: the
    change since the start is often the larger one), each one family for the false discovery
    rate; column `comparison` says which ('previous wave', 'first wave'). With two waves the
    first is the previous, given once."""
    order = stats.drop_duplicates("wave").sort_values("wave_order")["wave"].tolist()
    frames = []
    if len(order) >= 2:
        previous = wave_changes(stats, order[-2], order[-1], matched)
        frames.append(previous.assign(comparison="previous wave"))
    if len(order) >= 3:
        first = wave_changes(stats, order[0], order[-1], matched)
        frames.append(first.assign(comparison="first wave"))
    if not frames:
        return wave_changes(stats, "", "").assign(comparison=None)
    return pd.concat(frames, ignore_index=True)


# Respondents matched across two waves by their respondent key (a key given to more than one
# respondent of a wave is ambiguous and left out), per scale: how many, and the correlation of
# their two scores.
_MATCHED_PAIRS = """,
keyed AS (
    SELECT {initiative}wave_id, grp AS respondent_key, scale, score FROM per_respondent
    WHERE scored AND grp IS NOT NULL
    QUALIFY count(*) OVER (PARTITION BY wave_id, grp, scale_type, scale) = 1
)
SELECT {pair_initiative}a.wave_id AS wave_from_id, b.wave_id AS wave_to_id, a.scale,
       count(*) AS n_paired, corr(a.score, b.score) AS r
FROM keyed a JOIN keyed b
  ON a.respondent_key = b.respondent_key AND a.scale = b.scale AND a.wave_id <> b.wave_id{same}
GROUP BY ALL
"""
# Only the scores of respondents whose key is in two waves or more are read: the others cannot
# be matched (most respondents, and all where no one gives a key).
_RETURNING_PEOPLE_OF_ONE = """
WITH returning_people AS (
    SELECT p.id, p.respondent_key FROM respondents p JOIN waves w ON w.id = p.wave_id
    WHERE w.initiative_id = $initiative AND p.respondent_key IS NOT NULL
    QUALIFY min(p.wave_id) OVER (PARTITION BY p.respondent_key)
        <> max(p.wave_id) OVER (PARTITION BY p.respondent_key)
),
per_respondent AS (
    SELECT s.wave_id, r.respondent_key AS grp, s.scale_type, s.scale, s.score,
           s.score IS NOT NULL AS scored
    FROM respondent_scale_scores s JOIN returning_people r ON r.id = s.respondent_id
)"""
_ONE_INITIATIVE_PAIRS = _RETURNING_PEOPLE_OF_ONE + _MATCHED_PAIRS.format(  # noqa: S608
    initiative="", pair_initiative="", same=""
)
# The same between every initiative's previous and latest wave, a key matched only within its
# initiative, of the respondents whose key is in both waves.
_RETURNING_PEOPLE = """
WITH latest AS (
    SELECT id, initiative_id FROM (
        SELECT id, initiative_id, row_number() OVER (
            PARTITION BY initiative_id ORDER BY opened_on DESC NULLS FIRST, label DESC) AS k
        FROM waves
    ) WHERE k <= 2
),
returning_people AS (
    SELECT p.id, l.initiative_id, p.respondent_key FROM respondents p
    JOIN latest l ON l.id = p.wave_id WHERE p.respondent_key IS NOT NULL
    QUALIFY min(p.wave_id) OVER (PARTITION BY l.initiative_id, p.respondent_key)
        <> max(p.wave_id) OVER (PARTITION BY l.initiative_id, p.respondent_key)
),
per_respondent AS (
    SELECT r.initiative_id, s.wave_id, r.respondent_key AS grp, s.scale_type, s.scale, s.score,
           s.score IS NOT NULL AS scored
    FROM respondent_scale_scores s JOIN returning_people r ON r.id = s.respondent_id
)"""
_LATEST_PAIRS_OF_EVERY_INITIATIVE = _RETURNING_PEOPLE + _MATCHED_PAIRS.format(  # noqa: S608
    initiative="initiative_id, ",
    pair_initiative="a.initiative_id, ",
    same=" AND a.initiative_id = b.initiative_id",
)


def _pairs_frame(raw: pd.DataFrame, waves: pd.DataFrame) -> pd.DataFrame:
    """matched_pairs' columns from the query's rows (wave ids) and the waves (id, label, in
    each initiative's order): only pairs whose first wave comes before the second."""
    label = dict(zip(waves["id"], waves["label"], strict=True))
    order = {wave_id: k for k, wave_id in enumerate(waves["id"])}
    raw = raw[raw["wave_from_id"].map(order) < raw["wave_to_id"].map(order)]
    return pd.DataFrame(
        {
            "wave_from": raw["wave_from_id"].map(label),
            "wave_to": raw["wave_to_id"].map(label),
            "scale": raw["scale"],
            "n_paired": raw["n_paired"].astype(int),
            "r": raw["r"],
        }
    )


def latest_matched_pairs(store: Store, user: User, initiative_ids: list[int]) -> pd.DataFrame:
    """matched_pairs between each initiative's previous and latest wave, for many initiatives
    from one query (the portfolio): initiative_id, wave_from, wave_to, scale, n_paired, r,
    concealed for `user`, who must be allowed to view each. Cached per data version."""
    for initiative_id in initiative_ids:
        require(user, Permission.VIEW, int(initiative_id))

    def compute() -> pd.DataFrame:
        raw = store.read_df(_LATEST_PAIRS_OF_EVERY_INITIATIVE)
        raw = raw[raw["initiative_id"].isin(ids)]
        waves = every_wave(store, user, ids).rename(columns={"wave_id": "id", "wave": "label"})
        pairs = _pairs_frame(raw, waves)
        pairs.insert(0, "initiative_id", raw.loc[pairs.index, "initiative_id"].astype(int))
        return pairs.reset_index(drop=True)

    ids = tuple(int(i) for i in initiative_ids)
    pairs = store.cached("latest matched pairs of initiatives", (ids,), compute)
    return conceal(pairs, user, n_column="n_paired", statistics=("r",))


@guarded(Permission.VIEW)
def matched_pairs(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Per pair of waves (wave_from before wave_to, labels) and scale: respondents matched by
    their respondent key (n_paired) and the correlation r of their two scale scores, for
    wave_changes. For a funder, no r of fewer matched respondents than the threshold (and
    wave_changes uses matched respondents only from the threshold up, for every reader)."""

    def compute() -> pd.DataFrame:
        raw = store.read_df(_ONE_INITIATIVE_PAIRS, {"initiative": initiative_id})
        return _pairs_frame(raw, store.waves(initiative_id)).reset_index(drop=True)

    pairs = store.cached("matched pairs", (initiative_id,), compute)
    return conceal(pairs, user, n_column="n_paired", statistics=("r",))


# -- breakdowns and suppression ----------------------------------------------------------------


@guarded(Permission.VIEW)
def breakdown_statistics(store: Store, user: User, initiative_id: int, by: str) -> pd.DataFrame:
    """Scale statistics by sector, role or organisation with their totals, suppressed (for
    everyone: scoring.suppressed_breakdown); a funder also does not see the size of a hidden
    group, nor organisations."""
    if by is None or by not in BREAKDOWNS:
        raise ValueError(f"breakdown must be one of sector, role, organisation, not {by!r}")
    if by == "organisation":
        require(user, Permission.VIEW_DETAIL, initiative_id)
    return conceal(suppressed_breakdown(store, initiative_id, by), user)


def _wave_breakdown_statistics(
    store: Store, initiative_id: int, wave_id: int
) -> tuple[pd.DataFrame, ...]:
    """The sector and role breakdowns (PAIRED_BREAKDOWNS) of one wave, suppressed together,
    not concealed, from one pass over that wave's answers; cached per data version."""
    return tuple(
        suppressed_breakdown(store, initiative_id, by, wave_id) for by in PAIRED_BREAKDOWNS
    )


@guarded(Permission.VIEW)
def wave_breakdowns(
    store: Store, user: User, initiative_id: int, wave_id: int
) -> dict[str, pd.DataFrame]:
    """breakdown_statistics by sector and by role of one wave only, concealed for `user` (the
    overview's highlights look at the latest wave): one pass over that wave's answers instead
    of every wave's. The suppression of a wave depends on that wave's figures only, so these
    are the rows breakdown_statistics gives for the wave."""
    paired = _wave_breakdown_statistics(store, initiative_id, wave_id)
    return {by: conceal(frame, user) for by, frame in zip(PAIRED_BREAKDOWNS, paired, strict=True)}


@guarded(Permission.VIEW)
def prepare_wave(store: Store, user: User, initiative_id: int, wave_id: int) -> None:
    """Compute into the cache what wave_reliability() and wave_breakdowns() read of one wave,
    for any reader (the overview runs this on its second thread beside the statistics)."""
    _wave_reliability(store, initiative_id, wave_id)
    _wave_breakdown_statistics(store, initiative_id, wave_id)


# -- a page filtered to one sector or role -----------------------------------------------------

# A page may be filtered to one group of these breakdowns (issue 19).
FILTER_BREAKDOWNS = PAIRED_BREAKDOWNS


def _check_filter(by: str, group: str) -> None:
    if by not in FILTER_BREAKDOWNS:
        raise ValueError(f"a filter is by one of {', '.join(FILTER_BREAKDOWNS)}, not {by!r}")
    if not isinstance(group, str) or group == ALL_GROUP:
        raise ValueError("a filter is one group of the breakdown, not the whole wave")


@guarded(Permission.VIEW)
def filter_groups(store: Store, user: User, initiative_id: int, by: str) -> list[str]:
    """The groups a page may be filtered to by `by` (sector or role): every group of the
    breakdown in any wave, in name order (the names the breakdown publishes anyway)."""
    _check_filter(by, "any")
    breakdown = breakdown_statistics(store, user, initiative_id, by)
    return sorted({str(g) for g in breakdown["group"]} - {ALL_GROUP})


@guarded(Permission.VIEW)
def filtered_statistics(
    store: Store, user: User, initiative_id: int, by: str, group: str
) -> pd.DataFrame:
    """The statistics of one sector or role in every wave, for a page filtered to it: exactly
    that group's cells of the published breakdown (breakdown_statistics), suppressed as there
    for every reader and concealed for a funder. A filtered view so publishes nothing the
    breakdown does not: a group too small is hidden with the hidden words, and 'all minus one
    sector' (or a sector minus a role) recovers no small group, since the breakdowns' hidden
    cells are chosen against exactly that (suppression.suppress_paired)."""
    _check_filter(by, group)
    breakdown = breakdown_statistics(store, user, initiative_id, by)
    return breakdown[breakdown["group"] == group].reset_index(drop=True)


@guarded(Permission.VIEW)
def filtered_reliability(
    store: Store, user: User, initiative_id: int, by: str, group: str
) -> pd.DataFrame:
    """reliability() over the respondents of one sector or role: no alpha (for any reader)
    where the group's cell of that wave and scale is hidden in the breakdown, and for a funder
    none from fewer complete answers than the threshold, nor the count of a hidden group's
    complete answers (`suppressed`)."""
    _check_filter(by, group)
    threshold = reliability_threshold()
    alpha = store.cached(
        "reliability of a group",
        (initiative_id, threshold, by, group),
        lambda: _reliability(store, initiative_id, threshold, by=by, group=group),
    )
    cells = suppressed_breakdown(store, initiative_id, by)
    cells = cells[cells["group"] == group]
    shown = set(zip(cells.loc[~cells["suppressed"].astype(bool), "wave"], cells.loc[
        ~cells["suppressed"].astype(bool), "scale"], strict=True))  # fmt: skip
    hidden = pd.Series(
        [(w, s) not in shown for w, s in zip(alpha["wave"], alpha["scale"], strict=True)],
        index=alpha.index,
        dtype=bool,
    )
    alpha = alpha.assign(suppressed=hidden)
    for column in ("alpha", "alpha_low", "alpha_high"):
        alpha[column] = alpha[column].astype(float).where(~hidden)
    alpha["reliability"] = alpha["reliability"].astype(object).where(~hidden, None)
    alpha["unreliable"] = alpha["unreliable"] & ~hidden
    return conceal_alpha(alpha, user)


def _filter_sql(by: str | None, group: str | None) -> tuple[str, list]:
    """The condition (on respondents as `p`) and parameters that keep one sector's or role's
    respondents; nothing without a filter. BREAKDOWNS holds fixed SQL; the group is bound."""
    if by is None:
        return "", []
    _check_filter(by, group)
    return f" AND {BREAKDOWNS[by]} = ?", [group]


def _hidden_group_counts(store: Store, initiative_id: int) -> set[tuple[str, int, str]]:
    """(breakdown, wave_id, group) of the sector and role groups whose respondent counts a
    funder may not see: hidden in the breakdown of those counts (suppress_paired over the
    sector x role counts of each wave, so no small count follows from the others), or hidden
    on any scale of the published breakdown of that wave (so a count shown beside a hidden
    scale cell cannot single it out of the hidden cells). Cached per data version."""

    def compute() -> set[tuple[str, int, str]]:
        first, second = (BREAKDOWNS[by] for by in PAIRED_BREAKDOWNS)
        crossed = store.read_df(
            f"SELECT p.wave_id, {first} AS grp, {second} AS grp2, count(*) AS n"  # noqa: S608 (composed of constants)
            " FROM respondents p JOIN waves w ON w.id = p.wave_id"
            " WHERE w.initiative_id = ? GROUP BY ALL",
            [initiative_id],
        ).assign(scale="respondents")
        total = crossed.groupby("wave_id", as_index=False)["n"].sum().assign(group=ALL_GROUP)
        frames = []
        for column in ("grp", "grp2"):
            groups = crossed.groupby(["wave_id", column], as_index=False)["n"].sum()
            frame = pd.concat([total, groups.rename(columns={column: "group"})])
            frames.append(frame.assign(scale="respondents", scale_type="count"))
        counted = suppress_paired(*frames, crossed)
        hidden = set()
        for by, counts in zip(PAIRED_BREAKDOWNS, counted, strict=True):
            scales = suppressed_breakdown(store, initiative_id, by)
            for frame in (counts, scales):
                rows = frame[frame["suppressed"].astype(bool) & (frame["group"] != ALL_GROUP)]
                pairs = zip(rows["wave_id"], rows["group"], strict=True)
                hidden |= {(by, int(w), str(g)) for w, g in pairs}
        return hidden

    return store.cached("hidden group counts", (initiative_id, suppression_threshold()), compute)


# -- perception gaps ---------------------------------------------------------------------------


GAP_COLUMNS = [
    "wave",
    "wave_order",
    "scale_type",
    "scale",
    "gap",
    "highest",
    "highest_mean",
    "highest_n",
    "lowest",
    "lowest_mean",
    "lowest_n",
    "p_value",
    "flagged",
]


def perception_gaps(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Per wave and scale: highest minus lowest mean among the groups shown (not suppressed),
    with the two groups and their n. Flagged when the gap is at least COMMON_MEASURE_GAP_FLAG
    and the two groups differ (Welch's t-test, p < 0.05): a large gap between two small, spread
    out groups is noise. An index (no respondent-level sd) has no test and is never flagged.
    `breakdown` is suppressed already."""
    flag = gap_flag()
    groups = breakdown[(breakdown["group"] != ALL_GROUP) & ~breakdown["suppressed"]]
    rows = []
    for (wave, scale), cells in groups.groupby(["wave", "scale"], sort=False):
        cells = cells.dropna(subset=["mean"])
        if len(cells) < 2:
            continue
        high = cells.loc[cells["mean"].astype(float).idxmax()]
        low = cells.loc[cells["mean"].astype(float).idxmin()]
        gap = float(high["mean"]) - float(low["mean"])
        test = welch_change(
            _count(low["n"]), float(low["mean"]), _number(low.get("sd")),
            _count(high["n"]), float(high["mean"]), _number(high.get("sd")),
        )  # fmt: skip
        rows.append(
            {
                "wave": wave,
                "wave_order": high["wave_order"],
                "scale_type": high["scale_type"],
                "scale": scale,
                "gap": gap,
                "highest": high["group"],
                "highest_mean": float(high["mean"]),
                "highest_n": high["n"],
                "lowest": low["group"],
                "lowest_mean": float(low["mean"]),
                "lowest_n": low["n"],
                "p_value": test.p_value,
                "flagged": bool(gap >= flag and test.p_value is not None and test.p_value < 0.05),
            }
        )
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _number(value: object) -> float:
    return float("nan") if _missing(value) or pd.isna(value) else float(value)


def _count(value: object) -> int:
    return 0 if _missing(value) or pd.isna(value) else int(value)


# -- participation and diversity ---------------------------------------------------------------


def shannon_evenness(counts: list[int] | pd.Series, categories: int | None = None) -> float | None:
    """Pielou's evenness H / ln S of a mix. S is `categories` (DESIGN.md 3: all of the
    initiative's sectors, so that a mix missing some sectors reads as less even) or, without
    it, the categories present. None without two categories to spread over, or an empty mix."""
    values = np.array([c for c in counts if c > 0], dtype=float)
    spread = len(values) if categories is None else max(categories, len(values))
    if len(values) == 0 or spread < 2:
        return None
    shares = values / values.sum()
    return float(-(shares * np.log(shares)).sum() / math.log(spread))


def _sector_count(store: Store, initiative_id: int) -> int:
    """How many sectors the initiative's list has (its own list, else the default)."""
    own = store.read_one(
        "SELECT count(*) FROM answer_choices WHERE initiative_id = ? AND field = 'sector'",
        [initiative_id],
    )
    return int(own) if own else len(DEFAULT_CHOICES["sector"])


PARTICIPATION_COLUMNS = [
    "wave",
    "opened_on",
    "respondents",
    "responding_partners",
    "active_partners",
    "response_rate",
    "evenness_responding",
    "evenness_active",
    "sectors_responding",
    "sectors_active",
]


@guarded(Permission.VIEW)
def participation(
    store: Store, user: User, initiative_id: int, by: str | None = None, group: str | None = None
) -> pd.DataFrame:
    """Per wave: respondents, responding partners, active partners (joined on or before the
    wave opened and not left by then), their ratio, and the Shannon evenness of the sector mix
    of responding partners and of active partners over all the initiative's sectors, beside
    the count of sectors present.

    Filtered to one sector or role (`by`, `group`): its respondents, and the partners with a
    respondent in it; for a sector, its active partners only (and no evenness: one sector has
    no mix). A funder sees a filtered group's counts only where its respondent count is
    published (see _hidden_group_counts), else the row's figures are empty."""
    rows = store.cached(
        "participation",
        (initiative_id, by, group),
        lambda: _participation_rows(store, initiative_id, by, group),
    )
    # A funder sees how many took part only when the wave is large enough to be shown.
    shown = conceal(
        rows,
        user,
        n_column="respondents",
        statistics=(
            "responding_partners",
            "response_rate",
            "evenness_responding",
            "sectors_responding",
        ),
    )
    if user.aggregated_only and not shown.empty:
        # Where a sector's responding partners are hidden, the evenness of the responding mix
        # would be one more equation to solve them from: it is hidden too.
        by_sector = participation_by_sector(store, user, initiative_id, by, group)
        partial = set(by_sector.loc[by_sector["responding_partners"].isna(), "wave"])
        if by == "role":
            partial = set(shown["wave"])  # the mix of one role's partners is not published
        for column in ("evenness_responding", "sectors_responding"):
            shown[column] = shown[column].where(~shown["wave"].isin(partial))
        if by == "sector":
            # How many of a sector's few partners took part is hidden on the sector mix
            # (participation_by_sector): filtered to that sector, it is hidden here too.
            for column in ("responding_partners", "response_rate"):
                shown[column] = pd.to_numeric(shown[column], errors="coerce").where(
                    ~shown["wave"].isin(partial)
                )
        if by is not None:
            hidden = _hidden_group_counts(store, initiative_id)
            waves = store.waves(initiative_id)
            ids = dict(zip(waves["label"], waves["id"], strict=True))
            gone = shown["wave"].map(lambda w: (by, int(ids[w]), group) in hidden).astype(bool)
            for column in (
                "respondents",
                "responding_partners",
                "response_rate",
                "evenness_responding",
                "sectors_responding",
            ):
                shown[column] = pd.to_numeric(shown[column], errors="coerce").where(~gone)
    return shown


def _participation_rows(
    store: Store, initiative_id: int, by: str | None, group: str | None
) -> pd.DataFrame:
    """participation() for any reader, before concealment."""
    where, params = _filter_sql(by, group)
    of_sector = " AND pa.sector = ?" if by == "sector" else ""
    sector_params = [group] if by == "sector" else []
    waves = store.waves(initiative_id)
    sectors = _sector_count(store, initiative_id)
    rows = []
    for wave in waves.itertuples():
        counts = store.read_df(
            "SELECT count(*) AS respondents,"  # noqa: S608 (composed of constants)
            " count(DISTINCT pa.id) FILTER (WHERE true" + of_sector + ") AS responding"
            " FROM respondents p LEFT JOIN partners pa ON pa.id = p.partner_id"
            " WHERE p.wave_id = ?" + where,
            [*sector_params, wave.id, *params],
        ).iloc[0]
        active = store.read_df(
            "SELECT sector, count(*) AS partners FROM partners pa WHERE initiative_id = ?"  # noqa: S608 (composed of constants)
            " AND (joined_on IS NULL OR joined_on <= ?) AND (left_on IS NULL OR left_on > ?)"
            + of_sector
            + " GROUP BY sector",
            [initiative_id, wave.opened_on, wave.opened_on, *sector_params],
        )
        responding = store.read_df(
            "SELECT pa.sector, count(DISTINCT pa.id) AS partners FROM respondents p"  # noqa: S608 (composed of constants)
            " JOIN partners pa ON pa.id = p.partner_id WHERE p.wave_id = ?"
            + where
            + of_sector
            + " GROUP BY pa.sector",
            [wave.id, *params, *sector_params],
        )
        n_active = int(active["partners"].sum())
        mixed = by != "sector"  # one sector has no mix to be even
        rows.append(
            {
                "wave": wave.label,
                "opened_on": wave.opened_on,
                "respondents": int(counts["respondents"]),
                "responding_partners": int(counts["responding"]),
                "active_partners": n_active,
                "response_rate": counts["responding"] / n_active if n_active else None,
                "evenness_responding": (
                    shannon_evenness(responding["partners"], sectors) if mixed else None
                ),
                "evenness_active": shannon_evenness(active["partners"], sectors) if mixed else None,
                "sectors_responding": int((responding["partners"] > 0).sum()),
                "sectors_active": int((active["partners"] > 0).sum()),
            }
        )
    return pd.DataFrame(rows, columns=PARTICIPATION_COLUMNS)


def latest_participation(store: Store, user: User, initiative_ids: list[int]) -> pd.DataFrame:
    """participation() of each initiative's latest wave, for many initiatives from three
    queries (the portfolio): initiative_id, wave_id, respondents, responding_partners and
    active_partners, concealed as participation() conceals them; initiatives without a wave
    have no row. `user` must be allowed to view each initiative."""
    for initiative_id in initiative_ids:
        require(user, Permission.VIEW, int(initiative_id))

    def compute() -> pd.DataFrame:
        waves = every_wave(store, user, ids)
        latest = waves.drop_duplicates("initiative_id", keep="last")[
            ["initiative_id", "wave_id", "opened_on"]
        ]
        counts = store.read_df(
            "SELECT wave_id, count(*) AS respondents,"
            " count(DISTINCT partner_id) AS responding_partners FROM respondents GROUP BY wave_id"
        )
        active = store.read_df(
            "SELECT w.id AS wave_id, count(*) AS active_partners FROM waves w"
            " JOIN partners p ON p.initiative_id = w.initiative_id"
            " AND (p.joined_on IS NULL OR p.joined_on <= w.opened_on)"
            " AND (p.left_on IS NULL OR p.left_on > w.opened_on) GROUP BY w.id"
        )
        out = latest.merge(counts, on="wave_id", how="left").merge(active, on="wave_id", how="left")
        for column in ("respondents", "responding_partners", "active_partners"):
            out[column] = out[column].fillna(0).astype(int)
        return out.drop(columns="opened_on").reset_index(drop=True)

    ids = tuple(int(i) for i in initiative_ids)
    latest = store.cached("latest participation of initiatives", (ids,), compute)
    return conceal(
        latest,
        user,
        n_column="respondents",
        statistics=("responding_partners",),
    )


@guarded(Permission.VIEW)
def participation_by_sector(
    store: Store, user: User, initiative_id: int, by: str | None = None, group: str | None = None
) -> pd.DataFrame:
    """Per wave and sector: active partners and responding partners. A funder does not see
    which of a sector's few partners took part (fewer active partners than the suppression
    threshold: the responding count is hidden), since the sector may name the organisation.

    Filtered to one sector (`by`, `group`): that sector's rows, its responding partners those
    with a respondent of the sector; to one role: every sector, its responding partners those
    with a respondent in the role. A funder sees no responding partners of a wave where the
    filtered group's respondent count is hidden (participation)."""
    where, params = _filter_sql(by, group)

    def compute() -> pd.DataFrame:
        return store.read_df(
            "SELECT w.label AS wave, w.id AS wave_id, w.opened_on, pa.sector,"  # noqa: S608 (composed of constants)
            " count(*) AS active_partners,"
            " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM respondents p"
            "   WHERE p.wave_id = w.id AND p.partner_id = pa.id"
            + where
            + ")) AS responding_partners"
            " FROM waves w JOIN partners pa ON pa.initiative_id = w.initiative_id"
            " AND (pa.joined_on IS NULL OR pa.joined_on <= w.opened_on)"
            " AND (pa.left_on IS NULL OR pa.left_on > w.opened_on)"
            " WHERE w.initiative_id = ? GROUP BY ALL ORDER BY w.opened_on, pa.sector",
            [*params, initiative_id],
        )

    frame = store.cached("participation by sector", (initiative_id, by, group), compute)
    if user.aggregated_only:
        frame["responding_partners"] = frame["responding_partners"].where(~_sectors_hidden(frame))
        if by is not None:
            hidden = _hidden_group_counts(store, initiative_id)
            gone = frame["wave_id"].map(lambda w: (by, int(w), group) in hidden).astype(bool)
            frame["responding_partners"] = frame["responding_partners"].where(~gone)
    if by == "sector":
        frame = frame[frame["sector"] == group]
    return frame.drop(columns="wave_id").reset_index(drop=True)


def _sectors_hidden(by_sector: pd.DataFrame) -> pd.Series:
    """Per row of participation_by_sector: whether a funder's copy hides the sector's
    responding partners. A sector of fewer active partners than the threshold is hidden, and
    beside it the next-smallest sectors until the hidden ones hold at least the threshold
    together: the wave's total of responding partners minus the shown sectors then tells only
    how many of that many partners took part."""
    hidden = pd.Series(False, index=by_sector.index)
    for _wave, rows in by_sector.groupby("wave", sort=False):
        sizes = dict(zip(rows["sector"], rows["active_partners"].astype(float), strict=True))
        chosen = hidden_groups(sizes)
        hidden[rows.index] = rows["sector"].isin(chosen)
    return hidden


@guarded(Permission.VIEW_DETAIL)
def non_responding_partners(
    store: Store, user: User, initiative_id: int, by: str | None = None, group: str | None = None
) -> pd.DataFrame:
    """Active partners with no respondent in the latest wave, for follow-up; filtered to a
    sector, that sector's partners; to a role, the partners with no respondent in that role."""
    waves = store.waves(initiative_id)
    if waves.empty:
        return pd.DataFrame(columns=["partner", "sector", "joined_on", "last_responded"])
    latest = waves.iloc[-1]
    where, params = _filter_sql(by, group)
    of_sector = " AND pa.sector = ?" if by == "sector" else ""
    return store.read_df(
        "SELECT pa.name AS partner, pa.sector, pa.joined_on,"  # noqa: S608 (composed of constants)
        " (SELECT arg_max(w.label, w.opened_on) FROM respondents p"
        "   JOIN waves w ON w.id = p.wave_id WHERE p.partner_id = pa.id" + where + ")"
        " AS last_responded"
        " FROM partners pa WHERE pa.initiative_id = ?"
        " AND (pa.joined_on IS NULL OR pa.joined_on <= ?)"
        " AND (pa.left_on IS NULL OR pa.left_on > ?)" + of_sector + " AND NOT EXISTS"
        " (SELECT 1 FROM respondents p WHERE p.wave_id = ? AND p.partner_id = pa.id" + where + ")"
        " ORDER BY pa.sector, pa.name",
        [
            *params,
            initiative_id,
            latest["opened_on"],
            latest["opened_on"],
            *([group] if by == "sector" else []),
            int(latest["id"]),
            *params,
        ],
    )


# -- item distributions ------------------------------------------------------------------------


@guarded(Permission.VIEW)
def item_distributions(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Per wave and item: counts of each answer 1..5 (as given, before reverse coding) and of
    missing answers, with the item's scales; for a funder, no counts of an item answered by
    fewer respondents than the suppression threshold."""
    frame = store.read_df(
        "SELECT w.label AS wave, w.opened_on, r.item_id,"
        " count(*) FILTER (WHERE r.value = 1) AS a1, count(*) FILTER (WHERE r.value = 2) AS a2,"
        " count(*) FILTER (WHERE r.value = 3) AS a3, count(*) FILTER (WHERE r.value = 4) AS a4,"
        " count(*) FILTER (WHERE r.value = 5) AS a5,"
        " count(*) FILTER (WHERE r.value IS NULL) AS missing"
        " FROM responses r JOIN respondents p ON p.id = r.respondent_id"
        " JOIN waves w ON w.id = p.wave_id WHERE w.initiative_id = ?"
        " GROUP BY ALL ORDER BY w.opened_on, r.item_id",
        [initiative_id],
    )
    items = store.instrument_items(initiative_id)
    frame = frame.merge(items, on="item_id", how="left")
    frame["n"] = frame[["a1", "a2", "a3", "a4", "a5"]].sum(axis=1)  # who answered the item
    return conceal(frame, user, statistics=("a1", "a2", "a3", "a4", "a5", "missing"))


_COUNTS = ("a1", "a2", "a3", "a4", "a5", "missing")


@guarded(Permission.VIEW)
def group_item_distributions(
    store: Store, user: User, initiative_id: int, by: str, group: str, wave: str
) -> pd.DataFrame:
    """item_distributions of one sector or role (`by`, `group`) in one wave: the drill-down of
    a cell of the group heatmap.

    Suppression follows the breakdown the heatmap shows (breakdown_statistics): an item's
    counts are given only where the group is shown (not suppressed) in that wave on every one of
    the item's scales (its condition, its principle), for every reader (the item answers of a
    group hidden on one scale would rebuild that scale's hidden mean); for a funder, also only
    where at least the suppression threshold answered the item (conceal). Elsewhere the counts
    are empty and `suppressed` is True."""
    if by not in PAIRED_BREAKDOWNS:
        raise ValueError(f"breakdown must be one of sector, role, not {by!r}")
    if group == ALL_GROUP:
        raise ValueError("a group of the breakdown, not the whole wave")
    breakdown = breakdown_statistics(store, user, initiative_id, by)
    cells = breakdown[(breakdown["wave"] == wave) & (breakdown["group"] == group)]
    shown = set(cells.loc[~cells["suppressed"].fillna(True).astype(bool), "scale"])
    frame = store.read_df(
        "SELECT w.label AS wave, r.item_id,"
        " count(*) FILTER (WHERE r.value = 1) AS a1, count(*) FILTER (WHERE r.value = 2) AS a2,"
        " count(*) FILTER (WHERE r.value = 3) AS a3, count(*) FILTER (WHERE r.value = 4) AS a4,"
        " count(*) FILTER (WHERE r.value = 5) AS a5,"
        " count(*) FILTER (WHERE r.value IS NULL) AS missing"
        " FROM responses r JOIN respondents p ON p.id = r.respondent_id"
        " JOIN waves w ON w.id = p.wave_id WHERE w.initiative_id = ? AND w.label = ?"
        " AND CASE WHEN ? = 'sector' THEN coalesce(p.sector, 'not given')"
        " ELSE coalesce(p.role, 'not given') END = ?"  # as BREAKDOWNS groups them
        " GROUP BY ALL ORDER BY r.item_id",
        [initiative_id, wave, by, group],
    )
    frame = frame.merge(store.instrument_items(initiative_id), on="item_id", how="left")
    frame["n"] = frame[["a1", "a2", "a3", "a4", "a5"]].sum(axis=1)  # who answered the item
    hidden = pd.Series(False, index=frame.index)
    for scale_type in ("condition", "principle"):
        scales = frame[scale_type]
        hidden |= scales.notna() & ~scales.isin(shown)
    frame["suppressed"] = hidden
    for column in _COUNTS:
        frame[column] = frame[column].astype(float).where(~hidden)
    return conceal(frame, user, statistics=_COUNTS).reset_index(drop=True)
