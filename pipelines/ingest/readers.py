"""Reading a ledger file into a grid of cells (rows of values), keeping 1-based row numbers.

xlsx/xls/ods go through python-calamine (fast, no formula evaluation: the cached values are read);
CSV bytes are decoded with the layout's encoding or, when it says `auto`, what charset-normalizer finds.
`read_grid` runs every read under the bounds of pipelines/ingest/guards.py (a worker process with a time limit,
a memory limit and a row/cell limit); `read_grid_direct` is the read itself.

Two kinds of failure: FileReadError when the file cannot be read the way one layout asks (another encoding or
sheet may fit), GuardError when the file itself is unreadable or over a limit.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from charset_normalizer import from_bytes
from python_calamine import CalamineWorkbook, PasswordError

from pipelines.ingest.guards import GuardError, bounded_read

Cell = str | int | float | bool | None

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
UTF8_BOM = b"\xef\xbb\xbf"
LIMITS_HINT = "max_rows, max_cells in sources/ingestion.yaml"


class FileReadError(ValueError):
    """The file cannot be read the way a layout asks (not valid text in its encoding, no such sheet ...)."""


@dataclass(frozen=True)
class Grid:
    rows: list[list[Cell]]  # rows[i] is line i + 1 of the sheet or file
    sheet: str | None  # None for CSV
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()  # ((top, left), (bottom, right)), 0-based

    def line(self, index: int) -> int:
        return index + 1


def read_grid(path: Path, *, sheet: str | int = 0, encoding: str = "auto", delimiter: str = ",") -> Grid:
    """The file's grid, read in a bounded worker (guards.bounded_read)."""
    return bounded_read(path, sheet=sheet, encoding=encoding, delimiter=delimiter)


def read_grid_direct(path: Path, *, sheet: str | int = 0, encoding: str = "auto", delimiter: str = ",",
                     max_rows: int | None = None, max_cells: int | None = None) -> Grid:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, sheet, max_rows=max_rows, max_cells=max_cells)
    if suffix in {".csv", ".txt"}:
        return read_csv(path, encoding, delimiter, max_rows=max_rows, max_cells=max_cells)
    raise FileReadError(f"unsupported file type {suffix!r}")


def _check_size(rows: int, columns: int | None, cells: int, sheet: str | None, max_rows: int | None,
                max_cells: int | None) -> None:
    if (max_rows is None or rows <= max_rows) and (max_cells is None or cells <= max_cells):
        return
    what = f"sheet {sheet!r}" if sheet else "the file"
    shape = f"{rows:,} rows × {columns:,} columns = {cells:,} cells" if columns else f"{rows:,} rows, {cells:,} cells"
    raise GuardError(f"{what} spans {shape} (empty ones included), over the limit of {max_rows or 0:,} rows / "
                     f"{max_cells or 0:,} cells ({LIMITS_HINT}); expected a ledger of at most a few thousand rows: "
                     "delete the empty formatted rows and columns, or a stray value far below or to the right of "
                     "the table", sheet=sheet)


def read_excel(path: Path, sheet: str | int = 0, *, max_rows: int | None = None,
               max_cells: int | None = None) -> Grid:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise GuardError("password-protected workbook: ask the zone for an unprotected copy") from exc
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        raise GuardError(f"cannot open as a workbook ({exc}): the file is damaged; ask the zone to send it "
                         "again") from exc
    names = workbook.sheet_names
    if not names:
        raise GuardError("the workbook has no sheets: expected the ledger on its first sheet")
    if isinstance(sheet, int):
        if sheet >= len(names):
            raise FileReadError(f"the workbook has no sheet number {sheet + 1}")
        name = names[sheet]
    elif sheet in names:
        name = sheet
    else:
        raise FileReadError(f"no sheet named {sheet!r}; sheets are {names}")
    try:
        data = workbook.get_sheet_by_name(name)
        end = data.end
        if end is None:
            if not any(_has_cells(workbook, other) for other in names if other != name):
                raise GuardError(f"the workbook holds no data: {'its only sheet' if len(names) == 1 else 'every sheet'}"
                                 f" ({', '.join(names)}) is empty; expected a ledger", sheet=name)
            raise FileReadError(f"sheet {name!r} is empty")
        _check_size(end[0] + 1, end[1] + 1, (end[0] + 1) * (end[1] + 1), name, max_rows, max_cells)
        rows = data.to_python(skip_empty_area=False)
        merged = tuple(data.merged_cell_ranges or ())
    except (GuardError, FileReadError):
        raise
    except Exception as exc:
        raise GuardError(f"cannot read sheet {name!r} ({exc}): the file is damaged; ask the zone to send it again",
                         sheet=name) from exc
    grid = [[None if c == "" else c for c in row] for row in rows]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        for (r, c), text in _unread_cells(path, name, only_sheet=len(names) == 1).items():
            if r < len(grid) and c < len(grid[r]) and grid[r][c] is None:
                grid[r][c] = text
    return Grid(rows=grid, sheet=name, merged=merged)


