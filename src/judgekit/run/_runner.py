"""Run a suite through one or more judges into a run directory, resumably.

Starting a run on a directory that already holds the same suite resumes it: requests whose
label is stored under the same cache key are skipped, cached completions are re-parsed
without calling the model, and only the rest is judged. Labels that failed in transport
(``error`` starting with ``backend:``) are judged again; unreadable outputs are not
re-sampled. The directory itself (manifest, lock, store) is :class:`judgekit.run.Run`.

Memory stays flat in the suite's size: items are read a chunk at a time
(:func:`chunked`), and the store is asked about one chunk at a time
(:mod:`judgekit.run._prepare`). The manifest records two fingerprints of the inputs
(:func:`fingerprint`): ``checked`` (every item of these inputs rendered without error, so a
rerun need not render them all first) and ``labels_made_from`` (every stored label was made
from these inputs, so an item whose labels are all stored need not be rendered to be skipped;
cleared before the first label of a run on other inputs is written, set again when that run
completes). A fresh run needs no check pass when loading the suite read every item and its
templates print only mapped fields (:meth:`Renderer.check_needed`); its store keeps the
completions' key index for the end (:meth:`Store.bulk`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from itertools import islice

from judgekit._errors import JudgekitError
from judgekit._types import Item
from judgekit.backends._contract import Backend
from judgekit.content._hidden import Mixer
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._suite import LoadedSuite
from judgekit.run._manifest import all_done as _all_done
from judgekit.run._manifest import fingerprint as fingerprint
from judgekit.run._manifest import start_manifest as _start_manifest
from judgekit.run._pipeline import Pipeline
from judgekit.run._prepare import batches, check_renders, orders_of
from judgekit.run._record import Accounts, LocalRecorder, Recorder
from judgekit.run._record import Progress as Progress
from judgekit.run._rundir import Run
from judgekit.run._snapfile import Plan
from judgekit.run._snapshot import snapshot_items, snapshot_plan
from judgekit.run._store import Store
from judgekit.run._summary import RunSummary as RunSummary
from judgekit.run._verdict import LabelStep
from judgekit.run._watch import Watch
from judgekit.run._worker import Job, job_bytes, prepared_elsewhere, use_process
from judgekit.run._writer import Remote, WriteJob, use_writer, write_job_bytes

_GATHER = 1024
"""Most requests whose labels one transaction stores when judged batches pile up (a slow
fsync): several batches then share one commit (:class:`Pipeline` ``gather``). Not with a
watch that may stop the run: it sees each batch as soon as that batch is stored."""


def run_suite(
    suite: LoadedSuite,
    backends: Backend | Sequence[Backend],
    out: str | os.PathLike[str],
    *,
    batch_size: int = 512,
    progress: Progress | None = None,
    watch: Watch | None = None,
) -> RunSummary:
    """Label every item of ``suite`` with every backend, resuming whatever ``out`` holds.

    Items are read, rendered, judged, parsed and stored a chunk at a time, in a bounded
    pipeline (:mod:`judgekit.run._pipeline`): memory does not grow with the suite. Every item
    is checked against the templates before anything is written (rendered, or for a prompt
    that only prints item fields, its fields looked up: :mod:`judgekit.content._splice`), so
    a template error leaves no run behind.

    Args:
        suite: The loaded suite.
        backends: One judge, or several (a panel).
        out: The run directory (created; resumed if it holds this suite).
        batch_size: Requests per backend call (one durable transaction each).
        progress: Called with (done, total) after every batch (and every stretch of a
            resumed run found done).
        watch: Sees every batch of labels once stored, and may stop the run by raising
            (:class:`judgekit.trust.HiddenGoldWatch` for a suite's hidden gold, which
            is mixed into the run whether or not it is watched).

    Raises:
        RunError: ``out`` is locked by another run, or holds a run of another suite.
        JudgekitError: Whatever ``watch`` raised to stop the run (the manifest then says
            ``status: stopped`` and why; every label stored so far is kept).
        ValueError: ``batch_size`` is below 1.

    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    t0 = time.time()
    judges = [backends] if not isinstance(backends, Sequence) else list(backends)
    run = Run(out)
    renderer, system = suite.renderer, suite.renderer.system_message()
    inputs = fingerprint(suite, system)
    before = run.manifest if run.exists() else {}
    mixer = Mixer(suite.hidden) if suite.hidden is not None else None

    def stream() -> Iterator[list[Item]]:
        return mixer(chunked(suite.items)) if mixer else chunked(suite.items)

    if inputs is not None and before.get("checked") == inputs:
        n_items = int(before["items"])  # these exact inputs rendered without error before
        n_hidden = int((before.get("hidden_gold") or {}).get("mixed", 0))
    elif mixer is None and _checked_at_load(suite):
        n_items, n_hidden = len(suite.items), 0
    else:  # check everything first: a template error must not leave a half-made run
        n_items = check_renders(stream(), renderer, system)
        n_hidden = mixer.hidden if mixer else 0
    summary = RunSummary(out=run.path, judges=[b.model for b in judges], items=n_items,
                         hidden=n_hidden)
    summary.requests = n_items * len(orders_of(renderer)) * len(judges)
    run.create()
    with run.lock(), run.store() as reader, run.store() as writer:
        old = run.manifest if run.exists() else {}
        manifest = _start_manifest(suite, judges, run, n_items)
        trusted = inputs is not None and (
            reader.empty() or old.get("labels_made_from") == inputs)
        manifest.update(checked=inputs, labels_made_from=inputs if trusted else None)
        if "hidden_gold" in manifest:
            manifest["hidden_gold"]["mixed"] = n_hidden
        run.write_manifest(manifest)  # before any label: a kill leaves it true
        spread = isinstance(suite.items, ItemSource) and use_process(suite.items, n_items)
        plan = snapshot_plan(suite, run)[1] if spread else None  # the second process writes it
        try:
            if watch is not None:
                watch.start(reader, summary.judges)
            if trusted and _all_done(old, summary.judges):
                summary.skipped = summary.requests  # nothing to ask the store, item by item
                if progress:
                    progress(summary.requests, summary.requests)
            else:
                _judge_all(suite, judges, summary, (reader, writer), mixer, batch_size,
                           (trusted, spread, plan), Accounts(summary, progress, watch))
        except JudgekitError as exc:  # a watch (or the backend) stopped it: say so, keep all
            manifest.update(status="stopped", stopped=str(exc))
            run.write_manifest(manifest)
            raise
        # texts for exports (already in place when the second process wrote them)
        manifest["items_snapshot"] = snapshot_items(suite, run)
        summary.seconds = time.time() - t0
        manifest.update(finished=time.time(), status="complete", labels_made_from=inputs,
                        summary={k: v for k, v in asdict(summary).items() if k != "out"})
        run.write_manifest(manifest)
    return summary


