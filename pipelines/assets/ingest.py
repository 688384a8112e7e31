"""Ingestion assets: landing folder → raw archive + manifest → canonical rows in the Parquet lake.

One step writes the lake tables of a month (manifest, ledger rows, rejections), because they must agree; the
Great Expectations suite of each table is a blocking check, so dbt never builds on rows that fail it unless a
statistician waived the failure. Every rule's outcome per month and zone goes to the check-results history.
"""


import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.heap import release_freed_memory
from pipelines.ingest.batch import ingest_months
from pipelines.lake import month_file
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.quality.gate import findings
from pipelines.quality.gx_suites import build_data_docs, data_docs_index, gx_context, validate_lake_rows
from pipelines.quality.store import write_results
from pipelines.settings import data_paths, duckdb_config

LEDGER_MANIFEST = dg.AssetKey("ledger_manifest")
LAKE_ZONE_INDICATORS = dg.AssetKey("lake_zone_indicators")
LAKE_REJECTIONS = dg.AssetKey("lake_rejections")
LAKE_FIRM_INDICATORS = dg.AssetKey("lake_firm_indicators")
LAKE_PROJECT_SNAPSHOTS = dg.AssetKey("lake_project_snapshots")
# lake table asset -> its table and Great Expectations suite (same name)
SUITES = {LAKE_ZONE_INDICATORS: "zone_indicators", LAKE_FIRM_INDICATORS: "firm_indicators",
          LAKE_PROJECT_SNAPSHOTS: "project_snapshots"}


# The rows that count: newest vintage per zone, period and measure (zone ledgers), newest file per zone and
# period (record ledgers) — as the dbt models pick them. Superseded rows stay in the lake but are not re-checked.
CURRENT_ROWS = {
    "zone_indicators": "zone_code, year, month, measure, value_basis",
    "firm_indicators": "zone_code, year, month",
    "project_snapshots": "zone_code, year, month",
}


def lake_frame(table: str, months: list[str], current_only: bool = False) -> pd.DataFrame:
    files = [str(p) for m in months if (p := month_file(data_paths().lake, table, m)).exists()]
    if not files:
        from pipelines.lake_schema import LAKE_TABLES

        return LAKE_TABLES[table].empty_table().to_pandas()
    current = (f"qualify dense_rank() over (partition by {CURRENT_ROWS[table]} "
               "order by vintage desc nulls last, received_at desc nulls last, file_sha256 desc) = 1"
               if current_only else "")
    with duckdb.connect(config=duckdb_config()) as con:
        rows = con.sql(f"select * from read_parquet($files, union_by_name = true) {current}", params={"files": files})
        return arrow_to_pandas(rows.to_arrow_table())


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """The frame DuckDB's `.df()` gives for `table`, without its detour through Python strings (half the time).

    The checks' details print values (a date and a Timestamp, 3 and 3.0 differ), so the dtypes must be the same:
    dates as datetime64[us], integers and booleans with nulls as pandas' nullable types.
    """
    frame = table.to_pandas(date_as_object=False)
    for field in table.schema:
        nulls = table.column(field.name).null_count
        if pa.types.is_date(field.type):
            frame[field.name] = frame[field.name].astype("datetime64[us]")
        elif pa.types.is_boolean(field.type) and nulls:
            frame[field.name] = frame[field.name].astype("boolean")
        elif pa.types.is_integer(field.type) and nulls:
            kind = "Int" if pa.types.is_signed_integer(field.type) else "UInt"
            dtype = pd.api.types.pandas_dtype(f"{kind}{field.type.bit_width}")
            frame[field.name] = pd.Series(dtype.__from_arrow__(table.column(field.name)), index=frame.index)
    return frame


def month_tuples(months: list[str]) -> list[tuple[int, int]]:
    return [(int(m[:4]), int(m[5:7])) for m in months]


