"""Turning item-level outcomes of any rule into result rows: one per month × zone × rule, with counts and a
sample of failing items (file and line), in the schema of `store.CHECK_RESULTS`."""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
import pandas as pd

from pipelines.quality.catalogue import Rule
from pipelines.quality.store import FAILING_SAMPLE, evidence_of, finding_id

ITEM_COLUMNS = ["zone_code", "year", "month", "ok", "subject", "detail", "file_sha256", "source_file", "source_line",
                "other_file_sha256", "other_source_file", "other_source_line", "score", "severity"]


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _failing_groups(rule: Rule, failing: pd.DataFrame) -> dict[tuple, dict]:
    """Per month and zone with failures: severity, largest score, evidence and a sample of failing items.

    One stable sort and one conversion to records for all failures, then plain Python per group: pandas calls
    per group cost milliseconds each, which adds up to seconds with thousands of zones.
    """
    if failing.empty:
        return {}
    failing = failing.sort_values("score", ascending=False, na_position="last", kind="stable")
    keys = ["year", "month", "zone_code"]
    records = [{k: c for k, v in r.items() if (c := _clean(v)) is not None}
               for r in failing.drop(columns=[*keys, "ok"]).to_dict("records")]
    severities = failing["severity"].to_numpy(object)
    scores = pd.to_numeric(failing["score"], errors="coerce").to_numpy(float)
    out = {}
    for key, positions in failing.groupby(keys, sort=False).indices.items():
        group = [records[i] for i in positions]  # positions ascend: the sorted order within the group
        group_scores = scores[positions]
        group_scores = group_scores[~np.isnan(group_scores)]
        out[tuple(int(k) if i < 2 else k for i, k in enumerate(key))] = {
            "severity": "error" if any(isinstance(severities[i], str) and severities[i] == "error"
                                       for i in positions) else rule.severity,
            "score": float(group_scores.max()) if len(group_scores) else None,
            "evidence": evidence_of(group),
            "failing_rows": json.dumps(group[:FAILING_SAMPLE], ensure_ascii=False, default=str),
        }
    return out


def _outcomes(ok: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Masks of passed and failed items: only True and False count, anything else (None, NA) is not evaluable."""
    if ok.dtype == bool or isinstance(ok.dtype, pd.BooleanDtype):
        values = ok.astype("boolean")
        return values.fillna(False).to_numpy(bool), (~values).fillna(False).to_numpy(bool)
    values = ok.to_numpy(object)
    return (np.fromiter((v is True or v is np.True_ for v in values), bool, len(values)),
            np.fromiter((v is False or v is np.False_ for v in values), bool, len(values)))


def result_rows(rule: Rule, items: pd.DataFrame, months: list[tuple[int, int]], *, run_id: str,
                checked_at: datetime) -> list[dict]:
    """Aggregate `items` (ITEM_COLUMNS; ok True/False/None) per month and zone.

    Every month of the run gets at least one row per rule (zone '', nothing checked) so that "checked, nothing
    to check" differs from "not checked". `severity` 'error' on an item makes its row an error (HB error bound).
    """
    items = items.reindex(columns=ITEM_COLUMNS)
    items["zone_code"] = items["zone_code"].fillna("")
    items["_pass"], items["_fail"] = _outcomes(items["ok"])
    counts = items.groupby(["year", "month", "zone_code"], sort=True).agg(
        checked=("_pass", "size"), passed=("_pass", "sum"), failed=("_fail", "sum"))
    failing = _failing_groups(rule, items.loc[items["_fail"]].drop(columns=["_pass", "_fail"]))
    base = {"run_id": run_id, "checked_at": checked_at, "suite": rule.suite, "stage": rule.stage,
            "ledger": rule.ledger, "rule_id": rule.rule_id, "ess_level": rule.ess_level,
            "description_en": rule.en, "description_zh": rule.zh}
    none = {"severity": rule.severity, "score": None, "evidence": None, "failing_rows": None}
    rows = []
    for (year, month, zone), c in zip(counts.index, counts.itertuples(index=False), strict=True):
        key = (int(year), int(month), zone)
        rows.append({**base, **failing.get(key, none), "year": key[0], "month": key[1], "zone_code": zone,
                     "checked": int(c.checked), "passed": int(c.passed), "failed": int(c.failed),
                     "not_evaluable": int(c.checked - c.passed - c.failed),
                     "finding_id": finding_id(*key, rule.rule_id) if c.failed else None})
    seen = {(r["year"], r["month"]) for r in rows}
    rows += [{**base, **none, "year": y, "month": m, "zone_code": "", "checked": 0, "passed": 0, "failed": 0,
              "not_evaluable": 0, "finding_id": None} for y, m in months if (y, m) not in seen]
    return rows
