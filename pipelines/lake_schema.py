"""Schemas of the Parquet lake: the contract between Python (the only lake writer) and dbt (its reader).

Layout on disk (under ``<PARKSTATS_HOME>/lake``)::

    zone_indicators/YYYY-MM/data.parquet         canonical rows of every ledger of that reporting month
    manifest/YYYY-MM/data.parquet                one row per ingested ledger file and zone
    rejections/YYYY-MM/data.parquet              rows refused while reading those ledgers
    reference/<table>.parquet                              zone registry, aliases, measures, ranking weights
    <table>/_schema/empty.parquet                          zero-row file so dbt can read an empty lake

Year and month are stored inside the files; the month folders only organise them. They are deliberately not
hive-style (``month=…``): DuckDB would then replace the integer ``month`` column with the folder's text.
"""

from __future__ import annotations

import pyarrow as pa

ZONE_INDICATORS = pa.schema(
    [
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

MANIFEST = pa.schema(
    [
        ("file_sha256", pa.string()),
        ("source_file", pa.string()),
        ("archived_path", pa.string()),  # relative to PARKSTATS_HOME
        ("size_bytes", pa.int64()),
        ("layout_id", pa.string()),
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

LAKE_TABLES: dict[str, pa.Schema] = {
    "zone_indicators": ZONE_INDICATORS,
    "manifest": MANIFEST,
    "rejections": REJECTIONS,
}
REFERENCE_TABLES: dict[str, pa.Schema] = {
    "zones": ZONES,
    "zone_aliases": ZONE_ALIASES,
    "measures": MEASURES,
    "ranking_weights": RANKING_WEIGHTS,
}
