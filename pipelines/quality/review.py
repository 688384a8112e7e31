"""Statisticians' review: reading findings, recording decisions (from the command line or a YAML/CSV file),
and the per-zone status of a month. The command line in `pipelines/review_cli.py` only formats these."""

from __future__ import annotations

import csv
import getpass
import os
from pathlib import Path

import pandas as pd
import yaml

from pipelines.quality.gate import findings
from pipelines.quality.reporters import expected_reporters
from pipelines.quality.store import DECISIONS, append_decisions, read_decisions, read_results
from pipelines.settings import DataPaths

# columns of the decision file an office fills in (also written by `review list --csv`)
DECISION_FILE_COLUMNS = ["finding_id", "decision", "reason", "reviewer"]


class ReviewError(ValueError):
    pass


def default_reviewer() -> str:
    return os.environ.get("PARKSTATS_REVIEWER") or getpass.getuser()


def check_month(month: str) -> str:
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit() or not 1 <= int(month[5:]) <= 12:
        raise ReviewError(f"month must be YYYY-MM, e.g. 2024-03, not {month!r}")
    return month


def open_findings(paths: DataPaths, month: str, include_decided: bool = False) -> pd.DataFrame:
    found = findings(paths, [check_month(month)])
    return found if include_decided else found[found["status"].isin(["open", "rejected"])]


def finding_history(paths: DataPaths, finding_id: str) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """The finding as it stands, every check result of its month × zone × rule, and every decision on it."""
    month = finding_id.split(":")[0]
    current = findings(paths, [check_month(month)])
    match = current[current["finding_id"] == finding_id]
    results = read_results(paths, [month])
    month_no, zone, rule = finding_id.split(":")[0], *finding_id.split(":")[1:3]
    history = results[(results["rule_id"] == rule) & (results["zone_code"] == ("" if zone == "-" else zone))]
    history = history.sort_values("checked_at")
    decisions = read_decisions(paths)
    decisions = decisions[decisions["finding_id"] == finding_id]
    if match.empty:
        if history.empty:
            raise ReviewError(f"no finding {finding_id}; `parkstats review list --month {month_no}` lists them")
        return history.iloc[-1], history, decisions
    return match.iloc[0], history, decisions


def decide(paths: DataPaths, finding_ids: list[str], decision: str, reason: str, reviewer: str,
           origin: str = "cli") -> list[dict]:
    """Record one decision on each finding, bound to the finding's current evidence."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    months = sorted({f.split(":")[0] for f in finding_ids})
    for m in months:
        check_month(m)
    current = findings(paths, months).set_index("finding_id")
    unknown = [f for f in finding_ids if f not in current.index]
    if unknown:
        raise ReviewError(f"no current finding {', '.join(unknown)} (cleared by a later check, or mistyped); "
                          f"`parkstats review list --month {months[0]}` lists the findings")
    try:
        return append_decisions(paths, [{"finding_id": f, "evidence": current.loc[f, "evidence"], "decision": decision,
                                         "reason": reason, "reviewer": reviewer} for f in finding_ids], origin=origin)
    except ValueError as e:
        raise ReviewError(str(e)) from e


def _file_rows(path: Path) -> list[dict]:
    if path.suffix.lower() in (".yaml", ".yml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default = spec.get("reviewer")
        return [{"reviewer": default, **row, "finding_id": row.get("finding_id") or row.get("finding")}
                for row in spec.get("decisions", [])]
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:  # utf-8-sig: Excel writes a BOM
            return list(csv.DictReader(f))
    raise ReviewError(f"{path.name}: decisions are read from .yaml, .yml or .csv files")


def import_decisions(paths: DataPaths, path: Path) -> list[dict]:
    """Record the decisions of a file; rows without a decision are skipped. All-or-nothing: one bad row, none kept."""
    rows = _file_rows(path)
    wanted = []
    for line, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        decision = str(row.get("decision") or "").strip().lower()
        if not decision:
            continue
        where = f"{path.name}, {'row' if path.suffix.lower() == '.csv' else 'entry'} {line}"
        if decision not in DECISIONS:
            raise ReviewError(f"{where}, field decision: expected one of {', '.join(DECISIONS)}, found {decision!r}")
        if not row.get("finding_id"):
            raise ReviewError(f"{where}, field finding_id: missing")
        if decision == "waive" and not str(row.get("reason") or "").strip():
            raise ReviewError(f"{where}, field reason: a waiver needs a reason")
        if not str(row.get("reviewer") or "").strip():
            raise ReviewError(f"{where}, field reviewer: missing")
        wanted.append({**row, "decision": decision, "line": where})
    months = sorted({r["finding_id"].split(":")[0] for r in wanted})
    current = findings(paths, months).set_index("finding_id") if months else pd.DataFrame()
    for r in wanted:
        if r["finding_id"] not in current.index:
            raise ReviewError(f"{r['line']}, field finding_id: no current finding {r['finding_id']}")
        r["evidence"] = current.loc[r["finding_id"], "evidence"]
    return append_decisions(paths, wanted, origin=f"file:{path.name}")


def export_findings(found: pd.DataFrame, path: Path) -> None:
    """A CSV an office can fill in Excel (decision, reason, reviewer) and give back to `review import`."""
    out = found.assign(decision="", reason="", reviewer="")
    columns = [*DECISION_FILE_COLUMNS, "severity", "ess_level", "status", "zone_code", "rule_id", "description_zh",
               "description_en", "failed", "checked", "score", "failing_rows"]
    out[columns].to_csv(path, index=False, encoding="utf-8-sig")


def month_status(paths: DataPaths, month: str) -> pd.DataFrame:
    """Per zone: ledgers received (with vintages), rules checked, findings, decisions, published or not."""
    from pipelines.publish import current_release, release_record

    check_month(month)
    year, mon = int(month[:4]), int(month[5:])
    manifest_file = paths.lake / "manifest" / month / "data.parquet"
    received = pd.read_parquet(manifest_file) if manifest_file.exists() else pd.DataFrame(
        columns=["ledger", "zone_code", "vintage"])
    expected = expected_reporters([(year, mon)])
    zones = sorted(set(expected["zone_code"]) | set(received["zone_code"].dropna()))
    results = read_results(paths, [month])
    found = findings(paths, [month])
    try:
        record = release_record(current_release(paths))
    except FileNotFoundError:
        record = {}
    published = month in record.get("months_published", [])
    short = {"zone_indicators": "月报", "firm_indicators": "企业", "project_snapshots": "项目"}
    rows = []
    for zone in zones:
        got = received[received["zone_code"] == zone]
        want = set(expected[expected["zone_code"] == zone]["ledger"])
        parts = []
        for ledger in sorted(want | set(got["ledger"])):
            v = got[got["ledger"] == ledger]["vintage"]
            parts.append(f"{short[ledger]} v{int(v.max())}" if len(v) else f"{short[ledger]} 缺")
        zr = results[results["zone_code"] == zone]
        zf = found[found["zone_code"] == zone]
        open_errors = int(((zf["severity"] == "error") & zf["status"].isin(["open", "rejected"])).sum())
        rows.append({
            "zone_code": zone, "received": ", ".join(parts),
            "checked": int(zr["rule_id"].nunique()),
            "open_errors": open_errors,
            "open_warnings": int(((zf["severity"] != "error") & (zf["status"] == "open")).sum()),
            "waived": int(zf["status"].isin(["waived", "accepted"]).sum()),
            "rejected": int((zf["status"] == "rejected").sum()),
            "published": "yes" if published else "no",
        })
    return pd.DataFrame(rows)
