"""Monthly partitions: one partition per reporting month (the end month of 1-N月 cumulative figures)."""

from __future__ import annotations

from datetime import date

import dagster as dg

FIRST_MONTH = "2023-01-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=0)


def month_key(partition_key: str) -> str:
    """'2024-03-01' (Dagster's key) → '2024-03' (the lake's month key)."""
    return partition_key[:7]


def partition_key(month: str) -> str:
    return f"{month}-01"


def months_between(first: str, last: str) -> list[str]:
    """Inclusive list of 'YYYY-MM' keys."""
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def months_of_context(context: dg.AssetExecutionContext) -> list[str]:
    """The months a (possibly single-run backfill) partitioned step covers."""
    keys = context.partition_keys
    return sorted(month_key(k) for k in keys)


def previous_month(today: date) -> str:
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{y:04d}-{m:02d}"
