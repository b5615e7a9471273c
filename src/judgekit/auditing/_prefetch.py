"""Read a file in a background thread while the caller does something else, then take it.

An audit reads its labels and its gold one after the other; both are mostly pyarrow and numpy
work, which releases the GIL, so on two cores reading the gold in a second thread while the
labels are read takes the gold's time off the wall clock. The thread reads with pyarrow's own
threads off (:mod:`._read`), is not a daemon (the interpreter waits for it before it exits),
and a result is used only for the same file, unchanged since, read with the same options.

The thread imports nothing: two threads importing modules that import each other can
deadlock (Python then raises in one of them, and the other sees a half-imported package). A
read that would import a module in the thread (say, to word an error about a file pyarrow
cannot read) raises :class:`InCaller` instead, and the caller reads the file itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_HERE = threading.local()


class InCaller(Exception):
    """Raised by a background read that must be done in the caller's thread instead."""


def in_background() -> bool:
    """Whether this code runs in a :class:`Prefetch` thread (where nothing may be imported)."""
    return bool(getattr(_HERE, "active", False))


class Prefetch(Generic[T]):
    """One read at a time, started early and taken once.

    Args:
        read: ``read(path, options)``: what is read, in the thread or (when nothing was
            started for these arguments) in the caller's.

    """

    def __init__(self, read: Callable[[Path, Any], T]) -> None:
        self.read = read
        self._lock = threading.Lock()
        self._job: _Job[T] | None = None

    def start(self, path: Path, options: Any) -> None:
        """Start reading ``path`` in a background thread (replacing a read not taken)."""
        job = _Job(self.read, path, options)
        with self._lock:
            old, self._job = self._job, job
        if old is not None:
            old.thread.join()
        job.thread.start()

    def take(self, path: Path, options: Any) -> T:
        """What was read for these arguments (waiting for the thread), else read it now."""
        with self._lock:
            job, self._job = self._job, None
        if job is None:
            return self.read(path, options)
        job.thread.join()
        if job.key != _key(path, options) or job.stamp != _stamp(path):
            return self.read(path, options)
        if isinstance(job.error, InCaller):
            return self.read(path, options)
        if job.error is not None:
            raise job.error
        assert job.value is not None
        return job.value

    def discard(self) -> None:
        """Wait for a read not taken and drop it."""
        with self._lock:
            job, self._job = self._job, None
        if job is not None:
            job.thread.join()


class _Job(Generic[T]):
    def __init__(self, read: Callable[[Path, Any], T], path: Path, options: Any) -> None:
        self.key, self.stamp = _key(path, options), _stamp(path)
        self.value: T | None = None
        self.error: BaseException | None = None

        def run() -> None:
            _HERE.active = True
            try:
                self.value = read(path, options)
            except BaseException as exc:  # re-raised by the caller that takes it
                self.error = exc

        self.thread = threading.Thread(target=run, name=f"judgekit read {path.name}")


def _key(path: Path, options: Any) -> tuple[str, Any]:
    return os.path.abspath(path), options


def _stamp(path: Path) -> tuple[int, int] | None:
    """The file's size and modification time (None: it cannot be read)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
