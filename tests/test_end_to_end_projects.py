"""Investment metrics end to end: generated project ledgers → Dagster → dbt reproduce the published figures of
广元 and 上饶 and the generator's month-by-month stage events; target progress against 序时进度."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict

import pytest

from tests.warehouse import published

pytestmark = pytest.mark.e2e

YTD = ("select stage, projects_ytd, total_investment_ytd from fct_project_pipeline_monthly "
       "where zone_code = ? and year = ? and month = ?")


def test_guangyuan_one_year_totals_are_the_published_figures(built):
    home, _ = built
    ytd = {stage: (n, amount) for stage, n, amount in published(home, YTD, ["G511193", 2023, 12])}
    assert ytd["negotiation"][0] == 265
    assert ytd["signed"] == (183, pytest.approx(9_563_000))  # 956.3 亿元
    assert ytd["started"] == (363, pytest.approx(5_844_000))  # 584.4 亿元 total investment
    assert ytd["completed"][0] == 400 and ytd["revived"][0] == 30
    assert ytd["four_new_one_revived"][0] == 1241 == 265 + 183 + 363 + 400 + 30


def test_shangrao_2023_investment_promotion_is_the_published_figure(built):
    home, _ = built
    december = {s: (n, a) for s, n, a in published(home, YTD, ["G361149", 2023, 12])}
    july = {s: (n, a) for s, n, a in published(home, YTD, ["G361149", 2023, 7])}
    assert december["signed"] == (117, pytest.approx(3_751_600))  # 117 projects, 375.16 亿元
    since_august = (december["signed"][0] - july["signed"][0], december["signed"][1] - july["signed"][1])
    assert since_august == (92, pytest.approx(1_555_600))  # of which since August: 92, 155.56 亿元


def test_monthly_stage_counts_equal_the_generators_events(built, sample_dir):
    home, _ = built
    expected: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    with (sample_dir / "truth" / "project_events.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["zone_code"], int(r["year"]), int(r["month"]), r["stage"])
            expected[key][0] += 1
            expected[key][1] += float(r["total_investment"])
    rows = published(home, "select zone_code, year, month, stage, projects, total_investment "
                           "from fct_project_pipeline_monthly where stage <> 'four_new_one_revived'")
    assert len(rows) > 1000
    for zone, year, month, stage, projects, amount in rows:
        n, total = expected.get((zone, year, month, stage), (0, 0.0))
        assert (projects, amount) == (n, pytest.approx(total)), (zone, year, month, stage)
    counted = {(z, y, m, s) for z, y, m, s, n, _ in rows if n}
    assert counted == set(expected)  # no event is lost or counted twice across the snapshots


def test_target_progress_against_time_progress(built, sample_dir):
    home, _ = built
    with (sample_dir / "truth" / "zone_indicators.csv").open(encoding="utf-8") as f:
        ytd = {(int(r["month"])): float(r["ytd_value"]) for r in csv.DictReader(f)
               if r["zone_code"] == "G361149" and r["year"] == "2024" and r["measure"] == "industrial_revenue"}
    rows = published(home, "select period, month, actual_value, completion_pct, time_progress_pct, gap_pp "
                           "from fct_target_progress where zone_code = 'G361149' and year = 2024 "
                           "and measure = 'industrial_revenue'")
    by_key = {(p, m): r for p, m, *r in rows}
    actual, completion, time_progress, gap = by_key[("year", 10)]
    assert actual == ytd[10]
    assert completion == pytest.approx(ytd[10] / 27_000_000 * 100)  # target 2,700 亿元
    assert time_progress == pytest.approx(10 / 12 * 100) and gap == pytest.approx(completion - time_progress)
    actual, completion, time_progress, _ = by_key[("Q1", 3)]
    assert completion == pytest.approx(ytd[3] / 5_900_000 * 100) and time_progress == pytest.approx(100.0)


def test_projects_cli_lists_the_projects_behind_a_count(built):
    from typer.testing import CliRunner

    from pipelines.cli import app

    home, _ = built
    [(count,)] = published(home, "select projects from fct_project_pipeline_monthly where zone_code = 'G511193' "
                                 "and year = 2023 and month = 6 and stage = 'started'")
    result = CliRunner().invoke(app, ["projects", "--zone", "广元经开区", "--month", "2023-06", "--stage", "新开工"],
                                env={"PARKSTATS_HOME": str(home.home)})
    assert result.exit_code == 0, result.output
    assert count > 0 and f"{count} projects" in result.output
    bad = CliRunner().invoke(app, ["projects", "--stage", "新规划"], env={"PARKSTATS_HOME": str(home.home)})
    assert bad.exit_code == 1 and "unknown stage '新规划'" in bad.output


def test_revised_past_snapshot_updates_the_counts(tmp_path, sample_dir, monkeypatch):
    """A new vintage of an earlier month's snapshot moves a project's 开工 into that month."""
    from pipelines.runner import run_months
    from pipelines.settings import DataPaths
    from tests.ledger_files import altered_xlsx, find

    home = DataPaths(tmp_path / "data")
    monkeypatch.setenv("PARKSTATS_HOME", str(home.home))
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    # every zone's ledgers (files of other months wait in landing): a month publishes only when complete
    shutil.copytree(sample_dir / "landing", home.landing)
    assert run_months("2024-02", "2024-03", raise_on_error=True).success

    def count(month: int) -> int:
        return published(home, "select projects from fct_project_pipeline_monthly where zone_code = 'G321100' "
                               "and year = 2024 and month = ? and stage = 'started'", [month])[0][0]

    before = (count(2), count(3))
    march = published(home, "select project_id, stage_date from fct_project_stage_events where zone_code = "
                            "'G321100' and year = 2024 and month = 3 and stage = 'started'")
    assert march, "the sample has projects starting in March 2024"
    project, started = march[0]

    def backdate(grid):
        header = grid[2]
        row = next(r for r in grid if r[header.index("项目编号")] == project)
        row[header.index("开工日期")] = started.replace(day=1).toordinal() - 693594 - 3  # late February (serial)

    february = find(sample_dir, "淮安经开区招商引资及重点项目台账（2024年2月）.xlsx")
    altered_xlsx(february, home.landing / "淮安经开区" / "2024年2月（更正）.xlsx", backdate)
    assert run_months("2024-02", "2024-02", raise_on_error=True).success
    assert (count(2), count(3)) == (before[0] + 1, before[1] - 1)
    [(vintage,)] = published(home, "select vintage from fct_project_stage_events where project_id = ? "
                                   "and stage = 'started'", [project])
    assert vintage == 2
