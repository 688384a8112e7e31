"""Content fingerprints of a data folder, for the crash-safety tests: what a rerun after a kill must reproduce.

Fingerprints are of content, not bytes: tables are read and sorted, so two runs that write the same rows in
another order or another Parquet row grouping agree. Left out, because they record when something happened and
not what was computed: `rejected_at` (the lake's time of refusal), the warehouse's build log `warehouse_builds` (one
row per dbt invocation, killed ones included) and the release's id, time and predecessor.
Doubles are compared to 12 significant digits: DuckDB sums in parallel, in no fixed order, so two uninterrupted
runs can differ in a double's last bits (560745.46 vs 560745.4599999997); published figures have 1–2 decimals.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

WALL_CLOCK_COLUMNS = {"rejected_at"}
RELEASE_RUN_FIELDS = {"release_id", "published_at", "previous_release"}
LOG_TABLES = {"warehouse_builds"}


def _canonical(value: object) -> object:
    return f"{value:.12g}" if isinstance(value, float) else value


def _digest(rows: list[tuple]) -> str:
    return hashlib.sha256(repr([tuple(map(_canonical, row)) for row in rows]).encode()).hexdigest()[:16]


def _table_digest(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[str, int]:
    columns = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall() if r[0] not in WALL_CLOCK_COLUMNS]
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f"select {select} from {relation} order by all").fetchall()
    return _digest(rows), len(rows)


def lake_fingerprint(home: Path) -> dict[str, tuple[str, int]]:
    with duckdb.connect() as con:
        return {p.relative_to(home).as_posix(): _table_digest(con, f"read_parquet('{p}')")
                for p in sorted((home / "lake").rglob("*.parquet"))}


def raw_fingerprint(home: Path) -> dict[str, str]:
    return {p.relative_to(home).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((home / "raw").rglob("*")) if p.is_file()}


def database_fingerprint(db: Path) -> dict[str, tuple[str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = "
            "'BASE TABLE' order by 1").fetchall()]
        return {t: _table_digest(con, f'"{t}"') for t in tables if t not in LOG_TABLES}


def release_fingerprint(home: Path) -> dict:
    current = (home / "published" / "current").resolve()
    record = json.loads((current / "release.json").read_text(encoding="utf-8"))
    return {"record": {k: v for k, v in record.items() if k not in RELEASE_RUN_FIELDS},
            "tables": database_fingerprint(current / "parkstats.duckdb"),
            "parquet": {p.relative_to(current).as_posix(): _parquet_digest(p)
                        for p in sorted(current.rglob("*.parquet"))}}


def _parquet_digest(path: Path) -> tuple[str, int]:
    with duckdb.connect() as con:
        return _table_digest(con, f"read_parquet('{path}')")


def fingerprint(home: Path) -> dict:
    """Lake, raw archive, warehouse and current release of a data folder."""
    return {"lake": lake_fingerprint(home), "raw": raw_fingerprint(home),
            "warehouse": database_fingerprint(home / "warehouse" / "parkstats.duckdb"),
            "release": release_fingerprint(home)}


def differences(left: dict, right: dict, path: str = "") -> list[str]:
    """Where two fingerprints differ, as readable paths (empty when they agree)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                out.append(f"{path}/{key}: only in {'second' if key not in left else 'first'}")
            else:
                out += differences(left[key], right[key], f"{path}/{key}")
        return out
    return [] if left == right else [f"{path}: {left!r} != {right!r}"[:300]]
