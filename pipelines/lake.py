"""Writing and reading the Parquet lake. Python is its only writer; dbt reads it.

Each lake table keeps one Parquet file per month (`<table>/YYYY-MM/data.parquet`), rewritten atomically
(write to a temporary name, then rename) so a reader never sees half a file, and a zero-row
`<table>/_schema/empty.parquet` so that dbt can read a lake with no data yet.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake_schema import LAKE_TABLES, REFERENCE_TABLES


def write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def ensure_lake(lake: Path) -> None:
    """The lake's tables with their empty schema files; temporary files of a writer killed midway removed (the
    callers hold the `lake` pool, so no other writer is using them)."""
    for stale in [*lake.glob("*/.*.tmp"), *lake.glob("*/*/.*.tmp")]:
        stale.unlink(missing_ok=True)
    for name, schema in LAKE_TABLES.items():
        empty = lake / name / "_schema" / "empty.parquet"
        if not empty.exists():
            write_atomic(schema.empty_table(), empty)


def month_file(lake: Path, table: str, month_key: str) -> Path:
    return lake / table / month_key / "data.parquet"


def read_month(lake: Path, table: str, month_key: str) -> pa.Table:
    path = month_file(lake, table, month_key)
    schema = LAKE_TABLES[table]
    if not path.exists():
        return schema.empty_table()
    return pq.read_table(path, schema=schema)


def append_month(lake: Path, table: str, month_key: str, rows: list[dict] | pa.Table, *,
                 replace_sha: set[str] = frozenset()) -> int:
    """Add rows (dicts, or a table of the lake schema) to a month's file; rows of files in `replace_sha` already
    there are dropped first (idempotence)."""
    schema = LAKE_TABLES[table]
    existing = read_month(lake, table, month_key)
    if replace_sha:
        import pyarrow.compute as pc

        keep = pc.invert(pc.is_in(existing["file_sha256"], value_set=pa.array(sorted(replace_sha))))
        existing = existing.filter(keep)
    new = rows.cast(schema) if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=schema)
    write_atomic(pa.concat_tables([existing, new]), month_file(lake, table, month_key))
    return new.num_rows


def write_reference(lake: Path, name: str, rows: list[dict]) -> Path:
    path = lake / "reference" / f"{name}.parquet"
    write_atomic(pa.Table.from_pylist(rows, schema=REFERENCE_TABLES[name]), path)
    return path