def suite_check_result(suite: str, months: list[str], asset: dg.AssetKey, check: str,
                       blocking_errors: bool = True) -> dg.AssetCheckResult:
    """The Dagster view of a suite's current findings for `months`: fails while an error is open or rejected."""
    paths = data_paths()
    found = findings(paths, months)
    found = found[found["suite"] == suite]
    blocking = found[(found["severity"] == "error") & found["status"].isin(["open", "rejected"])]
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=check,
        passed=blocking.empty,
        severity=dg.AssetCheckSeverity.ERROR if blocking_errors and not blocking.empty else dg.AssetCheckSeverity.WARN,
        metadata={
            "findings": len(found),
            "open_errors": len(blocking),
            "waived_or_accepted": int(found["status"].isin(["waived", "accepted"]).sum()),
            "data_docs": dg.MetadataValue.path(str(data_docs_index(paths))),
            "review": f"parkstats review list --month {months[-1]}" if len(months) == 1 else "parkstats review list",
            "findings_list": dg.MetadataValue.json(
                found.head(50)[["finding_id", "severity", "status", "failed", "checked", "description_en",
                                "failing_rows"]].astype(str).to_dict("records")),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(LEDGER_MANIFEST, description="Every ingested ledger file: sha256, size, layout, zone, period, "
                     "received time and vintage (lake/manifest). The raw bytes are kept in raw/ under their hash.",
                     group_name="ingestion", kinds={"python", "parquet"}, deps=["reference_data"]),
        dg.AssetSpec(LAKE_ZONE_INDICATORS, description="Canonical zone-indicator rows in 万元 / 万美元 / 亩 / 个, "
                     "each traced to file, sheet and line (lake/zone_indicators).",
                     group_name="ingestion", kinds={"python", "parquet"}, deps=[LEDGER_MANIFEST]),
        dg.AssetSpec(LAKE_FIRM_INDICATORS, description="One row per firm of the enterprise ledgers (企业亩均效益台账): "
                     "USCC, industry, land, revenue, tax, value added, energy, electricity, employees, R&D; "
                     "traced to file and line (lake/firm_indicators).",
                     group_name="ingestion", kinds={"python", "parquet"}, deps=[LEDGER_MANIFEST]),
        dg.AssetSpec(LAKE_PROJECT_SNAPSHOTS, description="Monthly snapshots of the zones' project ledgers "
                     "(招商引资及重点项目台账): stage dates, amounts, land, plan and completed investment; traced to "
                     "file and line (lake/project_snapshots).",
                     group_name="ingestion", kinds={"python", "parquet"}, deps=[LEDGER_MANIFEST]),
        dg.AssetSpec(LAKE_REJECTIONS, description="Rows refused while reading ledgers, with file, line, field and "
                     "why (lake/rejections).", group_name="ingestion", kinds={"python", "parquet"},
                     deps=[LEDGER_MANIFEST]),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="lake",
    check_specs=[
        *[dg.AssetCheckSpec(f"{suite}_suite", asset=asset, blocking=True,
                            description=f"Great Expectations suite expectations/{suite}.lake.json (ESS levels 0–1); "
                                        "fails while an error finding is neither passed nor waived.")
          for asset, suite in SUITES.items()],
        dg.AssetCheckSpec("no_rejected_rows", asset=LAKE_REJECTIONS,
                          description="Warns when ledgers of these months had rows that could not be read."),
        dg.AssetCheckSpec("no_quarantined_files", asset=LEDGER_MANIFEST,
                          description="Warns when landing files could not be read and went to quarantine."),
    ],
)
def ingest_ledgers(context: dg.AssetExecutionContext):
    months = months_of_context(context)
    report = ingest_months(data_paths(), months)
    context.log.info(report.summary())
    for item in report.quarantined:
        context.log.warning(f"quarantined: {item['error']}")
    for message in report.rejections[:50]:
        context.log.warning(f"rejected: {message}")
    yield dg.MaterializeResult(
        asset_key=LEDGER_MANIFEST,
        metadata={"months": ", ".join(months), "new_files": len(report.ingested),
                  "duplicates": len(report.duplicates), "quarantined": len(report.quarantined),
                  "deferred_other_months": report.deferred,
                  "files": dg.MetadataValue.json(report.ingested[:200])},
    )
    for asset, table in SUITES.items():
        by_month = report.rows_by_table.get(table, {})
        yield dg.MaterializeResult(
            asset_key=asset,
            metadata={"rows_written": sum(by_month.values()), "rows_by_month": dg.MetadataValue.json(by_month)},
        )
    yield dg.MaterializeResult(asset_key=LAKE_REJECTIONS, metadata={"rows_rejected": len(report.rejections)})
    paths = data_paths()
    gx = gx_context(paths)
    for asset, table in SUITES.items():
        suite = f"{table}.lake"
        frame = lake_frame(table, months, current_only=True)
        rows = validate_lake_rows(paths, suite, frame, month_tuples(months), context.run_id, context=gx)
        write_results(paths, rows, run_id=context.run_id, suite=suite)
        yield suite_check_result(suite, months, asset, f"{table}_suite")
    build_data_docs(gx)
    rejections = lake_frame("rejections", months)
    yield dg.AssetCheckResult(
        asset_key=LAKE_REJECTIONS, check_name="no_rejected_rows", passed=rejections.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rejected_rows": len(rejections),
                  "examples": dg.MetadataValue.json(
                      rejections.head(20)[["source_file", "source_line", "field", "raw_value", "message"]]
                      .astype(str).to_dict("records"))},
    )
    yield dg.AssetCheckResult(
        asset_key=LEDGER_MANIFEST, check_name="no_quarantined_files", passed=not report.quarantined,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined": dg.MetadataValue.json(report.quarantined)},
    )
    del report, frame, rejections
    release_freed_memory()  # before the dbt build this run starts next
