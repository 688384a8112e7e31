"""Crash safety (issue #8, part 3): a run killed with SIGKILL during ingestion, the dbt build or publishing, then run
again, ends exactly where an uninterrupted run ends — same lake, raw archive, warehouse and release content, no
duplicate rows — and readers never see a half-written release, before, during or after the kill.

Each run is the real `parkstats run` in a process group of its own; `PARKSTATS_FAULT` (pipelines/faults.py) makes
it kill that group (Dagster, dbt, parse workers) at a named point, as `kill -9` or the OOM killer would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.faults import ENV, POINTS
from pipelines.ingest.landing import sha256_of
from pipelines.marts import mart_specs
from tests.crash_snapshot import differences, fingerprint

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIRST, LAST = "2024-01", "2024-03"
PARKSTATS = str(Path(sys.executable).parent / "parkstats")


def run_cli(home: Path, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PARKSTATS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop(ENV, None)
    if fault:
        env[ENV] = fault
    # a session (and process group) of its own, as a run started by cron or a shell would have
    return subprocess.run([PARKSTATS, "run", "--from", FIRST, "--to", LAST], env=env, capture_output=True,
                          text=True, timeout=1200, start_new_session=True)


def fresh_home(root: Path, sample_dir: Path) -> Path:
    home = root / "data"
    shutil.copytree(sample_dir / "landing", home / "landing")  # copytree keeps mtimes = receipt times
    return home


class ReleaseWatcher(threading.Thread):
    """Reads the published release the way the CLI does, as fast as it can, and notes anything half-written:
    `current` pointing at a folder without its record, a table of the record missing or of another size."""

    def __init__(self, home: Path):
        super().__init__(daemon=True)
        self.current = home / "published" / "current"
        self.problems: list[str] = []
        self.releases_seen: set[str] = set()
        self.reads = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.check()
            time.sleep(0.02)

    def check(self) -> None:
        try:
            release = self.current.resolve(strict=True)
        except FileNotFoundError:
            return  # nothing published yet: a reader gets "nothing is published yet"
        try:
            record = json.loads((release / "release.json").read_text(encoding="utf-8"))
            with duckdb.connect(str(release / "parkstats.duckdb"), read_only=True) as con:
                for table, rows in record["tables"].items():
                    found = con.execute(f'select count(*) from "{table}"').fetchone()[0]
                    if found != rows:
                        self.problems.append(f"{release.name}: {table} has {found} rows, the record says {rows}")
        except FileNotFoundError as exc:
            if release.exists():  # a pruned old release vanishing under a slow reader is not a torn release
                self.problems.append(f"{release.name}: {exc}")
            return
        except (duckdb.Error, json.JSONDecodeError, KeyError) as exc:
            self.problems.append(f"{release.name}: {type(exc).__name__}: {exc}")
            return
        self.reads += 1
        self.releases_seen.add(release.name)

    def __enter__(self) -> ReleaseWatcher:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self._halt.set()
        self.join()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict:
    home = fresh_home(tmp_path_factory.mktemp("uninterrupted"), sample_dir)
    result = run_cli(home)
    assert result.returncode == 0, result.stdout + result.stderr
    return fingerprint(home)


def test_crash_points_are_documented_and_unknown_ones_refused(monkeypatch: pytest.MonkeyPatch):
    from pipelines.faults import crash_point

    monkeypatch.setenv(ENV, "ingest.nowhere")
    crash_point("dbt.models_built")  # another point than the one asked for: nothing happens
    with pytest.raises(ValueError, match=r"unknown crash point 'ingest\.nowhere'"):
        crash_point("ingest.nowhere")
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(point in readme for point in POINTS)


@pytest.mark.parametrize("fault", list(POINTS))
def test_a_run_killed_midway_reruns_to_what_an_uninterrupted_run_gives(fault: str, uninterrupted: dict,
                                                                        tmp_path: Path, sample_dir: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    home = fresh_home(tmp_path, sample_dir)
    with ReleaseWatcher(home) as watcher:
        killed = run_cli(home, fault)
        assert killed.returncode == -signal.SIGKILL, f"{fault} did not kill the run:\n{killed.stdout}{killed.stderr}"
        watcher.check()  # the state the kill left, read once more: the watcher may not have polled since the swap
        after_kill = set(watcher.releases_seen)
        rerun = run_cli(home)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert watcher.problems == []
    assert watcher.reads > 0 and watcher.releases_seen
    if fault == "publish.swapped":  # the new release was complete and current when the run died
        assert after_kill
    else:
        assert not after_kill, "nothing may be published before publishing finishes"

    assert differences(uninterrupted, fingerprint(home)) == []
    _assert_no_duplicates(home)
    _assert_nothing_left_over(home)
    _assert_killed_run_closed(home, monkeypatch)


def _assert_no_duplicates(home: Path) -> None:
    with duckdb.connect() as con:
        for table in ("zone_indicators", "firm_indicators", "project_snapshots", "manifest", "rejections"):
            files = sorted((home / "lake" / table).glob("[0-9]*/data.parquet"))
            if not files:
                continue
            rel = f"read_parquet({[str(f) for f in files]})"
            total, distinct = con.execute(
                f"select count(*), (select count(*) from (select distinct * exclude (rejected_at) from {rel}) )"
                f" from {rel}" if table == "rejections" else
                f"select count(*), (select count(*) from (select distinct * from {rel})) from {rel}").fetchone()
            assert total == distinct, f"lake {table}: {total - distinct} duplicate rows"
    release = (home / "published" / "current").resolve()
    with duckdb.connect(str(release / "parkstats.duckdb"), read_only=True) as con:
        for spec in mart_specs().values():
            keys = ", ".join(f'"{k}"' for k in spec.key)
            dupes = con.execute(f'select count(*) from (select {keys} from "{spec.name}" group by all '
                                f"having count(*) > 1)").fetchone()[0]
            assert dupes == 0, f"{spec.name}: {dupes} keys twice"


def _assert_nothing_left_over(home: Path) -> None:
    published = home / "published"
    assert not list((published / "releases").glob(".*")), "a killed run's staging folder is still there"
    assert not list(published.glob(".current.*"))
    assert not list((home / "lake").rglob(".*.tmp")), "a killed run's temporary lake file is still there"
    with duckdb.connect() as con:
        ingested = {r[0] for r in con.execute(
            f"select file_sha256 from read_parquet('{home / 'lake' / 'manifest'}/*/*.parquet')").fetchall()}
    left = [p.name for p in (home / "landing").rglob("*") if p.is_file() and sha256_of(p) in ingested]
    assert left == [], "ingested files left in landing"


def _assert_killed_run_closed(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The killed run is marked failed (not 'started' forever) and holds no pool slot the rerun would wait for."""
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_run_records(dg.RunsFilter(job_name="monthly_ledgers"))
        statuses = sorted(r.dagster_run.status.value for r in runs)
        assert statuses == ["FAILURE", "SUCCESS"]
        failed = next(r.dagster_run for r in runs if r.dagster_run.status == dg.DagsterRunStatus.FAILURE)
        messages = [e.message for e in instance.all_logs(failed.run_id)
                    if e.dagster_event and e.dagster_event.event_type_value == "PIPELINE_FAILURE"]
        assert any("died before it finished" in m for m in messages)
        for pool in ("lake", "warehouse"):
            assert instance.event_log_storage.get_concurrency_info(pool).claimed_slots == []
