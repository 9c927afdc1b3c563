"""Score cells (migration 10): the stored respondent scale scores summed per wave, sector group,
role group and scale, so that whole-wave, sector and role statistics and the crossed counts of
a million respondents combine a few hundred rows instead of aggregating ten million.

A cell holds n (respondents with a score), their mean, m2 (the sum of squared deviations from
that mean) and the favourable and valid answers. Cells combine by Chan, Golub and LeVeque's
pairwise update, written once here (CELL_FIGURES): N = sum n, mean = sum(n * m) / N,
M2 = sum M2 + sum n * (m - mean)^2, sd = sqrt(M2 / (N - 1)); % favourable = 100 * sum
favourable / sum answered.

The cells are rewritten from respondent_scale_scores, with portable SQL, inside every
transaction that changes the stored scores or a respondent's sector, role or wave: the import's
insert of answers, its undo, the rescore of an instrument change, a sector or role rename, and
migration 10's fill. Readers run CELL_FIGURES (DuckDB SQL: the embedded store or the replica).
"""

from __future__ import annotations

from typing import Any

from analytics.measures.groups import BREAKDOWNS

# The cells of one initiative's waves, from its stored scores. The group columns are the fixed
# expressions of groups.BREAKDOWNS over the respondent `p`; the initiative is bound.
_DELETE_SQL = (
    "DELETE FROM score_cells WHERE wave_id IN (SELECT id FROM waves WHERE initiative_id = ?)"
)
_INSERT_SQL = f"""
INSERT INTO score_cells
    (wave_id, sector, role, scale_type, scale, n, mean, m2, favourable, answered)
SELECT s.wave_id, {BREAKDOWNS["sector"]}, {BREAKDOWNS["role"]}, s.scale_type, s.scale,
       count(s.score), avg(s.score), coalesce(var_pop(s.score) * count(s.score), 0),
       sum(s.favourable), sum(s.answered)
FROM respondent_scale_scores s
JOIN respondents p ON p.id = s.respondent_id
JOIN waves w ON w.id = s.wave_id
WHERE w.initiative_id = ?
GROUP BY s.wave_id, {BREAKDOWNS["sector"]}, {BREAKDOWNS["role"]}, s.scale_type, s.scale
"""  # noqa: S608 (composed of groups.BREAKDOWNS' fixed expressions)


def refresh_score_cells(cursor: Any, initiative_id: int) -> None:
    """Rewrite the initiative's score cells from its stored scores, inside the caller's
    transaction (after any write of its scores or of its respondents' sector, role or wave)."""
    cursor.execute(_DELETE_SQL, [initiative_id])
    cursor.execute(_INSERT_SQL, [initiative_id])


def fill_score_cells(cursor: Any) -> None:
    """Migration 10's fill: the cells of every initiative's stored scores."""
    for (initiative_id,) in cursor.execute("SELECT id FROM initiatives ORDER BY id").fetchall():
        refresh_score_cells(cursor, int(initiative_id))


# -- reading: the one home of the combination ------------------------------------------------

# A cell's group column for each breakdown the cells hold (None: the whole wave).
CELL_GROUPS = {None: "'all'", "sector": "c.sector", "role": "c.role"}

_CELL_FIGURES = """
WITH cells AS (
    SELECT c.wave_id, {grp} AS grp, c.scale_type, c.scale, c.n, c.mean, c.m2,
           c.favourable, c.answered
    FROM score_cells c JOIN waves w ON w.id = c.wave_id
    WHERE {initiative_filter}{wave_filter}
),
combined AS (
    SELECT {keys}, sum(n) AS n, sum(n * mean) / nullif(sum(n), 0) AS mean,
           sum(favourable) AS favourable, sum(answered) AS answered
    FROM cells GROUP BY {keys}
)
SELECT g.wave_id, g.grp AS "group", g.scale_type, g.scale, CAST(g.n AS BIGINT) AS n,
       g.mean,
       CASE WHEN g.n >= 2 THEN sqrt(
           (sum(c.m2) + coalesce(sum(c.n * (c.mean - g.mean) * (c.mean - g.mean)), 0))
           / (g.n - 1)
       ) END AS sd,
       100.0 * g.favourable / g.answered AS pct_favourable
FROM combined g JOIN cells c USING ({keys})
GROUP BY g.wave_id, g.grp, g.scale_type, g.scale, g.n, g.mean, g.favourable,
         g.answered
"""

_CROSSED_COUNTS = """
SELECT c.wave_id, c.sector AS grp, c.role AS grp2, c.scale, CAST(sum(c.n) AS BIGINT) AS n
FROM score_cells c JOIN waves w ON w.id = c.wave_id
WHERE w.initiative_id = $initiative{wave_filter}
GROUP BY c.wave_id, c.sector, c.role, c.scale
HAVING sum(c.n) > 0
"""


def cell_figures_sql(by: str | None, wave: bool = False, every_initiative: bool = False) -> str:
    """The group figures (wave_id, group, scale_type, scale, n, mean, sd, pct_favourable) of
    one breakdown of CELL_GROUPS, combined from the cells: of one initiative ($initiative) or of
    every initiative, of one wave ($wave) when `wave` is set."""
    keys = "wave_id, grp, scale_type, scale"  # a wave is of one initiative
    # Fixed identifiers and expressions of this module; every value is a bound parameter.
    return _CELL_FIGURES.format(
        grp=CELL_GROUPS[by],
        initiative_filter="true" if every_initiative else "w.initiative_id = $initiative",
        wave_filter=" AND c.wave_id = $wave" if wave else "",
        keys=keys,
    )


def paired_cell_figures_sql(first: str, second: str, wave: bool = False) -> str:
    """cell_figures_sql of two breakdowns, with `breakdown` 1 or 2 first."""
    return (
        f"SELECT 1 AS breakdown, * FROM ({cell_figures_sql(first, wave)})"  # noqa: S608
        f" UNION ALL SELECT 2, * FROM ({cell_figures_sql(second, wave)})"
    )


def crossed_counts_sql(wave: bool = False) -> str:
    """Respondents with a score per wave_id, grp (sector), grp2 (role) and scale, from the
    cells; of one wave ($wave) when `wave` is set."""
    return _CROSSED_COUNTS.format(wave_filter=" AND c.wave_id = $wave" if wave else "")
