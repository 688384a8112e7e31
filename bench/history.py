"""Scratch data folders of the benchmark, under bench/tmp (git-ignored), never data/.

Generating and loading 23 months of national history takes long, so both are cached:

- ``cache/gen-v<generator>-z<zones>-<months>/months/<YYYY-MM>/…``: the generated ledgers, one folder per month;
- ``cache/hist-…-<fingerprint>/{h1,hN}``: two loaded data folders (lake, raw archive, warehouse): only the last
  history month, and all of them. The fingerprint covers the code and configuration that shape the lake and
  the warehouse, so a change there reloads the history from the cached ledgers (without regenerating them).

History is loaded with the pipeline's own parts, month by month (``ingest_months``: the reader the Dagster
asset calls, minus the checks), then one ``dbt run`` builds the warehouse. Each benchmark run works on a copy
(``clone_home``): lake and raw archive are hard links (the pipeline replaces lake files by rename and never
rewrites an archived file), the warehouse is copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.sample.national import GENERATOR_VERSION, generate_national
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, SOURCES_DIR, DataPaths, export_env

BENCH_DIR = REPO_ROOT / "bench"
DEFAULT_TMP = BENCH_DIR / "tmp"
# What shapes the lake and the warehouse: a change here invalidates loaded history (not generated ledgers).
FINGERPRINT_PATHS = (
    REPO_ROOT / "pipelines" / "ingest", REPO_ROOT / "pipelines" / "lake.py", REPO_ROOT / "pipelines" / "lake_schema.py",
    REPO_ROOT / "pipelines" / "reference.py", REPO_ROOT / "pipelines" / "registry.py", SOURCES_DIR,
    DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "dbt_project.yml",
)  # fmt: skip

Log = Callable[[str], None]


def use_home(home: Path) -> DataPaths:
    """Point ParkStats (and Dagster) at ``home`` for everything that follows in this process."""
    os.environ["PARKSTATS_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")  # export_env only sets it when unset
    return export_env(DataPaths(home))


def fingerprint() -> str:
    digest = hashlib.sha1()
    for root in FINGERPRINT_PATHS:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def month_files(month_dir: Path) -> list[Path]:
    return sorted(p for p in month_dir.rglob("*") if p.is_file())


def deliver(month_dir: Path, landing: Path) -> int:
    """Drop a month's ledgers into a landing folder as hard links (same bytes, same mtime = receipt time)."""
    files = month_files(month_dir)
    for src in files:
        dst = landing / src.relative_to(month_dir)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, dst)
    return len(files)


def dbt_command(args: list[str], home: Path, log_file: Path) -> float:
    """Run dbt (this interpreter's) on the data folder ``home``; returns seconds. Output goes to ``log_file``."""
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [dbt, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(home / "dbt" / "target"), "--log-path", str(home / "dbt" / "logs")]
    log_file.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {done.returncode}); see {log_file}:\n{tail}")
    return time.perf_counter() - start


def load_home(home: Path, months_dir: Path, months: list[str], log: Log) -> dict:
    """Ingest ``months`` (one at a time) into a fresh data folder and build its warehouse."""
    from pipelines.ingest.batch import ingest_months
    from pipelines.reference import write_reference_tables

    paths = use_home(home)
    write_reference_tables(paths.lake)
    per_month: dict[str, dict] = {}
    start = time.perf_counter()
    for month in months:
        t = time.perf_counter()
        delivered = deliver(months_dir / month, paths.landing)
        report = ingest_months(paths, [month])
        per_month[month] = {"files": delivered, "ingested": len(report.ingested), "seconds": time.perf_counter() - t,
                            "quarantined": len(report.quarantined), "rejected_rows": len(report.rejections)}
        if report.quarantined or len(report.ingested) != delivered:
            raise RuntimeError(f"loading {month} into {home}: {report.summary()}; first problems: "
                               f"{report.quarantined[:3]}")
        log(f"  {home.name}: {month} ingested {delivered} files in {per_month[month]['seconds']:.1f} s")
    ingest_seconds = time.perf_counter() - start
    dbt_seconds = dbt_command(["run"], home, home / "logs" / "history-dbt.log")
    log(f"  {home.name}: dbt run over {len(months)} months in {dbt_seconds:.1f} s")
    return {"months": months, "ingest_seconds": ingest_seconds, "dbt_run_seconds": dbt_seconds,
            "files": sum(m["files"] for m in per_month.values()), "per_month": per_month}


