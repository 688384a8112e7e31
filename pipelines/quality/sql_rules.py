"""Running the SQL rule suites (expectations/*.yaml) on the warehouse, read-only, after dbt has built it.

Each rule's query returns one row per item checked (see `results.ITEM_COLUMNS`); `hb` rules return pairs of
values (current, previous) per zone and group, scored here with the Hidiroglou–Berthelot method.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from pipelines.quality.catalogue import Rule, suites_of_stage
from pipelines.quality.hb import HBParams, hb_scores
from pipelines.quality.reporters import expected_reporters
from pipelines.quality.results import result_rows
from pipelines.quality.store import write_results
from pipelines.settings import DataPaths, duckdb_config


def hb_items(rule: Rule, pairs: pd.DataFrame) -> pd.DataFrame:
    """Score the pairs within each (year, month, grp); outliers beyond C fail, beyond C_error (if set) are errors."""
    if pairs.empty:
        return pairs.assign(ok=pd.Series(dtype="boolean"), score=pd.Series(dtype=float))
    p = rule.params
    warn = HBParams(u=p.get("U", 0.5), a=p.get("A", 0.05), c=p.get("C", 4))
    scored = hb_scores(pairs, current="current", previous="previous", key="zone_code",
                       group=["year", "month", "grp"], params=warn)
    items = pairs.copy()
    items["ok"] = np.where(scored["evaluable"], ~scored["is_outlier"], None)
    items["score"] = scored["score"].where(scored["is_outlier"])
    items["severity"] = None
    if "C_error" in p:
        severe = hb_scores(pairs, current="current", previous="previous", key="zone_code",
                           group=["year", "month", "grp"], params=HBParams(u=warn.u, a=warn.a, c=p["C_error"]))
        items["severity"] = np.where(severe["is_outlier"], "error", None)
    direction = scored["direction"].fillna("")
    items["detail"] = [f"{d}: {text} (HB score {s:.1f})" if o else text for d, text, s, o in
                       zip(direction, items["detail"], scored["score"], scored["is_outlier"], strict=True)]
    return items


def rule_items(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    try:
        frame = con.execute(rule.sql).df()
    except duckdb.Error as e:
        raise RuntimeError(f"rule {rule.rule_id} ({rule.suite}): its SQL failed: {e}") from e
    return hb_items(rule, frame) if rule.kind == "hb" else frame


def run_warehouse_suites(paths: DataPaths, months: list[tuple[int, int]], run_id: str) -> dict[str, list[dict]]:
    """Run every warehouse-stage suite for `months` and append the results; returns result rows by suite."""
    checked_at = datetime.now()
    out: dict[str, list[dict]] = {}
    with duckdb.connect(config=duckdb_config()) as con:
        con.execute(f"attach '{paths.warehouse}' as wh (read_only)")
        con.execute("use wh")
        con.register("run_months", pd.DataFrame(months, columns=["year", "month"]).astype("int32"))
        con.register("expected_reporters", expected_reporters(months))
        for suite in suites_of_stage("warehouse"):
            rows = []
            for rule in suite.rules:
                rows += result_rows(rule, rule_items(con, rule), months, run_id=run_id, checked_at=checked_at)
            write_results(paths, rows, run_id=run_id, suite=suite.name)
            out[suite.name] = rows
    return out
