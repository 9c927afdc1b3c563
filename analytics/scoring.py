"""Scale scores by the rules of DESIGN.md section 3, computed in DuckDB.

The rules are written once, as SQL over two relations: `answers` (respondent_id, wave_id, grp,
item_id, value) and `instrument_items` (item_id, condition, principle, reverse). The same SQL
runs over pandas frames (tests, uploads) and over the stored tables of one initiative (the app,
the CLI). The SQL is composed only from this module's constants; every value is bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import settings
from analytics.access import Permission, User, conceal, guarded, require
from analytics.answers import VALID_VALUES
from analytics.instrument import CONDITIONS, INDEX_OF, PRINCIPLES, SCALE_TYPES
from analytics.store import Store

# A breakdown groups respondents by one of their fields; None is the whole wave.
BREAKDOWNS: dict[str | None, str] = {
    None: "'all'",
    "sector": "coalesce(p.sector, 'not given')",
    "role": "coalesce(p.role, 'not given')",
    "organisation": "coalesce(p.organisation, 'not given')",
}
ALL_GROUP = "all"

STAT_COLUMNS = [
    "wave_id",
    "group",
    "scale_type",
    "scale",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "pct_favourable",
    "band",
    "suppressed",
]


@dataclass(frozen=True)
class Bands:
    """Thresholds of the strength / borderline / concern bands (settings)."""

    strength: float
    borderline: float

    @classmethod
    def from_settings(cls) -> Bands:
        return cls(
            settings.get("COMMON_MEASURE_BAND_STRENGTH"),
            settings.get("COMMON_MEASURE_BAND_BORDERLINE"),
        )

    def of(self, mean: float | None) -> str | None:
        """'strength' at or above the strength threshold, 'borderline' at or above the
        borderline one, else 'concern'; None when there is no mean. The mean is taken as shown,
        to two decimals, so that 3.996 (shown 4.00) is a strength like 4.00 itself."""
        if mean is None or (isinstance(mean, float) and math.isnan(mean)):
            return None
        mean = round(float(mean), 2)
        if mean >= self.strength:
            return "strength"
        if mean >= self.borderline:
            return "borderline"
        return "concern"


class InvalidAnswerError(ValueError):
    """Answers that are neither 1..5 nor missing reached scoring: a bug upstream, never coerced."""

    def __init__(self, bad: pd.DataFrame):
        self.bad = bad
        first = bad.head(5).to_dict("records")
        super().__init__(f"{len(bad)} answer(s) are not 1-5 or missing, e.g. {first}")


# The scale memberships of the items: one row per (item, scale) it feeds.
_SCALE_ITEMS = """
    SELECT item_id, 'condition' AS scale_type, condition AS scale, reverse FROM instrument_items
        WHERE condition IS NOT NULL
    UNION ALL
    SELECT item_id, 'principle' AS scale_type, principle AS scale, reverse FROM instrument_items
        WHERE principle IS NOT NULL
"""

# Respondent scale scores: the mean of the respondent's reverse-coded valid answers in the scale,
# kept only when at least half of the scale's items (rounded up) are answered.
_RESPONDENT_SCORES = f"""
WITH scale_items AS ({_SCALE_ITEMS}),
scale_size AS (
    SELECT scale_type, scale, count(*) AS n_items FROM scale_items GROUP BY scale_type, scale
),
coded AS (
    SELECT a.respondent_id, a.wave_id, a.grp, s.scale_type, s.scale,
           CASE WHEN s.reverse THEN 6 - a.value ELSE a.value END AS value
    FROM answers a JOIN scale_items s ON s.item_id = a.item_id
    WHERE a.value IS NOT NULL
),
respondent_scores AS (
    SELECT c.respondent_id, c.wave_id, c.grp, c.scale_type, c.scale,
           avg(c.value) AS score, count(*) AS answered, any_value(z.n_items) AS n_items
    FROM coded c JOIN scale_size z ON z.scale_type = c.scale_type AND z.scale = c.scale
    GROUP BY c.respondent_id, c.wave_id, c.grp, c.scale_type, c.scale
    HAVING count(*) >= ceil(any_value(z.n_items) / 2.0)
)
"""  # noqa: S608 (composed of constants)

# One pass over the coded answers: each respondent's scale mean, answers and favourable answers,
# then the group figures over the respondents who have a score (n, mean, sd) and over every
# valid answer (% favourable).
_GROUP_STATISTICS = (
    _RESPONDENT_SCORES  # noqa: S608 (composed of constants)
    + """,
