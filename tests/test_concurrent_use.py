"""Concurrent use (issue #8, part 4): while a month is being built, the Dagster UI, `parkstats compare` and a DuckDB
reader on the published file keep answering; two runs of the same month never write at once — launched from the
UI the second waits in the run queue, launched from two shells the second's writing steps wait for the pools.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.processes import stop
from tests.test_ui import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PARKSTATS = str(Path(sys.executable).parent / "parkstats")
WRITING_STEPS = {"reference_data": "lake", "ingest_ledgers": "lake", "warehouse_models": "warehouse",
                 "check_results": "warehouse", "published": "warehouse"}


def env_of(home: Path) -> dict[str, str]:
    return {**os.environ, "PARKSTATS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}


def cli(home: Path, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([PARKSTATS, *args], env=env_of(home), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def published_home(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """A data folder with 2024-01 published and the sample's later months waiting in landing."""
    home = tmp_path_factory.mktemp("concurrent") / "data"
    shutil.copytree(sample_dir / "landing", home / "landing")
    first = cli(home, "run", "--from", "2024-01", "--to", "2024-01")
    assert first.returncode == 0, first.stdout + first.stderr
    return home


class Readers(threading.Thread):
    """What analysts do while the month builds: `parkstats compare` and SQL on the published DuckDB file."""

    def __init__(self, home: Path):
        super().__init__(daemon=True)
        self.home = home
        self.failures: list[str] = []
        self.compares = self.queries = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            result = cli(self.home, "compare", "--metric", "revenue_per_mu", "--format", "json", timeout=120)
            if result.returncode != 0 or not json.loads(result.stdout):
                self.failures.append(f"compare: {result.returncode} {result.stderr[-500:]}")
            self.compares += 1
            try:
                current = (self.home / "published" / "current").resolve()
                with duckdb.connect(str(current / "parkstats.duckdb"), read_only=True) as con:
                    con.execute("select count(*) from v_zone_metrics").fetchone()
                self.queries += 1
            except duckdb.Error as exc:
                self.failures.append(f"duckdb reader: {exc}")
            time.sleep(0.5)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def graphql(port: int, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on Error { message } } }"""
RUNS = """query($ids: [String!]) { runsOrError(filter: {runIds: $ids}) { ... on Runs { results {
  runId status startTime endTime } } } }"""
REPOSITORY = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"


def wait_for_ui(port: int, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the UI process exited"
        try:
            return graphql(port, REPOSITORY, timeout=5)["repositoriesOrError"]["nodes"][0]
        except (OSError, KeyError, IndexError):
            time.sleep(2)
    raise AssertionError("the UI did not come up within 180 s")


def test_ui_queues_a_second_run_of_the_month_while_readers_keep_working(published_home: Path):
    port = free_port()
    ui = subprocess.Popen([PARKSTATS, "ui", "--port", str(port)], env=env_of(published_home),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    readers = Readers(published_home)
    try:
        repo = wait_for_ui(port, ui)
        params = {"selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                               "jobName": "monthly_ledgers"},
                  "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2024-02-01"}]}}
        run_ids = []
        for _ in range(2):
            launched = graphql(port, LAUNCH, {"params": params})["launchRun"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            run_ids.append(launched["run"]["runId"])
        readers.start()
        seen: set[tuple[str, str]] = set()
        ui_answers, deadline = 0, time.monotonic() + 1200
        while time.monotonic() < deadline:
            asked = time.monotonic()
            runs = {r["runId"]: r for r in graphql(port, RUNS, {"ids": run_ids})["runsOrError"]["results"]}
            assert time.monotonic() - asked < 30, "the UI took more than 30 s to answer during the build"
            ui_answers += 1
            statuses = tuple(runs[i]["status"] for i in run_ids)
            seen.add(statuses)
            if all(s in ("SUCCESS", "FAILURE", "CANCELED") for s in statuses):
                break
            time.sleep(1)
        readers.stop()
        assert statuses == ("SUCCESS", "SUCCESS"), statuses
        # one of the two ran while the other waited in the queue, and they never overlapped
        assert any(set(pair) == {"STARTED", "QUEUED"} for pair in seen), seen
        first, second = sorted(runs.values(), key=lambda r: r["startTime"])
        assert second["startTime"] >= first["endTime"]
        assert readers.failures == []
        assert readers.compares >= 2 and readers.queries >= 2 and ui_answers >= 5
    finally:
        readers._halt.set()
        stop(ui, group=True, grace=60)


def _step_windows(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, datetime, datetime]]:
    """(pool, run, step, start, end) of every writing step of every run, from the event log."""
    windows = []
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with dg.DagsterInstance.get() as instance:
        for record in instance.get_run_records():
            run_id = record.dagster_run.run_id
            starts, ends = {}, {}
            for event in instance.all_logs(run_id):
                kind = event.dagster_event.event_type_value if event.dagster_event else None
                step = event.step_key
                if step in WRITING_STEPS and kind == "STEP_START":
                    starts[step] = event.timestamp
                elif step in WRITING_STEPS and kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                    ends[step] = event.timestamp
            windows += [(WRITING_STEPS[s], run_id, s, datetime.fromtimestamp(starts[s]), datetime.fromtimestamp(ends[s]))
                        for s in starts]
    return windows


def test_two_shells_running_the_same_month_take_turns_at_the_writers(published_home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    procs = [subprocess.Popen([PARKSTATS, "run", "--from", "2024-03", "--to", "2024-03"], env=env_of(published_home),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=1500)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], "\n".join(outputs)
    windows = _step_windows(published_home, monkeypatch)
    runs_with_writes = {run for _, run, *_ in windows}
    assert len(runs_with_writes) >= 3  # 2024-01 (fixture), 2024-02 (UI test or not), and both 2024-03 runs
    for pool in ("lake", "warehouse"):
        in_pool = sorted((start, end, run, step) for p, run, step, start, end in windows if p == pool)
        for (_s1, e1, r1, step1), (s2, _, r2, step2) in itertools.pairwise(in_pool):
            assert s2 >= e1, f"pool {pool}: {step2} of run {r2[:8]} started before {step1} of {r1[:8]} ended"
    # the month is in the release once, built from the same files
    with duckdb.connect(str((published_home / "published" / "current" / "parkstats.duckdb").resolve()),
                        read_only=True) as con:
        dupes = con.execute("select count(*) from (select zone_code, year, month, metric from fct_zone_ranking_monthly "
                            "group by all having count(*) > 1)").fetchone()[0]
        months = {r[0] for r in con.execute("select distinct month from fct_zone_ranking_monthly where year = 2024").fetchall()}
    assert dupes == 0 and 3 in months
