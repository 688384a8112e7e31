"""The rules that need the built warehouse (levels 1–3, Hidiroglou–Berthelot, completeness), run after dbt.

Their results join the lake checks' in the check-results history; the asset checks show each suite's open
findings in the Dagster UI. They do not block: the publish step withholds exactly the months with open errors.
"""

import dagster as dg

from pipelines.assets.ingest import month_tuples, suite_check_result
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.quality.catalogue import suites_of_stage
from pipelines.quality.sql_rules import run_warehouse_suites
from pipelines.settings import data_paths

CHECK_RESULTS = dg.AssetKey("check_results")


def check_name(suite: str) -> str:
    return suite.replace(".", "_")


def dbt_model_keys() -> list[dg.AssetKey]:
    from pipelines.assets.warehouse import dbt_model_names

    return [dg.AssetKey(name) for name in dbt_model_names()]


@dg.asset(
    key=CHECK_RESULTS,
    deps=dbt_model_keys(),
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="quality",
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description="History of every check: run, month, zone, rule, ESS level, severity, items checked, passes, "
                "fails, not evaluable, and failing rows with file and line (PARKSTATS_HOME/quality/results). "
                "This step runs the warehouse rules of expectations/*.yaml and appends their results.",
    check_specs=[dg.AssetCheckSpec(check_name(s.name), asset=CHECK_RESULTS, description=f"{s.name}: {s.description}")
                 for s in suites_of_stage("warehouse")],
)
def check_results(context: dg.AssetExecutionContext):
    months = months_of_context(context)
    by_suite = run_warehouse_suites(data_paths(), month_tuples(months), context.run_id)
    failed = {suite: sum(r["failed"] > 0 for r in rows) for suite, rows in by_suite.items()}
    yield dg.MaterializeResult(metadata={"months": ", ".join(months), "findings_by_suite": dg.MetadataValue.json(failed),
                                         "result_rows": sum(len(r) for r in by_suite.values())})
    for suite in by_suite:
        yield suite_check_result(suite, months, CHECK_RESULTS, check_name(suite))
