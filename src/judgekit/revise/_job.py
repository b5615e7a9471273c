"""The revise stage: one request per item and round, stored as one label in ``DIR/revise``.

``DIR/revise`` is an ordinary run directory (:class:`judgekit.run.Run`: manifest, lock,
SQLite store). Each label is one revision attempt, order ``single``, under the id ``ID#rN``:
``label`` is ``revised`` when the answer was read (else ``None`` and ``error`` says why),
``rationale`` the critique, ``raw`` the judge's JSON as generated, and ``extra`` the item,
the round, the principles applied and the revision. Resuming works as for any run: a label
stored under the same request key is reused, a cached completion is re-read without calling
the model, transport failures (``backend: ...``) are asked again, and each batch is written
in one durable transaction (a SIGKILL loses at most the batch in flight).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Completion, Item, Label, Request, Sampling
from judgekit._version import __version__
from judgekit.backends import Backend
from judgekit.content import LoadedSuite
from judgekit.revise._schema import REVISED, parse_revision
from judgekit.run import Run, Store

Progress = Callable[[int, int], None]
"""Called with (done, total) after every batch."""


@dataclass
class StageCount:
    """What one stage did over the whole job.

    Attributes:
        requests: Requests it needed.
        skipped: Already stored under the same key (resume).
        cached: Answered from the completion cache without calling the model.
        judged: Sent to a model.
        errors: Stored with an error (transport or unreadable output).

    """

    requests: int = 0
    skipped: int = 0
    cached: int = 0
    judged: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Task:
    """One revise request to answer or read back.

    Attributes:
        item: The item of its round (as rendered).
        extra: Facts recorded beside its label (item, round, principles).

    """

    item: Item
    extra: dict[str, Any]


class ReviseStage:
    """Asks the judge for critiques and revisions and stores them in a run directory.

    Args:
        run: The revise run directory (its lock is held by the caller).
        backend: The judge.
        suite: The revise suite (its renderer renders the requests).
        sampling: The revise sampling (JSON schema, token budget).
        batch_size: Requests per backend call (one durable transaction each).

    """

    def __init__(self, run: Run, backend: Backend, suite: LoadedSuite, sampling: Sampling,
                 batch_size: int) -> None:
        self.run, self.backend, self.batch_size = run, backend, batch_size
        self.renderer = replace(suite.renderer, sampling=sampling)
        self.system = self.renderer.system_message()
        self.count = StageCount()
        run.create()
        old = run.manifest if run.exists() else {}
        if old and old.get("suite") != suite.ref:
            raise RunError(f"{run.path} holds revisions of suite {old.get('suite')!r}, not "
                           f"{suite.ref!r}; choose another --out directory")
        self.manifest: dict[str, Any] = {
            "judgekit": __version__, "task": "revise", "suite": suite.ref,
            "suite_path": str(suite.path), "domain": suite.domain.name,
            "sources_sha256": suite.sources, "rubric_kind": "revise", "labels": [REVISED],
            # not "sampling": `judgekit reparse` would read these answers as verdicts
            "revise_sampling": sampling.to_dict(), "judges": [{"model": backend.model,
                                                        **backend.describe()}],
            "started": old.get("started", time.time()), "finished": None, "status": "running"}
        run.write_manifest(self.manifest)

    def __call__(self, tasks: Sequence[Task], progress: Progress | None = None) -> dict[str, Label]:
        """Labels of ``tasks`` by attempt id: stored ones reused, the others judged now."""
        model = self.backend.model
        requests = [self.renderer.requests(t.item, self.system)[0] for t in tasks]
        keys = [r.cache_key(model) for r in requests]
        extras = {r.item_id: t.extra for r, t in zip(requests, tasks, strict=True)}
        out: dict[str, Label] = {}
        with self.run.store() as store:
            done = store.done(model, [r.item_id for r in requests])
            ok = {r.item_id for r, k in zip(requests, keys, strict=True)
                  if done.get((r.item_id, "single")) == k}
            if ok:
                out.update((lab.item_id, lab) for lab in store.labels(model)
                           if lab.item_id in ok)
            todo = [(r, k) for r, k in zip(requests, keys, strict=True) if r.item_id not in ok]
            cached = store.cached([k for _, k in todo]) if todo and store.has_completions() else {}
            self.count.requests += len(requests)
            self.count.skipped += len(ok)
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start:start + self.batch_size]
                labels = self._judge(store, batch, cached, extras)
                out.update((lab.item_id, lab) for lab in labels)
                if progress:
                    progress(len(ok) + start + len(batch), len(requests))
        return out

    def _judge(self, store: Store, batch: list[tuple[Request, str]],
               cached: dict[str, Completion], extras: dict[str, dict[str, Any]]) -> list[Label]:
        fresh: dict[str, Request] = {}
        for r, k in batch:
            if k not in cached:
                fresh.setdefault(k, r)
        got = self.backend.complete(list(fresh.values())) if fresh else []
        if len(got) != len(fresh):
            raise RunError(f"backend {self.backend.model} returned {len(got)} completions "
                           f"for {len(fresh)} requests")
        answers = dict(zip(fresh, got, strict=True))
        labels = [self._label(cached.get(k) or answers[k], r, k, extras[r.item_id])
                  for r, k in batch]
        store.write(self.backend.model, answers.items(), labels)
        self.count.cached += len(batch) - len(fresh)
        self.count.judged += len(fresh)
        self.count.errors += sum(lab.error is not None for lab in labels)
        return labels

    def _label(self, completion: Completion, request: Request, key: str,
               extra: dict[str, Any]) -> Label:
        parsed = parse_revision(completion)
        label = REVISED if parsed.error is None else None
        facts = {**extra, **({"revision": parsed.revision} if parsed.revision else {})}
        return Label(item_id=request.item_id, order="single", judge=self.backend.model,
                     key=key, label=label, label_presented=label, probs=None, score=None,
                     rationale=parsed.critique, error=parsed.error, raw=completion.text,
                     extra=facts)

    def finish(self, summary: dict[str, Any]) -> None:
        """Record in the manifest that the stage completed, with its counts."""
        self.manifest.update(finished=time.time(), status="complete", summary=summary)
        self.run.write_manifest(self.manifest)
