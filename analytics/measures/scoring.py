"""Scale scores by the rules of DESIGN.md section 3, computed in DuckDB.

The rules are written once, as SQL over two relations: `answers` (respondent_id, wave_id, grp,
item_id, value) and `instrument_items` (item_id, condition, principle, reverse). The same SQL
runs over pandas frames (tests, uploads) and over the stored tables of one initiative (the app,
the CLI). The SQL is composed only from this module's constants; every value is bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import settings
from analytics.access.permissions import Permission, User, guarded, require
from analytics.ingest.answers import VALID_VALUES
from analytics.instrument import CONDITIONS, INDEX_OF, PRINCIPLES, SCALE_TYPES
from analytics.measures.distributions import t_quantile
from analytics.measures.groups import ALL_GROUP, BREAKDOWNS, PAIRED_BREAKDOWNS
from analytics.measures.suppression import (
    SCALE_STATISTICS,
    conceal,
    is_small,
    suppress,
    suppress_paired,
    suppression_threshold,
)
from analytics.store.connection import Store
from analytics.store.score_cells import (
    cell_figures_sql,
    combine_cells,
    crossed_counts_sql,
    paired_cell_figures_sql,
)

# A group's statistics: its keys, then its figures (the command line's and the exports' columns).
STAT_KEYS = ["wave_id", "group", "scale_type", "scale"]
STAT_FIGURES = ["n", *SCALE_STATISTICS, "suppressed"]
STAT_COLUMNS = [*STAT_KEYS, *STAT_FIGURES]


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

# The answers come as one list per respondent: `answer_lists` (respondent_id, wave_id, grp,
# item_list_id, answers) with `answer_item_lists` (id, item_ids) naming the items of each list
# position. `coded` holds, per respondent and scale, the reverse-coded values of the scale's
# items in item id order (missing ones as NULL), read from the list without unnesting it.
# Respondent scale scores: the mean of the respondent's valid values in the scale, kept only
# when at least half of the scale's items (rounded up) are answered.
RESPONDENT_SCORES_SQL = f"""
WITH scale_items AS ({_SCALE_ITEMS}),
scale_size AS (
    SELECT scale_type, scale, count(*) AS n_items FROM scale_items GROUP BY scale_type, scale
),
scale_positions AS (
    SELECT p.id AS item_list_id, s.scale_type, s.scale,
           list(p.position ORDER BY s.item_id) AS positions,
           list(s.reverse ORDER BY s.item_id) AS reverse
    FROM (
        SELECT id, unnest(item_ids) AS item_id, generate_subscripts(item_ids, 1) AS position
        FROM answer_item_lists
    ) p JOIN scale_items s ON s.item_id = p.item_id
    GROUP BY p.id, s.scale_type, s.scale
),
coded AS (
    SELECT a.* EXCLUDE (item_list_id, answers), s.scale_type, s.scale, z.n_items,
           list_transform(
               s.positions,
               lambda position, k: CASE WHEN s.reverse[k] THEN 6 - a.answers[position]
                                        ELSE a.answers[position] END
           ) AS item_values
    FROM answer_lists a
    JOIN scale_positions s ON s.item_list_id = a.item_list_id
    JOIN scale_size z ON z.scale_type = s.scale_type AND z.scale = s.scale
),
respondent_scores AS (
    SELECT respondent_id, wave_id, grp, scale_type, scale, list_avg(item_values) AS score,
           list_count(item_values) AS answered, n_items
    FROM coded WHERE list_count(item_values) >= ceil(n_items / 2.0)
)
"""  # noqa: S608 (composed of constants)

# Each respondent's scale mean, answers and favourable answers (with the respondent's group
# columns: `grp`, and `grp2` when two breakdowns are computed at once), then the group figures
# over the respondents who have a score (n, mean, sd) and over every valid answer
# (% favourable).
_PER_RESPONDENT = """,
per_respondent AS (
    SELECT wave_id, {groups}, scale_type, scale, list_avg(item_values) AS score,
           list_count(item_values) AS answered,
           list_count(list_filter(item_values, lambda v: v >= 4)) AS favourable,
           list_count(item_values) >= ceil(n_items / 2.0) AS scored
    FROM coded WHERE list_count(item_values) > 0
)
"""
_GROUP_FIGURES = """
SELECT wave_id, {grp} AS "group", scale_type, scale,
       count(*) FILTER (WHERE scored) AS n,
       avg(score) FILTER (WHERE scored) AS mean,
       stddev_samp(score) FILTER (WHERE scored) AS sd,
       100.0 * sum(favourable) / sum(answered) AS pct_favourable
