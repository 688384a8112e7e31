"""dbt models on a tiny hand-made lake (tests/dbt_fixtures.py): values checked against figures computed by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt_fixtures import Z1, Z2, Z3, Z4, build_lake, run_dbt

MARTS = ("fct_zone_indicators_monthly", "fct_zone_land_efficiency", "fct_zone_ranking_monthly")


@pytest.fixture(scope="module")
def full_build(tmp_path_factory) -> Path:
    """The final lake built from scratch with `dbt build` (models and all dbt tests)."""
    root = tmp_path_factory.mktemp("dbt_full")
    build_lake(root / "lake", "final")
    warehouse = root / "warehouse.duckdb"
    run_dbt(["build"], root / "lake", warehouse, root / "target")
    return warehouse


@pytest.fixture(scope="module")
def db(full_build):
    con = duckdb.connect(str(full_build), read_only=True)
    yield con
    con.close()


def one(con, sql, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return rows[0]


def indicator(con, zone, year, month, measure, columns="*"):
    return one(
        con,
        f"select {columns} from fct_zone_indicators_monthly where zone_code = ? and year = ? and month = ? and measure = ?",
        zone,
        year,
        month,
        measure,
    )


def ranking(con, zone, year, month, metric, columns):
    rows = con.execute(
        f"select {columns} from fct_zone_ranking_monthly where zone_code = ? and year = ? and month = ? and metric = ?",
        [zone, year, month, metric],
    ).fetchall()
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------------------- periods and YTD


def test_cumulative_ledger_periods_keep_1_2_month_combined(db):
    cols = "ytd_value, period_value, period_start_month, period_label, ytd_label"
    assert indicator(db, Z1, 2023, 2, "industrial_revenue", cols) == (200, 200, 1, "1-2月", "1-2月")
    assert indicator(db, Z1, 2023, 3, "industrial_revenue", cols) == (330, 130, 3, "3月", "1-3月")
    # gap in reporting (no 4..11): the period runs from April to December
    assert indicator(db, Z1, 2023, 12, "industrial_revenue", cols) == (1500, 1170, 4, "4-12月", "1-12月")
    assert indicator(db, Z1, 2024, 2, "industrial_revenue", cols) == (240, 240, 1, "1-2月", "1-2月")
    # January is never reported alone by a cumulative ledger
    assert db.execute(
        "select count(*) from fct_zone_indicators_monthly where zone_code = ? and month = 1", [Z1]
    ).fetchone() == (0,)


def test_month_basis_ledger_running_ytd(db):
    cols = "ytd_value, period_value, period_start_month, period_label, ytd_complete, value_basis"
    assert indicator(db, Z2, 2023, 1, "industrial_revenue", cols) == (100, 100, 1, "1月", True, "month")
    assert indicator(db, Z2, 2023, 7, "industrial_revenue", cols) == (700, 100, 7, "7月", True, "month")
    assert indicator(db, Z2, 2023, 12, "industrial_revenue", cols) == (1200, 100, 12, "12月", True, "month")
    assert indicator(db, Z2, 2024, 3, "industrial_revenue", cols) == (360, 120, 3, "3月", True, "month")
    # 2024-02 fixed-asset investment is missing: January is complete, March is not
    assert indicator(db, Z2, 2024, 1, "fixed_asset_investment", "ytd_value, ytd_complete") == (40, True)
    assert indicator(db, Z2, 2024, 3, "fixed_asset_investment", "ytd_value, period_value, ytd_complete") == (
        None,
        40,
        False,
    )


def test_stocks_are_end_values(db):
    cols = "kind, ytd_value, period_value, period_label"
    assert indicator(db, Z2, 2023, 6, "industrial_land", cols) == ("stock", 800, None, "6月末")
    assert indicator(db, Z1, 2024, 3, "industrial_land", cols) == ("stock", 1200, None, "3月末")


def test_newest_vintage_wins(db):
    cols = "ytd_value, vintage, versions_received, source_file"
    assert indicator(db, Z4, 2023, 12, "industrial_revenue", cols) == (570, 2, 2, f"{Z4}_202312_v2.xlsx")
    assert indicator(db, Z4, 2024, 3, "industrial_revenue", cols) == (180, 2, 2, f"{Z4}_202403_v2.xlsx")
    # the period value uses the corrected cumulative values
    assert indicator(db, Z4, 2024, 3, "industrial_revenue", "period_value")[0] == pytest.approx(180 - 120)
    # measures of the same file that were not corrected keep vintage 1
    assert indicator(db, Z4, 2024, 3, "tax_revenue", "ytd_value, vintage") == (18, 1)


# ---------------------------------------------------------------------------------------------------- 同比


def test_growth_comparable_from_prior_value(db):
    prior, yoy, basis = indicator(
        db, Z1, 2024, 2, "industrial_revenue", "prior_ytd_value, yoy_pct, yoy_basis"
    )
    assert (prior, basis) == (210, "comparable")
    assert yoy == pytest.approx(240 / 210 * 100 - 100)
    # the ledger's 上年同期 wins over the warehouse's own 2023 value (200)
    assert indicator(db, Z1, 2024, 3, "industrial_revenue", "prior_ytd_value, previous_year_ytd_value") == (
        340,
        330,
    )


def test_growth_comparable_from_yoy_pct_only(db):
    prior, yoy, basis = indicator(
        db, Z3, 2024, 2, "industrial_revenue", "prior_ytd_value, yoy_pct, yoy_basis"
    )
    assert basis == "comparable"
    assert prior == pytest.approx(300 / 1.2)
    assert yoy == 20.0
    prior, yoy, basis = indicator(
        db, Z3, 2024, 2, "fixed_asset_investment", "prior_ytd_value, yoy_pct, yoy_basis"
    )
    assert (prior, yoy, basis) == (pytest.approx(125), -20.0, "comparable")


def test_growth_nominal_and_none(db):
    prior, yoy, basis = indicator(
        db, Z4, 2024, 3, "industrial_revenue", "prior_ytd_value, yoy_pct, yoy_basis"
    )
    assert (prior, basis) == (150, "nominal")
    assert yoy == pytest.approx(180 / 150 * 100 - 100)
    prior, yoy, basis = indicator(
        db, Z2, 2024, 2, "industrial_revenue", "prior_ytd_value, yoy_pct, yoy_basis"
    )
    assert (prior, yoy, basis) == (200, pytest.approx(20.0), "nominal")
    # Z3 has no 2023 and no ledger growth for tax; 2023 has no previous year at all
    assert indicator(db, Z3, 2024, 2, "tax_revenue", "prior_ytd_value, yoy_pct, yoy_basis") == (
        None,
        None,
        "none",
    )
    assert indicator(db, Z1, 2023, 3, "industrial_revenue", "yoy_basis")[0] == "none"
    # stocks: same rules with end values
    assert indicator(db, Z1, 2024, 3, "industrial_land", "prior_ytd_value, yoy_pct, yoy_basis") == (
        1000,
        pytest.approx(20.0),
        "nominal",
    )


# --------------------------------------------------------------------------------------------------- 亩均


def land(con, zone, year, month, columns):
    return one(
        con,
        f"select {columns} from fct_zone_land_efficiency where zone_code = ? and year = ? and month = ?",
        zone,
        year,
        month,
    )


def test_land_efficiency_ttm(db):
    cols = "revenue_12m, revenue_basis, tax_12m, industrial_land_mu, revenue_per_mu, tax_per_mu, basis, is_annualised"
    rev, rev_basis, tax, mu, rev_mu, tax_mu, basis, annualised = land(db, Z1, 2024, 3, cols)
    assert (rev, rev_basis, tax, mu, basis, annualised) == (
        390 + 1500 - 330,
        "ttm",
        36 + 120 - 30,
        1200,
        "ttm",
        False,
    )
    assert rev_mu == pytest.approx(1560 / 1200)
    assert tax_mu == pytest.approx(126 / 1200)
    # month-basis ledger: TTM from the running YTDs
    assert land(db, Z2, 2024, 1, "revenue_12m, revenue_basis") == (120 + 1200 - 100, "ttm")
    # the corrected December 2023 (570) is used
    assert land(db, Z4, 2024, 2, "revenue_12m, revenue_per_mu") == (120 + 570 - 100, pytest.approx(590 / 500))
    # December: the YTD is already 12 months
    assert land(db, Z1, 2023, 12, "revenue_12m, revenue_basis") == (1500, "ttm")


def test_land_efficiency_annualised(db):
    cols = "revenue_12m, revenue_basis, revenue_per_mu, tax_12m, tax_per_mu, basis, is_annualised"
    assert land(db, Z3, 2024, 2, cols) == (
        pytest.approx(300 * 12 / 2),
        "annualised_ytd",
        pytest.approx(1800 / 1500),
        pytest.approx(30 * 6),
        pytest.approx(180 / 1500),
        "annualised_ytd",
        True,
    )
    assert land(db, Z1, 2023, 3, "revenue_12m, basis") == (pytest.approx(330 * 12 / 3), "annualised_ytd")


# -------------------------------------------------------------------------------------------------- ranking


def test_ranks_with_ties_and_groups(db):
    cols = "value, basis, rank_overall, rank_in_level, rank_in_province, rank_in_region, zones_ranked"
    # 2024-03 revenue_per_mu: Z2 1.575, Z1 1.3, Z3 1.2 (annualised), Z4 1.2 (ttm) -> 1, 2, 3, 3
    assert ranking(db, Z2, 2024, 3, "revenue_per_mu", cols) == (pytest.approx(1.575), "ttm", 1, 1, 1, 1, 4)
    assert ranking(db, Z1, 2024, 3, "revenue_per_mu", cols) == (pytest.approx(1.3), "ttm", 2, 1, 1, 1, 4)
    assert ranking(db, Z3, 2024, 3, "revenue_per_mu", cols) == (
        pytest.approx(1.2),
        "annualised_ytd",
        3,
        2,
        2,
        2,
        4,
    )
    assert ranking(db, Z4, 2024, 3, "revenue_per_mu", cols) == (pytest.approx(1.2), "ttm", 3, 2, 1, 1, 4)
    # growth ranks carry the basis; a zone without a growth basis is not ranked on growth
    assert ranking(db, Z4, 2024, 3, "industrial_revenue_yoy_pct", "basis") == ("nominal",)
    assert ranking(db, Z1, 2024, 3, "industrial_revenue_yoy_pct", "basis") == ("comparable",)
    assert ranking(db, Z4, 2024, 3, "fixed_asset_investment_yoy_pct", "value") is None
    assert ranking(db, Z1, 2024, 3, "revenue_per_mu", "label, unit") == ("亩均营收", "万元/亩")


def test_rank_change(db):
    cols = "previous_period_date, previous_rank_overall, rank_overall, rank_change"
    # 2024-02 revenue_per_mu: Z2 1.55, Z1 1.2833, Z3 1.2, Z4 1.18 -> Z4 4th; 3rd (tied) in March: +1
    assert ranking(db, Z4, 2024, 3, "revenue_per_mu", cols)[1:] == (4, 3, 1)
    assert ranking(db, Z1, 2024, 3, "revenue_per_mu", cols)[1:] == (2, 2, 0)
    # the previous month with a ranking of 2024-02 is 2024-01, where only Z2 (month-basis) was ranked
    prev_date, prev_rank, _rank_now, change = ranking(db, Z1, 2024, 2, "revenue_per_mu", cols)
    assert str(prev_date) == "2024-01-01" and prev_rank is None and change is None
    assert ranking(db, Z2, 2024, 2, "revenue_per_mu", cols)[1:] == (1, 1, 0)


def test_composite_score_with_coverage(db):
    # scheme monthly_default: revenue_per_mu 0.4, tax_per_mu 0.3, fixed_asset_investment_yoy_pct 0.3 (weight 0 ignored)
    rev = {Z1: 1560 / 1200, Z2: 1260 / 800, Z3: 1800 / 1500, Z4: 600 / 500}
    tax = {Z1: 126 / 1200, Z2: 126 / 800, Z3: 180 / 1500, Z4: 63 / 500}
    fai = {Z1: 99 / 90 * 100 - 100, Z3: 0.0}  # Z2 March YTD incomplete, Z4 reports none

    def scores(values):
        lo, hi = min(values.values()), max(values.values())
        return {z: (v - lo) / (hi - lo) * 100 for z, v in values.items()}

    components = [(0.4, scores(rev)), (0.3, scores(tax)), (0.3, scores(fai))]
    expected = {}
    for zone in (Z1, Z2, Z3, Z4):
        available = [(w, s[zone]) for w, s in components if zone in s]
        weight = sum(w for w, _ in available)
        expected[zone] = (sum(w * s for w, s in available) / weight, weight / 1.0)
    ranked = sorted(expected, key=lambda z: -expected[z][0])

    for zone, (score, coverage) in expected.items():
        value, cov, rank, components_n = ranking(
            db,
            zone,
            2024,
            3,
            "composite_score",
            "value, composite_coverage, rank_overall, composite_components",
        )
        assert value == pytest.approx(score)
        assert cov == pytest.approx(coverage)
        assert rank == ranked.index(zone) + 1
        assert components_n == (3 if coverage == pytest.approx(1) else 2)
    assert expected[Z2][1] == pytest.approx(0.7)  # scored although it has no growth basis
    assert ranking(db, Z1, 2024, 3, "tax_per_mu", "normalised_score, composite_weight") == (0.0, 0.3)
    assert ranking(db, Z1, 2024, 3, "composite_score", "label, unit, ranking_scheme") == (
        "综合得分",
        "分",
        "monthly_default",
    )


def test_only_reported_months(db):
    months = db.execute(
        "select distinct strftime(period_date, '%Y-%m') from fct_zone_ranking_monthly where zone_code = ? order by 1",
        [Z3],
    ).fetchall()
    assert months == [("2024-02",), ("2024-03",)]
    assert db.execute("select count(distinct period_date) from fct_zone_land_efficiency").fetchone() == (15,)


# ---------------------------------------------------------------------------------------------- incremental


def table_rows(con, table):
    return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def test_incremental_run_matches_full_build(tmp_path, full_build):
    lake, warehouse, target = tmp_path / "lake", tmp_path / "warehouse.duckdb", tmp_path / "target"
    build_lake(lake, "initial")
    run_dbt(["run"], lake, warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stale = one(
            con,
            "select revenue_12m from fct_zone_land_efficiency where zone_code = ? and period_date = "
            "date '2024-03-01'",
            Z4,
        )
    assert stale == (170 + 500 - 150,)

    # late ledgers arrive: a correction of 2023-12 (and of 2024-03) and the 2024-03 report of another zone.
    # The orchestrator rebuilds the changed partitions 2023-12 .. 2024-03; the window reaches 12 months on.
    shutil.rmtree(lake)
    build_lake(lake, "final")
    run_dbt(["build", "--vars", '{"month_from": "2023-12", "month_to": "2024-03"}'], lake, warehouse, target)

    with (
        duckdb.connect(str(warehouse), read_only=True) as inc,
        duckdb.connect(str(full_build), read_only=True) as full,
    ):
        for table in MARTS:
            assert table_rows(inc, table) == table_rows(full, table), table

    # an incremental run without month vars rebuilds everything and changes nothing
    run_dbt(["run", "--select", "fct_zone_ranking_monthly"], lake, warehouse, target)
    with (
        duckdb.connect(str(warehouse), read_only=True) as inc,
        duckdb.connect(str(full_build), read_only=True) as full,
    ):
        assert table_rows(inc, "fct_zone_ranking_monthly") == table_rows(full, "fct_zone_ranking_monthly")


def test_month_window_only_rebuilds_later_months(tmp_path):
    """A window starting after the correction does not rewrite the corrected month (it is really incremental)."""
    lake, warehouse, target = tmp_path / "lake", tmp_path / "warehouse.duckdb", tmp_path / "target"
    build_lake(lake, "initial")
    run_dbt(["run"], lake, warehouse, target)
    shutil.rmtree(lake)
    build_lake(lake, "final")
    run_dbt(["run", "--vars", '{"month_from": "2024-03", "month_to": "2024-03"}'], lake, warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = (
            "select ytd_value from fct_zone_indicators_monthly where zone_code = ? and period_date = ?"
            " and measure = 'industrial_revenue'"
        )
        assert con.execute(sql, [Z4, "2023-12-01"]).fetchone() == (500,)  # outside the window: untouched
        assert con.execute(sql, [Z4, "2024-03-01"]).fetchone() == (180,)  # inside: corrected
