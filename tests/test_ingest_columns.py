"""Record ledgers read column by column (pipelines/ingest/columns.py), the batched archive, and the whole-file
parse in a reader worker: the same values, messages and bounds as reading cell by cell, file by file."""

from __future__ import annotations

import gc
import random
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import uscc

from pipelines.ingest import batch, guards
from pipelines.ingest.batch import IngestReport, _MonthVintages, _write_batch
from pipelines.ingest.columns import USCC_ALPHABET, Refused, _uscc_by_stdnum, amounts, valid_uscc
from pipelines.ingest.landing import LandedFile, archive_all, parse_job_bounded, parse_jobs_bounded, sha256_of
from pipelines.ingest.layouts import load_layouts
from pipelines.ingest.ledger import ParsedLedger, Rejection
from pipelines.ingest.values import UNITS, Period, ValueParseError, clean_text, parse_number, to_canonical
from pipelines.lake import read_month
from pipelines.settings import DataPaths
from tests.bad_inputs.corpus import A_FILE, build
from tests.ledger_files import find


def _outcome(check, value):
    try:
        return check(value)
    except ValueParseError as exc:
        return f"refused: {exc}"


def _codes(count: int) -> list[str]:
    """Valid codes and the ways ledgers get them wrong: a wrong check digit, lower case, separators, full-width
    characters, letters outside the alphabet, one character short."""
    rnd = random.Random(32100)
    codes = []
    for _ in range(count):
        body = "".join(rnd.choice("0123456789") for _ in range(8)) + "".join(rnd.choice(USCC_ALPHABET) for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        codes += [code, code[:-1] + rnd.choice(USCC_ALPHABET), code.lower(), f"{code[:6]}-{code[6:]}", f" {code} ",
                  code.translate({ord(c): ord(c) + 0xFEE0 for c in code}), code[:9] + "I" + code[10:], code[:17]]
    return codes


def test_uscc_check_matches_python_stdnum():
    """The check of well-formed codes agrees with python-stdnum's, which judges every other code."""
    for code in _codes(400):
        expected = _outcome(lambda c: _uscc_by_stdnum(clean_text(c).replace(" ", "").upper()), code)
        assert _outcome(valid_uscc, code) == expected, code


def _amount_cells() -> list:
    """The spellings ledgers use, and random floats and digit strings of every size (the fast path's domain)."""
    rnd = random.Random(4754)
    cells = [1.5, 0.0, -0.0, -2.0, float("nan"), float("inf"), 1e16, 1.5e-05, 3, True, None, "", "-", "—",
             "1,234.5", "１２３，４５６．７", "12", " 7 ", "-3", "-0", "abc", "1.2.3", "+4.25", "1e3", 2400.0,
             "123456789012345678901234567890.5", "0.1", 0.1, 0.3]
    for _ in range(3000):
        value = round(rnd.uniform(-1e3, 1e9) * 10 ** rnd.randint(-6, 6), rnd.randint(0, 6))
        cells += [value, repr(value) if "e" not in repr(value) else str(rnd.randint(0, 10**12)),
                  f"{rnd.randint(0, 99999)}.{rnd.randint(0, 9999):04d}"]
    return cells


@pytest.mark.parametrize("unit_name", sorted(UNITS))
def test_amount_column_matches_the_cell_rules(unit_name: str):
    """Cell for cell what values.parse_number and to_canonical give, with the Decimal path or without it."""
    cells = _amount_cells()
    unit = UNITS[unit_name]
    for required in (True, False):
        for minimum in (0, None, 5):
            got = amounts(cells, required, minimum, unit)
            for cell, value in zip(cells, got, strict=True):
                try:
                    number = parse_number(cell)
                    if number is None:
                        expected = "is missing" if required else None
                    elif minimum is not None and number < minimum:
                        expected = f"must not be below {minimum:g}, found {number}"
                    else:
                        expected = to_canonical(number, unit)
                except ValueParseError as exc:
                    expected = str(exc)
                assert (value.message if isinstance(value, Refused) else value) == expected, (cell, minimum)
    assert amounts([2400.0], True, None, UNITS["亿元"]) == [float(Decimal("2400") * 10000)]


def test_vintages_number_a_months_files_as_before():
    """Each new file of a zone and ledger gets the next number after every file so far; a known file keeps its."""
    known = {("zone_indicators", "Z1", "a"): 1, ("zone_indicators", "Z1", "b"): 2, ("firm_indicators", "Z1", "c"): 1}
    vintages = _MonthVintages(known)
    assert vintages.number("zone_indicators", "Z1", "b") == 2
    assert vintages.number("zone_indicators", "Z1", "d") == 3
    assert vintages.number("zone_indicators", "Z1", "e") == 4
    assert vintages.number("firm_indicators", "Z1", "f") == 2
    assert vintages.number("zone_indicators", "Z2", "g") == 1
    assert vintages.number("zone_indicators", "Z1", "d") == 3


def _city_file(home: DataPaths, name: str, rows: list[tuple[int, str, int]]) -> tuple:
    """A parsed city ledger (zones in rows) with rows (line, zone, month) of 2024, sealed as a reader worker
    sends it, and its landed file."""
    layout = next(lay for lay in load_layouts() if lay.orientation == "zones_in_rows")
    parsed = ParsedLedger(file=name, layout=layout, sheet=None, rows=[
        {"sheet": None, "source_line": line, "layout_id": layout.id, "zone_code": zone, "zone_name_raw": zone,
         "year": 2024, "month": month, "value_basis": "ytd", "measure": "revenue", "value": float(line),
         "unit": "万元"} for line, zone, month in rows])
    parsed.rejections.append(Rejection(name, None, 99, "revenue", "x", "not a number", Period(2024, 1, 3)))
    parsed.seal()
    src = home.landing / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(name.encode())
    landed = LandedFile(rel=name, sha256=sha256_of(src), size=src.stat().st_size, mtime_ns=src.stat().st_mtime_ns,
                        layout_id=layout.id, months=["2024-03", "2024-04"])
    return src, landed, parsed


def test_batch_writes_each_files_rows_by_month_in_line_order_with_their_vintages(tmp_path: Path):
    """A file of several zones and months: each month's lake file holds its rows in the order of their lines, each
    with its file's columns and the vintage of its zone and month; a later file of one zone is its vintage 2."""
    home = DataPaths(tmp_path / "data")
    first = _city_file(home, "city-a.csv", [(5, "Z2", 3), (6, "Z1", 4), (7, "Z1", 3), (8, "Z2", 4)])
    _write_batch(home, [first], IngestReport(months=["2024-03", "2024-04"]))
    second = _city_file(home, "city-b.csv", [(3, "Z1", 3)])
    report = IngestReport(months=["2024-03"])
    _write_batch(home, [second], report)
    march = read_month(home.lake, "zone_indicators", "2024-03").to_pylist()
    april = read_month(home.lake, "zone_indicators", "2024-04").to_pylist()
    assert [(r["source_file"], r["source_line"], r["zone_code"], r["vintage"]) for r in march] == [
        ("city-a.csv", 5, "Z2", 1), ("city-a.csv", 7, "Z1", 1), ("city-b.csv", 3, "Z1", 2)]
    assert [(r["source_line"], r["zone_code"], r["vintage"], r["value"]) for r in april] == [
        (6, "Z1", 1, 6.0), (8, "Z2", 1, 8.0)]
    assert {(r["file_sha256"], r["received_at"]) for r in march[:2] + april} == {
        (first[1].sha256, first[1].received_at)}
    manifest = read_month(home.lake, "manifest", "2024-03").to_pylist()
    assert [(r["source_file"], r["zone_code"], r["vintage"], r["rows_accepted"], r["rows_rejected"])
            for r in manifest] == [("city-a.csv", "Z1", 1, 1, 1), ("city-a.csv", "Z2", 1, 1, 1),
                                   ("city-b.csv", "Z1", 2, 1, 1)]
    assert report.ingested[0]["rows"] == 1 and report.rows_by_table == {"zone_indicators": {"2024-03": 1}}
    assert not home.landing.exists() or not list(home.landing.iterdir())  # the files left landing


def test_archive_all_keeps_exact_bytes_once_per_hash(tmp_path: Path):
    home = DataPaths(tmp_path / "data")
    sources = []
    for name, data in (("a.xlsx", b"first"), ("b.xlsx", b"first"), ("c.csv", b"second"), ("sub/d", b"third")):
        src = tmp_path / "landing" / name
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        sources.append((src, LandedFile(rel=name, sha256=sha256_of(src), size=len(data), mtime_ns=0)))
    stored = archive_all(home, sources)
    assert stored[0] == stored[1] and len(set(stored)) == 3
    for (src, landed), dest in zip(sources, stored, strict=True):
        assert dest.read_bytes() == src.read_bytes() and dest.name.startswith(landed.sha256)
    assert not [p for p in home.raw.rglob("*") if p.name.endswith(".tmp")]
    assert archive_all(home, sources[:1]) == stored[:1]  # already archived: left as it is


def test_whole_file_parse_in_a_worker_follows_the_current_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  sample_dir: Path):
    """A worker started under other settings is not reused: the limits file in force is the caller's."""
    path = find(sample_dir, A_FILE)
    try:
        landed, parsed, error = parse_job_bounded(path, "a.xlsx", False)
        assert landed.error is None and parsed.row_count == 8 and error is None
        limits = tmp_path / "ingestion.yaml"
        limits.write_text("max_file_mb: 0.001\n", encoding="utf-8")
        monkeypatch.setenv("PARKSTATS_INGESTION", str(limits))
        landed, parsed, error = parse_job_bounded(path, "a.xlsx", False)
        assert parsed is None and landed.sha256 == sha256_of(path)
        assert landed.error.startswith("a.xlsx: the file is") and "over the limit of 1.0 KB" in landed.error
        _, parsed, error = parse_job_bounded(path, "a.xlsx", True)
        assert parsed is None and error == landed.error
    finally:
        guards.retire_workers()


