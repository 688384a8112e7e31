"""The ground truth: what a correct reader of the newest ledger files must find, in canonical units."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from pipelines.sample.ledger import LedgerFile, ZoneReport
from pipelines.sample.scenario import FLOW_MEASURES, MEASURE_BY_NAME, MEASURES, ZONES

TRUTH_COLUMNS = (
    "zone_code", "layout", "year", "month", "period_start_month", "measure",
    "ytd_value", "period_value", "prior_ytd_value", "yoy_pct", "unit",
)  # fmt: skip
REVISION_COLUMNS = (
    "zone_code", "year", "month", "measure", "superseded_value", "corrected_value",
    "superseded_file", "corrected_file",
)  # fmt: skip
SCENARIO_COLUMNS = ("zone_code", "ledger_name", "layout", "sender_folder")
FOUR_PLACES = Decimal("0.0001")

Key = tuple[str, int, int]  # zone_code, year, month


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(FOUR_PLACES):f}"


def _vintages(files: list[LedgerFile]) -> dict[Key, list[tuple[LedgerFile, ZoneReport]]]:
    """All reports of each zone and period, oldest first (by arrival, as the pipeline orders vintages)."""
    by_key: dict[Key, list[tuple[LedgerFile, ZoneReport]]] = defaultdict(list)
    for file in sorted(files, key=lambda f: (f.submitted, f.relpath)):
        for report in file.reports:
            by_key[(report.zone_code, report.year, report.month)].append((file, report))
    return by_key


def truth_rows(files: list[LedgerFile]) -> list[dict[str, str]]:
    newest = {key: reports[-1][1] for key, reports in _vintages(files).items()}
    zone_order = {z.code: i for i, z in enumerate(ZONES)}
    measure_order = {m.name: i for i, m in enumerate(MEASURES)}
    rows: list[dict[str, str]] = []
    previous: dict[tuple[str, int], ZoneReport] = {}  # last report of the zone within the year
    for key in sorted(newest, key=lambda k: (zone_order[k[0]], k[1], k[2])):
        report = newest[key]
        before = previous.get((report.zone_code, report.year))
        # The period runs from the month after the previous report (1 when none), except for monthly ledgers.
        start = report.start_month if report.layout == "B" else (before.month + 1 if before else 1)
        for measure in sorted(report.values, key=measure_order.__getitem__):
            value = report.values[measure]
            period: Decimal | None = None
            if measure in FLOW_MEASURES:
                period = value.period
                if period is None:
                    period = value.ytd - (before.values[measure].ytd if before else Decimal(0))
            rows.append(
                {
                    "zone_code": report.zone_code,
                    "layout": report.layout,
                    "year": str(report.year),
                    "month": str(report.month),
                    "period_start_month": str(start),
                    "measure": measure,
                    "ytd_value": _fmt(value.ytd),
                    "period_value": _fmt(period),
                    "prior_ytd_value": _fmt(value.prior),
                    "yoy_pct": _fmt(value.yoy),
                    "unit": MEASURE_BY_NAME[measure].unit,
                }
            )
        previous[(report.zone_code, report.year)] = report
    return rows


def revision_rows(files: list[LedgerFile]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for (zone_code, year, month), reports in sorted(_vintages(files).items()):
        corrected_file, corrected = reports[-1]
        for old_file, old in reports[:-1]:
            for measure, value in old.values.items():
                new = corrected.values.get(measure)
                if new is None or new.ytd == value.ytd:
                    continue
                rows.append(
                    {
                        "zone_code": zone_code,
                        "year": str(year),
                        "month": str(month),
                        "measure": measure,
                        "superseded_value": _fmt(value.ytd),
                        "corrected_value": _fmt(new.ytd),
                        "superseded_file": old_file.relpath,
                        "corrected_file": corrected_file.relpath,
                    }
                )
    return rows


def scenario_rows() -> list[dict[str, str]]:
    return [
        {
            "zone_code": z.code,
            "ledger_name": z.ledger_name,
            "layout": z.layout,
            "sender_folder": z.sender_folder,
        }
        for z in ZONES
    ]


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
