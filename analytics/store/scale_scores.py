"""Each respondent's stored scale scores (migration 8), so that group statistics aggregate one
narrow row per respondent and scale instead of reading every answer again.

Computed here in numpy from the answer matrix a write already holds, and inserted inside the
writer's transaction with portable SQL (a registered Arrow table, INSERT ... SELECT): written by
every insert of answers, recomputed for an initiative whose instrument changes, filled once for
answers stored before migration 8. measures.scoring aggregates them; the rule is DESIGN.md
section 3's, and tests check these scores against scoring.RESPONDENT_SCORES_SQL to 1e-12.
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
    "INSERT INTO respondent_scale_scores"
    " (respondent_id, wave_id, scale_type, scale, score, answered, favourable)"
    " SELECT respondent_id, wave_id, ?, ?, score, answered, favourable FROM scale_score_rows"
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


def scale_scores(
    scales: Sequence[Scale], item_ids: Sequence[str], values: np.ndarray, missing: np.ndarray
) -> Iterator[tuple[Scale, dict[str, np.ndarray]]]:
    """Respondent scale scores by DESIGN.md section 3, for the rows of an answer matrix.

    `values` (1..5) and `missing` (bool) have one column per item of `item_ids`. For each of
    `scales` that has items in the matrix, yields the scale and `rows` (the matrix rows with at
    least one of the scale's items answered) with, for those, `score` (the mean of the valid
    answers after reverse coding; NaN when fewer than half of the scale's items, rounded up,
    are answered), `answered` and `favourable` (answers of 4 or 5 after reverse coding)."""
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
        total = np.zeros(values.shape[0], dtype=np.int16)
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
        rows = np.flatnonzero(answered > 0)
        answered = answered[rows]
        score = total[rows] / answered  # exact integer sums, one rounding: as the SQL's list_avg
        score[answered < scale.needed] = np.nan
        yield (
            scale,
            {
                "rows": rows,
                "score": score,
                "answered": answered,
                "favourable": favourable[rows],
            },
        )


def insert_scale_scores(
    cursor: Any,
    scales: Sequence[Scale],
    respondent_ids: np.ndarray,
    wave_ids: np.ndarray,
    item_ids: Sequence[str],
    values: np.ndarray,
    missing: np.ndarray,
) -> int:
    """Insert the scale scores of these respondents (one matrix row each) inside the caller's
    transaction, one scale at a time (a million respondents' scores for one scale at most are
    held at once). Returns the rows inserted."""
    respondent_ids = np.asarray(respondent_ids, dtype=np.int64)
    wave_ids = np.asarray(wave_ids, dtype=np.int32)
    inserted = 0
    for scale, found in scale_scores(scales, item_ids, values, missing):
        rows = found["rows"]
        if not len(rows):
            continue
        score = found["score"]
        table = pa.table(
            {
                "respondent_id": pa.array(respondent_ids[rows]),
                "wave_id": pa.array(wave_ids[rows]),
                "score": pa.array(score, mask=np.isnan(score)),
                "answered": pa.array(found["answered"]),
                "favourable": pa.array(found["favourable"]),
            }
        )
        cursor.register("scale_score_rows", table)
        try:
            cursor.execute(_INSERT_SQL, [scale.scale_type, scale.scale])
        finally:
            cursor.unregister("scale_score_rows")
        inserted += len(rows)
    return inserted


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


def recompute_scale_scores(cursor: Any, initiative_id: int, cells: bool = True) -> int:
    """Replace the initiative's stored scale scores with scores from its stored answers and
    its current instrument, inside the caller's transaction (an instrument change: a reverse
    flag, an item's scale; and migration 8's first fill), and its score cells unless `cells`
    is False (migration 8, before the cells' table). Returns the rows written."""
    cursor.execute(
        "DELETE FROM respondent_scale_scores WHERE wave_id IN"
        " (SELECT id FROM waves WHERE initiative_id = ?)",
        [initiative_id],
    )
    scales = instrument_scales(cursor, initiative_id)
    lists = cursor.execute(
        "SELECT DISTINCT l.id, l.item_ids FROM item_lists l"
        " JOIN respondent_answers a ON a.item_list_id = l.id"
        " JOIN respondents p ON p.id = a.respondent_id JOIN waves w ON w.id = p.wave_id"
        " WHERE w.initiative_id = ? ORDER BY l.id",
        [initiative_id],
    ).fetchall()
    written = 0
    for item_list_id, item_ids in lists:
        table = _answer_lists(cursor, initiative_id, int(item_list_id))
        width = len(item_ids)
        flat = table["answers"].combine_chunks().flatten()
        missing = np.asarray(flat.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        values = np.asarray(flat.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.uint8)
        written += insert_scale_scores(
            cursor,
            scales,
            table["respondent_id"].to_numpy(),
            table["wave_id"].to_numpy(),
            list(item_ids),
            values.reshape(-1, width),
            missing.reshape(-1, width),
        )
    if cells:
        refresh_score_cells(cursor, initiative_id, scales)
    return written


def fill_scale_scores(cursor: Any) -> int:
    """Migration 8's fill: the scale scores of every initiative's answers stored before it."""
    initiatives = cursor.execute("SELECT id FROM initiatives ORDER BY id").fetchall()
    return sum(recompute_scale_scores(cursor, int(row[0]), False) for row in initiatives)