per_respondent AS (
    SELECT c.wave_id, c.grp, c.scale_type, c.scale, avg(c.value) AS score,
           count(*) AS answered, count(*) FILTER (WHERE c.value >= 4) AS favourable,
           count(*) >= ceil(any_value(z.n_items) / 2.0) AS scored
    FROM coded c JOIN scale_size z ON z.scale_type = c.scale_type AND z.scale = c.scale
    GROUP BY c.respondent_id, c.wave_id, c.grp, c.scale_type, c.scale
)
SELECT wave_id, grp AS "group", scale_type, scale,
       count(*) FILTER (WHERE scored) AS n,
       avg(score) FILTER (WHERE scored) AS mean,
       stddev_samp(score) FILTER (WHERE scored) AS sd,
       100.0 * sum(favourable) / sum(answered) AS pct_favourable
FROM per_respondent GROUP BY wave_id, grp, scale_type, scale
"""
)


def check_answer_values(answers: pd.DataFrame) -> None:
    """Raise InvalidAnswerError if any non-missing value is not an integer 1..5."""
    values = answers["value"]
    present = values.notna()
    ok = values[present].isin(list(VALID_VALUES))
    if not ok.all():
        raise InvalidAnswerError(answers[present][~ok])


def _frames_connection(answers: pd.DataFrame, items: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    check_answer_values(answers)
    frame = answers.copy()
    if "grp" not in frame.columns:
        frame["grp"] = ALL_GROUP
    frame["value"] = frame["value"].astype("Float64")
    con = duckdb.connect()
    con.register("answers", frame[["respondent_id", "wave_id", "grp", "item_id", "value"]])
    item_frame = items.copy()
    for column in ("condition", "principle"):
        item_frame[column] = item_frame[column].astype("string").replace("", pd.NA)
    item_frame["reverse"] = item_frame["reverse"].astype(bool)
    con.register("instrument_items", item_frame[["item_id", "condition", "principle", "reverse"]])
    return con


def respondent_scores(answers: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Respondent scale scores (DESIGN.md section 3) from answer and item frames.

    answers: respondent_id, wave_id, item_id, value (1..5 or missing), optional grp.
    items: item_id, condition, principle, reverse.
    Returns one row per respondent and scale that has a score: the mean of the respondent's
    valid answers (reverse-coded items as 6 - value), present only when at least half of the
    scale's items, rounded up, are answered. Raises InvalidAnswerError on a value not 1..5.
    """
    con = _frames_connection(answers, items)
    return con.execute(
        _RESPONDENT_SCORES  # noqa: S608 (composed of constants)
        + " SELECT respondent_id, wave_id, scale_type, scale, score, answered, n_items"
        " FROM respondent_scores ORDER BY respondent_id, scale_type, scale"
    ).df()


def _finish(raw: pd.DataFrame, bands: Bands, min_n: int) -> pd.DataFrame:
    """Add the 95% t confidence interval, the band and the small-group flag; add the indices."""
    out = raw.copy()
    out["n"] = out["n"].astype(int)
    n = out["n"].to_numpy(dtype=float)
    sd = out["sd"].to_numpy(dtype=float)
    from scipy import stats as scipy_stats  # here: importing scipy costs most of a second

    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, scipy_stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half = t * sd / np.sqrt(n)
    out["ci_low"] = np.where(n >= 2, out["mean"] - half, np.nan)
    out["ci_high"] = np.where(n >= 2, out["mean"] + half, np.nan)
    out = pd.concat([out, _indices(out)], ignore_index=True)
    out["band"] = [bands.of(m) for m in out["mean"]]
    out["suppressed"] = out["n"] < min_n
    order = {key: i for i, key in enumerate([*CONDITIONS, *PRINCIPLES, *INDEX_OF.values()])}
    out["_order"] = out["scale"].map(order)
    out = out.sort_values(["wave_id", "group", "_order"]).drop(columns="_order")
    return out[STAT_COLUMNS].reset_index(drop=True)


