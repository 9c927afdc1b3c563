"""Score cells (migration 10): the stored respondent scale scores summed per wave, sector group,
role group and scale, so that whole-wave, sector and role statistics and the crossed counts of
a million respondents combine a few hundred rows instead of aggregating ten million.

A cell (per number of the scale's items answered, too) holds n (respondents with a score), the
exact integer sums of their totals and squared totals, whence their mean and m2 (the sum of
squared deviations from the mean), and the favourable and valid answers. Integers make the
cells the same on both stores. Cells combine by Chan, Golub and LeVeque's
pairwise update, written once here (CELL_FIGURES): N = sum n, mean = sum(n * m) / N,
M2 = sum M2 + sum n * (m - mean)^2, sd = sqrt(M2 / (N - 1)); % favourable = 100 * sum
favourable / sum answered.

The cells are kept inside every transaction that changes the stored scores or a respondent's
sector, role or wave: the import's insert of answers adds the sums of the answer matrix it holds
to the stored cells (add_answers_to_cells: integer sums, so the same as a recount); its undo, the
rescore of an instrument change, a sector or role rename and migration 10's fill rewrite them
from respondent_scale_scores with portable SQL (refresh_score_cells). Readers sum the cells
with cell_figures_sql (DuckDB SQL: the embedded store or the replica) and combine the sums
exactly with combine_cells.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

# The sector and role groups of a respondent `p`, as measures.groups.BREAKDOWNS defines them
# (the store is a layer below; tests check the two agree).
SECTOR_GROUP = "coalesce(p.sector, 'not given')"
ROLE_GROUP = "coalesce(p.role, 'not given')"
# A reverse-coded item's value is REVERSE_FROM - value (DESIGN.md 3; as store.scale_scores).
REVERSE_FROM = 6

# The cells of one initiative's waves, from its stored scores. The group columns are the fixed
# expressions of groups.BREAKDOWNS over the respondent `p`; the initiative is bound.
_DELETE_SQL = (
    "DELETE FROM score_cells WHERE wave_id IN (SELECT id FROM waves WHERE initiative_id = ?)"
)
# A stored score is total / answered, its total an integer (at most 5 * answered): the total
# is score * answered rounded.
_TOTAL = "CAST(round(s.score * s.answered) AS BIGINT)"
_INSERT_SQL = f"""
INSERT INTO score_cells (wave_id, sector, role, scale_type, scale, items_answered, n,
                         sum_total, sum_total2, favourable, answered)
SELECT s.wave_id, {SECTOR_GROUP}, {ROLE_GROUP}, s.scale_type, s.scale,
       s.answered, count(s.score), coalesce(sum({_TOTAL}), 0),
       coalesce(sum({_TOTAL} * {_TOTAL}), 0), sum(s.favourable), sum(s.answered)
FROM respondent_scale_scores s
JOIN respondents p ON p.id = s.respondent_id
JOIN waves w ON w.id = s.wave_id
WHERE w.initiative_id = ?
GROUP BY s.wave_id, {SECTOR_GROUP}, {ROLE_GROUP}, s.scale_type, s.scale,
         s.answered
"""  # noqa: S608 (composed of the fixed group expressions and _TOTAL)


def refresh_score_cells(cursor: Any, initiative_id: int, scales: Sequence[Any]) -> None:
    """Rewrite the initiative's score cells from its stored scores, and its alpha sums from
    its stored answers and `scales` (scale_scores.instrument_scales: its instrument), inside
    the caller's transaction (after any write of its scores or of its respondents' sector,
    role or wave)."""
    cursor.execute(_DELETE_SQL, [initiative_id])
    cursor.execute(_INSERT_SQL, [initiative_id])
    refresh_alpha_sums(cursor, initiative_id, scales)


# -- Cronbach's alpha's sums -------------------------------------------------------------------

_ALPHA_COLUMNS = ["wave_id", "sector", "role", "scale_type", "scale", "position"]
_DELETE_ALPHA_SQL = (
    "DELETE FROM score_alpha_sums WHERE wave_id IN (SELECT id FROM waves WHERE initiative_id = ?)"
)
# The rows of every item list summed (a group's respondents may answer in several lists).
_INSERT_ALPHA_SQL = (
    "INSERT INTO score_alpha_sums"
    " (wave_id, sector, role, scale_type, scale, position, n, sum_x, sum_x2)"
    " SELECT wave_id, sector, role, scale_type, scale, position, sum(n), sum(sum_x), sum(sum_x2)"
    " FROM alpha_sum_rows GROUP BY wave_id, sector, role, scale_type, scale, position"
)
_ANSWERS_SQL = f"""
SELECT a.item_list_id, p.wave_id, {SECTOR_GROUP} AS sector,
       {ROLE_GROUP} AS role, a.answers
