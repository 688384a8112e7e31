"""Guards around reading a landing file: what is refused before parsing, and the bounds parsing runs under.

Before parsing (`check_file`, called by landing.parse_file): the size limit, then the container, judged from the
first bytes and the archive's table of contents, never by decompressing. An xlsx/xlsm/xlsb/ods must be a zip
archive within the limits of sources/ingestion.yaml (total uncompressed size, compression ratio, part count), so a
zip bomb is refused unopened. An OLE2 (CFB) container is either a password-protected OOXML workbook (its directory
holds EncryptionInfo) or a legacy BIFF .xls; each is named for what it is and what was expected.

While parsing (`bounded_read`, called by readers.read_grid): the grid is read in a worker process under an
address-space limit (RLIMIT_AS) and a wall-clock timeout, and the worker refuses a sheet over the row/cell bound
before making Python objects of it. Only a process boundary is robust: python-calamine is native code that neither
a signal nor a thread can interrupt, and a 5 KB workbook with values in A1 and XFD1048576 makes it allocate a
550 GB dense range, which aborts the whole process. Workers are fresh interpreters, reused across files and
replaced after a timeout, a crash or RECYCLE_AFTER files; `parse_in_worker: false` reads in the calling process.
A batch of files (`bounded_parse`, called by batch.py) sends each whole file to a worker — check, read, parse — so
the grid never crosses a process boundary; the limits then bound the whole file, reads and parsing together.
`bounded_parse_many` sends a few files in one request (a round trip per file idles the worker, a third of the
work at national scale); when such a request stops its worker, its files are parsed again one by one, so the file
at fault is judged alone under the limits and the others are kept.

Every refusal is a GuardError naming what was found and what was expected. It is deliberately not a FileReadError:
layout detection takes a FileReadError to mean "this layout does not fit, try the next", while a guard failure is
about the file. landing.parse_file turns it into a LedgerError, so the file is quarantined with that message and
the rest of the batch goes on.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipelines.settings import REPO_ROOT, SOURCES_DIR

if TYPE_CHECKING:
    from pipelines.ingest.ledger import ParsedLedger
    from pipelines.ingest.readers import Grid

MB = 1 << 20
ZIP_WORKBOOKS = {".xlsx": "xl/workbook.xml", ".xlsm": "xl/workbook.xml", ".xlsb": "xl/workbook.bin",
                 ".ods": "content.xml"}  # suffix → the part every such archive holds
TEXT_SUFFIXES = (".csv", ".txt")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty archive
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
RATIO_FLOOR = MB  # parts smaller than this are not judged by their ratio: a small XML part may pack 1,000×
RECYCLE_AFTER = 2000  # files a worker reads before it is replaced, so its memory fragmentation stays bounded


class GuardError(Exception):
    """A file refused by a guard; the message says what was found and what was expected."""

    def __init__(self, message: str, *, sheet: str | None = None, line: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.message, self.sheet, self.line, self.field = message, sheet, line, field


@dataclass(frozen=True)
class Limits:
    """sources/ingestion.yaml; the defaults are the committed values."""

    max_file_mb: float = 20
    max_uncompressed_mb: float = 200
    max_compression_ratio: float = 200
    max_zip_members: int = 10_000
    max_rows: int = 100_000
    max_cells: int = 2_000_000
    parse_timeout_seconds: float = 60
    parse_memory_mb: float = 2048
    parse_in_worker: bool = True

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_uncompressed_bytes(self) -> int:
        return int(self.max_uncompressed_mb * MB)

    @property
    def parse_memory_bytes(self) -> int:
        return int(self.parse_memory_mb * MB)


def limits_path() -> Path:
    return Path(os.environ.get("PARKSTATS_INGESTION") or SOURCES_DIR / "ingestion.yaml")


_loaded: dict[tuple[str, int], Limits] = {}


def load_limits() -> Limits:
    """The limits in force (re-read when the file changes); the defaults if there is no file."""
    path = limits_path()
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return Limits()
    if key not in _loaded:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of limits, found {type(raw).__name__}")
        known = {f.name: f for f in fields(Limits)}
        if unknown := sorted(set(raw) - set(known)):
            raise ValueError(f"{path}: unknown keys {unknown}; known keys are {sorted(known)}")
        for name, value in raw.items():
            wanted = bool if name == "parse_in_worker" else (int, float)
            if not isinstance(value, wanted) or (wanted is not bool and (isinstance(value, bool) or value <= 0)):
                raise ValueError(f"{path}: {name} must be {'true or false' if wanted is bool else 'a positive number'}"
                                 f", not {value!r}")
        _loaded[key] = Limits(**raw)
    return _loaded[key]


def size_text(n: float) -> str:
    if n >= MB:
        return f"{n / MB:,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{int(n):,} bytes"


# --- before parsing -------------------------------------------------------------------------------------------


def check_file(path: Path, accepted_suffixes: Collection[str] | None = None, limits: Limits | None = None) -> None:
    """Refuse a file before anything parses it. `accepted_suffixes` (what the layouts read) lets a legacy .xls be
    told apart from a workbook a layout would read; None accepts any suffix."""
    limits = limits or load_limits()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise GuardError(f"the file is {size_text(size)} ({size:,} bytes), over the limit of "
                         f"{size_text(limits.max_file_bytes)} (max_file_mb in sources/ingestion.yaml), so it was not "
                         "opened; expected a monthly ledger, which is well under 1 MB: ask the zone for the ledger "
                         "alone, without pictures or extra sheets")
    if size == 0:
        raise GuardError("the file is empty (0 bytes): expected a ledger; ask the zone to send it again")
    with path.open("rb") as f:
        head = f.read(512)
    suffix = path.suffix.lower()
    if head.startswith(CFB_MAGIC):
        _check_cfb(path, suffix, accepted_suffixes)
    elif suffix in ZIP_WORKBOOKS:
        if not head.startswith(ZIP_MAGIC):
            raise GuardError(f"not an {suffix} workbook: expected a zip archive (an {suffix} file starts with the "
                             f"bytes 'PK'), found {_describe(head)}")
        _check_zip(path, suffix, size, limits)
    elif suffix == ".xls":
        if head.startswith(ZIP_MAGIC):
            raise GuardError("named .xls but it is an xlsx workbook (a zip archive), not a legacy BIFF file: "
                             "rename it to .xlsx")
        raise GuardError(f"not an .xls workbook: expected a legacy Excel 97-2003 (OLE2/BIFF) file, found "
                         f"{_describe(head)}")
    elif suffix in TEXT_SUFFIXES and head.startswith(ZIP_MAGIC):
        raise GuardError(f"named {suffix} but it is a zip archive (an xlsx workbook?): expected text; save it as "
                         "an .xlsx workbook or export it as CSV")


KNOWN_FORMATS = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                 b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive", b"{\\rtf": "an RTF document",
                 b"\x1f\x8b": "a gzip archive"}


def _describe(head: bytes) -> str:
    """The start of a file, for a message: what it is if its signature says, its text if it is text, else its
    first bytes."""
    for magic, kind in KNOWN_FORMATS.items():
        if head.startswith(magic):
            return kind
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head[:80].decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < 76:  # invalid, not merely a character cut at the end of the sample
                continue
            text = head[: exc.start].decode(encoding)
        printable = text and sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(text)
        # GB18030 makes characters of almost any bytes: text also needs some ASCII or a delimiter of its own
        if printable and (sum(c.isascii() for c in text) >= len(text) / 2 or any(c in text for c in ",;\t\n<")):
            kind = "an HTML or XML page" if text.lstrip().lower().startswith(("<html", "<!doctype", "<table", "<?xml")) \
                else "a text or CSV file"
            snippet = " ".join(text.split())[:40]
            return f"text beginning {snippet!r} ({kind} saved under this name?)"
    return f"the bytes {head[:8].hex(' ')}"


def _check_zip(path: Path, suffix: str, size: int, limits: Limits) -> None:
    """The archive's table of contents only (zipfile reads the central directory; nothing is decompressed). The
    declared sizes could lie; the worker's memory and time bounds are the backstop for that."""
    kind = suffix.lstrip(".")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception as exc:  # BadZipFile, and OSError / ValueError / struct errors for hostile directories
        raise GuardError(f"not a readable {kind} workbook: the zip archive is damaged or truncated ({exc}); ask the "
                         "zone to send the file again") from exc
    if len(members) > limits.max_zip_members:
        raise GuardError(f"the {kind} archive holds {len(members):,} parts, over the limit of "
                         f"{limits.max_zip_members:,} (max_zip_members in sources/ingestion.yaml); expected a "
                         "workbook of a few dozen parts")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise GuardError(f"refused as a zip bomb: the {kind} archive ({size_text(size)}) unpacks to "
                         f"{size_text(total)}, over the limit of {size_text(limits.max_uncompressed_bytes)} "
                         "(max_uncompressed_mb in sources/ingestion.yaml); it was not decompressed")
    for m in members:
        if m.file_size >= RATIO_FLOOR and m.file_size > limits.max_compression_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise GuardError(f"refused as a zip bomb: part {m.filename!r} unpacks {ratio:,.0f}× "
                             f"({size_text(m.compress_size)} to {size_text(m.file_size)}), over the compression-ratio "
                             f"limit of {limits.max_compression_ratio:g} (max_compression_ratio in "
                             "sources/ingestion.yaml); it was not decompressed")
    packed = sum(m.compress_size for m in members)
    if packed > size:
        raise GuardError(f"refused as a zip bomb: the archive's parts claim {size_text(packed)} of packed data in a "
                         f"file of {size_text(size)} (they overlap); it was not decompressed")
    if any(m.flag_bits & 0x1 for m in members):
        raise GuardError("password-protected workbook (its zip parts are encrypted): ask the zone for an "
                         "unprotected copy")
    names = {m.filename.lower() for m in members}
    if ZIP_WORKBOOKS[suffix] not in names:
        shown = ", ".join(sorted(names)[:4]) + (" …" if len(names) > 4 else "")
        raise GuardError(f"not an {kind} workbook: the zip archive has no {ZIP_WORKBOOKS[suffix]} (it holds "
                         f"{shown or 'nothing'}); expected an Excel workbook, not another zipped file")


