"""Ingestion without Dagster: landing → raw archive + manifest + lake rows; bad input → clear errors, nothing lost."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines.ingest.batch import ingest_months
from pipelines.ingest.landing import parse_file
from pipelines.ingest.ledger import LedgerError
from tests.ledger_files import altered_csv, altered_xlsx, copy_into, find

MARCH = ["2024-03"]


def lake_rows(home, where: str = "true") -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select zone_code, measure, value, vintage, source_file, source_line from read_parquet("
            f"'{home.lake}/zone_indicators/*/*.parquet', union_by_name = true) where {where} order by all"
        ).fetchall()


def test_every_layout_parses_to_the_generators_truth(sample_dir):
    import csv

    truth = {}
    with (sample_dir / "truth" / "zone_indicators.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[(r["zone_code"], int(r["year"]), int(r["month"]), r["measure"])] = r
    seen = 0
    zone_ledgers = ("*主要经济指标*", "*主要指标.csv", "*经济运行情况表*", "*月度经济指标统计表*")  # layouts A–D
    for path in sorted(p for pattern in zone_ledgers for p in (sample_dir / "landing").rglob(pattern)):
        if path.name == "淮安高新区2024年1-6月主要经济指标.xlsx":
            continue  # superseded by its corrected file (the truth holds the corrected values)
        parsed = parse_file(path)
        assert parsed.layout.ledger == "zone_indicators"
        for row in parsed.rows:
            t = truth[(row["zone_code"], row["year"], row["month"], row["measure"])]
            expected = float(t["period_value"] if row["value_basis"] == "month" else t["ytd_value"])
            assert row["value"] == pytest.approx(expected, abs=1e-6), (path.name, row)
            seen += 1
    assert seen > 2000


def test_ingest_archives_files_and_is_idempotent(home, sample_dir):
    src = find(sample_dir, "上饶经开区2024年1-3月*.xlsx")
    copy_into(src, home.landing, "上饶/a.xlsx")
    report = ingest_months(home, MARCH)
    assert len(report.ingested) == 1 and report.rows_by_table == {"zone_indicators": {"2024-03": 8}}
    assert not (home.landing / "上饶/a.xlsx").exists()
    archived = list(home.raw.rglob("*.xlsx"))
    assert len(archived) == 1 and archived[0].read_bytes() == src.read_bytes()
    # the same bytes again, under another name: a no-op
    copy_into(src, home.landing, "上饶/again.xlsx")
    report = ingest_months(home, MARCH)
    assert report.duplicates == ["上饶/again.xlsx"] and not report.ingested
    assert len(lake_rows(home)) == 8


def test_files_of_other_months_wait_for_their_run(home, sample_dir):
    copy_into(find(sample_dir, "上饶经开区2024年1-3月*.xlsx"), home.landing, "a.xlsx")
    copy_into(find(sample_dir, "上饶经开区2024年1-4月*.xlsx"), home.landing, "b.xlsx")
    report = ingest_months(home, MARCH)
    assert report.deferred == 1 and (home.landing / "b.xlsx").exists()


def test_corrected_file_becomes_a_new_vintage(home, sample_dir):
    first = find(sample_dir, "淮安高新区2024年1-6月主要经济指标.xlsx")
    corrected = find(sample_dir, "淮安高新区2024年1-6月*更正*.xlsx")
    copy_into(first, home.landing, "first.xlsx")
    ingest_months(home, ["2024-06"])
    copy_into(corrected, home.landing, "corrected.xlsx")
    ingest_months(home, ["2024-06"])
    rows = lake_rows(home, "measure = 'industrial_revenue'")
    assert sorted((r[3], r[4]) for r in rows) == [(1, "first.xlsx"), (2, "corrected.xlsx")]
    assert len(list(home.raw.rglob("*.xlsx"))) == 2  # the old vintage is kept


def test_unknown_zone_in_title_quarantines_the_file_and_keeps_the_rest(home, sample_dir):
    copy_into(find(sample_dir, "上饶经开区2024年1-3月*.xlsx"), home.landing, "good.xlsx")

    def unknown(grid):
        grid[0][0] = "某某开发区2024年1-3月主要经济指标"

    altered_xlsx(find(sample_dir, "合肥经开区2024年1-3月*.xlsx"), home.landing / "合肥/bad.xlsx", unknown)
    report = ingest_months(home, MARCH)
    assert [q["file"] for q in report.quarantined] == ["合肥/bad.xlsx"]
    message = report.quarantined[0]["error"]
    assert "合肥/bad.xlsx" in message and "field zone" in message and "unknown zone '某某开发区'" in message
    reports = list(home.quarantine.glob("*.error.json"))
    assert len(reports) == 1 and json.loads(reports[0].read_text())["error"] == message
    assert {r[0] for r in lake_rows(home)} == {"G361149"}


def test_missing_column_names_file_row_and_field(home, sample_dir):
    src = find(sample_dir, "广元经开区月度经济指标统计表202403.xlsx")

    def drop_tax(grid):
        col = grid[1].index("税收收入（万元）")
        for row in grid:
            del row[col]

    bad = altered_xlsx(src, home.landing / "广元/drift.xlsx", drop_tax)
    with pytest.raises(LedgerError) as err:
        parse_file(bad, "广元/drift.xlsx")
    text = str(err.value)
    assert text.startswith("广元/drift.xlsx, sheet 报表, row 2, field 税收收入: missing column")
    report = ingest_months(home, MARCH)
    assert len(report.quarantined) == 1 and "missing column" in report.quarantined[0]["error"]


def test_non_numeric_cell_rejects_that_value_only(home, sample_dir):
    src = find(sample_dir, "淮安市省级开发区2024年3月主要指标.csv")

    def corrupt(lines):
        cells = lines[4].split(",")
        cells[3] = "12万3"  # 工业营业收入(当月) of the second zone
        lines[4] = ",".join(cells)

    altered_csv(src, home.landing / "淮安市/march.csv", corrupt)
    report = ingest_months(home, MARCH)
    assert len(report.ingested) == 1 and not report.quarantined
    assert report.rejections == [
        "淮安市/march.csv, row 5, field 工业营业收入/工业营业收入(当月): expected a number, found '12万3' in 万元"
    ]
    rows = lake_rows(home)
    assert len(rows) == 4 * 8 - 1  # four zones, eight measures, one value refused
    with duckdb.connect() as con:
        rejected = con.execute(f"select source_file, source_line, field, raw_value from read_parquet("
                               f"'{home.lake}/rejections/*/*.parquet', union_by_name = true)").fetchall()
    assert rejected == [("淮安市/march.csv", 5, "工业营业收入/工业营业收入(当月)", "12万3")]


def test_unknown_zone_on_a_city_row_rejects_that_row_only(home, sample_dir):
    src = find(sample_dir, "淮安市省级开发区2024年3月主要指标.csv")

    def rename(lines):
        lines[3] = "未知园区" + lines[3][lines[3].index(","):]

    altered_csv(src, home.landing / "淮安市/march.csv", rename)
    report = ingest_months(home, MARCH)
    assert len(report.rejections) == 1 and "row 4, field zone: unknown zone '未知园区'" in report.rejections[0]
    assert len({r[0] for r in lake_rows(home)}) == 3


def test_unreadable_and_unrecognised_files_go_to_quarantine(home, sample_dir):
    (home.landing).mkdir(parents=True)
    (home.landing / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (home.landing / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    shutil.copy2(find(sample_dir, "上饶经开区2024年1-3月*.xlsx"), home.landing / "ok.xlsx")
    report = ingest_months(home, MARCH)
    errors = {q["file"]: q["error"] for q in report.quarantined}
    assert set(errors) == {"broken.xlsx", "notes.csv"}
    assert errors["notes.csv"].startswith("notes.csv, field layout: no layout in sources/layouts matches")
    assert report.rows_by_table == {"zone_indicators": {"2024-03": 8}}