def _checked_at_load(suite: LoadedSuite) -> bool:
    """Whether loading read every item and no item can fail to render (no check pass needed).

    :func:`judgekit.load_suite` reads every item once (ids, required fields, gold); when the
    templates print only mapped fields and no item has context to show, rendering cannot
    fail (:meth:`Renderer.check_needed`), so the run need not read them all again first.
    """
    items = suite.items
    return (isinstance(items, ItemSource) and items.columns is not None
            and not suite.renderer.check_needed(items.columns))


def _may_stop(watch: Watch | None) -> bool:
    """Whether ``watch`` may stop the run (one that never does says ``may_stop = False``)."""
    return watch is not None and bool(getattr(watch, "may_stop", True))


def chunked(items: Iterable[Item], size: int = CHUNK) -> Iterator[list[Item]]:
    """Items in chunks: a streamed source's own chunks, or slices of a list."""
    if isinstance(items, ItemSource):
        yield from items.chunks(size)
        return
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _judge_all(suite: LoadedSuite, judges: list[Backend], summary: RunSummary,
               stores: tuple[Store, Store], mixer: Mixer | None, batch_size: int,
               how: tuple[bool, bool, Plan | None], accounts: Accounts) -> None:
    """Prepare, judge, parse and store every request not done yet (the run's pipeline).

    A large streamed suite prepares its batches in a second process (:mod:`._worker`) and,
    unless a watch must read every label, parses and stores them in a third
    (:mod:`._writer`): the run's process then only feeds the judge.
    """
    renderer, system, models = suite.renderer, suite.renderer.system_message(), summary.judges
    (reader, writer), (trusted, spread, plan) = stores, how
    step = LabelStep(suite)
    keep, source = step.checker is not None, suite.items
    job = (Job(source, mixer, renderer, system, models, reader.path, batch_size, trusted, keep,
               plan) if spread and isinstance(source, ItemSource) else None)
    blob = job_bytes(job) if job is not None else None
    prepared = (prepared_elsewhere(job, blob) if job is not None and blob is not None
                else batches(mixer(chunked(source)) if mixer else chunked(source), renderer,
                             system, models, reader, batch_size=batch_size,
                             trust_done=trusted, keep_items=keep))
    bulk = writer.bulk(summary.requests)  # a fresh store: its key index is built at the end
    stored = (write_job_bytes(WriteJob(writer.path, models, step, renderer.sampling,
                                       summary.requests if bulk else None))
              if spread and use_writer(accounts.watch) else None)
    remote = Remote(stored, renderer.sampling, accounts) if stored is not None else None
    record = (remote.write if remote is not None
              else LocalRecorder(models, writer, step, judges, accounts).write)
    gather = 1 if _may_stop(accounts.watch) else max(1, _GATHER // batch_size)
    try:
        try:
            Pipeline(prepared, Recorder(models, writer, step, judges).judge, record,
                     gather=gather).run()
        except BaseException:
            if remote is not None:  # what was judged and sent is still stored
                with contextlib.suppress(Exception):
                    remote.finish()
            raise
        if remote is not None:
            remote.finish()
    finally:
        prepared.close()  # a second process, if any, ends with it
        if plan is not None:  # a snapshot it had not finished (a run that failed)
            plan.tmp.unlink(missing_ok=True)
        if remote is not None:
            remote.close()
        if bulk:
            writer.end_bulk()
