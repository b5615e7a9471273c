"""A run directory audited chunk by chunk: its labels are never all in memory.

The gold (a gold file, or the run suite's gold) is walked :data:`CHUNK` items at a time, in
gold order. Each chunk's labels are looked up in the run's store by primary key
(:func:`judgekit.run._lookup.label_columns_for`: the chunk's items only), combined into item
labels (:func:`._items.item_labels`) and joined with the chunk's gold (:func:`._join.join`).
Two passes over the chunks: the first finds the labels the matched items use (per
presentation order too), which decide the scale and its categories exactly as one join of
every item decides them; the second joins each chunk with those codes and adds it to a
:class:`._tally.Tally`, to the per-order tables, to the bounded list of the most confident
disagreements and (a step review) to the step report's inputs (:mod:`._stream_parts`). The
report is the one :func:`._audit.audit_rows` computes from all the labels at once.

Neither a gold file nor the run's suite is held whole (:mod:`._stream_gold`): a gold file is
read a block at a time, and the suite's fields it lacks are looked up by id in a temporary
database; a run's own suite gold is read a chunk of items at a time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit._errors import ContentError, RunError
from judgekit.auditing._audit_gold import SuiteOnce, no_gold
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._join import SLICE_PRESENCE_ROWS, join
from judgekit.auditing._options import AuditOptions, GoldColumns
from judgekit.auditing._report import AuditReport, report_from
from judgekit.auditing._sections import (
    add_steps,
    robustness_of,
    steps_of,
    suite_no_error,
)
from judgekit.auditing._step_tally import StepTally
from judgekit.auditing._stream_gold import Chunk, FileChunks, GoldChunks, SuiteChunks
from judgekit.auditing._stream_parts import Mistakes, Orders, Scan
from judgekit.auditing._tally import Tally
from judgekit.run._aggregate import ORDER_CODES

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._labels import LabelRows
    from judgekit.run._rundir import Run
    from judgekit.run._store import Store

CHUNK = 4096
"""Gold items per chunk (their labels, item labels and joined arrays are what is held).