def _check_cfb(path: Path, suffix: str, accepted_suffixes: Collection[str] | None) -> None:
    names = {n.lower() for n in cfb_directory(path)}
    if {"encryptioninfo", "encryptedpackage"} & names:
        raise GuardError("password-protected workbook: ask the zone for an unprotected copy (an encrypted "
                         "workbook is an OLE2 container that cannot be read without the password)")
    if {"workbook", "book"} & names:  # BIFF8 / BIFF5 stream
        if suffix == ".xls":
            if accepted_suffixes is None or ".xls" in accepted_suffixes:
                return  # python-calamine reads it
            readable = ", ".join(sorted(accepted_suffixes))
            raise GuardError(f"a legacy Excel 97-2003 workbook (.xls, BIFF): expected an .xlsx workbook (the layouts "
                             f"in sources/layouts read {readable}); ask the zone to save it as Excel 工作簿 (.xlsx), "
                             "or add .xls to a layout's match.suffixes")
        expected = "CSV text" if suffix in TEXT_SUFFIXES else "an .xlsx workbook (a zip archive)"
        raise GuardError(f"a legacy Excel 97-2003 workbook (.xls, BIFF) named {suffix or 'without an extension'}: "
                         f"expected {expected}; ask the zone to save it as Excel 工作簿 (.xlsx)")
    shown = ", ".join(sorted(names - {"root entry"})[:4])
    raise GuardError(f"an OLE2 compound file that is not an Excel workbook (it holds {shown or 'nothing'}): "
                     f"expected a {suffix or 'ledger'} file")


