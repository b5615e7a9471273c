"""Run a suite through one or more judges into a run directory, resumably.

Starting a run on a directory that already holds the same suite resumes it: requests whose
label is stored under the same cache key are skipped, cached completions are re-parsed
without calling the model, and only the rest is judged. Labels that failed in transport
(``error`` starting with ``backend:``) are judged again; unreadable outputs are not
re-sampled. The directory itself (manifest, lock, store) is :class:`judgekit.run.Run`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Label, Request
from judgekit._version import __version__
from judgekit.backends._contract import Backend
from judgekit.content._checkers import Checker, checker_fields, resolve_checker
from judgekit.content._domains import discover
from judgekit.content._suite import LoadedSuite
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

    def count(self, label: Label) -> None:
        """Count one stored label's error, if it has one."""
        if label.error:
            self.errors += 1
            kind = label.error.split(":")[0]
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def run_suite(
    suite: LoadedSuite,
    backends: Backend | Sequence[Backend],
    out: str | os.PathLike[str],
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> RunSummary:
    """Label every item of ``suite`` with every backend, resuming whatever ``out`` holds.

    Args:
        suite: The loaded suite.
        backends: One judge, or several (a panel).
        out: The run directory (created; resumed if it holds this suite).
        batch_size: Requests per backend call (one durable transaction each).
        progress: Called with (done, total) after every batch.

    Raises:
        RunError: ``out`` is locked by another run, or holds a run of another suite.

    """
    t0 = time.time()
    judges = [backends] if not isinstance(backends, Sequence) else list(backends)
    run = Run(out)
    summary = RunSummary(out=run.path, judges=[b.model for b in judges], items=len(suite.items))
    # render everything first: a template error must not leave a half-made run directory
    system = suite.renderer.system_message()
    requests = [r for item in suite.items for r in suite.renderer.requests(item, system)]
    run.create()
    with run.lock():
        manifest = _start_manifest(suite, judges, run)
        step = _Step(suite)
        summary.requests = total = len(requests) * len(judges)
        done_count = 0
        with run.store() as store:
            for backend in judges:
                done = store.done_keys(backend.model)
                keyed = [(r, r.cache_key(backend.model)) for r in requests]
                pending = [(r, k) for r, k in keyed if done.get((r.item_id, r.order)) != k]
                summary.skipped += len(keyed) - len(pending)
                done_count += len(keyed) - len(pending)
                for start in range(0, len(pending), batch_size):
                    batch = pending[start:start + batch_size]
                    _judge_batch(batch, backend, store, step, summary)
                    done_count += len(batch)
                    if progress:
                        progress(done_count, total)
        summary.seconds = time.time() - t0
        manifest.update(finished=time.time(), status="complete",
                        summary={k: v for k, v in asdict(summary).items() if k != "out"})
        run.write_manifest(manifest)
    return summary


class _Step:
    """What turning a completion into a label needs from the suite, computed once."""

    def __init__(self, suite: LoadedSuite) -> None:
        self.values = suite.rubric.label_values() if suite.rubric.kind == "pointwise" else None
        self.checker: Checker | None = (
            resolve_checker(suite.spec.checker, suite.domain.name, origin=suite.path)
            if suite.spec.checker else None)
        self.items = {item.id: item for item in suite.items} if self.checker else {}
        self.fields = suite.renderer.fields

    def label(self, completion: Any, request: Request, judge: str, key: str) -> Label:
        fields = (checker_fields(self.items[request.item_id], self.fields)
                  if self.checker is not None else None)
        return to_label(completion, request, judge, key, values=self.values,
                        checker=self.checker, fields=fields)


def _judge_batch(batch: list[tuple[Request, str]], backend: Backend, store: Store,
                 step: _Step, summary: RunSummary) -> None:
    """Answer one batch from the cache or the backend and store its labels durably."""
    cache = store.cached([k for _, k in batch])
    fresh = [(r, k) for r, k in batch if k not in cache]
    got = backend.complete([r for r, _ in fresh]) if fresh else []
    if len(got) != len(fresh):
        raise RunError(f"backend {backend.model} returned {len(got)} completions "
                       f"for {len(fresh)} requests")
    summary.cached += len(batch) - len(fresh)
    summary.judged += len(fresh)
    new = {k: c for (_, k), c in zip(fresh, got, strict=True)}
    labels = []
    for r, k in batch:
        label = step.label(cache.get(k) or new[k], r, backend.model, k)
        summary.count(label)
        labels.append(label)
    store.write(backend.model, new.items(), labels)


def _start_manifest(suite: LoadedSuite, backends: Sequence[Backend], run: Run) -> dict[str, Any]:
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
        "items": len(suite.items),
        "started": time.time(),
        "finished": None,
        "status": "running",
    }
    run.write_manifest(manifest)
    return manifest
