"""A bounded three-stage pipeline: prepare (thread) -> judge (caller's thread) -> record (thread).

The model call runs in the caller's thread while the next batches are rendered and keyed
and the previous ones are parsed and written, so an engine that releases the GIL (vLLM's
engine core, an HTTP client) never waits on judgekit. Queues hold at most ``depth`` batches
each, so memory stays bounded whatever the suite's size. The first exception in any stage
stops every stage and is raised in the caller; batches are recorded in the order they were
prepared.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

_END = object()


class _Stop(Exception):
    """Raised inside a stage when another stage failed."""


class Pipeline(Generic[T, U]):
    """Run ``record(judge(batch))`` for every batch of ``prepare``, stages overlapping.

    Args:
        prepare: Yields batches (runs in its own thread).
        judge: Turns a batch into a result (runs in the thread that calls :meth:`run`).
        record: Stores a result (runs in its own thread, in preparation order).
        depth: Batches each queue may hold.

    """

    def __init__(self, prepare: Iterable[T], judge: Callable[[T], U],
                 record: Callable[[U], None], depth: int = 2) -> None:
        self._prepare, self._judge, self._record = prepare, judge, record
        self._todo: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._done: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._failed = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        """Run every stage to the end, or raise the first exception any stage raised."""
        threads = [threading.Thread(target=self._guard, args=(self._produce,), daemon=True,
                                    name="judgekit-prepare"),
                   threading.Thread(target=self._guard, args=(self._consume,), daemon=True,
                                    name="judgekit-record")]
        for t in threads:
            t.start()
        try:
            self._guard(self._middle)
        finally:
            if self._error is not None:
                self._failed.set()
            for t in threads:
                t.join()
        if self._error is not None:
            raise self._error

    def _guard(self, stage: Callable[[], None]) -> None:
        try:
            stage()
        except _Stop:
            pass
        except BaseException as exc:  # every stage's failure ends the run, raised once
            with self._lock:
                if self._error is None:
                    self._error = exc
            self._failed.set()

    def _put(self, q: queue.Queue[object], value: object) -> None:
        while True:
            if self._failed.is_set():
                raise _Stop
            try:
                q.put(value, timeout=0.05)
                return
            except queue.Full:
                continue

    def _get(self, q: queue.Queue[object]) -> object:
        while True:
            if self._failed.is_set():
                raise _Stop
            try:
                return q.get(timeout=0.05)
            except queue.Empty:
                continue

    def _produce(self) -> None:
        for batch in self._prepare:
            self._put(self._todo, batch)
        self._put(self._todo, _END)

    def _middle(self) -> None:
        while (batch := self._get(self._todo)) is not _END:
            self._put(self._done, self._judge(batch))  # type: ignore[arg-type]
        self._put(self._done, _END)

    def _consume(self) -> None:
        while (result := self._get(self._done)) is not _END:
            self._record(result)  # type: ignore[arg-type]
