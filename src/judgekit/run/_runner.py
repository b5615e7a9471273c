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
completes).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import jinja2

from judgekit._errors import RunError
from judgekit._types import Completion, Item, Label, Request
from judgekit._version import __version__
from judgekit.backends._contract import Backend
from judgekit.content._checkers import Checker, checker_fields, resolve_checker
from judgekit.content._domains import discover
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._suite import LoadedSuite
from judgekit.run._pipeline import Pipeline
from judgekit.run._prepare import Batch, batches, check_renders, orders_of
from judgekit.run._rundir import Run
from judgekit.run._store import Store
from judgekit.run._verdict import to_label

Progress = Callable[[int, int], None]
"""Called with (done, total) after every batch."""


@dataclass
class RunSummary:
    """What a run did.

    Attributes:
        out: The run directory.
        judges: Judge model ids.
        items: Items in the suite.
        requests: Requests per judge times judges (both orders count).
        skipped: Already labeled under the same key (resume).
        cached: Answered from the completion cache without calling the model.
        judged: Sent to a model.
        errors: Labels stored with an error (transport or unreadable output).
        seconds: Wall time.
        error_kinds: Errors by kind (the part of the message before the first colon).
        warnings: Distinct warnings checkers attached to labels (``extra["warning"]``), e.g.
            code that ran without a sandbox.

    """

    out: Path
    judges: list[str]
    items: int
    requests: int = 0
    skipped: int = 0
    cached: int = 0
    judged: int = 0
    errors: int = 0
    seconds: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, label: Label) -> None:
        """Count one stored label's error, if it has one, and keep a new checker warning."""
        warning = label.extra.get("warning")
        if isinstance(warning, str) and warning not in self.warnings:
            self.warnings.append(warning)
        if label.error:
            self.errors += 1
            kind = label.error.split(":")[0]
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def run_suite(
    suite: LoadedSuite,
    backends: Backend | Sequence[Backend],
    out: str | os.PathLike[str],
    *,
    batch_size: int = 512,
    progress: Progress | None = None,
) -> RunSummary:
    """Label every item of ``suite`` with every backend, resuming whatever ``out`` holds.

    Items are read, rendered, judged, parsed and stored a chunk at a time, in a bounded
    pipeline (:mod:`judgekit.run._pipeline`): memory does not grow with the suite. Every item
    is rendered once before anything is written, so a template error leaves no run behind.

    Args:
        suite: The loaded suite.
        backends: One judge, or several (a panel).
        out: The run directory (created; resumed if it holds this suite).
        batch_size: Requests per backend call (one durable transaction each).
        progress: Called with (done, total) after every batch (and every stretch of a
            resumed run found done).

    Raises:
        RunError: ``out`` is locked by another run, or holds a run of another suite.
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
    if inputs is not None and before.get("checked") == inputs:
        n_items = int(before["items"])  # these exact inputs rendered without error before
    else:  # render everything first: a template error must not leave a half-made run
        n_items = check_renders(chunked(suite.items), renderer, system)
    summary = RunSummary(out=run.path, judges=[b.model for b in judges], items=n_items)
    summary.requests = n_items * len(orders_of(renderer)) * len(judges)
    run.create()
    with run.lock(), run.store() as reader, run.store() as writer:
        old = run.manifest if run.exists() else {}
        manifest = _start_manifest(suite, judges, run, n_items)
        trusted = inputs is not None and (
            reader.empty() or old.get("labels_made_from") == inputs)
        manifest.update(checked=inputs, labels_made_from=inputs if trusted else None)
        run.write_manifest(manifest)  # before any label: a kill leaves it true
        if trusted and _all_done(old, summary.judges):
            summary.skipped = summary.requests  # nothing to ask the store about, item by item
            if progress:
                progress(summary.requests, summary.requests)
        else:
            step = _Step(suite)
            prepared = batches(chunked(suite.items), renderer, system, summary.judges, reader,
                               batch_size=batch_size, trust_done=trusted,
                               keep_items=step.checker is not None)
            record = _Recorder(judges, writer, step, summary, progress)
            Pipeline(prepared, record.judge, record.write).run()
        summary.seconds = time.time() - t0
        manifest.update(finished=time.time(), status="complete", labels_made_from=inputs,
                        summary={k: v for k, v in asdict(summary).items() if k != "out"})
        run.write_manifest(manifest)
    return summary


def fingerprint(suite: LoadedSuite, system: str) -> str | None:
    """Everything a request key depends on, hashed; None when the items cannot vouch for it.

    Two runs with the same fingerprint render identical requests for an item id: same
    templates, rubric, constitution and items (their sha256), same mapping and sampling, same
    judgekit, Jinja2 and Python (Unicode tables). Only items streamed from their recorded
    source (:class:`judgekit.content.ItemSource`) can vouch for that; a hand-built list
    cannot, and is always rendered and keyed in full.
    """
    source = suite.items
    if not isinstance(source, ItemSource):
        return None
    r = suite.renderer
    facts = {"sources": suite.sources, "items": source.describe(), "prompt": r.prompt.name,
             "system": hashlib.sha256(system.encode()).hexdigest(), "fields": dict(r.fields),
             "sampling": r.sampling.to_dict(), "checker": suite.spec.checker,
             "versions": [__version__, jinja2.__version__, sys.version]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _all_done(old: dict[str, Any], judges: list[str]) -> bool:
    """Whether a completed run of the same inputs left every label of these judges done.

    Only asked when every stored label of the suite's items was made from the current
    inputs: then a run that completed with these judges (or more), and whose own summary
    counts no transport error (labels judged again next time), left nothing to do; re-parses
    since then cannot make a label undone.
    """
    summary = old.get("summary") or {}
    return (old.get("status") == "complete"
            and set(judges) <= {j.get("model") for j in old.get("judges") or []}
            and not (summary.get("error_kinds") or {}).get("backend"))


def chunked(items: Iterable[Item], size: int = CHUNK) -> Iterator[list[Item]]:
    """Items in chunks: a streamed source's own chunks, or slices of a list."""
    if isinstance(items, ItemSource):
        yield from items.chunks(size)
        return
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class _Step:
    """What turning a completion into a label needs from the suite, computed once."""

    def __init__(self, suite: LoadedSuite) -> None:
        self.values = suite.rubric.label_values() if suite.rubric.kind == "pointwise" else None
        self.checker: Checker | None = (
            resolve_checker(suite.spec.checker, suite.domain.name, origin=suite.path)
            if suite.spec.checker else None)
        self.fields = suite.renderer.fields

    def label(self, completion: Completion, request: Request, judge: str, key: str,
              item: Item | None) -> Label:
        fields = checker_fields(item, self.fields) if item is not None else None
        return to_label(completion, request, judge, key, values=self.values,
                        checker=self.checker, fields=fields)


