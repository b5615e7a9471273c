"""Run a suite through one or more judges into a run directory, resumably.

A run directory holds ``manifest.json`` (provenance, rewritten atomically) and
``labels.sqlite`` (see ``_store``). Starting a run on a directory that already holds the same
suite resumes it: requests whose label is stored under the same cache key are skipped, cached
completions are re-parsed without calling the model, and only the rest is judged. Labels that
failed in transport (``error`` starting with ``backend:``) are judged again; unreadable outputs
are not re-sampled.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Label, Request, Verdict
from judgekit._version import __version__
from judgekit.backends._contract import Backend
from judgekit.content._checkers import checked, checker_fields, resolve_checker
from judgekit.content._domains import discover
from judgekit.content._suite import LoadedSuite
from judgekit.run._parse import parse
from judgekit.run._store import LABELS_FILE, Store

MANIFEST_FILE = "manifest.json"

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


def orient(verdict: Verdict, request: Request, judge: str, key: str, raw: str) -> Label:
    """Turn a presented-orientation verdict into a canonical label (``BA`` swaps A and B)."""
    swap = {"A": "B", "B": "A"} if request.order == "BA" else {}
    probs = None
    if verdict.probs is not None:
        probs = {swap.get(k, k): v for k, v in verdict.probs.items()}
    return Label(
        item_id=request.item_id, order=request.order, judge=judge, key=key,
        label=swap.get(verdict.label, verdict.label) if verdict.label else None,
        label_presented=verdict.label, probs=probs, score=verdict.score,
        rationale=verdict.rationale, error=verdict.error, raw=raw,
    )


def run_suite(
    suite: LoadedSuite,
    backends: Sequence[Backend],
    out: Path,
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> RunSummary:
    """Label every item of ``suite`` with every backend, resuming whatever ``out`` holds.

    Raises:
        RunError: ``out`` is locked by another run, or holds a run of another suite.

    """
    t0 = time.time()
    summary = RunSummary(out=out, judges=[b.model for b in backends], items=len(suite.items))
    # render everything first: a template error must not leave a half-made run directory
    system = suite.renderer.system_message()
    requests = [r for item in suite.items for r in suite.renderer.requests(item, system)]
    out.mkdir(parents=True, exist_ok=True)
    with locked(out):
        manifest = _start_manifest(suite, backends, out)
        values = suite.rubric.label_values() if suite.rubric.kind == "pointwise" else None
        checker = (resolve_checker(suite.spec.checker, suite.domain.name, origin=suite.path)
                   if suite.spec.checker else None)
        by_id = {item.id: item for item in suite.items}
        total = len(requests) * len(backends)
        summary.requests = total
        done_count = 0
        with Store(out / LABELS_FILE) as store:
            for backend in backends:
                judge = backend.model
                done = store.done_keys(judge)
                keyed = [(r, r.cache_key(judge)) for r in requests]
                pending = [(r, k) for r, k in keyed if done.get((r.item_id, r.order)) != k]
                summary.skipped += len(keyed) - len(pending)
                done_count += len(keyed) - len(pending)
                for start in range(0, len(pending), batch_size):
                    batch = pending[start:start + batch_size]
                    cache = store.cached([k for _, k in batch])
                    fresh = [(r, k) for r, k in batch if k not in cache]
                    got = backend.complete([r for r, _ in fresh]) if fresh else []
                    if len(got) != len(fresh):
                        raise RunError(f"backend {judge} returned {len(got)} completions "
                                       f"for {len(fresh)} requests")
                    summary.cached += len(batch) - len(fresh)
                    summary.judged += len(fresh)
                    new = {k: c for (_, k), c in zip(fresh, got, strict=True)}
                    labels = []
                    for r, k in batch:
                        comp = cache.get(k) or new[k]
                        label = orient(parse(comp, r.sampling, values), r, judge, k, comp.text)
                        if checker is not None:
                            fields = checker_fields(by_id[r.item_id], suite.renderer.fields)
                            label = checked(label, checker, fields)
                        labels.append(label)
                        if label.error:
                            summary.errors += 1
                            kind = label.error.split(":")[0]
                            summary.error_kinds[kind] = summary.error_kinds.get(kind, 0) + 1
                    store.write(judge, new.items(), labels)
                    done_count += len(batch)
                    if progress:
                        progress(done_count, total)
        summary.seconds = time.time() - t0
        manifest.update(finished=time.time(), status="complete",
                        summary={k: v for k, v in asdict(summary).items() if k != "out"})
        write_json_atomic(out / MANIFEST_FILE, manifest)
    return summary


def _start_manifest(suite: LoadedSuite, backends: Sequence[Backend], out: Path) -> dict[str, Any]:
    path = out / MANIFEST_FILE
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("suite") != suite.ref:
            raise RunError(f"{out} holds a run of suite {old.get('suite')!r}, not {suite.ref!r}; "
                           "choose another --out directory")
    infos = discover()
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
        "label_values": (suite.rubric.label_values() if suite.rubric.kind == "pointwise"
                         else None),
        "sampling": suite.renderer.sampling.to_dict(),
        "judges": [{"model": b.model, **b.describe()} for b in backends],
        "items": len(suite.items),
        "started": time.time(),
        "finished": None,
        "status": "running",
    }
    write_json_atomic(path, manifest)
    return manifest


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` via a fsync'd temporary file and an atomic rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the run directory's exclusive lock, or fail if another process holds it."""
    fh = open(out / ".lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"{out} is in use by another judgekit run") from None
        yield
    finally:
        fh.close()


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Load a run's manifest, or fail naming the directory."""
    path = run_dir / MANIFEST_FILE
    if not path.is_file():
        raise RunError(f"{run_dir} is not a judgekit run (no {MANIFEST_FILE})")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
