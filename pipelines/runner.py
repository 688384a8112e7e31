"""Running the Dagster jobs from the command line, recorded in the instance the UI shows (DAGSTER_HOME)."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.partitions import partition_key
from pipelines.settings import export_env

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the CLI prints its own summary


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    failed_checks: list[str]
    skipped_steps: list[str]
    materialized: int = 0  # distinct assets
    checks_passed: int = 0
    ingest: dict | None = None  # metadata of the ledger_manifest materialization


def run_months(first: str, last: str, *, raise_on_error: bool = False, quiet: bool = False) -> RunOutcome:
    """Reference data, then one run of the monthly job over the partition range first..last ('YYYY-MM')."""
    export_env()
    from pipelines.definitions import defs

    instance = dg.DagsterInstance.get()
    run_config = QUIET if quiet else None
    reference = defs.resolve_job_def("reference_data_job").execute_in_process(
        instance=instance, raise_on_error=raise_on_error, run_config=run_config)
    if not reference.success:
        return RunOutcome(reference.run_id, False, [], [])
    job = defs.resolve_job_def("monthly_ledgers")
    tags = {ASSET_PARTITION_RANGE_START_TAG: partition_key(first), ASSET_PARTITION_RANGE_END_TAG: partition_key(last)}
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=raise_on_error,
                                    run_config=run_config)
    checks = [e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED" and e.step_key]
    materializations = [e.materialization for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    ingest = next(({k: v.value for k, v in m.metadata.items()} for m in materializations
                   if m.asset_key.to_user_string() == "ledger_manifest"), None)
    assets = {m.asset_key for m in materializations}
    return RunOutcome(result.run_id, result.success and not skipped, failed, skipped, len(assets),
                      len(checks) - len(failed), ingest)
