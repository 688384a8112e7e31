"""Monthly partitions: one partition per reporting month (the end month of 1-N月 cumulative figures)."""

from __future__ import annotations

import dagster as dg

FIRST_MONTH = "2023-01-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=0)


def month_key(partition_key: str) -> str:
    """'2024-03-01' (Dagster's key) → '2024-03' (the lake's month key)."""
    return partition_key[:7]


def partition_key(month: str) -> str:
    return f"{month}-01"


def months_of_context(context: dg.AssetExecutionContext) -> list[str]:
    """The months a (possibly single-run backfill) partitioned step covers."""
    keys = context.partition_keys
    return sorted(month_key(k) for k in keys)
