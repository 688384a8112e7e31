"""The landing folder: what has arrived, what it is (layout, zones, months), and where it goes next.

Identifying a file means parsing it, so results are cached in `<home>/state/landing_index.json`, keyed by path,
size and modification time; the sensor and the ingestion asset share that cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pipelines.ingest.guards import (
    GuardError,
    bounded_parse,
    bounded_parse_many,
    check_file,
    check_merged_cells,
)
from pipelines.ingest.layouts import load_layouts
from pipelines.ingest.ledger import LedgerError, ParsedLedger, detect_layout, read_ledger
from pipelines.settings import DataPaths

IGNORED_PREFIXES = (".", "~$")  # hidden files and Excel's lock files


@dataclass
class LandedFile:
    rel: str  # path relative to the landing folder
    sha256: str
    size: int
    mtime_ns: int
    layout_id: str | None = None
    months: list[str] = field(default_factory=list)  # reporting months (YYYY-MM) the file holds
    zones: list[str] = field(default_factory=list)
    error: str | None = None  # why the file cannot be ingested (it goes to quarantine)

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1e9)

    @property
    def name(self) -> str:
        return Path(self.rel).name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_file(path: Path, name: str | None = None) -> ParsedLedger:
    layouts = load_layouts()
    try:
        # refused before parsing (size, container, zip bomb, password) or while parsing (time, memory, cells)
        check_file(path, {s for layout in layouts for s in layout.suffixes})
        layout, grid = detect_layout(path, layouts, file_name=name)
    except GuardError as exc:
        raise LedgerError(name or path.name, exc.message, sheet=exc.sheet, line=exc.line, field=exc.field) from exc
    parsed = read_ledger(path, layout, file_name=name, grid=grid)
    check_merged_cells(parsed, grid)
    return parsed


def identify(path: Path, rel: str) -> tuple[LandedFile, ParsedLedger | None]:
    stat = path.stat()
    landed = LandedFile(rel=rel, sha256=sha256_of(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    try:
        parsed = parse_file(path, rel)
    except LedgerError as exc:
        landed.error = str(exc)
        return landed, None
    landed.layout_id = parsed.layout.id
    landed.months = sorted({p.key for p in parsed.periods})
    landed.zones = sorted({z for z, _, _ in parsed.zone_periods})
    if not landed.months:
        landed.error = f"{rel}: no row could be read: " + "; ".join(str(r) for r in parsed.rejections[:5])
    return landed, parsed


def parse_job(path: Path, rel: str, known: bool) -> tuple[LandedFile | None, ParsedLedger | None, str | None]:
    """Identify a new file (hash + parse), or re-parse a known one; a file that fails comes back as text. The
    parsed rows come back sealed (as Arrow columns) for the batch writer."""
    if not known:
        landed, parsed = identify(path, rel)
    else:
        landed = None
        try:
            parsed = parse_file(path, rel)
        except LedgerError as exc:  # the file changed between scans in a way that breaks it
            return None, None, str(exc)
    if parsed is not None:
        parsed.seal()
    return landed, parsed, None


def parse_job_bounded(path: Path, rel: str, known: bool) -> tuple[LandedFile | None, ParsedLedger | None, str | None]:
    """parse_job in a reader worker (guards.bounded_parse); a file that stops its worker (time, memory, crash) is
    answered as parse_job answers an unreadable file, with the guard's message."""
    try:
        return bounded_parse((path, rel, known))
    except GuardError as exc:
        error = str(LedgerError(rel, exc.message, sheet=exc.sheet, line=exc.line, field=exc.field))
    if known:
        return None, None, error
    stat = path.stat()
    landed = LandedFile(rel=rel, sha256=sha256_of(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns, error=error)
    return landed, None, None


def parse_jobs_bounded(jobs: list[tuple[Path, str, bool]]) -> list[tuple[LandedFile | None, ParsedLedger | None,
                                                                    str | None]]:
    """parse_job_bounded for each of a few files, in one request to a reader worker (guards.bounded_parse_many);
    if that request stops its worker, file by file, so that only the file at fault is refused."""
    results = bounded_parse_many(jobs)
    if results is None:
        return [parse_job_bounded(*job) for job in jobs]
    return results


def _own_tmp(path: Path) -> Path:
    """A hidden temporary name beside `path` that belongs to this process: two processes writing the same file at
    once each rename their own copy into place, never the other's."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


class LandingIndex:
    """Cache of identifications, so a file is parsed once however often the folder is scanned."""

    def __init__(self, paths: DataPaths):
        self.path = paths.home / "state" / "landing_index.json"
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))

    @staticmethod
    def key(rel: str, size: int, mtime_ns: int) -> str:
        return f"{rel}|{size}|{mtime_ns}"

    def get(self, rel: str, stat: os.stat_result) -> LandedFile | None:
        entry = self.entries.get(self.key(rel, stat.st_size, stat.st_mtime_ns))
        return LandedFile(**entry) if entry else None

    def put(self, landed: LandedFile) -> None:
        self.entries[self.key(landed.rel, landed.size, landed.mtime_ns)] = asdict(landed)

    def save(self, present: set[str]) -> None:
        # forget files that have left the landing folder
        self.entries = {k: v for k, v in self.entries.items() if v["rel"] in present}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _own_tmp(self.path)  # a cache: the last process to save wins (the sensor and a run may save at once)
        tmp.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def landing_files(landing: Path) -> list[tuple[Path, str]]:
    if not landing.exists():
        return []
    found = []
    for path in sorted(landing.rglob("*")):
        if path.is_file() and not path.name.startswith(IGNORED_PREFIXES):
            found.append((path, path.relative_to(landing).as_posix()))
    return found


def scan_landing(paths: DataPaths) -> list[LandedFile]:
    """Identify every file in the landing folder (cached), without moving anything."""
    index = LandingIndex(paths)
    result = []
    for path, rel in landing_files(paths.landing):
        landed = index.get(rel, path.stat())
        if landed is None:
            landed, _ = identify(path, rel)
            index.put(landed)
        result.append(landed)
    index.save({f.rel for f in result})
    return result


def archive_path(paths: DataPaths, landed: LandedFile) -> Path:
    suffix = Path(landed.rel).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""  # never control or shell characters
    return paths.raw / landed.sha256[:2] / f"{landed.sha256}{suffix}"


NAME_MAX_BYTES = 255  # a file name's limit on Linux, macOS and Windows file systems
UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|;&$`'!]")  # controls, separators, shell and Windows specials


def _safe_name(rel: str, prefix: str, reserve: int) -> str:
    """`prefix` + the landing file's name, as one file name: no separators (so no `..` or absolute part can
    leave the folder), no control or shell characters (spaces and Chinese stay), and short enough for the file
    system with `reserve` bytes to spare."""
    name = UNSAFE_IN_NAMES.sub("_", rel.replace("\\", "/").rsplit("/", 1)[-1]) or "_"
    stem, suffix = re.fullmatch(r"(.*?)(\.[A-Za-z0-9]{1,8})?", name).groups(default="")
    budget = NAME_MAX_BYTES - reserve - len(prefix.encode()) - len(suffix)
    return f"{prefix}{stem.encode()[:budget].decode(errors='ignore')}{suffix}"


def archive(paths: DataPaths, src: Path, landed: LandedFile) -> Path:
    """Keep one file's exact bytes under its hash (archive_all for one file)."""
    return archive_all(paths, [(src, landed)])[0]


