"""Downloads that are safe to open in a spreadsheet: every text cell that would run as a
formula neutralised, in CSV and XLSX; the initiative's scores, milestones, indicators and
responses as tables, suppressed for the reader's role."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from analytics.access.permissions import AccessDenied, Permission, User, guarded
from analytics.instrument import scale_label
from analytics.measures.scoring import STAT_FIGURES, initiative_statistics
from analytics.measures.suppression import conceal, suppress
from analytics.store.connection import Store

# The measures of one export each (statistics, milestones, indicators, the network) are imported
# by that export: `python -m analytics scores` loads only what the scores need.

# A spreadsheet treats a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell that a spreadsheet would run as a formula is prefixed
    with an apostrophe, so it shows as the literal text. Numbers are left as numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS) else v
            )
    out.columns = [
        "'" + c if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) else c for c in out.columns
    ]
    return out


DECIMALS = 3  # scores on a 1-5 scale, intervals, alphas and effect sizes: 3 places say enough
P_SIGNIFICANT = 3  # p values: 3 significant digits, so that a small one is not rounded to 0


def sensible_decimals(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats rounded as a reader wants them in a download: 3 decimals, p values to 3
    significant digits (not the 15 digits of a float)."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_float_dtype(out[column]):
            continue
        name = str(column).lower()
        if name == "p" or name.startswith("p_") or name.endswith(" p"):
            out[column] = out[column].map(
                lambda v: v if pd.isna(v) else float(f"{v:.{P_SIGNIFICANT}g}")
            )
        else:
            out[column] = out[column].round(DECIMALS)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents right), formulas neutralised. Rows end
    in CRLF, so that a cell holding a lone carriage return is quoted (the csv module quotes
    only the line terminator's characters) and cannot split its row."""
    safe = neutralise_formulas(sensible_decimals(frame))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# -- the initiative's data as downloads, for one reader (issue 7) ------------------------------

