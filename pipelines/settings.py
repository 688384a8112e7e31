"""Where ParkStats keeps things. One place for every path, overridable by environment variables.

Generated data lives under ``PARKSTATS_HOME`` (default ``<repo>/data``), which git ignores.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = Path(os.environ.get("PARKSTATS_SOURCES", REPO_ROOT / "sources"))
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# DuckDB takes 80% of RAM by default; every connection of ours (and dbt's, see profiles.yml) is capped instead,
# so the pipeline's process tree stays within a few GiB at national scale (DuckDB spills to disk beyond it).
DUCKDB_MEMORY_LIMIT = os.environ.get("PARKSTATS_DUCKDB_MEMORY", "2GB")


def duckdb_config() -> dict[str, str]:
    return {"memory_limit": DUCKDB_MEMORY_LIMIT}


@dataclass(frozen=True)
class DataPaths:
    """The generated-data folder and its parts."""

    home: Path

    @property
    def landing(self) -> Path:  # zones drop ledgers here
        return self.home / "landing"

    @property
    def raw(self) -> Path:  # every accepted file, kept immutable under its sha256
        return self.home / "raw"

    @property
    def quarantine(self) -> Path:  # files that could not be read, with an error report beside each
        return self.home / "quarantine"

    @property
    def lake(self) -> Path:  # Parquet written by Python, read by dbt
        return self.home / "lake"

    @property
    def warehouse(self) -> Path:  # the DuckDB file; dbt is its only writer
        return self.home / "warehouse" / "parkstats.duckdb"

    @property
    def published(self) -> Path:  # copies that readers (CLI, bulletin, UI) use
        return self.home / "published"

    @property
    def sample_truth(self) -> Path:  # the generator's ground truth
        return self.home / "sample_truth"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def data_paths() -> DataPaths:
    # absolute, not resolved: a data folder reached through a symbolic link keeps the path it is given, which dbt
    # keys its partial parsing to (the lake path is part of the parsed project)
    return DataPaths(Path(os.path.abspath(os.environ.get("PARKSTATS_HOME", REPO_ROOT / "data"))))


def export_env(paths: DataPaths | None = None) -> DataPaths:
    """Environment that dbt (profiles.yml), Dagster and GX read; created folders included."""
    paths = paths or data_paths()
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["PARKSTATS_HOME"] = str(paths.home)
    os.environ["PARKSTATS_LAKE"] = str(paths.lake)
    os.environ["PARKSTATS_WAREHOUSE"] = str(paths.warehouse)
    os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home))
    _install_instance_config(Path(os.environ["DAGSTER_HOME"]))
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt and dagster from this interpreter's environment, whether or not .venv/bin is on PATH
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return paths


STORAGE_ENV = "PARKSTATS_DAGSTER_STORAGE"  # sqlite (default: files in DAGSTER_HOME) or postgres (dagster.server.yaml)


def instance_config_text() -> str:
    """dagster.yaml, with its `storage` replaced by dagster.server.yaml's when PARKSTATS_DAGSTER_STORAGE=postgres."""
    text = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    storage = os.environ.get(STORAGE_ENV, "sqlite")
    if storage == "sqlite":
        return text
    if storage != "postgres":
        raise ValueError(f"{STORAGE_ENV}={storage!r}: expected sqlite or postgres")
    import importlib.util

    import yaml

    if importlib.util.find_spec("dagster_postgres") is None:
        raise RuntimeError(f"{STORAGE_ENV}=postgres needs dagster-postgres: pip install -e '.[server]'")
    config = yaml.safe_load(text)
    config["storage"] = yaml.safe_load((REPO_ROOT / "dagster.server.yaml").read_text(encoding="utf-8"))["storage"]
    return "# generated from dagster.yaml + dagster.server.yaml (PARKSTATS_DAGSTER_STORAGE=postgres)\n" + \
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def _install_instance_config(dagster_home: Path) -> None:
    """DAGSTER_HOME lives in the git-ignored data folder; the instance config is versioned at the repo root."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    text = instance_config_text()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
