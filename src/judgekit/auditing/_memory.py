"""Hand memory freed by a reading step back to the system before the next step allocates more.

Reading a million labels allocates and frees several hundred MB of temporaries. pyarrow's
memory pool (mimalloc) and glibc's malloc keep freed pages for reuse, so without this the
process's resident memory only grows from step to step: measured on 10^6 labels, ~120 MB held
by the pool and ~145 MB by malloc after the join, none of it in use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release() -> None:
    """Return freed memory of pyarrow's pool and of malloc (glibc; elsewhere a no-op)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
