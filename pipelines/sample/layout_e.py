"""Enterprise ledgers (工业企业亩均效益监测台账): one file per zone and month, January alone, YTD values.

E1: xlsx in 万元 / 亩 / 万千瓦时 with a title, a unit line, one header row, one row per firm and a note.
E2: UTF-8 (BOM) CSV in 千元 with thousands separators, land in 平方米, electricity in kWh; no title, no total.

Each writer rounds the simulated figures to what it prints and returns :class:`FirmLedgerFile` objects
whose rows hold exactly the printed numbers converted to canonical units (the ground truth).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pipelines.sample.firms import Firm, FirmMonth, FirmPanel
from pipelines.sample.ledger import ledger_path, new_workbook
from pipelines.sample.periods import period_label, submission_time
from pipelines.sample.scenario import B_SUBMIT_OFFSET_MIN, FIRM_SUBMIT_DELAY_MIN, Zone

E1_SHEET = "企业台账"
E1_UNIT_LINE = "金额单位：万元；用地：亩；能耗：吨标准煤；用电：万千瓦时；排放：吨"
E1_HEADER = (
    "序号", "统一社会信用代码", "企业名称", "行业代码", "是否规上", "用地性质", "用地面积", "投产年限",
    "营业收入", "实缴税金", "工业增加值", "综合能耗", "用电量", "排放当量", "从业人员", "研发经费",
)  # fmt: skip
E1_FIRST_LINE = 4  # sheet row of the first firm
E2_FIRST_LINE = 2  # CSV line of the first firm
E1_NOTE = "注：数据来源于税务、电力、统计部门及企业填报。"
E2_HEADER = (
    "统计期,园区,信用代码,单位名称,国民经济行业,规模,自有土地面积(平方米),是否租赁,投产年限(年),"
    "营业收入(千元),税金(千元),增加值(千元),能耗(吨标煤),用电(千瓦时),排放当量(吨),平均从业人数,研发投入(千元)"
)

ONE = Decimal(1)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
WAN = Decimal(10_000)
MU_PER_M2 = Decimal("0.0015")  # 1 亩 = 666.67 m²; the ledger's m² convert back at exactly 0.0015 亩


def q(value: float | Decimal, step: Decimal) -> Decimal:
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FirmRow:
    """One firm in one ledger, as a correct reader must find it, in canonical units (万元, 亩, kWh, ...)."""

    zone_code: str
    layout: str
    year: int
    month: int
    line: int  # 1-based row in the sheet / line in the CSV
    uscc: str
    firm_name: str
    industry_code: str
    above_scale: bool
    own_land: bool
    land_mu: Decimal
    years_in_production: int
    revenue: Decimal
    tax: Decimal
    value_added: Decimal
    energy_tce: Decimal
    electricity_kwh: Decimal
    emissions_t: Decimal
    employees: int
    rd_spend: Decimal


@dataclass
class FirmLedgerFile:
    path: Path
    relpath: str  # relative to the landing folder, POSIX separators
    layout: str
    submitted: datetime  # becomes the file's mtime
    zone_code: str
    year: int
    month: int
    rows: list[FirmRow] = field(default_factory=list)


@dataclass(frozen=True)
class WrittenFirm:
    """One firm as the ledger prints it, in the ledger's own units (E1: 万元/亩/万千瓦时; E2: 千元/m²/kWh)."""

    uscc: str
    name: str
    industry_code: str
    above_scale: bool
    own_land: bool
    land: Decimal
    years: int
    revenue: Decimal
    tax: Decimal
    value_added: Decimal
    energy: Decimal
    electricity: Decimal
    emissions: Decimal
    employees: int
    rd: Decimal


def written_e1(firm: Firm, year: int, v: FirmMonth) -> WrittenFirm:
    return WrittenFirm(
        uscc=firm.uscc,
        name=firm.name,
        industry_code=firm.industry_code,
        above_scale=firm.above_scale,
        own_land=firm.own_land,
        land=q(firm.land_mu, CENT) if firm.own_land else Decimal("0.00"),
        years=firm.years_in_production(year),
        revenue=q(v.revenue, CENT),
        tax=q(v.tax, CENT),
        value_added=q(v.value_added, CENT),
        energy=q(v.energy_tce, CENT),
        electricity=q(v.electricity_kwh / 10_000, CENT),
        emissions=q(v.emissions_t, MILLI),
        employees=v.employees,
        rd=q(v.rd_spend, CENT),
    )


