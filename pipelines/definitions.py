"""The ParkStats Dagster code location."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from pipelines.dagster_sqlite import tune_sqlite_storage
from pipelines.settings import export_env

export_env()  # before the asset modules: under `dagster dev` they run `dbt parse` at import
tune_sqlite_storage()  # runs launched from the UI, sensor or schedule import this module too

from pipelines.assets.bulletin import bulletin  # noqa: E402
from pipelines.assets.ingest import ingest_ledgers  # noqa: E402
from pipelines.assets.publish import published  # noqa: E402
from pipelines.assets.quality import check_results  # noqa: E402
from pipelines.assets.reference import reference_data  # noqa: E402
from pipelines.assets.warehouse import ParkStatsDbtCli, dbt_project, warehouse_models  # noqa: E402
from pipelines.automation import landing_sensor, monthly_job, monthly_schedule, reference_job  # noqa: E402

defs = dg.Definitions(
    assets=[reference_data, ingest_ledgers, warehouse_models, check_results, published, bulletin],
    jobs=[monthly_job, reference_job],
    schedules=[monthly_schedule],
    sensors=[landing_sensor],
    # dbt from this interpreter's environment, whether or not .venv/bin is on PATH
    resources={"dbt": ParkStatsDbtCli(project_dir=dbt_project,
                                    dbt_executable=str(Path(sys.executable).parent / "dbt"))},
)