Measured on a fake-judge run of 10^6 items (``bench/audit_memory.py``): 4,096 gives the
lowest peak (chunks of 65,536 held ~190 MiB more) and no slower a pass.
"""


@dataclass
class _Reader:
    """How a run's labels are read: one judge's (or every judge's, for a panel)."""

    store: Store
    run: Run
    source: str
    judge: str | None
    opts: AuditOptions

    def rows(self, gold: GoldTable) -> LabelRows | None:
        """The labels of these gold items (None: none)."""
        return self.rows_of(gold.ids.to_pylist(), self.judge)

    def rows_of(self, ids: Sequence[str], judge: str | None) -> LabelRows | None:
        """The labels of these items (of ``judge``; None: every judge's), None when none."""
        from judgekit.auditing._labels import batch_rows
        from judgekit.run._lookup import label_columns_for

        got = batch_rows(label_columns_for(self.store, ids, judge), self.source, self.run)
        return got if len(got.order) else None

    def items(self, rows: LabelRows, order: str | None = None) -> ItemLabels:
        """Item labels of these labels (of one presentation order only, if given)."""
        from judgekit.auditing._items import item_labels

        if order is not None:
            rows = rows.take(np.flatnonzero(rows.order == ORDER_CODES[order]))
        return item_labels(rows, self.opts.judge, self.opts.label_map)


def audit_run(run: Run, source: str, gold: str | os.PathLike[str] | None,
              gold_columns: GoldColumns | None, opts: AuditOptions,
              chunk: int | None = None) -> AuditReport:
    """:func:`._audit.audit` of a run directory, streamed (arguments and errors as there).

    ``source``: how the labels are named in the report; ``chunk``: gold items per chunk
    (default :data:`CHUNK`).
    """
    from judgekit.auditing._items import choose_judge
    from judgekit.run._lookup import labeled_items, shown_judges
    from judgekit.run._rundir import MANIFEST_FILE

    if not run.exists():
        raise RunError(f"{run.path} is not a judgekit run (no {MANIFEST_FILE})")
    suite = SuiteOnce(run, opts.gold_root)
    chunk = chunk or CHUNK
    with run.store() as store:
        name = choose_judge(shown_judges(store), opts.judge, run.path)
        judge = None if opts.judge == "panel" else name
        labeled = labeled_items(store, judge)
        if not labeled:
            raise ContentError(run.path, "no labels", fix="label some items first")
        got = _gold_chunks(suite, gold, gold_columns, source, opts)
        try:
            report = _audited(_Reader(store, run, source, judge, opts), got, name, labeled,
                              suite, chunk)
        finally:
            got.close()
    robustness = robustness_of(run)
    if robustness is not None:
        report.data["bias"]["robustness"] = robustness
    return report


def _audited(reader: _Reader, got: GoldChunks, name: str, labeled: int, suite: SuiteOnce,
             chunk: int) -> AuditReport:
    """The report of the run's labels (``reader``; judge ``name``) against the gold ``got``."""
    opts, source = reader.opts, reader.source
    orders = Orders(reader.store, opts.judge, reader.run.path)
    scan = _scan(reader, got, orders, chunk)
    if not got.items and isinstance(got, SuiteChunks):
        raise got.no_gold()
    no_common = ContentError(source, f"no item id in common with the gold ({got.source})",
                             fix="check that both use the same ids (map with --id-col)")
    if not scan.matched:
        raise no_common
    space = scan.decided(opts.scale)
    no_error = opts.no_error or suite_no_error(suite)
    steps = no_error if no_error is not None and no_error in space[1] else None
    walk = _Walk(reader, got, space, opts, steps)
    walk.run(orders, chunk)
    boot = Bootstrap(opts.replicates, opts.seed)
    report = report_from(walk.tally, walk.tally.coverage(got.items, labeled), boot,
                         judge_family=opts.judge_family, max_slice_values=opts.max_slice_values)
    report.data["inputs"] = {
        "labels": {"source": source, "kind": "run", "judge": name},
        "gold": {"source": got.source, "label_column": got.label_column,
                 "annotators_column": got.annotators_column},
        "slices": got.slices, "model_columns": list(got.models),
    }
    if space[0] == "pairwise":
        by_order, failed = orders.section(boot, no_common)
        if failed is not None:
            raise failed
        report.data["agreement_by_order"] = by_order
    shown = [item["id"] for item, _, _ in walk.mistakes.kept]
    report.data["disagreements"] = walk.mistakes.section(
        got.suite_rows(), reader.rows_of(shown, judge=None) if shown else None,
        walk.present, judge=name, label_map=opts.label_map,
        humans=walk.tally.humans.width >= 2)
    if steps is not None:
        report.data["steps"] = steps_of(walk.steps, steps, boot)
    return report


def gold_chunks(run: Run, gold: str | os.PathLike[str] | None,
                gold_columns: GoldColumns | None, opts: AuditOptions,
                fields: bool = True) -> GoldChunks:
    """The gold a streamed audit of ``run`` walks (a gold file, else the run suite's gold).

    ``fields``: whether the chunks can look up the suite's fields of their items (a walk that
    reads ids and labels only does not need them). Close it after use (:meth:`close`).

    Raises:
        ContentError: As :func:`audit_run` words it (no gold, a bad gold row...).

    """
    return _gold_chunks(SuiteOnce(run, opts.gold_root), gold, gold_columns, str(run.path),
                        opts, fields)


def _gold_chunks(suite: SuiteOnce, gold: str | os.PathLike[str] | None,
                 gold_columns: GoldColumns | None, source: str, opts: AuditOptions,
                 fields: bool = True) -> GoldChunks:
    """:func:`gold_chunks` (``source``: the labels an error names)."""
    if gold is not None:
        return FileChunks(Path(gold), gold_columns, suite if fields else None, opts)
    if suite.named:
        return SuiteChunks(suite.load(), opts)
    raise no_gold(source)


def _scan(reader: _Reader, gold: GoldChunks, orders: Orders, chunk: int) -> Scan:
    """The first pass: the labels the matched items use, overall and per order."""
    scan = Scan()
    for part, _ in gold.chunks(chunk, lookup=False):
        rows = reader.rows(part)
        if rows is None:
            continue
        scan.add(reader.items(rows), part)
        for name in orders.active:
            if (rows.order == ORDER_CODES[name]).any():
                orders.scans[name].add(reader.items(rows, name), part)
    for name, s in orders.scans.items():
        if s.matched:
            orders.spaces[name] = s.decided(reader.opts.scale)
    return scan


class _Walk:
    """The second pass: every chunk joined with the decided codes and added up."""

    def __init__(self, reader: _Reader, got: GoldChunks, space: tuple[str, list[str]],
                 opts: AuditOptions, steps: str | None) -> None:
        self.reader, self.got, self.space, self.opts = reader, got, space, opts
        self.tally = Tally(*space, family=bool(opts.judge_family))
        self.mistakes = Mistakes(opts.max_disagreements, late=got.whole_extra)
        self.present: set[str] = set()
        self.matched = 0
        self.no_error = steps
        self.steps = StepTally()

    def _join(self, lab: ItemLabels, part: Chunk, space: tuple[str, list[str]],
              brief: bool = False) -> Any:
        got = self.got
        return join(lab, part[0], extra=part[1], slices=() if brief else got.slices,
                    scale=space[0], judge_family=self.opts.judge_family,
                    model_columns=() if brief else got.models, decided=space)

    def run(self, orders: Orders, chunk: int) -> None:
        """Walk the gold's chunks."""
        for part in self.got.chunks(chunk):
            rows = self.reader.rows(part[0])
            if rows is None:
                continue
            self.add(self._join(self.reader.items(rows), part, self.space))
            for name in orders.active:
                if name in orders.spaces and (rows.order == ORDER_CODES[name]).any():
                    orders.add(name, self._join(self.reader.items(rows, name), part,
                                                orders.spaces[name], brief=True))
        self.tally.slices = {c: s for c, s in self.tally.slices.items() if c in self.present}

    def add(self, d: Any) -> None:
        """Add one chunk's joined items."""
        head = SLICE_PRESENCE_ROWS - self.matched
        if head > 0 and d.fields is not None:
            self.present |= {c for c in self.got.slices
                             if c not in self.present and d.fields.present(c, head)}
        self.tally.add(d)
        self.mistakes.add(d, self.matched)
        if self.no_error is not None:
            add_steps(self.steps, d, self.no_error)
        self.matched += len(d.judge)


def streamed_run(source: Any) -> tuple[Run, str] | None:
    """The run a labels source is (and how the report names it), None when it is no run."""
    if isinstance(source, (str, os.PathLike)) and not Path(source).is_dir():
        return None
    from judgekit.run._rundir import Run, open_run

    if isinstance(source, Run):
        return source, str(source.path)
    if isinstance(source, (str, os.PathLike)):
        return open_run(Path(source)), str(Path(source))
    return None
