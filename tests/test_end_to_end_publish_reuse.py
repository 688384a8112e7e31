"""Publishing reuses the previous release's rows of the periods no build changed since: the release it makes is
the release a full copy from the warehouse makes, row for row and flag for flag."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import publish as publishing
from pipelines.marts import mart_specs
from pipelines.settings import DataPaths

pytestmark = pytest.mark.e2e


def release_rows(home: DataPaths, table: str) -> list[tuple]:
    with duckdb.connect(str(home.published / "current" / "parkstats.duckdb"), read_only=True) as con:
        return sorted(con.execute(f'select * from "{table}"').fetchall(), key=repr)


def publish_copy(built_home: DataPaths, root: Path, monkeypatch, reuse: bool) -> tuple[DataPaths, set[int]]:
    """Publish 2024-12 again in a copy of the built data folder, with or without reusing the previous release."""
    home = DataPaths(root / ("reuse" if reuse else "full"))
    shutil.copytree(built_home.home, home.home, symlinks=True)
    monkeypatch.setenv("PARKSTATS_HOME", str(home.home))
    reused: set[int] = set()

    def spy(*args, **kwargs) -> set[int]:
        reused.update(original(*args, **kwargs) if reuse else set())
        return set(reused)

    original = publishing._reused_periods
    monkeypatch.setattr(publishing, "_reused_periods", spy)
    publishing.publish(home, ["2024-12"])
    monkeypatch.undo()
    return home, reused


def parquet_rows(home: DataPaths, table: str) -> list[tuple]:
    """The table's Parquet copy in the current release: a folder of period files, or one file."""
    current = (home.published / "current").resolve()
    files = sorted(current.glob(f"{table}/*.parquet")) or [current / f"{table}.parquet"]
    with duckdb.connect() as con:
        return sorted(con.execute("select * from read_parquet(?)", [[str(f) for f in files]]).fetchall(), key=repr)


def test_release_reusing_earlier_periods_equals_a_full_copy(built, tmp_path, monkeypatch):
    """The reusing release patches a copy of the previous one: same rows and flags as a full copy, in its DuckDB
    file and its Parquet files; the Parquet files of unchanged periods are the previous release's (hard links)."""
    built_home, _ = built
    reused_home, reused = publish_copy(built_home, tmp_path, monkeypatch, reuse=True)
    full_home, _ = publish_copy(built_home, tmp_path, monkeypatch, reuse=False)
    assert 202311 in reused and 202412 not in reused  # the months before the run's month came from the release
    for table in mart_specs():
        rows = release_rows(full_home, table)
        assert release_rows(reused_home, table) == rows, table
        assert parquet_rows(reused_home, table) == rows, table
        assert parquet_rows(full_home, table) == rows, table
    for home, reusing in ((reused_home, True), (full_home, False)):
        current = (home.published / "current").resolve()
        previous = home.published / "releases" / publishing.release_record(current)["previous_release"]
        for period, linked in (("2023-11", reusing), ("2024-12", False)):
            file = f"fct_zone_indicators_monthly/{period}.parquet"
            assert ((previous / file).stat().st_ino == (current / file).stat().st_ino) is linked, (home, period)


def test_a_build_of_an_earlier_month_since_the_release_is_copied_again(built, tmp_path, monkeypatch):
    """A dbt build of 2024-06 logged after the previous release: 2024-06 and everything after come fresh."""
    built_home, _ = built
    home = DataPaths(tmp_path / "rebuilt")
    shutil.copytree(built_home.home, home.home, symlinks=True)
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("insert into warehouse_builds values ('test', epoch(current_timestamp), 'build', "
                    "date '2024-06-01', date '2024-06-01', false)")
    previous = publishing.release_record(home.published / "current")
    with duckdb.connect() as con:
        con.execute(f"attach '{home.warehouse}' as wh (read_only)")
        con.execute(f"attach '{home.published / 'current' / 'parkstats.duckdb'}' as prev (read_only)")
        assert publishing._first_changed_period(con, home, previous, ["2024-12"]) == 202406
    with duckdb.connect(str(home.warehouse)) as con:  # a full refresh since: nothing can be reused
        con.execute("insert into warehouse_builds values ('test', epoch(current_timestamp), 'build', null, "
                    "null, true)")
    with duckdb.connect() as con:
        con.execute(f"attach '{home.warehouse}' as wh (read_only)")
        con.execute(f"attach '{home.published / 'current' / 'parkstats.duckdb'}' as prev (read_only)")
        assert publishing._first_changed_period(con, home, previous, ["2024-12"]) is None
