"""Bytes of an uploaded CSV or XLSX file to a grid of text cells, header rows included.

Detects the format, the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else the Western
encoding charset-normalizer finds: Windows-1252, Mac Roman, Latin-1;
never a silent guess that would garble text), the delimiter and the line endings. Every cell is
kept as the literal text of the file: nothing is evaluated, converted or trimmed here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from analytics import settings
from analytics.ingest.limits import LimitExceeded, ReadLimits
from analytics.ingest.xlsx_stream import check_parts, sheet_rows

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Well-formed UTF-8 sequences of two to four bytes: text in Windows-1252 hardly ever has them.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


class UnreadableFile(ValueError):
    """The file cannot be read as a table at all; the message says why in one line."""


@dataclass
class Grid:
    """Every row of the file (header rows too) as text; '' is an empty cell.

    Row i of `frame` is row i + 1 of the file as a spreadsheet numbers it.
    """

    file_name: str
    kind: str  # "csv" or "xlsx"
    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    line_ending: str | None = None
    sheet: str | None = None
    # Rows that could not be read as cells of the header's columns: (row number, text, reason).
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)
    # Read from a path (the CLI): the SHA-256 of the very bytes that were checked and parsed.
    sha256: str | None = None

    def describe(self) -> str:
        if self.kind == "xlsx":
            return f"Excel workbook, sheet {self.sheet!r}"
        parts = [
            "CSV",
            self.encoding or "",
            f"{DELIMITER_NAMES.get(self.delimiter or '', repr(self.delimiter))}-delimited",
            f"{self.line_ending} line endings" if self.line_ending else "",
        ]
        return ", ".join(p for p in parts if p)


def return_memory_promptly() -> None:
    """For a process that imports one large file and exits (the CLI): Arrow's memory from then
    on comes from jemalloc, set to give freed pages back to the system at once. Arrow's default
    pool keeps freed pages a while, and numpy and DuckDB allocate elsewhere: the cells let go
    during validation would otherwise not make room for what the commit allocates."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # a pyarrow built without jemalloc: keep its default
        return
    pa.set_memory_pool(pool)


def read_grid(data: bytes | Path, file_name: str) -> Grid:
    """Read an uploaded file: its bytes, or its path (the CLI). From a path, a UTF-8 CSV is
    parsed from the file itself once its bytes are checked, so that the bytes are not held
    beside the cells. Raises UnreadableFile with a one-line reason."""
    path = data if isinstance(data, Path) else None
    stat, sha256 = None, None
    if path is not None:
        try:
            # The file as it was before its bytes were read: pyarrow's parse from the path
            # is refused if it has changed since (_FileSource.check_unchanged).
            stat = os.stat(path)
            _refuse_too_large(stat.st_size, file_name)  # before its bytes are read
            data = path.read_bytes()
        except OSError as error:
            raise UnreadableFile(f"cannot read {file_name}: {error.strerror}") from None
        _refuse_changed(path, stat, file_name)
        sha256 = hashlib.sha256(data).hexdigest()
    _refuse_too_large(len(data), file_name)
    if not data or data.isspace():  # as `not data.strip()`, without a copy of the file
        raise UnreadableFile(f"{file_name} is empty")
    if data[:4] == b"PK\x03\x04":
        grid = _read_xlsx(data, file_name)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            f"{file_name} is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV"
        )
    else:
        held = [data]  # from a path, the CSV reader holds the only reference and lets it go
        del data
        try:
            grid = _read_csv(held, file_name, path, stat)
        except (UnreadableFile, MemoryError):
            raise
        except LimitExceeded as error:
            raise UnreadableFile(str(error)) from None
        except Exception as error:  # csv or pyarrow on a broken file: one line, no traceback
            reason = " ".join(str(error).split())[:200] or type(error).__name__
            raise UnreadableFile(f"{file_name} cannot be read as a CSV file ({reason})") from None
    if grid.frame.empty or grid.frame.shape[1] == 0:
        raise UnreadableFile(f"{file_name} has no rows")
    grid.sha256 = sha256
    max_rows = settings.get("COMMON_MEASURE_MAX_ROWS")
    if len(grid.frame) > max_rows + 3:
        raise UnreadableFile(
            f"{file_name} has {len(grid.frame):,} rows; the limit is {max_rows:,} "
            "(setting COMMON_MEASURE_MAX_ROWS)"
        )
    return grid


