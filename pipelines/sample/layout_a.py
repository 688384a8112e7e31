"""Layout A: per-zone xlsx in 亿元 with a two-level header, YTD + 上年同期 + 同比 (national zones' 快报).

Also writes the correction (更正) file of the scenario: a second vintage of one period.
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.sample.ledger import (
    DASH,
    LedgerFile,
    ReportedValue,
    ZoneReport,
    growth_pct,
    ledger_path,
    new_workbook,
)
from pipelines.sample.periods import period_label, submission_time
from pipelines.sample.scenario import CORRECTIONS, Correction, Zone
from pipelines.sample.simulate import CENT, TENTH, ZoneSeries, q

SHEET = "主要经济指标"
# (label, unit, key); key None marks a section row. vat/cit are printed but are not canonical measures.
ROWS: tuple[tuple[str, str | None, str | None], ...] = (
    ("一、工业生产", None, None),
    ("工业总产值", "亿元", "industrial_output_value"),
    ("工业营业收入", "亿元", "industrial_revenue"),
    ("规上工业企业数", "个", "above_scale_firms"),
    ("二、财政税收", None, None),
    ("税收收入合计", "亿元", "tax_revenue"),
    ("其中：增值税", "亿元", "vat"),
    ("企业所得税", "亿元", "cit"),
    ("三、投资与外资", None, None),
    ("固定资产投资", "亿元", "fixed_asset_investment"),
    ("其中：工业投资", "亿元", "industrial_investment"),
    ("实际使用外资", "万美元", "fdi_actual_usd"),
    ("四、土地", None, None),
    ("工业用地面积", "亩", "industrial_land"),
)
STEP = {"亿元": CENT, "万美元": TENTH, "个": Decimal(1), "亩": TENTH}
TO_CANONICAL = {"亿元": Decimal(10_000), "万美元": Decimal(1), "个": Decimal(1), "亩": Decimal(1)}
NUM_FORMAT = {"亿元": "0.00", "万美元": "0.0", "个": "0", "亩": "0.0"}
DERIVED = ("vat", "cit")

Table = dict[str, tuple[Decimal, Decimal]]  # key -> (本期累计, 上年同期) in the written unit


def _unit(key: str) -> str:
    return next(unit for _, unit, k in ROWS if k == key and unit is not None)


def _table(series: ZoneSeries, year: int, month: int) -> Table:
    table: Table = {}
    for measure in series.measures:
        unit = _unit(measure)
        scale, step = TO_CANONICAL[unit], STEP[unit]
        current = q(series.ytd(measure, year, month) / scale, step)
        prior = q(series.comparable_prior(measure, year, month) / scale, step)
        table[measure] = (current, prior)
    return _with_tax_split(table, series)


def _with_tax_split(table: Table, series: ZoneSeries) -> Table:
    # Derived from the printed tax so the sub-items stay consistent with the total, also after a correction.
    tax_now, tax_prior = table["tax_revenue"]
    for key, share in (("vat", series.params.vat_share), ("cit", series.params.cit_share)):
        s = Decimal(str(round(share, 4)))
        table[key] = (q(tax_now * s), q(tax_prior * s))
    return table


def _superseded(table: Table, series: ZoneSeries, correction: Correction) -> Table:
    """The first, too-low vintage: the corrected figures are ``factor`` times these."""
    first = dict(table)
    for measure in correction.measures:
        current, prior = table[measure]
        first[measure] = (q(current / correction.factor, STEP[_unit(measure)]), prior)
    return _with_tax_split(first, series)


def _report(series: ZoneSeries, year: int, month: int, table: Table) -> ZoneReport:
    values: dict[str, ReportedValue] = {}
    for measure in series.measures:
        current, prior = table[measure]
        scale = TO_CANONICAL[_unit(measure)]
        values[measure] = ReportedValue(
            ytd=current * scale, prior=prior * scale, yoy=growth_pct(current, prior)
        )
    return ZoneReport(series.zone.code, "A", year, month, month, values)


def _render(path: Path, zone: Zone, year: int, month: int, table: Table) -> None:
    name, period = zone.ledger_name, period_label(month)
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet(SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    text = workbook.add_format({"border": 1})
    section = workbook.add_format({"bold": True, "border": 1})
    numbers = {
        unit: workbook.add_format({"num_format": fmt, "border": 1}) for unit, fmt in NUM_FORMAT.items()
    }
    pct = workbook.add_format({"num_format": "0.0", "border": 1})
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 4, 14)

    sheet.merge_range(0, 0, 0, 4, f"{name}{year}年{period}主要经济指标", title)
    sheet.write_string(1, 0, "单位：亿元")
    sheet.merge_range(2, 0, 3, 0, "指标名称", head)
    sheet.merge_range(2, 1, 3, 1, "计量单位", head)
    sheet.merge_range(2, 2, 2, 4, f"{year}年{period}", head)
    sheet.write_string(3, 2, f"{period}累计", head)
    sheet.write_string(3, 3, "上年同期", head)
    sheet.write_string(3, 4, "同比±%", head)

    row = 4
    for label, unit, key in ROWS:
        if key is None or unit is None:
            sheet.write_string(row, 0, label, section)
        else:
            current, prior = table[key]
            sheet.write_string(row, 0, label, text)
            sheet.write_string(row, 1, unit, text)
            sheet.write_number(row, 2, float(current), numbers[unit])
            sheet.write_number(row, 3, float(prior), numbers[unit])
            growth = growth_pct(current, prior)
            if growth is None:
                sheet.write_string(row, 4, DASH, text)
            else:
                sheet.write_number(row, 4, float(growth), pct)
        row += 1
    row += 1  # one empty row before the notes
    sheet.write_string(
        row, 0, "注：1.本表为快报数据，上年同期为同口径数。2.规上工业企业数、工业用地面积为期末数。"
    )
    sheet.write_string(row + 1, 0, f"填报单位：{name}经济发展局    填报人：王某    联系电话：{_phone(zone)}")
    workbook.close()


def _phone(zone: Zone) -> str:
    # A plausible local number: the zone's area code and seven digits derived from its code.
    return f"{zone.area_code}-8{zlib.crc32(zone.code.encode()) % 10_000_000:07d}"


def _file_name(name: str, year: int, month: int, corrected: bool = False) -> str:
    suffix = "（更正）" if corrected else ""
    return f"{name}{year}年{period_label(month)}主要经济指标{suffix}.xlsx"


def write_layout_a(
    series: list[ZoneSeries], months: list[tuple[int, int]], landing_dir: Path
) -> list[LedgerFile]:
    files: list[LedgerFile] = []
    for s in series:
        zone = s.zone
        for year, month in months:
            table = _table(s, year, month)
            submitted = submission_time(year, month, zone.submit_offset_min)
            correction = next(
                (c for c in CORRECTIONS if (c.zone_code, c.year, c.month) == (zone.code, year, month)), None
            )
            first = table if correction is None else _superseded(table, s, correction)
            path, rel = ledger_path(
                landing_dir, zone.sender_folder, _file_name(zone.ledger_name, year, month)
            )
            _render(path, zone, year, month, first)
            files.append(LedgerFile(path, rel, "A", submitted, [_report(s, year, month, first)]))
            if correction is not None:
                name = _file_name(zone.ledger_name, year, month, corrected=True)
                path, rel = ledger_path(landing_dir, zone.sender_folder, name)
                _render(path, zone, year, month, table)
                when = correction.submitted + timedelta(minutes=zone.submit_offset_min)
                files.append(LedgerFile(path, rel, "A", when, [_report(s, year, month, table)]))
    return files
