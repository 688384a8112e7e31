"""An independent, plain-Python implementation of the 亩均效益 evaluation schemes, written from the scheme YAML
and the rules in the README (not from the SQL), to check the warehouse against.

Rules: a firm's annual figures are its December YTD; groups: exempt (utility industries, < N years in production)
→ class T; rented land → listed, not scored; else main (规上) / small (规下). Benchmark = factor × previous year's
Σnumerator / Σdenominator over the same area and group (this year's when the area has none last year).
Points = weight × min(ratio, cap), ratio = value / benchmark (benchmark / value when lower is better).
Rank = 1 + number of better scores in (area, group); class = first class with upper_share ≥ rank / n.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import yaml

# indicator -> (numerator, denominator, scale)
RATIOS = {
    "tax_per_mu": ("tax", "land_mu", 1.0),
    "revenue_per_mu": ("revenue", "land_mu", 1.0),
    "value_added_per_mu": ("value_added", "land_mu", 1.0),
    "value_added_per_energy": ("value_added", "energy_tce", 1.0),
    "tax_per_energy": ("tax", "energy_tce", 1.0),
    "tax_per_electricity": ("tax", "electricity_kwh", 10000.0),
    "labour_productivity": ("value_added", "employees", 1.0),
    "value_added_per_emission": ("value_added", "emissions_t", 1.0),
    "rd_intensity": ("rd_spend", "revenue", 100.0),
}
NUMERIC = ("land_mu", "revenue", "tax", "value_added", "energy_tce", "electricity_kwh", "emissions_t", "employees",
           "rd_spend")


def ratio(num: float, den: float, scale: float) -> float | None:
    return num / den * scale if den > 0 else None


def load_firm_years(truth_csv: Path) -> list[dict]:
    """December rows of the firm truth, typed."""
    rows = []
    with truth_csv.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if int(r["month"]) != 12:
                continue
            r = dict(r)
            for k in NUMERIC:
                r[k] = float(r[k])
            r["year"] = int(r["year"])
            r["years_in_production"] = int(r["years_in_production"])
            r["above_scale"] = r["above_scale"] == "true"
            r["own_land"] = r["own_land"] == "true"
            rows.append(r)
    return rows


def evaluate(scheme_yaml: Path, firms: list[dict], area_of: dict[str, dict[str, str]]) -> dict[tuple, dict]:
    """(year, uscc) -> {group, area, score, rank, n, class} for one scheme."""
    scheme = yaml.safe_load(scheme_yaml.read_text(encoding="utf-8"))
    prefixes = tuple(str(p) for p in scheme["exempt"]["industry_prefixes"])
    min_years = scheme["exempt"]["min_years_in_production"]
    cap = scheme.get("score_cap")
    area_key = {"zone": "zone_code", "city": "city", "province": "province"}[scheme["evaluation_area"]]

    def group(f: dict) -> str:
        if f["industry_code"].startswith(prefixes) or f["years_in_production"] < min_years:
            return "exempt"
        if not f["own_land"] or f["land_mu"] <= 0:
            return "rented_land"
        return "main" if f["above_scale"] else "small"

    def area(f: dict) -> str:
        return f["zone_code"] if area_key == "zone_code" else area_of[f["zone_code"]][area_key]

    members: dict[tuple[int, str, str], list[dict]] = defaultdict(list)
    out: dict[tuple, dict] = {}
    for f in firms:
        g = group(f)
        out[(f["year"], f["uscc"])] = {"group": g, "area": area(f), "class": "T" if g == "exempt" else None}
        if g in ("main", "small"):
            members[(f["year"], area(f), g)].append(f)

    def aggregate(fs: list[dict], indicator: str) -> float | None:
        num, den, scale = RATIOS[indicator]
        return ratio(sum(f[num] for f in fs), sum(f[den] for f in fs), scale)

    for (year, ar, g), fs in members.items():
        previous = members.get((year - 1, ar, g))
        scores = {}
        for f in fs:
            points = 0.0
            for spec in scheme["populations"][g]:
                num, den, scale = RATIOS[spec["indicator"]]
                value = ratio(f[num], f[den], scale)
                bench = spec["benchmark"]
                if bench["method"] == "fixed":
                    benchmark = bench["value"]
                else:
                    benchmark = bench.get("factor", 1.0) * aggregate(previous or fs, spec["indicator"])
                if value is None:
                    continue
                if spec["direction"] == "higher_is_better":
                    r = value / benchmark
                else:
                    r = benchmark / value if value > 0 else (cap or 1.0)
                points += spec["weight"] * (min(r, cap) if cap is not None else r)
            scores[f["uscc"]] = points
        n = len(scores)
        for uscc, score in scores.items():
            rank = 1 + sum(other > score for other in scores.values())
            cls = next(c["class"] for c in scheme["classes"] if c["upper_share"] >= rank / n - 1e-12)
            out[(year, uscc)].update(score=score, rank=rank, n=n, **{"class": cls})
    return out
