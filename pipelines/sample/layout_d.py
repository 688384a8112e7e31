"""Layout D: per-zone xlsx where every cell is text, as typed by hand: thousands separators, some
full-width digits, stray spaces, growth as ``12.5%`` or ``1.6倍``, and ``—`` for missing figures."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
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
from pipelines.sample.simulate import CENT, TENTH, ZoneSeries, q

HEADER = (
    "园区名称", "统计期", "工业总产值（万元）", "工业营业收入（万元）", "营收增速", "税收收入（万元）", "税收增速",
    "固定资产投资（万元）", "固投增速", "工业投资（万元）", "实际使用外资（万美元）", "规上工业企业数（个）",
    "工业用地（亩）",
)  # fmt: skip
# Columns after the name and period: a measure's value, or ("growth", measure) for its 增速 cell.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("value", "industrial_output_value"),
    ("value", "industrial_revenue"),
    ("growth", "industrial_revenue"),
    ("value", "tax_revenue"),
    ("growth", "tax_revenue"),
    ("value", "fixed_asset_investment"),
    ("growth", "fixed_asset_investment"),
    ("value", "industrial_investment"),
    ("value", "fdi_actual_usd"),
    ("value", "above_scale_firms"),
    ("value", "industrial_land"),
)
STEP = {"above_scale_firms": Decimal(1), "industrial_land": TENTH}  # others: 2 decimals
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
TIMES_THRESHOLD = Decimal("1.5")  # from this ratio on, growth is written as N倍


def _text(value: Decimal, step: Decimal) -> str:
    return f"{value:,.0f}" if step == 1 else f"{value:,.{-step.as_tuple().exponent}f}"


def _messy(text: str, r: random.Random) -> str:
    """About a third of value cells typed with full-width digits; some carry stray spaces."""
    if r.random() < 1 / 3:
        text = text.translate(FULL_WIDTH)
    roll = r.random()
    if roll < 0.08:
        return f" {text}"
    if roll < 0.16:
        return f"{text}  "
    return text


def _growth(current: Decimal, prior: Decimal) -> tuple[str, Decimal | None]:
    """The growth cell and the yoy % it means."""
    if prior <= 0:
        return DASH, None
    ratio = current / prior
    if ratio >= TIMES_THRESHOLD:
        times = ratio.quantize(TENTH, rounding=ROUND_HALF_UP)
        return f"{times}倍", (times - 1) * 100
    pct = growth_pct(current, prior)
    assert pct is not None
    return f"{pct}%", pct


def write_layout_d(
    series: list[ZoneSeries], months: list[tuple[int, int]], landing_dir: Path
) -> list[LedgerFile]:
    files: list[LedgerFile] = []
    for s in series:
        zone = s.zone
        for year, month in months:
            r = random.Random(f"{zone.code}|{year}|{month}|layout-d")
            written: dict[str, Decimal] = {}
            values: dict[str, ReportedValue] = {}
            cells = [zone.ledger_name, f"{year}年{period_label(month)}"]
            for kind, measure in COLUMNS:
                if measure not in s.values:
                    cells.append(DASH)
                    continue
                step = STEP.get(measure, CENT)
                if kind == "value":
                    written[measure] = q(s.ytd(measure, year, month), step)
                    values[measure] = ReportedValue(ytd=written[measure])
                    cells.append(_messy(_text(written[measure], step), r))
                else:
                    text, yoy = _growth(written[measure], q(s.comparable_prior(measure, year, month), step))
                    values[measure] = ReportedValue(ytd=written[measure], yoy=yoy)
                    cells.append(text)

            name = f"{zone.ledger_name}月度经济指标统计表{year}{month:02d}.xlsx"
            path, rel = ledger_path(landing_dir, zone.sender_folder, name)
            workbook = new_workbook(path)
            sheet = workbook.add_worksheet("报表")
            sheet.set_column(0, 0, 16)
            sheet.set_column(1, len(HEADER) - 1, 14)
            sheet.write_string(0, 0, f"{zone.ledger_name}月度经济指标统计表")
            for col, text in enumerate(HEADER):
                sheet.write_string(1, col, text)
            for col, text in enumerate(cells):
                sheet.write_string(2, col, text)
            sheet.write_string(3, 0, "注：增速为同口径增速。")
            workbook.close()

            report = ZoneReport(zone.code, "D", year, month, month, values)
            files.append(
                LedgerFile(path, rel, "D", submission_time(year, month, zone.submit_offset_min), [report])
            )
    return files