_FREE_LIMIT = 0xFFFFFFFA  # CFB sector numbers above this mark chain ends, free or FAT sectors


def cfb_directory(path: Path) -> list[str]:
    """Storage and stream names of an OLE2 compound file (MS-CFB), read sector by sector. Every chain is bounded
    by the file's sector count, so a damaged or hostile directory cannot loop or seek outside the file."""

    def damaged(why: str) -> GuardError:
        return GuardError(f"a damaged OLE2 compound file (an .xls or encrypted workbook): {why}; ask the zone to "
                          "send the file again")

    size = path.stat().st_size
    with path.open("rb") as f:
        header = f.read(512)
        if len(header) < 512:
            raise damaged("the header is cut short")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise damaged(f"sector size 2^{shift}")
        sector_size = 1 << shift
        sectors = max(0, size // sector_size - 1)  # the header fills sector -1

        def sector(n: int) -> bytes:
            if n >= sectors:
                raise damaged(f"sector {n} lies beyond the end of the file")
            f.seek((n + 1) * sector_size)
            return f.read(sector_size)

        per_sector = sector_size // 4
        fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
        difat_next, difat_count = struct.unpack_from("<II", header, 0x44)
        if fat_count > sectors:
            raise damaged(f"{fat_count} FAT sectors in a file of {sectors}")
        fat_sectors = list(struct.unpack_from("<109I", header, 0x4C))
        for _ in range(min(difat_count, sectors)):
            if difat_next > _FREE_LIMIT:
                break
            block = struct.unpack(f"<{per_sector}I", sector(difat_next))
            fat_sectors.extend(block[:-1])
            difat_next = block[-1]
        fat: list[int] = []
        for n in fat_sectors[:fat_count]:
            fat.extend(struct.unpack(f"<{per_sector}I", sector(n)))
        names: list[str] = []
        seen: set[int] = set()
        current = first_dir
        while current <= _FREE_LIMIT:
            if current in seen or current >= len(fat):
                raise damaged("its directory chain is broken")
            seen.add(current)
            block = sector(current)
            for offset in range(0, len(block) - 127, 128):
                length, kind = struct.unpack_from("<HB", block, offset + 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:  # storage, stream, root
                    names.append(block[offset:offset + length - 2].decode("utf-16-le", errors="replace"))
            current = fat[current]
    return names


# --- after parsing --------------------------------------------------------------------------------------------


def _cell_ref(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def check_merged_cells(parsed: ParsedLedger, grid: Grid) -> None:
    """Refuse a ledger with merged cells among its data rows. A merged range comes back as one value and blanks,
    and a blank reads as "not reported", so a value would silently go missing (or be taken for its neighbour's).
    Merged titles and headers are fine: only ranges touching a row that yielded data or a refusal count."""
    if not grid.merged:
        return
    from pipelines.ingest.ledger import LedgerError, find_header, header_labels

    data_lines = {row["source_line"] for row in parsed.rows} | {r.line for r in parsed.rejections}
    for (top, left), (bottom, right) in sorted(grid.merged):
        covered = sorted(line for line in data_lines if top + 1 <= line <= bottom + 1)
        if not covered:
            continue
        labels = header_labels(grid, find_header(grid, parsed.layout, parsed.file), parsed.layout.header_rows)
        field = labels[left] if left < len(labels) and labels[left] else f"column {_cell_ref(0, left)[:-1]}"
        raise LedgerError(parsed.file, f"merged cells {_cell_ref(top, left)}:{_cell_ref(bottom, right)} in the data "
                          "area: expected one value in each cell of every row; unmerge them and fill in each row",
                          sheet=grid.sheet, line=covered[0], field=field)


# --- while parsing: the worker processes ----------------------------------------------------------------------
# A worker is a fresh interpreter (subprocess, never a fork of the caller, which may run Dagster or DuckDB
# threads; and not multiprocessing, which would re-import the caller's main module in the worker). Requests and
# replies are length-prefixed pickles over a socket pair; the worker pickles only what its own code builds.

WORKER_START_SECONDS = 120  # an interpreter start and the readers' imports, on a loaded machine


class _WorkerTimeout(Exception):
    pass


class _WorkerDied(Exception):
    def __init__(self, how: str, reused: bool):
        super().__init__(how)
        self.how, self.reused = how, reused


def _send(sock: socket.socket, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(struct.pack("!Q", len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _receive(sock: socket.socket, timeout: float | None) -> Any:
    """One message; `timeout` bounds the wait for it to start (TimeoutError), not its transfer."""
    sock.settimeout(timeout)
    try:
        header = _receive_exactly(sock, 8)
    finally:
        sock.settimeout(None)
    return pickle.loads(_receive_exactly(sock, struct.unpack("!Q", header)[0]))


def _settings_key() -> tuple[tuple[str, str], ...]:
    """The settings a worker was started with (data folder, sources, limits file): a worker whose settings are
    not the caller's current ones is not reused."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PARKSTATS_")))


class _Worker:
    def __init__(self, memory_bytes: int):
        mine, theirs = socket.socketpair()
        self.sock = mine
        self.memory_bytes = memory_bytes
        self.settings = _settings_key()
        self.files = 0
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from pipelines.ingest.guards import worker_main; worker_main()",
                 str(theirs.fileno()), str(memory_bytes)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                cwd=REPO_ROOT)  # `-c` imports from the working directory: this repository's pipelines
        except OSError:
            mine.close()
            raise
        finally:
            theirs.close()
        try:
            if _receive(self.sock, WORKER_START_SECONDS) != ("ready",):
                raise EOFError("unexpected greeting")
        except (EOFError, OSError) as exc:
            how = self.stop()
            raise RuntimeError(f"the ParkStats reader process did not start ({how})") from exc

    def call(self, request: tuple, timeout: float, files: int = 1) -> tuple:
        reused = self.files > 0
        self.files += files
        try:
            _send(self.sock, request)
            reply = _receive(self.sock, timeout)
        except TimeoutError:
            self.stop()
            raise _WorkerTimeout from None
        except (EOFError, OSError) as exc:
            raise _WorkerDied(self.stop(), reused) from exc
        if reply[0] == "memory":
            self.stop()
            raise _WorkerDied("it ran out of memory", reused)
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> str:
        with contextlib.suppress(OSError):
            self.process.kill()
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            code = None
        self.sock.close()
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"it was ended by {signal.Signals(-code).name}"
        return f"it exited with status {code}"


class _Pool:
    """Idle workers, at most one per concurrent caller; safe for threads, and reset in a forked child (the
    parent's workers are not its own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.pid = os.getpid()

    def take(self, memory_bytes: int) -> _Worker:
        with self.lock:
            if self.pid != os.getpid():
                self.idle, self.pid = [], os.getpid()
            while self.idle:
                worker = self.idle.pop()
                if worker.memory_bytes == memory_bytes and worker.settings == _settings_key() and worker.alive():
                    return worker
                worker.stop()
        return _Worker(memory_bytes)

    def give_back(self, worker: _Worker) -> None:
        if worker.files >= RECYCLE_AFTER:
            worker.stop()
            return
        with self.lock:
            if self.pid == os.getpid():
                self.idle.append(worker)

    def close(self) -> None:
        with self.lock:
            workers, self.idle = (self.idle, []) if self.pid == os.getpid() else ([], [])
        for worker in workers:
            worker.stop()


_pool = _Pool()
atexit.register(_pool.close)


def retire_workers() -> None:
    """Stop the idle workers. A worker that has parsed files holds the layouts, aliases and measures it loaded
    then; retiring it after a batch lets the next batch see sources/ as they are by then."""
    _pool.close()


_in_worker = False  # set in a worker process: its reads need no worker of their own


def worker_main() -> None:
    """The worker process: argv = socket fd, memory limit in bytes. Serves one request at a time (read a grid, or
    parse a whole file) until the caller closes the socket."""
    global _in_worker
    import resource

    _in_worker = True
    sock = socket.socket(fileno=int(sys.argv[1]))
    memory_bytes = int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle; we end when it closes
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes if hard == resource.RLIM_INFINITY
                                            else min(memory_bytes, hard), hard))
    with contextlib.suppress(ValueError, OSError):  # no core dump of a worker stopped by its memory limit
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    import pipelines.ingest.landing  # noqa: F401  (imported before "ready", so start-up is not parse time)

    # started: from now on stderr is silent, as Rust reports a failed allocation there (the caller says it in words)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    _send(sock, ("ready",))
    while True:
        try:
            request = _receive(sock, None)
        except (EOFError, OSError):
            return
        reply = _read(*request[1:]) if request[0] == "read" else _parse(request[1], many=request[0] == "parse_many")
        try:
            _send(sock, reply)
        except MemoryError:
            reply = ("memory",)
            _send(sock, reply)
        if reply[0] == "memory":
            return  # a process that ran out of memory is not trusted with the next file


def _read(path: str, sheet: str | int, encoding: str, delimiter: str, max_rows: int, max_cells: int) -> tuple:
    from pipelines.ingest import readers

    try:
        grid = readers.read_grid_direct(Path(path), sheet=sheet, encoding=encoding, delimiter=delimiter,
                                        max_rows=max_rows, max_cells=max_cells)
        return ("ok", grid)
    except MemoryError:
        return ("memory",)
    except readers.FileReadError as exc:
        return ("read", str(exc))
    except GuardError as exc:
        return ("guard", exc.message, exc.sheet, exc.line, exc.field)
    except BaseException as exc:  # python-calamine's panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ("guard", f"cannot read the file ({type(exc).__name__}: {exc}); ask the zone to send it again",
                None, None, None)


def _parse(job: tuple, *, many: bool = False) -> tuple:
    """A whole file in the worker: landing.parse_job (identify, or re-parse), its reads in this process; with
    `many`, a list of jobs and a list of results."""
    import traceback

    from pipelines.ingest.landing import parse_job

    try:
        return ("ok", [parse_job(*one) for one in job] if many else parse_job(*job))
    except MemoryError:
        return ("memory",)
    except BaseException as exc:  # a fault of ours, not of the file: the caller raises it
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ("fault", traceback.format_exc())


def _died_error(limits: Limits, how: str) -> GuardError:
    # a failed allocation aborts (SIGABRT), the kernel's OOM killer kills (SIGKILL); anything else is a crash
    if any(sign in how for sign in ("memory", "SIGABRT", "SIGKILL")):
        return GuardError(f"reading the file needed more than {limits.parse_memory_mb:g} MB of memory "
                          f"(parse_memory_mb in sources/ingestion.yaml) and was stopped ({how}); expected a ledger, "
                          "which needs a few MB: the sheet spans a huge area (a value far below or to the right of "
                          "the table?) or the file is damaged")
    return GuardError(f"the process reading the file crashed ({how}): the file is damaged, or it meets a fault in "
                      "the workbook reader; ask the zone to send it again, and keep it for a bug report")


def in_workers(limits: Limits | None = None) -> bool:
    """Whether reads run in worker processes (not when configured off, nor on a system without them)."""
    return (limits or load_limits()).parse_in_worker and os.name == "posix" and not _in_worker


def _bounded(request: tuple, limits: Limits, files: int = 1) -> tuple:
    """`request` served by a worker under the time and memory limits; GuardError when it is stopped."""
    for attempt in (1, 2):
        # the retry takes a fresh worker, never an idle one, so a second death is the file's doing
        worker = _pool.take(limits.parse_memory_bytes) if attempt == 1 else _Worker(limits.parse_memory_bytes)
        try:
            reply = worker.call(request, limits.parse_timeout_seconds, files)
        except _WorkerTimeout:
            raise GuardError(f"reading the file took longer than {limits.parse_timeout_seconds:g} s "
                             "(parse_timeout_seconds in sources/ingestion.yaml) and was stopped; expected a "
                             "ledger, which reads in well under a second: the file is damaged or built to be "
                             "slow") from None
        except _WorkerDied as died:
            if attempt == 1 and died.reused:
                continue  # a long-serving worker may fail from its own history: judge the file in a fresh one
            raise _died_error(limits, died.how) from None
        _pool.give_back(worker)
        return reply
    raise AssertionError("unreachable: the second attempt returns or raises")


def bounded_read(path: Path, *, sheet: str | int, encoding: str, delimiter: str) -> Grid:
    """readers.read_grid_direct in a worker process, under the time, memory and row/cell limits."""
    from pipelines.ingest.readers import FileReadError

    limits = load_limits()
    request = (str(path.absolute()), sheet, encoding, delimiter, limits.max_rows, limits.max_cells)
    # in this process when configured so (no time or memory bound), or when this process is already a worker
    reply = _bounded(("read", *request), limits) if in_workers(limits) else _read(*request)
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "read":
        raise FileReadError(reply[1])
    if reply[0] == "memory":
        raise _died_error(limits, "it ran out of memory")
    raise GuardError(reply[1], sheet=reply[2], line=reply[3], field=reply[4])


def bounded_parse(job: tuple) -> Any:
    """landing.parse_job(*job) — check, read and parse one file — in a worker process, so that many files share
    one worker and its reads need no round trip; the time and memory limits bound the whole file. GuardError
    when the worker is stopped (the caller quarantines the file with that message)."""
    limits = load_limits()
    job = (Path(job[0]).absolute(), *job[1:])
    reply = _bounded(("parse", job), limits)
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "memory":
        raise _died_error(limits, "it ran out of memory")
    raise RuntimeError(f"parsing {job[1]} failed in the reader process:\n{reply[1]}")


def bounded_parse_many(jobs: list[tuple]) -> list[Any] | None:
    """bounded_parse for several files in one request, under the limits of one file (files that parse in well
    under a second each). None when the worker is stopped (time, memory, crash): the caller then parses the files
    one by one with bounded_parse, which judges each alone."""
    limits = load_limits()
    request = ("parse_many", [(Path(job[0]).absolute(), *job[1:]) for job in jobs])
    try:
        reply = _bounded(request, limits, files=len(jobs))
    except GuardError:
        return None
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "memory":
        return None
    raise RuntimeError(f"parsing {', '.join(str(job[1]) for job in jobs)} failed in the reader process:\n{reply[1]}")