def _has_cells(workbook: CalamineWorkbook, name: str) -> bool:
    try:
        return workbook.get_sheet_by_name(name).end is not None
    except Exception:
        return True  # a chart sheet or an unreadable one: not known to be empty


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# a formula (<f>, <x:f …>) or a cell of type error: plain substring tests, faster than a regex here, and as few
# as catch them all (a false alarm, such as another tag starting with f, only costs the full pass below)
_MARKERS = (b"<f", b":f", b"t=\"e\"", b"t='e'")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the named sheet (xl/workbook.xml → relationship → target)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next((v for el in workbook.iter() if _local(el.tag) == "sheet" and el.get("name") == sheet
                   for k, v in el.attrib.items() if _local(k) == "id"), None)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for el in rels.iter():
        if _local(el.tag) == "Relationship" and el.get("Id") == rel_id:
            target = el.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def _unread_cells(path: Path, sheet: str, *, only_sheet: bool = False) -> dict[tuple[int, int], str]:
    """Cells python-calamine returns as empty although the sheet holds something there: an error value (#DIV/0!,
    #N/A …) or a formula saved without its result. They come back as their text, so that the value parser refuses
    them by row and field instead of reading them as "not reported"."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            # the usual single-sheet ledger needs no lookup through workbook.xml and its relationships
            part = sheets[0] if only_sheet and len(sheets) == 1 else _sheet_part(archive, sheet)
            xml = archive.read(part) if part else b""
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}  # calamine has read the sheet; without the parts this pass has nothing to add
    if not any(marker in xml for marker in _MARKERS):
        return {}
    found: dict[tuple[int, int], str] = {}
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(xml)):
            tag = _local(element.tag)
            if tag == "row":
                element.clear()
            if tag != "c" or not (m := _CELL_REF.fullmatch(element.get("r") or "")):
                continue
            parts = {_local(child.tag): child for child in element}
            value, formula = parts.get("v"), parts.get("f")
            if element.get("t") == "e" and value is not None and value.text:
                text = value.text
            elif formula is not None and (value is None or value.text is None):
                text = f"={formula.text or '(shared formula)'} (a formula saved without its result)"
            else:
                continue
            col = 0
            for letter in m[1]:
                col = col * 26 + ord(letter) - 64
            found[(int(m[2]) - 1, col - 1)] = text
    except ElementTree.ParseError:
        return found
    return found


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, encoding: str = "auto") -> str:
    if encoding != "auto":
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            actual = ""
            if data.startswith(UTF8_BOM) or _is_utf8(data):
                actual = "; this file is UTF-8"
            elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
                actual = "; this file is UTF-16"
            raise FileReadError(f"not valid {encoding} text (line {_line_of(data, exc.start)}, byte {exc.start:,}: "
                                f"{exc.reason}): the layout expects {encoding}{actual}; ask the zone to export it "
                                f"as {encoding}") from exc
    if data.startswith(UTF8_BOM):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileReadError(f"starts with a UTF-8 byte-order mark but is not valid UTF-8 (line "
                                f"{_line_of(data, exc.start)}, byte {exc.start:,}: {exc.reason})") from exc
    if _is_utf8(data):
        return data.decode("utf-8")
    try:
        best = from_bytes(data, cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
        text = None if best is None else str(best)
    except (UnicodeError, LookupError, ValueError):
        text = None
    if text is None:
        raise FileReadError("cannot tell the text encoding of this CSV file: expected UTF-8, GBK/GB18030, Big5 or "
                            "UTF-16 text")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_csv(path: Path, encoding: str = "auto", delimiter: str = ",", *, max_rows: int | None = None,
             max_cells: int | None = None) -> Grid:
    text = decode(path.read_bytes(), encoding)
    # strict: a quote mark left open is an error, not a value swallowing the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[Cell]] = []
    cells = 0
    start = 1  # physical line where the next record starts
    try:
        for record in reader:
            if reader.line_num > start and any("\n" in c or "\r" in c for c in record):
                raise GuardError(f"a quoted value runs over lines {start}–{reader.line_num}: expected one row per "
                                 "line; check that line for a stray quote mark (\")", line=start)
            rows.append([c if c.strip() else None for c in record])
            cells += len(record)
            start = reader.line_num + 1
            _check_size(len(rows), None, cells, None, max_rows, max_cells)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise GuardError(f"a quoted value starting on line {start} is never closed: expected a closing quote "
                             "mark (\"); check that line for a stray quote mark", line=start) from exc
        raise GuardError(f"not well-formed CSV on line {start} ({exc}): expected quote marks only around a whole "
                         "value (a quote inside a value is written \"\")", line=start) from exc
    if not any(c is not None for row in rows for c in row):
        raise GuardError("the file holds no data (only blank lines or empty cells): expected a ledger")
    return Grid(rows=rows, sheet=None)
