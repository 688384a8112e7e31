"""The publish gate: a month's findings, the decisions in force on them, and whether the month may publish.

A finding is a result row with failures in the latest check of its month. A decision is in force when it is the
latest one on that finding *for the same evidence* (the same files): a resubmitted file re-opens the question.
A month may publish when it has been checked by every suite since its data last changed, no error finding is
open, and no finding is rejected (the zone must resubmit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from pipelines.quality.catalogue import load_catalogue
from pipelines.quality.store import latest_failures, latest_summary, read_decisions
from pipelines.settings import DataPaths

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def findings(paths: DataPaths, months: list[str] | None = None) -> pd.DataFrame:
    """Current findings with their status: open, accepted, waived or rejected (and the decision in force).

    Order for review: by month, errors first; within a severity, Hidiroglou–Berthelot outliers by score, then
    the other rules."""
    found = latest_failures(paths, months)
    decisions = read_decisions(paths)
    in_force = (decisions.drop_duplicates(["finding_id", "evidence"], keep="last")
                .rename(columns={"reason": "decision_reason", "reviewer": "decision_reviewer",
                                 "decided_at": "decision_at"}))
    found = found.merge(in_force[["finding_id", "evidence", "decision", "decision_reason", "decision_reviewer",
                                  "decision_at"]], on=["finding_id", "evidence"], how="left")
    found["status"] = found["decision"].map({"accept": "accepted", "waive": "waived", "reject": "rejected"})
    found["status"] = found["status"].fillna("open")
    found["severity_order"] = found["severity"].map(SEVERITY_ORDER)
    found["is_hb"] = found["score"].notna()
    return found.sort_values(["month_key", "severity_order", "is_hb", "score", "zone_code", "rule_id"],
                             ascending=[True, True, False, False, True, True], na_position="last",
                             kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class MonthGate:
    month: str
    checked: bool  # every suite ran, the warehouse suites after the lake suites
    not_checked: tuple[str, ...]  # suites with no current result, or why the month counts as unchecked
    rules_checked: int
    items_checked: int
    errors: int
    warnings: int
    open_errors: int
    accepted: int
    waived: int
    rejected: int
    reviewers: tuple[str, ...]

    @property
    def publishable(self) -> bool:
        return self.checked and self.open_errors == 0 and self.rejected == 0

    def blocking_reason(self) -> str:
        if not self.checked:
            return f"not fully checked ({', '.join(self.not_checked)})"
        parts = [f"{self.open_errors} open error(s)"] if self.open_errors else []
        parts += [f"{self.rejected} finding(s) rejected, awaiting resubmission"] if self.rejected else []
        return "; ".join(parts)

    def summary(self) -> dict:
        return {"rules_checked": self.rules_checked, "items_checked": self.items_checked,
                "findings": self.errors + self.warnings, "errors": self.errors, "warnings": self.warnings,
                "open_errors": self.open_errors, "accepted": self.accepted, "waived": self.waived,
                "rejected": self.rejected, "publishable": self.publishable}


def month_gates(paths: DataPaths, months: list[str], found: pd.DataFrame | None = None) -> dict[str, MonthGate]:
    """The gate of each month; `found` passes in `findings(paths, months)` when the caller has it already."""
    summary = latest_summary(paths, months)
    found = findings(paths, months) if found is None else found
    by_month = dict(tuple(found.groupby("month_key", sort=False))) if not found.empty else {}
    suites = load_catalogue()
    gates = {}
    for month in months:
        current = summary.get(month, {})
        f = by_month.get(month, found.iloc[0:0])
        missing = tuple(sorted(set(suites) - set(current.get("suites", []))))
        lake_at, warehouse_at = current.get("lake_checked_at"), current.get("warehouse_checked_at")
        if not missing and lake_at is not None and warehouse_at is not None and warehouse_at < lake_at:
            missing = ("warehouse rules older than the lake checks",)
        decided = f[f["status"] != "open"]
        gates[month] = MonthGate(
            month=month, checked=not missing, not_checked=missing,
            rules_checked=int(current.get("rules_checked", 0)), items_checked=int(current.get("items_checked", 0)),
            errors=int((f["severity"] == "error").sum()), warnings=int((f["severity"] != "error").sum()),
            open_errors=int(((f["severity"] == "error") & (f["status"] == "open")).sum()),
            accepted=int((f["status"] == "accepted").sum()), waived=int((f["status"] == "waived").sum()),
            rejected=int((f["status"] == "rejected").sum()),
            reviewers=tuple(sorted(set(decided["decision_reviewer"].dropna()))))
    return gates


def failing_rows(finding: pd.Series) -> list[dict]:
    return json.loads(finding["failing_rows"]) if isinstance(finding.get("failing_rows"), str) else []
