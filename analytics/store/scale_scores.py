"""Each respondent's stored scale scores (migration 8; stored as lists since migration 11), so
that group statistics aggregate one narrow row per respondent and scale instead of reading every
answer again.

Computed here in numpy from the answer matrix a write already holds, and inserted inside the
writer's transaction with portable SQL (a registered Arrow table, INSERT ... SELECT): written by
every insert of answers, recomputed for an initiative whose instrument changes, filled once for
answers stored before migration 11. One row per respondent holds, in the order of a stored scale
list (the scales, and the answers each needs for a score), each scale's total after reverse
coding, answers and favourable answers; the view respondent_scale_scores gives readers one row
per respondent and scale, its score total / answered. measures.scoring aggregates them; the rule
is DESIGN.md section 3's, and tests check these scores against scoring.RESPONDENT_SCORES_SQL to
1e-12.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from analytics.store.score_cells import query_arrow, refresh_score_cells

# Answers run 1..5; a reverse-coded item's value is REVERSE_FROM - value (DESIGN.md 3).
REVERSE_FROM = 6
FAVOURABLE_FROM = 4  # 4 or 5 after reverse coding is a favourable answer

_INSERT_SQL = (
    "INSERT INTO respondent_scale_lists"
    " (respondent_id, wave_id, scale_list_id, totals, answered, favourable)"
    " SELECT respondent_id, wave_id, ?, CAST(totals AS INTEGER[]), CAST(answered AS SMALLINT[]),"
    " CAST(favourable AS SMALLINT[]) FROM scale_list_rows"
)


@dataclass(frozen=True)
class Scale:
    """One scale of an instrument: its items (in item id order) and their reverse flags."""

    scale_type: str  # condition or principle
    scale: str
    item_ids: tuple[str, ...]
    reverse: tuple[bool, ...]

    @property
    def needed(self) -> int:
        """Items a respondent must answer for a score: half the scale's items, rounded up."""
        return -(-len(self.item_ids) // 2)


def instrument_scales(cursor: Any, initiative_id: int) -> list[Scale]:
    """The scales of the initiative's instrument, each with its items and reverse flags."""
    rows = cursor.execute(
        "SELECT i.item_id, i.condition, i.principle, i.reverse FROM items i"
        " JOIN initiative_instruments ii ON ii.instrument_id = i.instrument_id"
        " WHERE ii.initiative_id = ? ORDER BY i.item_id",
        [initiative_id],
    ).fetchall()
    members: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for item_id, condition, principle, reverse in rows:
        for scale_type, scale in (("condition", condition), ("principle", principle)):
            if scale is not None and scale != "":
                members.setdefault((scale_type, str(scale)), []).append(
                    (str(item_id), bool(reverse))
                )
    return [
        Scale(scale_type, scale, tuple(i for i, _ in items), tuple(r for _, r in items))
        for (scale_type, scale), items in sorted(members.items())
    ]


def scale_sums(
    scales: Sequence[Scale], item_ids: Sequence[str], values: np.ndarray, missing: np.ndarray
) -> Iterator[tuple[Scale, np.ndarray, np.ndarray, np.ndarray]]:
    """Respondent scale sums by DESIGN.md section 3, for the rows of an answer matrix.

    `values` (1..5) and `missing` (bool) have one column per item of `item_ids`. For each of
    `scales` that has items in the matrix, yields the scale and, for every row, the total of the
    valid answers after reverse coding (int32), how many are answered and how many favourable
    (answers of 4 or 5 after reverse coding; int16). A row's score for the scale is total /
    answered when at least `scale.needed` are answered, and there is none when none is."""
    position = {str(item): k for k, item in enumerate(item_ids)}
    values, missing = np.asarray(values), np.asarray(missing, dtype=bool)
    members = [
        [
            (position[i], r)
            for i, r in zip(scale.item_ids, scale.reverse, strict=True)
            if i in position
        ]
        for scale in scales
    ]
    # Item by item (one matrix column each, copied when needed: no transposed copy of the
    # whole matrix): each item's value after reverse coding, 0 where missing, is computed once,
    # and kept only for an item that feeds another scale still to come.
    uses = Counter(k for found in members for k, _reverse in found)
    coded: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for scale, found in zip(scales, members, strict=True):
        if not found:
            continue
        total = np.zeros(values.shape[0], dtype=np.int32)
        answered = np.zeros(values.shape[0], dtype=np.int16)
        favourable = np.zeros(values.shape[0], dtype=np.int16)
        for k, reverse in found:
            if k in coded:
                value, given = coded[k] if uses[k] > 1 else coded.pop(k)
            else:
                raw = values[:, k].astype(np.int8)
                given = ~missing[:, k]
                value = np.where(given, REVERSE_FROM - raw if reverse else raw, 0).astype(np.int8)
                if uses[k] > 1:
                    coded[k] = (value, given)
            uses[k] -= 1
            total += value
            answered += given
            favourable += value >= FAVOURABLE_FROM
        yield scale, total, answered, favourable


def _scale_list_id(cursor: Any, scales: Sequence[Scale]) -> int:
    """The id of the stored scale list of `scales` in this order, stored when new."""
    params = [
        [s.scale_type for s in scales],
        [s.scale for s in scales],
        [s.needed for s in scales],
    ]
    found = cursor.execute(
        "SELECT min(id) FROM scale_lists WHERE scale_types = ?::VARCHAR[]"
        " AND scales = ?::VARCHAR[] AND needed = ?::INTEGER[]",
        params,
    ).fetchall()
    if found and found[0][0] is not None:
        return int(found[0][0])
    return int(
        cursor.execute(
            "INSERT INTO scale_lists (scale_types, scales, needed)"
            " VALUES (?::VARCHAR[], ?::VARCHAR[], ?::INTEGER[]) RETURNING id",
            params,
        ).fetchall()[0][0]
    )


def _lists(matrix: np.ndarray, kind: pa.DataType) -> pa.ListArray:
    """Each row of a matrix as one list."""
    rows, width = matrix.shape
    offsets = np.arange(0, rows * width + 1, width, dtype=np.int32)
    flat = np.ascontiguousarray(matrix).reshape(-1)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=kind))