def test_files_sent_together_are_judged_alone_when_one_stops_the_worker(tmp_path: Path, sample_dir: Path):
    """A request of several files whose worker dies on one of them (a stray cell far from the table exhausts its
    memory): every file is parsed again on its own, so the good ones are kept and only that one is refused, with
    the message it gets alone."""
    landing = tmp_path / "landing"
    bad = build("cell_far_away", sample_dir, landing)
    good = landing / "a.xlsx"
    good.write_bytes(find(sample_dir, A_FILE).read_bytes())
    jobs = [(good, "a.xlsx", False), (landing / bad.rel, bad.rel, False), (good, "a-again.xlsx", False)]
    try:
        together = parse_jobs_bounded(jobs)
        alone = [parse_job_bounded(*job) for job in jobs]
        assert [(landed.rel, landed.error, parsed and parsed.row_count) for landed, parsed, _ in together] == [
            (landed.rel, landed.error, parsed and parsed.row_count) for landed, parsed, _ in alone]
        assert together[0][1].row_count == 8 and together[0][1].table.equals(together[2][1].table)
        assert "needed more than 2048 MB of memory" in together[1][0].error
        healthy = parse_jobs_bounded([jobs[0], jobs[2]])  # and a request of good files is answered whole
        assert [parsed.row_count for _, parsed, _ in healthy] == [8, 8]
    finally:
        guards.retire_workers()


def test_the_cycle_collector_is_paused_while_a_month_is_ingested_and_back_on_after(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch):
    seen = []

    def ingest(paths: DataPaths, months: list[str]) -> None:
        seen.append(gc.isenabled())
        raise RuntimeError("a file system error midway")

    monkeypatch.setattr(batch, "_ingest_months", ingest)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="midway"):
        batch.ingest_months(DataPaths(tmp_path / "data"), ["2024-03"])
    assert seen == [False] and gc.isenabled()
