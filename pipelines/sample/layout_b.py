"""Layout B: one GBK CSV per month from the city (淮安市) with MONTHLY (当月) values of its provincial zones.

No YTD, no prior year, no growth: the warehouse must accumulate and compute nominal growth itself.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from pipelines.sample.ledger import LedgerFile, ReportedValue, ZoneReport, ledger_path
from pipelines.sample.periods import submission_time
from pipelines.sample.scenario import B_SENDER, B_SUBMIT_OFFSET_MIN, FLOW_MEASURES
from pipelines.sample.simulate import CENT, TENTH, ZoneSeries, q

HEADER = (
    "开发区名称,统计月份,工业总产值(当月),工业营业收入(当月),税收收入(当月),固定资产投资(当月),"
    "工业投资(当月),实际使用外资(当月),规上工业企业数(期末),工业用地面积(期末)"
)
COLUMNS: tuple[tuple[str, Decimal], ...] = (  # measure and the precision the CSV prints
    ("industrial_output_value", CENT),
    ("industrial_revenue", CENT),
    ("tax_revenue", CENT),
    ("fixed_asset_investment", CENT),
    ("industrial_investment", CENT),
    ("fdi_actual_usd", CENT),
    ("above_scale_firms", Decimal(1)),
    ("industrial_land", TENTH),
)


def write_layout_b(
    series: list[ZoneSeries], months: list[tuple[int, int]], landing_dir: Path, sender: str = B_SENDER
) -> list[LedgerFile]:
    """One CSV per month for the zones of ``sender`` (a city office; 淮安市 in the sample)."""
    files: list[LedgerFile] = []
    running: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)  # YTD of what has been written
    for year, month in months:
        stamp = f"{year}-{month:02d}"
        lines = [f"{sender}省级开发区主要经济指标（{year}年{month}月）", "单位：万元、万美元、个、亩", HEADER]
        totals = [Decimal(0)] * len(COLUMNS)
        reports: list[ZoneReport] = []
        for s in series:
            cells: list[str] = []
            values: dict[str, ReportedValue] = {}
            for i, (measure, step) in enumerate(COLUMNS):
                written = q(s.month_value(measure, year, month), step)
                totals[i] += written
                cells.append(str(written))
                if measure in FLOW_MEASURES:
                    running[(s.zone.code, year, measure)] += written
                    values[measure] = ReportedValue(ytd=running[(s.zone.code, year, measure)], period=written)
                else:
                    values[measure] = ReportedValue(ytd=written)
            lines.append(",".join([s.zone.ledger_name, stamp, *cells]))
            reports.append(ZoneReport(s.zone.code, "B", year, month, month, values))
        lines.append(",".join(["合计", stamp, *(str(t) for t in totals)]))

        path, rel = ledger_path(landing_dir, sender, f"{sender}省级开发区{year}年{month}月主要指标.csv")
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
        files.append(LedgerFile(path, rel, "B", submission_time(year, month, B_SUBMIT_OFFSET_MIN), reports))
    return files
