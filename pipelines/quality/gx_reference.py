"""A Great Expectations expectation for code lists kept in sources/: `expect_column_values_to_be_in_reference_set`.

`expect_column_values_to_be_in_set` carries its value set in the expectation's configuration, and GX 1.x
rebuilds that configuration (a pydantic dump of every kwarg) some hundred times per expectation while planning
a validation: with the 2,543 codes of the zone catalogue that is ~12 ms a time, seconds per run for three
suites. This expectation names the list instead (`"reference": "zone_codes"`), and the metric looks the codes up
when it evaluates the column — the same rule (values must belong to the list; missing values are not
evaluated, as for any column map expectation), the same unexpected rows and Data Docs, a configuration of two
words. The lists are those of `REFERENCE_SETS`, each read from sources/ once per process.

Importing this module registers the expectation and its metric with GX (their classes register themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import ClassVar

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial


def _zone_codes() -> list[str]:
    from pipelines.registry import load_zones

    return [z.zone_code for z in load_zones()]


def _measures() -> list[str]:
    from pipelines.measures import load_measures

    return list(load_measures())


REFERENCE_SETS: dict[str, Callable[[], list[str]]] = {"zone_codes": _zone_codes, "measures": _measures}


@cache
def reference_values(name: str) -> frozenset[str]:
    if name not in REFERENCE_SETS:
        raise ValueError(f"unknown reference set {name!r}; known: {', '.join(REFERENCE_SETS)}")
    return frozenset(REFERENCE_SETS[name]())


class ColumnValuesInReferenceSet(ColumnMapMetricProvider):
    condition_metric_name = "column_values.in_reference_set"
    condition_value_keys = ("reference",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, reference, **kwargs):
        return column.isin(reference_values(reference))


class ExpectColumnValuesToBeInReferenceSet(ColumnMapExpectation):
    """Expect each column value to belong to a ParkStats reference list (sources/): `reference` is its name,
    e.g. zone_codes (the 2018 catalogue) or measures (sources/measures.yaml)."""

    reference: str

    map_metric = "column_values.in_reference_set"
    args_keys = ("column", "reference")
    success_keys = ("reference", "mostly")
    library_metadata: ClassVar[dict] = {"maturity": "production", "tags": ["parkstats"], "contributors": [],
                                        "requirements": [], "has_full_test_suite": False,
                                        "manually_reviewed_code": True}
