"""The bad-input corpus (issue #8, part 1): every file real offices send that must not break ingestion, built
deterministically from the generated sample ledgers into a landing folder (no binary blobs in git).

Each builder writes one file and returns a `BadFile` saying what ParkStats must do with it:
- `quarantined`: the file as a whole is refused; the message names the file and, where it applies, the sheet, row
  and field, and says what was expected;
- `refused_rows`: the file is ingested, and the bad rows are refused by row and field (the rest is kept);
- `ingested`: awkward but valid input (serial and text dates, moved columns, odd file names) ingests with the
  values of the original ledger.

The month of every file is 2024-03.
"""

from __future__ import annotations

import random
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import xlsxwriter

from tests.ledger_files import Grid, find, read_xlsx

MONTH = "2024-03"
Outcome = Literal["quarantined", "refused_rows", "ingested"]

# 2024-03 sample ledgers, one per layout
A_FILE = "上饶经开区2024年1-3月主要经济指标.xlsx"
B_FILE = "淮安市省级开发区2024年3月主要指标.csv"
C_FILE = "南通经济技术开发区经济运行情况表（2024年1-3月）.xlsx"
D_FILE = "广元经开区月度经济指标统计表202403.xlsx"
E1_FILE = "上饶经开区2024年1-3月工业企业亩均效益监测台账.xlsx"
E2_FILE = "广元经开区_企业效益数据_202403.csv"
P1_FILE = "上饶经开区招商引资及重点项目台账（2024年3月）.xlsx"
P2_FILE = "洪泽经济开发区_项目库_202403.csv"
GOOD_FILES = (A_FILE, B_FILE, C_FILE, D_FILE, E1_FILE, E2_FILE, P1_FILE, P2_FILE)


@dataclass(frozen=True)
class BadFile:
    rel: str  # where it lies in the landing folder
    covers: str  # the item of issue #8 it stands for
    outcome: Outcome
    expect: tuple[str, ...] = ()  # fragments the quarantine or refusal message must hold
    sheet: str | None = None  # the sheet, row and field the message must name
    line: int | None = None
    field: str | None = None
    like: str | None = None  # ingested / refused_rows: the sample ledger whose rows it must reproduce
    refused_lines: tuple[int, ...] = ()  # refused_rows: the rows refused
    line_shift: int = 0  # ingested: its rows stand this many lines lower than in `like`


# --- writing workbooks --------------------------------------------------------------------------------------------


def write_workbook(path: Path, sheet: str, grid: Grid, *, merges: tuple[tuple[int, int, int, int], ...] = (),
                   formulas: dict[tuple[int, int], tuple[str, object]] | None = None,
                   dates: dict[tuple[int, int], date] | None = None) -> Path:
    """An xlsx like the sample's: `formulas` maps a cell to (formula, saved result); `merges` are 0-based
    (first row, first col, last row, last col) ranges holding their top-left value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet_ = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    formulas, dates = formulas or {}, dates or {}
    merged = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (r, c) in merged:
                continue
            if (r, c) in formulas:
                formula, result = formulas[(r, c)]
                sheet_.write_formula(r, c, formula, None, result)
            elif (r, c) in dates:
                sheet_.write_datetime(r, c, dates[(r, c)], date_format)
            elif isinstance(value, date):
                sheet_.write_datetime(r, c, value, date_format)
            elif value not in ("", None):
                sheet_.write(r, c, value)
    for r1, c1, r2, c2 in merges:
        sheet_.merge_range(r1, c1, r2, c2, grid[r1][c1])
    book.close()
    return path


def rewrite_member(path: Path, member: str, edit: Callable[[bytes], bytes]) -> None:
    """Replace one part of a zip archive (a workbook), keeping the others byte for byte."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            target.writestr(info, edit(data) if info.filename == member else data)


