"""Record ledgers (one row per firm or project): every row traced, bad rows refused by row and field."""

from __future__ import annotations

import csv

import duckdb
import pytest

from pipelines.ingest.batch import ingest_months
from pipelines.ingest.landing import parse_file
from tests.ledger_files import altered_xlsx, copy_into, find


def firm_truth(sample_dir) -> dict[tuple, dict]:
    with (sample_dir / "truth" / "firm_indicators.csv").open(encoding="utf-8") as f:
        return {(r["zone_code"], int(r["year"]), int(r["month"]), r["uscc"]): r for r in csv.DictReader(f)}


@pytest.mark.parametrize("pattern", ["上饶经开区2024年1-3月工业企业亩均效益监测台账.xlsx",
                                     "广元经开区_企业效益数据_202403.csv"])
def test_firm_ledgers_of_both_layouts_parse_to_the_truth(sample_dir, pattern):
    truth = firm_truth(sample_dir)
    parsed = parse_file(find(sample_dir, pattern))
    assert parsed.rows and not parsed.rejections
    for row in parsed.rows:
        t = truth[(row["zone_code"], row["year"], row["month"], row["uscc"])]
        assert row["firm_name"] == t["firm_name"] and row["industry_code"] == t["industry_code"]
        assert row["above_scale"] == (t["above_scale"] == "true") and row["own_land"] == (t["own_land"] == "true")
        for field in ("land_mu", "revenue", "tax", "value_added", "energy_tce", "electricity_kwh", "emissions_t",
                      "employees", "rd_spend"):
            assert row[field] == pytest.approx(float(t[field]), abs=1e-6), field


def test_bad_firm_rows_are_refused_by_row_and_field_and_the_rest_is_kept(home):
    from pipelines.sample import write_bad_firm_ledger

    path = home.landing / "淮安经开区" / "bad.xlsx"
    path.parent.mkdir(parents=True)
    expected = write_bad_firm_ledger(path)
    report = ingest_months(home, ["2024-03"])
    assert len(report.ingested) == 1 and not report.quarantined
    assert len(report.rejections) == len(expected) == 3
    for problem in expected:
        message = next(m for m in report.rejections if f"row {problem['line']}," in m)
        assert message.startswith(f"淮安经开区/bad.xlsx, sheet 企业台账, row {problem['line']}, field {problem['field']}")
    messages = "\n".join(report.rejections)
    assert "check digit does not match" in messages
    assert "is listed twice in this ledger (first on row 8)" in messages
    assert "用地面积 must not be below 0" in messages
    with duckdb.connect() as con:
        kept = con.execute(f"select count(*) from read_parquet('{home.lake}/firm_indicators/2024-03/data.parquet')")
        assert kept.fetchall() == [(10 - 3,)]  # ten firms, three rows refused, nothing else lost


def test_stage_date_out_of_order_refuses_that_project_only(home):
    from pipelines.sample import write_bad_project_ledger

    path = home.landing / "淮安经开区" / "projects.xlsx"
    path.parent.mkdir(parents=True)
    [problem] = write_bad_project_ledger(path)
    report = ingest_months(home, ["2024-03"])
    [message] = report.rejections
    assert message.startswith(f"淮安经开区/projects.xlsx, sheet 项目台账, row {problem['line']}, field 开工日期: 开工日期")
    assert "is before 签约日期" in message
    assert report.rows_by_table["project_snapshots"] == {"2024-03": 7}


def test_amount_in_an_unknown_unit_quarantines_the_file(home):
    from pipelines.sample import write_bad_unit_project_ledger

    path = home.landing / "淮安经开区" / "pounds.xlsx"
    path.parent.mkdir(parents=True)
    write_bad_unit_project_ledger(path)
    report = ingest_months(home, ["2024-03"])
    [item] = report.quarantined
    assert item["error"].startswith("淮安经开区/pounds.xlsx, sheet 项目台账, row 3, field 协议投资额(万英镑): "
                                    "unknown unit '万英镑'")


def test_a_project_cannot_move_to_another_zone(home, sample_dir):
    """The same project id arriving in another zone's ledger is refused; the first zone keeps it."""

    first = find(sample_dir, "上饶经开区招商引资及重点项目台账（2024年3月）.xlsx")
    copy_into(first, home.landing, "上饶/2024-03.xlsx")
    ingest_months(home, ["2024-03"])

    def move_to_hefei(grid):
        grid[0][0] = grid[0][0].replace("上饶经开区", "合肥经开区")

    altered_xlsx(first, home.landing / "合肥/2024-03.xlsx", move_to_hefei)
    report = ingest_months(home, ["2024-03"])
    assert report.rejections and all("belongs to zone G361149" in m and "cannot move to G341022" in m
                                     for m in report.rejections)
    assert report.rows_by_table.get("project_snapshots", {}).get("2024-03", 0) == 0


def test_an_integer_beyond_its_lake_column_is_refused_not_a_crash(home, sample_dir):
    """投产年限 is a 16-bit column: 32768 refuses that row; before, it stopped the whole batch in the lake write."""
    src = find(sample_dir, "上饶经开区2024年1-3月工业企业亩均效益监测台账.xlsx")

    def huge(grid):
        header_row = next(i for i, r in enumerate(grid) if "投产年限" in r)
        column = grid[header_row].index("投产年限")
        grid[header_row + 1][column] = 32768

    altered_xlsx(src, home.landing / "上饶经开区" / src.name, huge)
    report = ingest_months(home, ["2024-03"])
    assert len(report.ingested) == 1 and len(report.rejections) == 1
    assert "field 投产年限: 投产年限 expected a whole number from -32768 to 32767" in report.rejections[0]
