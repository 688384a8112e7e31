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


SCHEMES_DIR = SOURCES_DIR / "metrics" / "enterprise_schemes"
INDICATORS = ("tax_per_mu", "revenue_per_mu", "value_added_per_mu", "value_added_per_energy", "tax_per_energy",
              "tax_per_electricity", "labour_productivity", "value_added_per_emission", "rd_intensity")


class SchemeConfigError(ValueError):
    """An enterprise evaluation scheme YAML is inconsistent."""


def enterprise_scheme_rows(directory: Path = SCHEMES_DIR) -> dict[str, list[dict]]:
    """The 亩均效益 schemes as three tables: schemes, their indicators per population, their class cut-offs."""
    schemes, indicators, classes = [], [], []
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            raw = yaml.safe_load(f)
        where = path.name
        if raw.get("evaluation_area") not in ("zone", "city", "province"):
            raise SchemeConfigError(f"{where}: evaluation_area must be zone, city or province")
        schemes.append({"scheme": raw["scheme"], "label": raw["label"], "evaluation_area": raw["evaluation_area"],
                        "exempt_industry_prefixes": [str(p) for p in raw["exempt"]["industry_prefixes"]],
                        "min_years_in_production": int(raw["exempt"]["min_years_in_production"]),
                        "score_cap": raw.get("score_cap"), "source": raw.get("source", "")})
        for population, items in raw["populations"].items():
            if population not in ("main", "small"):
                raise SchemeConfigError(f"{where}: populations are main and small, not {population!r}")
            if abs(sum(i["weight"] for i in items) - 100) > 1e-9:
                raise SchemeConfigError(f"{where}: the weights of population {population} must add up to 100")
            for i in items:
                if i["indicator"] not in INDICATORS:
                    raise SchemeConfigError(f"{where}: unknown indicator {i['indicator']!r}; known: {INDICATORS}")
                if i["direction"] not in ("higher_is_better", "lower_is_better"):
                    raise SchemeConfigError(f"{where}: {i['indicator']}: direction must be higher_is_better or "
                                            "lower_is_better")
                bench = i["benchmark"]
                if bench["method"] not in ("previous_year_average", "fixed"):
                    raise SchemeConfigError(f"{where}: {i['indicator']}: benchmark method must be "
                                            "previous_year_average or fixed")
                indicators.append({"scheme": raw["scheme"], "population": population, "indicator": i["indicator"],
                                   "label": i["label"], "weight": float(i["weight"]), "direction": i["direction"],
                                   "benchmark_method": bench["method"],
                                   "benchmark_factor": float(bench.get("factor", 1.0)),
                                   "benchmark_value": bench.get("value")})
        shares = [c["upper_share"] for c in raw["classes"]]
        if shares != sorted(shares) or shares[-1] != 1.0:
            raise SchemeConfigError(f"{where}: class upper_share values must rise and end at 1.0")
        classes += [{"scheme": raw["scheme"], "class": c["class"], "upper_share": float(c["upper_share"])}
                    for c in raw["classes"]]
    return {"enterprise_schemes": schemes, "enterprise_scheme_indicators": indicators,
            "enterprise_scheme_classes": classes}


PERIOD_END_MONTH = {"year": 12, "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12}


def target_rows(directory: Path = SOURCES_DIR / "targets") -> list[dict]:
    """Targets per zone, measure and period (year, quarter or half-year, cumulative from January)."""
    from pipelines.registry import load_zones

    codes = {z.zone_code for z in load_zones()}
    rows = []
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            raw = yaml.safe_load(f)
        for t in raw["targets"]:
            if t["zone_code"] not in codes:
                raise ValueError(f"{path.name}: unknown zone code {t['zone_code']!r}")
            if t["period"] not in PERIOD_END_MONTH:
                raise ValueError(f"{path.name}: period must be one of {list(PERIOD_END_MONTH)}")
            rows.append({"zone_code": t["zone_code"], "year": int(raw["year"]), "measure": t["measure"],
                         "period": t["period"], "end_month": PERIOD_END_MONTH[t["period"]],
                         "target_value": float(t["value"]), "note": t.get("note", "")})
    return rows


def project_setting_rows(path: Path = SOURCES_DIR / "metrics" / "projects.yaml") -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [{"setting": s["setting"], "value": float(s["value"]), "unit": s.get("unit", ""),
                 "note": s.get("note", "").strip()} for s in yaml.safe_load(f)["settings"]]


REFERENCE_CODE = ("reference.py", "registry.py", "measures.py", "lake_schema.py")


def reference_fingerprint() -> str:
    """Hash of everything the reference tables are made from: sources/ and the code that reads it. The same
    fingerprint means the same tables, so a run can skip rewriting them."""
    import hashlib

    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(p for p in SOURCES_DIR.rglob("*") if p.is_file()) + [package / f for f in REFERENCE_CODE]:
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def reference_tables_present(lake: Path) -> bool:
    from pipelines.lake_schema import REFERENCE_TABLES

    return all((lake / "reference" / f"{name}.parquet").exists() for name in REFERENCE_TABLES)


def write_reference_tables(lake: Path) -> dict[str, int]:
    tables = {
        "zones": [asdict(z) for z in load_zones()],
        "zone_aliases": zone_resolver().alias_rows(),
        "measures": [asdict(m) for m in load_measures().values()],
        "ranking_weights": ranking_weight_rows(),
        **enterprise_scheme_rows(),
        "targets": target_rows(),
        "project_settings": project_setting_rows(),
    }
    for name, rows in tables.items():
        write_reference(lake, name, rows)
    return {name: len(rows) for name, rows in tables.items()}
