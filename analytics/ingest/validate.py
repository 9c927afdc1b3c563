"""Survey imports, first half: read an upload and validate it into a PreparedImport (nothing
is written; analytics.ingest.commit writes it). The upload page and the CLI both go through here.

Validation follows DESIGN.md section 3: every cell that is neither an answer nor missing is an
ImportProblem with its row, column, value and reason, never coerced. With the policy "reject"
(the default) any problem blocks the import and nothing is written; with "missing" invalid cells
are stored as missing and the problems are recorded with the import.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import settings
from analytics.errors import ImportProblem, ImportRefused
from analytics.ingest.answers import extra_labels, parse_answer
from analytics.ingest.identifiers import IdentifierRefused, checked_identifier, normalise_column
from analytics.ingest.layouts import Table, to_table
from analytics.ingest.mapping import FIELDS, ItemGap, Mapping, survey_key, unmapped_items
from analytics.ingest.options import DATE_ORDERS
from analytics.ingest.reading import read_grid
from analytics.ingest.values import (
    DEFAULT_CHOICES,
    VALUE_FIELDS,
    Placement,
    answer_key,
    place_answers,
    place_counts,
    value_map_frame,
)
from analytics.instrument import Item

MAX_PROBLEMS_KEPT = 10_000  # a file with more problems keeps the first ones and the count

Progress = Callable[[float, str], None]


@dataclass
class PreparedImport:
    """A validated file, ready to commit: what would be stored and what is wrong."""

    file_name: str
    sha256: str
    table: Table
    mapping: Mapping
    survey_key: str
    respondents: pd.DataFrame  # row, respondent_key, organisation, sector, role, submitted_at, wave
    values: pd.DataFrame  # one row per respondent (same order), one column per item id
    problems: list[ImportProblem]
    problem_count: int
    invalid_cells: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)  # sector and role answers
    warnings: list[str] = field(default_factory=list)  # what imports but deserves a look
    item_gaps: list[ItemGap] = field(default_factory=list)  # items without a column
    # Open-text answers: position (into respondents), question, text. Never shown to funders.
    comments: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["position", "question", "text"])
    )

    def notices(self) -> list[str]:
        """Every warning in words, the items without a column first (the CLI prints them)."""
        gaps = self.item_gaps
        if not gaps:
            return list(self.warnings)
        named = "; ".join(
            f"{g.item_id} ({g.text[:60]!r}"
            + (
                f", closest column {g.closest[:60]!r}, {g.similarity:.0%} alike)"
                if g.closest
                else ")"
            )
            for g in gaps[:10]
        )
        more = f" and {len(gaps) - 10} more" if len(gaps) > 10 else ""
        return [
            f"{len(gaps)} item(s) of the instrument have no column: {named}{more}",
            *self.warnings,
        ]

    def value_map(self) -> pd.DataFrame:
        """Each distinct sector and role answer, its count and where it goes."""
        return value_map_frame(self.placements)

    def answer_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """The answers as two respondent-by-item arrays, in the order of `values`' columns:
        the values (uint8, 0 where missing) and whether each is missing."""
        n, k = self.values.shape
        # Filled column by column in place: no item-by-respondent copy to transpose.
        values = np.empty((n, k), dtype=np.uint8)
        missing = np.empty((n, k), dtype=bool)
        for j, item_id in enumerate(self.values.columns):
            column = self.values[item_id]
            missing[:, j] = column.isna().to_numpy()
            values[:, j] = column.fillna(0).to_numpy(dtype=np.uint8)
        return values, missing

    @cached_property
    def missing(self) -> int:
        return int(self.values.isna().sum().sum())

    @cached_property
    def answers(self) -> int:
        return self.values.size - self.missing

    def summary(self) -> dict[str, int]:
        return {
            "respondents": len(self.respondents),
            "answers": self.answers,
            "missing": self.missing,
            "problems": self.problem_count,
            "rows skipped": len(self.skipped),
            "comments": len(self.comments),
        }

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [p.as_dict() for p in self.problems], columns=["row", "column", "value", "reason"]
        )

    def preview(self, rows: int = 20) -> pd.DataFrame:
        """The first respondents as they will be stored."""
        head = self.respondents.head(rows).drop(columns=["row"]).reset_index(drop=True)
        return pd.concat([head, self.values.head(rows).reset_index(drop=True)], axis=1)


def file_sha256(data: bytes) -> str:
    """The file's SHA-256, by which the same file is not imported twice."""
    return hashlib.sha256(data).hexdigest()


