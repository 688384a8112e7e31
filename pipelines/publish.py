"""Publishing: copy the marts out of the live warehouse into a release that readers use.

A release is a folder `published/releases/<id>/` holding each mart as Parquet and a DuckDB file of them;
`published/current` is a symbolic link swapped atomically (rename over the old link), so readers see the
previous release or the new one, never a mix, and never open the warehouse dbt writes to.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.settings import DataPaths

KEEP_RELEASES = 5


def current_release(paths: DataPaths) -> Path:
    link = paths.published / "current"
    if not link.exists():
        raise FileNotFoundError(
            f"nothing is published yet under {paths.published}; run `parkstats run` (or `make run`) first"
        )
    return link.resolve()


def published_db(paths: DataPaths) -> Path:
    return current_release(paths) / "parkstats.duckdb"


def publish(paths: DataPaths, tables: list[str], months: list[str]) -> dict:
    release_id = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    releases = paths.published / "releases"
    staging = releases / f".{release_id}.tmp"
    staging.mkdir(parents=True)
    db_path = staging / "parkstats.duckdb"
    counts: dict[str, int] = {}
    with duckdb.connect(str(db_path)) as con:
        con.execute(f"attach '{paths.warehouse}' as wh (read_only)")
        for table in tables:
            con.execute(f'create table "{table}" as select * from wh.main."{table}"')
            con.execute(f"copy \"{table}\" to '{staging / (table + '.parquet')}' (format parquet, compression zstd)")
            counts[table] = con.execute(f'select count(*) from "{table}"').fetchone()[0]
        con.execute("detach wh")
    record = {"release_id": release_id, "published_at": datetime.now().isoformat(timespec="seconds"),
              "months_built": months, "tables": counts}
    (staging / "release.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    final = releases / release_id
    os.replace(staging, final)
    link = paths.published / "current"
    tmp_link = paths.published / f".current.{release_id}"
    tmp_link.symlink_to(final.relative_to(paths.published), target_is_directory=True)
    os.replace(tmp_link, link)  # atomic: readers see the old or the new release
    for old in sorted(p for p in releases.iterdir() if not p.name.startswith("."))[:-KEEP_RELEASES]:
        shutil.rmtree(old, ignore_errors=True)
    return record


def connect_published(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current release: readers never lock or see the live warehouse."""
    return duckdb.connect(str(published_db(paths)), read_only=True)