def written_e2(firm: Firm, year: int, v: FirmMonth) -> WrittenFirm:
    return WrittenFirm(
        uscc=firm.uscc,
        name=firm.name,
        industry_code=firm.industry_code,
        above_scale=firm.above_scale,
        own_land=firm.own_land,
        land=q(Decimal(str(firm.land_mu)) / MU_PER_M2, ONE) if firm.own_land else Decimal(0),
        years=firm.years_in_production(year),
        revenue=q(v.revenue * 10, TENTH),
        tax=q(v.tax * 10, TENTH),
        value_added=q(v.value_added * 10, TENTH),
        energy=q(v.energy_tce, CENT),
        electricity=q(v.electricity_kwh, ONE),
        emissions=q(v.emissions_t, MILLI),
        employees=v.employees,
        rd=q(v.rd_spend * 10, TENTH),
    )


def canonical(w: WrittenFirm, layout: str, zone_code: str, year: int, month: int, line: int) -> FirmRow:
    """The written figures in canonical units, exactly (Decimal)."""
    if layout == "E1":
        money, land, kwh = ONE, w.land, w.electricity * WAN
    else:
        money, land, kwh = TENTH, w.land * MU_PER_M2, w.electricity
    return FirmRow(
        zone_code=zone_code,
        layout=layout,
        year=year,
        month=month,
        line=line,
        uscc=w.uscc,
        firm_name=w.name,
        industry_code=w.industry_code,
        above_scale=w.above_scale,
        own_land=w.own_land,
        land_mu=land,
        years_in_production=w.years,
        revenue=w.revenue * money,
        tax=w.tax * money,
        value_added=w.value_added * money,
        energy_tce=w.energy,
        electricity_kwh=kwh,
        emissions_t=w.emissions,
        employees=w.employees,
        rd_spend=w.rd * money,
    )


def e1_title(ledger_name: str, year: int, month: int) -> str:
    return f"{ledger_name}{year}年{period_label(month)}工业企业亩均效益监测台账"


def e1_file_name(ledger_name: str, year: int, month: int) -> str:
    return f"{e1_title(ledger_name, year, month)}.xlsx"


def e2_file_name(ledger_name: str, year: int, month: int) -> str:
    return f"{ledger_name}_企业效益数据_{year}{month:02d}.csv"


