"""Unit tests of the quality machinery: rule catalogue, result rows, decisions, the publish gate, reporters."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest

from pipelines.quality.catalogue import load_catalogue, rules_by_id
from pipelines.quality.gate import findings, month_gates
from pipelines.quality.reporters import expected_reporters
from pipelines.quality.results import result_rows
from pipelines.quality.sql_rules import hb_items
from pipelines.quality.store import append_decisions, read_decisions, write_results


def test_catalogue_gives_every_rule_an_id_level_severity_and_both_languages():
    suites = load_catalogue()
    assert {"zone_indicators.lake", "firm_indicators.lake", "project_snapshots.lake", "zone_indicators.warehouse",
            "project_snapshots.warehouse", "cross_source", "completeness"} <= set(suites)
    rules = rules_by_id()
    assert {r.ess_level for r in rules.values()} >= {0, 1, 2, 3}
    for rule in rules.values():
        assert rule.severity in ("error", "warning", "info") and rule.en and rule.zh
    assert rules["ZI-203"].kind == "hb" and rules["ZI-203"].params["C"] == 4


def _items(rows):
    return pd.DataFrame(rows, columns=["zone_code", "year", "month", "ok", "subject", "detail", "file_sha256",
                                       "source_file", "source_line"])


def test_result_rows_count_passes_fails_and_not_evaluable_per_zone_and_month():
    rule = rules_by_id()["ZI-201"]
    items = _items([("Z1", 2024, 6, True, "a", "", "f1", "x.xlsx", 3),
                    ("Z1", 2024, 6, False, "b", "fell", "f1", "x.xlsx", 4),
                    ("Z1", 2024, 6, None, "c", "", "f1", "x.xlsx", 5),
                    ("Z2", 2024, 6, True, "a", "", "f2", "y.xlsx", 3)])
    now = datetime(2024, 7, 1)
    rows = result_rows(rule, items, [(2024, 6), (2024, 7)], run_id="r1", checked_at=now)
    z1 = next(r for r in rows if r["zone_code"] == "Z1")
    assert (z1["checked"], z1["passed"], z1["failed"], z1["not_evaluable"]) == (3, 1, 1, 1)
    assert z1["finding_id"] == "2024-06:Z1:ZI-201" and z1["evidence"]
    assert json.loads(z1["failing_rows"]) == [{"subject": "b", "detail": "fell", "file_sha256": "f1",
                                               "source_file": "x.xlsx", "source_line": 4}]
    z2 = next(r for r in rows if r["zone_code"] == "Z2")
    assert z2["failed"] == 0 and z2["finding_id"] is None
    # a month of the run with nothing to check still says it was checked
    empty = next(r for r in rows if r["month"] == 7)
    assert (empty["zone_code"], empty["checked"]) == ("", 0)


def test_hb_items_fail_outliers_and_make_only_extreme_ones_errors():
    rule = rules_by_id()["ZI-203"]
    values = [100, 110, 95, 105, 98, 102, 120, 90]
    growth = [1.02, 1.08, 0.97, 1.05, 1.01, 1.10, 0.95, 1.04]
    pairs = pd.DataFrame({"zone_code": [f"Z{i}" for i in range(9)], "year": 2024, "month": 6, "grp": "tax_revenue",
                          "current": [v * g for v, g in zip(values, growth, strict=True)] + [1000.0 * 10],
                          "previous": [*values, 1000.0], "detail": "x"})
    items = hb_items(rule, pairs)
    assert list(items["ok"][:8]) == [True] * 8
    assert not items["ok"].iloc[8]
    assert items["severity"].iloc[8] == "error" and items["score"].iloc[8] > 100
    mild = pairs.copy()
    mild.loc[8, "current"] = 1000 * 1.6  # an outlier, but within the error bound: a warning
    out = hb_items(rule, mild)
    assert not out["ok"].iloc[8] and out["severity"].iloc[8] is None


def _result(home, rule_id: str, failed: int, evidence: str, at: datetime, month: tuple[int, int] = (2024, 6)):
    rule = rules_by_id()[rule_id]
    items = _items([("Z1", *month, False, "v", "d", evidence, "f.xlsx", 9)] * failed
                   + [("Z1", *month, True, "v", "", "ok", "f.xlsx", 10)])
    rows = result_rows(rule, items, [month], run_id=f"run-{at:%H%M%S%f}", checked_at=at)
    write_results(home, rows, run_id=f"run-{at:%H%M%S%f}", suite=rule.suite)


def _check_all_suites(home, at: datetime, month=(2024, 6)):
    """Clean results for every suite (lake first, then warehouse), as a run would write."""
    for i, suite in enumerate(load_catalogue().values()):
        stamp = at + timedelta(seconds=1 if suite.stage == "warehouse" else 0, microseconds=i)
        rows = result_rows(suite.rules[0], _items([("Z1", *month, True, "v", "", "f", "f.xlsx", 1)]), [month],
                           run_id="clean", checked_at=stamp)
        write_results(home, rows, run_id="clean", suite=suite.name)


def test_gate_opens_only_when_checked_and_every_error_is_passed_or_waived(home):
    t0 = datetime(2024, 7, 10, 9)
    assert not month_gates(home, ["2024-06"])["2024-06"].checked  # nothing checked: never publishable
    _check_all_suites(home, t0)
    assert month_gates(home, ["2024-06"])["2024-06"].publishable
    _result(home, "ZI-201", 1, "file-a", t0 + timedelta(minutes=1))  # a newer run of the warehouse suite
    gate = month_gates(home, ["2024-06"])["2024-06"]
    assert not gate.publishable and gate.open_errors == 1 and "1 open error" in gate.blocking_reason()

    with pytest.raises(ValueError, match="needs a reason"):
        append_decisions(home, [{"finding_id": "2024-06:Z1:ZI-201", "evidence": "e", "decision": "waive",
                                 "reviewer": "王"}], origin="test")
    evidence = findings(home, ["2024-06"]).iloc[0]["evidence"]
    append_decisions(home, [{"finding_id": "2024-06:Z1:ZI-201", "evidence": evidence, "decision": "waive",
                             "reason": "核实无误", "reviewer": "王"}], origin="test")
    gate = month_gates(home, ["2024-06"])["2024-06"]
    assert gate.publishable and gate.waived == 1 and gate.reviewers == ("王",)

    # a resubmission that still fails is new evidence: the waiver does not cover it
    _result(home, "ZI-201", 1, "file-b", t0 + timedelta(minutes=2))
    assert month_gates(home, ["2024-06"])["2024-06"].open_errors == 1
    # a rejection blocks even a warning-only month; a later decision supersedes it, and both stay on record
    evidence_b = findings(home, ["2024-06"]).iloc[0]["evidence"]
    append_decisions(home, [{"finding_id": "2024-06:Z1:ZI-201", "evidence": evidence_b, "decision": "reject",
                             "reason": "请重报", "reviewer": "李"}], origin="test")
    assert month_gates(home, ["2024-06"])["2024-06"].rejected == 1
    append_decisions(home, [{"finding_id": "2024-06:Z1:ZI-201", "evidence": evidence_b, "decision": "accept",
                             "reason": "", "reviewer": "李"}], origin="test")
    assert month_gates(home, ["2024-06"])["2024-06"].publishable
    assert list(read_decisions(home)["decision"]) == ["waive", "reject", "accept"]


def test_lake_checks_newer_than_the_warehouse_rules_leave_a_month_unchecked(home):
    t0 = datetime(2024, 7, 10, 9)
    _check_all_suites(home, t0)
    rule = rules_by_id()["ZI-007"]  # the lake suite ran again (new data) but the warehouse rules did not
    rows = result_rows(rule, _items([("Z1", 2024, 6, True, "v", "", "f", "f.xlsx", 1)]), [(2024, 6)],
                       run_id="later", checked_at=t0 + timedelta(hours=1))
    write_results(home, rows, run_id="later", suite=rule.suite)
    gate = month_gates(home, ["2024-06"])["2024-06"]
    assert not gate.checked and not gate.publishable


def test_expected_reporters_follow_the_calendar_of_each_zone(tmp_path):
    months = [(2024, 1), (2024, 2)]
    frame = expected_reporters(months)
    jan = set(frame[(frame.month == 1) & (frame.ledger == "zone_indicators")].zone_code)
    feb = set(frame[(frame.month == 2) & (frame.ledger == "zone_indicators")].zone_code)
    assert "G321016" in feb and "G321016" not in jan  # 1-2月合报
    bad = tmp_path / "expected.yaml"
    bad.write_text("reporters:\n  - {ledger: zone_indicators, from: 2023-01, zones: [X000000]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("expected.yaml, entry 1, field zones: not in the zone registry: X000000")):
        expected_reporters(months, bad)


def test_the_readme_explains_every_rule():
    from pipelines.settings import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The rules"):]
    assert [r for r in rules_by_id() if r not in section] == []


def test_decisions_from_a_yaml_file_are_all_or_nothing(home, tmp_path):
    from pipelines.quality.review import ReviewError, import_decisions

    t0 = datetime(2024, 7, 10, 9)
    _check_all_suites(home, t0)
    _result(home, "ZI-201", 1, "file-a", t0 + timedelta(minutes=1))
    bad = tmp_path / "decisions.yaml"
    bad.write_text("reviewer: 王\ndecisions:\n"
                   "  - {finding: '2024-06:Z1:ZI-201', decision: accept}\n"
                   "  - {finding: '2024-06:Z9:ZI-201', decision: waive, reason: x}\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=re.escape("decisions.yaml, entry 2, field finding_id: no current finding 2024-06:Z9")):
        import_decisions(home, bad)
    assert read_decisions(home).empty  # nothing of the file was recorded
    good = tmp_path / "good.yaml"
    good.write_text("reviewer: 王\ndecisions:\n  - {finding: '2024-06:Z1:ZI-201', decision: waive, reason: 已核实}\n",
                    encoding="utf-8")
    [record] = import_decisions(home, good)
    assert (record["reviewer"], record["origin"]) == ("王", "file:good.yaml")
    assert month_gates(home, ["2024-06"])["2024-06"].publishable


def test_a_rule_with_nothing_to_check_still_reports_its_months():
    rule = rules_by_id()["XS-311"]
    rows = result_rows(rule, _items([]), [(2024, 2)], run_id="r", checked_at=datetime(2024, 3, 1))
    assert [(r["month"], r["zone_code"], r["checked"]) for r in rows] == [(2, "", 0)]
