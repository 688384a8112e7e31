"""Helpers to make altered copies of sample ledgers for bad-input tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

Grid = list[list[object]]


def read_xlsx(path: Path) -> tuple[str, Grid]:
    wb = CalamineWorkbook.from_path(str(path))
    name = wb.sheet_names[0]
    return name, [list(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]


def write_xlsx(path: Path, sheet: str, grid: Grid) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value not in ("", None):
                ws.write(r, c, value)
    wb.close()


def altered_xlsx(src: Path, dest: Path, edit: Callable[[Grid], None]) -> Path:
    sheet, grid = read_xlsx(src)
    edit(grid)
    write_xlsx(dest, sheet, grid)
    return dest


def altered_csv(src: Path, dest: Path, edit: Callable[[list[str]], None], encoding: str = "gbk") -> Path:
    lines = src.read_bytes().decode(encoding).split("\r\n")
    edit(lines)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes("\r\n".join(lines).encode(encoding))
    return dest


def copy_into(src: Path, landing: Path, rel: str) -> Path:
    dest = landing / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    return dest


def find(sample: Path, pattern: str) -> Path:
    matches = sorted((sample / "landing").rglob(pattern))
    assert matches, f"no sample file matches {pattern}"
    return matches[0]
