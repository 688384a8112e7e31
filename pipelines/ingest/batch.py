"""Ingesting the landing folder for a set of reporting months: archive, manifest, lake rows, quarantine.

Order of writes, so that a crash at any point loses nothing and a rerun repeats nothing: copy the batch's files
into the raw archive and make the copies durable (fsynced, with their folders) → rewrite the month's lake rows
(replacing any rows of the same file) → rewrite the month's manifest → only then remove the files from landing. A file counts as ingested once its hash is in the manifest.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.faults import crash_point
from pipelines.ingest.guards import in_workers, retire_workers
from pipelines.ingest.landing import (
    LandedFile,
    LandingIndex,
    archive_all,
    landing_files,
    parse_job,
    parse_jobs_bounded,
    quarantine,
)
from pipelines.ingest.ledger import ParsedLedger, Rejection
from pipelines.ingest.values import Period
from pipelines.lake import append_month, ensure_lake, read_month
from pipelines.lake_schema import LAKE_TABLES, ZONE_BOUND_KEYS
from pipelines.settings import DataPaths, duckdb_config


@dataclass
class IngestReport:
    months: list[str]
    ingested: list[dict] = field(default_factory=list)  # one entry per new file
    duplicates: list[str] = field(default_factory=list)  # files whose exact bytes were ingested before
    quarantined: list[dict] = field(default_factory=list)  # file and error
    rejections: list[str] = field(default_factory=list)  # rows refused, as messages
    rows_by_table: dict[str, dict[str, int]] = field(default_factory=dict)  # lake table -> month -> rows
    deferred: int = 0  # files of other months, left in landing for their own run

    def summary(self) -> str:
        rows = sum(n for months in self.rows_by_table.values() for n in months.values())
        return (f"{len(self.ingested)} new files, {rows} rows, "
                f"{len(self.rejections)} rows rejected, {len(self.duplicates)} duplicates, "
                f"{len(self.quarantined)} quarantined, {self.deferred} files of other months left in landing")


def known_hashes(lake: Path) -> set[str]:
    files = sorted((lake / "manifest").glob("[0-9]*/data.parquet"))
    known: set[str] = set()
    for f in files:
        known.update(pq.read_table(f, columns=["file_sha256"])["file_sha256"].to_pylist())
    return known


def _vintages(lake: Path, month: str) -> dict[tuple[str, str, str], int]:
    """(ledger, zone, file) → vintage for files already in the month's manifest; the caller numbers new ones."""
    m = read_month(lake, "manifest", month).to_pydict()
    return {(led, z, s): v for led, z, s, v in zip(m["ledger"], m["zone_code"], m["file_sha256"], m["vintage"],
                                                   strict=True)}


class _MonthVintages:
    """A month's vintages: a file keeps its number, a new file of a zone and ledger gets the next one. The
    newest number per zone and ledger is kept as files are numbered, so numbering a month's thousands of files
    does not rescan all the others for each."""

    def __init__(self, known: dict[tuple[str, str, str], int]):
        self.by_file = dict(known)  # (ledger, zone, file) -> vintage
        self.newest: dict[tuple[str, str], int] = {}
        for (ledger, zone, _), vintage in known.items():
            self.newest[(ledger, zone)] = max(self.newest.get((ledger, zone), 0), vintage)

    def number(self, ledger: str, zone: str, sha256: str) -> int:
        vintage = self.by_file.get((ledger, zone, sha256)) or self.newest.get((ledger, zone), 0) + 1
        self.by_file[(ledger, zone, sha256)] = vintage
        self.newest[(ledger, zone)] = max(self.newest.get((ledger, zone), 0), vintage)
        return vintage


PARALLEL_MIN_FILES = 24  # below this, starting worker processes costs more than it saves
FILES_PER_REQUEST = 16  # files a reader worker parses per request: fewer round trips, still short requests


Job = tuple[Path, str, bool]  # path, path relative to landing, known (re-parse) or new (identify)
JobResult = tuple[LandedFile | None, ParsedLedger | None, str | None]


def _parse_job(job: Job) -> JobResult:
    return parse_job(*job)