# -- CSV ---------------------------------------------------------------------------------------


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Text and encoding name. UTF-8 first (BOM or not), then UTF-16 with a BOM, then
    Windows-1252 (Excel's 'CSV' on Western Windows). Bytes that fit none are an error."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"{file_name} starts as UTF-8 but byte {error.start + 3} is not UTF-8"
            ) from None
    for bom, codec, name in (
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name
            except UnicodeDecodeError:
                raise UnreadableFile(
                    f"{file_name} starts as UTF-16 but is not valid UTF-16"
                ) from None
    if b"\x00" in data:  # anywhere: a NUL in a label would split waves and names unseen
        raise UnreadableFile(
            f"{file_name} has a NUL byte at position {data.index(0)}: it looks like a "
            "binary file, not a CSV or XLSX export"
        )
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data):
            # Mostly UTF-8 with a stray byte: reading it as Windows-1252 would garble every
            # accented letter, so say where the bad byte is instead.
            line = data[: error.start].count(b"\n") + 1
            raise UnreadableFile(
                f"{file_name} is UTF-8 except for byte 0x{data[error.start]:02x} on line "
                f"{line}; fix that character or save the file again as 'CSV UTF-8'"
            ) from None
    return _western(data, file_name)


# Single-byte encodings of Western exports, in order of preference on a tie: Excel's 'CSV' on
# Windows, then on a Mac, then ISO Latin-1.
_WESTERN = {"cp1252": "Windows-1252", "mac_roman": "Mac Roman", "latin_1": "Latin-1"}
_DETECT_BYTES = 1 << 20  # the detector reads the first megabyte; the file is decoded whole