@dataclass(frozen=True)
class History:
    months_dir: Path  # generated ledgers of the history months, one folder per month
    homes: dict[str, Path]  # "h1" (last history month only), "hN" (all history months, unless only one)
    generation: dict  # how the ledgers were generated (seconds, files), possibly in an earlier session
    load: dict  # how the homes were loaded
    cached: bool  # True when nothing had to be generated or loaded in this session


def ensure_history(tmp: Path, zones: int | None, months: list[str], workers: int, log: Log) -> History:
    """Generated ledgers and loaded data folders for ``months``, from the cache when they are there."""
    cache = tmp / "cache"
    label = "all" if zones is None else str(zones)
    gen_dir = cache / f"gen-v{GENERATOR_VERSION}-z{label}-{months[0]}_{months[-1]}"
    cached = True
    if not (gen_dir / "done.json").exists():
        cached = False
        shutil.rmtree(gen_dir, ignore_errors=True)
        log(f"generating {len(months)} months of history for {label} zones (cached afterwards in {gen_dir}) …")
        summary = generate_national(gen_dir / "months", months[0], months[-1], zones=zones, workers=workers,
                                    month_dirs=True)
        meta = {"seconds": summary.seconds, "zones": summary.zones, "files": summary.total_files,
                "files_per_layout": summary.files_per_layout, "firm_rows": summary.firm_rows,
                "project_rows": summary.project_rows, "generator_version": GENERATOR_VERSION}
        (gen_dir / "done.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        log(f"  generated {summary.total_files} files in {summary.seconds:.0f} s")
    generation = json.loads((gen_dir / "done.json").read_text(encoding="utf-8"))

    hist_dir = cache / f"hist-v{GENERATOR_VERSION}-z{label}-{months[0]}_{months[-1]}-{fingerprint()}"
    homes = {"h1": hist_dir / "h1", "hN": hist_dir / "hN"}
    if not (hist_dir / "done.json").exists():
        cached = False
        shutil.rmtree(hist_dir, ignore_errors=True)
        for stale in cache.glob(f"hist-v*-z{label}-{months[0]}_{months[-1]}-*"):
            shutil.rmtree(stale, ignore_errors=True)  # loaded by other pipeline code: of no use any more
        log(f"loading history into {hist_dir} (1 month and {len(months)} months) …")
        load = {"h1": load_home(homes["h1"], gen_dir / "months", months[-1:], log)}
        if len(months) > 1:
            load["hN"] = load_home(homes["hN"], gen_dir / "months", months, log)
        (hist_dir / "done.json").write_text(json.dumps(load, indent=2), encoding="utf-8")
    load = json.loads((hist_dir / "done.json").read_text(encoding="utf-8"))
    if len(months) == 1:
        homes = {"h1": homes["h1"]}
    return History(gen_dir / "months", homes, generation, load, cached)


def clone_home(src: Path, dst: Path) -> DataPaths:
    """A working copy of a loaded data folder: hard-linked lake and raw archive, everything else copied
    (warehouse, state, dbt target for partial parsing, …), and no Dagster storage (each run starts one)."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    for part in sorted(src.iterdir()):
        if part.name in ("lake", "raw"):
            shutil.copytree(part, dst / part.name, copy_function=os.link)
        elif part.name not in ("dagster", "logs", "landing") and part.is_dir():
            shutil.copytree(part, dst / part.name, symlinks=True)
    return DataPaths(dst)