def insert_scale_scores(
    cursor: Any,
    scales: Sequence[Scale],
    respondent_ids: np.ndarray,
    wave_ids: np.ndarray,
    item_ids: Sequence[str],
    values: np.ndarray,
    missing: np.ndarray,
) -> int:
    """Insert the scale sums of these respondents (one matrix row each) inside the caller's
    transaction: one row of lists per respondent with an answer in some scale, in one INSERT.
    Returns the rows of respondent_scale_scores they give (a respondent's scales answered)."""
    rows = np.asarray(values).shape[0]
    # A column per scale with items in the matrix, written in place as each scale is summed.
    totals = np.empty((rows, len(scales)), dtype=np.int32)
    answered = np.empty((rows, len(scales)), dtype=np.int16)
    favourable = np.empty((rows, len(scales)), dtype=np.int16)
    found: list[Scale] = []
    for scale, total, given, liked in scale_sums(scales, item_ids, values, missing):
        column = len(found)
        totals[:, column], answered[:, column], favourable[:, column] = total, given, liked
        found.append(scale)
    width = len(found)
    totals, answered, favourable = totals[:, :width], answered[:, :width], favourable[:, :width]
    scored = answered > 0
    kept = np.flatnonzero(scored.any(axis=1))
    if not len(kept):
        return 0
    if len(kept) < rows:  # respondents who answered no item of any scale have no row
        totals, answered, favourable = totals[kept], answered[kept], favourable[kept]
    table = pa.table(
        {
            "respondent_id": pa.array(np.asarray(respondent_ids, dtype=np.int64)[kept]),
            "wave_id": pa.array(np.asarray(wave_ids, dtype=np.int32)[kept]),
            "totals": _lists(totals, pa.int32()),
            "answered": _lists(answered, pa.int16()),
            "favourable": _lists(favourable, pa.int16()),
        }
    )
    scale_list_id = _scale_list_id(cursor, found)
    cursor.register("scale_list_rows", table)
    try:
        cursor.execute(_INSERT_SQL, [scale_list_id])
    finally:
        cursor.unregister("scale_list_rows")
    return int(np.count_nonzero(scored))


