"""Crash points: where the crash-safety tests kill a run, the way `kill -9` or the OOM killer would.

`PARKSTATS_FAULT=<point>` makes the run die at that point with SIGKILL, together with the processes it started
(dbt, parse workers) when it leads its own process group, as a run started by the tests does. Unset (always, in
normal use) a crash point costs one dictionary look-up. The points are listed in `POINTS`; tests/test_crash_safety.py
kills at each and checks that a rerun ends exactly where an uninterrupted run does.
"""

from __future__ import annotations

import os
import signal

POINTS = {
    "ingest.lake_written": "ingestion: lake rows of the first month written, the other months and manifest not",
    "dbt.models_built": "dbt build: after a few models, with the rest of the build still running",
    "publish.staging_written": "publishing: the release's first tables written, not yet swapped in",
    "publish.swapped": "publishing: the new release is current, old releases not yet pruned",
}
ENV = "PARKSTATS_FAULT"


def crash_point(name: str) -> None:
    """Die here if the environment asks for it (test seam; see the module docstring)."""
    if os.environ.get(ENV) != name:
        return
    if name not in POINTS:
        raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}")
    if os.getpgrp() == os.getpid():  # a group of our own: take the children with us, as a crash of the run would
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
