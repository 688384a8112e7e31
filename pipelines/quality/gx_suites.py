"""Running the Great Expectations 1.x suites of expectations/*.lake.json on the rows of a lake table.

Suites are JSON files: one expectation per rule, with a `meta` block giving the rule id, ESS level, severity
and the rule's meaning in Chinese and English. Code lists kept in sources/ (the zone catalogue, the measures)
are named, not copied: `expect_column_values_to_be_in_reference_set` (pipelines/quality/gx_reference.py).
Validation runs in a GX file context under PARKSTATS_HOME/quality/gx, through a checkpoint per suite; the Data
Docs reviewers read are rebuilt once the run's suites are done (`build_data_docs`). The outcome of each
expectation is split per month and zone into result rows (see `results.result_rows`).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipelines.quality.catalogue import load_catalogue
from pipelines.quality.results import result_rows
from pipelines.settings import EXPECTATIONS_DIR, DataPaths

if TYPE_CHECKING:
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.data_context import AbstractDataContext

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# failing rows are reported with where they came from
INDEX_COLUMNS = ("zone_code", "year", "month", "file_sha256", "source_file", "source_line")


@cache
def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    with (directory / f"{name}.json").open(encoding="utf-8") as f:
        return json.load(f)


def gx_root(paths: DataPaths) -> Path:
    return paths.home / "quality"


def data_docs_index(paths: DataPaths) -> Path:
    return gx_root(paths) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def gx_context(paths: DataPaths) -> AbstractDataContext:
    """The GX file context under PARKSTATS_HOME/quality/gx; loading it reads its config, so a run loads it once."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(gx_root(paths)))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _checkpoint(context: AbstractDataContext, suite_name: str) -> Checkpoint:
    """The suite, a whole-DataFrame batch and a checkpoint, in the file context."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    import pipelines.quality.gx_reference  # noqa: F401 (registers expect_column_values_to_be_in_reference_set)

    try:
        source = context.data_sources.get("parkstats_lake")
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas("parkstats_lake")
    table = suite_name.split(".")[0]
    try:
        asset = source.get_asset(table)
    except LookupError:
        asset = source.add_dataframe_asset(table)
    try:
        batch_definition = asset.get_batch_definition("run_rows")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("run_rows")
    spec = load_suite(suite_name)
    suite = gx.ExpectationSuite(name=spec["name"], meta=spec.get("meta", {}))
    for exp in spec["expectations"]:
        suite.add_expectation(ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"],
                                                       meta=exp["meta"]).to_domain_obj())
    suite = context.suites.add_or_update(suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite_name, validation_definitions=[validation], actions=[],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(INDEX_COLUMNS)}))


def build_data_docs(context: AbstractDataContext) -> None:
    """Rebuild the Data Docs site once the run's validations are stored (once, not per suite)."""
    context.build_data_docs()


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _items(frame: pd.DataFrame, expectation: dict, result: dict, success: bool) -> pd.DataFrame:
    """One item per row of `frame` the expectation looked at (one per table for table-level expectations)."""
    kwargs = expectation["kwargs"]
    column = kwargs.get("column")
    if not any(k in kwargs for k in ("column", "column_list", "column_A")):
        months = frame[["year", "month"]].drop_duplicates()
        return months.assign(zone_code="", ok=success, subject="columns",
                             detail=None if success else f"columns differ: {result.get('details', '')}")
    items = frame[list(INDEX_COLUMNS)].copy()
    items["subject"] = column or ", ".join(kwargs.get("column_list") or [kwargs["column_A"], kwargs["column_B"]])
    items["ok"] = pd.Series(True, index=items.index, dtype="boolean")  # nullable: None = not evaluable
    if column and not expectation["type"].endswith("to_not_be_null"):
        items.loc[frame[column].isna().to_numpy(), "ok"] = pd.NA  # GX does not evaluate missing values
    failing = result.get("unexpected_index_list") or []
    if failing:
        bad = pd.DataFrame(failing)
        keys = ["file_sha256", "source_line"]
        marked = items.reset_index().merge(bad[keys].drop_duplicates(), on=keys)["index"]
        items.loc[marked, "ok"] = False
        values = {(r["file_sha256"], r["source_line"]): _plain(r.get(column)) for r in failing} if column else {}
        items.loc[marked, "detail"] = [f"{column} = {values.get(k)!r}" if column else "duplicate or out of order"
                                       for k in zip(items.loc[marked, "file_sha256"], items.loc[marked, "source_line"],
                                                    strict=True)]
    return items


def validate_lake_rows(paths: DataPaths, suite_name: str, frame: pd.DataFrame, months: list[tuple[int, int]],
                       run_id: str, context: AbstractDataContext | None = None) -> list[dict]:
    """Validate `frame` (a lake table's rows of `months`) with the suite; result rows per month × zone × rule.

    `context`: the GX context of `paths` (`gx_context`), when the caller validates several suites in a row.
    """
    import great_expectations as gx

    suite = load_catalogue()[suite_name]
    rules = {r.rule_id: r for r in suite.rules}
    checkpoint = _checkpoint(context or gx_context(paths), suite_name)
    run_name = f"{run_id[:8]} {suite_name} {'..'.join(sorted({f'{y}-{m:02d}' for y, m in months})[::max(1, len(months) - 1)])}"
    outcome = checkpoint.run(batch_parameters={"dataframe": frame},
                             run_id=gx.core.run_identifier.RunIdentifier(run_name=run_name))
    checked_at = datetime.now()
    spec = {e["meta"]["rule_id"]: e for e in load_suite(suite_name)["expectations"]}
    rows: list[dict] = []
    for validation in outcome.run_results.values():
        for r in validation.results:
            rule_id = (r.expectation_config.meta or {})["rule_id"]
            items = _items(frame, spec[rule_id], r.result or {}, bool(r.success)) if len(frame) else frame.head(0)
            rows += result_rows(rules[rule_id], items, months, run_id=run_id, checked_at=checked_at)
    return rows