def without_cells(prepared: PreparedImport) -> PreparedImport:
    """The prepared import without the file's cells (its grid and data rows emptied, the
    header rows, layout and what validation built kept): what a commit needs, for a caller
    that lets a million rows of text go before the write."""
    table = prepared.table
    # New empty frames, not slices: a slice of the cells would keep all of them alive.
    grid = dataclasses.replace(table.grid, frame=pd.DataFrame(columns=table.grid.frame.columns))
    emptied = dataclasses.replace(
        table,
        grid=grid,
        data=pd.DataFrame(columns=table.data.columns),
        row_numbers=pd.Series([], dtype=table.row_numbers.dtype),
    )
    return dataclasses.replace(prepared, table=emptied)


def read_survey(data: bytes | Path, file_name: str) -> Table:
    """Read an upload (its bytes, or its path: see reading.read_grid) and find its layout.
    Raises reading.UnreadableFile."""
    return to_table(read_grid(data, file_name))


# -- validation --------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, value: object, reason: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            text = "" if value is None else str(value)
            self.kept.append(ImportProblem(row, column, text[:200], reason))


_FULL_DATE = r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
_ZONE = r"\s+([A-Z]{2,5})?([+-]\d{1,2}(:?\d{2})?)?$"


def _parse_times(column: pd.Series, month_first: bool) -> pd.Series:
    """Timestamps from the tools' formats. A value needs a full date (day, month, year); the
    order of a date like 04/03/2026 comes from the file itself when one value shows it (a part
    above 12), else from the layout (`month_first` for US-style exports). Each distinct text
    is parsed once. AM and PM are honoured in every format ("08:10:00 PM" is 20:10)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    parsed = _parse_distinct_times(pd.Series(distinct, dtype=object).astype(str), month_first)
    return pd.Series(parsed.to_numpy()[codes], index=column.index)


_MERIDIEM = r"\s*([AaPp])\.?\s?[Mm]\.?$"


def _parse_distinct_times(column: pd.Series, month_first: bool) -> pd.Series:
    # AM/PM taken off and applied after parsing: pandas drops it in some formats (and the
    # zone pattern would take "PM" for a zone).
    text = column.str.strip()
    meridiem = text.str.extract(_MERIDIEM)[0].str.lower()
    text = text.str.replace(_MERIDIEM, "", regex=True).str.replace(_ZONE, "", regex=True)
    full = text.str.match(_FULL_DATE).fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(full), errors="coerce", format="ISO8601", utc=True)
    rest = parsed.isna() & full
    if rest.any():
        parts = (
            text[rest]
            .str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]")
            .apply(pd.to_numeric, errors="coerce")
        )
        day_first = not month_first
        if (parts[0] > 12).any():
            day_first = True
        elif (parts[1] > 12).any():
            day_first = False
        parsed[rest] = pd.to_datetime(
            text[rest], errors="coerce", format="mixed", dayfirst=day_first, utc=True
        )
    hours = parsed.dt.hour
    clock12 = meridiem.notna() & hours.between(1, 12)
    shift = np.where(meridiem.eq("p") & hours.lt(12), 12, 0) - np.where(
        meridiem.eq("a") & hours.eq(12), 12, 0
    )
    parsed = parsed.where(~clock12, parsed + pd.to_timedelta(shift, unit="h"))
    # A meridiem on an hour above 12 ("13:10 PM") is not a time.
    parsed = parsed.where(~(meridiem.notna() & hours.gt(12)))
    parsed = parsed.where(parsed.dt.year.between(1900, 2100))
    return parsed.dt.tz_convert(None)


def month_first(table: Table, date_order: str | None = None) -> bool:
    """Whether 04/03/2026 is the 3rd of April: the broker's date order, else the tool's."""
    if date_order is None:
        return table.layout.month_first
    if date_order not in DATE_ORDERS:
        orders = ", ".join(DATE_ORDERS)
        raise ImportRefused(f"the date order is one of {orders}, not {date_order!r}")
    return date_order == "mdy"


def dates_ambiguous(table: Table, mapping: Mapping) -> bool:
    """Whether the file's dates leave the day and month order open (every slashed date has
    both parts 12 or below): then the broker is asked, the tool's convention preselected."""
    label = mapping.fields.get("submitted_at")
    if not label or label not in table.data:
        return False
    text = pd.Series(table.data[label].astype(str).unique()).str.strip()
    parts = text.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}").apply(
        pd.to_numeric, errors="coerce"
    )
    parts = parts.dropna()
    return not parts.empty and not ((parts[0] > 12).any() or (parts[1] > 12).any())


