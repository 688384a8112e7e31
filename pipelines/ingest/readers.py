"""Reading a ledger file into a grid of cells (rows of values), keeping 1-based row numbers.

xlsx/xls/ods go through python-calamine (fast, no formula evaluation: the cached values are read);
CSV bytes are decoded with the layout's encoding or, when it says `auto`, what charset-normalizer finds.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from python_calamine import CalamineWorkbook

Cell = str | int | float | bool | None

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


class FileReadError(ValueError):
    """The file cannot be read at all (not the format it claims, encrypted, empty ...)."""


@dataclass(frozen=True)
class Grid:
    rows: list[list[Cell]]  # rows[i] is line i + 1 of the sheet or file
    sheet: str | None  # None for CSV

    def line(self, index: int) -> int:
        return index + 1


def read_excel(path: Path, sheet: str | int = 0) -> Grid:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        raise FileReadError(f"cannot open as a workbook: {exc}") from exc
    names = workbook.sheet_names
    if not names:
        raise FileReadError("the workbook has no sheets")
    if isinstance(sheet, int):
        if sheet >= len(names):
            raise FileReadError(f"the workbook has no sheet number {sheet + 1}")
        name = names[sheet]
    elif sheet in names:
        name = sheet
    else:
        raise FileReadError(f"no sheet named {sheet!r}; sheets are {names}")
    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise FileReadError(f"cannot read sheet {name!r}: {exc}") from exc
    return Grid(rows=[[None if c == "" else c for c in row] for row in rows], sheet=name)


def decode(data: bytes, encoding: str = "auto") -> str:
    if encoding != "auto":
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FileReadError(f"not valid {encoding} text (byte {exc.start}): {exc.reason}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    if best is None:
        raise FileReadError("cannot tell the text encoding of this CSV file")
    return str(best)


def read_csv(path: Path, encoding: str = "auto", delimiter: str = ",") -> Grid:
    text = decode(path.read_bytes(), encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Cell]] = []
    for record in reader:
        # reader.line_num is the physical line where this record ends; pad so rows[i] is line i + 1
        while len(rows) < reader.line_num - 1:
            rows.append([])
        rows.append([c if c.strip() else None for c in record])
    return Grid(rows=rows, sheet=None)


def read_grid(path: Path, *, sheet: str | int = 0, encoding: str = "auto", delimiter: str = ",") -> Grid:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, sheet)
    if suffix in {".csv", ".txt"}:
        return read_csv(path, encoding, delimiter)
    raise FileReadError(f"unsupported file type {suffix!r}")
