"""A tiny hand-made project lake (招商引资及重点项目台账 snapshots) for tests/test_dbt_projects.py.

The zone tables, registry and zone ledgers come from tests/dbt_fixtures.build_lake (zones G321001, S361002,
G361003, S511004); this module adds project snapshots, targets and project settings.

Snapshots (one file per zone and month, "as at month end"; a stage date is shown from the month it falls in):
  G321001 (Z1, national, 江苏, east)    2023-11 .. 2024-12 (14 months, across the year boundary)
      P1  3891 industrial, key, 50,000 万元 on 100 亩; negotiation 2023-10, signed 2023-12, started 2024-03,
          completed 2024-10, production 2024-12 (listed in every snapshot)
      P2  2611 industrial, 20,000 on 80 亩; negotiation 2023-11, signed 2024-01, started 2024-02; stalled in
          2024-05..07, revived 2024-08
      P3  3011 industrial, 9,000 on 40 亩 (8,000 in the first vintage of 2024-02); negotiation 2024-01,
          signed 2024-02; dropped in the 2024-04 snapshot, not listed after it
      P4  3511 industrial, key, 30,000 on 50 亩; signed 2024-01, started 2024-02-25 — the first vintage of the
          2024-02 snapshot leaves the 开工 date out, the second vintage (a correction) adds it
      P5  7010 non-industrial, 15,000 on 20 亩; negotiation 2024-02, signed 2024-03, started 2024-06
      P6  3990 industrial, key, 100,000 on 150 亩; signed 2023-06 and started 2023-09, before the first snapshot
  S361002 (Z2, provincial, 江西, central)  2023-12 .. 2024-06
      P7  1391 key, 40,000 on 100 亩; signed 2023-12, started 2024-01, completed 2024-05
      P8  2929, 12,000 on 60 亩; negotiation 2024-02, signed 2024-03
      P9  5211 non-industrial, 5,000, no land; signed 2024-01, started 2024-04
      P10 3311, 6,000 on 30 亩; signed 2022-05, started 2022-08, stalled, revived 2024-02
  G361003 (Z3, national, 江西, central)  2024-01 .. 2024-03
      P11 3411 key, 25,000 on 50 亩; signed 2024-01, started 2024-03
      P12 3412, 25,000 on 100 亩; signed 2024-02
Key-project plans and 本年完成投资 (1-N月) are linear in the month, see KEY_PLANS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake_schema import PROJECT_SETTINGS, PROJECT_SNAPSHOTS, TARGETS
from tests.dbt_fixtures import Z1, Z2, Z3, build_lake

D = dt.date

SNAPSHOT_MONTHS = {
    Z1: [(2023, 11), (2023, 12)] + [(2024, m) for m in range(1, 13)],
    Z2: [(2023, 12)] + [(2024, m) for m in range(1, 7)],
    Z3: [(2024, m) for m in range(1, 4)],
}

# project_id: zone, industry, total_investment, land_mu, key, listed (first, last) month, stage dates
PROJECTS = {
    "P1": dict(
        zone=Z1,
        industry="3891",
        total=50000.0,
        land=100.0,
        key=True,
        listed=((2023, 11), (2024, 12)),
        dates=dict(
            negotiation=D(2023, 10, 15),
            signed=D(2023, 12, 5),
            started=D(2024, 3, 10),
            completed=D(2024, 10, 20),
            production=D(2024, 12, 1),
        ),
    ),
    "P2": dict(
        zone=Z1,
        industry="2611",
        total=20000.0,
        land=80.0,
        key=False,
        listed=((2023, 11), (2024, 12)),
        dates=dict(
            negotiation=D(2023, 11, 2), signed=D(2024, 1, 15), started=D(2024, 2, 20), revived=D(2024, 8, 10)
        ),
    ),
    "P3": dict(
        zone=Z1,
        industry="3011",
        total=9000.0,
        land=40.0,
        key=False,
        listed=((2024, 1), (2024, 4)),
        dates=dict(negotiation=D(2024, 1, 5), signed=D(2024, 2, 10)),
    ),
    "P4": dict(
        zone=Z1,
        industry="3511",
        total=30000.0,
        land=50.0,
        key=True,
        listed=((2024, 1), (2024, 12)),
        dates=dict(signed=D(2024, 1, 20), started=D(2024, 2, 25)),
    ),
    "P5": dict(
        zone=Z1,
        industry="7010",
        total=15000.0,
        land=20.0,
        key=False,
        listed=((2024, 2), (2024, 12)),
        dates=dict(negotiation=D(2024, 2, 1), signed=D(2024, 3, 1), started=D(2024, 6, 15)),
    ),
    "P6": dict(
        zone=Z1,
        industry="3990",
        total=100000.0,
        land=150.0,
        key=True,
        listed=((2023, 11), (2024, 12)),
        dates=dict(signed=D(2023, 6, 1), started=D(2023, 9, 1)),
    ),
    "P7": dict(
        zone=Z2,
        industry="1391",
        total=40000.0,
        land=100.0,
        key=True,
        listed=((2023, 12), (2024, 6)),
        dates=dict(signed=D(2023, 12, 10), started=D(2024, 1, 15), completed=D(2024, 5, 20)),
    ),
    "P8": dict(
        zone=Z2,
        industry="2929",
        total=12000.0,
        land=60.0,
        key=False,
        listed=((2024, 2), (2024, 6)),
        dates=dict(negotiation=D(2024, 2, 1), signed=D(2024, 3, 5)),
    ),
    "P9": dict(
        zone=Z2,
        industry="5211",
        total=5000.0,
        land=None,
        key=False,
        listed=((2024, 1), (2024, 6)),
        dates=dict(signed=D(2024, 1, 10), started=D(2024, 4, 1)),
    ),
    "P10": dict(
        zone=Z2,
        industry="3311",
        total=6000.0,
        land=30.0,
        key=False,
        listed=((2023, 12), (2024, 6)),
        dates=dict(signed=D(2022, 5, 1), started=D(2022, 8, 1), revived=D(2024, 2, 15)),
    ),
    "P11": dict(
        zone=Z3,
        industry="3411",
        total=25000.0,
        land=50.0,
        key=True,
        listed=((2024, 1), (2024, 3)),
        dates=dict(signed=D(2024, 1, 8), started=D(2024, 3, 1)),
    ),
    "P12": dict(
        zone=Z3,
        industry="3412",
        total=25000.0,
        land=100.0,
        key=False,
        listed=((2024, 2), (2024, 3)),
        dates=dict(signed=D(2024, 2, 1)),
    ),
}

# 年度计划投资 per (project, year) and 本年完成投资 per month of that year (× month)
KEY_PLANS = {
    ("P1", 2024): (12000.0, 800.0),
    ("P4", 2024): (6000.0, 400.0),
    ("P6", 2023): (10000.0, None),  # 2023: completed 8,000 (Nov) and 9,500 (Dec), see _completed
    ("P6", 2024): (20000.0, 1500.0),
    ("P7", 2024): (10000.0, 3000.0),
    ("P11", 2024): (8000.0, 1000.0),
}
OTHER_COMPLETED_PER_MONTH = {"P2": 300.0, "P3": 100.0}  # non-key projects' 本年完成投资 (2024, × month)

TARGETS_2024 = [
    # zone, measure, period, end_month, value
    (Z1, "signed_amount", "year", 12, 100000.0),
    (Z1, "signed_amount", "Q1", 3, 80000.0),
    (Z1, "key_projects_started", "year", 12, 4.0),
    (Z1, "key_projects_total_investment", "year", 12, 160000.0),
    (Z1, "industrial_revenue", "year", 12, 1600.0),
    (Z1, "industrial_revenue", "Q1", 3, 400.0),
    (Z2, "signed_projects", "year", 12, 10.0),
]
INTENSITY_THRESHOLD = 300.0

STAGE_COLUMNS = {
    "negotiation": "negotiation_date",
    "signed": "signed_date",
    "started": "started_date",
    "completed": "completed_date",
    "production": "production_date",
    "revived": "revived_date",
}


def _mi(year: int, month: int) -> int:
    return year * 12 + month


def _status(pid: str, year: int, month: int) -> str:
    ym = _mi(year, month)
    if pid == "P2" and _mi(2024, 5) <= ym <= _mi(2024, 7):
        return "stalled"
    if pid == "P3" and ym >= _mi(2024, 4):
        return "dropped"
    if pid == "P10" and ym < _mi(2024, 2):
        return "stalled"
    return "active"


def _completed(pid: str, year: int, month: int) -> float | None:
    if pid == "P6" and year == 2023:
        return {11: 8000.0, 12: 9500.0}[month]
    plan = KEY_PLANS.get((pid, year))
    if plan and plan[1] is not None:
        return plan[1] * month
    if pid in OTHER_COMPLETED_PER_MONTH and year == 2024:
        return OTHER_COMPLETED_PER_MONTH[pid] * month
    return None


def snapshot_rows(zone: str, year: int, month: int, vintage: int) -> list[dict]:
    rows = []
    ym = _mi(year, month)
    for pid, p in PROJECTS.items():
        first, last = p["listed"]
        if p["zone"] != zone or not (_mi(*first) <= ym <= _mi(*last)):
            continue
        row = dict(
            project_id=pid,
            project_name=f"项目{pid}",
            investor=f"投资方{pid}",
            industry_code=p["industry"],
            is_foreign=pid in ("P1", "P7"),
            total_investment=p["total"],
            foreign_investment_usd=1000.0 if pid in ("P1", "P7") else None,
            status=_status(pid, year, month),
            land_mu=p["land"],
            annual_plan_investment=(KEY_PLANS.get((pid, year)) or (None,))[0],
            investment_completed_ytd=_completed(pid, year, month),
            funds_in_place=None,
            expected_annual_output=None,
            is_key_project=p["key"],
        )
        for stage, column in STAGE_COLUMNS.items():
            date = p["dates"].get(stage)
            row[column] = date if date is not None and _mi(date.year, date.month) <= ym else None
        # the first vintage of Z1's 2024-02 snapshot: P4's 开工 date missing, P3 at 8,000 万元 (corrected in v2)
        if (zone, year, month, vintage) == (Z1, 2024, 2, 1):
            if pid == "P4":
                row["started_date"] = None
            if pid == "P3":
                row["total_investment"] = 8000.0
        rows.append(row)
    return rows


def snapshot_files() -> list[tuple[str, int, int, int, dt.datetime]]:
    files = []
    for zone, months in SNAPSHOT_MONTHS.items():
        for year, month in months:
            received = dt.datetime(year + (month == 12), month % 12 + 1, 5)
            files.append((zone, year, month, 1, received))
    files.append((Z1, 2024, 2, 2, dt.datetime(2024, 3, 20)))
    return files


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def build_project_lake(lake: Path) -> None:
    """The zone lake of tests/dbt_fixtures.py plus project snapshots, targets and project settings."""
    build_lake(lake, "final")
    for zone, year, month, vintage, received in snapshot_files():
        sha = hashlib.sha256(f"projects-{zone}-{year}-{month}-v{vintage}".encode()).hexdigest()
        rows = [
            dict(
                file_sha256=sha,
                source_file=f"{zone}_projects_{year}{month:02d}_v{vintage}.xlsx",
                sheet="Sheet1",
                source_line=i + 4,
                layout_id="test",
                received_at=received,
                vintage=vintage,
                zone_code=zone,
                zone_name_raw=zone,
                year=year,
                month=month,
                **row,
            )
            for i, row in enumerate(snapshot_rows(zone, year, month, vintage))
        ]
        _write(
            pa.Table.from_pylist(rows, schema=PROJECT_SNAPSHOTS),
            lake / "project_snapshots" / f"{year}-{month:02d}" / f"{sha}.parquet",
        )
    _write(
        pa.Table.from_pylist(
            [
                dict(zone_code=z, year=2024, measure=m, period=p, end_month=e, target_value=v, note="test")
                for z, m, p, e, v in TARGETS_2024
            ],
            schema=TARGETS,
        ),
        lake / "reference" / "targets.parquet",
    )
    _write(
        pa.Table.from_pylist(
            [
                dict(
                    setting="investment_intensity_threshold",
                    value=INTENSITY_THRESHOLD,
                    unit="万元/亩",
                    note="test",
                )
            ],
            schema=PROJECT_SETTINGS,
        ),
        lake / "reference" / "project_settings.parquet",
    )
