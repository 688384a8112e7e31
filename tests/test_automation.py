"""The sensor on the landing folder and the monthly schedule request the right partitions."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from tests.ledger_files import copy_into, find


def test_sensor_requests_one_run_per_month_with_new_files(home, sample_dir):
    from pipelines.automation import landing_sensor

    copy_into(find(sample_dir, "上饶经开区2024年1-3月*.xlsx"), home.landing, "上饶/a.xlsx")
    copy_into(find(sample_dir, "淮安市省级开发区2024年3月主要指标.csv"), home.landing, "淮安/b.csv")
    copy_into(find(sample_dir, "广元经开区月度经济指标统计表202404.xlsx"), home.landing, "广元/c.xlsx")
    requests = landing_sensor(dg.build_sensor_context())
    assert sorted(r.partition_key for r in requests) == ["2024-03-01", "2024-04-01"]
    again = landing_sensor(dg.build_sensor_context())
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # same files, same run keys: no new runs


def test_sensor_skips_when_nothing_is_new(home):
    from pipelines.automation import landing_sensor

    result = landing_sensor(dg.build_sensor_context())
    assert isinstance(result, dg.SkipReason)


def test_schedule_runs_the_previous_month_on_the_10th():
    from pipelines.automation import monthly_schedule

    assert monthly_schedule.cron_schedule == "0 6 10 * *"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2024, 4, 10, 6, 0))
    [request] = monthly_schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2024-03-01"


def test_definitions_load_with_pools_checks_sensor_and_schedule():
    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"reference_data", "ledger_manifest", "lake_zone_indicators", "lake_rejections", "dim_zone",
            "fct_zone_ranking_monthly", "published"} <= keys
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in repo.asset_graph.asset_check_keys}
    assert "lake_zone_indicators:zone_indicators_suite" in checks
    assert any(c.startswith("fct_zone_ranking_monthly:") for c in checks)  # dbt tests as asset checks
    assert repo.has_sensor_def("landing_sensor") and repo.has_schedule_def("monthly_on_the_10th")
    pools = {node.name: node.definition.pool for node in repo.get_job("monthly_ledgers").graph.node_dict.values()}
    assert pools["ingest_ledgers"] == "lake" and pools["published"] == "warehouse"
    assert any(p == "warehouse" and name.startswith("warehouse_models") for name, p in pools.items())