FROM respondent_answers a
JOIN respondents p ON p.id = a.respondent_id
JOIN waves w ON w.id = p.wave_id
WHERE w.initiative_id = ?
"""  # noqa: S608 (composed of the fixed group expressions)


def query_arrow(
    cursor: Any, sql: str, params: list[Any], schema: dict[str, pa.DataType]
) -> pa.Table:
    """A query's rows as an Arrow table of `schema` (its names and types, the query's columns in
    order), read column by column on both stores, not a Python object a value: DuckDB's own
    Arrow result; PostgreSQL's PgCursor.copy_arrow (a COPY: the parameters must be integers)."""
    wanted = pa.schema(list(schema.items()))
    if hasattr(cursor, "copy_arrow"):  # PostgreSQL
        return cursor.copy_arrow(sql, params, wanted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DuckDB's note on the copy an execute() result makes
        found = cursor.execute(sql, params).to_arrow_table()
    return found.rename_columns(wanted.names).cast(wanted)


_LIST = pa.list_(pa.uint8())


def _answers(cursor: Any, initiative_id: int) -> pa.Table:
    """item_list_id, wave_id, sector, role and answers of the initiative's respondents."""
    schema = {"item_list_id": pa.int32(), "wave_id": pa.int32(), "sector": pa.string(),
              "role": pa.string(), "answers": _LIST}  # fmt: skip
    return query_arrow(cursor, _ANSWERS_SQL, [initiative_id], schema)


def _matrix(answers: pa.ChunkedArray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The answer lists as values (uint8; anything where missing) and missing (bool), one row a
    list, read from the Arrow buffers without a conversion of each of the million lists."""
    flat = answers.combine_chunks().flatten()
    if flat.type != pa.uint8():
        flat = flat.cast(pa.uint8())
    size, offset = len(flat), flat.offset
    validity, data = flat.buffers()[:2]
    values = np.frombuffer(data, dtype=np.uint8, count=offset + size)[offset:]
    if validity is None:
        missing = np.zeros(size, dtype=bool)
    else:
        bits = np.frombuffer(validity, dtype=np.uint8)
        missing = np.unpackbits(bits, count=offset + size, bitorder="little")[offset:] == 0
    return values.reshape(-1, width), missing.reshape(-1, width)


def _group_codes(table: pa.Table) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group (wave_id, sector, role) as a code, and the groups of the codes."""
    parts, labels = [], []
    for name in ("wave_id", "sector", "role"):
        encoded = table[name].combine_chunks().dictionary_encode()
        parts.append(np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64))
        labels.append(np.asarray(encoded.dictionary.to_pylist(), dtype=object))
    key = (parts[0] * len(labels[1]) + parts[1]) * len(labels[2]) + parts[2]
    # The keys present, numbered in order (a count over the product of the dictionaries:
    # small, and without a sort of the rows).
    found = np.bincount(key, minlength=len(labels[0]) * len(labels[1]) * len(labels[2])) > 0
    unique = np.flatnonzero(found)
    codes = (np.cumsum(found) - 1)[key]
    wave, rest = np.divmod(unique, len(labels[1]) * len(labels[2]))
    sector, role = np.divmod(rest, len(labels[2]))
    groups = pd.DataFrame(
        {
            "wave_id": labels[0][wave].astype(np.int64),
            "sector": labels[1][sector],
            "role": labels[2][role],
        }
    )
    return codes.reshape(-1), groups


_CELL_COLUMNS = ["wave_id", "sector", "role", "scale_type", "scale", "items_answered"]
_CELL_SUMS = ["n", "sum_total", "sum_total2", "favourable", "answered"]
FAVOURABLE_FROM = 4  # 4 or 5 after reverse coding is a favourable answer (as store.scale_scores)
# Rows counted at once: each chunk's item columns are small and contiguous.
_CHUNK = 1 << 16


def _sums(
    scales: Sequence[Any],
    item_ids: list[str],
    codes: np.ndarray,
    groups: pd.DataFrame,
    values: np.ndarray,
    missing: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The score cells and Cronbach's alpha's sums of an answer matrix (one row per
    respondent, one column per item of `item_ids`; `codes`: each row's group, a row of
    `groups`: wave_id, sector and role), scale by scale and chunk by chunk: per group and
    number of the scale's items answered, the respondents, the sums of their totals and squared
    totals and of their favourable answers (np.bincount, weighted: float64 sums of small
    integers, exact below 2^53, then int64); per group and item of a scale with alpha sums, the
    complete cases' sums of the item's values and squares.

    The sums are of size groups x (items + 1) per scale, so that a free-text role (a group per
    respondent) costs memory in proportion to its groups, as the cells written do, and not to
    groups x every possible total (the first version's histograms: 434 MB against 161 MB at
    20,000 groups; they were about 0.25 s faster at a million respondents of 192 groups).

    Cells: per group, scale with items in the matrix and number of its items answered (1..),
    as store.scale_scores stores the scores: n (respondents answering at least half), the sums
    of their totals and squared totals, the favourable and valid answers. Alpha sums: per
    group, scale of two or more items all in the matrix and position (0 the total, 1.. the
    items in item id order), over the rows that answered every item, n, sum_x and sum_x2."""
    position = {str(item): k for k, item in enumerate(item_ids)}
    codes = np.asarray(codes, dtype=np.int64)
    width = len(groups)
    values, missing = np.asarray(values, dtype=np.uint8), np.asarray(missing, dtype=bool)
    cell_parts: dict[str, list[Any]] = {
        name: [] for name in ["group", *_CELL_COLUMNS[3:], *_CELL_SUMS]
    }
    alpha_parts: dict[str, list[Any]] = {
        name: [] for name in ["group", *_ALPHA_COLUMNS[3:], "n", "sum_x", "sum_x2"]
    }
    plans = []
    reverse = np.zeros(len(item_ids), dtype=bool)  # each column's flag, whichever scale has it
    for scale in scales:
        found = [(position[i], r) for i, r in zip(scale.item_ids, scale.reverse, strict=True)
                 if i in position]  # fmt: skip
        if not found:
            continue
        for column, flag in found:
            reverse[column] = flag
        # Alpha sums only of a scale of two or more items, all of them in the matrix.
        alpha = len(scale.item_ids) >= 2 and len(found) == len(scale.item_ids)
        k = len(found)
        sums = [np.zeros(width * (k + 1)) for _ in range(4)]  # rows, totals, squares, favourable
        sums += [np.zeros(width * k if alpha else 0) for _ in range(2)]  # items' x and x^2
        plans.append((scale, [column for column, _flag in found], alpha, sums))
    for start in range(0, len(codes), _CHUNK):
        code = codes[start : start + _CHUNK]
        # The chunk item by item (copies, one contiguous row per item: sums across items are
        # then sums of rows), reverse coded, 0 where missing (whatever a missing cell holds).
        answered_by_item = np.array(~missing[start : start + _CHUNK].T, order="C")
        by_item = np.array(values[start : start + _CHUNK].T, np.int16, order="C")
        by_item[reverse] = REVERSE_FROM - by_item[reverse]
        by_item *= answered_by_item
        for _scale, columns, alpha, (rows, total_sum, total2_sum, fav_sum, x, x2) in plans:
            k = len(columns)
            bins = width * (k + 1)
            coded = by_item[columns]
            total = coded.sum(axis=0)
            answered = answered_by_item[columns].sum(axis=0, dtype=np.int16)
            cell = code * (k + 1) + answered
            rows += np.bincount(cell, minlength=bins)
            total_sum += np.bincount(cell, weights=total, minlength=bins)
            total2_sum += np.bincount(cell, weights=total.astype(np.float64) ** 2, minlength=bins)
            favourable = (coded >= FAVOURABLE_FROM).sum(axis=0, dtype=np.int16)
            fav_sum += np.bincount(cell, weights=favourable, minlength=bins)
            if alpha:
                complete = answered == k
                key = (code[complete][:, None] * k + np.arange(k)).reshape(-1)
                item_values = coded[:, complete].T.reshape(-1).astype(np.float64)
                x += np.bincount(key, weights=item_values, minlength=width * k)
                x2 += np.bincount(key, weights=item_values**2, minlength=width * k)
    for scale, columns, alpha, (rows, sum_total, sum_total2, favourable, sum_x, sum_x2) in plans:
        k = len(columns)
        rows, sum_total, sum_total2, favourable = (
            np.rint(a).astype(np.int64).reshape(width, k + 1)
            for a in (rows, sum_total, sum_total2, favourable)
        )
        group, items_answered = np.nonzero(rows)
        keep = items_answered > 0  # a respondent answering none of its items has no score row
        group, items_answered = group[keep], items_answered[keep]
        scored = items_answered >= scale.needed  # the rest have no score: n 0, sums 0
        at = (group, items_answered)
        for name, column in (
            ("group", group),
            ("scale_type", np.full(len(group), scale.scale_type, dtype=object)),
            ("scale", np.full(len(group), scale.scale, dtype=object)),
            ("items_answered", items_answered),
            ("n", np.where(scored, rows[at], 0)),
            ("sum_total", np.where(scored, sum_total[at], 0)),
            ("sum_total2", np.where(scored, sum_total2[at], 0)),
            ("favourable", favourable[at]),
            ("answered", rows[at] * items_answered),
        ):
            cell_parts[name].append(column)
        if not alpha:
            continue
        n = rows[:, k]  # the complete cases: every item answered
        present = np.flatnonzero(n)
        by_item = (np.rint(a).astype(np.int64).reshape(width, k) for a in (sum_x, sum_x2))
        item_x, item_x2 = by_item
        # Position 0 the total, then each item of the scale.
        sums = [(sum_total[:, k], sum_total2[:, k])]
        sums += [(item_x[:, i], item_x2[:, i]) for i in range(k)]
        for p, (x, x2) in enumerate(sums):
            for name, column in (
                ("group", present),
                ("scale_type", np.full(len(present), scale.scale_type, dtype=object)),
                ("scale", np.full(len(present), scale.scale, dtype=object)),
                ("position", np.full(len(present), p)),
                ("n", n[present]),
                ("sum_x", x[present]),
                ("sum_x2", x2[present]),
            ):
                alpha_parts[name].append(column)
    return _frame(groups, cell_parts), _frame(groups, alpha_parts)


def _frame(groups: pd.DataFrame, parts: dict[str, list[Any]]) -> pd.DataFrame:
    """The columns of `parts` concatenated, with the groups of its group codes."""
    found_groups = parts.pop("group")
    group = np.concatenate(found_groups) if found_groups else np.zeros(0, dtype=np.int64)
    columns = {name: groups[name].to_numpy()[group] for name in ("wave_id", "sector", "role")}
    for name, found in parts.items():
        columns[name] = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    return pd.DataFrame(columns)


def alpha_sums(
    scales: Sequence[Any],
    item_ids: list[str],
    table: pa.Table,
    values: np.ndarray,
    missing: np.ndarray,
) -> pd.DataFrame:
    """Cronbach's alpha's sums of an answer matrix (one row per respondent, one column per
    item of `item_ids`; `table`: the rows' wave_id, sector and role): per group, scale of two
    or more items all in the matrix, and position (0 the total, 1.. the items in item id order),
    over the rows that answered every item of the scale after reverse coding, n, sum_x and
    sum_x2 (int64 sums: exact)."""
    return _sums(scales, item_ids, *_group_codes(table), values, missing)[1]


def refresh_alpha_sums(cursor: Any, initiative_id: int, scales: Sequence[Any]) -> None:
    """Rewrite the initiative's alpha sums from its stored answers and current instrument,
    one item list at a time, inside the caller's transaction."""
    answers = _answers(cursor, initiative_id)
    list_ids = np.asarray(answers["item_list_id"].to_numpy(), dtype=np.int64)
    lists = np.unique(list_ids)
    parts = []
    for item_list_id in lists:
        item_ids = cursor.execute(
            "SELECT item_ids FROM item_lists WHERE id = ?", [int(item_list_id)]
        ).fetchall()[0][0]
        table = answers if len(lists) == 1 else answers.filter(pa.array(list_ids == item_list_id))
        values, missing = _matrix(table["answers"], len(item_ids))
        parts.append(alpha_sums(scales, [str(i) for i in item_ids], table, values, missing))
    _write_alpha_sums(cursor, initiative_id, parts)


# The respondents of an id range by group (wave, sector group, role group), their ids in a list.
_GROUPS_SQL = f"""
SELECT p.wave_id, {SECTOR_GROUP} AS sector, {ROLE_GROUP} AS role, array_agg(p.id) AS ids
FROM respondents p WHERE p.id BETWEEN ? AND ?
GROUP BY p.wave_id, {SECTOR_GROUP}, {ROLE_GROUP}
"""  # noqa: S608 (composed of the fixed group expressions)
_STORED_ALPHA_SQL = (
    "SELECT a.wave_id, a.sector, a.role, a.scale_type, a.scale, a.position, a.n, a.sum_x,"
    " a.sum_x2 FROM score_alpha_sums a JOIN waves w ON w.id = a.wave_id"
    " WHERE w.initiative_id = ?"
)
_STORED_CELLS_SQL = (
    "SELECT c.wave_id, c.sector, c.role, c.scale_type, c.scale, c.items_answered, c.n,"
    " c.sum_total, c.sum_total2, c.favourable, c.answered FROM score_cells c"
    " JOIN waves w ON w.id = c.wave_id WHERE w.initiative_id = ?"
)
_INSERT_CELL_ROWS_SQL = (
    "INSERT INTO score_cells (wave_id, sector, role, scale_type, scale, items_answered, n,"
    " sum_total, sum_total2, favourable, answered)"
    " SELECT wave_id, sector, role, scale_type, scale, items_answered, n, sum_total,"
    " sum_total2, favourable, answered FROM cell_rows"
)


def add_answers_to_cells(
    cursor: Any,
    initiative_id: int,
    scales: Sequence[Any],
    respondent_ids: np.ndarray,
    item_ids: list[str],
    values: np.ndarray,
    missing: np.ndarray,
) -> None:
    """After new respondents' answers and scores are inserted (Store.insert_answers), inside
    the same transaction: the score cells and alpha sums of the answer matrix the writer holds
    added to the initiative's stored ones (integer sums: the same as a recount of the stored
    scores and answers, without reading them again)."""
    ids = np.asarray(respondent_ids, dtype=np.int64)
    if not len(ids):
        return
    low, high = int(ids.min()), int(ids.max())
    schema = {"wave_id": pa.int64(), "sector": pa.string(), "role": pa.string(),
              "ids": pa.list_(pa.int64())}  # fmt: skip
    found = query_arrow(cursor, _GROUPS_SQL, [low, high], schema)
    groups = found.drop_columns(["ids"]).to_pandas()
    members = found["ids"].combine_chunks()
    # Each respondent's group code, by id (a lookup over the range: the writer's new ids).
    code_of = np.full(high - low + 1, -1, dtype=np.int32)
    flat = np.asarray(members.flatten().to_numpy(), dtype=np.int64)
    sizes = np.asarray(members.value_lengths().to_numpy(), dtype=np.int64)
    code_of[flat - low] = np.repeat(np.arange(len(groups), dtype=np.int32), sizes)
    codes = code_of[ids - low]
    if (codes < 0).any():
        raise ValueError("answers of respondents not stored")
    item_ids = [str(i) for i in item_ids]
    cells, alpha = _sums(scales, item_ids, codes, groups, values, missing)
    stored = cursor.execute(_STORED_CELLS_SQL, [initiative_id]).fetchall()
    before = pd.DataFrame(stored, columns=[*_CELL_COLUMNS, *_CELL_SUMS])
    _write_cells(cursor, initiative_id, [before, cells])
    stored = cursor.execute(_STORED_ALPHA_SQL, [initiative_id]).fetchall()
    before = pd.DataFrame(stored, columns=[*_ALPHA_COLUMNS, "n", "sum_x", "sum_x2"])
    _write_alpha_sums(cursor, initiative_id, [before, alpha])


def _write_cells(cursor: Any, initiative_id: int, parts: list[pd.DataFrame]) -> None:
    """Replace the initiative's score cells with the sum of `parts` by cell."""
    cursor.execute(_DELETE_SQL, [initiative_id])
    parts = [p for p in parts if len(p)]
    if not parts:
        return
    rows = (
        pd.concat(parts, ignore_index=True)
        .astype({"wave_id": "int64", "items_answered": "int64"})
        .groupby(_CELL_COLUMNS, as_index=False, sort=False)[_CELL_SUMS]
        .sum()
        .astype(
            {"wave_id": "int32", "items_answered": "int16"} | dict.fromkeys(_CELL_SUMS, "int64")
        )
    )
    cursor.register("cell_rows", pa.Table.from_pandas(rows, preserve_index=False))
    try:
        cursor.execute(_INSERT_CELL_ROWS_SQL)
    finally:
        cursor.unregister("cell_rows")


def _write_alpha_sums(cursor: Any, initiative_id: int, parts: list[pd.DataFrame]) -> None:
    """Replace the initiative's alpha sums with the sum of `parts` by group, scale, position."""
    cursor.execute(_DELETE_ALPHA_SQL, [initiative_id])
    parts = [p for p in parts if len(p)]
    if not parts:
        return
    rows = pd.concat(parts, ignore_index=True).astype(
        {"wave_id": "int32", "position": "int32", "n": "int64", "sum_x": "int64", "sum_x2": "int64"}
    )
    cursor.register("alpha_sum_rows", pa.Table.from_pandas(rows, preserve_index=False))
    try:
        cursor.execute(_INSERT_ALPHA_SQL)
    finally:
        cursor.unregister("alpha_sum_rows")


# -- reading: the one home of the combination ------------------------------------------------

# A cell's group column for each breakdown the cells hold (None: the whole wave).
CELL_GROUPS = {None: "'all'", "sector": "c.sector", "role": "c.role"}

# A stored cell's mean and m2 from its exact sums, each with one rounding: mean = T / (k n),
# m2 = (n Q - T^2) / (k^2 n) for n respondents answering k items with totals summing to T and
# their squares to Q (an integer numerator: HUGEINT, as n Q may pass 2^63).
_CELL_FIGURES = """
SELECT c.wave_id, {grp} AS "group", c.scale_type, c.scale, c.items_answered,
       CAST(sum(c.n) AS BIGINT) AS n, CAST(sum(c.sum_total) AS BIGINT) AS sum_total,
       CAST(sum(c.sum_total2) AS BIGINT) AS sum_total2,
       CAST(sum(c.favourable) AS BIGINT) AS favourable,
       CAST(sum(c.answered) AS BIGINT) AS answered
FROM score_cells c JOIN waves w ON w.id = c.wave_id
WHERE {initiative_filter}{wave_filter}
GROUP BY c.wave_id, {grp}, c.scale_type, c.scale, c.items_answered
"""
_SUMS = ["items_answered", *_CELL_SUMS]


def combine_cells(sums: pd.DataFrame) -> pd.DataFrame:
    """The group figures (the key columns of `sums`, then n, mean, sd and pct_favourable) from
    the integer sums cell_figures_sql returns per group and number of items answered: the one
    home of the combination. With L the least common multiple of the numbers of items answered,
    a group's scores sum to A / L and their squares to B / L^2, A and B integers; so mean =
    A / (L N) and variance = (B N - A^2) / (L^2 N (N - 1)) are ratios of exact integers (Python
    integers have no overflow), each rounded once: the same to the last bit whatever the order
    of the cells (the embedded file and PostgreSQL's replica hold them in different orders,
    and a mean of exactly 2.875 must not read 2.87 on one and 2.88 on the other).
    % favourable = 100 * favourable / answered; sd only for n >= 2."""
    keys = [c for c in sums.columns if c not in _SUMS]
    columns = [*keys, "n", "mean", "sd", "pct_favourable"]
    if sums.empty:
        return pd.DataFrame(columns=columns)
    answered_counts = [int(k) for k in sums["items_answered"].tolist()]
    multiple = math.lcm(*set(answered_counts))
    groups: dict[tuple, list[int]] = {}
    for key, k, n, total, total2, favourable, answered in zip(
        zip(*(sums[c].tolist() for c in keys), strict=True),
        answered_counts,
        *(sums[c].tolist() for c in _CELL_SUMS),
        strict=True,
    ):
        scale_up = multiple // k
        found = groups.setdefault(key, [0, 0, 0, 0, 0])
        found[0] += int(n)
        found[1] += int(total) * scale_up
        found[2] += int(total2) * scale_up * scale_up
        found[3] += int(favourable)
        found[4] += int(answered)
    rows = []
    for key, (n, a, b, favourable, answered) in groups.items():
        mean = a / (multiple * n) if n > 0 else math.nan
        sd = (
            math.sqrt((b * n - a * a) / (multiple * multiple * n * (n - 1))) if n >= 2 else math.nan
        )
        share = 100 * favourable / answered if answered > 0 else math.nan
        rows.append((*key, n, mean, sd, share))
    frame = pd.DataFrame(rows, columns=columns)
    frame["n"] = frame["n"].astype("int64")
    return frame


_CROSSED_COUNTS = """
SELECT c.wave_id, c.sector AS grp, c.role AS grp2, c.scale, CAST(sum(c.n) AS BIGINT) AS n
FROM score_cells c JOIN waves w ON w.id = c.wave_id
WHERE w.initiative_id = $initiative{wave_filter}
GROUP BY c.wave_id, c.sector, c.role, c.scale
HAVING sum(c.n) > 0
"""


def cell_figures_sql(by: str | None, wave: bool = False, every_initiative: bool = False) -> str:
    """The integer sums of the cells per wave_id, group (of one breakdown of CELL_GROUPS),
    scale_type, scale and items_answered, for combine_cells: of one initiative ($initiative)
    or of every initiative, of one wave ($wave) when `wave` is set."""
    # Fixed identifiers and expressions of this module; every value is a bound parameter.
    return _CELL_FIGURES.format(
        grp=CELL_GROUPS[by],
        initiative_filter="true" if every_initiative else "w.initiative_id = $initiative",
        wave_filter=" AND c.wave_id = $wave" if wave else "",
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


# Per wave and scale, from the alpha sums (of one wave, and of one sector or role group, when
# asked): complete cases, items, the sum of the items' variances and the total's variance,
# each variance (n * sum x^2 - (sum x)^2) / (n (n - 1)) of exact integer sums.
_ALPHA = """
WITH sums AS (
    SELECT a.wave_id, a.scale_type, a.scale, a.position, sum(a.n) AS n, sum(a.sum_x) AS sx,
           sum(a.sum_x2) AS sxx
    FROM score_alpha_sums a JOIN waves w ON w.id = a.wave_id
    WHERE w.initiative_id = $initiative{filters}
    GROUP BY a.wave_id, a.scale_type, a.scale, a.position
),
variances AS (
    SELECT *, CASE WHEN n >= 2 THEN CAST(n * sxx - sx * sx AS DOUBLE) / (n * (n - 1)) END
           AS variance
    FROM sums
)
SELECT wave_id, scale_type, scale,
       CAST(max(n) FILTER (WHERE position = 0) AS BIGINT) AS complete_cases,
       count(*) FILTER (WHERE position > 0) AS items,
       sum(variance) FILTER (WHERE position > 0) AS item_variance,
       max(variance) FILTER (WHERE position = 0) AS total_variance
FROM variances GROUP BY wave_id, scale_type, scale
"""


_ALPHA_GROUP_FILTERS = {"sector": " AND a.sector = $group", "role": " AND a.role = $group"}


def alpha_sql(wave: bool = False, by: str | None = None) -> str:
    """What Cronbach's alpha needs per wave and scale (complete_cases, items, item_variance,
    total_variance) from the alpha sums of one initiative ($initiative), of one wave ($wave)
    when `wave` is set, of one group ($group) of `by` (sector or role) when given."""
    filters = " AND a.wave_id = $wave" if wave else ""
    if by is not None:
        filters += _ALPHA_GROUP_FILTERS[by]  # fixed text; the group is bound
    return _ALPHA.format(filters=filters)