def value_placements(
    table: Table, mapping: Mapping, choices: dict[str, list[str]] | None = None
) -> list[Placement]:
    """The value map of the mapped sector and role columns, as validate() will place them
    (the answers read the same way: trimmed, names normalised)."""
    found: list[Placement] = []
    for name in VALUE_FIELDS:
        label = mapping.fields.get(name)
        options = list((choices or {}).get(name, DEFAULT_CHOICES[name]))
        if not label or label not in table.data or not options:
            continue
        answers = normalise_column(table.data[label].astype(str).str.strip())
        found.extend(place_answers(answers, name, options, mapping.values.get(name, {})))
    return found


def suggested_wave(table: Table, mapping: Mapping, date_order: str | None = None) -> str | None:
    """A wave label from the middle submission date of the file ('Mar 2026'), if it has
    dates: the wave is dated by its answers, so its label should say the same."""
    label = mapping.fields.get("submitted_at")
    if not label or label not in table.data:
        return None
    first = month_first(table, date_order)
    times = _parse_times(table.data[label].astype(str), first).dropna()
    if times.empty:
        return None
    return times.sort_values().iloc[len(times) // 2].strftime("%b %Y")


def validate(
    table: Table,
    mapping: Mapping,
    items: list[Item],
    *,
    data: bytes = b"",
    sha256: str | None = None,
    wave: str | None = None,
    missing_codes: list[int] | tuple[int, ...] = (),
    progress: Progress | None = None,
    choices: dict[str, list[str]] | None = None,
    date_order: str | None = None,
    release_cells: bool = False,
) -> PreparedImport:
    """Check every mapped cell of the table against the instrument `items` and build what
    would be stored. `choices` are the initiative's lists of sectors and roles (default
    values.DEFAULT_CHOICES); `date_order` (DATE_ORDERS) reads dates the file cannot settle,
    else the tool's convention. `sha256` is the file's (file_sha256) for a caller that has let
    the file's bytes `data` go. With `release_cells`, each item column's cells are let go from
    `table` once checked (a caller that validates once and commits: the CLI), so that a million
    rows of text and their answers are not held together; `table` cannot be validated again.
    Raises ImportRefused when the mapping cannot work at all."""
    problems = _Problems()
    placements: list[Placement] = []
    warnings: list[str] = []
    codes = frozenset(int(c) for c in [*mapping.missing_codes, *missing_codes])
    frame, rows = table.data, table.row_numbers
    for number, text, reason in table.grid.bad_rows:
        problems.add(number, None, text, f"row {reason}")
    bad_row_numbers = {number for number, _t, _r in table.grid.bad_rows}
    keep = ~rows.isin(bad_row_numbers)
    if not keep.all():
        frame, rows = frame[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)
    if "wave" not in mapping.fields and not wave:
        raise ImportRefused("name the wave: the file has no wave column")
    known = {item.item_id for item in items}
    strangers = sorted(set(mapping.items.values()) - known)
    if strangers:
        raise ImportRefused(f"the mapping names items the instrument lacks: {strangers}")
    try:
        labels = extra_labels(mapping.labels)
    except ValueError as error:
        raise ImportRefused(str(error)) from None
    parse = _AnswerParser(codes, table.layout.choice_names, labels)
    if mapping.is_long:
        frame, rows, values = _long_answers(frame, rows, mapping, known, parse, problems)
    else:
        if not mapping.items:
            raise ImportRefused(
                "no column is mapped to an item of the instrument; map the item columns first"
            )
        values = pd.DataFrame(index=frame.index)
        # Labels that only an item reads: the cells let go once checked (release_cells).
        others = {*mapping.fields.values(), *mapping.comments}
        for done, (label, item_id) in enumerate(mapping.items.items()):
            values[item_id] = parse.column(frame[label], rows, label, problems)
            if release_cells and label not in others:
                _release_column(table, frame, label)
            if progress and done % 5 == 0:
                progress(0.3 + 0.4 * done / len(mapping.items), f"Checking {label[:60]}")
    invalid_cells = problems.count
    gaps = unmapped_items(table, mapping, items)
    respondents = _respondent_fields(
        frame,
        rows,
        mapping,
        _wave_label(wave) if wave else wave,
        problems,
        month_first(table, date_order),
        choices,
        placements,
        warnings,
    )

    key = respondents["respondent_key"]
    given = key.ne("")
    # Tools without respondent ids (Google Forms) leave the key empty: stored as missing.
    respondents["respondent_key"] = key.where(given, None)
    duplicated = respondents.duplicated(["wave", "respondent_key"]) & given
    for row, value in zip(rows[duplicated], key[duplicated], strict=True):
        problems.add(
            int(row),
            mapping.fields.get("respondent_id"),
            value,
            "the same respondent id appears on an earlier row of this wave",
        )

    # A row with no answer at all is not a respondent (blank rows were dropped on reading).
    answered = values.notna().any(axis=1)
    usable = answered & ~duplicated & respondents["wave"].ne("")
    skipped = list(table.skipped)
    skipped += [(int(r), "no answer to any mapped item") for r in rows[~answered]]
    comments = _comments(frame, mapping, usable)
    return PreparedImport(
        file_name=table.grid.file_name,
        sha256=sha256 or file_sha256(data),
        table=table,
        mapping=mapping,
        survey_key=survey_key(table),
        respondents=respondents if usable.all() else respondents[usable].reset_index(drop=True),
        values=values if usable.all() else values[usable].reset_index(drop=True),
        problems=sorted(problems.kept, key=lambda p: (p.row or 0, p.column or "")),
        problem_count=problems.count,
        invalid_cells=invalid_cells,
        skipped=sorted(skipped),
        placements=placements,
        warnings=warnings,
        item_gaps=gaps,
        comments=comments,
    )


def _release_column(table: Table, frame: pd.DataFrame, label: str) -> None:
    """Drop a column's cells from the table's data rows, its grid (which shares them) and the
    rows being validated (a copy without the bad rows, or the same data rows)."""
    position = table.labels.index(label)
    for holder, name in ((frame, label), (table.data, label), (table.grid.frame, position)):
        if name in holder.columns:
            del holder[name]


def _comments(frame: pd.DataFrame, mapping: Mapping, usable: pd.Series) -> pd.DataFrame:
    """The non-empty answers of the comment columns, by the respondent's position among the
    rows that are imported (a skipped row's comment goes with it)."""
    if mapping.is_long or not mapping.comments:
        return pd.DataFrame(columns=["position", "question", "text"])
    max_chars = settings.get("COMMON_MEASURE_MAX_CELL_CHARS")
    position = pd.Series(np.cumsum(usable.to_numpy()) - 1, index=frame.index)
    parts = []
    for label in mapping.comments:
        if label not in frame:
            continue
        text = frame[label].astype(str).str.strip().str.slice(0, max_chars)
        keep = usable & text.ne("")
        parts.append(
            pd.DataFrame({"position": position[keep], "question": label, "text": text[keep]})
        )
    if not parts:
        return pd.DataFrame(columns=["position", "question", "text"])
    return pd.concat(parts, ignore_index=True).sort_values("position", kind="stable")


def by_distinct(
    cells: pd.Series, parse: Callable[[object], tuple[object, object]]
) -> tuple[np.ndarray, list[tuple[object, object]]]:
    """Apply `parse` (cell -> (value, reason)) once per distinct cell text: a column of a
    million answers holds a handful of texts. Returns each cell's code into the parsed list."""
    codes, distinct = _factorize(cells)
    return codes, [parse(text) for text in distinct]


def _factorize(cells: pd.Series) -> tuple[np.ndarray, list[object] | pd.Index]:
    """pandas.factorize without a sentinel for missing values: a column of Arrow text without
    missing cells (what the CSV reader gives) by pyarrow's dictionary encoding, in the same
    order of first appearance, in about a third of the time."""
    if isinstance(cells.array, pd.arrays.ArrowStringArray):
        arrow = pa.array(cells.array)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        if arrow.null_count == 0:
            encoded = arrow.dictionary_encode()
            codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
            return codes, encoded.dictionary.to_pylist()
    return pd.factorize(cells, use_na_sentinel=False)


class _AnswerParser:
    """Parses answer cells, each distinct text once (a column of a million rows holds a handful
    of distinct answers)."""

    def __init__(self, codes: frozenset[int], choice_names: bool, labels: dict[str, int]):
        self.codes, self.choice_names, self.labels = codes, choice_names, labels
        self.max_chars = settings.get("COMMON_MEASURE_MAX_CELL_CHARS")
        self.cache: dict[str, tuple[int | None, str | None]] = {}

    def one(self, raw: str) -> tuple[int | None, str | None]:
        if raw not in self.cache:
            if len(raw) > self.max_chars:
                self.cache[raw] = (None, f"longer than {self.max_chars} characters")
            else:
                # Kobo's XML values name choices like strongly_agree or dont_know.
                text = raw.replace("_", " ") if self.choice_names else raw
                answer = parse_answer(text, self.codes, self.labels)
                self.cache[raw] = (answer.value, answer.invalid_reason)
        return self.cache[raw]

    def column(
        self, cells: pd.Series, rows: pd.Series, label: str, problems: _Problems
    ) -> pd.Series:
        codes, parsed = by_distinct(cells, lambda raw: self.one(str(raw)))
        values = np.array([value or 0 for value, _reason in parsed], dtype=np.uint8)
        missing = np.array([value is None for value, _reason in parsed], dtype=bool)
        bad = np.isin(codes, [i for i, (_value, reason) in enumerate(parsed) if reason])
        if bad.any():
            for row, code, value in zip(rows[bad], codes[bad], cells[bad], strict=True):
                problems.add(int(row), label, value, parsed[code][1])
        return pd.Series(pd.arrays.IntegerArray(values[codes], missing[codes]), index=cells.index)


# Names people group by: one form for each (analytics.identifiers).
IDENTIFIER_FIELDS = ("wave", "organisation", "sector", "role")


def _wave_label(wave: str) -> str:
    try:
        return checked_identifier(wave, "wave label")
    except IdentifierRefused as error:
        raise ImportRefused(str(error)) from None


def _respondent_fields(
    frame: pd.DataFrame,
    rows: pd.Series,
    mapping: Mapping,
    wave: str | None,
    problems: _Problems,
    month_first: bool = False,
    choices_of: dict[str, list[str]] | None = None,
    placements: list[Placement] | None = None,
    warnings: list[str] | None = None,
) -> pd.DataFrame:
    """Respondent id, organisation, sector, role, submitted at and wave, each checked; sector
    and role answers placed on the initiative's lists (values.py)."""
    choices_of = choices_of or {}
    placements = [] if placements is None else placements
    warnings = [] if warnings is None else warnings
    max_chars = settings.get("COMMON_MEASURE_MAX_CELL_CHARS")
    # Each field is checked on its distinct cells and the rows take their results by code: a
    # million rows hold a few hundred organisations, sectors, roles, dates and waves. The
    # respondent id, one per row, is checked on the cells themselves.
    fields: dict[str, _Distinct] = {}
    for name in FIELDS:
        label = mapping.fields.get(name)
        if not label:
            field = _Distinct(pd.Series("", index=frame.index[:1]), np.zeros(len(frame), np.intp))
        elif name == "respondent_id":
            field = _Distinct(frame[label].astype(str).str.strip(), None)
        else:
            field = _distinct(frame[label])
            field.values = field.values.astype(str).str.strip()
        if name in IDENTIFIER_FIELDS:
            field.values = normalise_column(field.values)
        too_long = (_lengths(field.values) > max_chars).to_numpy()
        if too_long.any():
            cells = field.rows(too_long)
            for row, value in zip(rows[cells], field.cells(cells), strict=True):
                problems.add(int(row), label, value, f"longer than {max_chars} characters")
        field.values = field.values.where(~too_long, "")
        fields[name] = field

    for name in VALUE_FIELDS:
        choices = list(choices_of.get(name, DEFAULT_CHOICES[name]))
        if not choices:
            continue  # kept as answered
        field = fields[name]
        found = place_counts(field.counts(), name, choices, mapping.values.get(name, {}))
        placements.extend(found)
        place = {answer_key(p.answer): p.value for p in found}
        placed = [place.get(answer_key(s)) for s in field.values]
        field.values = pd.Series(np.array(placed, dtype=object))
        unplaced = [p for p in found if p.value is None]
        if unplaced:
            shown = ", ".join(repr(p.answer) for p in unplaced[:10])
            more = f" and {len(unplaced) - 10} more" if len(unplaced) > 10 else ""
            warnings.append(
                f"{sum(p.count for p in unplaced)} respondent(s) have no {name} "
                f"(unspecified): no rule or value map places {shown}{more}"
            )

    dates = fields["submitted_at"]
    submitted = _parse_times(dates.values, month_first)
    unparsed = dates.rows((dates.values.ne("") & submitted.isna()).to_numpy())
    if unparsed.any():
        for row, value in zip(rows[unparsed], dates.cells(unparsed), strict=True):
            problems.add(int(row), mapping.fields["submitted_at"], value, "not a date and time")
    dates.values = submitted

    waves = fields["wave"]
    waves.values = waves.values.where(waves.values.ne(""), wave or "")
    for row in rows[waves.rows(waves.values.eq("").to_numpy())]:
        problems.add(int(row), mapping.fields.get("wave"), "", "no wave label")
    for name in ("organisation", "sector", "role"):
        values = fields[name].values
        fields[name].values = values.where(values.notna() & values.ne(""), None)

    out = pd.DataFrame({"row": rows.astype(int)})
    for name in FIELDS:
        out[name] = fields[name].column(out.index)
    return out.rename(columns={"respondent_id": "respondent_key"})


@dataclass
class _Distinct:
    """A column as its distinct values and each row's code into them (`codes` None: the values
    are the rows themselves)."""

    values: pd.Series
    codes: np.ndarray | None

    def rows(self, of_values: np.ndarray) -> np.ndarray:
        """Which rows hold one of the values marked True."""
        return of_values if self.codes is None else of_values[self.codes]

    def cells(self, rows: np.ndarray) -> np.ndarray:
        """The values of the rows marked True, in row order."""
        if self.codes is None:
            return self.values.to_numpy()[rows]
        return self.values.to_numpy()[self.codes[rows]]

    def counts(self) -> pd.Series:
        """As values.place_answers counts the rows: each non-empty value as text, how many rows
        hold it, in order of first appearance (the distinct values are in that order)."""
        values = self.values
        kept = values.astype(str).str.strip().ne("").to_numpy()
        if self.codes is None:
            holders = np.ones(len(values), np.int64)
        else:
            holders = np.bincount(self.codes, minlength=len(values))
        # Values the same as text (two spellings normalised alike) count as one.
        text = values[kept].astype(str).to_numpy()
        return pd.Series(holders[kept]).groupby(text, sort=False).sum()

    def column(self, index: pd.Index) -> pd.Series:
        """One value per row, of the values' dtype."""
        if self.codes is None:
            return pd.Series(self.values.array, index=index, dtype=self.values.dtype)
        taken = self.values.array.take(self.codes)
        return pd.Series(taken, index=index, dtype=self.values.dtype)


def _distinct(cells: pd.Series) -> _Distinct:
    """The distinct cells, in order of first appearance, such that a function of each cell
    (astype(str) included) gives each row what it gives the row's distinct cell."""
    if isinstance(cells.array, pd.arrays.ArrowStringArray) or (
        cells.dtype == object and pd.api.types.infer_dtype(cells, skipna=False) == "string"
    ):
        codes, distinct = _factorize(cells)
        return _Distinct(pd.Series(distinct, dtype=cells.dtype), codes)
    # Any other cells as the text they are read as first: a hash table takes 1, 1.0 and True
    # for one key, which astype(str) tells apart.
    text = cells.astype(str)
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    return _Distinct(pd.Series(distinct, dtype=text.dtype), codes)


def _lengths(column: pd.Series) -> pd.Series:
    """Each cell's length in characters. Names normalised once per distinct value are a column
    of Python strings: their lengths are taken without pandas' cell-by-cell string method."""
    if column.dtype != object:
        return column.str.len()
    cells = column.to_numpy()
    return pd.Series(np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)), column.index)


