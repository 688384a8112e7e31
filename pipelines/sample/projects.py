"""Project ledgers (招商引资及重点项目台账 / 项目库): a month-end snapshot per zone and month, plus the truth.

Entry point: :func:`generate_projects`. The projects themselves are simulated in
:mod:`pipelines.sample.projects_sim`; this module decides what each snapshot shows and writes it.

A snapshot of month N lists every project of the zone that has reached 洽谈 by the end of month N and was not
closed (dropped, or in production) before 1 January of that year, with the stages reached by then and its
status (active / stalled / dropped) at that date. Projects closed in a year stay listed until the year ends.

P1 (xlsx, 万元 / 亩, real Excel dates): 上饶, 广元, 合肥, 淮安经开区, 淮安高新区.
P2 (CSV in GBK, 亿元 / 公顷 / 万元, dates as text, no key-project flag): the other eight zones.

Truth (``truth_dir``): ``project_snapshots.csv`` (what a correct reader finds, canonical units),
``project_events.csv`` (one row per project and stage reached within the generated months) and
``project_totals.csv`` (counts and Σ agreed investment per zone, year and stage).
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pipelines.lake_schema import PROJECT_SNAPSHOTS
from pipelines.sample.ledger import ledger_path, new_workbook
from pipelines.sample.periods import month_range
from pipelines.sample.projects_sim import (
    EVENT_STAGES,
    PROJECT_LAYOUTS,
    STAGES,
    Project,
    ZoneProjects,
    month_end,
    simulate_projects,
    submission_offset,
)
from pipelines.sample.scenario import ZONE_BY_CODE, ZONES, Zone

P1_SHEET = "项目台账"
P1_HEADER = (
    "序号", "项目编号", "项目名称", "投资方", "行业代码", "是否外资", "协议投资额", "其中外资(万美元)", "项目状态",
    "洽谈日期", "签约日期", "开工日期", "竣工日期", "投产日期", "盘活日期", "用地面积", "年度计划投资",
    "本年完成投资", "到位资金", "预计年产值", "是否重点项目",
)  # fmt: skip
P1_FIRST_LINE = 4  # sheet row of the first project
P1_NOTE = "注：项目状态分在建、停滞、终止；日期为各阶段实际日期；本年完成投资为1月至本月累计。"
P2_HEADER = (
    "快照月份", "园区", "项目代码", "项目名称", "投资主体", "国民经济行业代码", "外资项目", "总投资(亿元)",
    "外资金额(万美元)", "状态", "洽谈", "签约", "开工", "竣工", "投产", "盘活", "占地(公顷)", "年度计划(万元)",
    "1-N月完成投资(万元)", "累计到位资金(万元)", "预计年产值(亿元)",
)  # fmt: skip
P2_FIRST_LINE = 2
P1_STATUS = {"active": "在建", "stalled": "停滞", "dropped": "终止"}
P2_STATUS = {"active": "正常推进", "stalled": "停滞", "dropped": "终止"}
DATE_FIELDS = ("negotiation_date", "signed_date", "started_date", "completed_date", "production_date")
STAGE_FIELD = {stage: f"{stage}_date" for stage in STAGES} | {"revived": "revived_date"}
YI = Decimal(10_000)
MU_PER_HA = Decimal(15)
SIX_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")

_names = PROJECT_SNAPSHOTS.names
SNAPSHOT_TRUTH_COLUMNS: tuple[str, ...] = (
    "zone_code",
    *_names[_names.index("zone_name_raw") + 1 :],
    "layout",
)
EVENT_COLUMNS = ("zone_code", "year", "month", "stage", "project_id", "total_investment")
TOTAL_COLUMNS = ("zone_code", "year", "stage", "projects", "total_investment")

BAD_ZONE, BAD_YEAR, BAD_MONTH, BAD_PROJECTS = "G321100", 2024, 3, 8
BAD_DATE_LINE = 5
BAD_UNIT_HEADER = "协议投资额(万英镑)"


@dataclass
class ProjectLedgerFile:
    path: Path
    relpath: str  # relative to the landing folder, POSIX separators
    layout: str  # P1 / P2
    submitted: datetime  # becomes the file's mtime
    zone_code: str
    year: int
    month: int
    rows: list[dict]  # PROJECT_SNAPSHOTS fields (canonical units, Python values) plus line


# --- what a snapshot shows -------------------------------------------------------------------------------


def listed(zp: ZoneProjects, year: int, month: int) -> list[Project]:
    """Projects in the zone's ledger at the end of the month, in id order."""
    end, first = month_end(year, month), date(year, 1, 1)
    rows = [p for p in zp.projects if p.entry <= end and (p.closed is None or p.closed >= first)]
    return sorted(rows, key=lambda p: p.project_id)


