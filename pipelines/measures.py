"""Canonical measures (sources/measures.yaml): the one list of what zone ledgers report, with units and kinds."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import SOURCES_DIR


@dataclass(frozen=True)
class Measure:
    measure: str
    label: str
    unit: str  # canonical unit in the warehouse
    kind: str  # flow (cumulative YTD) or stock (end of period)
    description: str

    @property
    def is_stock(self) -> bool:
        return self.kind == "stock"


@cache
def load_measures(path: Path = SOURCES_DIR / "measures.yaml") -> dict[str, Measure]:
    with path.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    return {m["measure"]: Measure(**m) for m in raw["measures"]}
