"""Project marts (四新一盘活, conversion, 投资强度, key projects, targets, investment ranks) on the hand-made project
lake of tests/project_fixtures.py: values checked against figures computed by hand (see that module's docstring)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.dbt_fixtures import Z1, Z2, Z3, run_dbt
from tests.project_fixtures import build_project_lake


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt_projects")
    build_project_lake(root / "lake")
    warehouse = root / "warehouse.duckdb"
    run_dbt(["build"], root / "lake", warehouse, root / "target")  # models and all dbt tests
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def one(con, sql, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return rows[0]


def pipeline(
    con, zone, year, month, stage, columns="projects, total_investment, projects_ytd, total_investment_ytd"
):
    return one(
        con,
        f"select {columns} from fct_project_pipeline_monthly where zone_code = ? and year = ? and month = ? and stage = ?",
        zone,
        year,
        month,
        stage,
    )


def row(con, table, zone, year, month, columns):
    return one(
        con,
        f"select {columns} from {table} where zone_code = ? and year = ? and month = ?",
        zone,
        year,
        month,
    )


# ------------------------------------------------------------------------------------------- stage events


def test_each_stage_counts_once_in_first_snapshot_showing_it(db):
    events = db.execute(
        "select project_id, stage, year, month from int_project_stage_events where zone_code = ? order by all",
        [Z1],
    ).fetchall()
    # P1 is listed in all 14 snapshots but has exactly one event per stage it reached
    assert [e for e in events if e[0] == "P1"] == [
        ("P1", "completed", 2024, 10),
        ("P1", "negotiation", 2023, 10),  # negotiated 2023-10, before the first snapshot: dated by its own date
        ("P1", "production", 2024, 12),
        ("P1", "signed", 2023, 12),
        ("P1", "started", 2024, 3),
    ]
    assert len(events) == 18
    # P6 signed and started before the zone's first snapshot (opening stock): dated by the stage dates, so they
    # are not "new" in the first month
    assert one(
        db,
        "select year, month, in_opening_snapshot, stage_date from int_project_stage_events "
        "where project_id = 'P6' and stage = 'started'",
    ) == (2023, 9, True, dt.date(2023, 9, 1))
    # stalled (2024-05..07) then revived: 开工 counted once (2024-02), 盘活 in 2024-08
    assert db.execute(
        "select stage, year, month from int_project_stage_events where project_id = 'P2' order by stage"
    ).fetchall() == [
        ("negotiation", 2023, 11),
        ("revived", 2024, 8),
        ("signed", 2024, 1),
        ("started", 2024, 2),
    ]


def test_revision_of_past_snapshot_moves_event_and_amount(db):
    # the 2024-02 correction (vintage 2) adds P4's 开工 date: it counts in February, not March
    assert one(
        db,
        "select year, month, vintage, stage_date from int_project_stage_events "
        "where project_id = 'P4' and stage = 'started'",
    )[:3] == (2024, 2, 2)
    # the first vintage is in staging but not in the current snapshot
    assert db.execute(
        "select vintage, started_date is null from stg_lake__project_snapshots where project_id = 'P4' "
        "and year = 2024 and month = 2 order by vintage"
    ).fetchall() == [(1, True), (2, False)]
    assert one(
        db,
        "select vintage, files_received from int_project_snapshots__current where project_id = 'P4' "
        "and year = 2024 and month = 2",
    ) == (2, 2)
    # P3's amount as corrected in that snapshot (8,000 -> 9,000) is its signed amount
    assert one(
        db,
        "select total_investment, month from int_project_stage_events where project_id = 'P3' and stage = 'signed'",
    ) == (9000, 2)
    assert pipeline(db, Z1, 2024, 2, "started") == (2, 50000, 2, 50000)  # P2 + P4
    assert pipeline(db, Z1, 2024, 3, "started") == (1, 50000, 3, 100000)  # P1 only


# ---------------------------------------------------------------------------------------------- pipeline


def test_pipeline_month_and_ytd(db):
    # 2024-02: 新洽谈 P5; 新签约 P3; 新开工 P2, P4
    assert pipeline(db, Z1, 2024, 2, "negotiation") == (1, 15000, 2, 24000)  # YTD: P3 (Jan) + P5
    assert pipeline(db, Z1, 2024, 2, "signed") == (1, 9000, 3, 59000)  # YTD: P2, P4 (Jan) + P3
    assert pipeline(db, Z1, 2024, 3, "signed") == (1, 15000, 4, 74000)
    assert pipeline(db, Z1, 2024, 2, "completed") == (0, 0, 0, 0)
    # 四新一盘活 = 新洽谈 + 新签约 + 新开工 + 新竣工 + 盘活 (投产 not included)
    assert pipeline(db, Z1, 2024, 2, "four_new_one_revived") == (4, 74000, 7, 133000)
    assert pipeline(db, Z1, 2024, 12, "production") == (1, 50000, 1, 50000)
    assert pipeline(db, Z1, 2024, 12, "four_new_one_revived") == (0, 0, 2 + 4 + 4 + 1 + 1, 283000)
    assert pipeline(db, Z1, 2024, 8, "revived", "projects, projects_ytd") == (1, 1)
    # the year boundary: December 2023 YTD (P6 in the opening snapshot + P1), January starts again
    assert pipeline(db, Z1, 2023, 12, "signed", "projects, projects_ytd") == (1, 2)
    assert pipeline(db, Z1, 2024, 1, "signed") == (2, 50000, 2, 50000)
    assert pipeline(db, Z1, 2024, 2, "four_new_one_revived", "stage_label") == ("四新一盘活合计",)
    labels = dict(
        db.execute("select distinct stage, stage_label from fct_project_pipeline_monthly").fetchall()
    )
    assert labels == {
        "negotiation": "新洽谈",
        "signed": "新签约",
        "started": "新开工",
        "completed": "新竣工",
        "production": "新投产",
        "revived": "盘活",
        "four_new_one_revived": "四新一盘活合计",
    }
    # one row per stage for every snapshot month of every zone
    assert db.execute("select count(*) from fct_project_pipeline_monthly").fetchone() == ((14 + 7 + 3) * 7,)
    assert pipeline(db, Z1, 2024, 1, "signed", "foreign_projects, key_projects") == (0, 1)  # P4 key


def test_pipeline_by_industry_adds_up(db):
    by_division = dict(
        db.execute(
            "select industry_division, projects_ytd from fct_project_pipeline_by_industry "
            "where zone_code = ? and year = 2024 and month = 3 and stage = 'signed'",
            [Z1],
        ).fetchall()
    )
    assert by_division == {
        "26": 1,
        "30": 1,
        "35": 1,
        "70": 1,
        "38": 0,
    }  # P1 (38) signed in 2023, started 2024-03
    totals = db.execute(
        """
        select count(*) from (
            select zone_code, period_date, stage, sum(projects) p, sum(total_investment_ytd) t
            from fct_project_pipeline_by_industry group by all
        ) d
        join fct_project_pipeline_monthly m using (zone_code, period_date, stage)
        where d.p <> m.projects or abs(d.t - m.total_investment_ytd) > 1e-6
        """
    ).fetchone()
    assert totals == (0,)


# -------------------------------------------------------------------------------------------- conversion


def test_conversion_rates_and_median_lag(db):
    cols = (
        "signed_projects, signed_and_started_projects, start_rate_pct, started_projects, completion_rate_pct, "
        "median_months_signed_to_started, median_months_signed_to_started_by_date"
    )
    # 2024-02: signed P6, P1, P2, P4, P3 (dropped later, still counted); started P6, P2, P4
    # event-month lags: P6 3 (opening stock, dated by its stage dates), P2 1, P4 1; by date the same
    assert row(db, "fct_project_conversion", Z1, 2024, 2, cols) == (
        5,
        3,
        pytest.approx(60.0),
        3,
        0.0,
        1.0,
        1.0,
    )
    # 2024-03: + P5 signed, + P1 started (signed 2023-12: lag 3) -> lags 1,1,3,3; by date 1,1,3,3
    assert row(db, "fct_project_conversion", Z1, 2024, 3, cols) == (
        6,
        4,
        pytest.approx(400 / 6),
        4,
        0.0,
        2.0,
        2.0,
    )
    # 2024-12: + P5 started (lag 3), P1 completed: 竣工率 1/5
    assert row(db, "fct_project_conversion", Z1, 2024, 12, cols) == (
        6,
        5,
        pytest.approx(500 / 6),
        5,
        pytest.approx(20.0),
        3.0,  # lags 1, 1, 3, 3, 3
        3.0,
    )
    # Z2 2024-05: signed P7, P10, P9, P8; started P7, P10, P9; P7 completed
    assert row(db, "fct_project_conversion", Z2, 2024, 5, "start_rate_pct, completion_rate_pct") == (
        pytest.approx(75.0),
        pytest.approx(100 / 3),
    )
    # Z3 before any start: 竣工率 undefined
    assert row(db, "fct_project_conversion", Z3, 2024, 2, "start_rate_pct, completion_rate_pct") == (
        0.0,
        None,
    )


# ------------------------------------------------------------------------------------------------ 投资强度


def test_project_investment_intensity(db):
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "select project_id, month, status, is_assessed, investment_intensity, meets_threshold, "
            "investment_intensity_threshold from fct_project_investment_intensity"
        ).fetchall()
    }
    assert rows["P1"] == (12, "active", True, pytest.approx(500.0), True, 300.0)
    assert rows["P2"][3:5] == (pytest.approx(250.0), False)
    assert rows["P3"][:5] == (4, "dropped", True, pytest.approx(225.0), False)  # latest snapshot listing it
    assert rows["P6"][3:5] == (pytest.approx(100000 / 150), True)
    assert rows["P5"][2:5] == (False, None, None)  # 7010 real estate: not industrial
    assert rows["P9"][2:5] == (False, None, None)  # no land


def test_zone_investment_intensity(db):
    cols = (
        "industrial_projects, total_investment, land_mu, investment_intensity, projects_meeting_threshold, "
        "share_meeting_threshold_pct, dropped_projects_excluded"
    )
    # 2024-03: P6, P1, P2, P4, P3 (P5 not industrial)
    assert row(db, "fct_zone_investment_intensity", Z1, 2024, 3, cols) == (
        5,
        209000,
        420,
        pytest.approx(209000 / 420),
        3,
        pytest.approx(60.0),
        0,
    )
    # 2024-04: P3 dropped -> left out; still left out after it disappears from the ledger
    for month in (4, 5, 12):
        assert row(db, "fct_zone_investment_intensity", Z1, 2024, month, cols) == (
            4,
            200000,
            380,
            pytest.approx(200000 / 380),
            3,
            pytest.approx(75.0),
            1,
        )
    assert row(db, "fct_zone_investment_intensity", Z1, 2023, 11, cols) == (
        1,
        100000,
        150,
        pytest.approx(100000 / 150),
        1,
        pytest.approx(100.0),
        0,
    )


# ------------------------------------------------------------------------------------------- key projects


def test_key_project_completion_and_time_progress(db):
    cols = (
        "key_projects, annual_plan_investment, investment_completed_ytd, completion_pct, time_progress_pct, "
        "gap_pp, ahead_of_schedule"
    )
    # 2024-03: P1 800×3, P4 400×3, P6 1500×3 of plans 12,000 + 6,000 + 20,000
    assert row(db, "fct_key_project_progress", Z1, 2024, 3, cols) == (
        3,
        38000,
        8100,
        pytest.approx(8100 / 380),
        25.0,
        pytest.approx(8100 / 380 - 25),
        False,
    )
    # 2023-12: P6 9,500 of 10,000 (P1 has no 2023 plan); 序时进度 12/12
    assert row(db, "fct_key_project_progress", Z1, 2023, 12, cols) == (
        2,
        10000,
        9500,
        pytest.approx(95.0),
        100.0,
        pytest.approx(-5.0),
        False,
    )
    assert row(db, "fct_key_project_progress", Z2, 2024, 3, cols) == (
        1,
        10000,
        9000,
        pytest.approx(90.0),
        25.0,
        pytest.approx(65.0),
        True,
    )
    # no plan reported: no completion rate
    assert row(db, "fct_key_project_progress", Z2, 2023, 12, "completion_pct, gap_pp") == (None, None)


def test_zone_investment_next_to_zone_ledger(db):
    cols = (
        "project_investment_completed_ytd, fixed_asset_investment_ytd, fixed_asset_investment_yoy_pct, "
        "fixed_asset_investment_yoy_basis, project_share_pct"
    )
    # 2024-03: P1 2,400 + P2 900 + P3 300 + P4 1,200 + P6 4,500; zone ledger 99 (上年同期 90)
    assert row(db, "fct_zone_investment_monthly", Z1, 2024, 3, cols) == (
        9300,
        99,
        pytest.approx(10.0),
        "comparable",
        pytest.approx(9300 / 99 * 100),
    )
    # January: no zone-ledger report (1-2月 combined), the project side alone
    assert row(db, "fct_zone_investment_monthly", Z1, 2024, 1, cols) == (3100, None, None, None, None)
    # the zone ledger alone (S511004 has no project ledger; no FAI there either) / 2023-02 for Z1
    assert row(
        db, "fct_zone_investment_monthly", Z1, 2023, 2, "projects_listed, fixed_asset_investment_ytd"
    ) == (
        None,
        50,
    )


# ------------------------------------------------------------------------------------------------ targets


def target(
    con,
    zone,
    measure,
    period,
    month,
    columns="actual_value, target_value, completion_pct, time_progress_pct, gap_pp, ahead_of_schedule",
):
    return one(
        con,
        f"select {columns} from fct_target_progress where zone_code = ? and year = 2024 and measure = ? "
        "and period = ? and month = ?",
        zone,
        measure,
        period,
        month,
    )


def test_target_progress_year_and_quarter(db):
    approx = pytest.approx
    # signed amount 2024: Jan 50,000, Feb 59,000, Mar 74,000
    assert target(db, Z1, "signed_amount", "year", 3) == (
        74000,
        100000,
        approx(74.0),
        25.0,
        approx(49.0),
        True,
    )
    # Q1: 序时进度 N/3
    assert target(db, Z1, "signed_amount", "Q1", 1) == (
        50000,
        80000,
        approx(62.5),
        approx(100 / 3),
        approx(62.5 - 100 / 3),
        True,
    )
    assert target(db, Z1, "signed_amount", "Q1", 2) == (
        59000,
        80000,
        approx(73.75),
        approx(200 / 3),
        approx(73.75 - 200 / 3),
        True,
    )
    assert target(db, Z1, "signed_amount", "Q1", 3) == (
        74000,
        80000,
        approx(92.5),
        100.0,
        approx(-7.5),
        False,
    )
    assert db.execute("select max(month) from fct_target_progress where period = 'Q1'").fetchone() == (
        3,
    )  # no month after the quarter
    # zone-ledger measure: 1-2月 first (no January row)
    assert target(db, Z1, "industrial_revenue", "Q1", 2) == (
        240,
        400,
        approx(60.0),
        approx(200 / 3),
        approx(60 - 200 / 3),
        False,
    )
    assert target(
        db, Z1, "industrial_revenue", "Q1", 3, "actual_value, completion_pct, gap_pp, actual_source"
    ) == (
        390,
        approx(97.5),
        approx(-2.5),
        "zone_ledger",
    )
    assert target(db, Z1, "industrial_revenue", "year", 3, "completion_pct, time_progress_pct, gap_pp") == (
        approx(390 / 16),
        25.0,
        approx(390 / 16 - 25),
    )
    # key projects reaching 开工: P4 (Feb, 30,000), P1 (Mar, 50,000); on schedule in June (50% = 50%) is not ahead
    assert target(db, Z1, "key_projects_started", "year", 3, "actual_value, completion_pct") == (
        2,
        approx(50.0),
    )
    assert target(db, Z1, "key_projects_started", "year", 6, "gap_pp, ahead_of_schedule") == (
        approx(0.0),
        False,
    )
    assert target(db, Z1, "key_projects_total_investment", "year", 2, "actual_value") == (30000,)
    assert target(db, Z1, "key_projects_total_investment", "year", 3, "actual_value, actual_source") == (
        80000,
        "project_ledger",
    )
    assert target(db, Z2, "signed_projects", "year", 3, "actual_value, completion_pct") == (2, approx(20.0))


# ------------------------------------------------------------------------------------------------- ranking


def rank(
    con,
    zone,
    year,
    month,
    metric,
    columns="value, rank_overall, rank_in_level, rank_in_province, rank_in_region, zones_ranked",
):
    return one(
        con,
        f"select {columns} from fct_zone_ranking_monthly where zone_code = ? and year = ? "
        "and month = ? and metric = ?",
        zone,
        year,
        month,
        metric,
    )


def test_investment_ranks(db):
    # signed amount 2024-03: Z1 74,000 (national, 江苏, east), Z3 50,000 (national, 江西, central),
    # Z2 17,000 (provincial, 江西, central)
    assert rank(db, Z1, 2024, 3, "signed_amount_ytd") == (74000, 1, 1, 1, 1, 3)
    assert rank(db, Z3, 2024, 3, "signed_amount_ytd") == (50000, 2, 2, 1, 1, 3)
    assert rank(db, Z2, 2024, 3, "signed_amount_ytd") == (17000, 3, 1, 2, 2, 3)
    # ties share a rank: signed projects Z1 4, Z2 2, Z3 2
    assert rank(db, Z2, 2024, 3, "signed_projects_ytd", "value, rank_overall") == (2, 2)
    assert rank(db, Z3, 2024, 3, "signed_projects_ytd", "value, rank_overall") == (2, 2)
    # rank change: started projects Feb Z1 2, Z2 1, Z3 0 -> Z3 3rd; March Z3 1 (P11) -> tied 2nd
    assert rank(
        db, Z3, 2024, 3, "started_projects_ytd", "previous_rank_overall, rank_overall, rank_change"
    ) == (
        3,
        2,
        1,
    )
    assert rank(db, Z2, 2024, 3, "key_project_completion_pct", "value, rank_overall") == (
        pytest.approx(90.0),
        1,
    )
    assert rank(db, Z1, 2024, 3, "key_project_completion_pct", "rank_overall") == (3,)
    assert rank(db, Z1, 2024, 3, "four_new_one_revived_ytd", "value, rank_overall") == (9, 1)
    assert rank(db, Z1, 2024, 3, "project_investment_completed_ytd", "value, rank_overall") == (9300, 1)
    assert rank(db, Z1, 2024, 3, "started_investment_ytd", "value, label, unit") == (
        100000,
        "新开工项目总投资（1-N月累计）",
        "万元",
    )
    # across the year boundary the previous ranking month is December; Z3 had none yet
    assert rank(
        db, Z3, 2024, 1, "signed_amount_ytd", "previous_period_date, previous_rank_overall, rank_change"
    )[1:] == (
        None,
        None,
    )
    assert str(rank(db, Z1, 2024, 1, "signed_amount_ytd", "previous_period_date")[0]) == "2023-12-01"
