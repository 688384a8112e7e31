"""The dbt project as Dagster assets; dbt tests become asset checks. dbt is the warehouse's only writer.

A partition range runs one `dbt build` with the month window PARKSTATS_MONTH_FROM / PARKSTATS_MONTH_TO in its
environment (macros/incremental_window.sql: build_month), so incremental marts rebuild just the months that range
can change. Not --vars: dbt re-parses the whole project whenever the vars change, i.e. on every monthly run.
"""

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging.version import Version

from pipelines.faults import crash_point
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.settings import DBT_PROJECT_DIR, data_paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class ParkStatsDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else "warehouse"
        return f"warehouse_{layer}"


class ParkStatsDbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two start-up costs this project does not use (about 3.5 s of each
    build step): running `dbt --version` in a subprocess to learn dbt's version, which the installed dbt-core's
    metadata gives; and opening a dbt adapter in this process, which dagster-dbt uses only to fetch row counts and
    column metadata (not asked for here). The dbt build itself runs as before, in dbt's own process."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


CRASH_AFTER_MODELS = 8  # crash point dbt.models_built: staging done, intermediates and marts still to come

translator = ParkStatsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    months = months_of_context(context)
    # one target folder in the data folder (writers run one at a time: pool `warehouse`), not one per run
    target = data_paths().home / "dbt" / "target"
    built = 0
    with month_window(months[0], months[-1]):  # dbt's process is started here, with a copy of this environment
        invocation = dbt.cli(["build"], context=context, target_path=target)
    for event in invocation.stream():
        yield event
        built += isinstance(event, dg.Output)
        if built == CRASH_AFTER_MODELS:
            crash_point("dbt.models_built")


@contextlib.contextmanager
def month_window(first: str, last: str) -> Iterator[None]:
    """PARKSTATS_MONTH_FROM / _TO set while the dbt process of this step starts, and restored right after."""
    window = {"PARKSTATS_MONTH_FROM": first, "PARKSTATS_MONTH_TO": last}
    before = {name: os.environ.get(name) for name in window}
    os.environ.update(window)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def mart_models() -> list[str]:
    """The models published to readers: every model under models/marts."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return sorted(n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and len(n["fqn"]) > 2 and n["fqn"][1] == "marts")


def dbt_model_names() -> list[str]:
    """Every dbt model (the warehouse rules of check_results may read any of them)."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return sorted(n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model")
