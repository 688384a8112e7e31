"""Reading what the tests built, as readers do."""

from __future__ import annotations

import duckdb


def published(home, sql: str, params: list | None = None) -> list[tuple]:
    """Query the current published release, read-only, as every reader does."""
    with duckdb.connect(str(home.published / "current" / "parkstats.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
