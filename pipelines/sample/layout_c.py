"""Layout C: per-zone xlsx in 万元, 本月 + 本年累计 + 同比, land in 公顷; January is folded into 1-2月."""

from __future__ import annotations

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
from pipelines.sample.periods import submission_time
from pipelines.sample.scenario import STOCK_MEASURES
from pipelines.sample.simulate import CENT, ZoneSeries, q

MU_PER_HECTARE = Decimal(15)
# (序号, label, unit, measure)
ROWS: tuple[tuple[int, str, str, str], ...] = (
    (1, "工业总产值", "万元", "industrial_output_value"),
    (2, "工业营业收入", "万元", "industrial_revenue"),
    (3, "税收收入", "万元", "tax_revenue"),
    (4, "固定资产投资", "万元", "fixed_asset_investment"),
    (5, "其中：工业投资", "万元", "industrial_investment"),
    (6, "实际使用外资", "万美元", "fdi_actual_usd"),
    (7, "规上工业企业", "个", "above_scale_firms"),
    (8, "工业用地", "公顷", "industrial_land"),
)


def _written(series: ZoneSeries, measure: str, year: int, month: int, prior: bool = False) -> Decimal:
    """The figure as this layout prints it (land converted to hectares before rounding)."""
    value = series.comparable_prior(measure, year, month) if prior else series.ytd(measure, year, month)
    if measure == "industrial_land":
        return q(value / MU_PER_HECTARE, CENT)
    if measure == "above_scale_firms":
        return value
    return q(value, CENT)


def _render(
    path: Path,
    name: str,
    year: int,
    month: int,
    rows: list[tuple[int, str, str, Decimal, Decimal, Decimal | None]],
) -> None:
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Sheet1")
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = workbook.add_format({"bold": True, "align": "center", "border": 1, "bg_color": "#DDEBF7"})
    cell = workbook.add_format({"border": 1})
    money = workbook.add_format({"border": 1, "num_format": "#,##0.00"})
    count = workbook.add_format({"border": 1, "num_format": "0"})
    pct = workbook.add_format({"border": 1, "num_format": "0.0"})
    sheet.set_column(1, 1, 18)
    sheet.set_column(3, 5, 16)

    sheet.merge_range(0, 0, 0, 5, f"{name}经济运行情况表", title)
    sheet.write_string(1, 0, f"填报期间：{year}年1-{month}月")
    for col, text in enumerate(("序号", "指标名称", "计量单位", "本月", "本年累计", "同比增长(%)")):
        sheet.write_string(2, col, text, head)
    for r, (seq, label, unit, this_period, ytd, growth) in enumerate(rows, start=3):
        number = count if unit == "个" else money
        sheet.write_number(r, 0, seq, cell)
        sheet.write_string(r, 1, label, cell)
        sheet.write_string(r, 2, unit, cell)
        sheet.write_number(r, 3, float(this_period), number)
        sheet.write_number(r, 4, float(ytd), number)
        if growth is None:
            sheet.write_string(r, 5, DASH, cell)
        else:
            sheet.write_number(r, 5, float(growth), pct)
    sheet.write_string(3 + len(rows) + 1, 0, "说明：工业用地单位为公顷，其他金额单位为万元。")
    workbook.close()


def write_layout_c(
    series: list[ZoneSeries], months: list[tuple[int, int]], landing_dir: Path
) -> list[LedgerFile]:
    files: list[LedgerFile] = []
    for s in series:
        zone = s.zone
        for year, month in months:
            if month == 1:
                continue  # these zones report January together with February
            rows = []
            values: dict[str, ReportedValue] = {}
            for seq, label, unit, measure in ROWS:
                ytd = _written(s, measure, year, month)
                if measure in STOCK_MEASURES:
                    this_period = ytd
                else:
                    # 本月 is the difference of printed YTDs (1-2月: the YTD), so the two columns always agree.
                    this_period = ytd - (_written(s, measure, year, month - 1) if month > 2 else Decimal(0))
                growth = growth_pct(ytd, _written(s, measure, year, month, prior=True))
                rows.append((seq, label, unit, this_period, ytd, growth))
                canonical = ytd * MU_PER_HECTARE if measure == "industrial_land" else ytd
                values[measure] = ReportedValue(ytd=canonical, yoy=growth)
            name = f"{zone.ledger_name}经济运行情况表（{year}年1-{month}月）.xlsx"
            path, rel = ledger_path(landing_dir, zone.sender_folder, name)
            _render(path, zone.ledger_name, year, month, rows)
            report = ZoneReport(zone.code, "C", year, month, 1 if month == 2 else month, values)
            files.append(
                LedgerFile(path, rel, "C", submission_time(year, month, zone.submit_offset_min), [report])
            )
    return files
