"""`parkstats ui` (what `make ui` runs) serves the Dagster UI on 127.0.0.1 with every asset, check, sensor and
schedule of the code location loaded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import stop

pytestmark = pytest.mark.e2e

QUERY = """{ assetNodes { assetKey { path } hasAssetChecks
    assetChecksOrError { ... on AssetChecks { checks { name } } } }
  repositoriesOrError { ... on RepositoryConnection { nodes { sensors { name } schedules { name } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int) -> dict | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)["data"]
    except OSError:
        return None


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net/tcp, IPv4)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_ui_serves_the_code_location_on_loopback(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "PARKSTATS_HOME": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "data" / "dagster")}
    cli = Path(sys.executable).parent / "parkstats"
    proc = subprocess.Popen([str(cli), "ui", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        data = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            data = graphql(port)
            if data and data["assetNodes"]:
                break
            time.sleep(2)
        assert data and data["assetNodes"], "the UI did not load the code location within 120 s"
        keys = {"/".join(a["assetKey"]["path"]) for a in data["assetNodes"]}
        assert {"reference_data", "ledger_manifest", "lake_zone_indicators", "fct_zone_ranking_monthly",
                "published"} <= keys
        checks = {"/".join(a["assetKey"]["path"]): {c["name"] for c in a["assetChecksOrError"].get("checks", [])}
                  for a in data["assetNodes"]}
        assert "zone_indicators_suite" in checks["lake_zone_indicators"]  # the blocking GX suite
        assert {"zone_indicators_warehouse", "cross_source", "completeness",
                "project_snapshots_warehouse"} <= checks["check_results"]  # the warehouse rules
        [repo] = data["repositoriesOrError"]["nodes"]
        assert {s["name"] for s in repo["sensors"]} == {"landing_sensor"}
        assert {s["name"] for s in repo["schedules"]} == {"monthly_on_the_10th"}
        assert listening_addresses(port) == {"127.0.0.1"}
    finally:
        stop(proc, group=True)
