"""Entry point: simulate the zones, write every ledger layout, stamp submission times, write the truth."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.sample.firms import FirmPanel, simulate_firms
from pipelines.sample.layout_a import write_layout_a
from pipelines.sample.layout_b import write_layout_b
from pipelines.sample.layout_c import write_layout_c
from pipelines.sample.layout_d import write_layout_d
from pipelines.sample.layout_e import FIRM_TRUTH_COLUMNS, FirmLedgerFile, firm_truth_rows, write_layout_e
from pipelines.sample.ledger import LedgerFile
from pipelines.sample.periods import month_range
from pipelines.sample.projects import generate_projects
from pipelines.sample.scenario import FIRM_LAYOUTS, FIRM_PROFILE_BY_CODE, LAYOUTS, ZONES
from pipelines.sample.simulate import ZoneSeries, simulate_zone, simulation_years
from pipelines.sample.truth import (
    REVISION_COLUMNS,
    SCENARIO_COLUMNS,
    TRUTH_COLUMNS,
    revision_rows,
    scenario_rows,
    truth_rows,
    write_csv,
)

Writer = Callable[[list[ZoneSeries], list[tuple[int, int]], Path], list[LedgerFile]]
WRITERS: dict[str, Writer] = {
    "A": write_layout_a,
    "B": write_layout_b,
    "C": write_layout_c,
    "D": write_layout_d,
}


@dataclass(frozen=True)
class SampleSummary:
    landing_dir: Path
    truth_dir: Path
    files_per_layout: dict[str, int]  # ledger files written (correction included); E1/E2: firm ledgers
    ledger_files: tuple[Path, ...]  # zone ledgers, then firm ledgers
    truth_files: tuple[Path, ...]  # zone_indicators.csv, revisions.csv, scenario.csv[, firm_indicators.csv]

    @property
    def total_files(self) -> int:
        return len(self.ledger_files)


def generate_sample(
    landing_dir: Path,
    truth_dir: Path,
    start: str = "2023-01",
    end: str = "2024-12",
    firms: bool = True,
    projects: bool = True,
) -> SampleSummary:
    """Write ledgers for ``start``..``end`` (YYYY-MM) under ``landing_dir`` and their truth under ``truth_dir``.

    With ``firms``, every zone also sends a monthly enterprise ledger (layouts E1/E2, see
    :mod:`pipelines.sample.layout_e`) and ``truth_dir/firm_indicators.csv`` holds its truth. With ``projects``,
    every zone sends a monthly snapshot of its project ledger (layouts P1/P2, :mod:`pipelines.sample.projects`),
    with ``project_snapshots.csv``, ``project_events.csv`` and ``project_totals.csv`` as truth.
    Deterministic: the same arguments give byte-identical files with identical mtimes.
    """
    landing_dir, truth_dir = Path(landing_dir), Path(truth_dir)
    months = month_range(start, end)
    years = simulation_years(months[0][0], months[-1][0])
    series = {zone.code: simulate_zone(zone, years) for zone in ZONES}

    files: list[LedgerFile] = []
    for layout in LAYOUTS:
        members = [series[z.code] for z in ZONES if z.layout == layout]
        files.extend(WRITERS[layout](members, months, landing_dir))
    for file in files:
        stamp = file.submitted.timestamp()  # naive datetime = local time, as a sender's PC would stamp it
        os.utime(file.path, (stamp, stamp))

    truth_files = (
        write_csv(truth_dir / "zone_indicators.csv", TRUTH_COLUMNS, truth_rows(files)),
        write_csv(truth_dir / "revisions.csv", REVISION_COLUMNS, revision_rows(files)),
        write_csv(truth_dir / "scenario.csv", SCENARIO_COLUMNS, scenario_rows()),
    )
    # Truth files carry the last arrival time too, so a whole run is reproducible down to mtimes.
    last = max(f.submitted for f in files).timestamp()
    for path in truth_files:
        os.utime(path, (last, last))

    firm_files: list[FirmLedgerFile] = []
    if firms:
        firm_files = _write_firm_ledgers(series, months, landing_dir)
        firm_truth = write_csv(
            truth_dir / "firm_indicators.csv", FIRM_TRUTH_COLUMNS, firm_truth_rows(firm_files)
        )
        last_firm = max(f.submitted for f in firm_files).timestamp()
        os.utime(firm_truth, (last_firm, last_firm))
        truth_files = (*truth_files, firm_truth)
    per_layout = {layout: sum(f.layout == layout for f in files) for layout in LAYOUTS}
    per_layout.update({layout: sum(f.layout == layout for f in firm_files) for layout in FIRM_LAYOUTS})
    project_files: tuple[Path, ...] = ()
    if projects:
        per_layout.update(generate_projects(landing_dir, truth_dir, start, end))
        project_files = tuple(sorted(p for pattern in PROJECT_FILE_PATTERNS for p in landing_dir.rglob(pattern)))
        truth_files = (*truth_files, *(truth_dir / name for name in PROJECT_TRUTH_FILES))
    return SampleSummary(
        landing_dir=landing_dir,
        truth_dir=truth_dir,
        files_per_layout=per_layout,
        ledger_files=tuple(f.path for f in files) + tuple(f.path for f in firm_files) + project_files,
        truth_files=truth_files,
    )


PROJECT_FILE_PATTERNS = ("*招商引资及重点项目台账*.xlsx", "*_项目库_*.csv")
PROJECT_TRUTH_FILES = ("project_snapshots.csv", "project_events.csv", "project_totals.csv")


def _write_firm_ledgers(
    series: dict[str, ZoneSeries], months: list[tuple[int, int]], landing_dir: Path
) -> list[FirmLedgerFile]:
    """Simulate every zone's firms (scaled to the zone series) and write their ledgers with mtimes."""
    years = sorted({year for year, _ in months})
    used_uscc: set[str] = set()  # codes are unique across the whole sample
    panels: list[FirmPanel] = [
        simulate_firms(series[z.code], years, used_uscc) for z in ZONES if z.code in FIRM_PROFILE_BY_CODE
    ]
    files = write_layout_e(panels, months, landing_dir)
    for file in files:
        stamp = file.submitted.timestamp()
        os.utime(file.path, (stamp, stamp))
    return files
