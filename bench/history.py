"""Scratch data folders of the benchmark, under bench/tmp (git-ignored), never data/.

Generating and loading 23 months of national history takes long, so both are cached:

- ``cache/gen-v<generator>-z<zones>-<months>/months/<YYYY-MM>/…``: the generated ledgers, one folder per month;
- ``cache/hist-…-<fingerprint>/{h1,hN}``: two loaded data folders: only the last history month, and all of them.
  The fingerprint covers the code and configuration of the pipeline, so a change there reloads the history from
  the cached ledgers (without regenerating them).

History is loaded the way an office takes ParkStats into use, through the real monthly job (`parkstats run`:
ingestion, checks, dbt build, warehouse rules, publishing, bulletin), each run in a process of its own: the
earlier months back-loaded a few at a time (`--from A --to B`), then the last history month alone, as every month
afterwards. The measured month then starts from the steady state — a previous monthly release, check results,
reference data already current, the Dagster run history — and its process is not burdened by the history's.

Each benchmark run works on a copy (``clone_home``): lake, raw archive and published releases are hard links
(the pipeline replaces lake files by rename and never rewrites an archived file or a release), the rest is
copied. Every data folder is used through one fixed path, ``<tmp>/home``, a symbolic link switched to the folder
in use: dbt keys its partial parsing to the paths it is given (PARKSTATS_LAKE appears in dbt_project.yml), so an
office, whose data folder never moves, never re-parses — and neither does the benchmark.
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
# The pipeline whose steady state the loaded history is: a change here reloads the history (not the ledgers).
FINGERPRINT_PATHS = (
    REPO_ROOT / "pipelines", SOURCES_DIR, REPO_ROOT / "expectations", REPO_ROOT / "dagster.yaml",
    DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests",
    DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml",
)  # fmt: skip
NOT_FINGERPRINTED = ("pipelines/sample",)  # the generator has its own version (GENERATOR_VERSION)

Log = Callable[[str], None]


def use_home(home: Path, tmp: Path) -> DataPaths:
    """Point ParkStats (and Dagster) at ``home`` for everything that follows in this process, through the fixed
    path ``<tmp>/home`` (a symbolic link, replaced atomically)."""
    home.mkdir(parents=True, exist_ok=True)
    link = tmp / "home"
    tmp_link = tmp / f".home.{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(home.resolve(), target_is_directory=True)
    os.replace(tmp_link, link)
    os.environ["PARKSTATS_HOME"] = str(link)
    os.environ["DAGSTER_HOME"] = str(link / "dagster")  # export_env only sets it when unset
    for name in ("PARKSTATS_LAKE", "PARKSTATS_WAREHOUSE"):  # make exports them for data/: derive from the home
        os.environ.pop(name, None)
    return export_env(DataPaths(link))


def fingerprint() -> str:
    digest = hashlib.sha1()
    for root in FINGERPRINT_PATHS:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(REPO_ROOT).as_posix()
            if "__pycache__" in path.parts or rel.startswith(NOT_FINGERPRINTED):
                continue
            digest.update(rel.encode())
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


# Months back-loaded per run of the job when a history is loaded (an office taking ParkStats into use): the
# lake checks of a run hold its months' current rows in memory, ~0.3 GB a national month.
BACKLOAD_MONTHS = 8


def history_runs(months: list[str], size: int = BACKLOAD_MONTHS) -> list[list[str]]:
    """The runs that load ``months``: the earlier ones back-loaded in runs of up to ``size`` months, then the last
    one alone, as every month afterwards is run — so the measured month follows a monthly run (its release,
    check results and Dagster history), as it does in an office."""
    head = months[:-1]
    return [head[i : i + size] for i in range(0, len(head), size)] + [months[-1:]]


def load_home(home: Path, tmp: Path, months_dir: Path, months: list[str], log: Log) -> dict:
    """Load ``months`` into a fresh data folder through the real monthly job (``parkstats run``: ingestion,
    checks, dbt build, warehouse rules, publishing, bulletin), each run in a process of its own."""
    paths = use_home(home, tmp)
    parkstats = str(Path(sys.executable).parent / "parkstats")
    runs: list[dict] = []
    start = time.perf_counter()
    for batch in history_runs(months):
        t = time.perf_counter()
        delivered = sum(deliver(months_dir / month, paths.landing) for month in batch)
        first, last = batch[0], batch[-1]
        log_file = home / "logs" / f"history-{first}_{last}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("w", encoding="utf-8") as out:
            done = subprocess.run([parkstats, "run", "--from", first, "--to", last], stdout=out,
                                  stderr=subprocess.STDOUT, env=os.environ.copy(), check=False)
        text = log_file.read_text(encoding="utf-8", errors="replace")
        if done.returncode != 0 or f"ingested {delivered} new files" not in text or " 0 quarantined" not in text:
            raise RuntimeError(f"loading {first}..{last} into {home}: `parkstats run` exit {done.returncode}, "
                               f"{delivered} files delivered; see {log_file}:\n{text[-3000:]}")
        runs.append({"months": batch, "files": delivered, "seconds": time.perf_counter() - t})
        log(f"  {home.name}: {first}..{last} run through the monthly job ({delivered} files) in "
            f"{runs[-1]['seconds']:.1f} s")
    return {"months": months, "seconds": time.perf_counter() - start,
            "files": sum(r["files"] for r in runs), "runs": runs}


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
        load = {"h1": load_home(homes["h1"], tmp, gen_dir / "months", months[-1:], log)}
        if len(months) > 1:
            load["hN"] = load_home(homes["hN"], tmp, gen_dir / "months", months, log)
        (hist_dir / "done.json").write_text(json.dumps(load, indent=2), encoding="utf-8")
    load = json.loads((hist_dir / "done.json").read_text(encoding="utf-8"))
    if len(months) == 1:
        homes = {"h1": homes["h1"]}
    return History(gen_dir / "months", homes, generation, load, cached)


IMMUTABLE = ("lake", "raw", "published/releases")  # replaced by rename, never rewritten in place: hard links


def clone_home(src: Path, dst: Path) -> DataPaths:
    """A working copy of a loaded data folder: the lake, raw archive and releases hard-linked, everything else
    copied (warehouse, state, check results, Dagster storage, dbt target for partial parsing, …)."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    for part in sorted(src.iterdir()):
        if part.name in ("logs", "landing") or not part.is_dir():
            continue
        shutil.copytree(part, dst / part.name, symlinks=True,
                        ignore=lambda folder, names: [n for n in names if _immutable(src, Path(folder) / n)])
    for rel in IMMUTABLE:
        if (src / rel).is_dir():
            shutil.rmtree(dst / rel, ignore_errors=True)
            shutil.copytree(src / rel, dst / rel, symlinks=True, copy_function=os.link)
    return DataPaths(dst)


def _immutable(root: Path, path: Path) -> bool:
    return path.relative_to(root).as_posix() in IMMUTABLE
