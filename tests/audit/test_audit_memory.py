"""Freed memory handed back between reading steps (:mod:`judgekit.auditing._memory`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from judgekit.auditing._memory import _libc, release

STATUS = Path("/proc/self/status")


def rss_mib() -> float:
    line = next(x for x in STATUS.read_text().splitlines() if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(not STATUS.exists(), reason="needs /proc (Linux)")
def test_pool_memory_freed_by_pyarrow_is_returned() -> None:
    release()
    base = pa.array(np.arange(200_000))
    junk = [pc.add(base, 1) for _ in range(100)]  # 160 MB from pyarrow's pool
    del junk
    before = rss_mib()
    release()
    assert rss_mib() < before - 80


@pytest.mark.skipif(not STATUS.exists() or _libc() is None, reason="needs glibc malloc_trim")
def test_heap_holes_freed_by_numpy_are_returned() -> None:
    release()
    junk, keep = [], []
    for _ in range(20_000):  # 16 KB arrays from malloc's heap, small survivors between them
        junk.append(np.ones(2000))
        keep.append(np.ones(10))
    del junk
    before = rss_mib()
    release()
    assert rss_mib() < before - 150
    assert len(keep) == 20_000
