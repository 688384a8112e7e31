"""The monthly bulletin (月通报): an xlsx workbook and a self-contained HTML page of one month, built from a
published release only (its parkstats.duckdb opened read-only and its release.json), never the warehouse.

    build_bulletin(release_dir, "2024-06", out_dir) -> BulletinFiles(xlsx=…, html=…)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.bulletin.data import BulletinData, load_bulletin_data
from pipelines.bulletin.release import BulletinError, latest_month

__all__ = ["BulletinError", "BulletinFiles", "build_bulletin", "latest_month"]


@dataclass(frozen=True)
class BulletinFiles:
    xlsx: Path
    html: Path
    release_id: str


def build_bulletin(release_dir: Path, month: str, out_dir: Path) -> BulletinFiles:
    """Write `parkstats-bulletin-<month>.xlsx` and `.html` into out_dir from the release in release_dir."""
    from pipelines.bulletin.html import write_html  # plotly is imported only when a bulletin is written
    from pipelines.bulletin.workbook import write_workbook

    release_dir = Path(release_dir).resolve()  # `published/current` may be swapped meanwhile: pin the release
    data = load_bulletin_data(release_dir, month)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"parkstats-bulletin-{month}"
    return BulletinFiles(xlsx=_atomic(out_dir / f"{stem}.xlsx", data, write_workbook),
                         html=_atomic(out_dir / f"{stem}.html", data, write_html),
                         release_id=data.release.release_id)


def _atomic(target: Path, data: BulletinData, write: Callable[[BulletinData, Path], Path]) -> Path:
    """Write beside the target and rename over it, so a reader never opens a half-written bulletin."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(data, Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a bulletin is for circulation
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