def snapshot_row(zp: ZoneProjects, p: Project, year: int, month: int) -> dict:
    """One project at the end of a month, in canonical units, exactly as the ledger prints it."""
    end = month_end(year, month)
    row: dict = {
        "zone_code": zp.zone.code,
        "year": year,
        "month": month,
        "project_id": p.project_id,
        "project_name": p.name,
        "investor": p.investor,
        "industry_code": p.industry_code,
        "is_foreign": p.is_foreign,
        "total_investment": p.total_investment,
        "foreign_investment_usd": p.foreign_usd if p.is_foreign else None,
        "status": p.status(end),
    }
    for stage, name in STAGE_FIELD.items():
        row[name] = p.stage_date(stage, end)
    row["land_mu"] = p.land_mu
    started, completed = row["started_date"], p.first("completed")
    building_year = started is not None and (completed is None or completed >= date(year, 1, 1))
    row["annual_plan_investment"] = p.plan[year] if building_year else None
    row["investment_completed_ytd"] = (
        sum((v for (y, m), v in p.spend.items() if y == year and m <= month), Decimal(0))
        if building_year
        else None
    )
    if row["signed_date"] is not None:
        done = sum((v for (y, m), v in p.spend.items() if (y, m) <= (year, month)), Decimal(0))
        funds = _q(p.total_investment * Decimal(str(p.deposit_share))) + _q(
            done * Decimal(str(p.funds_ratio))
        )
        row["funds_in_place"] = min(p.total_investment, funds)
    else:
        row["funds_in_place"] = None
    row["expected_annual_output"] = p.expected_output
    row["is_key_project"] = zp.layout == "P1" and p.key_project and started is not None
    row["layout"] = zp.layout
    return row


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- P1: xlsx ----------------------------------------------------------------------------------------------


def p1_title(ledger_name: str) -> str:
    return f"{ledger_name}招商引资及重点项目台账"


def p1_file_name(ledger_name: str, year: int, month: int) -> str:
    return f"{p1_title(ledger_name)}（{year}年{month}月）.xlsx"


def p2_file_name(ledger_name: str, year: int, month: int) -> str:
    return f"{ledger_name}_项目库_{year}{month:02d}.csv"


