"""The bounds a survey file must stay within to be read (settings), checked as it is read, so
that a hostile or broken file is refused in one line before it costs memory or time."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from analytics import settings


class LimitExceeded(ValueError):
    """A file beyond one of the limits; the message names the setting."""


@dataclass(frozen=True)
class ReadLimits:
    rows: int  # data rows (a file may have up to HEADER_ROWS more)
    columns: int
    cells: int  # rows times columns of the grid
    field_chars: int  # one cell
    unzipped_bytes: int  # a whole workbook, unzipped
    shared_strings_bytes: int  # a workbook part read whole (shared strings, styles)

    HEADER_ROWS = 3

    @classmethod
    def from_settings(cls) -> ReadLimits:
        megabyte = 1024 * 1024
        return cls(
            rows=int(settings.get("COMMON_MEASURE_MAX_ROWS")),
            columns=int(settings.get("COMMON_MEASURE_MAX_COLUMNS")),
            cells=int(settings.get("COMMON_MEASURE_MAX_CELLS")),
            field_chars=int(settings.get("COMMON_MEASURE_MAX_FIELD_CHARS")),
            unzipped_bytes=int(settings.get("COMMON_MEASURE_MAX_UNZIPPED_MB")) * megabyte,
            shared_strings_bytes=int(settings.get("COMMON_MEASURE_MAX_SHARED_STRINGS_MB"))
            * megabyte,
        )

    def check_rows(self, file_name: str, rows: int) -> None:
        if rows > self.rows + self.HEADER_ROWS:
            raise LimitExceeded(
                f"{file_name} has {rows:,} rows or more; the limit is {self.rows:,} "
                "(setting COMMON_MEASURE_MAX_ROWS)"
            )

    def check_columns(self, file_name: str, columns: int) -> None:
        if columns > self.columns:
            raise LimitExceeded(
                f"{file_name} has {columns:,} or more columns; the limit is {self.columns:,} "
                "(setting COMMON_MEASURE_MAX_COLUMNS)"
            )

    def check_cells(self, file_name: str, rows: int, columns: int) -> None:
        if rows * columns > self.cells:
            raise LimitExceeded(
                f"{file_name} spans {rows:,} rows by {columns:,} columns, more than "
                f"{self.cells:,} cells (setting COMMON_MEASURE_MAX_CELLS)"
            )

    def check_field(self, file_name: str, text: str | int, where: str = "") -> None:
        """Refuse a cell (its text, or its length) longer than the limit."""
        if (text if isinstance(text, int) else len(text)) > self.field_chars:
            raise LimitExceeded(
                f"{file_name} has a cell{where} of more than {self.field_chars:,} characters "
                "(setting COMMON_MEASURE_MAX_FIELD_CHARS)"
            )

    def allow_csv_fields(self) -> None:
        """Let Python's csv module read cells up to the limit (its own default is 131,072
        characters, above which it raises); a longer cell is then a csv.Error."""
        if csv.field_size_limit() < self.field_chars:
            csv.field_size_limit(self.field_chars)
