"""A judge's labels as columns, one row per judgment (item x order x judge), from any source.

Three sources give the same :class:`LabelRows`: a labels file (JSONL/CSV/Parquet, columns
mapped by :class:`LabelColumns`), a judgekit run directory (:class:`judgekit.run.Run`), or
judgekit :class:`Label` objects in memory. A file's verdicts are canonical (``A`` = the item's
response_a), so on a ``BA`` row the judge chose the other position; a numeric probability
column is the probability of the verdict, a JSON object one the whole distribution
(:mod:`judgekit.auditing._probs`). Every value is checked as the row reader always checked it,
and the first row at fault (in file order) is the one an error names. A run directory is read
through the store's columnar reader (:meth:`judgekit.run.Store.label_columns`): no Label
object per judgment, the same rows as :meth:`judgekit.run.Run.labels` gives.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit._errors import RunError
from judgekit._types import Label
from judgekit.auditing._columns import (
    Array,
    arrow,
    codes,
    first,
    remap,
    scalar,
    to_numpy,
    valid,
)
from judgekit.auditing._memory import release
from judgekit.auditing._options import LabelColumns
from judgekit.auditing._probs import error as prob_error
from judgekit.auditing._probs import read_probs
from judgekit.auditing._read import read_table
from judgekit.auditing._table import raise_first
from judgekit.run._aggregate import ORDER_CODES, judgments

if TYPE_CHECKING:  # a run's modules load only for a run (the store loads judgekit.content)
    from judgekit.run._rundir import Run

ORDERS = ["single", "AB", "BA"]  # in code order (ORDER_CODES)
SWAP = {"A": "B", "B": "A"}
MAP_FIX = "map the columns with --id-col, --verdict-col, --prob-col, --order-col, --judge-col"


@dataclass(frozen=True)
class LabelRows:
    """Judgments as columns (length m).

    Attributes:
        source: Where they came from (a path, or ``labels in memory``).
        kind: ``file``, ``run`` or ``labels``.
        path: The file or run directory errors name (None in memory).
        item: Item ids (pyarrow strings).
        judge: Judge names (pyarrow strings).
        order: Order codes (:data:`judgekit.run._aggregate.ORDER_CODES`).
        verdict: Canonical labels (pyarrow strings; null: no verdict).
        presented: The label of the position the judge chose, as shown.
        conf: Probability of the verdict (NaN: none).
        space: Labels the distributions name, sorted.
        probs: ``(m, K)`` distributions over ``space`` (0 where not named).
        keys: ``(m, K)`` the labels each distribution names.
        has: Which rows have a distribution.
        run: The run they came from, if any.

    """

    source: str
    kind: str
    path: Path | None
    item: Any
    judge: Any
    order: Array
    verdict: Any
    presented: Any
    conf: Array
    space: list[str]
    probs: Array
    keys: Array
    has: Array
    run: Run | None = None

    def take(self, rows: Array) -> LabelRows:
        """These rows only."""
        at = arrow(np.asarray(rows, dtype=np.int64))
        return replace(self, item=self.item.take(at), judge=self.judge.take(at),
                       order=self.order[rows], verdict=self.verdict.take(at),
                       presented=self.presented.take(at), conf=self.conf[rows],
                       probs=self.probs[rows], keys=self.keys[rows], has=self.has[rows])


def read_labels(source: str | os.PathLike[str] | Run | Sequence[Label],
                columns: LabelColumns | None = None) -> LabelRows:
    """Read labels from a run directory (or :class:`Run`), a labels file, or Label objects.

    Raises:
        ContentError: A missing column, a row without id, a bad order or probability...
        RunError: A directory that holds no run.

    """
    rows = _read(source, columns)
    release()
    return rows


def _read(source: str | os.PathLike[str] | Run | Sequence[Label],
          columns: LabelColumns | None) -> LabelRows:
    if isinstance(source, (str, os.PathLike)) and not Path(source).is_dir():
        return _from_file(Path(source), columns or LabelColumns())
    from judgekit.run._rundir import Run, open_run

    if isinstance(source, Run):
        return _from_run(source, str(source.path))
    if isinstance(source, (str, os.PathLike)):
        return _from_run(open_run(Path(source)), str(Path(source)))
    return _from_labels(list(source), "labels in memory", "labels", None)


def _from_labels(labels: list[Label], source: str, kind: str, path: Path | None,
                 run: Run | None = None) -> LabelRows:
    j = judgments(labels, np.zeros(len(labels), dtype=np.int64))
    conf = [c if isinstance(c := lab.extra.get("conf"), float) else np.nan for lab in labels]
    return LabelRows(
        source, kind, path, pa.array([lab.item_id for lab in labels], pa.string()),
        pa.array([lab.judge for lab in labels], pa.string()),
        np.array([ORDER_CODES.get(lab.order, 0) for lab in labels], dtype=np.int64),
        pa.array([lab.label for lab in labels], pa.string()),
        pa.array([lab.label_presented for lab in labels], pa.string()),
        np.array(conf, dtype=float), j.space, j.probs, j.keys, j.has, run,
    )


def _from_run(run: Run, source: str) -> LabelRows:
    """A run's labels (none of its hidden gold items), read as columns: no Label objects."""
    from judgekit.run._rundir import MANIFEST_FILE

    if not run.exists():
        raise RunError(f"{run.path} is not a judgekit run (no {MANIFEST_FILE})")
    with run.store() as store:
        return batch_rows(store.label_columns(hidden=False, batch=_BATCH), source, run)


