"""Parse and store a run's labels in a third process, so the run's process only feeds the judge.

With the batches prepared by a second process (:mod:`._worker`), the run's own process is
left with the model call and the record stage (parse each completion, build its row, insert,
commit): an engine that must never wait shares its core with them. :class:`Remote` moves the
record stage (:class:`judgekit.run._record.Recorder`) into a **spawned** ``python -c``
process (never forked: the run's process may hold a vLLM engine). Judged batches cross a pipe
as plain tuples (requests as item id, order and key; completions as their fields); the child
commits them, several at once when they pile up (at most :data:`GATHER` requests per
transaction, as the thread path does), and sends back one :class:`Tally` per batch after its
commit: the run's summary, progress line and watch see each batch only once it is durable.

SIGKILL-safe as before: the child stores whole batches only, each transaction all or nothing;
a run killed at any instant leaves the child an end of file, and it exits without storing
the message it was reading (a killed child leaves the run a broken pipe: the run fails, and
a resume judges what is missing). A watch that may stop the run, or one that reads labels
(it has no ``tally`` method), keeps the record stage in the run's process.
"""

from __future__ import annotations

import os
import pickle
import queue
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Completion, Request, Sampling
from judgekit.run._prepare import Batch
from judgekit.run._record import Accounts, Recorder, Tally
from judgekit.run._store import Store
from judgekit.run._verdict import LabelStep
from judgekit.run._watch import Watch
from judgekit.run._worker import ENV, portable, put, spawn

GATHER = 1024
"""Most requests one transaction of the child stores when judged batches pile up."""


def use_writer(watch: Watch | None) -> bool:
    """Whether ``watch`` lets the record stage leave the run's process (counts suffice)."""
    return watch is None or (not getattr(watch, "may_stop", True)
                             and callable(getattr(watch, "tally", None)))


@dataclass
class WriteJob:
    """What the child needs to store a run's labels (pickled to it).

    Attributes:
        store: The run's SQLite store.
        models: Judge model ids.
        step: Turns a completion into a label.
        sampling: The suite's sampling (requests that use it cross without it).
        bulk: The run stores its completions without their key index (:meth:`Store.bulk`),
            about this many.

    """

    store: Path
    models: list[str]
    step: LabelStep
    sampling: Sampling
    bulk: int | None = None


def write_job_bytes(job: WriteJob) -> bytes | None:
    """``job`` pickled, or None when a part of it (a checker) does not pickle."""
    try:
        return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


