"""End to end: the quality gate on the real Dagster + dbt + GX path.

A clean range publishes; a month with injected errors (a negative revenue, a YTD that falls, a tenfold
outlier, a missing zone) does not, and each finding names its file, row and rule; waivers with reasons let it
publish and appear in the release record; a resubmitted file clears its finding and the value is flagged r.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.ledger_files import altered_xlsx, read_xlsx, write_xlsx
from tests.warehouse import published

pytestmark = pytest.mark.e2e
MONTH = "2024-06"


def _release(home) -> dict:
    return json.loads((home.published / "current" / "release.json").read_text(encoding="utf-8"))


def _set(label: str, factor: float | None = None, value: float | None = None):
    def edit(grid):
        row = next(r for r in grid if r[0] == label)
        row[2] = value if value is not None else round(row[2] * factor, 2)
    return edit


def _findings(home, month: str = MONTH):
    from pipelines.quality.gate import findings

    return findings(home, [month]).set_index("finding_id")


@pytest.fixture(scope="module")
def gate_home(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path):
    """Months 2023-06..2024-05 built clean; the 2024-06 ledgers of four zones altered in landing."""
    from pipelines.runner import run_months
    from pipelines.settings import DataPaths

    mp = pytest.MonkeyPatch()
    home = DataPaths(tmp_path_factory.mktemp("gate") / "data")
    mp.setenv("PARKSTATS_HOME", str(home.home))
    mp.setenv("DAGSTER_HOME", str(home.dagster_home))
    mp.setenv("PARKSTATS_REVIEWER", "测试审核员")
    shutil.copytree(sample_dir / "landing", home.landing)
    clean = run_months("2023-06", "2024-05", raise_on_error=True)
    landing = home.landing
    originals = home.home / "originals"
    originals.mkdir()
    huaian = next(landing.rglob("淮安经开区2024年1-6月主要经济指标.xlsx"))
    shutil.copy2(huaian, originals / "huaian.xlsx")
    altered_xlsx(huaian, huaian, _set("工业营业收入", value=-577.21))  # negative revenue (ZI-007)
    hefei = next(landing.rglob("合肥经开区2024年1-6月主要经济指标.xlsx"))
    altered_xlsx(hefei, hefei, _set("工业总产值", factor=0.1))  # 1-6月 below 1-5月 (ZI-201)
    shangrao = next(landing.rglob("上饶经开区2024年1-6月主要经济指标.xlsx"))
    altered_xlsx(shangrao, shangrao, _set("税收收入合计", factor=10))  # tenfold (ZI-203, HB error bound)
    for path in landing.rglob("淮安高新区2024年1-6月*"):  # 淮安高新区 sends nothing this month (CP-001)
        path.unlink()
    yield home, clean, originals
    mp.undo()


def test_quality_gate_end_to_end(gate_home, sample_dir):
    from pipelines.cli import app
    from pipelines.runner import run_months

    home, clean, originals = gate_home
    cli = CliRunner()

    # 1. a clean range publishes every month, with its check summary on record
    assert clean.success and clean.publish["new_release"]
    record = _release(home)
    assert "2024-05" in record["months_published"] and record["months_withheld"] == {}
    assert record["check_summary"]["2024-05"]["open_errors"] == 0
    assert record["check_summary"]["2024-05"]["rules_checked"] >= 35
    first_release = record["release_id"]

    # 2. the negative revenue fails the blocking GX suite: dbt, the warehouse rules and publishing are skipped
    blocked = run_months(MONTH, MONTH)
    assert "lake_zone_indicators:zone_indicators_suite" in blocked.failed_checks
    assert not blocked.success and blocked.publish is None  # the publish step never ran
    assert _release(home)["release_id"] == first_release
    negative = _findings(home).loc[f"{MONTH}:G321100:ZI-007"]
    row = json.loads(negative["failing_rows"])[0]
    assert row["source_file"].endswith("淮安经开区2024年1-6月主要经济指标.xlsx") and row["source_line"] == 7
    assert negative["severity"] == "error" and negative["status"] == "open"
    assert (home.home / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()

    # a waiver needs a reason; with one it is recorded for the current evidence
    result = cli.invoke(app, ["review", "decide", f"{MONTH}:G321100:ZI-007", "--waive"])
    assert result.exit_code == 1 and "needs a reason" in result.output
    result = cli.invoke(app, ["review", "decide", f"{MONTH}:G321100:ZI-007", "--waive", "--reason",
                              "区财政局确认为退税冲减，待更正台账"])
    assert result.exit_code == 0, result.output

    # 3. with the GX error waived, dbt builds and the warehouse rules find the other three; the month is withheld
    withheld = run_months(MONTH, MONTH)
    assert not withheld.skipped_steps, withheld.skipped_steps
    assert MONTH in withheld.publish["months_withheld"] and not withheld.publish["months_new"]
    found = _findings(home)
    falls = found.loc[f"{MONTH}:G341022:ZI-201"]
    falls_row = next(r for r in json.loads(falls["failing_rows"]) if r["subject"] == "industrial_output_value")
    assert falls_row["source_file"].endswith("合肥经开区2024年1-6月主要经济指标.xlsx") and falls_row["source_line"] == 6
    assert falls_row["other_source_file"].endswith("合肥经开区2024年1-5月主要经济指标.xlsx")
    outlier = found.loc[f"{MONTH}:G361149:ZI-203"]
    assert outlier["severity"] == "error" and outlier["score"] > 10
    outlier_row = json.loads(outlier["failing_rows"])[0]
    assert outlier_row["subject"] == "tax_revenue" and outlier_row["source_line"] == 10
    missing = found.loc[f"{MONTH}:G322077:CP-001"]
    assert "zone_indicators" in {r["subject"] for r in json.loads(missing["failing_rows"])}
    assert found.loc[f"{MONTH}:G321100:ZI-007", "status"] == "waived"
    assert published(home, "select count(*) from fct_zone_indicators_monthly where year = 2024 and month = 6") \
        == [(0,)]  # an unpublished month is not readable from the published file

    listing = cli.invoke(app, ["review", "list", "--month", MONTH])
    assert listing.exit_code == 0 and listing.output.index("ZI-201") < listing.output.index("ZI-202")
    status = cli.invoke(app, ["status", "--month", MONTH])
    assert status.exit_code == 0 and "月报 缺" in status.output and "withheld" in status.output
    shown = cli.invoke(app, ["review", "show", f"{MONTH}:G341022:ZI-201"])
    assert shown.exit_code == 0 and "合肥经开区2024年1-6月主要经济指标.xlsx" in shown.output

    # 4. the office decides the rest in Excel: export, fill in, import
    sheet = home.home / "decisions.csv"
    assert cli.invoke(app, ["review", "list", "--month", MONTH, "--csv", str(sheet)]).exit_code == 0
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    errors = [r for r in rows if r["severity"] == "error"]
    assert {f"{MONTH}:G341022:ZI-201", f"{MONTH}:G361149:ZI-203", f"{MONTH}:G322077:CP-001"} <= \
        {r["finding_id"] for r in errors}
    for r in errors:
        r.update(decision="waive", reason="已电话核实，随后更正", reviewer="李审核")
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)  # warnings keep an empty decision: skipped
    imported = cli.invoke(app, ["review", "import", str(sheet)])
    assert imported.exit_code == 0 and f"recorded {len(errors)} decision(s)" in imported.output, imported.output

    released = run_months(MONTH, MONTH)
    assert released.publish["months_new"] == [MONTH]
    record = _release(home)
    waivers = {d["finding_id"]: d for d in record["decisions"]}
    assert waivers[f"{MONTH}:G321100:ZI-007"]["reason"] == "区财政局确认为退税冲减，待更正台账"
    assert waivers[f"{MONTH}:G341022:ZI-201"]["reviewer"] == "李审核"
    assert set(record["reviewers"]) == {"测试审核员", "李审核"}
    assert record["check_summary"][MONTH]["waived"] == len(errors) + 1 and record["check_summary"][MONTH]["open_errors"] == 0
    flags = dict(published(home, "select status_flag, count(*) from fct_zone_indicators_monthly "
                                 "where year = 2024 and month = 6 group by all"))
    assert set(flags) == {"P"}  # the newest month is provisional
    vintages = {(v["zone_code"], v["ledger"]) for v in record["vintages"]}
    assert ("G321100", "zone_indicators") in vintages and ("G322077", "zone_indicators") not in vintages

    # 5. the corrected ledger clears the finding, and its value is flagged r against the previous release
    corrected = home.landing / "淮安经开区" / "淮安经开区2024年1-6月主要经济指标（更正）.xlsx"
    sheet_name, grid = read_xlsx(originals / "huaian.xlsx")
    write_xlsx(corrected, sheet_name, grid)
    resubmitted = run_months(MONTH, MONTH)
    assert resubmitted.publish["months_new"] == [MONTH]
    assert f"{MONTH}:G321100:ZI-007" not in _findings(home).index
    (value, flag), = published(home, "select ytd_value, status_flag from fct_zone_indicators_monthly "
                                     "where zone_code = 'G321100' and year = 2024 and month = 6 "
                                     "and measure = 'industrial_revenue'")
    assert value == pytest.approx(5_772_100) and flag == "r"
    audit = cli.invoke(app, ["review", "audit", "--month", MONTH])
    assert audit.exit_code == 0 and audit.output.count("waive") == len(errors) + 1