def batch_rows(batches: Iterable[pa.RecordBatch], source: str, run: Run) -> LabelRows:
    """A run's labels given as :meth:`judgekit.run.Store.label_columns` batches, as rows.

    Each batch is split into the columns kept (the others are freed with it), and each column
    is joined into one array on its own, so no second copy of the whole table is ever held.
    """
    parts: dict[str, list[Any]] = {name: [] for name in _KEPT}
    for batch in batches:
        for name, got in parts.items():
            got.append(_column(batch, name))
    if not parts["item_id"]:
        return _from_labels([], source, "run", run.path, run)
    col = {name: _join(parts.pop(name)) for name in _KEPT}
    space, matrix, named = _matrix(col["probs"], col["label"])
    return LabelRows(
        source, "run", run.path, col["item_id"], col["judge"], col["order"], col["label"],
        col["presented"], _conf(col["extra"]), space, matrix, named,
        valid(col["probs"]), run,
    )


_KEPT = ("item_id", "judge", "order", "label", "presented", "probs", "extra")
"""The columns of :meth:`judgekit.run.Store.label_columns` an audit reads."""
_BATCH = 16384
"""Labels per batch: ~10 MB of SQLite rows in flight."""


def _column(batch: pa.RecordBatch, name: str) -> Any:
    """A batch's column in its final form (order: our codes; judge: plain strings)."""
    got = batch.column(name)
    if name == "order":
        return _store_orders()[to_numpy(got.indices, np.int64)]
    return got.dictionary_decode() if name == "judge" else got


def _join(chunks: list[Any]) -> Any:
    """One array of a column's chunks (numpy or pyarrow)."""
    return np.concatenate(chunks) if isinstance(chunks[0], np.ndarray) else \
        pa.concat_arrays(chunks)


def _store_orders() -> Array:
    """The store's order codes (:data:`judgekit.run._codec.ORDERS`) -> :data:`ORDER_CODES`."""
    from judgekit.run._codec import ORDERS

    return np.array([ORDER_CODES[o] for o in ORDERS], dtype=np.int64)


def _matrix(probs: Any, verdict: Any) -> tuple[list[str], Array, Array]:
    """The label space, ``(m, K)`` distributions and named labels, as :func:`judgments` gives."""
    parts = dict(zip((f.name for f in probs.type), probs.flatten(), strict=True))
    given = {name for name, part in parts.items() if part.null_count < len(part)}
    space = sorted(given | set(pc.unique(verdict.drop_null()).to_pylist()))
    matrix = np.zeros((len(probs), len(space)))
    named = np.zeros((len(probs), len(space)), dtype=bool)
    for k, name in enumerate(space):
        if name in given:
            matrix[:, k] = to_numpy(parts[name].fill_null(scalar(0.0)), float)
            named[:, k] = valid(parts[name])
    return space, matrix, named


def _conf(extra: Any) -> Array:
    """Each row's ``extra["conf"]`` where it is a float, else NaN."""
    conf = np.full(len(extra), np.nan)
    for i in np.flatnonzero(valid(extra)).tolist():
        if isinstance(c := json.loads(extra[i].as_py()).get("conf"), float):
            conf[i] = c
    return conf


def _from_file(path: Path, cols: LabelColumns) -> LabelRows:
    t = read_table(path)
    keys = t.first_keys
    if t.num_rows:
        for name in (cols.id, cols.verdict, cols.prob, cols.order, cols.judge):
            if name is not None and name not in keys:
                raise t.error(0, f"no column '{name}' (columns: {', '.join(keys)})", MAP_FIX)
    prob_col = cols.prob or ("probs" if "probs" in keys else None)
    order_col = cols.order or ("order" if "order" in keys else None)
    judge_col = cols.judge or ("judge" if "judge" in keys else None)
    ids, verdict = t.labels(cols.id), t.labels(cols.verdict)
    order = t.values(order_col, lambda v: str(v or "single"), exact=True) if order_col else \
        _same("single", t.num_rows)
    probs = read_probs(t, prob_col)
    code = codes(order, ORDERS)
    found = [  # (row, rank within a row, the error): the row reader's order
        (first(~valid(ids)), 0, lambda r: t.error(r, f"row has no '{cols.id}'",
                                                  "give every row an item id")),
        (first(code < 0), 1, lambda r: t.error(
            r, f"order {order[r].as_py()!r} is not AB, BA or single", "use AB, BA or single")),
        (probs.bad, 2, lambda r: prob_error(t, str(prob_col), r)),
    ]
    raise_first(found)
    t.check()
    judge = t.values(judge_col, lambda v: str(v or "judge"), exact=True) if judge_col else \
        _same("judge", t.num_rows)
    space, matrix, named = probs.matrix()
    swapped = code == ORDER_CODES["BA"]
    shown = pc.if_else(arrow(swapped), remap(verdict, SWAP), verdict) if swapped.any() \
        else verdict
    return LabelRows(str(path), "file", path, ids, judge, code, verdict, shown, probs.conf,
                     space, matrix, named, probs.has)


def _same(text: str, n: int) -> Any:
    return pc.fill_null(pa.nulls(n, pa.string()), scalar(text))
