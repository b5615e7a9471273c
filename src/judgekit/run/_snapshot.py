"""A run's own copy of the item texts its preference exports need: the items snapshot.

``dpo`` and ``reward`` exports pair the judge's verdicts with the texts it judged. At the end
of :func:`judgekit.run_suite`, a pairwise run writes those texts to
``RUN/items/<key>.parquet`` (:func:`snapshot_items`; the manifest's ``items_snapshot``): per
item its ``id``, ``prompt``, ``conversation`` (a multi-turn item's messages, as JSON),
``response_a``, ``response_b`` and ``gold`` label, the suite's field mapping already applied.
A run directory copied to another machine then exports without the suite or its items files.

The key is content-addressed: the sha256 of what the texts are made of (the items' sha256,
the ``where``/``limit`` selection, the task settings and the field mapping; for a hand-built
item list, of the rows themselves). A resumed run of the same inputs finds its snapshot and
does not write it again; a run of other inputs writes another. Rows are written a row group
(16,384 items) at a time to a temporary file renamed into place: memory stays flat in the
suite's size, and a killed run leaves no half snapshot.

It is on by default, because a run is usually made where the judge runs (a GPU machine) and
exported elsewhere. It costs one more read of the items at the end of the run and about the
texts' size on disk (compressed Parquet); set ``JUDGEKIT_ITEMS_SNAPSHOT=0`` to skip it (say
for 10^7 items whose files stay beside the run). Pointwise runs have no preference export and
get none.

Exports read the texts from the suite's items files when their sha256 is still the one the
run recorded, else from the snapshot, else fail naming both (:func:`item_texts`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgekit._errors import JudgekitError, RunError
from judgekit._types import Item
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._turns import FIELD
from judgekit.run._snapfile import COLUMNS, ROWS, Plan, gold_of, row_of, write

if TYPE_CHECKING:
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._rundir import Run

ENV = "JUDGEKIT_ITEMS_SNAPSHOT"
"""Set to ``0`` (or ``off``, ``false``, ``no``) to skip writing the snapshot."""
FOLDER = "items"
IDENTITY = {name: name for name in ("prompt", "response_a", "response_b")}


ItemText = tuple[str, Mapping[str, Any], str | None]
"""One item as a preference export reads it: its id, its fields and its gold label (or None)."""


@dataclass(frozen=True)
class Texts:
    """What a preference export reads per item, streamed in chunks of :data:`ROWS` items.

    Attributes:
        columns: Template field (``prompt``, ``response_a``, ``response_b``) -> field name.
        origin: Where the texts come from (the suite file, or the snapshot's path).
        read: Starts a pass over the items: chunks of :data:`ItemText`, in the items' order.

    """

    columns: Mapping[str, str]
    origin: str
    read: Callable[[], Iterator[list[ItemText]]]


def snapshot_items(suite: LoadedSuite, run: Run) -> str | None:
    """Write the run's items snapshot unless it exists; its path within the run.

    Returns:
        ``items/<key>.parquet``, or None for a pointwise suite or when ``JUDGEKIT_ITEMS_
        SNAPSHOT`` is off.

    Raises:
        RunError: The snapshot cannot be written (the error names the file).

    """
    rel, plan = snapshot_plan(suite, run)
    if plan is None:
        return rel
    try:
        write(plan, chunked_items(suite))
    except OSError as exc:
        raise RunError(f"cannot write the items snapshot {plan.target}: {exc.strerror}; free "
                       f"some space, or set {ENV}=0 to run without it") from None
    return rel


def snapshot_plan(suite: LoadedSuite, run: Run) -> tuple[str | None, Plan | None]:
    """The snapshot's path within the run (None: none), and how to write it (None: written).

    A run whose batches are prepared by a second process has it write the snapshot from the
    items it reads (:func:`judgekit.run._snapfile.teed`); :func:`snapshot_items` then finds
    it in place.
    """
    if suite.rubric.kind != "pairwise" or os.environ.get(ENV, "1").strip().lower() in (
            "0", "off", "false", "no"):
        return None, None
    rel = f"{FOLDER}/{_key(suite)}.parquet"
    target = run.path / rel
    return rel, None if target.is_file() else _plan(suite, target)


def chunked_items(suite: LoadedSuite) -> Iterator[list[Item]]:
    """The suite's items, :data:`CHUNK` at a time (rows gather to a row group meanwhile)."""
    if isinstance(suite.items, ItemSource):
        yield from suite.items.chunks(CHUNK)  # the source's own lists: no second copy
        return
    items = iter(suite.items)
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def _key(suite: LoadedSuite) -> str:
    """The sha256 of what the snapshot's rows are made of (see the module docstring)."""
    h = hashlib.sha256()
    if isinstance(suite.items, ItemSource):
        facts = {k: v for k, v in suite.items.describe().items() if k != "items"}
        h.update(json.dumps({"source": facts, "fields": dict(suite.renderer.fields),
                             "gold": suite.spec.gold, "gold_map": suite.spec.gold_map},
                            sort_keys=True, default=str).encode())
    else:  # a hand-built list: in memory already, so hash its rows
        for row in _rows(suite):
            h.update(json.dumps(row, sort_keys=True).encode() + b"\n")
    return h.hexdigest()


def _rows(suite: LoadedSuite) -> Iterator[dict[str, Any]]:
    plan = _plan(suite, Path())
    for item in suite.items:
        yield row_of(item, plan.columns, plan.gold)


def _plan(suite: LoadedSuite, target: Path) -> Plan:
    """How the suite's snapshot rows are made (its gold: read from the item when it can be)."""
    gold = None
    if suite.spec.gold:
        gold = gold_of(suite.item_gold) if suite.item_gold is not None else suite.gold_label
    return Plan(target, dict(suite.renderer.fields), gold)


def read_snapshot(run: Run) -> Texts | None:
    """The texts of the run's items snapshot; None when the run has none.

    Raises:
        RunError: The manifest names a snapshot that is missing or unreadable.

    """
    rel = run.manifest.get("items_snapshot")
    if not rel:
        return None
    path = run.path / str(rel)
    if not re.fullmatch(rf"{FOLDER}/[0-9a-f]{{64}}\.parquet", str(rel)):
        raise RunError(f"{run.manifest_path} names the items snapshot {rel!r}, not "
                       f"{FOLDER}/<sha256>.parquet inside the run; the manifest was edited")
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).close()  # there, and a Parquet file: fail now, not mid-export
    except (OSError, ValueError) as exc:  # pyarrow's errors are both
        raise _unreadable(path, exc) from None

    def read() -> Iterator[list[ItemText]]:
        try:
            with pq.ParquetFile(path) as file:
                for batch in file.iter_batches(ROWS, columns=list(COLUMNS)):
                    yield [_snapshot_text(row) for row in batch.to_pylist()]
        except (OSError, ValueError, KeyError) as exc:
            raise _unreadable(path, exc) from None

    return Texts(IDENTITY, str(path), read)