FROM per_respondent GROUP BY wave_id, {grp}, scale_type, scale
"""
_GROUP_STATISTICS = (
    RESPONDENT_SCORES_SQL + _PER_RESPONDENT.format(groups="grp") + _GROUP_FIGURES.format(grp="grp")
)

# _GROUP_FIGURES over the stored respondent scores (STORED_SCORES_SQL): a stored score is NULL
# where the respondent has none, so plain aggregates count and average the respondents with a
# score (at 1M respondents the FILTER clauses cost the query a third more).
_STORED_GROUP_FIGURES = """
SELECT wave_id, {grp} AS "group", scale_type, scale,
       count(score) AS n,
       avg(score) AS mean,
       stddev_samp(score) AS sd,
       100.0 * sum(favourable) / sum(answered) AS pct_favourable
FROM per_respondent GROUP BY wave_id, {grp}, scale_type, scale
"""


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
    con.register("answer_rows", frame[["respondent_id", "wave_id", "grp", "item_id", "value"]])
    # The frame's answers as the store keeps them: one list per respondent, in item id order.
    con.execute(
        "CREATE TEMP TABLE respondent_lists AS SELECT respondent_id, wave_id, grp,"
        " list(item_id ORDER BY item_id) AS item_ids, list(value ORDER BY item_id) AS answers"
        " FROM answer_rows GROUP BY respondent_id, wave_id, grp"
    )
    con.execute(
        "CREATE TEMP TABLE answer_item_lists AS SELECT row_number() OVER () AS id, item_ids"
        " FROM (SELECT DISTINCT item_ids FROM respondent_lists)"
    )
    con.execute(
        "CREATE TEMP TABLE answer_lists AS SELECT r.respondent_id, r.wave_id, r.grp,"
        " l.id AS item_list_id, r.answers FROM respondent_lists r"
        " JOIN answer_item_lists l ON l.item_ids = r.item_ids"
    )
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
        RESPONDENT_SCORES_SQL  # noqa: S608 (composed of constants)
        + " SELECT respondent_id, wave_id, scale_type, scale, score, answered, n_items"
        " FROM respondent_scores ORDER BY respondent_id, scale_type, scale"
    ).df()


def _finish(raw: pd.DataFrame, bands: Bands, min_n: int) -> pd.DataFrame:
    """Add the 95% t confidence interval, the band and the small-group flag; add the indices."""
    out = raw.copy()
    out["n"] = out["n"].astype(int)
    n = out["n"].to_numpy(dtype=float)
    sd = out["sd"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # scipy.stats.t.ppf(0.975, n - 1) without importing scipy (distributions.py: 0.1-0.2 s
        # of a new process); solved once per distinct n.
        t = np.where(n >= 2, t_quantile(np.maximum(n - 1, 1), 0.975), np.nan)
        half = t * sd / np.sqrt(n)
    out["ci_low"] = np.where(n >= 2, out["mean"] - half, np.nan)
    out["ci_high"] = np.where(n >= 2, out["mean"] + half, np.nan)
    out = pd.concat([out, _indices(out)], ignore_index=True)
    out["band"] = [bands.of(m) for m in out["mean"]]
    out["suppressed"] = is_small(out["n"], min_n)
    order = {key: i for i, key in enumerate([*CONDITIONS, *PRINCIPLES, *INDEX_OF.values()])}
    out["_order"] = out["scale"].map(order)
    out = out.sort_values(["wave_id", "group", "_order"]).drop(columns="_order")
    return out[STAT_COLUMNS].reset_index(drop=True)


def _indices(stats: pd.DataFrame) -> pd.DataFrame:
    """Collective Impact index = mean of the five condition means; Partnering index = mean of
    the five principle means; each only where all five have a mean. Its n is the smallest n of
    the five, so that suppressing a small scale also suppresses the index built on it. `stats`
    has one row per wave, group and scale (the GROUP BY of the SQL that made it)."""
    frames = []
    for scale_type, index_key in INDEX_OF.items():
        keys = list(SCALE_TYPES[scale_type])
        part = stats[(stats["scale_type"] == scale_type) & stats["scale"].isin(keys)]
        if part.empty:
            continue
        # The five scales of each (wave, group) side by side, in the scales' order; numpy
        # rather than pivot_table, which took a third of `python -m analytics scores` once its
        # modules were loaded.
        rows: dict[tuple[object, object], int] = {}  # (wave, group) -> its row
        first = []  # the position in `part` of each row's first scale
        row_of = []
        for position, (wave, group) in enumerate(
            zip(part["wave_id"].tolist(), part["group"].tolist(), strict=True)
        ):
            key = (wave, group if isinstance(group, str) else None)  # every missing group as one
            if key not in rows:
                rows[key] = len(rows)
                first.append(position)
            row_of.append(rows[key])
        column_of = [keys.index(scale) for scale in part["scale"].tolist()]
        values = np.full((len(rows), len(keys)), np.nan)
        sizes = np.full((len(rows), len(keys)), np.nan)
        values[row_of, column_of] = part["mean"].to_numpy(dtype=float)
        sizes[row_of, column_of] = part["n"].to_numpy(dtype=float)
        complete = ~np.isnan(values).any(axis=1)
        if not complete.any():
            continue
        # The five means summed in the scales' order, as a Series.mean() of the five would.
        index_means = values[complete].sum(axis=1) / len(keys)
        smallest = np.nanmin(sizes[complete], axis=1)
        chosen = np.asarray(first)[complete]
        frames.append(
            pd.DataFrame(
                {
                    "wave_id": part["wave_id"].to_numpy()[chosen],
                    "group": part["group"].to_numpy()[chosen],
                    "scale_type": "index",
                    "scale": index_key,
                    "n": smallest.astype(int),
                    "mean": index_means,
                    "sd": np.nan,
                    "pct_favourable": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(stats.columns))
    return pd.concat(frames, ignore_index=True)[list(stats.columns)]


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
        suppression_threshold() if min_n is None else min_n,
    )


# -- the same rules over the store, cached per data version ----------------------------------

# The initiative's answers as `answer_lists` (for what needs item values: Cronbach's alpha).
STORE_ANSWERS_SQL = """
answer_lists AS (
    SELECT a.respondent_id, p.wave_id, {groups}, a.item_list_id, a.answers
    FROM respondent_answers a
    JOIN respondents p ON p.id = a.respondent_id
    JOIN waves w ON w.id = p.wave_id
    WHERE w.initiative_id = $initiative{wave_filter}
),
answer_item_lists AS (SELECT id, item_ids FROM item_lists),
instrument_items AS (
    SELECT i.item_id, i.condition, i.principle, i.reverse
    FROM items i JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id
    WHERE ii.initiative_id = $initiative
),
"""

# The initiative's stored respondent scale scores (store.scale_scores, migration 8: the rule
# above, computed when the answers were written) as `per_respondent`, with the respondent's
# group columns; `scored` where the respondent has a score. Group statistics aggregate these
# rows, one per respondent and scale, instead of every answer.
STORED_SCORES_SQL = """
WITH per_respondent AS (
    SELECT s.respondent_id, s.wave_id, {groups}, s.scale_type, s.scale, s.score, s.answered,
           s.favourable, s.score IS NOT NULL AS scored
    FROM respondent_scale_scores s
    JOIN waves w ON w.id = s.wave_id{respondents}
    WHERE {initiative_filter}{wave_filter}
)
"""


def stored_scores_sql(groups: str, wave: bool = False, every_initiative: bool = False) -> str:
    """STORED_SCORES_SQL with `groups` (fixed expressions of groups.BREAKDOWNS over the
    respondent `p`, or constants), of one initiative ($initiative) or of every initiative
    (with its id as `initiative_id`), of one wave ($wave) when `wave` is set."""
    needs_respondents = "p." in groups
    if every_initiative:
        groups = f"w.initiative_id, {groups}"
    return STORED_SCORES_SQL.format(
        groups=groups,
        respondents=" JOIN respondents p ON p.id = s.respondent_id" if needs_respondents else "",
        initiative_filter="true" if every_initiative else "w.initiative_id = $initiative",
        wave_filter=" AND s.wave_id = $wave" if wave else "",
    )


def statistics_of_initiatives(
    store: Store, user: User, initiative_ids: Sequence[int]
) -> pd.DataFrame:
    """initiative_statistics of the whole waves (group 'all') of many initiatives, from one
    query over every initiative's score cells (the portfolio), with
    `initiative_id` and the waves' labels, dates and order; concealed for `user`, who must be
    allowed to view each of them. Cached per data version."""
    for initiative_id in initiative_ids:
        require(user, Permission.VIEW, int(initiative_id))
    bands, min_n = Bands.from_settings(), suppression_threshold()

    def compute() -> pd.DataFrame:
        sql = cell_figures_sql(None, every_initiative=True)
        stats = _finish(combine_cells(store.read_df(sql)), bands, min_n)
        waves = _waves_of_every_initiative(store)
        result = stats.merge(waves, on="wave_id", how="left")
        return result.sort_values(
            ["initiative_id", "wave_order", "group"], kind="stable"
        ).reset_index(drop=True)

    every = store.cached("statistics of every initiative", (bands, min_n), compute)
    wanted = every[every["initiative_id"].isin([int(i) for i in initiative_ids])]
    return conceal(wanted.reset_index(drop=True), user)


def every_wave(store: Store, user: User, initiative_ids: Sequence[int]) -> pd.DataFrame:
    """The waves of many initiatives (the portfolio): wave_id, initiative_id, wave (label),
    opened_on, closed_on and wave_order (0 first, in Store.waves' order), by initiative and
    order. `user` must be allowed to view each initiative."""
    for initiative_id in initiative_ids:
        require(user, Permission.VIEW, int(initiative_id))
    waves = _waves_of_every_initiative(store)
    wanted = waves[waves["initiative_id"].isin([int(i) for i in initiative_ids])]
    return wanted.reset_index(drop=True)


def _waves_of_every_initiative(store: Store) -> pd.DataFrame:
    waves = store.read_df(
        "SELECT id AS wave_id, initiative_id, label AS wave, opened_on, closed_on FROM waves"
        " ORDER BY initiative_id, opened_on NULLS LAST, label"
    )
    waves["wave_order"] = waves.groupby("initiative_id").cumcount()
    return waves


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
    if by is not None and user.aggregated_only:
        # A funder's groups are suppressed as every published breakdown is (DESIGN.md 3).
        groups = suppressed_breakdown(store, initiative_id, by)
        groups = groups[groups["group"] != ALL_GROUP].drop(columns="suppression")
        return conceal(groups.reset_index(drop=True), user)
    return conceal(stored_statistics(store, initiative_id, by), user)


def suppressed_breakdown(
    store: Store, initiative_id: int, by: str, wave_id: int | None = None
) -> pd.DataFrame:
    """The breakdown's statistics with the whole-wave rows (group 'all'), every wave or one,
    suppressed for any reader (suppression.suppress) and not yet concealed; the sector and role
    breakdowns are suppressed together (suppression.suppress_paired), so that the two published
    side by side give nothing away either. Cached per data version."""
    min_n = suppression_threshold()
    if by in PAIRED_BREAKDOWNS:
        pair = store.cached(
            "suppressed breakdowns",
            (initiative_id, wave_id, min_n),
            lambda: _suppressed_pair(store, initiative_id, wave_id, min_n),
        )
        return pair[PAIRED_BREAKDOWNS.index(by)]

    def compute() -> pd.DataFrame:
        total, groups = (stored_statistics(store, initiative_id, b) for b in (None, by))
        if wave_id is not None:
            total, groups = (f[f["wave_id"] == wave_id] for f in (total, groups))
        return suppress(pd.concat([total, groups], ignore_index=True), min_n)

    return store.cached("suppressed breakdown", (initiative_id, by, wave_id, min_n), compute)


def _suppressed_pair(
    store: Store, initiative_id: int, wave_id: int | None, min_n: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    total = stored_statistics(store, initiative_id, None)
    if wave_id is None:
        paired = [stored_statistics(store, initiative_id, b) for b in PAIRED_BREAKDOWNS]
    else:
        total = total[total["wave_id"] == wave_id]
        bands = Bands.from_settings()
        paired = stored_paired_statistics(store, initiative_id, bands, min_n, wave_id)
    crossed = stored_crossed_counts(store, initiative_id, wave_id)
    first, second = (pd.concat([total, g], ignore_index=True) for g in paired)
    return suppress_paired(first, second, crossed, min_n)


def stored_crossed_counts(
    store: Store, initiative_id: int, wave_id: int | None = None
) -> pd.DataFrame:
    """Respondents with a score per wave_id, scale, grp (sector) and grp2 (role), of every
    wave or one, from the score cells: what suppress_paired needs. Cached per data version."""

    def compute() -> pd.DataFrame:
        return _over_cells(store, initiative_id, wave_id, crossed_counts_sql(wave_id is not None))

    return store.cached("crossed counts", (initiative_id, wave_id), compute)


def stored_statistics(store: Store, initiative_id: int, by: str | None) -> pd.DataFrame:
    """initiative_statistics for any reader, before concealment, cached per data version: the
    callers (breakdowns, overview) conceal what they publish. The whole waves, sectors and
    roles combine the score cells; the organisations aggregate the stored scores."""
    bands, min_n = Bands.from_settings(), suppression_threshold()

    def compute() -> pd.DataFrame:
        if by in PAIRED_BREAKDOWNS:
            paired = stored_paired_statistics(store, initiative_id, bands, min_n)
            return paired[PAIRED_BREAKDOWNS.index(by)]
        if by is None:
            raw = combine_cells(
                store.read_df(cell_figures_sql(None), {"initiative": initiative_id})
            )
        else:
            # BREAKDOWNS holds fixed SQL expressions; the initiative is a bound parameter.
            sql = stored_scores_sql(f"{BREAKDOWNS[by]} AS grp") + _STORED_GROUP_FIGURES.format(
                grp="grp"
            )
            raw = store.read_df(sql, {"initiative": initiative_id})
        return _with_waves(store, initiative_id, _finish(raw, bands, min_n))

    return store.cached("statistics", (initiative_id, by, bands, min_n), compute)


def stored_paired_statistics(
    store: Store, initiative_id: int, bands: Bands, min_n: int, wave_id: int | None = None
) -> tuple[pd.DataFrame, ...]:
    """initiative_statistics by each of PAIRED_BREAKDOWNS, from one query over the score
    cells; of one wave only when `wave_id` is given."""

    def compute() -> tuple[pd.DataFrame, ...]:
        sql = paired_cell_figures_sql(*PAIRED_BREAKDOWNS, wave=wave_id is not None)
        raw = combine_cells(_over_cells(store, initiative_id, wave_id, sql))
        return tuple(
            _with_waves(
                store,
                initiative_id,
                _finish(raw[raw["breakdown"] == k].drop(columns="breakdown"), bands, min_n),
            )
            for k in (1, 2)
        )

    return store.cached("paired statistics", (initiative_id, bands, min_n, wave_id), compute)


def _over_cells(store: Store, initiative_id: int, wave_id: int | None, sql: str) -> pd.DataFrame:
    """`sql` (built by store.score_cells of fixed parts) over the initiative's score cells, of
    every wave or of `wave_id`."""
    params = {"initiative": initiative_id}
    if wave_id is not None:
        params["wave"] = wave_id
    return store.read_df(sql, params)


def _with_waves(store: Store, initiative_id: int, statistics: pd.DataFrame) -> pd.DataFrame:
    """Wave labels, dates and order beside the statistics, in wave order."""
    waves = store.waves(initiative_id).rename(columns={"id": "wave_id", "label": "wave"})
    waves["wave_order"] = range(len(waves))
    result = statistics.merge(waves, on="wave_id", how="left")
    return result.sort_values(["wave_order", "group"], kind="stable").reset_index(drop=True)


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
