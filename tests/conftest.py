"""Shared fixtures: a private PARKSTATS_HOME per test session, and the sample ledgers generated into it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty data folder, used by everything that calls data_paths()."""
    from pipelines.settings import DataPaths

    monkeypatch.setenv("PARKSTATS_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster"))
    return DataPaths(tmp_path / "data")


@pytest.fixture(scope="session")
def sample_summary(tmp_path_factory: pytest.TempPathFactory):
    """The bundled sample, generated once per session (read-only: copy before changing)."""
    from pipelines.sample import generate_sample

    root = tmp_path_factory.mktemp("sample")
    return generate_sample(root / "landing", root / "truth")


@pytest.fixture(scope="session")
def sample_dir(sample_summary) -> Path:
    """Folder of the session's sample: landing/ (the ledgers) and truth/ (the ground truth)."""
    return sample_summary.landing_dir.parent


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path):
    """The whole sample run once through the monthly Dagster job, in a private data folder (end-to-end tests)."""
    import shutil

    from pipelines.runner import run_months
    from pipelines.settings import DataPaths

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("e2e")
    home = DataPaths(root / "data")
    mp.setenv("PARKSTATS_HOME", str(home.home))
    mp.setenv("DAGSTER_HOME", str(home.dagster_home))
    shutil.copytree(sample_dir / "landing", home.landing)  # copytree keeps the mtimes = receipt times
    outcome = run_months("2023-01", "2024-12", raise_on_error=True)
    yield home, outcome
    mp.undo()