EXPORT_KINDS = ("scores", "milestones", "indicators", "network", "responses")
FORMATS = ("csv", "xlsx")
MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Data") -> bytes:
    """One worksheet, formulas neutralised, and every text cell written as a string cell, so
    that no cell is ever stored as a formula."""
    from openpyxl import Workbook

    safe = neutralise_formulas(sensible_decimals(frame))
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    for col, name in enumerate(safe.columns, start=1):
        cell = ws.cell(row=1, column=col, value=str(name))
        cell.data_type = "s"
    for row_number, row in enumerate(safe.itertuples(index=False), start=2):
        for col, value in enumerate(row, start=1):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            elif hasattr(value, "item") and not isinstance(value, dt.date):
                value = value.item()  # numpy scalars as Python numbers
            if not isinstance(value, (str, int, float, bool, dt.date)):
                value = str(value)
            cell = ws.cell(row=row_number, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_file(frame: pd.DataFrame, fmt: str, sheet: str = "Data") -> bytes:
    """CSV (UTF-8 with BOM) or XLSX bytes of a table, formulas neutralised either way."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "xlsx":
        return xlsx_bytes(frame, sheet)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


@guarded(Permission.VIEW)
def scores_export(
    store: Store, user: User, initiative_id: int, by: str | None = None
) -> pd.DataFrame:
    """Scale statistics of every wave (and group, with `by` sector, role or organisation),
    small groups suppressed as in every export; a funder gets no breakdown by organisation."""
    if by == "organisation" and user.aggregated_only:
        raise AccessDenied(f"{user.name} ({user.role}) may not see scores by organisation")
    if by:
        from analytics.measures.statistics import breakdown_statistics

        stats = breakdown_statistics(store, user, initiative_id, by)
    else:
        stats = suppress(initiative_statistics(store, user, initiative_id))
    table = stats[["wave", "opened_on", "scale_type", "scale", "group"]].copy()
    table["scale_label"] = [scale_label(s) for s in stats["scale"]]
    for column in [*STAT_FIGURES, "suppression"]:
        if column in stats.columns:
            table[column] = stats[column]
    return conceal(table.reset_index(drop=True), user)


@guarded(Permission.VIEW)
def changes_export(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """One row per scale and comparison (the latest wave against the previous and against the
    first wave): means, difference, the test (partially overlapping or Welch's), p, the
    Benjamini-Hochberg adjusted p, Cohen's d and its size in words, and the verdict; from the
    whole-wave figures the reader may see."""
    from analytics.measures.statistics import CHANGE_COLUMNS, comparisons, matched_pairs

    stats = initiative_statistics(store, user, initiative_id)
    table = comparisons(stats, matched_pairs(store, user, initiative_id))
    table["scale_label"] = [scale_label(s) for s in table["scale"]]
    front = ["comparison", "from", "to", "scale_type", "scale", "scale_label"]
    return table[front + [c for c in CHANGE_COLUMNS if c not in front]].reset_index(drop=True)


@guarded(Permission.VIEW)
def milestones_export(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The milestones; a funder's copy has no owner and no notes."""
    from analytics.measures.milestones import milestones

    return conceal(milestones(store, user, initiative_id).drop(columns="id"), user)


@guarded(Permission.VIEW)
def indicators_export(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every observation of every indicator, beside the indicator's definition and status."""
    from analytics.measures.indicators import indicator_statuses, observations

    statuses = indicator_statuses(store, user, initiative_id)
    if statuses.empty:
        return pd.DataFrame(columns=["indicator", "unit", "observed_on", "value", "status"])
    frames = [
        observations(store, user, initiative_id, int(row.id)).assign(indicator_id=int(row.id))
        for row in statuses.itertuples()
    ]
    observed = pd.concat(frames, ignore_index=True)
    table = statuses.rename(columns={"id": "indicator_id", "name": "indicator"}).merge(
        observed, on="indicator_id"
    )
    front = ["indicator", "unit", "observed_on", "value"]
    rest = [c for c in table.columns if c not in front and c != "indicator_id"]
    return conceal(table[front + rest], user)


@guarded(Permission.VIEW_DETAIL)
def responses_export(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every stored answer, one row per respondent and item, with the respondent's fields:
    row-level data, so only for readers with VIEW_DETAIL."""
    return store.read_df(
        "SELECT w.label AS wave, p.respondent_key AS respondent_id, p.organisation, p.sector,"
        " p.role, r.item_id, r.value FROM responses r JOIN respondents p"
        " ON p.id = r.respondent_id JOIN waves w ON w.id = p.wave_id"
        " WHERE w.initiative_id = ? ORDER BY w.opened_on, p.respondent_key, r.item_id",
        [initiative_id],
    )


@guarded(Permission.VIEW)
def network_export(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The partner network's measures, one row per network wave and measure (wave, measure,
    value): network-level figures only, the same for every reader."""
    # Imported here: networkx is slow to load, and only this export needs it.
    from analytics.measures.network import network_measures

    return network_measures(store, user, initiative_id)


def available_exports(user: User) -> tuple[str, ...]:
    """The kinds of export this reader may download."""
    if user.has(Permission.VIEW_DETAIL):
        return EXPORT_KINDS
    return tuple(k for k in EXPORT_KINDS if k != "responses")


@guarded(Permission.VIEW)
def export_file(
    store: Store, user: User, initiative_id: int, kind: str, fmt: str
) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of one export in CSV or XLSX."""
    tables = {
        "scores": scores_export,
        "milestones": milestones_export,
        "indicators": indicators_export,
        "network": network_export,
        "responses": responses_export,
    }
    if kind not in tables:
        raise ValueError(f"export must be one of {', '.join(EXPORT_KINDS)}, not {kind!r}")
    frame = tables[kind](store, user, initiative_id)
    return as_file(frame, fmt, sheet=kind), f"{kind}.{fmt}", MIME_TYPES[fmt]
