"""The leaderboard of one run's judges, streamed: no judge's labels are ever all in memory.

``judgekit audit RUN`` of a run with several judges (no ``--judge``) reports the first judge
(by name) and adds the ``leaderboard`` section. Here each judge is audited by the streamed
audit of a run (:func:`._stream.audit_run`: the gold walked in chunks, each chunk's labels
looked up in the store) and its row read from that report's sections
(:func:`._leaderboard.row_from`): the same statistics, bootstrap salts and items as the
in-memory :func:`._leaderboard.leaderboard`, so the same figures. The judge-vs-judge matrix
is one more walk over the gold's chunks (:func:`._stream.gold_chunks`): per chunk, every
judge's labels of those items, made into item labels and coded in that judge's categories
as its audit's join codes them; per pair of judges, the items both labeled (a readable label,
the item in the gold) and those where both labels are equal are added up. The run suite
is loaded (its items read and checked) once for all these walks.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from judgekit._errors import JudgekitError
from judgekit.auditing._leaderboard import board, matrix_from, row_from, seconds_of
from judgekit.auditing._options import AuditOptions, GoldColumns
from judgekit.auditing._report import AuditReport
from judgekit.run._rundir import Run

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._store import Store

Gold = str | os.PathLike[str] | None


def audit_judges(run: Run, source: str, gold: Gold, gold_columns: GoldColumns | None,
                 opts: AuditOptions, chunk: int | None = None) -> AuditReport:
    """The report of a run's first judge, with the ``leaderboard`` of all its judges.

    What the CLI's in-memory path gives (``audit_rows`` of the first judge, then
    :func:`._leaderboard.leaderboard`), streamed.

    Args:
        run: A run (of one judge: its report alone).
        source: How the report names the labels.
        gold: A gold file (default: the run suite's gold).
        gold_columns: The gold file's columns.
        opts: How to audit (``judge`` is ignored: every judge is audited).
        chunk: Gold items per chunk (default :data:`._stream.CHUNK`).

    Raises:
        ContentError: As :func:`._stream.audit_run` raises it, for any judge.

    """
    from judgekit.auditing._stream import audit_run
    from judgekit.run._lookup import shown_judges

    run = _OneSuite(run.path)
    with run.store() as store:
        names = shown_judges(store)
    if len(names) < 2:  # no leaderboard: the audit of its judge (or its error: no labels)
        return audit_run(run, source, gold, gold_columns, opts, chunk)
    report = audit_run(run, source, gold, gold_columns, replace(opts, judge=names[0]), chunk)
    seconds = seconds_of(run)
    rows = [row_from(names[0], source, report.data, seconds)]
    ceiling = report.data["ceiling"].get("loo_human")
    spaces = [list(report.data["labels"])]
    for name in names[1:]:
        data = audit_run(run, source, gold, gold_columns, _figures_only(opts, name),
                         chunk).data
        rows.append(row_from(name, source, data, seconds))
        ceiling = ceiling or data["ceiling"].get("loo_human")
        spaces.append(list(data["labels"]))
    walk = _Matrix(names, spaces, opts)
    walk.walk(run, source, gold, gold_columns, chunk)
    report.data["leaderboard"] = board(rows, ceiling, walk.section())
    report.data["notes"].append(f"the report's figures are judge {names[0]}'s; the "
                                f"leaderboard compares {len(names)} judges")
    return report


def _figures_only(opts: AuditOptions, judge: str) -> AuditOptions:
    """Options for a judge whose report gives only its leaderboard row.

    No slices, response models, self-preference or disagreements: no figure of the row reads
    them (the first judge's audit, with every option, has raised any error they cause).
    """
    return replace(opts, judge=judge, slices=[], model_columns=(), judge_family=None,
                   max_disagreements=0)


class _OneSuite(Run):
    """The run, its suite loaded (its items read and checked) once for every judge's audit."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._loaded: dict[Path | None, LoadedSuite | JudgekitError] = {}

    def suite(self, gold_root: Path | None = None, *, verify: bool = False) -> LoadedSuite:
        """:meth:`Run.suite`, loaded once per ``gold_root`` (the same error every time)."""
        if verify:
            return super().suite(gold_root, verify=True)
        if gold_root not in self._loaded:
            try:
                self._loaded[gold_root] = super().suite(gold_root)
            except JudgekitError as exc:
                self._loaded[gold_root] = exc
        got = self._loaded[gold_root]
        if isinstance(got, JudgekitError):
            raise got
        return got


class _Matrix:
    """Per pair of judges: items both labeled, and those with equal labels, added up."""

    def __init__(self, names: list[str], spaces: list[list[str]], opts: AuditOptions) -> None:
        self.names, self.spaces, self.opts = names, spaces, opts
        every = sorted({s for space in spaces for s in space})
        self.codes = [np.array([every.index(s) for s in space], dtype=np.int64)
                      for space in spaces]  # a judge's code -> one code for every judge
        k = len(names)
        self.n = np.zeros((k, k), dtype=np.int64)
        self.same = np.zeros((k, k), dtype=np.int64)

    def walk(self, run: Run, source: str, gold: Gold, gold_columns: GoldColumns | None,
             chunk: int | None) -> None:
        """Walk the gold's chunks (as the audit walks them) and add each up."""
        from judgekit.auditing._stream import CHUNK, gold_chunks

        got = gold_chunks(run, gold, gold_columns, _figures_only(self.opts, self.names[0]),
                          fields=False)  # ids and labels only
        try:
            with run.store() as store:
                for part, _ in got.chunks(chunk or CHUNK, lookup=False):
                    self.add(np.stack([self._labels(store, run, source, part, a)
                                       for a in range(len(self.names))]))
        finally:
            got.close()

    def _labels(self, store: Store, run: Run, source: str, part: GoldTable,
                a: int) -> Any:
        """Judge ``a``'s label of each item of the chunk (-1: none, or unreadable)."""
        from judgekit.auditing._columns import codes, to_numpy
        from judgekit.auditing._items import item_labels
        from judgekit.auditing._labels import batch_rows
        from judgekit.run._lookup import label_columns_for

        out = np.full(len(part.ids), -1, dtype=np.int64)
        name = self.names[a]
        rows = batch_rows(label_columns_for(store, part.ids.to_pylist(), name), source, run)
        if not len(rows.order):
            return out
        lab = item_labels(rows, name, self.opts.label_map)
        pos = pc.index_in(part.ids, value_set=lab.ids)  # as the audit's join matches them
        code = codes(lab.label.take(pos.drop_null()), self.spaces[a])
        out[to_numpy(pc.is_valid(pos), bool)] = np.where(code >= 0, self.codes[a][code], -1)
        return out

    def add(self, labels: Any) -> None:
        """Add a chunk: ``(judges, items)`` each judge's label code of each item (-1: none)."""
        ok = labels >= 0
        both = ok[:, None, :] & ok[None, :, :]
        self.n += both.sum(axis=2)
        self.same += (both & (labels[:, None, :] == labels[None, :, :])).sum(axis=2)

    def section(self) -> dict[str, Any]:
        """The ``matrix`` of the leaderboard section."""
        return matrix_from(self.names, self.n, self.same)