def _snapshot_text(row: dict[str, Any]) -> ItemText:
    conversation = row.pop("conversation")
    if conversation is not None:
        row[FIELD] = json.loads(conversation)
    gold = row.pop("gold")
    return row.pop("id"), row, gold


def _unreadable(path: Path, exc: Exception) -> RunError:
    return RunError(f"the run's items snapshot {path} cannot be read ({exc}); copy the whole "
                    "run directory, or export where the suite's items are")


def item_texts(run: Run, gold_root: Path | None = None) -> Texts:
    """The texts a preference export pairs with the run's verdicts (see the module docstring).

    Raises:
        RunError: Not a pairwise run; or the suite's items cannot be read or changed since the
            run, and the run has no snapshot to read instead.

    """
    kind = run.manifest.get("rubric_kind")
    if kind not in (None, "pairwise"):
        raise RunError(f"{run.path} is a {kind} run; preference export needs a pairwise suite")
    try:
        suite = run.suite(gold_root, verify=True)
    except JudgekitError as exc:
        try:
            snapshot = read_snapshot(run)
        except RunError as bad:
            raise RunError(f"{exc}\nand {bad}") from None
        if snapshot is None:
            raise RunError(f"{exc}\nand {run.path} holds no items snapshot to export from "
                           f"instead (it was made with {ENV}=0, or before snapshots): export "
                           "where the suite's items are unchanged, or re-run the suite") from None
        return snapshot
    if suite.rubric.kind != "pairwise":
        raise RunError(f"{run.path} is a {suite.rubric.kind} run; preference export needs a "
                       "pairwise suite")

    def read() -> Iterator[list[ItemText]]:
        items = iter(suite.items)
        while chunk := list(islice(items, ROWS)):
            yield [(it.id, it.fields, suite.gold_label(it)) for it in chunk]

    return Texts(suite.renderer.fields, str(suite.path), read)
