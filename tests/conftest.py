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
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, generated once per session (read-only: copy before changing)."""
    from pipelines.sample import generate_sample

    root = tmp_path_factory.mktemp("sample")
    generate_sample(root / "landing", root / "truth")
    return root
