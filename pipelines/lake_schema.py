"""Schemas of the Parquet lake: the contract between Python (the only lake writer) and dbt (its reader).

Layout on disk (under ``<PARKSTATS_HOME>/lake``)::

    zone_indicators/YYYY-MM/data.parquet         canonical rows of every zone ledger of that reporting month
    firm_indicators/YYYY-MM/data.parquet         one row per firm of every enterprise ledger (企业亩均效益台账)
    manifest/YYYY-MM/data.parquet                one row per ingested ledger file and zone
    rejections/YYYY-MM/data.parquet              rows refused while reading those ledgers
    reference/<table>.parquet                              zone registry, aliases, measures, ranking weights
    <table>/_schema/empty.parquet                          zero-row file so dbt can read an empty lake

Year and month are stored inside the files; the month folders only organise them. They are deliberately not
hive-style (``month=…``): DuckDB would then replace the integer ``month`` column with the folder's text.
"""

from __future__ import annotations

import pyarrow as pa

# Every row of a ledger table starts with where it came from and which zone and period it describes.
LEDGER_ROW_ORIGIN: list[tuple[str, pa.DataType]] = [
        ("file_sha256", pa.string()),  # the ledger file this row came from
        ("source_file", pa.string()),  # its name as received
        ("sheet", pa.string()),  # worksheet name, null for CSV
        ("source_line", pa.int32()),  # 1-based row in the sheet / line in the CSV
        ("layout_id", pa.string()),
        ("received_at", pa.timestamp("us")),
        ("vintage", pa.int32()),  # 1 = first file for this zone and period, 2 = first correction, ...
        ("zone_code", pa.string()),
        ("zone_name_raw", pa.string()),  # the name as the ledger wrote it
        ("year", pa.int16()),
        ("month", pa.int8()),  # period end month (1-N月 -> N)
]

# Columns of a ledger row that describe its file, not what the file says: set when the file enters the lake.
FILE_COLUMNS = ("file_sha256", "source_file", "received_at", "vintage")

ZONE_INDICATORS = pa.schema(
    [
        *LEDGER_ROW_ORIGIN,
        ("value_basis", pa.string()),  # 'ytd' (1-N月累计 or stock at end of N) or 'month' (当月)
        ("measure", pa.string()),  # canonical measure, see sources/measures.yaml
        ("value", pa.float64()),  # in the measure's canonical unit
        ("unit", pa.string()),  # canonical unit
        ("prior_ytd_value", pa.float64()),  # 上年同期 as given by the ledger (comparable basis), canonical unit
        ("yoy_pct", pa.float64()),  # 同比 growth in % as given by the ledger (1.6倍 -> 60.0)
        ("raw_value", pa.string()),  # the cell as written
        ("raw_unit", pa.string()),  # the unit the ledger used
    ]
)

FIRM_INDICATORS = pa.schema(
    [
        *LEDGER_ROW_ORIGIN,  # flows are 1-N月累计 (YTD) up to `month`
        ("uscc", pa.string()),  # 统一社会信用代码, 18 characters, check digit verified
        ("firm_name", pa.string()),
        ("industry_code", pa.string()),  # GB/T 4754-2017 class code, 4 digits (e.g. 3891)
        ("above_scale", pa.bool_()),  # 规上 (main-business revenue ≥ 2,000万元)
        ("own_land", pa.bool_()),  # false: on rented land / in rented buildings, no land of its own
        ("land_mu", pa.float64()),  # land in use, 亩 (0 when on rented land)
        ("years_in_production", pa.int16()),  # 投产年限 at the period
        ("revenue", pa.float64()),  # 营业收入 (销售收入), 万元, YTD
        ("tax", pa.float64()),  # 实缴税金, 万元, YTD
        ("value_added", pa.float64()),  # 工业增加值, 万元, YTD
        ("energy_tce", pa.float64()),  # 综合能耗, 吨标准煤, YTD
        ("electricity_kwh", pa.float64()),  # 用电量, 千瓦时, YTD
        ("emissions_t", pa.float64()),  # 主要污染物排放当量, 吨, YTD
        ("employees", pa.float64()),  # 从业人员平均人数, 人
        ("rd_spend", pa.float64()),  # 研发经费支出, 万元, YTD
    ]
)

