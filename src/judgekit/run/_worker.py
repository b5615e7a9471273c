"""Prepare a run's batches in a second process, so reading, rendering and keying use another core.

The judge stage keeps the run's process busy (the record stage may run in a third process,
:mod:`judgekit.run._writer`); :func:`prepared_elsewhere` moves the prepare stage
(:func:`judgekit.run._prepare.batches`: read items, render, key, ask the store what is done)
into a **spawned** process (never forked: the run's process may hold a vLLM engine). The
child reads the store through a connection of its own (WAL: readers see every committed
batch) and writes no label, so a run killed at any instant is as safe as before; batches
reach the run through a pipe, whose buffer bounds how far ahead the child gets, and a child
whose run died exits at its next write (a broken pipe). As it reads the suite's items it
also writes the run's items snapshot, when one is due (:func:`judgekit.run._snapfile.teed`).

Batches cross as plain tuples: a request of the usual shape (the run's system message, one
user message, the suite's sampling) travels as its item id, order, user message and key, and
is built again here (unpickling whole ``Request`` objects would cost the run's process more
than rendering them). The result is the same batches, in the same order, as the thread path.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Item, Message, Request
from judgekit.content._hidden import Mixer
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._render import Renderer
from judgekit.run._prepare import Batch, batches
from judgekit.run._snapfile import Plan, teed
from judgekit.run._store import Store

PROCESS_FROM = 50_000
"""Items from which a run prepares its batches in a second process (when 2+ cores are free)."""
ENV = "JUDGEKIT_PREPARE_PROCESS"
"""``0``: never a second process; ``1``: always (for a streamed suite); unset: by size."""


def use_process(items: Sequence[Item], n_items: int) -> bool:
    """Whether to prepare in a second process: streamed items, many of them, 2+ cores."""
    setting = os.environ.get(ENV, "")
    if setting == "0" or not isinstance(items, ItemSource) or not sys.executable:
        return False
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    return setting == "1" or (n_items >= PROCESS_FROM and cores >= 2)


@dataclass
class Job:
    """What the child needs to prepare a run's batches (pickled to it).

    Attributes:
        items: The suite's streamed items.
        mixer: Mixes hidden gold items in, if the suite has them.
        renderer: The suite's renderer (its prompt is compiled again in the child).
        system: The rendered system message.
        judges: Judge model ids.
        store: The run's SQLite store (read only).
        batch_size: Requests per batch.
        trust_done: Skip an item whose labels are all stored without rendering it.
        keep_items: Carry each batch's items (a checker reads their fields).
        snapshot: Write the run's items snapshot from the items read (None: not needed).

    """

    items: ItemSource
    mixer: Mixer | None
    renderer: Renderer
    system: str
    judges: list[str]
    store: Path
    batch_size: int
    trust_done: bool
    keep_items: bool
    snapshot: Plan | None = None


def job_bytes(job: Job) -> bytes | None:
    """``job`` pickled for the child, or None when a part of it does not pickle.

    The run then prepares its batches in a thread, as for a small suite.
    """
    try:
        return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def prepared_elsewhere(job: Job, blob: bytes) -> Generator[Batch, None, None]:
    """:func:`batches` of ``job`` (``blob``: :func:`job_bytes`), prepared by a child process.

    The child ends when this generator does (closed, or finished).

    The child is a fresh interpreter started with ``python -c`` (not ``multiprocessing``,
    which would import the caller's main script again in the child).
    """
    child = spawn(__name__)
    assert child.stdin is not None and child.stdout is not None
    system = Message("system", job.system)
    try:
        try:
            child.stdin.write(blob)
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child ended already: _get says how
        while (message := _get(child)) is not None:
            if isinstance(message, BaseException):
                raise message
            yield _unwire(message, system, job.renderer)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from {} import serve; serve()"


def spawn(module: str) -> subprocess.Popen[bytes]:
    """A fresh interpreter running ``module``'s ``serve()``, talking through stdin and stdout.

    It imports the judgekit this process imported (never forked: this process may hold a
    vLLM engine).
    """
    root = str(Path(__file__).resolve().parents[2])  # where this judgekit is imported from
    return subprocess.Popen([sys.executable, "-c", _BOOT.format(module), root],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def _get(child: subprocess.Popen[bytes]) -> object:
    """The child's next message; an error if it ended without one."""
    try:
        return pickle.load(child.stdout)  # type: ignore[arg-type]
    except (EOFError, pickle.UnpicklingError):
        raise RunError(f"the process preparing the run's batches ended without a word "
                       f"(exit code {child.wait()}); set {ENV}=0 to prepare them in this "
                       "process") from None


def serve() -> None:
    """The child: read the job from stdin; write every batch, then None, or the error."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the batches
    try:
        job: Job = pickle.load(sys.stdin.buffer)
        with Store(job.store, index=False) as store:  # a bulk run builds it at its end
            chunks: Iterator[list[Item]] = job.items.chunks(CHUNK)
            if job.snapshot is not None:  # the suite's own items (not hidden ones)
                chunks = teed(job.snapshot, chunks)
            if job.mixer is not None:
                chunks = job.mixer(chunks)
            for batch in batches(chunks, job.renderer, job.system, job.judges, store,
                                 batch_size=job.batch_size, trust_done=job.trust_done,
                                 keep_items=job.keep_items):
                put(out, _wire(batch, job.system, job.renderer))
        put(out, None)
    except BrokenPipeError:  # the run ended (or was killed): nobody reads any more
        os._exit(0)
    except BaseException as exc:  # reported to the run, which raises it
        put(out, portable(exc, "preparing the run's batches"))


def put(out: Any, message: object) -> None:
    """Send one message to the run (blocks while it is busy: the pipe is the bounded queue).

    A broken pipe means the run ended (or was killed): the process exits at once.
    """
    try:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
    except BrokenPipeError:
        os._exit(0)


def portable(exc: BaseException, doing: str) -> BaseException:
    """``exc`` if it survives pickling, else a RunError that says what it was.

    Args:
        exc: The error a helper process met.
        doing: What the process was doing (``preparing the run's batches``).

    """
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RunError(f"{doing} failed: {type(exc).__name__}: {exc}")
    return exc


def _wire(batch: Batch, system: str, renderer: Renderer) -> tuple[Any, ...]:
    """A batch as plain tuples: usual requests as (item id, order, user message, key)."""
    rows: list[tuple[Any, ...]] = []
    for r, k in batch.requests:
        m = r.messages
        if (len(m) == 2 and m[0].role == "system" and m[0].content == system
                and m[1].role == "user" and r.sampling == renderer.sampling):
            rows.append((r.item_id, r.order, m[1].content, k))
        else:
            rows.append((r, k))
    return batch.judge, batch.skipped, rows, batch.cached, batch.items


def _unwire(message: Any, system: Message, renderer: Renderer) -> Batch:
    """Inverse of :func:`_wire`."""
    judge, skipped, rows, cached, items = message
    sampling = renderer.sampling
    requests = [(Request(row[0], row[1], (system, Message("user", row[2])), sampling), row[3])
                if len(row) == 4 else (row[0], row[1]) for row in rows]
    return Batch(judge, requests, items=items, cached=cached, skipped=skipped)
