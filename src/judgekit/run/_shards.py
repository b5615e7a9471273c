"""The Ray Data pipeline of the Ray executor: item rows in, labels out as Parquet shards.

:func:`pipeline` builds one judge's pipeline (:mod:`judgekit.run._ray` runs it) of two stages:

- :func:`keep_rows` (tasks): raw rows of the items file -> the rows the suite keeps (``where``,
  the size limit), each pickled so every value survives exactly as the local reader has it;
- :class:`Judge` (an actor pool): each actor loads the suite once (its renderer and checker)
  and builds one judge backend from its spec (backends are not picklable; a vLLM engine is
  only ever made here). A batch of rows becomes items through the suite's own
  :class:`~judgekit.content.ItemSource` rules (ids, preference sides, conversations), is
  rendered, keyed and checked against the run's store (the actor's local copy of it as the
  run started, see :func:`snapshot_store`) exactly as the local executor does
  (:func:`judgekit.run._prepare.batches`), judged, and turned into labels by the same
  :func:`~judgekit.run.to_label` step. Its labels and completions are written as one Parquet
  shard, atomically (temporary file, fsync, rename), named by the judge and the batch's
  labels, so a shard is either whole or absent; the driver ingests it into the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import socket
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgekit._errors import RunError
from judgekit._types import Completion, Item, Label
from judgekit.content._items import MAX_ITEM_CHARS, ItemSource
from judgekit.content._sources import Row

if TYPE_CHECKING:
    from judgekit.run._store import Store

SHARDS = "ray-shards"
"""Folder of the run directory that holds shards not yet ingested."""


def shard_dir(run_path: Path) -> Path:
    """Where a run's shards are written."""
    return run_path / SHARDS