PROJECT_SNAPSHOTS = pa.schema(
    [
        *LEDGER_ROW_ORIGIN,  # `month`: the month whose end the snapshot shows
        ("project_id", pa.string()),  # stable across snapshots; never moves to another zone
        ("project_name", pa.string()),
        ("investor", pa.string()),
        ("industry_code", pa.string()),  # GB/T 4754-2017 code (2–4 digits)
        ("is_foreign", pa.bool_()),  # 外资项目
        ("total_investment", pa.float64()),  # 协议投资额 / 计划总投资, 万元
        ("foreign_investment_usd", pa.float64()),  # 其中外资, 万美元 (foreign projects)
        ("status", pa.string()),  # active / stalled / dropped
        ("negotiation_date", pa.date32()),  # 洽谈
        ("signed_date", pa.date32()),  # 签约
        ("started_date", pa.date32()),  # 开工
        ("completed_date", pa.date32()),  # 竣工
        ("production_date", pa.date32()),  # 投产
        ("revived_date", pa.date32()),  # 盘活 (a stalled project or idle asset brought back)
        ("land_mu", pa.float64()),  # 用地, 亩
        ("annual_plan_investment", pa.float64()),  # 年度计划投资, 万元
        ("investment_completed_ytd", pa.float64()),  # 本年完成投资 (1-N月), 万元
        ("funds_in_place", pa.float64()),  # 到位资金 (累计), 万元
        ("expected_annual_output", pa.float64()),  # 达产后预计年产值, 万元
        ("is_key_project", pa.bool_()),  # 重点项目
    ]
)

# Record ledgers: the column that identifies a record within one ledger (listed once per zone and period)
RECORD_KEYS: dict[str, str] = {"firm_indicators": "uscc", "project_snapshots": "project_id"}
# Record keys that belong to one zone for good (a project never moves to another zone)
ZONE_BOUND_KEYS: dict[str, str] = {"project_snapshots": "project_id"}

# Canonical units of the amount columns of record ledgers: every value is converted to these on reading.
FIELD_UNITS: dict[str, dict[str, str]] = {
    "firm_indicators": {
        "land_mu": "亩", "revenue": "万元", "tax": "万元", "value_added": "万元", "energy_tce": "吨标准煤",
        "electricity_kwh": "千瓦时", "emissions_t": "吨", "employees": "人", "rd_spend": "万元",
    },
    "project_snapshots": {
        "total_investment": "万元", "foreign_investment_usd": "万美元", "land_mu": "亩",
        "annual_plan_investment": "万元", "investment_completed_ytd": "万元", "funds_in_place": "万元",
        "expected_annual_output": "万元",
    },
}

MANIFEST = pa.schema(
    [
        ("file_sha256", pa.string()),
        ("source_file", pa.string()),
        ("archived_path", pa.string()),  # relative to PARKSTATS_HOME
        ("size_bytes", pa.int64()),
        ("layout_id", pa.string()),
        ("ledger", pa.string()),  # zone_indicators / firm_indicators
        ("zone_code", pa.string()),
        ("year", pa.int16()),
        ("month", pa.int8()),
        ("received_at", pa.timestamp("us")),
        ("vintage", pa.int32()),
        ("rows_accepted", pa.int32()),
        ("rows_rejected", pa.int32()),
    ]
)

REJECTIONS = pa.schema(
    [
        ("file_sha256", pa.string()),
        ("source_file", pa.string()),
        ("sheet", pa.string()),
        ("source_line", pa.int32()),
        ("field", pa.string()),
        ("raw_value", pa.string()),
        ("message", pa.string()),
        ("year", pa.int16()),
        ("month", pa.int8()),
        ("rejected_at", pa.timestamp("us")),
    ]
)

ZONES = pa.schema(
    [
        ("zone_code", pa.string()),  # catalogue 代码, disambiguated where the catalogue repeats one
        ("catalogue_code", pa.string()),  # 代码 exactly as the catalogue gives it
        ("catalogue_seq", pa.int32()),  # 序号
        ("zone_name", pa.string()),
        ("province", pa.string()),
        ("city_county", pa.string()),  # 城市/区县 as the catalogue gives it
        ("city", pa.string()),
        ("level", pa.string()),  # national / provincial
        ("level_label", pa.string()),  # 国务院 / 省政府
        ("zone_type", pa.string()),  # economic_technological, high_tech, ...
        ("zone_type_label", pa.string()),  # 经济技术开发区, ...
        ("approval_date", pa.string()),  # 批准时间 as text, "1992.10"
        ("approved_area_ha", pa.float64()),
        ("approved_area_mu", pa.float64()),
        ("leading_industries", pa.string()),
        ("region", pa.string()),  # east / central / west
        ("region_label", pa.string()),
        ("note", pa.string()),
    ]
)