def cfb_container(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (MS-CFB version 3, 512-byte sectors): a FAT sector, a directory sector and
    the streams (each padded to 4,096 bytes or more, so none belongs in the mini stream). Enough for a reader to
    find the stream names, which is all the guards look at."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    assert 1 <= len(streams) <= 3
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the CFB order of siblings
    data = {n: streams[n].ljust(max(4096, -(-len(streams[n]) // 512) * 512), b"\0") for n in names}
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    starts = {}
    for n in names:
        count = len(data[n]) // 512
        starts[n] = len(fat)
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(end)
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, no_stream, no_stream, 1, end, 0)]
    for i, n in enumerate(names, start=1):
        right = i + 1 if i < len(names) else no_stream  # a right-leaning chain of black siblings
        entries.append(entry(n, 2, no_stream, right, no_stream, starts[n], len(streams[n])))
    while len(entries) < 4:
        entries.append(b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", no_stream, no_stream,
                                                                                no_stream) + b"\0" * 48)
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))
    assert len(header) == 512
    body = struct.pack("<128I", *fat) + b"".join(entries) + b"".join(data[n] for n in names)
    return header + body


def _prng_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


# --- the corpus ----------------------------------------------------------------------------------------------------

Builder = Callable[[Path, Path], BadFile]
CORPUS: dict[str, Builder] = {}