class Remote:
    """The record stage in a child process: :meth:`write` sends, a thread takes the tallies.

    Args:
        job: :func:`write_job_bytes` of the run's :class:`WriteJob`.
        sampling: The suite's sampling.
        accounts: Where tallies go (the run's summary, progress, watch).

    """

    def __init__(self, job: bytes, sampling: Sampling, accounts: Accounts) -> None:
        self._child = spawn(__name__)
        self._sampling, self._accounts = sampling, accounts
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._receive, daemon=True,
                                        name="judgekit-tallies")
        self._thread.start()
        self._send(job, raw=True)

    def write(self, done: list[Batch]) -> None:
        """Send judged batches to be stored (blocks while the child is behind)."""
        if self._error is not None:
            raise self._error
        self._send([_wire(b, self._sampling) for b in done])

    def finish(self) -> None:
        """Wait until everything sent is stored and accounted for; raise what failed."""
        self._send(None)
        self._close_input()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """End the child (killed if still running) and wait for it."""
        self._close_input()
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        self._thread.join()
        assert self._child.stdout is not None
        self._child.stdout.close()

    def _send(self, message: object, raw: bool = False) -> None:
        stdin = self._child.stdin
        assert stdin is not None
        blob = message if isinstance(message, bytes) and raw else pickle.dumps(
            message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            stdin.write(blob)
            stdin.flush()
        except (BrokenPipeError, ValueError):  # the child ended: the tally thread says why
            self._thread.join()
            raise self._error or self._ended() from None

    def _close_input(self) -> None:
        stdin = self._child.stdin
        assert stdin is not None
        try:
            stdin.close()
        except BrokenPipeError:
            pass

    def _receive(self) -> None:
        stdout = self._child.stdout
        assert stdout is not None
        try:
            while (message := pickle.load(stdout)) is not None:
                if isinstance(message, BaseException):
                    raise message
                self._accounts.add(message, None)
        except (EOFError, pickle.UnpicklingError):
            self._error = self._ended()
        except BaseException as exc:
            self._error = exc

    def _ended(self) -> RunError:
        return RunError(f"the process storing the run's labels ended without a word (exit "
                        f"code {self._child.wait()}); set {ENV}=0 to store them in this "
                        "process")


def _wire(batch: Batch, sampling: Sampling) -> tuple[Any, ...]:
    """A judged batch as plain tuples (requests of the suite's sampling without it)."""
    rows = [(r.item_id, r.order, k) if r.sampling is sampling or r.sampling == sampling
            else (r, k) for r, k in batch.requests]
    answers = {k: (c.text, c.tokens, c.top_logprobs, c.prompt_tokens, c.error)
               for k, c in batch.answers.items()}
    return batch.judge, batch.skipped, rows, batch.cached, batch.items, answers


def _unwire(message: Sequence[Any], sampling: Sampling) -> Batch:
    """Inverse of :func:`_wire`."""
    judge, skipped, rows, cached, items, answers = message
    requests = [(Request(row[0], row[1], (), sampling), row[2]) if len(row) == 3
                else (row[0], row[1]) for row in rows]
    return Batch(judge, requests, items=items, cached=cached, skipped=skipped,
                 answers={k: Completion(*a) for k, a in answers.items()})


def serve() -> None:
    """The child: read the job, then store batches until told to stop; tallies to stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the tallies
    inbox: queue.Queue[object] = queue.Queue(maxsize=8)
    try:
        job: WriteJob = pickle.load(sys.stdin.buffer)
        threading.Thread(target=_read, args=(inbox,), daemon=True).start()
        with Store(job.store, index=False) as store:
            if job.bulk is not None:
                store.bulk(job.bulk)
            recorder = Recorder(job.models, store, job.step)
            while (group := _gather(inbox)) is not None:
                with store.batch():
                    tallies = [_store_one(recorder, job, m) for m in group]
                put(out, tallies)
        put(out, None)
    except EOFError:  # the run ended (or was killed) in the middle: store nothing more
        os._exit(0)
    except BaseException as exc:  # reported to the run, which raises it
        put(out, portable(exc, "storing the run's labels"))


def _read(inbox: queue.Queue[object]) -> None:
    """Messages from the run, then None at its end; an end of file mid-run: EOFError."""
    try:
        while (message := pickle.load(sys.stdin.buffer)) is not None:
            inbox.put(message)
        inbox.put(None)
    except BaseException as exc:  # EOFError: the run died
        inbox.put(EOFError(str(exc)))


def _gather(inbox: queue.Queue[object]) -> list[Any] | None:
    """The next group of batches (as sent): what is waiting, up to :data:`GATHER` requests."""
    first = inbox.get()
    if first is None or isinstance(first, BaseException):
        if isinstance(first, BaseException):
            raise first
        return None
    group: list[Any] = list(first)  # type: ignore[call-overload]
    while sum(len(m[2]) for m in group) < GATHER:
        try:
            more = inbox.get_nowait()
        except queue.Empty:
            break
        if more is None or isinstance(more, BaseException):
            inbox.put(more)  # ends the next call (after this group is stored)
            break
        group.extend(more)  # type: ignore[arg-type]
    return group


def _store_one(recorder: Recorder, job: WriteJob, message: Sequence[Any]) -> Tally:
    """Store one judged batch (as sent); its tally.

    Verdicts of a suite without a checker go the short way: straight from the completions'
    fields to the store's rows (:meth:`Store.verdict_rows`), the same rows as the full path.
    """
    judge, skipped, rows, cached, _, answers = message
    model, store, step = job.models[judge], recorder.store, recorder.step
    if step.checker is None and not cached and all(len(row) == 3 for row in rows):
        made = store.verdict_rows(model, rows, answers, job.sampling, step.values)
        if made is not None:
            if made:
                store.add_rows(made, answers)
            return Tally(model, skipped, len(made), len(answers))
    return recorder.store_one(_unwire(message, job.sampling))
