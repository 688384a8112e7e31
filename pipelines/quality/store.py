"""The quality records under PARKSTATS_HOME/quality: check results (one file per run and suite) and review
decisions (one file per decision batch). Both are append-only: files are written once, atomically, and never
changed, so the history of every check and every decision stays on record.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.lake import write_atomic
from pipelines.settings import DataPaths

CHECK_RESULTS = pa.schema(
    [
        ("run_id", pa.string()),  # the Dagster run (or another caller's id)
        ("checked_at", pa.timestamp("us")),
        ("suite", pa.string()),
        ("stage", pa.string()),  # lake (before dbt) / warehouse (after dbt)
        ("ledger", pa.string()),
        ("rule_id", pa.string()),
        ("ess_level", pa.int8()),
        ("severity", pa.string()),  # error / warning / info (HB: error beyond its error bound)
        ("description_en", pa.string()),
        ("description_zh", pa.string()),
        ("year", pa.int16()),
        ("month", pa.int8()),
        ("zone_code", pa.string()),  # '' for what belongs to no zone (e.g. a table's columns)
        ("checked", pa.int64()),  # items checked
        ("passed", pa.int64()),
        ("failed", pa.int64()),
        ("not_evaluable", pa.int64()),  # NA: a value missing or no comparison possible
        ("score", pa.float64()),  # largest outlier score (HB), for ranking findings
        ("finding_id", pa.string()),  # YYYY-MM:zone:rule, set when failed > 0
        ("evidence", pa.string()),  # hash of the files (or values) behind the failures
        ("failing_rows", pa.string()),  # JSON: a sample of failing items with file and line
    ]
)

DECISIONS = ("accept", "waive", "reject")
DECISION_COLUMNS = ["decision_id", "decided_at", "reviewer", "finding_id", "evidence", "decision", "reason", "origin"]
FAILING_SAMPLE = 10  # failing items kept per result row


def month_key(year: int, month: int) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def finding_id(year: int, month: int, zone_code: str, rule_id: str) -> str:
    return f"{month_key(year, month)}:{zone_code or '-'}:{rule_id}"


def evidence_of(failing: Iterable[dict]) -> str:
    """What a decision is bound to: the files behind the failures, or their details when no file is named.

    A resubmitted file changes the evidence, so an earlier waiver no longer covers the new data.
    """
    items = list(failing)
    files = sorted({f for row in items for f in (row.get("file_sha256"), row.get("other_file_sha256")) if f})
    basis = files or sorted(str(row.get("detail", "")) for row in items)
    return hashlib.sha256("\n".join(basis).encode()).hexdigest()[:16]


def results_dir(paths: DataPaths) -> Path:
    return paths.home / "quality" / "results"


def decisions_dir(paths: DataPaths) -> Path:
    return paths.home / "quality" / "decisions"


def write_results(paths: DataPaths, rows: list[dict], *, run_id: str, suite: str) -> int:
    """Append one run's results of one suite (one file per month touched)."""
    by_month: dict[str, list[dict]] = {}
    for row in rows:
        by_month.setdefault(month_key(row["year"], row["month"]), []).append(row)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    for month, month_rows in by_month.items():
        table = pa.Table.from_pylist(month_rows, schema=CHECK_RESULTS)
        write_atomic(table, results_dir(paths) / month / f"{stamp}-{run_id[:12]}-{suite}.parquet")
    return len(rows)


def _result_files(paths: DataPaths, months: list[str] | None) -> list[str]:
    root = results_dir(paths)
    return [str(p) for p in sorted(root.glob("*/*.parquet")) if months is None or p.parent.name in months]


def read_results(paths: DataPaths, months: list[str] | None = None) -> pd.DataFrame:
    """Every result row on record (of `months` only, when given)."""
    files = _result_files(paths, months)
    if not files:
        return CHECK_RESULTS.empty_table().to_pandas()
    with duckdb.connect() as con:
        return con.execute("select * from read_parquet(?)", [files]).df()


# The rows of the most recent run of each suite on each month, in file order. Chosen in DuckDB: a national history
# holds millions of result rows, of which a caller usually needs only the failures or a summary per month.
_LATEST = """
    select * exclude (filename, file_row_number), printf('%04d-%02d', year, month) as month_key
    from read_parquet(?, filename = true, file_row_number = true)
    qualify checked_at = max(checked_at) over (partition by year, month, suite)
"""


def latest_failures(paths: DataPaths, months: list[str] | None = None) -> pd.DataFrame:
    """For each month and suite, the rows with failures of the most recent run that checked it: the month's
    current findings."""
    files = _result_files(paths, months)
    if not files:
        frame = CHECK_RESULTS.empty_table().to_pandas()
        frame["month_key"] = pd.Series(dtype="str")
        return frame
    with duckdb.connect() as con:
        return con.execute(f"{_LATEST} and failed > 0 order by filename, file_row_number", [files]).df()


def latest_summary(paths: DataPaths, months: list[str] | None = None) -> dict[str, dict]:
    """Per month, what its current results cover: the suites, the last check of each stage, rules and items."""
    files = _result_files(paths, months)
    if not files:
        return {}
    with duckdb.connect() as con:
        rows = con.execute(f"""
            with latest as ({_LATEST})
            select month_key, list(distinct suite) as suites,
                   max(checked_at) filter (where stage = 'lake') as lake_checked_at,
                   max(checked_at) filter (where stage = 'warehouse') as warehouse_checked_at,
                   count(distinct rule_id) as rules_checked, coalesce(sum(checked), 0) as items_checked
            from latest group by month_key""", [files]).fetchall()
    columns = ("suites", "lake_checked_at", "warehouse_checked_at", "rules_checked", "items_checked")
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def append_decisions(paths: DataPaths, decisions: list[dict], *, origin: str) -> list[dict]:
    """Record decisions (append-only: a later decision on the same finding supersedes, never erases)."""
    now = datetime.now()
    records = []
    for d in decisions:
        if d["decision"] not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {d['decision']!r}")
        if d["decision"] == "waive" and not str(d.get("reason") or "").strip():
            raise ValueError(f"{d['finding_id']}: a waiver needs a reason")
        if not str(d.get("reviewer") or "").strip():
            raise ValueError(f"{d['finding_id']}: a decision needs a reviewer")
        records.append({"decision_id": uuid.uuid4().hex[:12], "decided_at": now.isoformat(timespec="microseconds"),
                        "reviewer": d["reviewer"].strip(), "finding_id": d["finding_id"], "evidence": d["evidence"],
                        "decision": d["decision"], "reason": str(d.get("reason") or "").strip(), "origin": origin})
    if records:
        folder = decisions_dir(paths)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{now:%Y%m%dT%H%M%S%f}-{records[0]['decision_id']}.json"
        tmp = folder / f".{final.name}.tmp"
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(final)
    return records


def read_decisions(paths: DataPaths) -> pd.DataFrame:
    """The audit trail: every decision ever recorded, oldest first."""
    rows = [r for p in sorted(decisions_dir(paths).glob("*.json"))
            for r in json.loads(p.read_text(encoding="utf-8"))]
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    return frame.sort_values(["decided_at", "decision_id"], kind="stable").reset_index(drop=True)