def _parse_all(jobs: list[Job]) -> list[JobResult]:
    """Parse on every core: parsing (calamine, unit and value rules) is most of ingestion's work. Each file goes
    whole to a bounded reader worker, FILES_PER_REQUEST at a time (landing.parse_jobs_bounded), one thread per
    worker waiting for its answers; when reads are configured to run in this process, a spawn pool parses
    instead."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_MIN_FILES or workers < 2:
        return [_parse_job(job) for job in jobs]
    if in_workers():
        chunks = [jobs[i : i + FILES_PER_REQUEST] for i in range(0, len(jobs), FILES_PER_REQUEST)]
        try:
            with ThreadPoolExecutor(max_workers=workers) as threads:
                return [result for chunk in threads.map(parse_jobs_bounded, chunks) for result in chunk]
        finally:
            retire_workers()
    context = multiprocessing.get_context("spawn")  # not fork: the Dagster process runs threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_parse_job, jobs, chunksize=max(1, len(jobs) // (workers * 8))))


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a month is ingested. Ingestion makes tens of thousands of objects that
    live until it ends (landed files, parsed ledgers, manifest rows), so the collector keeps running full
    collections, each of which walks them and the rest of the process (in Dagster, the definitions and the dbt
    manifest): 2–3 s of a national month's 23 s, measured. Reference counting still frees what ingestion drops; the
    collector is back on when it returns."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def ingest_months(paths: DataPaths, months: list[str]) -> IngestReport:
    """Ingest every landing file that reports one of `months`; quarantine every unreadable one."""
    with _cycle_collector_paused():
        return _ingest_months(paths, months)


def _ingest_months(paths: DataPaths, months: list[str]) -> IngestReport:
    ensure_lake(paths.lake)
    report = IngestReport(months=months)
    wanted = set(months)
    index = LandingIndex(paths)
    known = known_hashes(paths.lake)
    files = [(path, rel, index.get(rel, path.stat())) for path, rel in landing_files(paths.landing)]
    # 1. identify the files not seen before (this parses them)
    new = [(path, rel, False) for path, rel, landed in files if landed is None]
    identified = {rel: (landed, parsed) for (_, rel, _), (landed, parsed, _) in zip(new, _parse_all(new), strict=True)}
    for landed, _ in identified.values():
        index.put(landed)
    index.save({rel for _, rel, _ in files})
    # 2. sort out duplicates, quarantine and files of other months; parse the wanted files seen before
    batch: list[tuple[Path, LandedFile, ParsedLedger]] = []
    reparse: list[tuple[Path, LandedFile]] = []
    for path, rel, cached in files:
        landed, parsed = (cached, None) if cached is not None else identified[rel]
        if landed.error:
            quarantine(paths, path, landed)
            report.quarantined.append({"file": rel, "error": landed.error})
        elif landed.sha256 in known:
            path.unlink()  # the same bytes were ingested before: a no-op
            report.duplicates.append(rel)
        elif not wanted.intersection(landed.months):
            report.deferred += 1
        elif parsed is None:
            reparse.append((path, landed))
        else:
            batch.append((path, landed, parsed))
    results = _parse_all([(path, landed.rel, True) for path, landed in reparse])
    for (path, landed), (_, parsed, error) in zip(reparse, results, strict=True):
        if error:
            landed.error = error
            quarantine(paths, path, landed)
            report.quarantined.append({"file": landed.rel, "error": error})
        else:
            batch.append((path, landed, parsed))
    if batch:
        batch.sort(key=lambda b: (b[1].mtime_ns, b[1].rel))
        _reject_zone_moves(paths.lake, batch)
        _write_batch(paths, batch, report)
    return report


def _known_owners(lake: Path, table: str, key: str) -> dict[str, tuple[str, str]]:
    """key → (zone, first file) for records already in the lake."""
    import duckdb

    glob = str(lake / table / "*" / "*.parquet")
    with duckdb.connect(config=duckdb_config()) as con:
        rows = con.execute(
            f"select {key}, arg_min(zone_code, received_at), arg_min(source_file, received_at) "
            f"from read_parquet(?, union_by_name = true, hive_partitioning = false) "
            f"where {key} is not null group by 1", [glob]).fetchall()
    return {k: (zone, source) for k, zone, source in rows}


def _reject_zone_moves(lake: Path, batch: list[tuple[Path, LandedFile, ParsedLedger]]) -> None:
    """A record key bound to a zone (a project id) that appears under another zone is refused, row by row."""
    owners: dict[str, dict[str, tuple[str, str]]] = {}
    for _, landed, parsed in batch:
        table = parsed.layout.ledger
        key = ZONE_BOUND_KEYS.get(table)
        parsed.seal()
        if key is None or not parsed.table.num_rows:
            continue
        if table not in owners:
            owners[table] = _known_owners(lake, table, key)
        known = owners[table]
        keys, zones = parsed.table[key].to_pylist(), parsed.table["zone_code"].to_pylist()
        kept = [True] * len(keys)
        for i, (record_key, zone) in enumerate(zip(keys, zones, strict=True)):
            owner = known.get(record_key)
            if owner and owner[0] != zone:
                kept[i] = False
                row = parsed.table.slice(i, 1).to_pylist()[0]
                parsed.rejections.append(Rejection(
                    landed.rel, row["sheet"], row["source_line"], key, record_key,
                    f"{record_key} belongs to zone {owner[0]} (first in {owner[1]}); a project cannot move to "
                    f"{zone}; the row is not ingested", Period(row["year"], 1, row["month"])))
                continue
            known.setdefault(record_key, (zone, landed.rel))
        if not all(kept):
            parsed.table = parsed.table.filter(pa.array(kept))


def _lake_rows(parsed: pa.Table, schema: pa.Schema, file_cols: dict, vintage: int | list[int]) -> pa.Table:
    """A file's parsed rows with the file's own columns (lake_schema.FILE_COLUMNS): its constants, and its
    vintage (one for the whole file, or one per row)."""
    n = parsed.num_rows
    columns = {name: pa.repeat(pa.scalar(value, schema.field(name).type), n) for name, value in file_cols.items()}
    vintage_type = schema.field("vintage").type
    columns["vintage"] = (pa.array(vintage, vintage_type) if isinstance(vintage, list)
                          else pa.repeat(pa.scalar(vintage, vintage_type), n))
    return pa.Table.from_arrays([columns[f.name] if f.name in columns else parsed[f.name] for f in schema],
                                schema=schema)


def _write_batch(paths: DataPaths, batch: list[tuple[Path, LandedFile, ParsedLedger]], report: IngestReport) -> None:
    lake = paths.lake
    by_month_rows: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)  # (lake table, month) -> rows
    by_month_rejections: dict[str, list[dict]] = defaultdict(list)
    by_month_manifest: dict[str, list[dict]] = defaultdict(list)
    vintages: dict[str, _MonthVintages] = {}
    now = datetime.now()
    # every raw copy is durable before any lake file is replaced (the order at the top of this module)
    archived_paths = archive_all(paths, [(path, landed) for path, landed, _ in batch])
    for (_, landed, parsed), archived in zip(batch, archived_paths, strict=True):
        parsed.seal()
        rows = parsed.table
        table = parsed.layout.ledger
        schema = LAKE_TABLES[table]
        file_cols = {"file_sha256": landed.sha256, "source_file": landed.rel, "received_at": landed.received_at}
        # each row's zone and month (one of each, in most files): counted, and numbered as a vintage
        located = list(zip(*(rows[c].to_pylist() for c in ("zone_code", "year", "month")), strict=True))
        counts = Counter(located)
        month_of = {(year, month): f"{year:04d}-{month:02d}" for _, year, month in counts}
        zone_months = {(zone, month_of[(year, month)]): count for (zone, year, month), count in counts.items()}
        vintage_of: dict[tuple[str, str], int] = {}
        for zone, month in sorted(zone_months):
            if month not in vintages:
                vintages[month] = _MonthVintages(_vintages(lake, month))
            vintage_of[(zone, month)] = vintages[month].number(table, zone, landed.sha256)
        if located:  # none when every row was refused
            vintage = (vintage_of[next(iter(zone_months))] if len(zone_months) == 1 else
                       [vintage_of[(zone, month_of[(year, month)])] for zone, year, month in located])
            lake_rows = _lake_rows(rows, schema, file_cols, vintage)
            for (year, month), key in sorted(month_of.items()):
                by_month_rows[(table, key)].append(
                    lake_rows if len(month_of) == 1 else
                    lake_rows.filter((pc.field("year") == year) & (pc.field("month") == month)))
        rejected_by_month: dict[str, int] = defaultdict(int)
        for rej in parsed.rejections:
            month = rej.period.key if rej.period else (sorted(landed.months) or ["unknown"])[0]
            rejected_by_month[month] += 1
            by_month_rejections[month].append(
                {"file_sha256": landed.sha256, "source_file": landed.rel, "sheet": rej.sheet,
                 "source_line": rej.line, "field": rej.field, "raw_value": rej.raw_value, "message": rej.message,
                 "year": int(month[:4]), "month": int(month[5:]), "rejected_at": now})
            report.rejections.append(str(rej))
        for (zone, month), count in sorted(zone_months.items()):
            by_month_manifest[month].append(
                {**file_cols, "archived_path": archived.relative_to(paths.home).as_posix(),
                 "size_bytes": landed.size, "layout_id": landed.layout_id, "ledger": table, "zone_code": zone,
                 "year": int(month[:4]), "month": int(month[5:]), "vintage": vintage_of[(zone, month)],
                 "rows_accepted": count, "rows_rejected": rejected_by_month.get(month, 0)})
        report.ingested.append({"file": landed.rel, "sha256": landed.sha256, "layout": landed.layout_id,
                                "months": landed.months, "zones": landed.zones, "rows": rows.num_rows,
                                "rejected": len(parsed.rejections),
                                "vintages": sorted(set(vintage_of.values()))})
    shas = {landed.sha256 for _, landed, _ in batch}
    for (table, month), parts in sorted(by_month_rows.items()):
        written = append_month(lake, table, month, pa.concat_tables(parts), replace_sha=shas)
        report.rows_by_table.setdefault(table, {})[month] = written
        crash_point("ingest.lake_written")
    for month, rows in sorted(by_month_rejections.items()):
        append_month(lake, "rejections", month, rows, replace_sha=shas)
    # the manifest is written last: a file is "ingested" only once its rows are safely in the lake
    for month, rows in sorted(by_month_manifest.items()):
        append_month(lake, "manifest", month, rows, replace_sha=shas)
    for path, _, _ in batch:
        path.unlink(missing_ok=True)