ZONE_ALIASES = pa.schema([("alias", pa.string()), ("zone_code", pa.string()), ("origin", pa.string())])

MEASURES = pa.schema(
    [
        ("measure", pa.string()),
        ("label", pa.string()),
        ("unit", pa.string()),
        ("kind", pa.string()),  # flow / stock
        ("description", pa.string()),
    ]
)

RANKING_WEIGHTS = pa.schema(
    [
        ("scheme", pa.string()),
        ("metric", pa.string()),
        ("label", pa.string()),
        ("weight", pa.float64()),
        ("direction", pa.string()),  # higher_is_better / lower_is_better
    ]
)

# Enterprise evaluation schemes (亩均效益综合评价), from sources/metrics/enterprise_schemes/*.yaml
ENTERPRISE_SCHEMES = pa.schema(
    [
        ("scheme", pa.string()),
        ("label", pa.string()),
        ("evaluation_area", pa.string()),  # zone / city / province: where firms are ranked against each other
        ("exempt_industry_prefixes", pa.list_(pa.string())),  # GB/T 4754 code prefixes classed T (utilities)
        ("min_years_in_production", pa.int16()),  # firms producing fewer years are classed T
        ("score_cap", pa.float64()),  # an indicator scores at most weight × cap (null: no cap)
        ("source", pa.string()),  # where the scheme comes from
    ]
)
ENTERPRISE_SCHEME_INDICATORS = pa.schema(
    [
        ("scheme", pa.string()),
        ("population", pa.string()),  # main (规上, own land) / small (规下, own land)
        ("indicator", pa.string()),  # see the indicator list in sources/metrics/enterprise_schemes/README.md
        ("label", pa.string()),
        ("weight", pa.float64()),  # points; a population's weights add up to 100
        ("direction", pa.string()),  # higher_is_better / lower_is_better
        ("benchmark_method", pa.string()),  # previous_year_average (× factor) / fixed (value)
        ("benchmark_factor", pa.float64()),
        ("benchmark_value", pa.float64()),
    ]
)
ENTERPRISE_SCHEME_CLASSES = pa.schema(
    [
        ("scheme", pa.string()),
        ("class", pa.string()),  # A, B, C, D
        ("upper_share", pa.float64()),  # cumulative share from the top: A 0.20, B 0.60, C 0.95, D 1.00
    ]
)

# Annual (and quarterly) targets per zone and measure, from sources/targets/*.yaml
TARGETS = pa.schema(
    [
        ("zone_code", pa.string()),
        ("year", pa.int16()),
        ("measure", pa.string()),  # a zone measure (industrial_revenue, …) or a project metric (signed_amount, …)
        ("period", pa.string()),  # year / Q1 / Q2 / Q3 / H1 …: the months 1..end_month
        ("end_month", pa.int8()),  # 12 for the year, 3 for Q1, 6 for H1 …
        ("target_value", pa.float64()),  # in the measure's unit (万元 for money)
        ("note", pa.string()),
    ]
)
# Settings of the project metrics, from sources/metrics/projects.yaml
PROJECT_SETTINGS = pa.schema(
    [
        ("setting", pa.string()),  # e.g. investment_intensity_threshold
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("note", pa.string()),
    ]
)

LAKE_TABLES: dict[str, pa.Schema] = {
    "zone_indicators": ZONE_INDICATORS,
    "firm_indicators": FIRM_INDICATORS,
    "project_snapshots": PROJECT_SNAPSHOTS,
    "manifest": MANIFEST,
    "rejections": REJECTIONS,
}


def parsed_schema(table: str) -> pa.Schema:
    """The columns a parser fills for a ledger table: its lake schema without FILE_COLUMNS."""
    schema = LAKE_TABLES[table]
    return pa.schema([f for f in schema if f.name not in FILE_COLUMNS])


REFERENCE_TABLES: dict[str, pa.Schema] = {
    "zones": ZONES,
    "zone_aliases": ZONE_ALIASES,
    "measures": MEASURES,
    "ranking_weights": RANKING_WEIGHTS,
    "enterprise_schemes": ENTERPRISE_SCHEMES,
    "enterprise_scheme_indicators": ENTERPRISE_SCHEME_INDICATORS,
    "enterprise_scheme_classes": ENTERPRISE_SCHEME_CLASSES,
    "targets": TARGETS,
    "project_settings": PROJECT_SETTINGS,
}
