"""Handing freed heap back to the operating system between the steps of a run."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def release_freed_memory() -> None:
    """Collect garbage, then ask glibc to return its free pages: after ingesting a national month the job process
    keeps ~1 GB of freed row dicts in malloc's arenas, which would otherwise count against the memory of the dbt
    build that the same run starts next. A no-op where the C library has no malloc_trim."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is not None:
        trim(0)
