"""What a ledger file says, in canonical units: the bridge between the layout writers and the ground truth.

Each layout writer rounds simulated values to what it prints, renders the file, and returns a
:class:`LedgerFile` whose reports hold exactly the printed numbers converted to canonical units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

# Fixed document properties so xlsx bytes never depend on when the generator ran.
FIXED_CREATED = datetime(2025, 1, 1)
DASH = "—"


@dataclass(frozen=True)
class ReportedValue:
    """One measure as a correct reader must find it, in the canonical unit."""

    ytd: Decimal  # flows: 1-N月累计; stocks: end-of-period value
    period: Decimal | None = None  # set only where the ledger writes the period's own flow (layout B)
    prior: Decimal | None = None  # 上年同期 as written (layout A)
    yoy: Decimal | None = None  # growth % as written (1.6倍 -> 60.0)


@dataclass
class ZoneReport:
    zone_code: str
    layout: str
    year: int
    month: int  # period end month
    start_month: int  # first month of the period's own flow (1 for layout C's 1-2月)
    values: dict[str, ReportedValue]


@dataclass
class LedgerFile:
    path: Path
    relpath: str  # relative to the landing folder, POSIX separators
    layout: str
    submitted: datetime  # becomes the file's mtime
    reports: list[ZoneReport] = field(default_factory=list)


def growth_pct(current: Decimal, prior: Decimal | None) -> Decimal | None:
    """同比 % to one decimal from the written figures; None when there is no valid base."""
    if prior is None or prior <= 0:
        return None
    return ((current / prior - 1) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ledger_path(landing_dir: Path, folder: str, name: str) -> tuple[Path, str]:
    path = landing_dir / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, f"{folder}/{name}"


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    # in_memory also pins the zip entry timestamps (xlsxwriter uses 1980-01-01 there).
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"created": FIXED_CREATED, "author": "ParkStats"})
    return workbook