def render_e1(path: Path, title: str, firms: list[WrittenFirm]) -> None:
    """Write an E1 workbook: title (row 1), unit line (row 2), header (row 3), firms from row 4, a note."""
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet(E1_SHEET)
    title_fmt = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = workbook.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True}
    )
    text = workbook.add_format({"border": 1})
    integer = workbook.add_format({"border": 1, "num_format": "0"})
    two = workbook.add_format({"border": 1, "num_format": "0.00"})
    three = workbook.add_format({"border": 1, "num_format": "0.000"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 34)
    sheet.set_column(3, 7, 9)
    sheet.set_column(8, 15, 12)

    sheet.merge_range(0, 0, 0, len(E1_HEADER) - 1, title, title_fmt)
    sheet.write_string(1, 0, E1_UNIT_LINE)
    for col, label in enumerate(E1_HEADER):
        sheet.write_string(2, col, label, head)
    sheet.freeze_panes(3, 3)
    for i, w in enumerate(firms):
        row = 3 + i
        sheet.write_number(row, 0, i + 1, integer)
        sheet.write_string(row, 1, w.uscc, text)
        sheet.write_string(row, 2, w.name, text)
        sheet.write_string(row, 3, w.industry_code, text)
        sheet.write_string(row, 4, "是" if w.above_scale else "否", text)
        sheet.write_string(row, 5, "自有" if w.own_land else "租赁", text)
        sheet.write_number(row, 6, float(w.land), two)
        sheet.write_number(row, 7, w.years, integer)
        for col, value in (
            (8, w.revenue),
            (9, w.tax),
            (10, w.value_added),
            (11, w.energy),
            (12, w.electricity),
        ):
            sheet.write_number(row, col, float(value), two)
        sheet.write_number(row, 13, float(w.emissions), three)
        sheet.write_number(row, 14, w.employees, integer)
        sheet.write_number(row, 15, float(w.rd), two)
    sheet.write_string(3 + len(firms) + 1, 0, E1_NOTE)
    workbook.close()


def _money(value: Decimal) -> str:
    return f'"{value:,.1f}"'


def render_e2(path: Path, ledger_name: str, year: int, month: int, firms: list[WrittenFirm]) -> None:
    stamp = f"{year}-{month:02d}"
    lines = [E2_HEADER]
    for w in firms:
        cells = (
            stamp, ledger_name, w.uscc, w.name, w.industry_code, "规上" if w.above_scale else "规下",
            f"{w.land:f}", "否" if w.own_land else "是", str(w.years), _money(w.revenue), _money(w.tax),
            _money(w.value_added), f"{w.energy:.2f}", f"{w.electricity:f}", f"{w.emissions:.3f}",
            str(w.employees), _money(w.rd),
        )  # fmt: skip
        lines.append(",".join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def firm_submission_time(zone: Zone, year: int, month: int) -> datetime:
    """On the 8th of the next month, a little after the zone's own ledger (or the city CSV for layout B)."""
    zone_offset = B_SUBMIT_OFFSET_MIN if zone.layout == "B" else zone.submit_offset_min
    habit = zlib.crc32(f"{zone.code}|firms".encode()) % 20
    return submission_time(year, month, zone_offset) + timedelta(minutes=FIRM_SUBMIT_DELAY_MIN + habit)


def write_layout_e(
    panels: list[FirmPanel], months: list[tuple[int, int]], landing_dir: Path
) -> list[FirmLedgerFile]:
    files: list[FirmLedgerFile] = []
    for panel in panels:
        zone, layout = panel.series.zone, panel.profile.layout
        written = written_e1 if layout == "E1" else written_e2
        first_line = E1_FIRST_LINE if layout == "E1" else E2_FIRST_LINE
        for year, month in months:
            firms = [written(f, year, panel.values[(f.uscc, year, month)]) for f in panel.listed(year)]
            if layout == "E1":
                name = e1_file_name(zone.ledger_name, year, month)
            else:
                name = e2_file_name(zone.ledger_name, year, month)
            path, rel = ledger_path(landing_dir, zone.ledger_name, name)
            if layout == "E1":
                render_e1(path, e1_title(zone.ledger_name, year, month), firms)
            else:
                render_e2(path, zone.ledger_name, year, month, firms)
            rows = [canonical(w, layout, zone.code, year, month, first_line + i) for i, w in enumerate(firms)]
            files.append(
                FirmLedgerFile(
                    path, rel, layout, firm_submission_time(zone, year, month), zone.code, year, month, rows
                )
            )
    return files


# --- ground truth ----------------------------------------------------------------------------------

FIRM_TRUTH_COLUMNS = (
    "zone_code", "layout", "year", "month", "uscc", "firm_name", "industry_code", "above_scale", "own_land",
    "land_mu", "years_in_production", "revenue", "tax", "value_added", "energy_tce", "electricity_kwh",
    "emissions_t", "employees", "rd_spend",
)  # fmt: skip
SIX_PLACES = Decimal("0.000001")


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP):f}"


def firm_truth_rows(files: list[FirmLedgerFile]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for file in files:
        for r in file.rows:
            rows.append(
                {
                    "zone_code": r.zone_code,
                    "layout": r.layout,
                    "year": str(r.year),
                    "month": str(r.month),
                    "uscc": r.uscc,
                    "firm_name": r.firm_name,
                    "industry_code": r.industry_code,
                    "above_scale": "true" if r.above_scale else "false",
                    "own_land": "true" if r.own_land else "false",
                    "land_mu": _fmt(r.land_mu),
                    "years_in_production": str(r.years_in_production),
                    "revenue": _fmt(r.revenue),
                    "tax": _fmt(r.tax),
                    "value_added": _fmt(r.value_added),
                    "energy_tce": _fmt(r.energy_tce),
                    "electricity_kwh": _fmt(r.electricity_kwh),
                    "emissions_t": _fmt(r.emissions_t),
                    "employees": str(r.employees),
                    "rd_spend": _fmt(r.rd_spend),
                }
            )
    return rows
