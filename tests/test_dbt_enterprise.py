"""Enterprise 亩均效益 marts on a tiny hand-made lake (tests/firm_fixtures.py), checked against figures computed by hand."""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt_fixtures import build_lake, run_dbt
from tests.firm_fixtures import CITY, PROVINCE, ZA, ZB, build_firm_lake, uscc


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The firm lake built with `dbt build` (every model of the project and all dbt tests)."""
    root = tmp_path_factory.mktemp("dbt_enterprise")
    build_firm_lake(root / "lake")
    warehouse = root / "warehouse.duckdb"
    run_dbt(["build"], root / "lake", warehouse, root / "target")
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def one(con, sql, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return rows[0]


def annual(con, firm, year, columns):
    return one(
        con, f"select {columns} from fct_firm_indicators_annual where uscc = ? and year = ?", uscc(firm), year
    )


def ttm(con, firm, year, month, columns):
    return one(
        con,
        f"select {columns} from fct_firm_indicators_ttm where uscc = ? and year = ? and month = ?",
        uscc(firm),
        year,
        month,
    )


def evaluation(con, scheme, firm, year, columns):
    return one(
        con,
        f"select {columns} from fct_firm_evaluation where scheme = ? and uscc = ? and year = ?",
        scheme,
        uscc(firm),
        year,
    )


def indicator(con, scheme, firm, year, name, columns):
    return one(
        con,
        f"select {columns} from fct_firm_evaluation_indicators where scheme = ? and uscc = ? and year = ? and indicator = ?",
        scheme,
        uscc(firm),
        year,
        name,
    )


# ------------------------------------------------------------------------------------------ ledgers and vintages


def test_newer_file_replaces_the_whole_ledger(db):
    rows = db.execute(
        "select distinct vintage, files_received from int_firm_indicators__current "
        "where zone_code = ? and year = 2024 and month = 12",
        [ZA],
    ).fetchall()
    assert rows == [(2, 2)]
    # M01's tax of vintage 1 (999) is replaced; X01 was only in vintage 1 and is gone
    assert annual(db, "M01", 2024, "tax, vintage") == (80, 2)
    assert db.execute(
        "select count(*) from int_firm_indicators__current where uscc = ?", [uscc("X01")]
    ).fetchone() == (0,)
    assert db.execute(
        "select count(*) from fct_firm_indicators_annual where zone_code = ? and year = 2024", [ZA]
    ).fetchone() == (28,)


def test_annual_indicators(db):
    cols = (
        "tax_per_mu, revenue_per_mu, value_added_per_mu, value_added_per_energy, tax_per_energy, "
        "tax_per_electricity, labour_productivity, value_added_per_emission, rd_intensity"
    )
    # M01 2024: land 10, tax 80, revenue 400, value added 200, energy 50 tce, 160,000 kWh, emissions 20 t,
    # 40 employees, R&D 12
    expected = (8.0, 40.0, 20.0, 4.0, 1.6, 5.0, 5.0, 10.0, 3.0)
    assert annual(db, "M01", 2024, cols) == tuple(pytest.approx(v) for v in expected)
    assert annual(db, "M01", 2024, "zone_code, city, province, land_mu, years_in_production") == (
        ZA,
        CITY,
        PROVINCE,
        10,
        11,
    )
    # denominators <= 0 or missing give null
    assert annual(db, "M02", 2024, "labour_productivity, tax_per_electricity") == (None, pytest.approx(20.0))
    assert annual(db, "M03", 2024, "tax_per_electricity") == (None,)
    assert annual(db, "R01", 2024, "tax_per_mu, revenue_per_mu, own_land") == (None, None, False)
    # C01 has no December ledger in 2024: not in that year
    assert db.execute(
        "select count(*) from fct_firm_indicators_annual where uscc = ?", [uscc("C01")]
    ).fetchone() == (0,)


def test_ttm_indicators(db):
    cols = "basis, is_annualised, revenue, tax, revenue_ytd, tax_per_mu, revenue_per_mu"
    # 2024-06 YTD 220 / 44, December 2023 500 / 60, June 2023 240 / 28; land 10
    assert ttm(db, "M01", 2024, 6, cols) == (
        "ttm",
        False,
        pytest.approx(220 + 500 - 240),
        pytest.approx(44 + 60 - 28),
        220,
        pytest.approx(7.6),
        pytest.approx(48.0),
    )
    # no 2023 ledgers: annualised YTD × 12 / 6
    assert ttm(db, "M05", 2024, 6, cols) == ("annualised_ytd", True, 180, 50, 90, pytest.approx(5.0), 18)
    assert ttm(db, "M01", 2023, 6, "basis, revenue") == ("annualised_ytd", 480)
    # December: the YTD itself, even without a previous year
    assert ttm(db, "M05", 2024, 12, "basis, revenue, tax") == ("ttm", 200, 56)
    assert ttm(db, "T01", 2024, 6, "basis, revenue, tax, tax_per_mu") == (
        "ttm",
        pytest.approx(30 + 50 - 20),
        pytest.approx(3 + 5 - 2),
        pytest.approx(6 / 5),
    )
    # a firm without a December row still has its months
    assert ttm(db, "C01", 2024, 6, "basis, revenue") == ("annualised_ytd", 100)


# --------------------------------------------------------------------------------------------------- evaluation


def test_every_scheme_evaluates_every_firm_year(db):
    firm_years = db.execute("select count(*) from fct_firm_indicators_annual").fetchone()[0]
    rows = db.execute(
        "select scheme, count(*) from fct_firm_evaluation group by scheme order by scheme"
    ).fetchall()
    assert rows == [("test_city", firm_years), ("test_zone", firm_years)]


def test_exempt_and_rented_land(db):
    cols = "evaluation_group, exempt_reason, score, score_rank, class"
    assert evaluation(db, "test_zone", "U01", 2024, cols) == ("exempt", "exempt_industry", None, None, "T")
    assert evaluation(db, "test_zone", "N01", 2024, cols) == (
        "exempt",
        "years_in_production",
        None,
        None,
        "T",
    )
    assert evaluation(db, "test_zone", "R01", 2024, cols) == ("rented_land", None, None, None, None)
    assert evaluation(db, "test_zone", "R02", 2024, cols) == ("rented_land", None, None, None, None)
    # test_city has no exemptions: the utility and the new firm are scored
    assert evaluation(db, "test_city", "U01", 2024, "evaluation_group, class") == ("main", "A")
    assert evaluation(db, "test_city", "N01", 2024, "evaluation_group") == ("main",)
    # no indicator rows for firms that are not scored
    assert db.execute(
        "select count(*) from fct_firm_evaluation_indicators where scheme = 'test_zone' and uscc in (?, ?, ?)",
        [uscc("U01"), uscc("N01"), uscc("R01")],
    ).fetchone() == (0,)


def test_benchmarks(db):
    cols = "benchmark, benchmark_basis, benchmark_firms"
    # ZA 2023 scored 规上 firms M01 (tax 60, land 20, revenue 500) and P02 (40, 30, 500): Σtax / Σland = 2.0;
    # the utility, the rented-land firm and 规下 firms are not in the aggregate
    assert indicator(db, "test_zone", "M03", 2024, "tax_per_mu", cols) == (
        pytest.approx(2 * 2.0),
        "previous_year",
        2,
    )
    assert indicator(db, "test_zone", "M03", 2024, "revenue_per_mu", cols) == (
        pytest.approx(1000 / 50),
        "previous_year",
        2,
    )
    # 2023 has no previous year: same-year aggregate
    assert indicator(db, "test_zone", "P02", 2023, "tax_per_mu", cols) == (
        pytest.approx(2 * 2.0),
        "current_year_fallback",
        2,
    )
    # ZA 规下 2023: S01 3 / 10, S02 7 / 10 -> 0.5 (factor 1)
    assert indicator(db, "test_zone", "S03", 2024, "tax_per_mu", cols) == (
        pytest.approx(0.5),
        "previous_year",
        2,
    )
    # ZB had no 规上 firm in 2023: 2024 aggregate of B01 (30, 10) and B02 (30, 30) = 1.5, × 2
    assert indicator(db, "test_zone", "B02", 2024, "tax_per_mu", cols) == (
        pytest.approx(2 * 60 / 40),
        "current_year_fallback",
        2,
    )
    assert indicator(db, "test_zone", "B02", 2024, "revenue_per_mu", "benchmark, benchmark_basis") == (
        pytest.approx(600 / 40),
        "current_year_fallback",
    )
    # ZB 规下 2023: T01 5 / 5, T02 1 / 5 -> 0.6
    assert indicator(db, "test_zone", "T02", 2024, "tax_per_mu", cols) == (
        pytest.approx(0.6),
        "previous_year",
        2,
    )
    assert indicator(db, "test_zone", "M01", 2024, "tax_per_electricity", cols) == (10.0, "fixed", None)


def test_points_with_cap_and_lower_is_better(db):
    cols = "value, ratio, is_capped, points"
    # 亩均税收 8 vs 4: ratio 2 capped at 1.5 -> 50 × 1.5
    assert indicator(db, "test_zone", "M01", 2024, "tax_per_mu", cols) == (8, 2, True, pytest.approx(75))
    assert indicator(db, "test_zone", "M01", 2024, "revenue_per_mu", cols) == (40, 2, True, pytest.approx(45))
    # lower is better: benchmark 10 / value 5 = 2 -> capped; 10 / 20 = 0.5
    assert indicator(db, "test_zone", "M01", 2024, "tax_per_electricity", cols) == (
        pytest.approx(5),
        pytest.approx(2),
        True,
        pytest.approx(30),
    )
    assert indicator(db, "test_zone", "M02", 2024, "tax_per_electricity", cols) == (
        pytest.approx(20),
        pytest.approx(0.5),
        False,
        pytest.approx(10),
    )
    # lower is better with value 0: ratio = cap
    assert indicator(db, "test_zone", "M04", 2024, "tax_per_electricity", cols) == (
        0,
        1.5,
        False,
        pytest.approx(30),
    )
    # no value: 0 points
    assert indicator(db, "test_zone", "M03", 2024, "tax_per_electricity", cols) == (None, None, False, 0)
    # exactly at the cap is not capped
    assert indicator(db, "test_zone", "M02", 2024, "tax_per_mu", cols) == (6, 1.5, False, pytest.approx(75))
    assert indicator(db, "test_zone", "B02", 2024, "tax_per_mu", "points") == (pytest.approx(50 * 1 / 3),)
    # test_city: no cap, R&D intensity 30 / 300 = 10% vs fixed 5%
    assert indicator(db, "test_city", "B01", 2024, "rd_intensity", cols) == (
        pytest.approx(10),
        pytest.approx(2),
        False,
        pytest.approx(200),
    )
    assert evaluation(db, "test_zone", "M01", 2024, "score, indicators_scored, indicators_with_value") == (
        pytest.approx(150),
        3,
        3,
    )
    assert evaluation(db, "test_zone", "M03", 2024, "score, indicators_with_value") == (pytest.approx(80), 2)


# ZA 2024 规上 scores by hand: 50 × min(亩均税收 / 4, 1.5) + 30 × min(亩均营收 / 20, 1.5) + 20 × min(10 / 单位电耗税收, 1.5)
MAIN_SCORES = {
    "M01": 75 + 45 + 30,
    "M02": 75 + 30 + 10,
    "M03": 50 + 30 + 0,
    "M04": 0 + 30 + 30,
    "M05": 70 + 50,
    "M06": 62.5 + 50,
    "M07": 57.5 + 50,
    "M08": 55 + 50,
    "M09": 55 + 50,
    "M10": 52.5 + 50,
    "M11": 47.5 + 50,
    "M12": 42.5 + 50,
    "M13": 37.5 + 50,
    "M14": 32.5 + 50,
    "M15": 27.5 + 50,
    "M16": 22.5 + 50,
    "M17": 17.5 + 50,
    "M18": 12.5 + 50,
    "M19": 7.5 + 50,
    "M20": 2.5 + 50,
}


def test_scores_ranks_and_classes_at_the_cut_offs(db):
    rows = db.execute(
        "select firm_name, score, score_rank, firms_ranked, rank_share, class from fct_firm_evaluation "
        "where scheme = 'test_zone' and year = 2024 and evaluation_area = ? and evaluation_group = 'main'",
        [ZA],
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert set(got) == set(MAIN_SCORES)
    for name, score in MAIN_SCORES.items():
        assert got[name][0] == pytest.approx(score), name
        assert got[name][2] == 20
        # rank(): 1 + firms with a strictly higher score
        assert got[name][1] == 1 + sum(s > score + 1e-9 for s in MAIN_SCORES.values()), name
    # M08 and M09 tie at 105: both 6th, the next is 8th
    assert got["M08"][1] == got["M09"][1] == 6
    assert got["M10"][1] == 8
    classes = {c: sorted(n for n, v in got.items() if v[4] == c) for c in "ABCD"}
    assert {c: len(v) for c, v in classes.items()} == {"A": 4, "B": 8, "C": 7, "D": 1}
    assert classes["A"] == ["M01", "M02", "M05", "M06"]
    assert classes["D"] == ["M20"]
    # the exact cut-offs 0.20, 0.60, 0.95 belong to the better class
    assert got["M06"][1:] == (4, 20, pytest.approx(0.20), "A")
    assert got["M07"][1:] == (5, 20, pytest.approx(0.25), "B")
    assert got["M14"][1:] == (12, 20, pytest.approx(0.60), "B")
    assert got["M03"][1:] == (13, 20, pytest.approx(0.65), "C")
    assert got["M19"][1:] == (19, 20, pytest.approx(0.95), "C")
    assert got["M20"][1:] == (20, 20, pytest.approx(1.00), "D")


def test_small_firms_ranked_apart_and_ties_share_the_better_class(db):
    cols = "evaluation_group, score, score_rank, firms_ranked, class"
    # benchmark 0.5: S01 / S02 亩均税收 0.5 -> 100 each (tied), S03 0.4 -> 80, S04 0.2 -> 40, S05 0.1 -> 20
    assert evaluation(db, "test_zone", "S01", 2024, cols) == ("small", pytest.approx(100), 1, 5, "A")
    assert evaluation(db, "test_zone", "S02", 2024, cols) == ("small", pytest.approx(100), 1, 5, "A")
    assert evaluation(db, "test_zone", "S03", 2024, cols) == ("small", pytest.approx(80), 3, 5, "B")
    assert evaluation(db, "test_zone", "S04", 2024, cols) == ("small", pytest.approx(40), 4, 5, "C")
    assert evaluation(db, "test_zone", "S05", 2024, cols) == ("small", pytest.approx(20), 5, 5, "D")
    # ZB: T01 亩均税收 1.2 vs 0.6 -> capped 150, T02 0.6 -> 100; 规上 B01 50 + 45 + 20, B02 16.67 + 20 + 20
    assert evaluation(db, "test_zone", "T01", 2024, cols) == ("small", pytest.approx(150), 1, 2, "B")
    assert evaluation(db, "test_zone", "B01", 2024, cols) == ("main", pytest.approx(115), 1, 2, "B")
    assert evaluation(db, "test_zone", "B02", 2024, cols) == (
        "main",
        pytest.approx(50 / 3 + 20 + 20),
        2,
        2,
        "D",
    )


def test_city_area_ranks_both_zones_together(db):
    cols = "evaluation_area_type, evaluation_area, score, score_rank, firms_ranked, class"
    # 规上 in 南京市 2024: 20 M firms, U01 and N01 (not exempt here), B01, B02. Only B01 (10%) and M01 (3%)
    # report R&D; the other 22 score 0 and share rank 3 -> rank share 3/24 -> A (upper share 0.5)
    assert evaluation(db, "test_city", "B01", 2024, cols) == ("city", CITY, pytest.approx(200), 1, 24, "A")
    assert evaluation(db, "test_city", "M01", 2024, cols) == ("city", CITY, pytest.approx(60), 2, 24, "A")
    assert evaluation(db, "test_city", "M20", 2024, cols) == ("city", CITY, 0, 3, 24, "A")
    # 规下 across both zones: fixed benchmark 亩均营收 10 -> T01 12 -> 120, T02 8 -> 80, S01..S05 5 -> 50
    assert evaluation(db, "test_city", "T02", 2024, "score, score_rank, firms_ranked, class") == (
        pytest.approx(80),
        2,
        7,
        "A",
    )
    assert evaluation(db, "test_city", "S05", 2024, "score, score_rank, class") == (pytest.approx(50), 3, "A")


# ---------------------------------------------------------------------------------------------- zone roll-ups


def test_zone_firm_classes(db):
    rows = db.execute(
        "select class, firms, land_mu, revenue, firm_share, land_share, revenue_share, zone_firms, d_class_land_mu "
        "from fct_zone_firm_classes where scheme = 'test_zone' and year = 2024 and zone_code = ? order by class_order",
        [ZA],
    ).fetchall()
    # A: M01 M05 M02 M06 + S01 S02; B: 8 规上 + S03; C: 7 规上 + S04; D: M20 + S05; T: U01 N01; unclassed: R01
    expected = [
        ("A", 6, 60, 400 + 200 * 3 + 50 * 2),
        ("B", 9, 90, 200 * 8 + 50),
        ("C", 8, 80, 200 * 7 + 50),
        ("D", 2, 20, 200 + 50),
        ("T", 2, 70, 6000 + 100),
        ("unclassed", 1, 0, 350),
    ]
    zone_firms, zone_land, zone_revenue = 28, 320, 10900
    assert [r[:4] for r in rows] == expected
    for row, (_cls, firms, land, revenue) in zip(rows, expected, strict=True):
        assert row[4] == pytest.approx(firms / zone_firms)
        assert row[5] == pytest.approx(land / zone_land)
        assert row[6] == pytest.approx(revenue / zone_revenue)
        assert row[7] == zone_firms
        assert row[8] == 20  # land of the D-class firms M20 and S05
    assert sum(r[4] for r in rows) == pytest.approx(1)
    # ZB 2024: no A; D = B02 (30 亩) + T02 (5 亩)
    assert db.execute(
        "select list(class order by class_order), min(d_class_land_mu) from fct_zone_firm_classes "
        "where scheme = 'test_zone' and year = 2024 and zone_code = ?",
        [ZB],
    ).fetchone() == (["B", "D", "unclassed"], 35)


def test_zone_firm_efficiency_against_the_zone_ledger(db):
    cols = (
        "firms, firms_on_own_land, land_mu, revenue, tax, firm_revenue_per_mu, firm_tax_per_mu, "
        "ledger_revenue_per_mu, ledger_tax_per_mu, revenue_per_mu_diff, revenue_per_mu_diff_pct, "
        "tax_per_mu_diff, tax_per_mu_diff_pct"
    )
    # ZA 2024, firms on own land (all but R01): land 20 × 10 + 5 × 10 + 50 + 20 = 320;
    # revenue 400 + 19 × 200 + 5 × 50 + 6000 + 100 = 10,550; tax 80 + 60 + 40 + 0 + 10 × Σ filler 亩均税收 (48.2)
    # + 17 + 600 + 10 = 1,289. Ledger: 15,000 / 1,200 = 12.5 and 1,200 / 1,200 = 1.0
    row = one(db, f"select {cols} from fct_zone_firm_efficiency where zone_code = ? and year = 2024", ZA)
    assert row == (
        28,
        27,
        320,
        pytest.approx(10550),
        pytest.approx(1289),
        pytest.approx(10550 / 320),
        pytest.approx(1289 / 320),
        12.5,
        1.0,
        pytest.approx(10550 / 320 - 12.5),
        pytest.approx((10550 / 320 - 12.5) / 12.5 * 100),
        pytest.approx(1289 / 320 - 1.0),
        pytest.approx((1289 / 320 - 1.0) * 100),
    )
    # ZB 2024: B01, B02, T01, T02 -> 700 / 50 = 14 vs 2,000 / 100 = 20 (-30%); tax 69 / 50 = 1.38 vs 1.0 (+38%)
    assert one(
        db,
        "select firm_revenue_per_mu, revenue_per_mu_diff, revenue_per_mu_diff_pct, firm_tax_per_mu, "
        "tax_per_mu_diff_pct from fct_zone_firm_efficiency where zone_code = ? and year = 2024",
        ZB,
    ) == (pytest.approx(14), pytest.approx(-6), pytest.approx(-30), pytest.approx(1.38), pytest.approx(38))
    # ZB has no December 2023 zone ledger: bottom-up only
    assert one(
        db,
        "select firm_revenue_per_mu, firm_tax_per_mu, ledger_revenue_per_mu, revenue_per_mu_diff "
        "from fct_zone_firm_efficiency where zone_code = ? and year = 2023",
        ZB,
    ) == (pytest.approx(80 / 10), pytest.approx(6 / 10), None, None)


def test_lake_without_enterprise_files_builds(tmp_path):
    """A lake written before the enterprise tables existed: the new staging models read as empty tables."""
    lake = tmp_path / "lake"
    build_lake(lake, "final")
    for name in ("enterprise_schemes", "enterprise_scheme_indicators", "enterprise_scheme_classes"):
        (lake / "reference" / f"{name}.parquet").unlink(missing_ok=True)
    for path in (lake / "firm_indicators").rglob("*.parquet"):
        path.unlink()
    warehouse = tmp_path / "warehouse.duckdb"
    run_dbt(["build"], lake, warehouse, tmp_path / "target")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in (
            "fct_firm_evaluation",
            "fct_zone_firm_classes",
            "fct_zone_firm_efficiency",
            "fct_firm_indicators_ttm",
        ):
            assert con.execute(f"select count(*) from {table}").fetchone() == (0,), table
