"""A corpus of hostile and broken survey files (truncated, mutated, ragged, NUL bytes, bad
XML in XLSX, zip bombs, huge headers and cells) and hostile strings, made deterministically
in memory, shared by the fuzz and injection tests."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "imports"

# Strings a broker could type into a file, meant to be shown as markup somewhere.
HOSTILE_STRINGS = [
    "![x](http://attacker.example/pixel.png)",
    "[click me](http://attacker.example/)",
    '<a href="http://attacker.example/">W3</a>',
    "<img src=x onerror=alert(1)>",
    "<b>bold</b><br>wave",
    "# Heading wave",
    "**strong** _em_ `code`",
    "$x^2$ :smile: :red[red]",
    "W1\u200b",
    "&lt;escaped&gt; & <i>",
]

HEADER = ["respondent_id", "wave", "organisation", "sector", "role", "CA1", "CA2", "SM1", "EQ1"]


def template_csv(rows: int = 6, wave: str = "W1") -> bytes:
    lines = [",".join(HEADER)]
    for r in range(rows):
        answers = [str((r + k) % 5 + 1) for k in range(4)]
        lines.append(",".join([f"r{r}", wave, f"Org {r % 3}", "Nonprofit", "Staff", *answers]))
    return ("\n".join(lines) + "\n").encode()


def workbook(
    sheet_xml: str,
    shared: list[str] | None = None,
    styles: str | None = None,
    dimension: str | None = None,
) -> bytes:
    """A minimal .xlsx around one sheet's XML (the inside of <sheetData>), written by hand so
    that it can be anything at all."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType'
            '="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName'
            '="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if shared is not None
                else ""
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel}><sheets><sheet '
            'name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
            '"worksheets/sheet1.xml"/>'
            + (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument'
                '/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                if shared is not None
                else ""
            )
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}>'
            + (f'<dimension ref="{dimension}"/>' if dimension else "")
            + f"<sheetData>{sheet_xml}"
            "</sheetData></worksheet>"
        ),
    }
    if shared is not None:
        items = "".join(f"<si><t>{s}</t></si>" for s in shared)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(shared)}">{items}</sst>'
        )
    if styles is not None:
        parts["xl/styles.xml"] = styles
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def _cells(row: int, values: list[str]) -> str:
    columns = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cells = "".join(
        f'<c r="{columns[i]}{row}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{row}">{cells}</row>'


def template_sheet(rows: int = 6) -> str:
    body = [_cells(1, HEADER)]
    for r in range(rows):
        answers = [str((r + k) % 5 + 1) for k in range(4)]
        body.append(_cells(r + 2, [f"r{r}", "W1", f"Org {r}", "Nonprofit", "Staff", *answers]))
    return "".join(body)


def bombs() -> Iterator[tuple[str, bytes]]:
    """Files small on disk that claim (or unzip to) a great deal."""
    yield (
        "bomb_a1_xfd1_a1048576.xlsx",
        workbook(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>respondent_id</t></is></c>'
            '<c r="XFD1"><v>1</v></c></row>'
            '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
            dimension="A1:XFD1048576",
        ),
    )
    yield (
        "bomb_row_beyond_excel.xlsx",
        workbook(_cells(1, HEADER) + '<row r="99999999"><c r="A99999999"><v>1</v></c></row>'),
    )
    yield (
        "bomb_cells_4000x20000.xlsx",
        workbook(_cells(1, HEADER) + '<row r="20000"><c r="EWV20000"><v>1</v></c></row>'),
    )
    many = "".join(f'<c r="{_col(i)}1"><v>{i}</v></c>' for i in range(1, 8001))
    yield "bomb_8000_columns.xlsx", workbook(f'<row r="1">{many}</row>')
    # One shared string of 30 MB of one letter: a few kB zipped.
    yield (
        "bomb_shared_string.xlsx",
        workbook(
            _cells(1, HEADER) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
            shared=["x" * 30_000_000],
        ),
    )
    # A sheet whose zip headers claim 1,200 MB.
    yield "bomb_declared_huge.xlsx", _declared_huge(workbook(template_sheet()))
    wide = ",".join(f"c{i}" for i in range(10_000))
    yield "bomb_header_10000_columns.csv", (wide + "\n1\n").encode()
    yield "bomb_header_1000000_columns.csv", (",".join(["x"] * 1_000_000) + "\nr1\n").encode()
    long_cell = b"r9,W1,o,s,r," + b"4" * 2_000_000 + b",1,1,1\n"
    yield "bomb_cell_2000000_chars.csv", template_csv() + long_cell
    yield "bomb_ragged_500000_cells.csv", template_csv() + b"r9" + b",4" * 500_000 + b"\n"


def _col(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _declared_huge(data: bytes) -> bytes:
    """The same workbook whose sheet's local and central headers claim 1,200 MB."""
    out = bytearray(data)
    name = b"xl/worksheets/sheet1.xml"
    huge = (1_200 * 1024 * 1024).to_bytes(4, "little")
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                out[start + offset : start + offset + 4] = huge
            start += 4
    return bytes(out)


def malformed() -> Iterator[tuple[str, bytes]]:
    """Small files broken in the ways seen in the wild and in the hostile probe."""
    good = template_csv()
    yield "cr_in_first_line.csv", b"respondent_id,wave,CA1\rnote\nr1,W1,5\n"
    yield "lone_cr_lines.csv", good.replace(b"\n", b"\r")
    yield "mixed_line_endings.csv", good.replace(b"\n", b"\r\n", 3).replace(b"\n", b"\r", 2)
    yield "field_200000_chars.csv", good + b"r9,W1,o,s,r," + b"x" * 200_000 + b",1,1,1\n"
    yield "answer_400_digits.csv", good + b"r9,W1,o,s,r," + b"9" * 400 + b",1,1,1\n"
    yield "answer_1e400.csv", good + b"r9,W1,o,s,r,1e400,1,1,1\n"
    yield "nul_at_start.csv", b"\x00" + good
    yield "nul_after_4k.csv", good + b"r8,W1,o,s,r,1,1,1,1\n" * 300 + b"r9,W1\x00,o,s,r,1,1,1,1\n"
    yield "nul_in_wave.csv", good.replace(b"W1", b"W\x001", 1)
    yield "utf16_nul.csv", ("\ufeff" + good.decode().replace("W1", "W\x001")).encode("utf-16-le")
    yield "zero_width_wave.csv", good.replace(b"W1", "W\u200b1".encode(), 2)
    yield "unbalanced_quote.csv", good.replace(b"Org 1", b'"Org 1', 1)
    yield "ragged_rows.csv", good + b"r9,W1\nr10,W1,o,s,r,1,1,1,1,1,1,1\n,,,\n"
    yield "only_header.csv", good.split(b"\n")[0] + b"\n"
    yield "empty.csv", b""
    yield "blank_lines.csv", b"\n\n\n\r\n  \n"
    yield "one_cell.csv", b"x"
    yield "bom_only.csv", b"\xef\xbb\xbf"
    yield "bad_utf8.csv", good + "é".encode() + b"\xff\n"
    yield "latin1.csv", good.replace(b"Org 1", "Organisation é".encode("cp1252"))
    yield "not_cp1252.csv", good + b"\x81\x8d\x8f\x90\x9d\n"
    yield "xls_header.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    yield "zip_not_xlsx.xlsx", _zip({"hello.txt": b"hi"})
    yield "zip_empty.xlsx", _zip({})
    yield "pk_garbage.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4
    for text in HOSTILE_STRINGS:
        yield f"hostile_{len(text)}.csv", template_csv().replace(b"W1", text.encode(), 3)
    sheet = template_sheet()
    yield "xlsx_good.xlsx", workbook(sheet)
    yield "xlsx_bad_xml.xlsx", workbook(sheet.replace("</row>", "</rowx>", 2))
    yield "xlsx_unclosed.xlsx", workbook(sheet[: len(sheet) // 2])
    yield "xlsx_entity.xlsx", _sheet_with_doctype()
    yield (
        "xlsx_bad_shared_index.xlsx",
        workbook(
            _cells(1, HEADER) + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>', shared=["a"]
        ),
    )
    yield (
        "xlsx_shared_not_number.xlsx",
        workbook(_cells(1, HEADER) + '<row r="2"><c r="A2" t="s"><v>x</v></c></row>', shared=["a"]),
    )
    yield "xlsx_bad_ref.xlsx", workbook(sheet.replace('r="B2"', 'r="2B"'))
    yield (
        "xlsx_number_1e400.xlsx",
        workbook(
            _cells(1, HEADER)
            + '<row r="2"><c r="F2"><v>1e400</v></c><c r="G2"><v>9'
            + "9" * 400
            + "</v></c></row>"
        ),
    )
    yield "xlsx_inline_nul.xlsx", workbook(sheet.replace(">W1<", ">W_x0000_1<", 1))
    yield "xlsx_rows_without_r.xlsx", workbook(sheet.replace(' r="', ' x="'))
    yield (
        "xlsx_bool_error.xlsx",
        workbook(
            _cells(1, HEADER) + '<row r="2"><c r="F2" t="b"><v>7</v></c><c r="G2" t="e"><v>#N/A'
            '</v></c><c r="H2" t="d"><v>not a date</v></c></row>'
        ),
    )
    yield (
        "xlsx_date_style_huge.xlsx",
        workbook(
            _cells(1, HEADER) + '<row r="2"><c r="F2" s="1"><v>99999999999</v></c></row>',
            styles=_date_styles(),
        ),
    )
    good_xlsx = workbook(sheet)
    yield "xlsx_bad_crc.xlsx", _corrupt_member(good_xlsx, b"xl/worksheets/sheet1.xml")
    yield "xlsx_truncated_member.xlsx", good_xlsx[: len(good_xlsx) * 2 // 3]


def _date_styles() -> str:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}><cellXfs count="2">'
        '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
    )


def _sheet_with_doctype() -> bytes:
    data = workbook(template_sheet())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;'
        b'&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = laughs + sheet[sheet.index(b"?>") + 2 :].replace(
        b">W1<", b">&lol3;<", 1
    )
    return _zip(parts)


def _zip(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _corrupt_member(data: bytes, name: bytes) -> bytes:
    """Flip bytes in the middle of a member's compressed data (zlib or CRC errors)."""
    out = bytearray(data)
    start = out.find(b"PK\x03\x04" + out[4:4])  # first local header
    while start != -1:
        name_length = int.from_bytes(out[start + 26 : start + 28], "little")
        extra = int.from_bytes(out[start + 28 : start + 30], "little")
        size = int.from_bytes(out[start + 18 : start + 22], "little")
        if out[start + 30 : start + 30 + name_length] == name:
            body = start + 30 + name_length + extra
            for k in range(body + size // 3, body + size // 3 + 8):
                out[k] ^= 0x5A
            break
        start = out.find(b"PK\x03\x04", start + 4)
    return bytes(out)


def _mutations(name: str, data: bytes, rng: random.Random, count: int):
    for k in range(count):
        out = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            choice = rng.random()
            at = rng.randrange(len(out) or 1)
            if choice < 0.4 and out:
                out[at] = rng.randrange(256)
            elif choice < 0.7:
                out[at:at] = bytes(rng.choice([b",", b'"', b"\n", b"\r", b"\x00", b";", b"\t"]))
            elif out:
                del out[at : at + rng.randint(1, 40)]
        yield f"{name}.mut{k}", bytes(out)


def _truncations(name: str, data: bytes, points: int = 8):
    for k in range(1, points + 1):
        yield f"{name}.cut{k}", data[: len(data) * k // (points + 1)]


def seeds() -> Iterator[tuple[str, bytes]]:
    yield "template.csv", template_csv()
    yield "template.xlsx", workbook(template_sheet())
    for path in sorted(FIXTURES.glob("*/*")):
        if path.suffix in (".csv", ".xlsx") and ".expected" not in path.name:
            yield f"{path.parent.name}_{path.name}", path.read_bytes()


def corpus(mutations_per_seed: int = 12) -> list[tuple[str, bytes]]:
    """Every file of the corpus, the same on every run."""
    rng = random.Random(20)
    files = list(malformed())
    for name, data in seeds():
        files.append((name, data))
        files.extend(_truncations(name, data))
        files.extend(_mutations(name, data, rng, mutations_per_seed))
        if name.endswith(".xlsx"):
            files.append((f"{name}.badcrc", _corrupt_member(data, b"xl/worksheets/sheet1.xml")))
    return files
