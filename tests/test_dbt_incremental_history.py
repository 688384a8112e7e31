"""Incremental runs of the firm and project models: a month arriving late, or a new vintage of an old month, rebuilt
with the orchestrator's month window, gives exactly the tables of a full build (every table of the warehouse)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tests.dbt_fixtures import run_dbt
from tests.firm_fixtures import build_firm_lake
from tests.project_fixtures import build_project_lake


def warehouse_tables(path: Path) -> dict[str, list[tuple]]:
    """Every table dbt built (not the build log), rows sorted, doubles rounded against summation order."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_name <> 'warehouse_builds' order by 1").fetchall()]
        return {t: sorted((tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                           for row in con.execute(f'select * from "{t}"').fetchall()), key=repr) for t in names}


def keep_first_vintage(folder: Path) -> None:
    """The month as it was before its correction arrived: only vintage 1 rows."""
    for file in folder.glob("*.parquet"):
        table = pq.read_table(file)
        pq.write_table(table.filter(pc.equal(table["vintage"], 1)), file)


def check_incremental(tmp_path: Path, build: Callable[[Path], None], stale: Callable[[Path], None],
                      windows: list[tuple[str, str]]) -> None:
    full_lake, full = tmp_path / "full_lake", tmp_path / "full.duckdb"
    build(full_lake)
    run_dbt(["build"], full_lake, full, tmp_path / "target_full")

    lake, warehouse, target = tmp_path / "lake", tmp_path / "inc.duckdb", tmp_path / "target"
    shutil.copytree(full_lake, lake)
    stale(lake)
    run_dbt(["run"], lake, warehouse, target)
    assert warehouse_tables(warehouse) != warehouse_tables(full)  # the late data matters

    shutil.rmtree(lake)
    shutil.copytree(full_lake, lake)
    for window in windows:  # one run per partition range, its window in the environment as the orchestrator's
        done = run_dbt(["build"], lake, warehouse, target, window=window)
        # a new window is not a new project: dbt's partial parsing holds (vars would re-parse everything)
        assert "Unable to do partial parsing" not in done.stdout, done.stdout[:2000]
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the build log records each window
        logged = con.execute("select strftime(month_from, '%Y-%m'), strftime(month_to, '%Y-%m') "
                             "from warehouse_builds where month_from is not null order by started_epoch").fetchall()
    assert logged == windows
    incremental, rebuilt = warehouse_tables(warehouse), warehouse_tables(full)
    assert incremental.keys() == rebuilt.keys()
    for table in rebuilt:
        assert incremental[table] == rebuilt[table], table


def test_late_december_and_revised_month_of_firm_ledgers(tmp_path):
    """2023-12 arrives late (annual 2023, the 2024 benchmarks and the TTM of 2024 depend on it), then a new
    vintage of 2024-12: two incremental runs give the full build."""
    def stale(lake: Path) -> None:
        shutil.rmtree(lake / "firm_indicators" / "2023-12")
        keep_first_vintage(lake / "firm_indicators" / "2024-12")

    check_incremental(tmp_path, build_firm_lake, stale, [("2023-12", "2023-12"), ("2024-12", "2024-12")])


def test_revised_project_snapshot(tmp_path):
    """A new vintage of the 2024-02 project snapshot, rebuilt with the 2024-02 window, gives the full build."""
    check_incremental(tmp_path, build_project_lake,
                      lambda lake: keep_first_vintage(lake / "project_snapshots" / "2024-02"),
                      [("2024-02", "2024-02")])


def test_window_without_december_keeps_annual_rows(tmp_path):
    """A run of a month other than December rebuilds no annual row (the annual marts are incremental by year)."""
    build_firm_lake(tmp_path / "lake")
    warehouse, target = tmp_path / "w.duckdb", tmp_path / "target"
    run_dbt(["run"], tmp_path / "lake", warehouse, target)
    with duckdb.connect(str(warehouse)) as con:  # mark the annual rows: an incremental run must leave them
        for table in ("fct_firm_indicators_annual", "fct_firm_evaluation"):
            con.execute(f"update {table} set firm_name = 'kept'")
    run_dbt(["run", "--vars", '{"month_from": "2024-06", "month_to": "2024-06"}'], tmp_path / "lake", warehouse,
            target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in ("fct_firm_indicators_annual", "fct_firm_evaluation"):
            names = con.execute(f"select distinct firm_name from {table}").fetchall()
            assert names == [("kept",)], table


def test_late_project_snapshot_month(tmp_path):
    """The 2023-12 project snapshots arrive late: S361002's first snapshot (its opening stock moves back a month)
    and a month of G321001 in which P1 shows its signing. Project stage events seen in later snapshots move to
    2023-12; rebuilt with the 2023-12 window, every table equals the full build."""
    check_incremental(tmp_path, build_project_lake,
                      lambda lake: shutil.rmtree(lake / "project_snapshots" / "2023-12"),
                      [("2023-12", "2023-12")])


def test_data_tests_of_a_windowed_build_check_the_rows_it_may_change(tmp_path):
    """With the orchestrator's month window, the generic tests of the models that declare which rows a window can
    change (meta tests_from, or reuse_earlier_periods) check those rows only; the others, and every test of a
    build without a window, check every row (macros/test_window.sql)."""
    lake = tmp_path / "lake"
    build_project_lake(lake)

    def compiled(window: tuple[str, str] | None) -> dict[str, str]:
        target = tmp_path / f"target-{window is not None}"
        run_dbt(["compile", "--select", "test_type:generic"], lake, tmp_path / "wh.duckdb", target, window=window)
        return {p.stem: p.read_text(encoding="utf-8") for p in (target / "compiled").rglob("*.sql")}

    windowed, whole = compiled(("2024-02", "2024-03")), compiled(None)
    assert windowed.keys() == whole.keys() and len(whole) > 200
    assert not any("dbt_subquery" in sql for sql in whole.values())
    expected = {
        "not_null_stg_lake__project_snapshots_project_id": "(year >= 2024 and (year > 2024 or month >= 2))",
        "not_null_fct_zone_ranking_monthly_rank_overall": "(year >= 2024 and (year > 2024 or month >= 2))",
        "not_null_int_project_stage_events_stage": "\"first_seen_period_date\" >= date '2024-02-01'",
    }
    for test, predicate in expected.items():
        assert predicate in windowed[test], windowed[test]
    for test in ("not_null_dim_zone_zone_code", "unique_stg_registry__zones_zone_code"):
        assert "dbt_subquery" not in windowed[test]
    assert sum("dbt_subquery" in sql for sql in windowed.values()) > len(windowed) / 2
