"""Expected reporters (应报单位): which zone must send which ledger in which month (sources/reporting/)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from pipelines.settings import SOURCES_DIR

LEDGERS = ("zone_indicators", "firm_indicators", "project_snapshots")
EXPECTED_REPORTERS = SOURCES_DIR / "reporting" / "expected_reporters.yaml"


def _month(text: str, where: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in str(text).split("-"))
    except ValueError as e:
        raise ValueError(f"{where}: expected a month YYYY-MM, found {text!r}") from e
    return year, month


def expected_reporters(months: list[tuple[int, int]], path: Path | None = None) -> pd.DataFrame:
    """One row (ledger, zone_code, year, month) per ledger expected in `months`.

    The list is `sources/reporting/expected_reporters.yaml`, or the file named by PARKSTATS_EXPECTED_REPORTERS
    (an office that collects from other zones, or the national benchmark, keeps its own list).
    """
    from pipelines.registry import load_zones

    path = path or Path(os.environ.get("PARKSTATS_EXPECTED_REPORTERS") or EXPECTED_REPORTERS)
    known = {z.zone_code for z in load_zones()}
    # libyaml's parser: the national list (2,543 zones per ledger) takes over a second in pure Python
    spec = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    rows = []
    for i, entry in enumerate(spec.get("reporters", []), start=1):
        where = f"{path.name}, entry {i}"
        if entry.get("ledger") not in LEDGERS:
            raise ValueError(f"{where}, field ledger: expected one of {', '.join(LEDGERS)}, found {entry.get('ledger')!r}")
        unknown = [z for z in entry.get("zones", []) if z not in known]
        if unknown:
            raise ValueError(f"{where}, field zones: not in the zone registry: {', '.join(unknown)}")
        first = _month(entry["from"], f"{where}, field from")
        last = _month(entry["to"], f"{where}, field to") if entry.get("to") else (9999, 12)
        skip = set(entry.get("skip_months", []))
        for year, month in months:
            if first <= (year, month) <= last and month not in skip:
                rows += [(entry["ledger"], zone, year, month) for zone in entry["zones"]]
    frame = pd.DataFrame(rows, columns=["ledger", "zone_code", "year", "month"])
    return frame.drop_duplicates().astype({"year": "int32", "month": "int32"})
