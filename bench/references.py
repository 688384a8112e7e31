"""Reference points measured on the same files and the same lake as the pipeline:

- the raw parse of the month's ledgers (python-calamine for workbooks, the csv module for CSV): the ingestion
  limit — reading cells and nothing else (no layout detection, units, zones, archive or lake);
- the dbt models' SQL run directly in DuckDB (the code dbt compiled for the full rebuild, without dbt, Dagster,
  tests or publish): the transform limit of the whole warehouse (the incremental month's: bench/replay.py);
- fct_zone_ranking_monthly written in plain pandas, as a team without dbt would: same inputs, same rules.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.settings import duckdb_config

# --- raw parse ---------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gbk")  # the GBK layouts (B, P2); the reader knows that from the layout


def raw_parse(files: list[Path]) -> dict:
    """Read every cell of every file once; seconds per kind, files, bytes and cells."""
    from python_calamine import CalamineWorkbook

    seconds: Counter = Counter()
    count: Counter = Counter()
    cells = 0
    size = 0
    for path in files:
        start = time.perf_counter()
        if path.suffix.lower() == ".xlsx":
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
            kind = "xlsx"
        else:
            rows = list(csv.reader(io.StringIO(_decode(path.read_bytes()), newline="")))
            kind = "csv"
        seconds[kind] += time.perf_counter() - start
        count[kind] += 1
        cells += sum(len(r) for r in rows)
        size += path.stat().st_size
    total = sum(seconds.values())
    return {"seconds": total, "files": len(files), "bytes": size, "cells": cells,
            "files_per_second": len(files) / total if total else None,
            "by_kind": {k: {"files": count[k], "seconds": seconds[k]} for k in sorted(count)}}


# --- dbt's SQL, directly in DuckDB ---------------------------------------------------------------------------


def compiled_models(manifest_path: Path) -> list[dict]:
    """Models of a manifest whose code was compiled (a `dbt build`), in dependency order."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    missing = [n["name"] for n in nodes.values() if not n.get("compiled_code")]
    if missing:
        raise RuntimeError(f"{manifest_path}: models without compiled code: {missing[:5]}")
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen:
            return
        seen.add(uid)
        for dep in nodes[uid]["depends_on"]["nodes"]:
            if dep in nodes:
                visit(dep)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return [{"name": nodes[u]["name"], "relation": nodes[u]["relation_name"],
             "materialized": nodes[u]["config"]["materialized"], "layer": nodes[u]["fqn"][1],
             "sql": nodes[u]["compiled_code"].strip().rstrip(";")} for u in order]


def raw_sql(models: list[dict], database: Path) -> dict:
    """Run the compiled models from scratch in a new DuckDB database, as dbt would materialise them (views and
    tables; incremental models as tables), and time each one: the whole warehouse without dbt. (The incremental
    month's reference replays the SQL dbt ran instead: bench/replay.py.)"""
    shutil.rmtree(database.parent, ignore_errors=True)
    database.parent.mkdir(parents=True)
    per_model: dict[str, float] = {}
    by_layer: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    with duckdb.connect(str(database), config=duckdb_config()) as con:
        for m in models:
            t = time.perf_counter()
            kind = "view" if m["materialized"] == "view" else "table"
            con.execute(f"create or replace {kind} {m['relation']} as {m['sql']}")
            per_model[m["name"]] = time.perf_counter() - t
            by_layer[m["layer"]] += per_model[m["name"]]
    seconds = time.perf_counter() - start
    slowest = dict(sorted(per_model.items(), key=lambda kv: -kv[1])[:6])
    return {"seconds": seconds, "models": len(models), "by_layer": dict(by_layer), "slowest": slowest,
            "model_seconds": per_model}


# --- the ranking mart in pandas --------------------------------------------------------------------------------

RANKING_MODEL = "fct_zone_ranking_monthly"

