"""The transform limit of the incremental month: the SQL dbt ran for the models, replayed directly in DuckDB.

dbt logs every statement it sends (JSON log lines `SQLQuery`, with the node they belong to) in `dbt.log` beside
its target. Replaying the model statements of one invocation — the views, tables, temporary tables, deletes and
inserts of the incremental marts, exactly as compiled for that month — on a copy of the warehouse as it was
before the run gives the time DuckDB itself needs for the month's transformations, with nothing of dbt, Dagster,
the tests, the checks or publishing. Statements run one node at a time, in the order dbt started the nodes
(a node starts only after its parents finished), with the same DuckDB settings as dbt's profile.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from pipelines.settings import duckdb_config


def model_statements(log_dir: Path, invocation_id: str) -> dict[str, list[str]]:
    """node name → its SQL statements, in execution order, for the model nodes of one dbt invocation."""
    events: list[tuple[str, str, str]] = []  # (timestamp, node, sql)
    for log in sorted(log_dir.glob("dbt.log*")):  # dbt rotates its log: dbt.log, dbt.log.1, …
        with log.open(encoding="utf-8") as f:
            for line in f:
                if '"SQLQuery"' not in line or invocation_id not in line:
                    continue
                entry = json.loads(line)
                info, data = entry.get("info", {}), entry.get("data", {})
                if info.get("name") != "SQLQuery" or info.get("invocation_id") != invocation_id:
                    continue
                node = data.get("conn_name", "")
                if node.startswith("model."):
                    events.append((info["ts"], node.split(".")[-1], data["sql"]))
    events.sort(key=lambda e: e[0])
    statements: dict[str, list[str]] = defaultdict(list)
    for _, node, sql in events:
        statements[node].append(sql)
    return dict(statements)  # insertion order = order of each node's first statement


def invocation_id(target: Path) -> str:
    return json.loads((target / "run_results.json").read_text(encoding="utf-8"))["metadata"]["invocation_id"]


def replay(statements: dict[str, list[str]], warehouse_before: Path, database: Path) -> dict:
    """Run the statements on a copy of `warehouse_before` at `database`; seconds per node and in all."""
    shutil.rmtree(database.parent, ignore_errors=True)
    database.parent.mkdir(parents=True)
    shutil.copyfile(warehouse_before, database)
    per_model: dict[str, float] = {}
    start = time.perf_counter()
    with duckdb.connect(str(database), config=duckdb_config()) as con:
        for node, sqls in statements.items():
            t = time.perf_counter()
            for sql in sqls:
                con.execute(sql)
            per_model[node] = time.perf_counter() - t
    seconds = time.perf_counter() - start
    slowest = dict(sorted(per_model.items(), key=lambda kv: -kv[1])[:6])
    return {"seconds": seconds, "models": len(per_model), "statements": sum(map(len, statements.values())),
            "slowest": slowest, "model_seconds": per_model}
