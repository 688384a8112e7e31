"""A tiny hand-made Parquet lake for the dbt tests, and a helper to run dbt on it.

Zones (registry):
  G321001 national  江苏省 east     cumulative (1-N月) ledger, first report 1-2月, gives 上年同期 in 2024
  S361002 provincial 江西省 central 当月 (month-basis) ledger, every month of 2023 and 2024-01..03;
                                     fixed-asset investment misses 2024-02
  G361003 national  江西省 central  cumulative ledger, 2024 only, gives only 同比%
  S511004 provincial 四川省 west    cumulative ledger, no growth in the ledger (-> nominal 同比); two vintages
                                     of 2023-12 and of 2024-03 industrial revenue
Values are chosen so the expected figures can be computed by hand in tests/test_dbt_models.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake_schema import LAKE_TABLES, MANIFEST, REFERENCE_TABLES, ZONE_INDICATORS

REPO_ROOT = Path(__file__).resolve().parent.parent

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# the dbt of the interpreter running the tests (the venv), else the one on PATH
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
if not DBT_EXECUTABLE.exists():
    DBT_EXECUTABLE = Path(shutil.which("dbt") or "dbt")

Z1, Z2, Z3, Z4 = "G321001", "S361002", "G361003", "S511004"

UNITS = {
    "industrial_revenue": "万元",
    "tax_revenue": "万元",
    "fixed_asset_investment": "万元",
    "industrial_land": "亩",
}

ZONES = [
    # zone_code, name, province, city, level, level_label, type, type_label, approval, ha, region, region_label
    (
        Z1,
        "甲经济技术开发区",
        "江苏省",
        "南京市",
        "national",
        "国务院",
        "economic_technological",
        "经济技术开发区",
        "1992.10",
        1000.0,
        "east",
        "东部",
    ),
    (
        Z2,
        "乙经济开发区",
        "江西省",
        "上饶市",
        "provincial",
        "省政府",
        "economic",
        "经济开发区",
        "2006.04",
        500.0,
        "central",
        "中部",
    ),
    (
        Z3,
        "丙经济技术开发区",
        "江西省",
        "上饶市",
        "national",
        "国务院",
        "economic_technological",
        "经济技术开发区",
        "2010.11",
        800.0,
        "central",
        "中部",
    ),
    (
        Z4,
        "丁经济开发区",
        "四川省",
        "广元市",
        "provincial",
        "省政府",
        "economic",
        "经济开发区",
        "2006.04",
        300.0,
        "west",
        "西部",
    ),
]

MEASURES = [
    ("industrial_output_value", "工业总产值", "万元", "flow", "Gross industrial output value."),
    ("industrial_revenue", "工业营业收入", "万元", "flow", "Industrial operating revenue."),
    ("tax_revenue", "税收收入", "万元", "flow", "Tax revenue."),
    ("fixed_asset_investment", "固定资产投资", "万元", "flow", "Fixed-asset investment."),
    ("above_scale_firms", "规上工业企业数", "个", "stock", "Above-scale industrial firms."),
    ("industrial_land", "工业用地面积", "亩", "stock", "Industrial land in use."),
]

RANKING_WEIGHTS = [
    ("monthly_default", "revenue_per_mu", "亩均营收", 0.4, "higher_is_better"),
    ("monthly_default", "tax_per_mu", "亩均税收", 0.3, "higher_is_better"),
    ("monthly_default", "fixed_asset_investment_yoy_pct", "固定资产投资增速", 0.3, "higher_is_better"),
    ("monthly_default", "industrial_revenue_ytd", "工业营收", 0.0, "higher_is_better"),
    ("other_scheme", "tax_per_mu", "亩均税收", 1.0, "lower_is_better"),
]


def _cell(zone, year, month, measure, value, basis="ytd", prior=None, yoy=None):
    return dict(
        zone=zone, year=year, month=month, measure=measure, value=value, basis=basis, prior=prior, yoy=yoy
    )


def ledger_cells(stage: str = "final") -> list[tuple[int, dt.datetime, list[dict]]]:
    """Ledger files as (vintage, received_at, cells), grouped by zone and month.

    stage 'initial' leaves out the late corrections (vintage 2) and the 2024-03 reports of G361003;
    stage 'final' has everything.
    """
    files: list[tuple[int, dt.datetime, list[dict]]] = []

    def add(vintage, received, cells):
        files.append((vintage, received, cells))

    # --- G321001: cumulative, first report 1-2月; 2024 with 上年同期
    z1_2023 = {2: (200, 20, 50), 3: (330, 30, 80), 12: (1500, 120, 400)}
    for m, (rev, tax, fai) in z1_2023.items():
        add(
            1,
            dt.datetime(2023, m, 15) if m < 12 else dt.datetime(2024, 1, 10),
            [
                _cell(Z1, 2023, m, "industrial_revenue", rev),
                _cell(Z1, 2023, m, "tax_revenue", tax),
                _cell(Z1, 2023, m, "fixed_asset_investment", fai),
                _cell(Z1, 2023, m, "industrial_land", 1000),
            ],
        )
    z1_2024 = {2: ((240, 210), (24, 21), (60, 50)), 3: ((390, 340), (36, 31), (99, 90))}
    for m, ((rev, rev_p), (tax, tax_p), (fai, fai_p)) in z1_2024.items():
        add(
            1,
            dt.datetime(2024, m + 1, 10),
            [
                _cell(Z1, 2024, m, "industrial_revenue", rev, prior=rev_p),
                _cell(Z1, 2024, m, "tax_revenue", tax, prior=tax_p),
                _cell(Z1, 2024, m, "fixed_asset_investment", fai, prior=fai_p),
                _cell(Z1, 2024, m, "industrial_land", 1200),
            ],
        )

    # --- S361002: month-basis (当月) ledger
    for year, months, rev, tax in ((2023, range(1, 13), 100, 10), (2024, range(1, 4), 120, 12)):
        for m in months:
            cells = [
                _cell(Z2, year, m, "industrial_revenue", rev, basis="month"),
                _cell(Z2, year, m, "tax_revenue", tax, basis="month"),
                _cell(Z2, year, m, "industrial_land", 800, basis="month"),
            ]
            if year == 2023:
                cells.append(_cell(Z2, year, m, "fixed_asset_investment", 30, basis="month"))
            elif m != 2:  # 2024-02 fixed-asset investment missing -> YTD incomplete from February on
                cells.append(_cell(Z2, year, m, "fixed_asset_investment", 40, basis="month"))
            add(1, dt.datetime(year, m, 28), cells)

    # --- G361003: cumulative, 2024 only, 同比% only
    add(
        1,
        dt.datetime(2024, 3, 10),
        [
            _cell(Z3, 2024, 2, "industrial_revenue", 300, yoy=20.0),
            _cell(Z3, 2024, 2, "tax_revenue", 30),
            _cell(Z3, 2024, 2, "fixed_asset_investment", 100, yoy=-20.0),
            _cell(Z3, 2024, 2, "industrial_land", 1500),
        ],
    )
    if stage == "final":
        add(
            1,
            dt.datetime(2024, 4, 10),
            [
                _cell(Z3, 2024, 3, "industrial_revenue", 450, yoy=25.0),
                _cell(Z3, 2024, 3, "tax_revenue", 45),
                _cell(Z3, 2024, 3, "fixed_asset_investment", 150, yoy=0.0),
                _cell(Z3, 2024, 3, "industrial_land", 1500),
            ],
        )

    # --- S511004: cumulative, no growth given (nominal 同比), corrections
    z4 = {
        (2023, 2): (100, 10),
        (2023, 3): (150, 15),
        (2023, 12): (500, 60),
        (2024, 2): (120, 12),
        (2024, 3): (170, 18),
    }
    for (year, m), (rev, tax) in z4.items():
        add(
            1,
            dt.datetime(year, m, 20) if m < 12 else dt.datetime(2024, 1, 12),
            [
                _cell(Z4, year, m, "industrial_revenue", rev),
                _cell(Z4, year, m, "tax_revenue", tax),
                _cell(Z4, year, m, "industrial_land", 500),
            ],
        )
    if stage == "final":
        # late corrections (更正): 2023-12 revenue 500 -> 570, 2024-03 revenue 170 -> 180
        add(2, dt.datetime(2024, 5, 2), [_cell(Z4, 2023, 12, "industrial_revenue", 570)])
        add(2, dt.datetime(2024, 5, 3), [_cell(Z4, 2024, 3, "industrial_revenue", 180)])
    return files


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def build_lake(lake: Path, stage: str = "final") -> None:
    """Write the lake the way Python does: month folders, manifest, reference tables, _schema files."""
    for name, schema in LAKE_TABLES.items():
        _write(schema.empty_table(), lake / name / "_schema" / "empty.parquet")
    for name, rows in (
        (
            "zones",
            [
                dict(
                    zone_code=z[0],
                    catalogue_code=z[0],
                    catalogue_seq=i + 1,
                    zone_name=z[1],
                    province=z[2],
                    city_county=z[3],
                    city=z[3],
                    level=z[4],
                    level_label=z[5],
                    zone_type=z[6],
                    zone_type_label=z[7],
                    approval_date=z[8],
                    approved_area_ha=z[9],
                    approved_area_mu=z[9] * 15,
                    leading_industries="装备制造",
                    region=z[10],
                    region_label=z[11],
                    note=None,
                )
                for i, z in enumerate(ZONES)
            ],
        ),
        (
            "zone_aliases",
            [
                dict(alias="甲开发区", zone_code=Z1, origin="test"),
                dict(alias="丙经开区", zone_code=Z3, origin="test"),
            ],
        ),
        (
            "measures",
            [
                dict(zip(("measure", "label", "unit", "kind", "description"), m, strict=True))
                for m in MEASURES
            ],
        ),
        (
            "ranking_weights",
            [
                dict(zip(("scheme", "metric", "label", "weight", "direction"), w, strict=True))
                for w in RANKING_WEIGHTS
            ],
        ),
    ):
        _write(
            pa.Table.from_pylist(rows, schema=REFERENCE_TABLES[name]), lake / "reference" / f"{name}.parquet"
        )

    for vintage, received, cells in ledger_cells(stage):
        zone, year, month = cells[0]["zone"], cells[0]["year"], cells[0]["month"]
        sha = hashlib.sha256(f"{zone}-{year}-{month}-v{vintage}".encode()).hexdigest()
        source_file = f"{zone}_{year}{month:02d}_v{vintage}.xlsx"
        rows = [
            dict(
                file_sha256=sha,
                source_file=source_file,
                sheet="Sheet1",
                source_line=i + 3,
                layout_id="test",
                received_at=received,
                vintage=vintage,
                zone_code=c["zone"],
                zone_name_raw=c["zone"],
                year=c["year"],
                month=c["month"],
                value_basis=c["basis"],
                measure=c["measure"],
                value=float(c["value"]),
                unit=UNITS[c["measure"]],
                prior_ytd_value=c["prior"],
                yoy_pct=c["yoy"],
                raw_value=str(c["value"]),
                raw_unit=UNITS[c["measure"]],
            )
            for i, c in enumerate(cells)
        ]
        _write(
            pa.Table.from_pylist(rows, schema=ZONE_INDICATORS),
            lake / "zone_indicators" / f"{year}-{month:02d}" / f"{sha}.parquet",
        )
        _write(
            pa.Table.from_pylist(
                [
                    dict(
                        file_sha256=sha,
                        source_file=source_file,
                        archived_path=f"raw/{sha}.xlsx",
                        size_bytes=1000,
                        layout_id="test",
                        zone_code=zone,
                        year=year,
                        month=month,
                        received_at=received,
                        vintage=vintage,
                        rows_accepted=len(rows),
                        rows_rejected=0,
                    )
                ],
                schema=MANIFEST,
            ),
            lake / "manifest" / f"{sha}.parquet",
        )


def run_dbt(args: list[str], lake: Path, warehouse: Path, target_path: Path,
            window: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the dbt CLI of the venv on the project with the lake and warehouse given; `window` (first, last month)
    is passed as the orchestrator does, in PARKSTATS_MONTH_FROM / PARKSTATS_MONTH_TO."""
    env = dict(
        os.environ,
        PARKSTATS_LAKE=str(lake),
        PARKSTATS_WAREHOUSE=str(warehouse),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("PARKSTATS_MONTH_FROM", None)
    env.pop("PARKSTATS_MONTH_TO", None)
    if window is not None:
        env.update(PARKSTATS_MONTH_FROM=window[0], PARKSTATS_MONTH_TO=window[1])
    cmd = [
        str(DBT_EXECUTABLE),
        *args,
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    if result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
    return result