RANKING_INPUTS = {
    "growth": "int_zone_indicators__growth",
    "land_efficiency": "fct_zone_land_efficiency",
    "pipeline": "fct_project_pipeline_monthly",
    "key_projects": "fct_key_project_progress",
    "investment": "fct_zone_investment_monthly",
    "zones": "dim_zone",
    "weights": "stg_registry__ranking_weights",
}
CATALOGUE = pd.DataFrame(
    [("revenue_per_mu", "亩均营收", "万元/亩", 1), ("tax_per_mu", "亩均税收", "万元/亩", 2),
     ("industrial_revenue_ytd", "工业营业收入（1-N月累计）", "万元", 3),
     ("industrial_revenue_yoy_pct", "工业营业收入同比增长", "%", 4),
     ("tax_revenue_ytd", "税收收入（1-N月累计）", "万元", 5),
     ("fixed_asset_investment_ytd", "固定资产投资（1-N月累计）", "万元", 6),
     ("fixed_asset_investment_yoy_pct", "固定资产投资同比增长", "%", 7), ("composite_score", "综合得分", "分", 8),
     ("signed_amount_ytd", "签约金额（1-N月累计）", "万元", 9), ("signed_projects_ytd", "新签约项目数（1-N月累计）", "个", 10),
     ("started_projects_ytd", "新开工项目数（1-N月累计）", "个", 11),
     ("started_investment_ytd", "新开工项目总投资（1-N月累计）", "万元", 12),
     ("four_new_one_revived_ytd", "四新一盘活项目数（1-N月累计）", "个", 13),
     ("key_project_completion_pct", "重点项目年度投资完成率", "%", 14),
     ("project_investment_completed_ytd", "项目本年完成投资（1-N月）", "万元", 15)],
    columns=["metric", "default_label", "unit", "metric_order"],
)
KEYS = ["zone_code", "year", "month", "period_date"]


def load_ranking_inputs(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.execute(f'select * from "{table}"').df() for name, table in RANKING_INPUTS.items()}


def _pick(df: pd.DataFrame, mask: pd.Series, metric: str, value: str, basis: str | None = None) -> pd.DataFrame:
    out = df.loc[mask, KEYS].copy()
    out["metric"] = metric
    out["value"] = df.loc[mask, value].astype("float64")
    out["basis"] = df.loc[mask, basis].astype("object") if basis else None
    return out