def _answer_lists(cursor: Any, initiative_id: int, item_list_id: int) -> pa.Table:
    """respondent_id, wave_id, answers of the initiative's respondents stored in one item
    list's order."""
    sql = (
        "SELECT a.respondent_id, p.wave_id, a.answers FROM respondent_answers a"
        " JOIN respondents p ON p.id = a.respondent_id JOIN waves w ON w.id = p.wave_id"
        " WHERE w.initiative_id = ? AND a.item_list_id = ? ORDER BY a.respondent_id"
    )
    schema = {"respondent_id": pa.int64(), "wave_id": pa.int32(), "answers": pa.list_(pa.uint8())}
    return query_arrow(cursor, sql, [initiative_id, item_list_id], schema)


def stored_matrices(
    cursor: Any, initiative_id: int
) -> Iterator[tuple[pa.Table, list[str], np.ndarray, np.ndarray]]:
    """The initiative's stored answers, one item list at a time: its respondents (respondent_id,
    wave_id), its item ids, and the answer matrix as values (uint8) and missing (bool)."""
    lists = cursor.execute(
        "SELECT DISTINCT l.id, l.item_ids FROM item_lists l"
        " JOIN respondent_answers a ON a.item_list_id = l.id"
        " JOIN respondents p ON p.id = a.respondent_id JOIN waves w ON w.id = p.wave_id"
        " WHERE w.initiative_id = ? ORDER BY l.id",
        [initiative_id],
    ).fetchall()
    for item_list_id, item_ids in lists:
        table = _answer_lists(cursor, initiative_id, int(item_list_id))
        width = len(item_ids)
        flat = table["answers"].combine_chunks().flatten()
        missing = np.asarray(flat.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        values = np.asarray(flat.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.uint8)
        yield (
            table.select(["respondent_id", "wave_id"]),
            [str(item) for item in item_ids],
            values.reshape(-1, width),
            missing.reshape(-1, width),
        )


def recompute_scale_scores(cursor: Any, initiative_id: int) -> int:
    """Replace the initiative's stored scale scores with scores from its stored answers and
    its current instrument, inside the caller's transaction (an instrument change: a reverse
    flag, an item's scale; and migration 11's fill), and its score cells. Returns the rows of
    respondent_scale_scores written."""
    cursor.execute(
        "DELETE FROM respondent_scale_lists WHERE wave_id IN"
        " (SELECT id FROM waves WHERE initiative_id = ?)",
        [initiative_id],
    )
    scales = instrument_scales(cursor, initiative_id)
    written = 0
    for people, item_ids, values, missing in stored_matrices(cursor, initiative_id):
        written += insert_scale_scores(
            cursor,
            scales,
            people["respondent_id"].to_numpy(),
            people["wave_id"].to_numpy(),
            item_ids,
            values,
            missing,
        )
    refresh_score_cells(cursor, initiative_id, scales)
    return written


def fill_scale_scores(cursor: Any) -> int:
    """Migration 11's fill: the scale scores of every initiative's stored answers, and its score
    cells (migration 10 filled them from the scores of migration 8's table, empty when migration
    8 came in the same upgrade)."""
    initiatives = cursor.execute("SELECT id FROM initiatives ORDER BY id").fetchall()
    return sum(recompute_scale_scores(cursor, int(row[0])) for row in initiatives)