SYNC_THREADS = 16  # fsyncs in flight at once: the file system commits them together


def archive_all(paths: DataPaths, files: list[tuple[Path, LandedFile]]) -> list[Path]:
    """Keep the files' exact bytes under their hashes: write every copy, fsync them all, rename them into place,
    fsync their folders; when this returns, every copy and its name are on disk. The landing copies stay until
    the lake and manifest are written, so a crash in between loses nothing.

    The fsyncs run concurrently: the file system then commits them in a few journal transactions instead of one
    each, which is most of the cost of archiving a month of small files one by one."""
    dests = [archive_path(paths, landed) for _, landed in files]
    pending: dict[Path, Path] = {}  # archive path -> temporary copy (a file given twice is copied once)
    folders: set[Path] = set()
    if not paths.raw.is_dir():
        paths.raw.mkdir(parents=True, exist_ok=True)
        folders.add(paths.raw.parent)
    for (src, _), dest in zip(files, dests, strict=True):
        if dest.exists() or dest in pending:
            continue
        if not dest.parent.is_dir():
            dest.parent.mkdir(parents=True, exist_ok=True)
            folders.add(dest.parent.parent)  # the new folder's own name
        tmp = _own_tmp(dest)
        shutil.copyfile(src, tmp)
        pending[dest] = tmp
    if not pending:
        return dests
    _fsync_all(list(pending.values()))
    for dest, tmp in pending.items():
        os.replace(tmp, dest)
        folders.add(dest.parent)
    _fsync_all(sorted(folders))
    return dests


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_all(paths: list[Path]) -> None:
    if len(paths) == 1:
        _fsync(paths[0])
        return
    with ThreadPoolExecutor(max_workers=min(SYNC_THREADS, len(paths))) as pool:
        list(pool.map(_fsync, paths))  # list(): re-raises the first OSError


def quarantine(paths: DataPaths, src: Path, landed: LandedFile) -> Path:
    """Move an unreadable file out of landing, with a JSON report of why beside it."""
    paths.quarantine.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    dest = paths.quarantine / _safe_name(landed.rel, f"{stamp}-{landed.sha256[:8]}-", len(".error.json"))
    if dest.parent.resolve() != paths.quarantine.resolve():
        raise ValueError(f"refusing to quarantine {landed.rel!r} outside {paths.quarantine}")
    report = {"file": landed.rel, "sha256": landed.sha256, "size_bytes": landed.size,
              "received_at": landed.received_at.isoformat(), "quarantined_at": datetime.now().isoformat(),
              "error": landed.error}
    # the reason first, then the file: a crash in between leaves a report without a file, never the reverse
    dest.with_name(dest.name + ".error.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                                         encoding="utf-8")
    shutil.move(src, dest)
    return dest