def pandas_ranking(t: dict[str, pd.DataFrame], scheme: str = "monthly_default") -> pd.DataFrame:
    """fct_zone_ranking_monthly (all months) in pandas, rule for rule as models/marts/fct_zone_ranking_monthly.sql."""
    g, le, pl = t["growth"], t["land_efficiency"], t["pipeline"]
    kp, inv = t["key_projects"], t["investment"]
    weights = t["weights"][t["weights"]["scheme"] == scheme][["metric", "label", "weight", "direction"]]
    values = pd.concat([
        _pick(le, le["revenue_per_mu"].notna(), "revenue_per_mu", "revenue_per_mu", "revenue_basis"),
        _pick(le, le["tax_per_mu"].notna(), "tax_per_mu", "tax_per_mu", "tax_basis"),
        _pick(g, (g["measure"] == "industrial_revenue") & g["ytd_value"].notna(), "industrial_revenue_ytd", "ytd_value"),
        _pick(g, (g["measure"] == "industrial_revenue") & g["yoy_pct"].notna(), "industrial_revenue_yoy_pct",
              "yoy_pct", "yoy_basis"),
        _pick(g, (g["measure"] == "tax_revenue") & g["ytd_value"].notna(), "tax_revenue_ytd", "ytd_value"),
        _pick(g, (g["measure"] == "fixed_asset_investment") & g["ytd_value"].notna(), "fixed_asset_investment_ytd",
              "ytd_value"),
        _pick(g, (g["measure"] == "fixed_asset_investment") & g["yoy_pct"].notna(), "fixed_asset_investment_yoy_pct",
              "yoy_pct", "yoy_basis"),
        _pick(pl, pl["stage"] == "signed", "signed_amount_ytd", "total_investment_ytd"),
        _pick(pl, pl["stage"] == "signed", "signed_projects_ytd", "projects_ytd"),
        _pick(pl, pl["stage"] == "started", "started_projects_ytd", "projects_ytd"),
        _pick(pl, pl["stage"] == "started", "started_investment_ytd", "total_investment_ytd"),
        _pick(pl, pl["stage"] == "four_new_one_revived", "four_new_one_revived_ytd", "projects_ytd"),
        _pick(kp, kp["completion_pct"].notna(), "key_project_completion_pct", "completion_pct"),
        _pick(inv, inv["project_investment_completed_ytd"].notna(), "project_investment_completed_ytd",
              "project_investment_completed_ytd"),
    ], ignore_index=True)  # fmt: skip

    components = weights[weights["metric"].isin(CATALOGUE["metric"]) & (weights["metric"] != "composite_score")
                         & (weights["weight"] > 0)]
    total_weight = components["weight"].sum()
    scored = values.merge(weights[["metric", "direction"]], on="metric", how="left")
    scored["direction"] = scored["direction"].fillna("higher_is_better")
    scored = scored.merge(components[["metric", "weight"]].rename(columns={"weight": "composite_weight"}),
                          on="metric", how="left")
    by_month = scored.groupby(["metric", "period_date"])["value"]
    low, high = by_month.transform("min"), by_month.transform("max")
    v = scored["value"]
    scored["normalised_score"] = np.select(
        [scored["composite_weight"].isna(), high == low, scored["direction"] == "lower_is_better"],
        [np.nan, 100.0, (high - v) / (high - low) * 100],
        default=(v - low) / (high - low) * 100,
    )

    parts = scored[scored["composite_weight"].notna()].copy()
    parts["weighted"] = parts["composite_weight"] * parts["normalised_score"]
    composite = parts.groupby(KEYS, as_index=False).agg(
        weighted=("weighted", "sum"), weight=("composite_weight", "sum"), composite_components=("metric", "size"))
    composite["metric"] = "composite_score"
    composite["value"] = composite["weighted"] / composite["weight"]
    composite["basis"] = None
    composite["direction"] = "higher_is_better"
    composite["composite_coverage"] = composite["weight"] / total_weight
    composite = composite.drop(columns=["weighted", "weight"])

    ranked = pd.concat([scored, composite], ignore_index=True)
    ranked["ranking_value"] = np.where(ranked["direction"] == "lower_is_better", ranked["value"], -ranked["value"])
    ranked = ranked.merge(t["zones"][["zone_code", "level", "province", "region"]], on="zone_code", how="left")
    for name, extra in (("rank_overall", []), ("rank_in_level", ["level"]), ("rank_in_province", ["province"]),
                        ("rank_in_region", ["region"])):
        groups = ranked.groupby(["metric", "period_date", *extra], dropna=False)["ranking_value"]
        ranked[name] = groups.rank(method="min", na_option="bottom").astype("Int64")
    ranked["zones_ranked"] = ranked.groupby(["metric", "period_date"])["zone_code"].transform("size")

    months = ranked[["metric", "period_date"]].drop_duplicates().sort_values(["metric", "period_date"])
    months["previous_period_date"] = months.groupby("metric")["period_date"].shift()
    ranked = ranked.merge(months, on=["metric", "period_date"], how="left")
    previous = ranked[["metric", "zone_code", "period_date", "rank_overall"]].rename(
        columns={"period_date": "previous_period_date", "rank_overall": "previous_rank_overall"})
    ranked = ranked.merge(previous, on=["metric", "zone_code", "previous_period_date"], how="left")
    ranked["rank_change"] = ranked["previous_rank_overall"] - ranked["rank_overall"]

    ranked = ranked.merge(CATALOGUE, on="metric", how="left").merge(
        weights[["metric", "label"]], on="metric", how="left")
    ranked["label"] = ranked["label"].fillna(ranked["default_label"])
    ranked["ranking_scheme"] = scheme
    return ranked[[
        "zone_code", "year", "month", "period_date", "metric", "label", "unit", "metric_order", "value", "basis",
        "direction", "level", "province", "region", "rank_overall", "rank_in_level", "rank_in_province",
        "rank_in_region", "zones_ranked", "previous_period_date", "previous_rank_overall", "rank_change",
        "normalised_score", "composite_weight", "composite_coverage", "composite_components", "ranking_scheme",
    ]]  # fmt: skip


COMPARED = ("rank_overall", "rank_in_level", "rank_in_province", "rank_in_region", "zones_ranked",
            "previous_rank_overall", "rank_change")


def compare_ranking(ours: pd.DataFrame, warehouse: Path) -> dict:
    """Rows and ranks of the pandas result against the mart dbt built: counts of disagreeing rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute(f"select * from {RANKING_MODEL}").df()
    keys = ["zone_code", "period_date", "metric"]
    both = mart.merge(ours, on=keys, how="outer", suffixes=("_dbt", "_pandas"), indicator=True)
    matched = both[both["_merge"] == "both"]
    out = {"rows_dbt": len(mart), "rows_pandas": len(ours), "rows_only_in_one": int((both["_merge"] != "both").sum())}
    a, b = matched["value_dbt"].astype("float64"), matched["value_pandas"].astype("float64")
    out["value_mismatches"] = int((~(np.isclose(a, b, rtol=1e-9, atol=1e-9) | (a.isna() & b.isna()))).sum())
    for col in COMPARED:
        x = matched[f"{col}_dbt"].astype("Float64")
        y = matched[f"{col}_pandas"].astype("Float64")
        out[f"{col}_mismatches"] = int((~((x == y).fillna(False) | (x.isna() & y.isna()))).sum())
    out["agree"] = out["rows_only_in_one"] == 0 and all(v == 0 for k, v in out.items() if k.endswith("_mismatches"))
    return out
