"""The published release: the marts of the months that passed the gate, copied out for readers."""


import dagster as dg

from pipelines.assets.quality import CHECK_RESULTS
from pipelines.assets.warehouse import mart_models
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.publish import publish
from pipelines.settings import data_paths


@dg.asset(
    key="published",
    deps=[*(dg.AssetKey(name) for name in mart_models()), CHECK_RESULTS],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="published",
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description="Atomic release (Parquet + a read-only DuckDB file + release.json) under published/current of "
                "every month whose error findings are all passed or waived; other months keep their previous "
                "release or stay unpublished. Rows carry a status flag (A, P, E, r).",
)
def published(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    months = months_of_context(context)
    record = publish(data_paths(), months)
    for month, reason in record["months_withheld"].items():
        if month in months:
            context.log.warning(f"{month} not published: {reason} (see `parkstats review list --month {month}`)")
    return dg.MaterializeResult(metadata={
        "release_id": str(record.get("release_id")),
        "new_release": record["published"],
        "months_new": dg.MetadataValue.json(record.get("months_new", [])),
        "months_withheld": dg.MetadataValue.json({m: r for m, r in record["months_withheld"].items() if m in months}),
        "check_summary": dg.MetadataValue.json({m: s for m, s in record["check_summary"].items() if m in months}),
    })
