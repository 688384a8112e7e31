"""Measuring: peak memory of the process tree, stage times from Dagster's event log and dbt's run results.

Memory is the summed resident set (RSS) of this process and all its descendants (dbt, generator workers),
sampled by a background thread; a stage's peak is the largest sample inside its time window. /proc is read
directly (psutil is not a dependency); summing RSS counts pages shared between processes twice, which only
overstates the peak.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1 << 30


def _tree_pids(root: int) -> list[int]:
    """root and its descendants, from the parent ids in /proc/<pid>/stat (no /proc/…/children here)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # the process ended meanwhile
            continue
        # the command name may contain spaces and parentheses: fields start after the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def tree_rss(root: int | None = None) -> int:
    total = 0
    for pid in _tree_pids(root or os.getpid()):
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
    return total


class MemorySampler:
    """Samples the RSS of the process tree every ``interval`` seconds in a daemon thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (epoch seconds, bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss()))
            self._stop.wait(self.interval)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> int:
        """Largest sample in [start, end]; the nearest one before start when the window is shorter than a tick."""
        inside = [rss for t, rss in self.samples if start <= t <= end]
        if inside:
            return max(inside)
        before = [rss for t, rss in self.samples if t <= end]
        return before[-1] if before else 0


def rusage_peaks() -> dict[str, float]:
    """Kernel high-water marks (GiB): this process, and the largest single child that has been waited for."""
    return {
        "self_maxrss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB,
        "children_maxrss_gib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / GIB,
    }


@dataclass
class Stage:
    name: str
    seconds: float
    peak_gib: float
    start: float  # epoch seconds
    end: float
    note: str = ""
    category: str = ""  # startup, ingest, checks, dbt, publish, other, total

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


class Recorder:
    """Turns time windows into stages with their peak memory."""

    def __init__(self, sampler: MemorySampler) -> None:
        self.sampler = sampler

    def stage(self, name: str, start: float, end: float, note: str = "") -> Stage:
        return Stage(name, end - start, self.sampler.peak(start, end) / GIB, start, end, note)

    @contextmanager
    def timed(self, name: str, note: str = "") -> Iterator[dict]:
        """``with recorder.timed("x") as out:`` → ``out["stage"]`` once the block is done."""
        out: dict = {}
        start = time.time()
        try:
            yield out
        finally:
            out["stage"] = self.stage(name, start, time.time(), note)


# --- Dagster run → step windows --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunWindows:
    run_start: float
    run_end: float
    steps: dict[str, tuple[float, float]]  # step key → (start, end)
    last_materialization: dict[str, float]  # step key → time of its last asset materialization
    step_failures: list[str]


def run_windows(run_id: str) -> RunWindows:
    """Step start/end times of a finished run, from the event log of the instance in DAGSTER_HOME."""
    import dagster as dg
    from dagster._core.events import DagsterEventType as E

    instance = dg.DagsterInstance.get()
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    last_mat: dict[str, float] = {}
    failures: list[str] = []
    run_start = run_end = None
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind, step, ts = event.event_type, event.step_key, entry.timestamp
        if kind == E.RUN_START:
            run_start = ts
        elif kind in (E.RUN_SUCCESS, E.RUN_FAILURE):
            run_end = ts
        elif kind == E.STEP_START and step:
            starts[step] = ts
        elif kind in (E.STEP_SUCCESS, E.STEP_FAILURE) and step:
            ends[step] = ts
            if kind == E.STEP_FAILURE:
                failures.append(step)
        elif kind == E.ASSET_MATERIALIZATION and step:
            last_mat[step] = ts
    if run_start is None or run_end is None:
        raise RuntimeError(f"run {run_id} has no start or end event in {os.environ.get('DAGSTER_HOME')}")
    steps = {k: (starts[k], ends[k]) for k in starts if k in ends}
    return RunWindows(run_start, run_end, steps, last_mat, failures)


# --- dbt run results -----------------------------------------------------------------------------------


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def dbt_results(target: Path) -> dict:
    """Summary of target/run_results.json: first node start, node times (execute), counts by type/status."""
    data = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    first_start = None
    nodes: dict[str, float] = {}
    counts: dict[str, int] = {}
    for result in data["results"]:
        uid = result["unique_id"]
        kind = uid.split(".")[0]
        counts[f"{kind}:{result['status']}"] = counts.get(f"{kind}:{result['status']}", 0) + 1
        for timing in result.get("timing", []):
            if timing.get("started_at"):
                start = _epoch(timing["started_at"])
                first_start = start if first_start is None else min(first_start, start)
        if kind == "model":
            nodes[uid.split(".")[-1]] = float(result.get("execution_time") or 0.0)
    return {"elapsed": float(data.get("elapsed_time") or 0.0), "first_node_start": first_start,
            "model_seconds": nodes, "counts": counts}
