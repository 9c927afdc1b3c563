"""XLSX sheets read as a stream of cells, with every bound checked as it goes (ReadLimits):
a workbook that declares a million rows or 16,384 columns is refused at the first cell beyond
a limit, not padded out in memory. Cells are read by openpyxl's own cell parser (dates,
shared strings, formulas as text), one cell at a time."""

from __future__ import annotations

import zipfile
from collections.abc import Callable

from analytics.ingest.limits import LimitExceeded, ReadLimits

_READ_WHOLE = ("sharedstrings", "styles", "workbook")  # parts openpyxl parses in one piece


def check_parts(archive: zipfile.ZipFile, file_name: str, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts unzip (as their headers declare; zipfile never yields
    more than declared) to more than the limits."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        name = info.filename.lower().rsplit("/", 1)[-1]
        if name.startswith(_READ_WHOLE) and info.file_size > limits.shared_strings_bytes:
            raise LimitExceeded(
                f"{file_name}: its part {info.filename} unzips to "
                f"{info.file_size / 1024 / 1024:,.0f} MB, more than "
                f"{limits.shared_strings_bytes // 1024 // 1024:,} MB "
                "(setting COMMON_MEASURE_MAX_SHARED_STRINGS_MB)"
            )
    if total > limits.unzipped_bytes:
        raise LimitExceeded(
            f"{file_name} unzips to {total / 1024 / 1024:,.0f} MB, more than "
            f"{limits.unzipped_bytes // 1024 // 1024:,} MB (setting COMMON_MEASURE_MAX_UNZIPPED_MB)"
        )


def sheet_rows(
    sheet, file_name: str, limits: ReadLimits, cell_text: Callable[[object], str]
) -> list[list[str]]:
    """The rows of a read-only openpyxl sheet as text, from row 1 to the last row with text,
    each as wide as the widest row with text (the grid the reader builds). Missing rows and
    cells are ''. Raises LimitExceeded before the grid would outgrow the limits."""
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    workbook = sheet.parent
    parser = WorkSheetParser(
        None,
        sheet._shared_strings,
        data_only=False,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    cells: dict[int, dict[int, str]] = {}
    count = height = width = 0
    with sheet._get_source() as source:
        parent = None
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == ROW_TAG:
                    number = element.get("r")
                    parser.row_counter = int(number) if number else parser.row_counter + 1
                    parser.col_counter = 0
                    limits.check_rows(file_name, parser.row_counter)
                elif parent is None and tag.endswith("}sheetData"):
                    parent = element
                continue
            if tag == CELL_TAG:
                cell = parser.parse_cell(element)
                element.clear()
                row, column = int(cell["row"]), int(cell["column"])
                limits.check_rows(file_name, row)
                limits.check_columns(file_name, column)
                text = cell_text(cell["value"])
                if not text:
                    continue
                limits.check_field(file_name, text, f" at row {row}")
                if "\x00" in text:
                    raise LimitExceeded(f"{file_name} has a NUL character in row {row}")
                cells.setdefault(row, {})[column] = text
                count += 1
                if text.strip():
                    height, width = max(height, row), max(width, column)
                    limits.check_cells(file_name, height, width)
                if count > limits.cells:
                    limits.check_cells(file_name, count, 2)
            elif tag == ROW_TAG and parent is not None:
                parent.clear()  # the row's cells are read: drop them from the tree
    return [
        [cells.get(r, {}).get(c, "") for c in range(1, width + 1)] for r in range(1, height + 1)
    ]
