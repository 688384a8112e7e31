"""Running the Dagster jobs from the command line, recorded in the instance the UI shows (DAGSTER_HOME)."""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster._core.utils import make_new_run_id

from pipelines.dagster_sqlite import held_open
from pipelines.partitions import partition_key
from pipelines.settings import export_env

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Runs started here carry the process that executes them, so a later run can tell a live run from a dead one.
PID_TAG, HOST_TAG, START_TAG = "parkstats/pid", "parkstats/host", "parkstats/process_start"
UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), None if it is gone:
    with the pid it names a process uniquely, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), START_TAG: _process_start(os.getpid()) or ""}


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs started from this machine's CLI whose process has died (killed, out of memory, power
    cut) and free the pool slots they held: otherwise the next run waits for those slots forever and the UI
    shows a run that will never end. Runs of the UI, sensor and schedule are watched by the daemon instead
    (run monitoring in dagster.yaml)."""
    reaped = []
    records = instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED, tags={HOST_TAG: socket.gethostname()}))
    for record in records:
        run, tags = record.dagster_run, record.dagster_run.tags
        if _process_start(int(tags.get(PID_TAG, "0"))) == tags.get(START_TAG):
            continue  # still running
        instance.report_run_failed(run, f"the process that ran this run (pid {tags.get(PID_TAG)}) died before it "
                                        "finished; marked failed by the next `parkstats run`")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


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


def reference_is_current(instance: dg.DagsterInstance) -> bool:
    """True when the lake's reference tables were last written from the same sources and code (the fingerprint in
    the last `reference_data` materialization): rewriting them would change nothing, so the run is skipped."""
    from pipelines.reference import reference_fingerprint, reference_tables_present
    from pipelines.settings import data_paths

    event = instance.get_latest_materialization_event(dg.AssetKey("reference_data"))
    if event is None or event.asset_materialization is None:
        return False
    recorded = event.asset_materialization.metadata.get("fingerprint")
    return (recorded is not None and recorded.value == reference_fingerprint()
            and reference_tables_present(data_paths().lake))


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
    reap_dead_runs(instance)
    run_config = QUIET if quiet else None
    if not reference_is_current(instance):
        run_id = make_new_run_id()
        with held_open(instance, run_id):
            reference = defs.resolve_job_def("reference_data_job").execute_in_process(
                instance=instance, raise_on_error=raise_on_error, run_config=run_config, tags=_process_tags(),
                run_id=run_id)
        if not reference.success:
            return RunOutcome(reference.run_id, False, [], [])
    job = defs.resolve_job_def("monthly_ledgers")
    tags = {ASSET_PARTITION_RANGE_START_TAG: partition_key(first), ASSET_PARTITION_RANGE_END_TAG: partition_key(last),
            **_process_tags()}
    run_id = make_new_run_id()
    with held_open(instance, run_id):  # a thousand events: see pipelines/dagster_sqlite.py
        result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=raise_on_error,
                                        run_config=run_config, run_id=run_id)
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
