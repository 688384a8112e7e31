"""Stopping the helper processes of a test (a DuckDB writer, the Dagster UI) without failing its teardown."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop(proc: subprocess.Popen, *, group: bool = False, grace: float = 30) -> None:
    """SIGTERM (to the process group with `group`), then SIGKILL after `grace` seconds. A process may take longer
    than that to exit when the disk is busy (its last fsync, the UI's SQLite writes): the test has already passed
    or failed on its own assertions, so its teardown waits rather than fails."""
    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # it exited on its own
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait()
