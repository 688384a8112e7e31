"""Calendar helpers shared by the layouts: month ranges, period labels, submission times."""

from __future__ import annotations

from datetime import datetime, timedelta


def parse_month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


def month_range(start: str, end: str) -> list[tuple[int, int]]:
    """All (year, month) from start to end inclusive, e.g. month_range("2023-01", "2023-03")."""
    year, month = parse_month(start)
    last = parse_month(end)
    if (year, month) > last:
        raise ValueError(f"start {start} is after end {end}")
    months: list[tuple[int, int]] = []
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def period_label(month: int) -> str:
    """The ledger's name of a YTD period: 1月 for January alone, else 1-N月."""
    return "1月" if month == 1 else f"1-{month}月"


def submission_time(year: int, month: int, offset_min: int) -> datetime:
    """Ledgers for month N arrive on the 8th of month N+1 at 09:00 local time, plus the sender's habit."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 8, 9, 0) + timedelta(minutes=offset_min)