def _long_answers(
    frame: pd.DataFrame,
    rows: pd.Series,
    mapping: Mapping,
    known: set[str],
    parse: _AnswerParser,
    problems: _Problems,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The long template (one row per respondent and item): each answer checked on its own
    row, then one row per respondent with one column per item."""
    by_fold = {item_id.casefold(): item_id for item_id in known}
    item_ids = frame[mapping.item_column].astype(str).str.strip().str.casefold().map(by_fold)
    unknown = item_ids.isna()
    for row, value in zip(rows[unknown], frame[mapping.item_column][unknown], strict=True):
        problems.add(int(row), mapping.item_column, value, "not an item id of the instrument")
    values = parse.column(frame[mapping.value_column], rows, mapping.value_column, problems)
    if "respondent_id" not in mapping.fields:
        raise ImportRefused("the long layout needs a respondent id column")
    keys = [mapping.fields[f] for f in ("respondent_id", "wave") if f in mapping.fields]
    frame = frame.assign(**{key: frame[key].astype(str).str.strip() for key in keys})
    anonymous = frame[mapping.fields["respondent_id"]].eq("")
    for row in rows[anonymous & ~unknown]:
        problems.add(
            int(row),
            mapping.fields["respondent_id"],
            "",
            "no respondent id: the long layout needs one on every row",
        )
    long = frame.assign(_item=item_ids, _value=values, _row=rows)[~unknown & ~anonymous]
    repeated = long.duplicated([*keys, "_item"])
    for row, value in zip(long["_row"][repeated], long["_item"][repeated], strict=True):
        problems.add(
            int(row),
            mapping.item_column,
            value,
            "this respondent's answer to this item came on an earlier row",
        )
    long = long[~repeated]
    others = [c for c in dict.fromkeys(mapping.fields.values()) if c not in keys]
    people = long.groupby(keys, sort=False).agg(
        **{c: (c, "first") for c in others}, _row=("_row", "min")
    )
    wide = long.pivot(index=keys, columns="_item", values="_value")
    people = people.join(wide).reset_index()
    item_columns = [c for c in wide.columns]
    rows_out = people.pop("_row").astype(int).reset_index(drop=True)
    answers = people[item_columns].astype("UInt8").reset_index(drop=True)
    answers.columns = [str(c) for c in answers.columns]
    return people.drop(columns=item_columns).reset_index(drop=True), rows_out, answers
