"""A tiny hand-made lake of enterprise ledgers (企业亩均效益台账) for tests/test_dbt_enterprise.py.

Zones (registry): ZA G322001 and ZB S327002, both 南京市 江苏省.

Enterprise ledgers (firm_indicators/YYYY-MM/data.parquet, flows are 1-N月 YTD):
  ZA 2023-06  P01 (= M01, the same firm a year earlier)
  ZA 2023-12  P01, P02 (规上), utility U01 (industry 4411), rented-land R01, 规下 S01, S02
  ZA 2024-06  M01, M05 (first seen in 2024), C01 (no December row: not in the 2024 annual figures)
  ZA 2024-12  two vintages: v1 (M01 with tax 999 and X01) is replaced as a whole by v2 (20 规上 firms
              M01..M20, 规下 S01..S05, U01, new firm N01 (1 year in production), R01)
  ZB 2023-06  T01
  ZB 2023-12  规下 T01, T02, rented-land R02 (no 规上 firm: 2024 main benchmarks fall back to 2024)
  ZB 2024-06  T01
  ZB 2024-12  规上 B01, B02, 规下 T01, T02, R02

Zone ledgers (zone_indicators): ZA December 2023 and 2024, ZB December 2024 only.

Schemes: test_zone (area zone, exempt 44/45/46 and < 2 years, cap 1.5; main: 亩均税收 50 (2 × previous-year
average), 亩均营收 30 (1 × previous-year average), 单位电耗税收 20 lower_is_better fixed 10; small: 亩均税收 100)
and test_city (area city, no exemptions, no cap; main: R&D intensity 100 fixed 5; small: 亩均营收 100 fixed 10;
classes A 0.5, B 1.0).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake_schema import FIRM_INDICATORS, LAKE_TABLES, REFERENCE_TABLES, ZONE_INDICATORS

ZA, ZB = "G322001", "S327002"
CITY, PROVINCE = "南京市", "江苏省"


def uscc(name: str) -> str:
    """A stable 18-character code per test firm name."""
    return "91320" + hashlib.sha1(name.encode()).hexdigest()[:13].upper()


def firm(
    name,
    *,
    land,
    revenue,
    tax,
    above=True,
    own=True,
    industry="3891",
    years=10,
    value_added=None,
    energy=None,
    kwh=None,
    emissions=None,
    employees=None,
    rd=None,
):
    return dict(
        uscc=uscc(name),
        firm_name=name,
        industry_code=industry,
        above_scale=above,
        own_land=own,
        land_mu=float(land),
        years_in_production=years,
        revenue=None if revenue is None else float(revenue),
        tax=None if tax is None else float(tax),
        value_added=value_added,
        energy_tce=energy,
        electricity_kwh=kwh,
        emissions_t=emissions,
        employees=employees,
        rd_spend=rd,
    )


# ZA 2024 fillers M05..M20: land 10, revenue 200 (亩均营收 20 = benchmark), 单位电耗税收 10 (= benchmark),
# 亩均税收 as listed (benchmark 4.0): score = 12.5 × 亩均税收 + 50. M08 and M09 tie.
FILLER_TAX_PER_MU = {
    "M05": 5.6,
    "M06": 5.0,
    "M07": 4.6,
    "M08": 4.4,
    "M09": 4.4,
    "M10": 4.2,
    "M11": 3.8,
    "M12": 3.4,
    "M13": 3.0,
    "M14": 2.6,
    "M15": 2.2,
    "M16": 1.8,
    "M17": 1.4,
    "M18": 1.0,
    "M19": 0.6,
    "M20": 0.2,
}


def za_2024_december() -> list[dict]:
    rows = [
        firm(
            "M01",
            land=10,
            revenue=400,
            tax=80,
            years=11,
            value_added=200.0,
            energy=50.0,
            kwh=160000.0,  # 单位电耗税收 = 80 / 16 = 5
            emissions=20.0,
            employees=40.0,
            rd=12.0,
        ),
        firm("M02", land=10, revenue=200, tax=60, kwh=30000.0, employees=0.0),  # 单位电耗税收 20
        firm("M03", land=10, revenue=200, tax=40, kwh=None),  # no electricity figure: 0 points
        firm("M04", land=10, revenue=200, tax=0, kwh=10000.0),  # 单位电耗税收 0 (lower is better: capped)
    ]
    for name, tax_per_mu in FILLER_TAX_PER_MU.items():
        tax = round(10 * tax_per_mu, 6)
        rows.append(firm(name, land=10, revenue=200, tax=tax, kwh=tax * 1000))
    for name, tax in (("S01", 5), ("S02", 5), ("S03", 4), ("S04", 2), ("S05", 1)):
        rows.append(firm(name, land=10, revenue=50, tax=tax, above=False))
    rows += [
        firm("U01", land=50, revenue=6000, tax=600, industry="4411", years=21),
        firm("N01", land=20, revenue=100, tax=10, years=1),
        firm("R01", land=0, revenue=350, tax=35, own=False),
    ]
    return rows


# (zone, year, month, vintage, received_at, rows)
FIRM_LEDGERS: list[tuple[str, int, int, int, dt.datetime, list[dict]]] = [
    (ZA, 2023, 6, 1, dt.datetime(2023, 7, 10), [firm("M01", land=20, revenue=240, tax=28)]),
    (
        ZA,
        2023,
        12,
        1,
        dt.datetime(2024, 1, 15),
        [
            firm("M01", land=20, revenue=500, tax=60, kwh=120000.0),  # 单位电耗税收 5
            firm("P02", land=30, revenue=500, tax=40, kwh=40000.0),  # 单位电耗税收 10
            firm("U01", land=50, revenue=5000, tax=500, industry="4411", years=20),
            firm("R01", land=0, revenue=300, tax=30, own=False),
            firm("S01", land=10, revenue=40, tax=3, above=False),
            firm("S02", land=10, revenue=60, tax=7, above=False),
        ],
    ),
    (
        ZA,
        2024,
        6,
        1,
        dt.datetime(2024, 7, 10),
        [
            firm("M01", land=10, revenue=220, tax=44),
            firm("M05", land=10, revenue=90, tax=25),
            firm("C01", land=15, revenue=50, tax=5),
        ],
    ),
    (
        ZA,
        2024,
        12,
        1,
        dt.datetime(2025, 1, 10),
        [firm("M01", land=10, revenue=400, tax=999), firm("X01", land=10, revenue=100, tax=10)],
    ),
    (ZA, 2024, 12, 2, dt.datetime(2025, 1, 20), za_2024_december()),
    (ZB, 2023, 6, 1, dt.datetime(2023, 7, 12), [firm("T01", land=5, revenue=20, tax=2, above=False)]),
    (
        ZB,
        2023,
        12,
        1,
        dt.datetime(2024, 1, 12),
        [
            firm("T01", land=5, revenue=50, tax=5, above=False),
            firm("T02", land=5, revenue=30, tax=1, above=False),
            firm("R02", land=0, revenue=20, tax=2, above=False, own=False),
        ],
    ),
    (ZB, 2024, 6, 1, dt.datetime(2024, 7, 12), [firm("T01", land=5, revenue=30, tax=3, above=False)]),
    (
        ZB,
        2024,
        12,
        1,
        dt.datetime(2025, 1, 12),
        [
            firm("B01", land=10, revenue=300, tax=30, kwh=30000.0, rd=30.0),
            firm("B02", land=30, revenue=300, tax=30, kwh=30000.0),
            firm("T01", land=5, revenue=60, tax=6, above=False),
            firm("T02", land=5, revenue=40, tax=3, above=False),
            firm("R02", land=0, revenue=25, tax=2, above=False, own=False),
        ],
    ),
]

# zone ledger December figures: (zone, year) -> (industrial_revenue, tax_revenue, industrial_land)
ZONE_LEDGER = {
    (ZA, 2023): (12000.0, 1000.0, 1000.0),
    (ZA, 2024): (15000.0, 1200.0, 1200.0),
    (ZB, 2024): (2000.0, 100.0, 100.0),
}

SCHEMES = [
    dict(
        scheme="test_zone",
        label="测试方案（园区）",
        evaluation_area="zone",
        exempt_industry_prefixes=["44", "45", "46"],
        min_years_in_production=2,
        score_cap=1.5,
        source="test",
    ),
    dict(
        scheme="test_city",
        label="测试方案（城市）",
        evaluation_area="city",
        exempt_industry_prefixes=[],
        min_years_in_production=None,
        score_cap=None,
        source="test",
    ),
]


def _indicator(
    scheme,
    population,
    indicator,
    weight,
    direction="higher_is_better",
    method="previous_year_average",
    factor=1.0,
    value=None,
):
    return dict(
        scheme=scheme,
        population=population,
        indicator=indicator,
        label=indicator,
        weight=float(weight),
        direction=direction,
        benchmark_method=method,
        benchmark_factor=factor,
        benchmark_value=value,
    )


SCHEME_INDICATORS = [
    _indicator("test_zone", "main", "tax_per_mu", 50, factor=2.0),
    _indicator("test_zone", "main", "revenue_per_mu", 30, factor=1.0),
    _indicator("test_zone", "main", "tax_per_electricity", 20, "lower_is_better", "fixed", None, 10.0),
    _indicator("test_zone", "small", "tax_per_mu", 100, factor=1.0),
    _indicator("test_city", "main", "rd_intensity", 100, method="fixed", factor=None, value=5.0),
    _indicator("test_city", "small", "revenue_per_mu", 100, method="fixed", factor=None, value=10.0),
]

SCHEME_CLASSES = [
    *(
        dict(scheme="test_zone", **{"class": c, "upper_share": s})
        for c, s in (("A", 0.2), ("B", 0.6), ("C", 0.95), ("D", 1.0))
    ),
    *(dict(scheme="test_city", **{"class": c, "upper_share": s}) for c, s in (("A", 0.5), ("B", 1.0))),
]


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def _zone(code: str, name: str, level: str, seq: int) -> dict:
    return dict(
        zone_code=code,
        catalogue_code=code,
        catalogue_seq=seq,
        zone_name=name,
        province=PROVINCE,
        city_county=CITY,
        city=CITY,
        level=level,
        level_label="国务院" if level == "national" else "省政府",
        zone_type="high_tech",
        zone_type_label="高新技术产业开发区",
        approval_date="1991.03",
        approved_area_ha=100.0,
        approved_area_mu=1500.0,
        leading_industries="装备制造",
        region="east",
        region_label="东部",
        note=None,
    )


def build_firm_lake(lake: Path) -> None:
    """Write the lake as Python does: month folders with data.parquet, reference tables, _schema files."""
    for name, schema in LAKE_TABLES.items():
        _write(schema.empty_table(), lake / name / "_schema" / "empty.parquet")

    reference = {
        "zones": [
            _zone(ZA, "甲高新技术产业开发区", "national", 1),
            _zone(ZB, "乙经济开发区", "provincial", 2),
        ],
        "zone_aliases": [],
        "measures": [
            dict(
                measure="industrial_revenue", label="工业营业收入", unit="万元", kind="flow", description="."
            ),
            dict(measure="tax_revenue", label="税收收入", unit="万元", kind="flow", description="."),
            dict(measure="industrial_land", label="工业用地面积", unit="亩", kind="stock", description="."),
        ],
        "ranking_weights": [
            dict(
                scheme="monthly_default",
                metric="revenue_per_mu",
                label="亩均营收",
                weight=1.0,
                direction="higher_is_better",
            )
        ],
        "enterprise_schemes": SCHEMES,
        "enterprise_scheme_indicators": SCHEME_INDICATORS,
        "enterprise_scheme_classes": SCHEME_CLASSES,
    }
    for name, rows in reference.items():
        _write(
            pa.Table.from_pylist(rows, schema=REFERENCE_TABLES[name]), lake / "reference" / f"{name}.parquet"
        )

    # firm ledgers: every file of a month in the month's data.parquet (two vintages of ZA 2024-12 together)
    by_month: dict[tuple[int, int], list[dict]] = {}
    for zone, year, month, vintage, received, firms in FIRM_LEDGERS:
        sha = hashlib.sha256(f"firms-{zone}-{year}-{month}-v{vintage}".encode()).hexdigest()
        for i, row in enumerate(firms):
            by_month.setdefault((year, month), []).append(
                dict(
                    file_sha256=sha,
                    source_file=f"{zone}_企业_{year}{month:02d}_v{vintage}.xlsx",
                    sheet="Sheet1",
                    source_line=i + 4,
                    layout_id="test_firms",
                    received_at=received,
                    vintage=vintage,
                    zone_code=zone,
                    zone_name_raw=zone,
                    year=year,
                    month=month,
                    **row,
                )
            )
    for (year, month), rows in by_month.items():
        _write(
            pa.Table.from_pylist(rows, schema=FIRM_INDICATORS),
            lake / "firm_indicators" / f"{year}-{month:02d}" / "data.parquet",
        )

    # zone ledgers: December cumulative revenue and tax, land at the end of December
    by_month = {}
    for (zone, year), (revenue, tax, land) in ZONE_LEDGER.items():
        sha = hashlib.sha256(f"zone-{zone}-{year}".encode()).hexdigest()
        for i, (measure, value, unit) in enumerate(
            (
                ("industrial_revenue", revenue, "万元"),
                ("tax_revenue", tax, "万元"),
                ("industrial_land", land, "亩"),
            )
        ):
            by_month.setdefault((year, 12), []).append(
                dict(
                    file_sha256=sha,
                    source_file=f"{zone}_{year}12.xlsx",
                    sheet="Sheet1",
                    source_line=i + 3,
                    layout_id="test",
                    received_at=dt.datetime(year + 1, 1, 10),
                    vintage=1,
                    zone_code=zone,
                    zone_name_raw=zone,
                    year=year,
                    month=12,
                    value_basis="ytd",
                    measure=measure,
                    value=value,
                    unit=unit,
                    prior_ytd_value=None,
                    yoy_pct=None,
                    raw_value=str(value),
                    raw_unit=unit,
                )
            )
    for (year, month), rows in by_month.items():
        _write(
            pa.Table.from_pylist(rows, schema=ZONE_INDICATORS),
            lake / "zone_indicators" / f"{year}-{month:02d}" / "data.parquet",
        )
