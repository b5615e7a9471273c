"""A bounded three-stage pipeline: prepare (thread) -> judge (caller's thread) -> record (thread).

The model call runs in the caller's thread while the next batches are rendered and keyed
and the previous ones are parsed and written, so an engine that releases the GIL (vLLM's
engine core, an HTTP client) never waits on judgekit. Queues hold at most ``depth`` batches
(the judged queue ``max(depth, gather)``), so memory stays bounded whatever the suite's size.
The first exception in any stage stops every stage and is raised in the caller; batches are
recorded in the order they were prepared.

The record stage takes every judged batch already waiting (up to ``gather``) in one call:
when writing is slower than judging (a disk whose fsync takes tens of milliseconds), the
batches that piled up meanwhile go into one durable transaction instead of one each (group
commit); when writing keeps up, each call gets one batch.
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
    """Raised inside a stage when the pipeline is stopping."""


class Pipeline(Generic[T, U]):
    """Run ``record([judge(batch), ...])`` for every batch of ``prepare``, stages overlapping.

    When a stage fails, no new batch is prepared or judged, the batches already judged are
    still recorded (the model's work is not thrown away), and then the error is raised.

    Args:
        prepare: Yields batches (runs in its own thread).
        judge: Turns a batch into a result (runs in the thread that calls :meth:`run`).
        record: Stores results, one or more at a time (runs in its own thread, in
            preparation order).
        depth: Batches each queue may hold.
        gather: Most results one ``record`` call gets (those already waiting).

    """

    def __init__(self, prepare: Iterable[T], judge: Callable[[T], U],
                 record: Callable[[list[U]], None], depth: int = 2, gather: int = 1) -> None:
        self._prepare, self._judge, self._record = prepare, judge, record
        self._gather = max(1, gather)
        self._todo: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._done: queue.Queue[object] = queue.Queue(maxsize=max(depth, self._gather))
        self._stop = threading.Event()  # no new work: prepare and judge end
        self._recorder_failed = threading.Event()  # nobody records: judge ends too
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
            self._stop.set()
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
            self._stop.set()

    @staticmethod
    def _put(q: queue.Queue[object], value: object, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                q.put(value, timeout=0.05)
                return
            except queue.Full:
                continue
        raise _Stop

    @staticmethod
    def _take(q: queue.Queue[object], stop: threading.Event) -> object:
        while not stop.is_set():
            try:
                return q.get(timeout=0.05)
            except queue.Empty:
                continue
        raise _Stop

    def _produce(self) -> None:
        for batch in self._prepare:
            self._put(self._todo, batch, self._stop)
        self._put(self._todo, _END, self._stop)

    def _middle(self) -> None:
        try:
            while (batch := self._take(self._todo, self._stop)) is not _END:
                self._put(self._done, self._judge(batch), self._recorder_failed)  # type: ignore[arg-type]
        finally:  # the recorder ends after what was judged, even when this stage failed
            self._put(self._done, _END, self._recorder_failed)

    def _consume(self) -> None:
        try:
            ended = False
            while not ended:
                results = [self._done.get()]
                while len(results) < self._gather and results[-1] is not _END:
                    try:
                        results.append(self._done.get_nowait())
                    except queue.Empty:
                        break
                ended = results[-1] is _END
                if ended:
                    results.pop()
                if results:
                    self._record(results)  # type: ignore[arg-type]
        except BaseException:
            self._recorder_failed.set()
            raise
