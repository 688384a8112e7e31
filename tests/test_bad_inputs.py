"""Bad input (issue #8, part 1): every file of the corpus (tests/bad_inputs/corpus.py) is quarantined with a message
naming the file, sheet, row and field where they apply and what was expected, or ingested without losing a value;
the rest of the batch is unaffected, parsing is bounded in time and memory, and nothing is written outside data/."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.batch import IngestReport, ingest_months
from pipelines.ingest.guards import GuardError, load_limits
from pipelines.ingest.landing import LandedFile, archive, parse_file, quarantine, sha256_of
from pipelines.ingest.ledger import LedgerError
from pipelines.ingest.readers import read_grid
from pipelines.settings import REPO_ROOT, DataPaths
from tests.bad_inputs.corpus import (
    A_FILE,
    CORPUS,
    GOOD_FILES,
    MONTH,
    BadFile,
    build,
    build_all,
    zip_bomb,
)
from tests.ledger_files import copy_into, find

IGNORED = {"sheet", "raw_value", "raw_unit", "zone_name_raw"}  # how a value was written, not what it is


def lake_rows(home: DataPaths, table: str, rel: str) -> list[dict]:
    files = list((home.lake / table).glob("*/*.parquet"))
    if not files:
        return []
    with duckdb.connect() as con:
        cur = con.execute("select * from read_parquet(?, union_by_name = true) where source_file = ? "
                          "order by source_line", [[str(f) for f in files], rel])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def comparable(row: dict, keys: set[str], shift: int = 0) -> dict:
    out = {k: round(v, 6) if isinstance(v, float) else v for k, v in row.items() if k in keys}
    out["source_line"] -= shift
    return out


def in_any_table(home: DataPaths, rel: str) -> int:
    return sum(len(lake_rows(home, t, rel)) for t in ("zone_indicators", "firm_indicators", "project_snapshots"))


def check(home: DataPaths, sample_dir: Path, bad: BadFile, report: IngestReport) -> None:
    """The outcome the corpus promises for `bad`, in the report, the quarantine folder and the lake."""
    quarantined = {q["file"]: q["error"] for q in report.quarantined}
    if bad.outcome == "quarantined":
        assert bad.rel in quarantined, (bad.rel, [i["file"] for i in report.ingested])
        message = quarantined[bad.rel]
        assert message.startswith(bad.rel)
        where = message[len(bad.rel):].split(": ")[0]  # ", sheet S, row R, field F"
        for part, value in (("sheet", bad.sheet), ("row", bad.line), ("field", bad.field)):
            if value is not None:
                assert f", {part} {value}" in where, (part, message)
        for fragment in bad.expect:
            assert fragment in message, (fragment, message)
        reports = [json.loads(p.read_text(encoding="utf-8")) for p in home.quarantine.glob("*.error.json")]
        [saved] = [r for r in reports if r["file"] == bad.rel]
        assert saved["error"] == message
        kept = [p for p in home.quarantine.iterdir() if not p.name.endswith(".error.json")
                and sha256_of(p) == saved["sha256"]]
        assert kept, "the quarantined file is kept byte for byte"
        assert in_any_table(home, bad.rel) == 0, "nothing of a quarantined file reaches the lake"
        return
    assert bad.rel not in quarantined, quarantined.get(bad.rel)
    [entry] = [i for i in report.ingested if i["file"] == bad.rel]
    refused = [m for m in report.rejections if m.startswith(f"{bad.rel}, ")]
    for fragment in bad.expect:
        assert any(fragment in m for m in refused), (fragment, refused)
    assert len(refused) == len(bad.refused_lines) == entry["rejected"]
    assert {int(m.split(", row ")[1].split(",")[0]) for m in refused} == set(bad.refused_lines)
    assert bad.like is not None
    reference = parse_file(find(sample_dir, bad.like))
    table = reference.layout.ledger
    keys = set(reference.rows[0]) - IGNORED
    expected = [comparable(r, keys) for r in reference.rows if r["source_line"] not in bad.refused_lines]
    got = [comparable(r, keys, bad.line_shift) for r in lake_rows(home, table, bad.rel)]
    assert sorted(got, key=repr) == sorted(expected, key=repr)


@pytest.mark.parametrize("name", list(CORPUS))
def test_corpus_file(home: DataPaths, sample_dir: Path, name: str):
    bad = build(name, sample_dir, home.landing)
    report = ingest_months(home, [MONTH])
    check(home, sample_dir, bad, report)


def files_outside(root: Path, data: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*")
            if p.is_file() and data not in p.parents}


def test_one_batch_of_every_bad_file_and_the_good_ones(home: DataPaths, sample_dir: Path, tmp_path: Path):
    """All bad files and one good ledger per layout in one landing folder: every good file ingests, every bad one
    ends as the corpus says, landing is emptied, and nothing is written outside data/ (nor any shell run)."""
    corpus = build_all(sample_dir, home.landing)
    good = {f"good/{name}": name for name in GOOD_FILES if name != A_FILE}
    good["good/合肥经开区2024年1-3月主要经济指标.xlsx"] = "合肥经开区2024年1-3月主要经济指标.xlsx"
    for rel, name in good.items():
        copy_into(find(sample_dir, name), home.landing, rel)
    outside = files_outside(tmp_path, home.home)
    report = ingest_months(home, [MONTH])
    for bad in corpus:
        check(home, sample_dir, bad, report)
    ingested = {i["file"]: i for i in report.ingested}
    for rel, name in good.items():
        assert ingested[rel]["rows"] == len(parse_file(find(sample_dir, name)).rows) and not ingested[rel]["rejected"]
    assert len(report.quarantined) == sum(b.outcome == "quarantined" for b in corpus)
    assert not [p for p in home.landing.rglob("*") if p.is_file()], "every file ingested or quarantined"
    assert files_outside(tmp_path, home.home) == outside
    assert not list(tmp_path.rglob("pwned")) and not (Path.cwd() / "pwned").exists()
    assert not (REPO_ROOT / "pwned").exists()
    for path in home.home.rglob("*"):
        assert path.resolve().is_relative_to(home.home.resolve())
    assert all(len(p.name.encode()) <= 255 for p in home.quarantine.iterdir())


def test_landing_names_never_lead_outside_data(home: DataPaths, sample_dir: Path, tmp_path: Path):
    """A relative path with `..`, an absolute path, control and shell characters: archive and quarantine still
    write inside data/, under a name of their own."""
    src_bytes = find(sample_dir, A_FILE).read_bytes()
    for rel in ("../../../escape.xlsx", "/etc/cron.d/evil.xlsx", "..\\..\\win.xlsx", "a/b/\x00nul;rm -rf ~.xlsx",
                "x.xlsx;touch pwned", "..", ""):
        src = tmp_path / "src.bin"
        src.write_bytes(src_bytes)
        landed = LandedFile(rel=rel, sha256=sha256_of(src), size=src.stat().st_size, mtime_ns=0, error="test")
        stored = archive(home, src, landed)
        moved = quarantine(home, src, landed)
        assert stored.parent.parent == home.raw and moved.parent == home.quarantine, rel
        assert not set(moved.name) & set("/\\\x00;$`\n") and stored.suffix in ("", ".xlsx")
        assert (moved.parent / f"{moved.name}.error.json").exists()
    assert files_outside(tmp_path, home.home) == {}
    assert not (tmp_path / "escape.xlsx").exists() and not Path("/etc/cron.d/evil.xlsx").exists()


def limits_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "ingestion.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PARKSTATS_INGESTION", str(path))


def test_parsing_is_bounded_in_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_dir: Path):
    """A read that never ends (here a FIFO nobody writes to) is stopped at parse_timeout_seconds, and the next
    file reads normally in a new worker."""
    limits_file(tmp_path, monkeypatch, "parse_timeout_seconds: 1\n")
    fifo = tmp_path / "never.csv"
    os.mkfifo(fifo)
    started = datetime.now()
    with pytest.raises(GuardError, match=r"took longer than 1 s \(parse_timeout_seconds"):
        read_grid(fifo)
    assert (datetime.now() - started).total_seconds() < 30
    assert read_grid(find(sample_dir, A_FILE)).rows[0][0] == "上饶经开区2024年1-3月主要经济指标"


def test_limits_come_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_dir: Path):
    limits_file(tmp_path, monkeypatch, "max_file_mb: 0.001\n")
    with pytest.raises(LedgerError, match=r"over the limit of 1.0 KB \(max_file_mb"):
        parse_file(find(sample_dir, A_FILE), "a.xlsx")
    limits_file(tmp_path, monkeypatch, "max_uncompressed_mb: 16\nmax_compression_ratio: 100000\n")
    bad = zip_bomb(sample_dir, tmp_path / "landing")
    with pytest.raises(LedgerError, match=r"refused as a zip bomb: the xlsx archive \(.*\) unpacks to 32\.\d MB, "
                                          r"over the limit of 16\.0 MB"):
        parse_file(tmp_path / "landing" / bad.rel, bad.rel)
    limits_file(tmp_path, monkeypatch, "max_cells: 20\n")
    with pytest.raises(LedgerError, match=r"spans 21 rows × 5 columns = 105 cells .* over the limit of 100,000 rows "
                                          r"/ 20 cells"):
        parse_file(find(sample_dir, A_FILE), "a.xlsx")
    limits_file(tmp_path, monkeypatch, "parse_in_worker: false\n")  # the same reader, in this process
    assert len(parse_file(find(sample_dir, A_FILE)).rows) == 8
    bad = build("stray_quote_csv", sample_dir, tmp_path / "landing")
    with pytest.raises(LedgerError, match="row 5: a quoted value starting on line 5 is never closed"):
        parse_file(tmp_path / "landing" / bad.rel, bad.rel)
    limits_file(tmp_path, monkeypatch, "max_file_bytes: 10\n")
    with pytest.raises(ValueError, match="unknown keys \\['max_file_bytes'\\]"):
        load_limits()
