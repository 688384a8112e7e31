"""How runs start: the monthly job, a sensor on the landing folder, and a schedule on the 10th of each month."""


import hashlib

import dagster as dg

from pipelines.ingest.batch import known_hashes
from pipelines.ingest.landing import scan_landing
from pipelines.partitions import monthly_partitions, partition_key
from pipelines.settings import data_paths

monthly_job = dg.define_asset_job(
    name="monthly_ledgers",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets("reference_data"),
    partitions_def=monthly_partitions,
    description="Ingest a month's ledgers, check them, build the warehouse and publish the marts.",
)

reference_job = dg.define_asset_job(
    name="reference_data_job",
    selection=dg.AssetSelection.assets("reference_data"),
    description="Reload the zone registry, aliases, measures and ranking weights from sources/.",
)

# Ledgers for month M arrive in the first days of M+1; the office's deadline is the 8th, so run on the 10th.
monthly_schedule = dg.build_schedule_from_partitioned_job(
    monthly_job, name="monthly_on_the_10th", day_of_month=10, hour_of_day=6, default_status=dg.DefaultScheduleStatus.STOPPED
)


@dg.sensor(job=monthly_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Requests a run for every reporting month that has new files in the landing folder.")
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason | list[dg.RunRequest]:
    paths = data_paths()
    files = scan_landing(paths)
    known = known_hashes(paths.lake)
    pending: dict[str, list[str]] = {}
    for f in files:
        if f.sha256 in known:
            continue
        # unreadable files are quarantined by the run of the month they name, or of the latest month
        months = f.months or [max((m for g in files for m in g.months), default=None) or _latest_partition()]
        for month in months:
            pending.setdefault(month, []).append(f.sha256)
    if not pending:
        return dg.SkipReason("no new files in the landing folder")
    return [
        dg.RunRequest(
            run_key=hashlib.sha256(f"{month}:{','.join(sorted(shas))}".encode()).hexdigest()[:16],
            partition_key=partition_key(month),
            tags={"parkstats/trigger": "landing_sensor", "parkstats/new_files": str(len(shas))},
        )
        for month, shas in sorted(pending.items())
    ]


def _latest_partition() -> str:
    return monthly_partitions.get_last_partition_key()[:7]
