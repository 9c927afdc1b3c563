"""Small-group suppression (DESIGN.md section 3), the one home of that rule: the threshold, the
flag on a group's statistics, complementary suppression in a breakdown, and what a reader
without row-level rights (a funder) may see of any table of statistics."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analytics import settings
from analytics.access.permissions import ROW_LEVEL_COLUMNS, User
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
    "cohens_d",
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
    respondents than the suppression threshold (or is suppressed already, to protect a small
    group), the statistics and the group's size emptied.
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


def suppress(breakdown: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """Small-cell suppression of a breakdown (DESIGN.md section 3).

    `breakdown` has one row per wave, scale and group, the groups of one breakdown plus the
    total (group 'all'). A group with n below min_n is suppressed ('fewer than N respondents');
    when exactly one group of a wave and scale is, the next-smallest group is suppressed too
    ('protects a small group'), so that no value can be recovered from the total by
    subtraction. Suppressed rows keep their group and n but lose every statistic.
    """
    min_n = suppression_threshold() if min_n is None else min_n
    out = breakdown.copy()
    out["suppressed"] = False
    out["suppression"] = None
    for column in STATISTIC_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype(object)
    groups = out[out["group"] != ALL_GROUP]
    for _key, cells in groups.groupby(["wave_id", "scale"], sort=False):
        small = cells.index[is_small(cells["n"], min_n)]
        out.loc[small, "suppression"] = small_group_words(min_n)
        if len(small) == 1:
            rest = cells.drop(index=small).sort_values("n", kind="stable")
            if len(rest):
                out.loc[rest.index[0], "suppression"] = "protects a small group"
    total = out["group"] == ALL_GROUP
    out.loc[total & is_small(out["n"], min_n), "suppression"] = small_group_words(min_n)
    hidden = out["suppression"].notna()
    out.loc[hidden, "suppressed"] = True
    for column in STATISTIC_COLUMNS:
        if column in out.columns:
            out.loc[hidden, column] = None
    return out


def conceal_alpha(alpha: pd.DataFrame, user: User) -> pd.DataFrame:
    """For a funder, no alpha (and no flag) from fewer complete answers than the suppression
    threshold; the count of complete answers is hidden too."""
    shown = conceal(alpha, user, n_column="complete_cases", statistics=("alpha",))
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
