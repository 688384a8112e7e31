"""Dagster's SQLite storage, made cheap per event.

A monthly run records about a thousand events (planned assets, 300 asset checks from the dbt tests and the
suites, materializations, logs). Dagster's SQLite storage opens a new connection for each, commits it with
`synchronous=FULL` (an fsync of the write-ahead log per commit) and closes it, and closing the last
connection of a WAL database checkpoints it (two more fsyncs). Measured on this kind of machine: ~20 ms per
event, 20 s of a national run and over a minute of the sample's 24-month backfill.

Two remedies, both standard SQLite practice for WAL databases:
- `synchronous=NORMAL` on Dagster's connections: in WAL mode a commit is then not fsynced on its own but with
  the next checkpoint. An application crash (`kill -9`) loses nothing; a power cut may lose the latest events,
  never the database's consistency. The statistics themselves (lake, warehouse, releases) do not live here.
- during a run started here, one idle connection per database the run writes (runs.db, the index shard and
  the run's own shard) stays open, so closing Dagster's connections is not "the last one" and does not
  checkpoint each time; SQLite checkpoints automatically as the log grows, and when the run ends.

A correction, not a speed-up: Dagster claims a pool slot by selecting a free slot and then updating it by id, and
`SELECT … FOR UPDATE` means nothing to SQLite, so processes claiming at once could all get the one slot of a pool
of limit 1 (seen: two `parkstats run` of one month archiving the same files at once). On SQLite, the claims of
all processes of this machine take turns through a file lock beside the index shard.

Only SQLite files under DAGSTER_HOME are touched; a Postgres instance (PARKSTATS_DAGSTER_STORAGE=postgres) is
left as it is.

A third cost is in Python: for every connection it opens, Dagster's SQLite storage builds a new SQLAlchemy engine,
and with it an empty cache of compiled statements, so each of the ~5 statements an event takes is compiled again
(profiled on a 150-zone month: 17 s of a 43 s run in storing events, a third of it in compiling). The storage
classes here keep one engine per database file and hand out connections from it exactly as before (a new
connection each time, closed after use: `NullPool`), so only the engine and its statement cache are reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import dagster as dg
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

_registered = False


def _dagster_home() -> Path | None:
    home = os.environ.get("DAGSTER_HOME")
    return Path(home).resolve() if home else None


def _on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    home = _dagster_home()
    row = dbapi_connection.execute("pragma database_list").fetchone()
    if home is None or not row or not row[2] or not Path(row[2]).resolve().is_relative_to(home):
        return
    dbapi_connection.execute("pragma synchronous = normal")


ENGINES_KEPT = 16  # engines per process: the index and runs databases, and the shards of the latest runs


class _Engines:
    """One SQLAlchemy engine per SQLite URL, the least recently used dropped beyond ENGINES_KEPT."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engines: OrderedDict[str, Engine] = OrderedDict()

    def get(self, url: str, **connect_args: object) -> Engine:
        with self.lock:
            engine = self.engines.pop(url, None)
            if engine is None:
                engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
            self.engines[url] = engine
            while len(self.engines) > ENGINES_KEPT:
                self.engines.popitem(last=False)[1].dispose()
            return engine


_engines = _Engines()


def _install_engine_reuse() -> None:
    """Dagster's SQLite event log and run storage, connecting through a kept engine (see the module docstring).
    Their own methods, but for `create_engine` on each call (dagster 1.13's code, which this project pins)."""
    from dagster._core.storage.event_log.sqlite import sqlite_event_log as events_module
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    @contextlib.contextmanager
    def event_log_connect(self: events_module.SqliteEventLogStorage, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = _engines.get(self.conn_string_for_shard(shard),
                                  timeout=events_module.SQLITE_BUSY_TIMEOUT_SECONDS)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    @contextlib.contextmanager
    def run_storage_connect(self: SqliteRunStorage) -> Iterator[Connection]:
        with _engines.get(self._conn_string).connect() as conn, conn.begin():
            yield conn

    events_module.SqliteEventLogStorage._connect = event_log_connect
    SqliteRunStorage.connect = run_storage_connect


def _install_serialized_claims() -> None:
    """Pool slots claimed one process at a time (see the module docstring): Dagster's own claim, under an exclusive
    lock of `<index shard>.claims.lock`, so its select and update of a free slot are one step for other claimers."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
        INDEX_SHARD_NAME,
        SqliteEventLogStorage,
    )

    claim = SqliteEventLogStorage.claim_concurrency_slot

    def serialized_claim(self: SqliteEventLogStorage, concurrency_key: str, run_id: str, step_key: str,
                         priority: int | None = None):
        lock = Path(self.path_for_shard(INDEX_SHARD_NAME)).with_suffix(".claims.lock")
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
            return claim(self, concurrency_key, run_id, step_key, priority)

    SqliteEventLogStorage.claim_concurrency_slot = serialized_claim


def tune_sqlite_storage() -> None:
    """Every SQLite connection this process opens to Dagster's storage uses synchronous=NORMAL, through an engine
    kept for its file; pool slots are claimed one process at a time (idempotent)."""
    global _registered
    if not _registered:
        event.listen(Engine, "connect", _on_connect)
        _install_engine_reuse()
        _install_serialized_claims()
        _registered = True


def _open(path: Path) -> sqlite3.Connection:
    """An idle connection that has the database open (SQLite opens files lazily: a query makes it real). A new
    file is created in WAL mode, as Dagster would create it, so the connection shares its log index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("pragma journal_mode = wal")
    connection.execute("select count(*) from sqlite_master").fetchone()
    return connection


def _run_database_files(instance: dg.DagsterInstance, run_id: str) -> list[Path]:
    """runs.db, the event log's index shard and the run's shard, when the instance keeps them in SQLite."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
        INDEX_SHARD_NAME,
        SqliteEventLogStorage,
    )
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    files: list[Path] = []
    events = instance.event_log_storage
    if isinstance(events, SqliteEventLogStorage):
        files += [Path(events.path_for_shard(run_id)), Path(events.path_for_shard(INDEX_SHARD_NAME))]
    runs = instance.run_storage
    if isinstance(runs, SqliteRunStorage):
        files.append(Path(urlparse(runs._conn_string).path))  # no public accessor for the file
    return files


@contextlib.contextmanager
def held_open(instance: dg.DagsterInstance, run_id: str) -> Iterator[None]:
    """Keep the run's SQLite databases open for the duration of the block (see the module docstring)."""
    tune_sqlite_storage()
    connections = []
    try:
        for path in _run_database_files(instance, run_id):
            with contextlib.suppress(sqlite3.Error):  # an optimisation only: never a reason to fail the run
                connections.append(_open(path))
        yield
    finally:
        for connection in connections:
            connection.close()
