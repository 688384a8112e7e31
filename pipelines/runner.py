"""Running the Dagster jobs from the command line, recorded in the instance the UI shows (DAGSTER_HOME)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.partitions import partition_key
from pipelines.settings import export_env

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    failed_checks: list[str]
    skipped_steps: list[str]
    materialized: int = 0  # distinct assets
    checks_passed: int = 0
    ingest: dict | None = None  # metadata of the ledger_manifest materialization
    problems: list[str] = field(default_factory=list)  # quarantined files and refused rows, as messages
    publish: dict | None = None  # metadata of the `published` materialization (release, months new / withheld)


def run_months(first: str, last: str, *, raise_on_error: bool = False, log_file: Path | None = None) -> RunOutcome:
    """As `_run_months`; with `log_file`, the run's console output (Dagster, dbt) goes there instead."""
    if log_file is None:
        return _run_months(first, last, raise_on_error=raise_on_error, quiet=False)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        return _run_months(first, last, raise_on_error=raise_on_error, quiet=True)


def _run_months(first: str, last: str, *, raise_on_error: bool, quiet: bool) -> RunOutcome:
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
    publish = next(({k: v.value for k, v in m.metadata.items()} for m in materializations
                    if m.asset_key.to_user_string() == "published"), None)
    assets = {m.asset_key for m in materializations}
    problems = [item["error"] for c in checks if c.check_name == "no_quarantined_files"
                for item in c.metadata["quarantined"].value]
    problems += [f"{r['source_file']}, row {r['source_line']}, field {r['field']}: {r['message']}"
                 for c in checks if c.check_name == "no_rejected_rows" for r in c.metadata["examples"].value]
    return RunOutcome(result.run_id, result.success and not skipped, failed, skipped, len(assets),
                      len(checks) - len(failed), ingest, problems, publish)