class _Recorder:
    """The judge and record stages of a run: ask the backend; parse and store durably."""

    def __init__(self, judges: list[Backend], store: Store, step: _Step, summary: RunSummary,
                 progress: Progress | None) -> None:
        self.judges, self.store, self.step, self.summary = judges, store, step, summary
        self.progress = progress
        self.done = 0

    def judge(self, batch: Batch) -> Batch:
        """Answer the batch's requests that are neither cached nor duplicates (model call)."""
        fresh = batch.fresh()
        if fresh:
            backend = self.judges[batch.judge]
            got = backend.complete([r for r, _ in fresh])
            if len(got) != len(fresh):
                raise RunError(f"backend {backend.model} returned {len(got)} completions "
                               f"for {len(fresh)} requests")
            batch.answers = {k: c for (_, k), c in zip(fresh, got, strict=True)}
        return batch

    def write(self, batch: Batch) -> None:
        """Parse the batch's completions into labels and store them in one transaction."""
        model, summary = self.judges[batch.judge].model, self.summary
        labels = []
        for r, k in batch.requests:
            label = self.step.label(batch.cached.get(k) or batch.answers[k], r, model, k,
                                    batch.items.get(r.item_id))
            summary.count(label)
            labels.append(label)
        if labels:
            self.store.write(model, batch.answers.items(), labels)
        summary.skipped += batch.skipped
        summary.cached += len(batch.requests) - len(batch.answers)
        summary.judged += len(batch.answers)
        self.done += batch.skipped + len(batch.requests)
        if self.progress and (batch.requests or batch.skipped):
            self.progress(self.done, summary.requests)


def _start_manifest(suite: LoadedSuite, backends: Sequence[Backend], run: Run,
                    n_items: int) -> dict[str, Any]:
    if run.exists():
        old = run.manifest
        if old.get("suite") != suite.ref:
            raise RunError(f"{run.path} holds a run of suite {old.get('suite')!r}, not "
                           f"{suite.ref!r}; choose another --out directory")
    infos = discover()
    pointwise = suite.rubric.kind == "pointwise"
    manifest: dict[str, Any] = {
        "judgekit": __version__,
        "suite": suite.ref,
        "suite_path": str(suite.path),
        "domain": suite.domain.name,
        "domains": {n: {"distribution": i.distribution, "version": i.version}
                    for n, i in infos.items() if n in {suite.domain.name, "core"}},
        "sources_sha256": suite.sources,
        "rubric_kind": suite.rubric.kind,
        "labels": list(suite.rubric.labels),
        "label_values": suite.rubric.label_values() if pointwise else None,
        "sampling": suite.renderer.sampling.to_dict(),
        "judges": [{"model": b.model, **b.describe()} for b in backends],
        "items": n_items,
        "started": time.time(),
        "finished": None,
        "status": "running",
    }
    if isinstance(suite.items, ItemSource):
        manifest["items_source"] = suite.items.describe()
    return manifest