def item(name: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        CORPUS[name] = builder
        return builder

    return register


def _landing_file(landing: Path, rel: str) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@item("truncated_xlsx")
def truncated_xlsx(sample: Path, landing: Path) -> BadFile:
    rel = "上饶经开区/truncated.xlsx"
    data = find(sample, A_FILE).read_bytes()
    _landing_file(landing, rel).write_bytes(data[: len(data) * 3 // 5])  # the upload broke off at 60 %
    return BadFile(rel, "truncated xlsx", "quarantined",
                   ("not a readable xlsx workbook: the zip archive is damaged or truncated", "send the file again"))


@item("corrupt_xlsx")
def corrupt_xlsx(sample: Path, landing: Path) -> BadFile:
    """The table of contents is intact, the sheet's compressed bytes are not (a bad disk or transfer)."""
    rel = "上饶经开区/corrupt.xlsx"
    path = _landing_file(landing, rel)
    data = bytearray(find(sample, A_FILE).read_bytes())
    with zipfile.ZipFile(find(sample, A_FILE)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 20, start + info.compress_size - 20, 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return BadFile(rel, "corrupt xlsx", "quarantined", ("the file is damaged", "send it again"))


@item("zip_bomb")
def zip_bomb(sample: Path, landing: Path) -> BadFile:
    """A real workbook carrying a part that unpacks 1,000-fold (32 MB of zeros in 32 KB)."""
    rel = "上饶经开区/bomb.xlsx"
    path = _landing_file(landing, rel)
    path.write_bytes(find(sample, A_FILE).read_bytes())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("xl/media/image1.bin", "w") as part:
        block = b"\0" * (1 << 20)
        for _ in range(32):
            part.write(block)
    return BadFile(rel, "zip bomb disguised as xlsx", "quarantined",
                   ("refused as a zip bomb: part 'xl/media/image1.bin' unpacks", "over the compression-ratio limit of",
                    "it was not decompressed"))


@item("password_protected")
def password_protected(sample: Path, landing: Path) -> BadFile:
    """What Excel writes for 文件 → 信息 → 用密码进行加密: an OLE2 container with EncryptionInfo and EncryptedPackage
    streams (agile encryption) instead of a zip."""
    rel = "上饶经开区/加密台账.xlsx"
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
            b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
            b'hashAlgorithm="SHA512"/></encryption>')
    package = struct.pack("<Q", 9000) + _prng_bytes(8, 9000)
    _landing_file(landing, rel).write_bytes(cfb_container({"EncryptionInfo": info, "EncryptedPackage": package}))
    return BadFile(rel, "password-protected workbook", "quarantined",
                   ("password-protected workbook: ask the zone for an unprotected copy",))


def _biff8_workbook_stream() -> bytes:
    """BOF (BIFF8, workbook globals) … EOF: the start of every Excel 97-2003 Workbook stream."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x000080C9, 0x206)
    eof = struct.pack("<HH", 0x000A, 0)
    return bof + eof


@item("legacy_xls")
def legacy_xls(sample: Path, landing: Path) -> BadFile:
    rel = "上饶经开区/上饶经开区2024年1-3月主要经济指标.xls"
    _landing_file(landing, rel).write_bytes(cfb_container({"Workbook": _biff8_workbook_stream()}))
    return BadFile(rel, "xls (BIFF) file", "quarantined",
                   ("a legacy Excel 97-2003 workbook (.xls, BIFF): expected an .xlsx workbook",
                    "save it as Excel 工作簿 (.xlsx)"))


@item("xls_named_xlsx")
def xls_named_xlsx(sample: Path, landing: Path) -> BadFile:
    rel = "上饶经开区/renamed.xlsx"
    _landing_file(landing, rel).write_bytes(cfb_container({"Workbook": _biff8_workbook_stream()}))
    return BadFile(rel, "xls (BIFF) file under an .xlsx name", "quarantined",
                   ("a legacy Excel 97-2003 workbook (.xls, BIFF) named .xlsx: expected an .xlsx workbook",))


@item("csv_named_xlsx")
def csv_named_xlsx(sample: Path, landing: Path) -> BadFile:
    rel = "淮安市/主要指标.xlsx"
    _landing_file(landing, rel).write_bytes(find(sample, B_FILE).read_bytes().decode("gbk").encode("utf-8"))
    return BadFile(rel, "a CSV export under an .xlsx name", "quarantined",
                   ("not an .xlsx workbook: expected a zip archive", "text beginning '淮安市省级开发区主要经济指标"))


@item("utf8_for_gbk_layout")
def utf8_for_gbk_layout(sample: Path, landing: Path) -> BadFile:
    """Layout B declares GBK; this city office switched its export to UTF-8."""
    rel = "淮安市/utf8.csv"
    _landing_file(landing, rel).write_bytes(find(sample, B_FILE).read_bytes().decode("gbk").encode("utf-8"))
    return BadFile(rel, "wrong encoding (UTF-8 for a GBK layout)", "quarantined",
                   ("not valid gbk text (line 1", "the layout expects gbk; this file is UTF-8",
                    "ask the zone to export it as gbk"), field="layout")


@item("gb18030_for_auto_layout")
def gb18030_for_auto_layout(sample: Path, landing: Path) -> BadFile:
    """Layout E2 says `encoding: auto`: the same export in GB18030 instead of UTF-8 reads the same."""
    rel = "广元经开区/企业效益数据_gb18030.csv"
    text = find(sample, E2_FILE).read_bytes().decode("utf-8-sig")
    _landing_file(landing, rel).write_bytes(text.encode("gb18030"))
    return BadFile(rel, "other encoding for an `auto` layout", "ingested", like=E2_FILE)


@item("utf16_for_auto_layout")
def utf16_for_auto_layout(sample: Path, landing: Path) -> BadFile:
    rel = "广元经开区/企业效益数据_utf16.csv"
    text = find(sample, E2_FILE).read_bytes().decode("utf-8-sig")
    _landing_file(landing, rel).write_bytes(text.encode("utf-16"))
    return BadFile(rel, "other encoding for an `auto` layout", "ingested", like=E2_FILE)


@item("renamed_column")
def renamed_column(sample: Path, landing: Path) -> BadFile:
    rel = "广元经开区/renamed column.xlsx"
    sheet, grid = read_xlsx(find(sample, D_FILE))
    col = grid[1].index("税收收入（万元）")
    grid[1][col] = "税收（万元）"  # the header drifted
    write_workbook(_landing_file(landing, rel), sheet, grid)
    return BadFile(rel, "header drift: renamed column", "quarantined",
                   ("missing column: expected a header matching '^税收收入'", "found ['园区名称'"),
                   sheet=sheet, line=2, field="税收收入")


@item("moved_columns")
def moved_columns(sample: Path, landing: Path) -> BadFile:
    """Columns are found by their header, wherever they stand."""
    rel = "广元经开区/moved columns.xlsx"
    sheet, grid = read_xlsx(find(sample, D_FILE))
    order = list(range(len(grid[1])))
    order[2], order[5] = order[5], order[2]  # 工业总产值 ⇄ 税收收入
    order.append(order.pop(3))  # 工业营业收入 to the end
    write_workbook(_landing_file(landing, rel), sheet, [[row[i] for i in order] for row in grid])
    return BadFile(rel, "header drift: moved columns", "ingested", like=D_FILE)


@item("header_moved_down")
def header_moved_down(sample: Path, landing: Path) -> BadFile:
    """A blank line above the header: the header is searched for, and every value keeps its (new) row."""
    rel = "南通经济技术开发区/header moved down.xlsx"
    sheet, grid = read_xlsx(find(sample, C_FILE))
    grid.insert(2, [""] * len(grid[2]))
    write_workbook(_landing_file(landing, rel), sheet, grid)
    return BadFile(rel, "header drift: header moved down", "ingested", like=C_FILE, line_shift=1)


@item("empty_xlsx")
def empty_xlsx(sample: Path, landing: Path) -> BadFile:
    rel = "合肥经开区/empty.xlsx"
    _landing_file(landing, rel).write_bytes(b"")
    return BadFile(rel, "empty file", "quarantined", ("the file is empty (0 bytes): expected a ledger",))


@item("empty_csv")
def empty_csv(sample: Path, landing: Path) -> BadFile:
    rel = "淮安市/blank.csv"
    _landing_file(landing, rel).write_bytes(b"\xef\xbb\xbf\r\n,,,\r\n\r\n")  # a BOM, blank lines, empty cells
    return BadFile(rel, "empty file", "quarantined",
                   ("the file holds no data (only blank lines or empty cells): expected a ledger",))


@item("empty_sheet")
def empty_sheet(sample: Path, landing: Path) -> BadFile:
    rel = "合肥经开区/empty sheet.xlsx"
    path = _landing_file(landing, rel)
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    book.close()
    return BadFile(rel, "empty sheet", "quarantined",
                   ("the workbook holds no data: its only sheet (Sheet1) is empty; expected a ledger",),
                   sheet="Sheet1")


@item("header_without_rows")
def header_without_rows(sample: Path, landing: Path) -> BadFile:
    rel = "上饶经开区/no rows.xlsx"
    sheet, grid = read_xlsx(find(sample, A_FILE))
    write_workbook(_landing_file(landing, rel), sheet, grid[:4])  # title, unit line, two-level header
    return BadFile(rel, "empty sheet (a header, no data rows)", "quarantined",
                   ("no data rows found below the header",), sheet=sheet, line=3)


@item("merged_data_cells")
def merged_data_cells(sample: Path, landing: Path) -> BadFile:
    """The 1-3月累计 of 工业总产值 and 工业营业收入 merged into one cell: the second value would read as not
    reported. Merged title and header cells (as in every layout-A file) stay fine."""
    rel = "上饶经开区/merged.xlsx"
    sheet, grid = read_xlsx(find(sample, A_FILE))
    merges = ((0, 0, 0, 4), (2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 2, 4), (5, 2, 6, 2))
    write_workbook(_landing_file(landing, rel), sheet, grid, merges=merges)
    return BadFile(rel, "merged cells in the data area", "quarantined",
                   ("merged cells C6:C7 in the data area: expected one value in each cell of every row",
                    "unmerge them"), sheet=sheet, line=6, field="2024年1-3月|1-3月累计")


@item("formulas_and_errors")
def formulas_and_errors(sample: Path, landing: Path) -> BadFile:
    """工业总产值 is a formula with its saved result (read as the value); 工业营业收入 is #DIV/0!; 税收收入合计 a
    formula saved without its result (as some tools write). The two are refused by row and field."""
    rel = "上饶经开区/formulas.xlsx"
    path = _landing_file(landing, rel)
    sheet, grid = read_xlsx(find(sample, A_FILE))
    output, revenue, tax = (next(i for i, r in enumerate(grid) if r[0] == label)
                            for label in ("工业总产值", "工业营业收入", "税收收入合计"))
    value = grid[output][2]
    formulas = {(output, 2): (f"={value / 2!r}*2", value), (revenue, 2): ("=C6/0", "#DIV/0!"),
                (tax, 2): (f"=C{tax + 2}+C{tax + 3}", 0)}
    write_workbook(path, sheet, grid, formulas=formulas)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(rb"(<f>C%d\+C%d</f>)<v>0</v>" % (tax + 2, tax + 3), rb"\1", xml))
    return BadFile(rel, "formulas and error cells (#DIV/0!)", "refused_rows",
                   (f"row {revenue + 1}, field 工业营业收入/2024年1-3月|1-3月累计: expected a number, found '#DIV/0!'",
                    f"row {tax + 1}, field 税收收入/2024年1-3月|1-3月累计: expected a number, found "
                    f"'=C{tax + 2}+C{tax + 3} (a formula saved without its result)'"),
                   like=A_FILE, refused_lines=(revenue + 1, tax + 1))


@item("dates_serial_and_text")
def dates_serial_and_text(sample: Path, landing: Path) -> BadFile:
    """Stage dates as Excel serial numbers without a date format, and as text in three spellings; one row has a
    date nobody can read, and is refused by row and field."""
    rel = "上饶经开区/dates.xlsx"
    sheet, grid = read_xlsx(find(sample, P1_FILE))
    header = grid[2]
    date_cols = [header.index(h) for h in ("洽谈日期", "签约日期", "开工日期", "竣工日期", "投产日期")]
    spellings = (lambda d: float((d - date(1899, 12, 30)).days), lambda d: f"{d.year}年{d.month}月{d.day}日",
                 lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: d.isoformat())
    data_rows = [i for i in range(3, len(grid)) if grid[i][1]]
    for n, i in enumerate(data_rows):
        for c in date_cols:
            if isinstance(grid[i][c], date):
                grid[i][c] = spellings[n % len(spellings)](grid[i][c])
    bad = next(i for i in data_rows if grid[i][date_cols[1]] not in ("", None))
    grid[bad][date_cols[1]] = "三月中旬"
    write_workbook(_landing_file(landing, rel), sheet, grid)
    return BadFile(rel, "dates as serial numbers and as text", "refused_rows",
                   (f"row {bad + 1}, field 签约日期: 签约日期 expected a date such as 2024-03-15, found '三月中旬'; the "
                    "row is not ingested",), like=P1_FILE, refused_lines=(bad + 1,))


@item("over_size_limit")
def over_size_limit(sample: Path, landing: Path) -> BadFile:
    """A readable ledger carrying 21 MB of pictures: refused on its size alone, before anything opens it."""
    rel = "上饶经开区/with pictures.xlsx"
    path = _landing_file(landing, rel)
    path.write_bytes(find(sample, A_FILE).read_bytes())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", _prng_bytes(21, 21 * (1 << 20)))
    return BadFile(rel, "file over the size limit", "quarantined",
                   ("over the limit of 20.0 MB (max_file_mb in sources/ingestion.yaml), so it was not opened",))


@item("cell_far_away")
def cell_far_away(sample: Path, landing: Path) -> BadFile:
    """A stray value in XFD1048576: the sheet's range is 17 billion cells, which python-calamine would allocate
    densely (550 GB). The reader process hits its memory limit; the run goes on."""
    rel = "上饶经开区/stray cell.xlsx"
    sheet, grid = read_xlsx(find(sample, A_FILE))
    book = xlsxwriter.Workbook(str(_landing_file(landing, rel)))
    target = book.add_worksheet(sheet)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value not in ("", None):
                target.write(r, c, value)
    target.write(1_048_575, 16_383, "x")
    book.close()
    return BadFile(rel, "memory bound (a cell far from the table)", "quarantined",
                   ("reading the file needed more than 2048 MB of memory (parse_memory_mb in sources/ingestion.yaml)"
                    " and was stopped",))


@item("rows_far_below")
def rows_far_below(sample: Path, landing: Path) -> BadFile:
    """A value 150,000 rows below the table: over the row bound, refused before the cells become objects."""
    rel = "上饶经开区/far below.xlsx"
    sheet, grid = read_xlsx(find(sample, A_FILE))
    grid.extend([[""] * 5 for _ in range(150_000 - len(grid) - 1)] + [["", "", "", "", "备注"]])
    write_workbook(_landing_file(landing, rel), sheet, grid)
    return BadFile(rel, "row/cell bound", "quarantined",
                   (f"sheet '{sheet}' spans 150,000 rows × 5 columns = 750,000 cells (empty ones included), over "
                    "the limit of 100,000 rows",), sheet=sheet)


@item("stray_quote_csv")
def stray_quote_csv(sample: Path, landing: Path) -> BadFile:
    """A quote mark left open on line 5 would swallow the rest of the file into one value."""
    rel = "淮安市/quote.csv"
    lines = find(sample, B_FILE).read_bytes().decode("gbk").split("\r\n")
    cells = lines[4].split(",")
    cells[2] = '"' + cells[2]
    lines[4] = ",".join(cells)
    _landing_file(landing, rel).write_bytes("\r\n".join(lines).encode("gbk"))
    return BadFile(rel, "truncated / corrupt CSV", "quarantined",
                   ("a quoted value starting on line 5 is never closed: expected a closing quote mark",), line=5)


# names: spaces, Chinese, shell metacharacters and control characters are ordinary names; none reaches a shell
NAME_SPACES = "上饶经开区/2024年 3月 主要经济指标 (1).xlsx"
NAME_SHELL = "上饶经开区/$(touch pwned);rm -rf ~;`id`|&.xlsx"
NAME_CONTROL = "上饶经开区/tab\there\nnewline\x1b[31m.xlsx"
NAME_LONG = "合肥经开区/" + ("关于报送合肥经济技术开发区二〇二四年一至三月主要经济指标统计快报的函" * 3)[:74] + ".xlsx"


@item("name_with_spaces_and_chinese")
def name_with_spaces(sample: Path, landing: Path) -> BadFile:
    _landing_file(landing, NAME_SPACES).write_bytes(find(sample, A_FILE).read_bytes())
    return BadFile(NAME_SPACES, "file name with spaces and Chinese characters", "ingested", like=A_FILE)


@item("name_with_shell_metacharacters")
def name_with_shell(sample: Path, landing: Path) -> BadFile:
    sheet, grid = read_xlsx(find(sample, A_FILE))
    grid[-1][0] = "填报单位：上饶经开区经济发展局（另一份）"  # other bytes than the file above, same values
    write_workbook(_landing_file(landing, NAME_SHELL), sheet, grid)
    return BadFile(NAME_SHELL, "file name with shell metacharacters", "ingested", like=A_FILE)


@item("name_with_control_characters")
def name_with_control(sample: Path, landing: Path) -> BadFile:
    sheet, grid = read_xlsx(find(sample, A_FILE))
    grid[-1][0] = "填报单位：上饶经开区经济发展局（第三份）"
    write_workbook(_landing_file(landing, NAME_CONTROL), sheet, grid)
    return BadFile(NAME_CONTROL, "file name with control characters", "ingested", like=A_FILE)


@item("long_chinese_name")
def long_chinese_name(sample: Path, landing: Path) -> BadFile:
    """A bad file whose name (227 bytes) plus the quarantine's time stamp is longer than a file name may be."""
    _landing_file(landing, NAME_LONG).write_bytes(_prng_bytes(74, 64))
    return BadFile(NAME_LONG, "long Chinese file name", "quarantined",
                   ("not an .xlsx workbook: expected a zip archive", "found the bytes"))


def build(name: str, sample: Path, landing: Path) -> BadFile:
    return CORPUS[name](sample, landing)


def build_all(sample: Path, landing: Path) -> list[BadFile]:
    return [build(name, sample, landing) for name in CORPUS]
