"""The sample generator: deterministic, calibrated, and consistent with its own ground truth."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from pipelines.sample import SampleSummary, generate_sample

FLOWS = {
    "industrial_output_value",
    "industrial_revenue",
    "tax_revenue",
    "fixed_asset_investment",
    "industrial_investment",
    "fdi_actual_usd",
}


@pytest.fixture(scope="module")
def sample(sample_summary: SampleSummary) -> SampleSummary:
    return sample_summary


@pytest.fixture(scope="module")
def truth(sample: SampleSummary) -> pd.DataFrame:
    return pd.read_csv(sample.truth_dir / "zone_indicators.csv", dtype={"zone_code": str})


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_runs_are_byte_identical(sample: SampleSummary, tmp_path: Path) -> None:
    again = generate_sample(tmp_path / "landing", tmp_path / "truth")
    assert again.files_per_layout == sample.files_per_layout
    assert _snapshot(tmp_path) == _snapshot(sample.landing_dir.parent)


def test_file_counts_per_layout(sample: SampleSummary) -> None:
    zone_layouts = {"A": 4 * 24 + 1, "B": 24, "C": 3 * 22, "D": 2 * 24}
    firm_layouts = {"E1": 10 * 24, "E2": 3 * 24}
    project_layouts = {"P1": 5 * 24, "P2": 8 * 24}
    assert sample.files_per_layout == zone_layouts | firm_layouts | project_layouts
    on_disk = [p for p in sample.landing_dir.rglob("*") if p.is_file()]
    assert len(on_disk) == sample.total_files == sum((zone_layouts | firm_layouts | project_layouts).values())


def test_calibration_shangrao_2023_revenue(sample: SampleSummary, truth: pd.DataFrame) -> None:
    row = truth.query(
        "zone_code == 'G361149' and year == 2023 and month == 12 and measure == 'industrial_revenue'"
    )
    assert row["ytd_value"].tolist() == [24000000.0]
    path = sample.landing_dir / "上饶经开区" / "上饶经开区2023年1-12月主要经济指标.xlsx"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("主要经济指标").to_python()
    revenue = next(r for r in rows if r[0] == "工业营业收入")
    assert revenue[2] == 2400.0


def test_flow_ytd_never_decreases_and_periods_sum_to_ytd(truth: pd.DataFrame) -> None:
    flows = truth[truth["measure"].isin(FLOWS)].sort_values(["zone_code", "measure", "year", "month"])
    for _, group in flows.groupby(["zone_code", "measure", "year"]):
        assert group["ytd_value"].is_monotonic_increasing
        assert (group["period_value"] >= 0).all()
        sums = group["period_value"].map(lambda v: Decimal(str(v))).cumsum()
        ytd = group["ytd_value"].map(lambda v: Decimal(str(v)))
        assert (sums == ytd).all()
    stocks = truth[~truth["measure"].isin(FLOWS)]
    assert stocks["period_value"].isna().all()


def test_industrial_investment_within_fai(truth: pd.DataFrame) -> None:
    wide = truth.pivot_table(
        index=["zone_code", "year", "month"], columns="measure", values="ytd_value", aggfunc="first"
    )
    assert (wide["industrial_investment"] <= wide["fixed_asset_investment"]).all()


def test_zone_without_fdi_has_no_fdi_truth(sample: SampleSummary, truth: pd.DataFrame) -> None:
    assert truth.query("zone_code == 'S329064' and measure == 'fdi_actual_usd'").empty
    assert len(truth.query("zone_code == 'S329064'")) == 24 * 7


def test_layout_b_is_gbk_with_crlf(sample: SampleSummary) -> None:
    path = sample.landing_dir / "淮安市" / "淮安市省级开发区2024年3月主要指标.csv"
    raw = path.read_bytes()
    text = raw.decode("gbk")
    lines = text.split("\r\n")
    assert lines[0] == "淮安市省级开发区主要经济指标（2024年3月）"
    assert lines[2].startswith("开发区名称,统计月份,工业总产值(当月)")
    assert lines[7].startswith("合计,2024-03,")
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_layout_d_cells_are_text(sample: SampleSummary) -> None:
    path = sample.landing_dir / "广元经开区" / "广元经开区月度经济指标统计表202403.xlsx"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("报表").to_python()
    assert rows[0][0] == "广元经开区月度经济指标统计表"
    data = rows[2]
    assert data[:2] == ["广元经开区", "2024年1-3月"]
    assert all(isinstance(cell, str) for row in rows for cell in row)


def test_correction_is_a_second_vintage(sample: SampleSummary, truth: pd.DataFrame) -> None:
    with (sample.truth_dir / "revisions.csv").open(encoding="utf-8") as handle:
        revisions = list(csv.DictReader(handle))
    assert {r["measure"] for r in revisions} == {"industrial_revenue", "tax_revenue"}
    folder = sample.landing_dir / "淮安高新区"
    first = folder / "淮安高新区2024年1-6月主要经济指标.xlsx"
    corrected = folder / "淮安高新区2024年1-6月主要经济指标（更正）.xlsx"
    assert first.stat().st_mtime < corrected.stat().st_mtime
    for r in revisions:
        ratio = Decimal(r["corrected_value"]) / Decimal(r["superseded_value"])
        assert abs(ratio - Decimal("1.03")) < Decimal("0.002")
        row = truth.query(
            f"zone_code == 'G322077' and year == 2024 and month == 6 and measure == '{r['measure']}'"
        )
        assert row["ytd_value"].tolist() == [float(r["corrected_value"])]


def test_growth_cells_match_truth_kinds(truth: pd.DataFrame) -> None:
    by_layout: dict[str, set[str]] = defaultdict(set)
    for layout, group in truth.groupby("layout"):
        by_layout[str(layout)] = set(group.loc[group["yoy_pct"].notna(), "measure"])
    assert not by_layout["B"]
    assert by_layout["D"] == {"industrial_revenue", "tax_revenue", "fixed_asset_investment"}
    assert truth.loc[truth["layout"] != "A", "prior_ytd_value"].isna().all()
