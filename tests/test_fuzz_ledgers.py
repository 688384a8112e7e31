"""Fuzzing the readers (issue #8, part 2): hypothesis mutates valid sample ledgers (cell values, deleted and
duplicated rows, swapped columns, cut, overwritten and inserted bytes, other encodings). Whatever it makes:

- parse_file returns rows whose values equal the original's on every line the mutation did not touch (each such
  row is either there, unchanged, or refused with a message), or raises LedgerError naming the file; never any
  other exception, and never a "cannot read the file (SomeError …)" from an unexpected failure inside the reader;
- ingest_months never leaves part of a file in the lake: the file is ingested whole (its rows and its refused rows,
  as parse_file reads them) or quarantined with none of its rows.

Derandomized and bounded (max_examples, deadline) so the module runs in seconds and the same way every time.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import xlsxwriter
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipelines.ingest.batch import ingest_months
from pipelines.ingest.landing import parse_file, sha256_of
from pipelines.ingest.ledger import LedgerError, ParsedLedger
from pipelines.settings import DataPaths
from tests.bad_inputs.corpus import A_FILE, B_FILE, D_FILE, E1_FILE, E2_FILE, P2_FILE
from tests.ledger_files import find, read_xlsx

FUZZ = settings(max_examples=300, deadline=timedelta(seconds=20), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
FUZZ_INGEST = settings(FUZZ, max_examples=40)

STOP = re.compile(r"^(注|填报单位|说明)")  # the layouts' stop_at: a row starting so ends the data on purpose
IGNORED = {"sheet", "source_line", "raw_value", "raw_unit", "zone_name_raw"}
RECORD_KEYS = ("measure", "uscc", "project_id")


@dataclass(frozen=True)
class Base:
    """A valid sample ledger, as a grid of cells to mutate, with its reference parse."""

    name: str
    kind: str  # xlsx or csv
    sheet: str | None
    grid: list[list[Any]]
    encoding: str  # csv: the file's own encoding
    data: bytes
    parsed: ParsedLedger


def load_base(sample: Path, name: str) -> Base:
    path = find(sample, name)
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        sheet, grid = read_xlsx(path)
        return Base(name, "xlsx", sheet, grid, "", data, parse_file(path))
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "gbk"
    rows = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
    return Base(name, "csv", None, rows, encoding, data, parse_file(path))


@pytest.fixture(scope="module")
def bases(sample_dir: Path) -> dict[str, Base]:
    return {name: load_base(sample_dir, name) for name in (A_FILE, B_FILE, D_FILE, E1_FILE, E2_FILE, P2_FILE)}


def write_grid(base: Base, grid: list[list[Any]], path: Path) -> None:
    if base.kind == "csv":
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerows([["" if v is None else str(v) for v in r] for r in grid])
        path.write_bytes(out.getvalue().encode(base.encoding, errors="replace"))
        return
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet(base.sheet)
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, dates)
            elif value not in ("", None):
                sheet.write_string(r, c, str(value)[:32767])
    book.close()


# --- what hypothesis may write into a cell -------------------------------------------------------------------------

LEDGER_TEXTS = ["—", "--", "/", " ", "12万3", "１２３，４５６．７", "1,234.5", "-3.2%", "下降3.2%", "1.6倍", "#DIV/0!",
                "#N/A", "亿元", "万元", "公顷", "万英镑", "2024年1-3月", "2024-03", "2024年13月", "是", "否", "规上",
                "在建", "91320800MA1MXXXX1X", "3971", "C3971", "2024/2/30", "2024年3月15日", "合计", "一、工业生产",
                "=SUM(C5:C9)", "a\nb", "\t", "\"", "'", ",", "\x00", "\u3000", "ＮＡ"]


def _not_a_stop(value: Any) -> bool:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return not STOP.match(text)


cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(LEDGER_TEXTS),
    st.text(st.characters(codec="gbk", exclude_categories=("Cs",)), max_size=24),
).filter(_not_a_stop)


# --- mutations: a file, the lines it left untouched, and where they went ---------------------------------------------


@dataclass
class Mutation:
    describe: str
    data: bytes | None = None  # the mutated bytes (else the grid is written)
    grid: list[list[Any]] | None = None
    touched: set[int] | None = None  # lines (1-based, original numbering) whose content changed; None: unknown
    moved: Callable[[int], int | None] = lambda line: line  # original line → its line now (None: deleted)
    # False when a title, unit line or header changed: the file may then legitimately read differently as a
    # whole (another unit, another column), so only "rows or LedgerError, nothing else" is checked
    values_checked: bool = True


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


@st.composite
def mutations(draw: st.DrawFn, base: Base) -> Mutation:
    grid = [list(r) for r in base.grid]
    height = len(grid)
    width = max(len(r) for r in grid)
    kind = draw(st.sampled_from(["cells", "cells", "delete_row", "duplicate_row", "swap_columns", "truncate",
                                 "overwrite", "insert", "encoding"]))
    if kind == "cells":
        touched: set[int] = set()
        for _ in range(draw(st.integers(1, 4))):
            r, c = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
            while len(grid[r]) <= c:
                grid[r].append("")
            grid[r][c] = draw(cell_values)
            touched.add(r + 1)
        return Mutation(f"cells on lines {sorted(touched)}", grid=grid, touched=touched,
                        values_checked=touched <= data_lines(base.parsed))
    if kind == "delete_row":
        r = draw(st.integers(0, height - 1))
        del grid[r]
        return Mutation(f"line {r + 1} deleted", grid=grid, touched={r + 1},
                        moved=lambda line: None if line == r + 1 else line - (line > r + 1))
    if kind == "duplicate_row":
        r = draw(st.integers(0, height - 1))
        grid.insert(r + 1, list(grid[r]))
        return Mutation(f"line {r + 1} duplicated", grid=grid, touched=set(),
                        moved=lambda line: line + (line > r + 1))
    if kind == "swap_columns":
        a, b = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
        for row in grid:
            row.extend([""] * (width - len(row)))
            row[a], row[b] = row[b], row[a]
        return Mutation(f"columns {a + 1} and {b + 1} swapped", grid=grid, touched=set())
    data = base.data
    if kind == "encoding":
        if base.kind == "xlsx":
            return Mutation("workbook unchanged (encodings are for CSV)", data=data, touched=set())
        text = data.decode(base.encoding)
        target = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "big5", "cp1252"]))
        return Mutation(f"re-encoded as {target}", data=text.encode(target, errors="replace"), touched=None)
    xlsx = base.kind == "xlsx"
    at = draw(st.integers(0, len(data) - 1))
    noise = draw(st.binary(min_size=1, max_size=16)) if xlsx else bytes(
        b for b in draw(st.binary(min_size=1, max_size=16)) if b not in b"\r\n") or b"?"
    if kind == "truncate":
        if xlsx:
            return Mutation(f"cut at byte {at}", data=data[:at], touched=None)
        line = _line_at(data, at)
        return Mutation(f"cut at byte {at}", data=data[:at], touched={line}, moved=lambda n: None if n >= line else n)
    if kind == "overwrite":
        mutated = data[:at] + noise + data[at + len(noise):]
        return Mutation(f"bytes {at}… overwritten", data=mutated[: len(data)],
                        touched=None if xlsx else {_line_at(data, i) for i in range(at, min(at + len(noise), len(data)))})
    return Mutation(f"{len(noise)} bytes inserted at {at}", data=data[:at] + noise + data[at:],
                    touched=None if xlsx else {_line_at(data, at)})


def data_lines(parsed: ParsedLedger) -> set[int]:
    return {row["source_line"] for row in parsed.rows} | {r.line for r in parsed.rejections}


def comparable(row: dict) -> tuple:
    return tuple(sorted((k, round(v, 6) if isinstance(v, float) else v) for k, v in row.items() if k not in IGNORED))


def key(row: dict) -> tuple:
    return (row["zone_code"], row["year"], row["month"], *(row.get(k) for k in RECORD_KEYS))


def check_against_original(base: Base, mutation: Mutation, parsed: ParsedLedger) -> None:
    """Every row of an untouched line is still there with the same values at its (moved) line, or refused there
    with a message; and every row read from an untouched line is one of the original's. With `touched` unknown
    (bytes changed somewhere in a workbook), every line counts as untouched."""
    touched = mutation.touched or set()
    refused = {r.line for r in parsed.rejections}
    now = {(row["source_line"], key(row)): comparable(row) for row in parsed.rows}
    expected = {}
    for row in base.parsed.rows:
        line = mutation.moved(row["source_line"])
        if row["source_line"] not in touched and line is not None:
            expected[(line, key(row))] = comparable(row)
    for (line, k), values in expected.items():
        if (line, k) in now:
            assert now[(line, k)] == values, f"{mutation.describe}: the row {k} of line {line} changed"
        else:
            assert line in refused, f"{mutation.describe}: the row {k} of line {line} vanished without a refusal"
    untouched = {mutation.moved(n) for n in range(1, len(base.grid) + 1) if n not in touched} - {None}
    for (line, k), values in now.items():
        if mutation.touched is None or line in untouched:
            assert expected.get((line, k)) == values, f"{mutation.describe}: line {line} yields a row {k} " \
                                                      "that is not the original's"


def mutated_file(base: Base, mutation: Mutation, folder: Path) -> Path:
    path = folder / f"fuzz{Path(base.name).suffix}"
    if mutation.data is not None:
        path.write_bytes(mutation.data)
    else:
        write_grid(base, mutation.grid or base.grid, path)
    return path


def parse_or_refuse(path: Path, name: str) -> ParsedLedger | None:
    try:
        return parse_file(path, name)
    except LedgerError as exc:
        message = str(exc)
        assert message.startswith(f"{name}") and len(message) > len(name) + 10, message
        assert "cannot read the file (" not in message, f"an unexpected failure inside the reader: {message}"
        return None


@FUZZ
@given(data=st.data())
def test_mutated_ledger_reads_correctly_or_is_refused(bases: dict[str, Base], data: st.DataObject):
    base = bases[data.draw(st.sampled_from(sorted(bases)), label="ledger")]
    mutation = data.draw(mutations(base), label="mutation")
    with tempfile.TemporaryDirectory() as folder:
        parsed = parse_or_refuse(mutated_file(base, mutation, Path(folder)), "园区/fuzz")
    event(f"{mutation.describe.split(' ')[0] if mutation.data is None else 'bytes'}: "
          f"{'refused' if parsed is None else 'read, values checked' if mutation.values_checked else 'read'}")
    if parsed is not None and mutation.values_checked:
        check_against_original(base, mutation, parsed)


def lake_count(lake: Path, table: str, sha: str) -> int:
    files = [str(f) for f in (lake / table).glob("*/*.parquet")]
    if not files:
        return 0
    with duckdb.connect() as con:
        return con.execute("select count(*) from read_parquet(?, union_by_name = true) where file_sha256 = ?",
                           [files, sha]).fetchone()[0]


MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


@FUZZ_INGEST
@given(data=st.data())
def test_ingesting_a_mutated_ledger_is_all_or_nothing(bases: dict[str, Base], data: st.DataObject):
    base = bases[data.draw(st.sampled_from(sorted(bases)), label="ledger")]
    mutation = data.draw(mutations(base), label="mutation")
    with tempfile.TemporaryDirectory() as folder:
        home = DataPaths(Path(folder) / "data")
        home.landing.mkdir(parents=True)
        path = mutated_file(base, mutation, home.landing)
        sha = sha256_of(path)
        parsed = parse_or_refuse(path, path.name)
        months = sorted(set(MONTHS) | {p.key for p in (parsed.periods if parsed else ())})
        report = ingest_months(home, months)
        tables = ("zone_indicators", "firm_indicators", "project_snapshots")
        rows = {t: lake_count(home.lake, t, sha) for t in tables}
        refused = lake_count(home.lake, "rejections", sha)
        if parsed is None or not parsed.rows:
            assert [q["file"] for q in report.quarantined] == [path.name], mutation.describe
            assert not any(rows.values()) and not refused and not report.ingested
            assert list(home.quarantine.glob("*.error.json"))
        else:
            [entry] = report.ingested  # whole: every row read is in the lake or among its refused rows
            assert entry["rows"] == rows[parsed.layout.ledger] == sum(rows.values()) and entry["rejected"] == refused
            assert entry["rows"] + entry["rejected"] == len(parsed.rows) + len(parsed.rejections)
            assert lake_count(home.lake, "manifest", sha) > 0 and not report.quarantined
        assert not path.exists(), "the file left landing"