def _indices(stats: pd.DataFrame) -> pd.DataFrame:
    """Collective Impact index = mean of the five condition means; Partnering index = mean of
    the five principle means; each only where all five have a mean. Its n is the smallest n of
    the five, so that suppressing a small scale also suppresses the index built on it."""
    rows = []
    for (wave_id, group), frame in stats.groupby(["wave_id", "group"], sort=False):
        for scale_type, index_key in INDEX_OF.items():
            keys = list(SCALE_TYPES[scale_type])
            means = frame[frame["scale_type"] == scale_type].set_index("scale")["mean"]
            if set(keys) <= set(means.dropna().index):
                part = frame[(frame["scale_type"] == scale_type) & frame["scale"].isin(keys)]
                rows.append(
                    {
                        "wave_id": wave_id,
                        "group": group,
                        "scale_type": "index",
                        "scale": index_key,
                        "n": int(part["n"].min()),
                        "mean": float(means[keys].mean()),
                        "sd": np.nan,
                        "pct_favourable": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=list(stats.columns))


def group_statistics(
    answers: pd.DataFrame,
    items: pd.DataFrame,
    *,
    bands: Bands | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Group statistics per wave, group (column grp, else 'all') and scale, plus the indices.

    n = respondents with a scale score; mean; sd (ddof 1); 95% CI from the t distribution when
    n >= 2; pct_favourable = share (0-100) of the group's valid answers in the scale that are
    4 or 5 after reverse coding; band by the thresholds; suppressed when n < min_n.
    """
    con = _frames_connection(answers, items)
    raw = con.execute(_GROUP_STATISTICS).df()
    return _finish(
        raw,
        bands or Bands.from_settings(),
        settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N") if min_n is None else min_n,
    )


# -- the same rules over the store, cached per data version ----------------------------------

_STORE_ANSWERS = """
answers AS (
    SELECT r.respondent_id, p.wave_id, {group} AS grp, r.item_id, r.value
    FROM responses r
    JOIN respondents p ON p.id = r.respondent_id
    JOIN waves w ON w.id = p.wave_id
    WHERE w.initiative_id = $initiative
),
instrument_items AS (
    SELECT i.item_id, i.condition, i.principle, i.reverse
    FROM items i JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id
    WHERE ii.initiative_id = $initiative
),
"""


@guarded(Permission.VIEW)
def initiative_statistics(
    store: Store, user: User, initiative_id: int, by: str | None = None
) -> pd.DataFrame:
    """Group statistics of every wave of one initiative, with wave labels and dates; cached
    per data version (Store.cached). A funder sees them concealed (access.conceal) and never
    by organisation."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; use one of sector, role, organisation")
    if by == "organisation":
        require(user, Permission.VIEW_DETAIL, initiative_id)
    return conceal(_initiative_statistics(store, initiative_id, by), user)


def _initiative_statistics(store: Store, initiative_id: int, by: str | None) -> pd.DataFrame:
    bands, min_n = Bands.from_settings(), settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N")

    def compute() -> pd.DataFrame:
        # BREAKDOWNS holds fixed SQL expressions; the initiative is a bound parameter.
        sql = (
            "WITH "
            + _STORE_ANSWERS.format(group=BREAKDOWNS[by])
            + _GROUP_STATISTICS.removeprefix("\nWITH ")
        )
        raw = store.read_df(sql, {"initiative": initiative_id})
        result = _finish(raw, bands, min_n)
        waves = store.waves(initiative_id).rename(columns={"id": "wave_id", "label": "wave"})
        waves["wave_order"] = range(len(waves))
        result = result.merge(waves, on="wave_id", how="left")
        return result.sort_values(["wave_order", "group"], kind="stable").reset_index(drop=True)

    return store.cached("statistics", (initiative_id, by, bands, min_n), compute)


def latest_changes(stats: pd.DataFrame) -> pd.DataFrame:
    """For the whole-wave group: each scale's latest mean beside the previous wave's.

    One row per scale and index with wave, mean, n, band, previous_wave, previous_mean and
    change (latest minus previous; missing when either wave has no mean).
    """
    whole = stats[stats["group"] == ALL_GROUP]
    order = whole.drop_duplicates("wave_id").sort_values("wave_order")["wave_id"].tolist()
    columns = [
        "scale_type",
        "scale",
        "wave",
        "n",
        "mean",
        "band",
        "previous_wave",
        "previous_mean",
        "change",
    ]
    if not order:
        return pd.DataFrame(columns=columns)
    latest = whole[whole["wave_id"] == order[-1]]
    result = latest[["scale_type", "scale", "wave", "n", "mean", "band"]].copy()
    if len(order) >= 2:
        previous = whole[whole["wave_id"] == order[-2]][["scale", "wave", "mean"]].rename(
            columns={"wave": "previous_wave", "mean": "previous_mean"}
        )
        result = result.merge(previous, on="scale", how="left")
    else:
        result["previous_wave"] = None
        result["previous_mean"] = np.nan
    result["change"] = result["mean"] - result["previous_mean"]
    return result[columns].reset_index(drop=True)
