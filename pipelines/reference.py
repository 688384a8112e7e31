"""Reference data for the warehouse, written from sources/ into the lake: zones, aliases, measures, weights."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import yaml

from pipelines.lake import write_reference
from pipelines.measures import load_measures
from pipelines.registry import load_zones, zone_resolver
from pipelines.settings import SOURCES_DIR


def ranking_weight_rows(path: Path = SOURCES_DIR / "metrics" / "ranking.yaml") -> list[dict]:
    with path.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    rows = []
    for scheme, spec in raw["schemes"].items():
        for m in spec["metrics"]:
            if m["direction"] not in ("higher_is_better", "lower_is_better"):
                raise ValueError(f"{path.name}: scheme {scheme}, metric {m['metric']}: direction must be "
                                 "higher_is_better or lower_is_better")
            rows.append({"scheme": scheme, "metric": m["metric"], "label": m["label"],
                         "weight": float(m["weight"]), "direction": m["direction"]})
    return rows


def write_reference_tables(lake: Path) -> dict[str, int]:
    tables = {
        "zones": [asdict(z) for z in load_zones()],
        "zone_aliases": zone_resolver().alias_rows(),
        "measures": [asdict(m) for m in load_measures().values()],
        "ranking_weights": ranking_weight_rows(),
    }
    for name, rows in tables.items():
        write_reference(lake, name, rows)
    return {name: len(rows) for name, rows in tables.items()}