def write_shard(folder: Path, judge: int, labels: list[Label],
                answers: dict[str, Completion]) -> Path:
    """Write one batch's labels and completions as a Parquet shard, atomically.

    The name is the judge's index and a digest of the labels' (item, order, key): the same
    work written twice lands on the same file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = list(answers)
    pad = [None] * (len(labels) - len(keys))
    table = pa.table({
        "label": [json.dumps(asdict(lab), ensure_ascii=False) for lab in labels],
        "key": keys + pad,
        "completion": [answers[k].to_json() for k in keys] + pad,
    })
    digest = hashlib.sha256("\n".join(f"{lab.item_id}\t{lab.order}\t{lab.key}"
                                      for lab in labels).encode()).hexdigest()[:20]
    target = folder / f"{judge:03d}-{digest}.parquet"
    tmp = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def read_shard(path: Path) -> tuple[list[Label], list[tuple[str, Completion]]]:
    """The labels and ``(key, completion)`` pairs of a shard."""
    import pyarrow.parquet as pq

    cols = pq.read_table(path).to_pydict()
    labels = [Label(**json.loads(text)) for text in cols["label"]]
    answers = [(k, Completion.from_json(c)) for k, c in zip(cols["key"], cols["completion"],
                                                            strict=True) if k is not None]
    return labels, answers


def keeps(source: ItemSource, row: Row) -> bool:
    """Whether the local reader keeps ``row`` (``where``); too large a row is an error."""
    chars = sum(len(v) for v in row.values() if isinstance(v, str))
    if chars > MAX_ITEM_CHARS:
        raise source._error(f"item is {chars / 1e6:.1f} M characters, over the "
                            f"{MAX_ITEM_CHARS:,} limit", 0, "shorten or split the item")
    return all(row.get(k) == v for k, v in source.where.items())


def item_of(source: ItemSource, row: Row) -> Item:
    """The item the local reader makes of ``row`` (its id, preference side, conversation)."""
    hashed = source.id_column not in row and "id" not in source.fields
    return source._item(0, row, hashed)


def keep_rows(batch: Any, *, source: ItemSource, jsonl: bool) -> dict[str, list[bytes]]:
    """Ray Data stage: raw rows -> the kept rows, pickled (column ``row``).

    Args:
        batch: A pyarrow batch: JSON lines (column ``text``) or Parquet columns.
        source: The suite's item source (its mapping and filter).
        jsonl: The rows are JSON lines.

    """
    if jsonl:
        lines = (line.lstrip("\ufeff") for line in batch.column("text").to_pylist())
        rows = [json.loads(line) for line in lines if line.strip()]  # as the local reader
    else:
        rows = batch.to_pylist()
    return {"row": [pickle.dumps(r) for r in rows if keeps(source, r)]}


class Judge:
    """Ray Data actor: kept rows -> one Parquet shard of labels, and what was done.

    Args:
        plan: What every actor needs (see :func:`judgekit.run._ray.plan_of`): the suite
            reference and how it was loaded, the judge spec and options, the run
            directory, the judge's index, whether stored labels may be trusted, the
            driver's fingerprint of the inputs (a worker that loads the suite differently
            refuses to judge).

    """

    def __init__(self, plan: dict[str, Any]) -> None:
        from judgekit.backends._contract import make_backend
        from judgekit.content._suite import load_suite
        from judgekit.run._manifest import fingerprint
        from judgekit.run._verdict import LabelStep

        for name, value in plan["env"].items():
            os.environ.setdefault(name, value)
        self.suite = load_suite(plan["suite"], gold_root=plan["gold_root"],
                                mode=plan["mode"], limit=plan["limit"])
        self.system = self.suite.renderer.system_message()
        if fingerprint(self.suite, self.system) != plan["inputs"]:
            raise RunError(f"the suite loads differently on worker {socket.gethostname()} "
                           "than on the driver (other items, templates, judgekit, Jinja2 or "
                           "Python): the cache keys would differ; install the same versions "
                           "and put the items on shared storage at the same path")
        self.step = LabelStep(self.suite)
        self.plan = plan
        self.backend = make_backend(plan["spec"], **plan["options"])
        self.run_path = Path(plan["out"])
        self.store = _local_store(plan["snapshot"])

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        from judgekit.run._prepare import batches

        source = self.suite.items
        assert isinstance(source, ItemSource)
        items = [item_of(source, pickle.loads(b)) for b in batch["row"]]
        model, labels, answers = self.backend.model, [], {}
        skipped = cached = 0
        for part in batches([items], self.suite.renderer, self.system, [model], self.store,
                            batch_size=max(1, 2 * len(items)), trust_done=self.plan["trusted"],
                            keep_items=self.step.checker is not None):
            skipped += part.skipped
            fresh = part.fresh()
            got = self.backend.complete([r for r, _ in fresh]) if fresh else []
            if len(got) != len(fresh):
                raise RuntimeError(f"backend {model} returned {len(got)} completions for "
                                   f"{len(fresh)} requests")
            new = {k: c for (_, k), c in zip(fresh, got, strict=True)}
            cached += len(part.requests) - len(new)
            answers.update(new)
            labels += [self.step.label(part.cached.get(k) or new[k], r, model, k,
                                       part.items.get(r.item_id))
                       for r, k in part.requests]
        shard = (str(write_shard(shard_dir(self.run_path), self.plan["index"], labels, answers))
                 if labels else "")
        return {"shard": [shard], "skipped": [skipped], "cached": [cached],
                "judged": [len(answers)], "model": [model],
                "describe": [json.dumps(self.backend.describe(), default=str)]}

    def __del__(self) -> None:
        import shutil

        backend, store = getattr(self, "backend", None), getattr(self, "store", None)
        if backend is not None:
            backend.close()
        if store is not None:
            store.close()
            shutil.rmtree(store.path.parent, ignore_errors=True)


def snapshot_store(store_path: Path, folder: Path) -> Path:
    """Copy the run's store for the workers (SQLite's backup; temporary file, rename).

    Workers never open the live store: a WAL-mode SQLite file cannot be read safely from
    other machines over shared storage, and the driver writes it while they work.
    """
    import sqlite3

    target, tmp = folder / "resume.sqlite", folder / f".resume.{uuid.uuid4().hex}.tmp"
    src, dst = sqlite3.connect(store_path), sqlite3.connect(tmp)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    os.replace(tmp, target)
    return target


def _local_store(snapshot: str | None) -> Store:
    """The actor's own copy of the run's store as the run started (empty for a fresh run)."""
    import shutil
    import tempfile

    from judgekit.run._store import LABELS_FILE, Store

    local = Path(tempfile.mkdtemp(prefix="judgekit-ray-")) / LABELS_FILE
    if snapshot is not None:
        shutil.copyfile(snapshot, local)
    return Store(local)