def render_p1(
    path: Path, ledger_name: str, year: int, month: int, rows: list[dict], header: tuple[str, ...] = P1_HEADER
) -> None:
    """Title (row 1), 截至…月末 with units (row 2), header (row 3), one project per row from row 4, a note."""
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet(P1_SHEET)
    title_fmt = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = workbook.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True}
    )
    integer = workbook.add_format({"num_format": "0"})
    two = workbook.add_format({"num_format": "0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 3, 32)
    sheet.set_column(4, 8, 10)
    sheet.set_column(9, 14, 11)
    sheet.set_column(15, 20, 12)
    sheet.merge_range(0, 0, 0, len(header) - 1, p1_title(ledger_name), title_fmt)
    sheet.write_string(1, 0, f"截至{year}年{month}月末\u3000金额单位：万元；用地：亩")
    for col, label in enumerate(header):
        sheet.write_string(2, col, label, head)
    sheet.freeze_panes(3, 3)
    for i, r in enumerate(rows):
        line = P1_FIRST_LINE - 1 + i  # 0-based sheet row
        sheet.write_number(line, 0, i + 1, integer)
        sheet.write_string(line, 1, r["project_id"])
        sheet.write_string(line, 2, r["project_name"])
        sheet.write_string(line, 3, r["investor"])
        sheet.write_string(line, 4, r["industry_code"])
        sheet.write_string(line, 5, "是" if r["is_foreign"] else "否")
        sheet.write_number(line, 6, float(r["total_investment"]), two)
        if r["foreign_investment_usd"] is not None:
            sheet.write_number(line, 7, float(r["foreign_investment_usd"]), two)
        sheet.write_string(line, 8, P1_STATUS[r["status"]])
        for col, name in enumerate((*DATE_FIELDS, "revived_date"), start=9):
            if r[name] is not None:
                sheet.write_datetime(line, col, datetime.combine(r[name], time()), day)
        for col, name in enumerate(
            ("land_mu", "annual_plan_investment", "investment_completed_ytd", "funds_in_place",
             "expected_annual_output"),
            start=15,
        ):  # fmt: skip
            if r[name] is not None:
                sheet.write_number(line, col, float(r[name]), two)
        sheet.write_string(line, 20, "是" if r["is_key_project"] else "否")
    sheet.write_string(P1_FIRST_LINE + len(rows), 0, P1_NOTE)
    workbook.close()


# --- P2: CSV (GBK) -----------------------------------------------------------------------------------------


def _text(value: Decimal | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def render_p2(path: Path, ledger_name: str, year: int, month: int, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(P2_HEADER)
    stamp = f"{year}-{month:02d}"
    for r in rows:
        land = r["land_mu"]
        writer.writerow(
            (
                stamp, ledger_name, r["project_id"], r["project_name"], r["investor"], r["industry_code"],
                "Y" if r["is_foreign"] else "N", _text(r["total_investment"] / YI, 4),
                _text(r["foreign_investment_usd"], 2), P2_STATUS[r["status"]],
                *("" if r[name] is None else r[name].isoformat() for name in (*DATE_FIELDS, "revived_date")),
                _text(None if land is None else land / MU_PER_HA, 4), _text(r["annual_plan_investment"], 2),
                _text(r["investment_completed_ytd"], 2), _text(r["funds_in_place"], 2),
                _text(r["expected_annual_output"] / YI, 4),
            )
        )  # fmt: skip
    path.write_bytes(buffer.getvalue().encode("gbk"))


# --- files, mtimes, truth ----------------------------------------------------------------------------------


def project_submission_time(zone_code: str, year: int, month: int, zone: Zone | None = None) -> datetime:
    """The 9th of the next month at 10:00 local time, plus the zone's habit (minutes)."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    habit = submission_offset(zone or ZONE_BY_CODE[zone_code])
    return datetime(year, month, 9, 10, 0) + timedelta(minutes=habit)


def write_zone_ledgers(
    zp: ZoneProjects, months: list[tuple[int, int]], landing_dir: Path
) -> list[ProjectLedgerFile]:
    files: list[ProjectLedgerFile] = []
    name = zp.zone.ledger_name
    for year, month in months:
        rows = [snapshot_row(zp, p, year, month) for p in listed(zp, year, month)]
        first = P1_FIRST_LINE if zp.layout == "P1" else P2_FIRST_LINE
        for i, row in enumerate(rows):
            row["line"] = first + i
        if zp.layout == "P1":
            path, rel = ledger_path(landing_dir, name, p1_file_name(name, year, month))
            render_p1(path, name, year, month, rows)
        else:
            path, rel = ledger_path(landing_dir, name, p2_file_name(name, year, month))
            render_p2(path, name, year, month, rows)
        submitted = project_submission_time(zp.zone.code, year, month, zp.zone)
        stamp = submitted.timestamp()  # naive datetime = local time, as a sender's PC would stamp it
        os.utime(path, (stamp, stamp))
        files.append(ProjectLedgerFile(path, rel, zp.layout, submitted, zp.zone.code, year, month, rows))
    return files


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP):f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def snapshot_truth_rows(files: list[ProjectLedgerFile]) -> list[dict[str, str]]:
    return [{c: _fmt(r[c]) for c in SNAPSHOT_TRUTH_COLUMNS} for f in files for r in f.rows]


def event_rows(zones: list[ZoneProjects], months: list[tuple[int, int]]) -> list[dict[str, str]]:
    """Each stage a project reached within the generated months, dated by the stage date's month."""
    inside = set(months)
    order = {stage: i for i, stage in enumerate(EVENT_STAGES)}
    rows: list[tuple] = []
    for zp in zones:
        for p in zp.projects:
            for stage in EVENT_STAGES:
                d = p.first(stage)
                if d is not None and (d.year, d.month) in inside:
                    rows.append(
                        (zp.zone.code, d.year, d.month, order[stage], stage, p.project_id, p.total_investment)
                    )
    zone_order = {z.code: i for i, z in enumerate(ZONES)}
    rows.sort(key=lambda t: (zone_order[t[0]], t[1], t[2], t[3], t[5]))
    return [
        {
            "zone_code": z,
            "year": str(y),
            "month": str(m),
            "stage": s,
            "project_id": pid,
            "total_investment": _fmt(amount),
        }
        for z, y, m, _, s, pid, amount in rows
    ]


def total_rows(zones: list[ZoneProjects], months: list[tuple[int, int]]) -> list[dict[str, str]]:
    """Projects reaching each stage and their Σ agreed investment, per zone and year (generated months only)."""
    inside = set(months)
    years = sorted({y for y, _ in months})
    rows: list[dict[str, str]] = []
    for zp in zones:
        count: dict[tuple[int, str], int] = defaultdict(int)
        amount: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for p in zp.projects:
            for stage in EVENT_STAGES:
                d = p.first(stage)
                if d is not None and (d.year, d.month) in inside:
                    count[(d.year, stage)] += 1
                    amount[(d.year, stage)] += p.total_investment
        for year in years:
            for stage in EVENT_STAGES:
                rows.append(
                    {
                        "zone_code": zp.zone.code,
                        "year": str(year),
                        "stage": stage,
                        "projects": str(count[(year, stage)]),
                        "total_investment": _fmt(amount[(year, stage)]),
                    }
                )
    return rows


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]], stamp: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.utime(path, (stamp, stamp))
    return path


def generate_projects(
    landing_dir: Path, truth_dir: Path, start: str = "2023-01", end: str = "2024-12"
) -> dict[str, int]:
    """Write every zone's monthly project-ledger snapshots for ``start``..``end`` and their truth.

    Returns the number of files per layout (``{"P1": …, "P2": …}``). Deterministic: the same arguments give
    byte-identical files with identical mtimes.
    """
    landing_dir, truth_dir = Path(landing_dir), Path(truth_dir)
    months = month_range(start, end)
    zones = [simulate_projects(z.code, months[-1][0]) for z in ZONES]
    files: list[ProjectLedgerFile] = []
    for zp in zones:
        files.extend(write_zone_ledgers(zp, months, landing_dir))
    last = max(f.submitted for f in files).timestamp()
    _write_csv(truth_dir / "project_snapshots.csv", SNAPSHOT_TRUTH_COLUMNS, snapshot_truth_rows(files), last)
    _write_csv(truth_dir / "project_events.csv", EVENT_COLUMNS, event_rows(zones, months), last)
    _write_csv(truth_dir / "project_totals.csv", TOTAL_COLUMNS, total_rows(zones, months), last)
    return {layout: sum(f.layout == layout for f in files) for layout in PROJECT_LAYOUTS}


# --- broken ledgers for reader tests -----------------------------------------------------------------------


def _bad_rows() -> list[dict]:
    """Eight started projects of 淮安经开区 as its 2024年3月 ledger lists them."""
    zp = simulate_projects(BAD_ZONE, BAD_YEAR)
    rows = [snapshot_row(zp, p, BAD_YEAR, BAD_MONTH) for p in listed(zp, BAD_YEAR, BAD_MONTH)]
    return [r for r in rows if r["started_date"] is not None][:BAD_PROJECTS]


def write_bad_project_ledger(path: Path) -> list[dict]:
    """A P1 ledger of 淮安经开区 2024年3月 with 8 projects; on row 5 the 开工日期 is before the 签约日期.

    Returns the expected errors: [{"line": 5, "field": "开工日期"}]. Every other row and cell is valid.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = _bad_rows()
    bad = rows[BAD_DATE_LINE - P1_FIRST_LINE]
    bad["started_date"] = bad["signed_date"] - timedelta(days=20)
    render_p1(path, ZONE_BY_CODE[BAD_ZONE].ledger_name, BAD_YEAR, BAD_MONTH, rows)
    return [{"line": BAD_DATE_LINE, "field": "开工日期"}]


def write_bad_unit_project_ledger(path: Path) -> list[dict]:
    """The same 8 projects (all valid) under a header ``协议投资额(万英镑)``: a unit no reader may take as 万元.

    Returns one expected error per data row (lines 4–11), field ``协议投资额(万英镑)``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = _bad_rows()
    header = tuple(BAD_UNIT_HEADER if h == "协议投资额" else h for h in P1_HEADER)
    render_p1(path, ZONE_BY_CODE[BAD_ZONE].ledger_name, BAD_YEAR, BAD_MONTH, rows, header)
    return [{"line": P1_FIRST_LINE + i, "field": BAD_UNIT_HEADER} for i in range(len(rows))]
