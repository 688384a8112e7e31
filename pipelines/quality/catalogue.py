"""The catalogue of data-quality rules: every suite in expectations/, one rule per check, with its metadata.

Two kinds of suite live there, one per ledger type and stage:
- `<ledger>.lake.json`: Great Expectations 1.x suites run on the rows Python wrote to the lake (ESS levels 0–1);
- `<name>.yaml`: set-based rules in SQL run on the warehouse after dbt (levels 1–3, Hidiroglou–Berthelot,
  completeness). Both give every rule an id, an ESS level, a severity and its meaning in Chinese and English.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import EXPECTATIONS_DIR

SEVERITIES = ("error", "warning", "info")  # error blocks publishing until passed or waived


@dataclass(frozen=True)
class Rule:
    rule_id: str
    suite: str
    stage: str  # lake (GX, before dbt) or warehouse (SQL, after dbt)
    ledger: str
    ess_level: int
    severity: str
    en: str
    zh: str
    kind: str = "sql"  # gx, sql or hb
    sql: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    stage: str
    ledger: str
    description: str
    rules: tuple[Rule, ...]


def _check(rule: Rule, path: Path) -> Rule:
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{path.name}, rule {rule.rule_id}: severity must be one of {SEVERITIES}, not {rule.severity!r}")
    if not 0 <= rule.ess_level <= 5:
        raise ValueError(f"{path.name}, rule {rule.rule_id}: ess_level must lie in 0..5")
    return rule


def _gx_suite(path: Path) -> Suite:
    spec = json.loads(path.read_text(encoding="utf-8"))
    meta = spec.get("meta", {})
    ledger, stage = meta["ledger_type"], meta.get("stage", "lake")
    rules = tuple(
        _check(Rule(rule_id=e["meta"]["rule_id"], suite=spec["name"], stage=stage, ledger=ledger,
                    ess_level=int(e["meta"]["ess_level"]), severity=e["meta"]["severity"], en=e["meta"]["en"],
                    zh=e["meta"]["zh"], kind="gx"), path)
        for e in spec["expectations"]
    )
    return Suite(spec["name"], stage, ledger, meta.get("description", ""), rules)


def _sql_suite(path: Path) -> Suite:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    templates = spec.get("templates", {})
    rules = []
    for r in spec["rules"]:
        params = r.get("params", {})
        sql = r.get("sql") or templates[r["template"]]
        for key, value in params.items():  # parameters are written {name} in the SQL
            sql = sql.replace("{" + key + "}", str(value))
        rules.append(_check(Rule(rule_id=r["rule_id"], suite=spec["name"], stage=spec["stage"], ledger=spec["ledger"],
                                 ess_level=int(r["ess_level"]), severity=r["severity"], en=" ".join(r["en"].split()),
                                 zh=r["zh"], kind=r.get("kind", "sql"), sql=sql, params=params), path))
    return Suite(spec["name"], spec["stage"], spec["ledger"], spec.get("description", ""), tuple(rules))


@cache
def load_catalogue(directory: Path = EXPECTATIONS_DIR) -> dict[str, Suite]:
    """Every suite by name; rule ids are unique across suites."""
    suites = [_gx_suite(p) for p in sorted(directory.glob("*.lake.json"))]
    suites += [_sql_suite(p) for p in sorted(directory.glob("*.yaml"))]
    seen: dict[str, str] = {}
    for suite in suites:
        for rule in suite.rules:
            if rule.rule_id in seen:
                raise ValueError(f"rule id {rule.rule_id} is used by both {seen[rule.rule_id]} and {suite.name}")
            seen[rule.rule_id] = suite.name
    return {s.name: s for s in suites}


def rules_by_id() -> dict[str, Rule]:
    return {r.rule_id: r for s in load_catalogue().values() for r in s.rules}


def suites_of_stage(stage: str) -> list[Suite]:
    return [s for s in load_catalogue().values() if s.stage == stage]
