"""The published release: marts copied out of the warehouse for readers (CLI, bulletin, analysts)."""


import dagster as dg

from pipelines.assets.warehouse import mart_models
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.publish import publish
from pipelines.settings import data_paths


@dg.asset(
    deps=[dg.AssetKey(name) for name in mart_models()],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="published",
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description="Atomic release of the marts (Parquet + a read-only DuckDB file) under published/current.",
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    months = months_of_context(context)
    record = publish(data_paths(), mart_models(), months)
    return dg.MaterializeResult(metadata={"release_id": record["release_id"],
                                          "tables": dg.MetadataValue.json(record["tables"])})
