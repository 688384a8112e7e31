"""End to end through the real stack: generated ledgers → Dagster (ingest, GX check) → dbt → published release,
compared with the generator's ground truth and with independent calculations in plain Python."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.ledger_files import altered_xlsx, find
from tests.warehouse import published

pytestmark = pytest.mark.e2e


def truth(sample_dir: Path) -> dict[tuple[str, int, int, str], dict]:
    with (sample_dir / "truth" / "zone_indicators.csv").open(encoding="utf-8") as f:
        return {(r["zone_code"], int(r["year"]), int(r["month"]), r["measure"]): r for r in csv.DictReader(f)}


def num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def test_run_succeeds_with_all_checks_passing(built):
    _, outcome = built
    assert outcome.success and not outcome.failed_checks and not outcome.skipped_steps


def test_warehouse_equals_ground_truth(built, sample_dir):
    home, _ = built
    expected = truth(sample_dir)
    rows = published(home, "select zone_code, year, month, measure, ytd_value, period_value, period_start_month, "
                           "yoy_pct from fct_zone_indicators_monthly")
    assert len(rows) == len(expected)
    for zone, year, month, measure, ytd, period, start, yoy in rows:
        t = expected[(zone, year, month, measure)]
        assert ytd == pytest.approx(float(t["ytd_value"]), abs=1e-4), (zone, year, month, measure)
        if t["period_value"]:
            assert period == pytest.approx(float(t["period_value"]), abs=1e-4), (zone, year, month, measure)
            assert start == int(t["period_start_month"])
        if t["yoy_pct"]:
            assert yoy == pytest.approx(float(t["yoy_pct"]), abs=1e-9)


def test_shangrao_2023_industrial_revenue_is_2400_yi(built):
    home, _ = built
    [(value,)] = published(home, "select ytd_value from fct_zone_indicators_monthly where zone_code = 'G361149' "
                                 "and year = 2023 and month = 12 and measure = 'industrial_revenue'")
    assert value == 24_000_000.0  # 万元 = 2,400 亿元


def test_combined_january_february_is_one_period(built):
    home, _ = built
    rows = published(home, "select distinct period_start_month, month from fct_zone_indicators_monthly "
                           "where zone_code = 'G321016' and year = 2024 and month <= 3 and kind = 'flow'")
    assert sorted(rows) == [(1, 2), (3, 3)]  # 南通 (layout C) has no separate January


def test_corrected_resubmission_is_a_new_vintage_and_wins(built, sample_dir):
    home, _ = built
    with (sample_dir / "truth" / "revisions.csv").open(encoding="utf-8") as f:
        revision = next(r for r in csv.DictReader(f) if r["measure"] == "industrial_revenue")
    [(value, vintage, source)] = published(
        home, "select ytd_value, vintage, source_file from fct_zone_indicators_monthly where zone_code = 'G322077' "
              "and year = 2024 and month = 6 and measure = 'industrial_revenue'")
    assert value == pytest.approx(float(revision["corrected_value"])) and vintage == 2 and "更正" in source
    with duckdb.connect() as con:
        vintages = con.execute(
            "select vintage, source_file from read_parquet(?) where zone_code = 'G322077' "
            "and ledger = 'zone_indicators' order by vintage",
            [str(home.lake / "manifest" / "2024-06" / "data.parquet")]).fetchall()
    assert [v for v, _ in vintages] == [1, 2]
    sent = [p for p in (sample_dir / "landing").rglob("*") if p.is_file()]
    assert len([p for p in home.raw.rglob("*") if p.is_file()]) == len(sent)  # every file kept, both vintages too


def test_land_efficiency_ttm_matches_an_independent_calculation(built, sample_dir):
    home, _ = built
    t = truth(sample_dir)
    ytd = {k: float(v["ytd_value"]) for k, v in t.items()}
    for zone in ("G361149", "S327065", "G321016", "G511193"):  # one zone of each layout
        revenue_12m = ytd[(zone, 2024, 6, "industrial_revenue")] + ytd[(zone, 2023, 12, "industrial_revenue")] \
            - ytd[(zone, 2023, 6, "industrial_revenue")]
        land = ytd[(zone, 2024, 6, "industrial_land")]
        [(per_mu, basis)] = published(home, "select revenue_per_mu, basis from fct_zone_land_efficiency "
                                            "where zone_code = ? and year = 2024 and month = 6", [zone])
        assert basis == "ttm" and per_mu == pytest.approx(revenue_12m / land)
    # in the first year there is no history: annualised YTD, flagged
    [(per_mu, basis)] = published(home, "select revenue_per_mu, basis from fct_zone_land_efficiency "
                                        "where zone_code = 'G361149' and year = 2023 and month = 3")
    expected = ytd[("G361149", 2023, 3, "industrial_revenue")] * 4 / ytd[("G361149", 2023, 3, "industrial_land")]
    assert basis == "annualised_ytd" and per_mu == pytest.approx(expected)


def test_growth_basis_is_comparable_when_the_ledger_gives_it_else_nominal(built, sample_dir):
    home, _ = built
    t = truth(sample_dir)
    rows = dict(((z, b), (p, y)) for z, b, p, y in published(
        home, "select zone_code, yoy_basis, prior_ytd_value, yoy_pct from fct_zone_indicators_monthly "
              "where year = 2024 and month = 9 and measure = 'industrial_revenue'"))
    prior, _ = rows[("G361149", "comparable")]  # layout A gives 上年同期
    assert prior == pytest.approx(float(t[("G361149", 2024, 9, "industrial_revenue")]["prior_ytd_value"]))
    prior, growth = rows[("S327065", "nominal")]  # layout B gives no prior: last year's reported YTD
    this_year = float(t[("S327065", 2024, 9, "industrial_revenue")]["ytd_value"])
    last_year = float(t[("S327065", 2023, 9, "industrial_revenue")]["ytd_value"])
    assert prior == pytest.approx(last_year) and growth == pytest.approx((this_year / last_year - 1) * 100)


def test_ranking_and_rank_change_match_an_independent_calculation(built):
    home, _ = built
    values = published(home, "select strftime(period_date, '%Y-%m'), zone_code, value, rank_overall, rank_change "
                             "from fct_zone_ranking_monthly where metric = 'revenue_per_mu'")
    by_month: dict[str, dict[str, tuple]] = defaultdict(dict)
    for month, zone, value, rank, change in values:
        by_month[month][zone] = (value, rank, change)
    months = sorted(by_month)
    for i, month in enumerate(months):
        zones = by_month[month]
        ordered = sorted(zones, key=lambda z: -zones[z][0])
        for zone, (value, rank, change) in zones.items():
            assert rank == 1 + sum(zones[o][0] > value for o in ordered)
            prev = by_month[months[i - 1]].get(zone) if i else None
            assert change == (None if prev is None else prev[1] - rank)


def test_composite_score_follows_the_configured_weights(built):
    import yaml

    from pipelines.settings import SOURCES_DIR

    home, _ = built
    scheme = yaml.safe_load((SOURCES_DIR / "metrics" / "ranking.yaml").read_text(encoding="utf-8"))
    weights = {m["metric"]: m["weight"] for m in scheme["schemes"]["monthly_default"]["metrics"]}
    rows = published(home, "select zone_code, metric, value from fct_zone_ranking_monthly "
                           "where year = 2024 and month = 11")
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for zone, metric, value in rows:
        if value is not None:
            table[metric][zone] = value
    for zone, score in table["composite_score"].items():
        total = used = 0.0
        for metric, w in weights.items():
            if zone not in table[metric]:
                continue
            lo, hi = min(table[metric].values()), max(table[metric].values())
            total += w * (100 * (table[metric][zone] - lo) / (hi - lo) if hi > lo else 100)
            used += w
        assert score == pytest.approx(total / used), zone


def test_bad_month_is_blocked_by_the_expectation_suite_and_not_published(built, sample_dir):
    """A ledger with a negative revenue fails the blocking GX check: dbt and publishing do not run."""
    from pipelines.runner import run_months

    home, _ = built
    release_before = (home.published / "current").resolve()

    def negative(grid):
        grid[0][0] = grid[0][0].replace("2024年1-3月", "2025年1-3月")
        row = next(r for r in grid if r[0] == "工业营业收入")
        row[2] = -12.5

    altered_xlsx(find(sample_dir, "上饶经开区2024年1-3月*.xlsx"), home.landing / "上饶/2025-03.xlsx", negative)
    outcome = run_months("2025-03", "2025-03")
    assert not outcome.success
    assert "lake_zone_indicators:zone_indicators_suite" in outcome.failed_checks
    assert (home.published / "current").resolve() == release_before
    months = published(home, "select max(period_date) from fct_zone_indicators_monthly")
    assert str(months[0][0]).startswith("2024-12")


def test_published_rows_carry_status_flags_and_the_release_records_its_checks(built):
    """E for annualised 亩均 figures, P for the latest two months (zones may still correct them), A otherwise."""
    import json

    home, _ = built
    flags = published(home, "select is_annualised, year * 100 + month >= 202411 as recent, status_flag, count(*) "
                            "from fct_zone_land_efficiency group by all")
    for annualised, recent, flag, _count in flags:
        assert flag == ("E" if annualised else "P" if recent else "A"), (annualised, recent, flag)
    record = json.loads((home.published / "current" / "release.json").read_text(encoding="utf-8"))
    assert len(record["months_published"]) == 24 and record["months_withheld"] == {}
    summary = record["check_summary"]["2024-06"]
    assert summary["publishable"] and summary["open_errors"] == 0 and summary["items_checked"] > 10_000
    months = published(home, "select month, status, rules_checked from release_months order by month")
    assert len(months) == 24 and {m[1] for m in months} == {"published"}
