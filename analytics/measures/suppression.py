"""Small-group suppression (DESIGN.md section 3), the one home of that rule: the threshold, the
flag on a group's statistics, complementary suppression in a breakdown, and what a reader
without row-level rights (a funder) may see of any table of statistics."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import numpy as np
import pandas as pd

from analytics import settings
from analytics.access.permissions import ROW_LEVEL_COLUMNS, User
from analytics.instrument import INDEX_OF
from analytics.measures.groups import ALL_GROUP


def suppression_threshold() -> int:
    """The smallest group whose figures anyone without row-level rights may see (a setting)."""
    return int(settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N"))


def is_small(n: object, min_n: int | None = None) -> bool | pd.Series:
    """Whether a group of `n` respondents (a number or a Series) is under the threshold; an
    unknown size (concealed already, or missing) counts as small."""
    min_n = suppression_threshold() if min_n is None else min_n
    if isinstance(n, pd.Series):
        return ~(pd.to_numeric(n, errors="coerce").fillna(0) >= min_n)
    return not (pd.notna(n) and float(n) >= min_n)


def small_group_words(min_n: int | None = None) -> str:
    """The one wording of a small group, for pages, reports and exports."""
    return f"fewer than {suppression_threshold() if min_n is None else min_n} respondents"


# The figures of a group's scale (the columns scoring computes beside n)...
SCALE_STATISTICS = ("mean", "sd", "ci_low", "ci_high", "pct_favourable", "band")
# ...and every column of any table that is a figure about a group: what suppression empties.
STATISTIC_COLUMNS = (
    *SCALE_STATISTICS,
    "alpha",
    "share",
    "count",
    "previous_mean",
    "change",
    "difference",
    "p_value",
    "p_adjusted",
    "cohens_d",
    "effect",
    "t",
    "verdict",
)


def conceal(
    frame: pd.DataFrame,
    user: User,
    *,
    n_column: str = "n",
    statistics: Iterable[str] = STATISTIC_COLUMNS,
) -> pd.DataFrame:
    """What `user` may see of a table of statistics.

    For a funder: row-level columns dropped, and in every row whose group has fewer
    respondents than the suppression threshold (or is suppressed already, to protect small
    groups), the statistics and the group's size emptied.
    Others see the table as it is.
    """
    if not user.aggregated_only:
        return frame
    shown = frame.drop(columns=[c for c in frame.columns if c in ROW_LEVEL_COLUMNS])
    if n_column not in shown.columns:
        return shown
    small = is_small(shown[n_column])
    if "suppressed" in shown.columns:
        small = small | shown["suppressed"].fillna(False).astype(bool)
    if small.any():
        shown = shown.copy()
        for column in statistics:
            if column in shown.columns:
                shown[column] = shown[column].where(~small)  # NaN (or None for text)
        shown[n_column] = shown[n_column].where(~small)
        if "suppressed" in shown.columns:
            shown["suppressed"] = shown["suppressed"] | small
    return shown


# The one reason a hidden cell gives, whether it is small itself or hidden beside a small one:
# saying which would single the small one out.
HIDDEN_WORDS = "hidden to protect small groups"


def suppress(breakdown: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """Small-cell suppression of one breakdown (DESIGN.md section 3), as a statistical agency
    publishes a table of means.

    `breakdown` has one row per wave, scale and group: the groups of one breakdown plus the
    total (group 'all'), and optionally the indices. For every wave and scale:

    - primary: a group of fewer than min_n respondents with a score (or a total that small)
      is hidden;
    - complementary: while the hidden groups together hold fewer than min_n respondents, or
      only one group is hidden, the next-smallest shown group is hidden too. The total minus
      the shown groups then gives only the pooled figures (n, sum, sum of squares) of two or
      more groups of at least min_n respondents together, never one group's;
    - an index is hidden for a group wherever any of its five scales is (5 x index minus four
      scales would give the fifth back).

    A hidden row keeps its group and n (readers with row-level rights see the sizes) but loses
    every statistic, and its reason is the same words for every hidden cell (HIDDEN_WORDS).
    conceal() then empties the n of hidden rows for a funder: their sizes are not published,
    and since at least two cells are hidden wherever one is, the total n minus the shown n gives
    only the hidden groups' combined size, which is at least min_n. Groups hidden for a scale
    are chosen per wave and scale (item non-response makes n differ between scales), so a
    group hidden on one scale may show on another; its size there is its size on that scale.

    Two breakdowns of the same wave (sector and role) are published side by side: see
    suppress_paired(), which also closes differencing between them.
    """
    min_n = suppression_threshold() if min_n is None else min_n
    hidden = _primary_and_complementary(breakdown, min_n)
    return _apply(breakdown, hidden, min_n)


def suppress_paired(
    first: pd.DataFrame,
    second: pd.DataFrame,
    crossed: pd.DataFrame,
    min_n: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """suppress() of two breakdowns of the same respondents (sector and role), so that no
    figure follows from combining them.

    `first` and `second` are as for suppress() (each with the total); `crossed` counts the
    respondents with a score per wave_id, scale, grp (the first breakdown's group) and grp2
    (the second's). After suppress() of each, an attacker who knows who is in which sector and
    role can work out the sum (and sum of squares) of any set of respondents whose indicator
    lies in the span of the published blocks (each shown group, the hidden groups of each
    breakdown together, the total) over the sector x role cells, e.g. a sector minus a role
    nested in it. While such a set of fewer than min_n respondents exists, the smallest shown
    group of either breakdown that meets it is hidden too (with its complement rule), which
    merges blocks until no small set is in the span.
    """
    min_n = suppression_threshold() if min_n is None else min_n
    hidden_first = _primary_and_complementary(first, min_n)
    hidden_second = _primary_and_complementary(second, min_n)
    sizes_first, sizes_second = _cell_sizes(first), _cell_sizes(second)
    for (wave_id, scale), cells in crossed.groupby(["wave_id", "scale"], sort=False):
        key = (wave_id, scale)
        if key not in sizes_first or key not in sizes_second:
            continue
        a, b = sizes_first[key], sizes_second[key]
        ha, hb = hidden_first.setdefault(key, set()), hidden_second.setdefault(key, set())
        while (found := _isolated(cells, ha, hb, min_n)) is not None:
            candidates = [(a[g], 0, g) for g in set(found["grp"]) if g in a and g not in ha]
            candidates += [(b[g], 1, g) for g in set(found["grp2"]) if g in b and g not in hb]
            if not candidates:  # no shown group meets it: hide the smallest shown group
                candidates = [(a[g], 0, g) for g in a if g not in ha]
                candidates += [(b[g], 1, g) for g in b if g not in hb]
            if not candidates:
                break
            _size, side, group = min(candidates)
            sizes, hidden = (a, ha) if side == 0 else (b, hb)
            hidden |= _complete(sizes, {*hidden, group}, min_n)
    return _apply(first, hidden_first, min_n), _apply(second, hidden_second, min_n)


def _is_scale(frame: pd.DataFrame) -> pd.Series:
    if "scale_type" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return frame["scale_type"] != "index"


def _cell_sizes(breakdown: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    """(wave_id, scale) -> {group: n} of the breakdown's groups (not the total, no index)."""
    groups = breakdown[(breakdown["group"] != ALL_GROUP) & _is_scale(breakdown)]
    n = pd.to_numeric(groups["n"], errors="coerce").fillna(0)
    sizes: dict[tuple, dict[str, float]] = {}
    for wave_id, scale, group, size in zip(
        groups["wave_id"], groups["scale"], groups["group"], n, strict=True
    ):
        sizes.setdefault((wave_id, scale), {})[group] = float(size)
    return sizes


def _complete(sizes: dict[str, float], hidden: set[str], min_n: int) -> set[str]:
    """The complementary rule: add the next-smallest groups until the hidden groups are none,
    or two or more holding at least min_n respondents together (or every group)."""
    hidden = set(hidden)
    order = sorted(sizes, key=lambda g: (sizes[g], str(g)))
    while hidden and (sum(sizes[g] for g in hidden) < min_n or len(hidden) < 2):
        rest = [g for g in order if g not in hidden]
        if not rest:
            break
        hidden.add(rest[0])
    return hidden


def _primary_and_complementary(breakdown: pd.DataFrame, min_n: int) -> dict[tuple, set[str]]:
    """(wave_id, scale) -> the hidden groups of the breakdown by the primary and complementary
    rules."""
    return {key: hidden_groups(sizes, min_n) for key, sizes in _cell_sizes(breakdown).items()}


def hidden_groups(sizes: dict[str, float], min_n: int | None = None) -> set[str]:
    """The groups of one table (group -> size) to hide: the small ones, and beside them the
    next-smallest until the hidden groups are none, or two or more holding at least min_n
    together (so that the total minus the shown groups gives away no small group)."""
    min_n = suppression_threshold() if min_n is None else min_n
    small = {g for g, size in sizes.items() if is_small(size, min_n)}
    return _complete(sizes, small, min_n)


def _isolated(
    cells: pd.DataFrame, hidden_first: set[str], hidden_second: set[str], min_n: int
) -> pd.DataFrame | None:
    """Sector x role cells of fewer than min_n respondents together on which some combination
    of the published blocks of the two breakdowns rests entirely (see suppress_paired), or None.

    Each published block (a shown group, the hidden groups of a breakdown together, the total)
    gives the n, sum and sum of squares of the cells it covers. Any combination of blocks that
    is zero outside a set S of cells gives a weighted sum over S alone: not only a sum (a sector
    minus the role nested in it) but a difference too (a sector minus a role that crosses it,
    when the two leave one person each: x - y and x^2 - y^2 give both scores). Such a
    combination exists exactly when dropping S's columns lowers the rank of the blocks."""
    cells = cells[cells["n"] > 0].reset_index(drop=True)
    counts = cells["n"].to_numpy(dtype=float)
    small = [i for i in range(len(cells)) if counts[i] < min_n]
    if not small:
        return None
    blocks = [np.ones(len(cells))]
    for column, hidden in (("grp", hidden_first), ("grp2", hidden_second)):
        groups = cells[column]
        blocks += [(groups == g).to_numpy(float) for g in set(groups) - hidden]
        if hidden:
            blocks.append(groups.isin(hidden).to_numpy(float))
    span = np.vstack(blocks)
    full_rank = np.linalg.matrix_rank(span)
    for size in range(1, min_n):
        for subset in combinations(small, size):
            chosen = list(subset)
            if counts[chosen].sum() >= min_n:
                continue
            rest = np.delete(span, chosen, axis=1)
            if rest.shape[1] == 0 or np.linalg.matrix_rank(rest) < full_rank:
                return cells.iloc[chosen]
    return None


def _apply(breakdown: pd.DataFrame, hidden: dict[tuple, set[str]], min_n: int) -> pd.DataFrame:
    """The breakdown with its hidden cells (and the indices resting on them) emptied."""
    out = breakdown.copy()
    out["suppressed"] = False
    out["suppression"] = None
    for column in STATISTIC_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype(object)
    scale = _is_scale(out)
    total = out["group"] == ALL_GROUP
    groups = [(w, s, g) for w, s, g in zip(out["wave_id"], out["scale"], out["group"], strict=True)]
    is_hidden = pd.Series(
        [g in hidden.get((w, s), ()) for w, s, g in groups], index=out.index, dtype=bool
    )
    is_hidden |= scale & total & is_small(out["n"], min_n)
    if (~scale).any():
        # An index is hidden wherever one of its scales is (or its own n is small).
        keys = list(zip(out["wave_id"], out["group"], out["scale_type"], strict=True))
        hidden_scales = {key for key, h in zip(keys, is_hidden, strict=True) if h}
        scale_type_of = {index: scale_type for scale_type, index in INDEX_OF.items()}
        for i, (wave_id, group, _type), index in zip(out.index, keys, out["scale"], strict=True):
            if index in scale_type_of and (
                is_small(out.at[i, "n"], min_n)
                or (wave_id, group, scale_type_of[index]) in hidden_scales
            ):
                is_hidden[i] = True
    out.loc[is_hidden, "suppressed"] = True
    out.loc[is_hidden, "suppression"] = HIDDEN_WORDS
    for column in STATISTIC_COLUMNS:
        if column in out.columns:
            out.loc[is_hidden, column] = None
    return out


def conceal_alpha(alpha: pd.DataFrame, user: User) -> pd.DataFrame:
    """For a funder, no alpha (and no flag) from fewer complete answers than the suppression
    threshold; the count of complete answers is hidden too."""
    figures = ("alpha", "alpha_low", "alpha_high", "reliability")
    shown = conceal(alpha, user, n_column="complete_cases", statistics=figures)
    if user.aggregated_only:
        shown["unreliable"] = shown["unreliable"] & shown["alpha"].notna()
    return shown


def conceal_entries(entries: pd.DataFrame, user: User) -> pd.DataFrame:
    """What `user` may see of the log of what emerged (outcomes and decisions).

    A funder sees the confirmed outcomes that name no one, without who can confirm them;
    an entry a backbone has marked shareable is shown whole (decision, unconfirmed or naming
    people as it may be). Who recorded an entry is never shown to a funder. Others see the
    log as it is.
    """
    if not user.aggregated_only:
        return entries
    shareable = entries["shareable"].fillna(False).astype(bool)
    plain = (
        (entries["kind"] == "outcome")
        & entries["confirmed"].fillna(False).astype(bool)
        & ~entries["names_people"].fillna(False).astype(bool)
    )
    shown = entries[shareable | plain].copy()
    shown.loc[~shown["shareable"].astype(bool), "confirmed_by"] = ""
    return conceal(shown, user).reset_index(drop=True)
