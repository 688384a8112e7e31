"""Record ledgers read column by column (pipelines/ingest/columns.py), the batched archive, and the whole-file
parse in a reader worker: the same values, messages and bounds as reading cell by cell, file by file."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import uscc

from pipelines.ingest import guards
from pipelines.ingest.batch import _MonthVintages
from pipelines.ingest.columns import USCC_ALPHABET, Refused, _uscc_by_stdnum, amounts, valid_uscc
from pipelines.ingest.landing import LandedFile, archive_all, parse_job_bounded, sha256_of
from pipelines.ingest.values import UNITS, ValueParseError, clean_text, parse_number, to_canonical
from pipelines.settings import DataPaths
from tests.bad_inputs.corpus import A_FILE
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


def test_amount_column_matches_the_cell_rules():
    cells = [1.5, 0.0, -0.0, -2.0, float("nan"), 3, True, None, "", "-", "—", "1,234.5", "１２３，４５６．７", "12", " 7 ",
             "-3", "abc", "1.2.3", "+4.25", "1e3", 2400.0]
    unit = UNITS["亿元"]
    for required in (True, False):
        got = amounts(cells, required, 0, unit)
        for cell, value in zip(cells, got, strict=True):
            try:
                number = parse_number(cell)
                if number is None:
                    expected = "is missing" if required else None
                elif number < 0:
                    expected = f"must not be below 0, found {number}"
                else:
                    expected = to_canonical(number, unit)
            except ValueParseError as exc:
                expected = str(exc)
            assert (value.message if isinstance(value, Refused) else value) == expected, cell
    assert amounts([2400.0], True, None, unit) == [float(Decimal("2400") * 10000)]


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
        assert landed.error is None and len(parsed.rows) == 8 and error is None
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
