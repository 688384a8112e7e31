"""Running the Great Expectations 1.x suites kept in expectations/ on a DataFrame.

Suites are JSON files: one expectation per rule, with a `meta` block giving the rule id, ESS validation level,
severity (error blocks publishing, warning reports) and the rule's meaning in Chinese and English.
Value sets written "$ref:<name>" are filled from sources/ at run time, so each code list has one home.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from pipelines.settings import EXPECTATIONS_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _zone_codes() -> list[str]:
    from pipelines.registry import load_zones

    return [z.zone_code for z in load_zones()]


def _measures() -> list[str]:
    from pipelines.measures import load_measures

    return list(load_measures())


REFS: dict[str, Callable[[], list[str]]] = {"zone_codes": _zone_codes, "measures": _measures}


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    expectation: str
    column: str | None
    ess_level: int
    severity: str
    description_en: str
    description_zh: str
    success: bool
    checked: int
    failed: int
    failing_examples: list = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rules: list[RuleOutcome]

    @property
    def blocking_failures(self) -> list[RuleOutcome]:
        return [r for r in self.rules if not r.success and r.severity == "error"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


TRACE_COLUMNS = ("source_file", "source_line")  # failing rows are reported with their file and line


def _examples(result: dict) -> list[str]:
    indexed = result.get("partial_unexpected_index_list") or []
    if indexed:
        return [", ".join(f"{k}={v}" for k, v in row.items()) for row in indexed[:5]]
    return [str(x) for x in result.get("partial_unexpected_list", [])][:5]


@cache
def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    with (directory / f"{name}.json").open(encoding="utf-8") as f:
        suite = json.load(f)
    for exp in suite["expectations"]:
        for key, value in exp["kwargs"].items():
            if isinstance(value, str) and value.startswith("$ref:"):
                exp["kwargs"][key] = REFS[value.removeprefix("$ref:")]()
    return suite


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("parkstats")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def validate_frame(df: pd.DataFrame, suite_name: str) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite(suite_name)
    batch_definition = _batch_definition()  # creates the (ephemeral) context a suite needs
    suite = gx.ExpectationSuite(name=spec["name"])
    for exp in spec["expectations"]:
        suite.add_expectation(ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"],
                                                       meta=exp["meta"]).to_domain_obj())
    batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
    trace = [c for c in TRACE_COLUMNS if c in df.columns]
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5,
                                                  "unexpected_index_column_names": trace})
    rules = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        res = r.result or {}
        rules.append(
            RuleOutcome(
                rule_id=meta.get("rule_id", cfg.type),
                expectation=cfg.type,
                column=cfg.kwargs.get("column"),
                ess_level=int(meta.get("ess_level", 1)),
                severity=meta.get("severity", "error"),
                description_en=meta.get("en", ""),
                description_zh=meta.get("zh", ""),
                success=bool(r.success),
                checked=int(res.get("element_count", len(df))),
                failed=int(res.get("unexpected_count", 0 if r.success else 1) or 0),
                failing_examples=_examples(res),
            )
        )
    return SuiteOutcome(suite=suite_name, rules=sorted(rules, key=lambda x: x.rule_id))
