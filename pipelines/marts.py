"""What publishing needs to know about each mart, read from dbt's manifest: its key (from its uniqueness
test), its period (monthly rows have year and month, annual rows a year only, dimensions neither), when its
values are estimates (`config.meta.estimated_when`, a SQL predicate on the row) and whether a period's rows depend
only on ledgers of that period and earlier (`config.meta.reuse_earlier_periods`), so that a release may take the
rows of periods before the earliest changed month from the previous release."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


@dataclass(frozen=True)
class MartSpec:
    name: str
    key: tuple[str, ...]
    period: str  # monthly / annual / none
    estimated_when: str | None
    reuse_earlier_periods: bool = False


def mart_specs(manifest_path: Path = MANIFEST) -> dict[str, MartSpec]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = manifest["nodes"].values()
    marts = {n["unique_id"]: n for n in nodes
             if n["resource_type"] == "model" and len(n["fqn"]) > 2 and n["fqn"][1] == "marts"}
    keys: dict[str, tuple[str, ...]] = {}
    for test in nodes:
        meta = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or meta.get("name") not in ("unique", "unique_combination_of_columns"):
            continue
        columns = meta["kwargs"].get("combination_of_columns") or [meta["kwargs"].get("column_name")]
        for model in test["depends_on"]["nodes"]:
            if model in marts and len(columns) > len(keys.get(model, ())):
                keys[model] = tuple(columns)
    specs = {}
    for uid, node in marts.items():
        columns = set(node["columns"])
        if uid not in keys:
            raise ValueError(f"mart {node['name']} has no uniqueness test: publishing needs its key")
        period = "monthly" if {"year", "month"} <= columns else "annual" if "year" in columns else "none"
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        specs[node["name"]] = MartSpec(node["name"], keys[uid], period, meta.get("estimated_when"),
                                       bool(meta.get("reuse_earlier_periods")) and period != "none")
    return dict(sorted(specs.items()))
