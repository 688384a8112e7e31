"""The bulletin as the xlsx workbook offices circulate: one sheet per theme, Chinese headers with units, frozen
panes, rank changes as ↑/↓ and the rows behind 序时进度 highlighted.

Zone names and notes come from ledgers and registries; a text such as "=HYPERLINK(…)" must stay text. So the
workbook never converts strings (formulas, URLs, numbers) and every text cell goes through write_string.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from pipelines.bulletin.data import BulletinData
from pipelines.bulletin.layout import SUPERSCRIPT, THEMES, Column, Theme, cell_digits, cell_flag, cell_value

TITLE_ROW, META_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class _Formats:
    """xlsxwriter formats, created once per look (a workbook holds a limited number of them)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple, Format] = {}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.meta = workbook.add_format({"font_color": "#555555", "font_size": 9})
        self.note = workbook.add_format({"italic": True})
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                           "align": "center", "valign": "vcenter"})
        self.footnote = workbook.add_format({"font_size": 9, "font_color": "#333333"})
        self.behind = workbook.add_format({"bg_color": "#FDE2E1", "font_color": "#9C0006"})

    def cell(self, column: Column, value: object, digits: int, flag: str | None) -> Format:
        if column.numeric:
            key: tuple = ("number", digits, flag)
        elif column.kind == "change" and isinstance(value, str):
            key = ("change", value[:1])
        else:
            key = ("text",)
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(self._properties(key))
        return self._cache[key]

    @staticmethod
    def _properties(key: tuple) -> dict:
        properties: dict = {"border": 1, "valign": "vcenter"}
        if key[0] == "number":
            _, digits, flag = key
            number = "#,##0" + ("." + "0" * digits if digits else "")
            # the status flag is part of the number's display, so the cell stays a number for anyone who sums it
            properties["num_format"] = number + (f'"{SUPERSCRIPT.get(flag, " " + flag)}"' if flag else "")
        elif key[0] == "change":
            colour = {"↑": "#1A7F37", "↓": "#C62828", "新": "#1F4E79"}.get(key[1], "#777777")
            properties |= {"font_color": colour, "align": "center"}
        return properties


def write_workbook(data: BulletinData, path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    workbook.set_properties({"title": f"{data.title_month}开发区月通报", "subject": "开发区月度统计通报",
                             "author": "ParkStats", "comments": data.release.header_text})
    formats = _Formats(workbook)
    for theme in THEMES:
        _write_theme(workbook.add_worksheet(theme.sheet), theme, data, formats)
    workbook.close()
    return path


def _write_theme(sheet: Worksheet, theme: Theme, data: BulletinData, formats: _Formats) -> None:
    rows = theme.rows(data)
    sheet.write_string(TITLE_ROW, 0, theme.note(data), formats.title)
    sheet.write_string(META_ROW, 0, data.release.header_text, formats.meta)
    sheet.write_string(NOTE_ROW, 0, "单位：见各列标题（1 亿元 = 10,000 万元）", formats.note)
    titles = [column.title(data) for column in theme.columns]
    for c, title in enumerate(titles):
        sheet.write_string(HEADER_ROW, c, title, formats.header)
    sheet.set_row(HEADER_ROW, 42)
    widths = [_width(title) / 2 + 2 for title in titles]  # headers wrap onto two lines
    for r, (_, row) in enumerate(rows.iterrows(), start=FIRST_DATA_ROW):
        for c, column in enumerate(theme.columns):
            value = cell_value(column, row)
            fmt = formats.cell(column, value, cell_digits(column, row), cell_flag(column, row))
            if value is None:
                sheet.write_blank(r, c, None, fmt)
            elif isinstance(value, str):
                sheet.write_string(r, c, value, fmt)
                widths[c] = max(widths[c], _width(value) + 2)
            else:
                sheet.write_number(r, c, value, fmt)
                widths[c] = max(widths[c], len(f"{value:,}") + 3)
    last_row = FIRST_DATA_ROW + len(rows) - 1
    if rows.empty:
        sheet.write_string(FIRST_DATA_ROW, 0, "本月无数据", formats.note)
        last_row = FIRST_DATA_ROW
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(max(width, 6), 48))
    if theme.schedule and not rows.empty:
        _highlight_behind_schedule(sheet, theme, last_row, formats.behind)
    for i, text in enumerate(theme.all_footnotes(data)):
        sheet.write_string(last_row + 2 + i, 0, ("注：" if i == 0 else "　　") + text, formats.footnote)
    sheet.freeze_panes(FIRST_DATA_ROW, theme.frozen_columns)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(HEADER_ROW)
    sheet.fit_to_pages(1, 0)


def _highlight_behind_schedule(sheet: Worksheet, theme: Theme, last_row: int, fmt: Format) -> None:
    """Conditional, so a corrected figure typed into the sheet re-colours its row."""
    keys = [column.key for column in theme.columns]
    completion, progress = (xl_col_to_name(keys.index(k)) for k in theme.schedule)
    first = FIRST_DATA_ROW + 1  # Excel rows are 1-based
    sheet.conditional_format(FIRST_DATA_ROW, 0, last_row, len(theme.columns) - 1, {
        "type": "formula",
        "criteria": f"=AND(ISNUMBER(${completion}{first}),ISNUMBER(${progress}{first}),"
                    f"${completion}{first}<${progress}{first})",
        "format": fmt,
    })


def _width(text: str) -> float:
    """Display width in Excel's character units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