def _western(data: bytes, file_name: str) -> tuple[str, str]:
    """A file that is not UTF-8: the Western encoding that charset-normalizer finds least
    garbled ('Café' in Mac Roman must not read 'CafŽ' as Windows-1252 would)."""
    found = charset_normalizer.from_bytes(data[:_DETECT_BYTES], cp_isolation=list(_WESTERN))
    ranked = sorted(
        (match for match in found if match.encoding in _WESTERN),
        key=lambda match: (round(match.chaos, 3), list(_WESTERN).index(match.encoding)),
    )
    for match in ranked:
        try:
            return data.decode(match.encoding), _WESTERN[match.encoding]
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        f"{file_name} is neither UTF-8 nor Windows-1252 nor Mac Roman (its bytes read as "
        "garbled text in each); save it again as 'CSV UTF-8'"
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, and most regular, columns."""
    sample = text[:65536]
    lines = sample.splitlines()[:50] or [sample]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if r]
        if not widths:
            continue
        first = widths[0]
        consistent = sum(1 for w in widths if w == first)
        score = (consistent if first > 1 else 0, first)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _line_ending(text: str) -> str | None:
    head = text[:65536]
    if "\r\n" in head:
        return "CRLF"
    if "\n" in head:
        return "LF"
    if "\r" in head:
        return "CR"
    return None


def _read_csv(
    held: list[bytes],
    file_name: str,
    path: Path | None = None,
    stat: os.stat_result | None = None,
) -> Grid:
    """The CSV whose bytes are `held` (taken out of the list). With the file's `path`, a UTF-8
    file is parsed from the file once its bytes are checked, and the bytes are let go."""
    data = held.pop()
    text, encoding = decode(data, file_name)
    if "\x00" in text:  # UTF-16 text decodes NUL characters from its bytes
        line = text[: text.index(chr(0))].count("\n") + 1
        raise UnreadableFile(f"{file_name} has a NUL character on line {line}")
    limits = ReadLimits.from_settings()
    limits.allow_csv_fields()
    delimiter = sniff_delimiter(text)
    ending = _line_ending(text)
    if ending == "CR":  # old Mac line endings: neither pyarrow nor csv split on a lone CR
        text = text.replace("\r", "\n")
    # The bytes pyarrow reads: the file's own when they are UTF-8 (a view past a BOM, no copy).
    utf8: bytes | memoryview = memoryview(data)[3:] if encoding == "UTF-8 with BOM" else data
    if encoding not in ("UTF-8", "UTF-8 with BOM") or ending == "CR":
        utf8 = text.encode("utf-8")
    # The first record's width, read to its end (it may be longer than any sample): a header
    # wider than the limit is refused before any row is read.
    first = _first_record(text, delimiter)
    limits.check_columns(file_name, len(first))
    del text  # decoded again only if the exact reader needs it
    source: bytes | memoryview | _FileSource = utf8
    if (
        path is not None
        and stat is not None
        and encoding in ("UTF-8", "UTF-8 with BOM")
        and ending != "CR"
    ):
        # The bytes just checked, parsed from the file by pyarrow: they are let go here.
        source = _FileSource(path, len(data) - len(utf8), stat, len(data))
        del data, utf8
    frame = _fast_csv(source, delimiter, len(first), limits, file_name)
    if isinstance(source, _FileSource):
        source.check_unchanged(file_name)
    bad_rows: list[tuple[int, str, str]] = []
    if frame is None:  # some row has another number of cells: read exactly, row by row
        text = source.text(file_name) if isinstance(source, _FileSource) else str(source, "utf-8")
        del source
        try:
            frame, bad_rows = _exact_csv(text, delimiter, limits, file_name)
        except csv.Error as error:
            if "field limit" in str(error):
                limits.check_field(file_name, limits.field_chars + 1)
            raise
    limits.check_rows(file_name, len(frame))
    limits.check_cells(file_name, len(frame), frame.shape[1])
    return Grid(file_name, "csv", frame, encoding, delimiter, ending, bad_rows=bad_rows)


def _refuse_too_large(size: int, file_name: str) -> None:
    limit = settings.get("COMMON_MEASURE_MAX_UPLOAD_MB")
    if size > limit * 1024 * 1024:
        raise UnreadableFile(
            f"{file_name} is {size / 1024 / 1024:.0f} MB; the limit is {limit} MB "
            "(setting COMMON_MEASURE_MAX_UPLOAD_MB)"
        )


def _refuse_changed(path: Path, stat: os.stat_result, file_name: str) -> None:
    """UnreadableFile if the file's size or modification time is not what `stat` saw."""
    try:
        now = os.stat(path)
    except OSError as error:
        raise UnreadableFile(f"cannot read {file_name}: {error.strerror}") from None
    if (now.st_size, now.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
        raise UnreadableFile(f"{file_name} changed while it was read; import it again")


@dataclass(frozen=True)
class _FileSource:
    """A UTF-8 CSV file whose bytes were checked, for pyarrow to parse from the file: `skip`
    bytes (a BOM) first, `size` bytes in all, `stat` as it was when they were read."""

    path: Path
    skip: int
    stat: os.stat_result
    size: int

    def stream(self) -> pa.NativeFile:
        stream = pa.OSFile(str(self.path))
        stream.seek(self.skip)
        return stream

    def check_unchanged(self, file_name: str) -> None:
        _refuse_changed(self.path, self.stat, file_name)

    def text(self, file_name: str) -> str:
        data = self.path.read_bytes()
        self.check_unchanged(file_name)
        return str(memoryview(data)[self.skip :], "utf-8")


def _first_record(text: str, delimiter: str) -> list[str]:
    """The cells of the text's first record, read from as long a prefix as it needs (a
    StringIO of the whole text would hold four bytes a character)."""
    size = 1 << 16
    while True:
        head = io.StringIO(text[:size], newline="")
        first = next(csv.reader(head, delimiter=delimiter), [])
        if size >= len(text) or head.tell() < min(size, len(text)):
            return first
        size *= 4


def _fast_csv(
    utf8: bytes | memoryview | _FileSource,
    delimiter: str,
    width: int,
    limits: ReadLimits,
    file_name: str,
) -> pd.DataFrame | None:
    """Multi-threaded read of a regular CSV whose first record has `width` cells; None when a
    row is ragged. Raises LimitExceeded for a cell longer than the limit."""
    ragged = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        ragged.append(row)
        return "skip"

    width = max(width, 1)
    names = [f"c{i}" for i in range(width)]
    stream = utf8.stream() if isinstance(utf8, _FileSource) else pa.BufferReader(utf8)
    try:
        table = pa_csv.read_csv(
            stream,
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,  # keep row numbers those of the file
                invalid_row_handler=on_invalid,
            ),
            convert_options=pa_csv.ConvertOptions(
                # Large strings: pandas holds them as they are, without a copy.
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except pa.ArrowInvalid:
        return None
    finally:
        stream.close()
    if ragged:
        return None
    limits.check_rows(file_name, table.num_rows)
    for column in table.columns:
        # A cell has no more characters than bytes: characters are counted only in a column
        # whose longest cell in bytes is over the limit.
        longest = pc.max(pc.binary_length(column)).as_py() or 0
        if longest > limits.field_chars:
            longest = pc.max(pc.utf8_length(column)).as_py() or 0
        limits.check_field(file_name, longest)
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _exact_csv(
    text: str, delimiter: str, limits: ReadLimits | None = None, file_name: str = ""
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, bad = [], []
    width = None
    for number, row in enumerate(reader, start=1):
        if limits is not None:
            limits.check_rows(file_name, number)
            limits.check_columns(f"{file_name}, row {number},", len(row))
        if width is None:
            width = len(row)
        extra = len(row) > width and any(cell.strip() for cell in row[width:])
        short = 1 < len(row) < width or (len(row) == 1 and row[0].strip() and width > 1)
        if extra or short:
            # A cell's text broken by an unquoted line break, or a shifted row: which answer
            # belongs to which column cannot be known.
            shown = delimiter.join(row)
            bad.append((number, shown[:200], f"has {len(row)} cells; the header has {width}"))
        rows.append([*row[:width], *([""] * (width - len(row)))])
    return pd.DataFrame(rows, dtype=object), bad


# -- XLSX --------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """An Excel cell as the text a person sees: whole numbers without '.0', dates in ISO form,
    formulas as their literal text (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _first_sheet_with_data(workbook, file_name: str = "", limits: ReadLimits | None = None):
    """The rows of the first visible sheet that has a row below its header (else the first
    visible sheet): hidden lookup sheets and empty template sheets are passed over. Each sheet
    is read as a stream within `limits`."""
    limits = limits or ReadLimits.from_settings()
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    chosen = None
    for sheet in visible or workbook.worksheets:
        rows = sheet_rows(sheet, file_name, limits, _cell_text)
        filled = [r for r in rows if any(cell.strip() for cell in r)]
        if chosen is None:
            chosen = (rows, sheet.title)
        if len(filled) >= 2:
            return rows, sheet.title
    return chosen if chosen else ([], "")


def _read_xlsx(data: bytes, file_name: str) -> Grid:
    from openpyxl import load_workbook  # imported here: only uploads of workbooks need it

    limits = ReadLimits.from_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_parts(archive, file_name, limits)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            rows, title = _first_sheet_with_data(workbook, file_name, limits)
        finally:
            workbook.close()
    except LimitExceeded as error:
        raise UnreadableFile(str(error)) from None
    except Exception as error:  # zlib, CRC, XML, a missing part: a hostile or broken file
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise UnreadableFile(f"{file_name} is not a readable .xlsx workbook ({reason})") from None
    frame = pd.DataFrame(rows, dtype=object)
    return Grid(file_name, "xlsx", frame, sheet=title)
