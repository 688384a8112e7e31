"""Entry point: simulate the zones, write every ledger layout, stamp submission times, write the truth."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.sample.layout_a import write_layout_a
from pipelines.sample.layout_b import write_layout_b
from pipelines.sample.layout_c import write_layout_c
from pipelines.sample.layout_d import write_layout_d
from pipelines.sample.ledger import LedgerFile
from pipelines.sample.periods import month_range
from pipelines.sample.scenario import LAYOUTS, ZONES
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
    files_per_layout: dict[str, int]  # ledger files written, correction included
    ledger_files: tuple[Path, ...]
    truth_files: tuple[Path, ...]  # zone_indicators.csv, revisions.csv, scenario.csv

    @property
    def total_files(self) -> int:
        return len(self.ledger_files)


def generate_sample(
    landing_dir: Path, truth_dir: Path, start: str = "2023-01", end: str = "2024-12"
) -> SampleSummary:
    """Write ledgers for ``start``..``end`` (YYYY-MM) under ``landing_dir`` and their truth under ``truth_dir``.

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
    return SampleSummary(
        landing_dir=landing_dir,
        truth_dir=truth_dir,
        files_per_layout={layout: sum(f.layout == layout for f in files) for layout in LAYOUTS},
        ledger_files=tuple(f.path for f in files),
        truth_files=truth_files,
    )
