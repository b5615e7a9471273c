"""What an audit joins its labels with: the gold, and the fields it reads beside the gold.

The gold is a gold file, or (a run without one) the gold the run's suite carries. The fields
(slice values, response lengths, response models) are the gold rows'; a run audited against
a gold file also reads, for the fields its gold rows lack, the run suite's items, and a run
audited against its suite's gold reads every field from them. The suite's items are streamed
into the few columns the audit reads (:mod:`._suite_items`), never held as rows; which
columns is decided before they are read, from the first gold row's and the first item's keys
(:func:`choose`), so they are read once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from judgekit._errors import ContentError, JudgekitError
from judgekit.auditing._options import AuditOptions, GoldColumns

if TYPE_CHECKING:
    from judgekit._types import Item
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._labels import LabelRows
    from judgekit.auditing._suite_items import SuiteFields, Wanted
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._rundir import Run

DEFAULT_SLICES = ("domain", "criterion", "criterion_type", "subset", "category", "tags")
MODEL_COLUMNS = (("model_a", "model_b"), ("response_a_model", "response_b_model"))


class SuiteOnce:
    """The suite a run names, loaded at most once per audit (its items are read and checked).

    Args:
        run: The run (None: labels from a file or in memory).
        gold_root: Where the suite's ``gold:`` paths point.

    """

    def __init__(self, run: Run | None, gold_root: Path | None) -> None:
        self.run, self.gold_root = run, gold_root
        self._got: LoadedSuite | JudgekitError | None = None

    @property
    def named(self) -> bool:
        """Whether there is a run and its manifest names a suite."""
        return self.run is not None and bool(self.run.manifest.get("suite_path")
                                             or self.run.manifest.get("suite"))

    def load(self) -> LoadedSuite:
        """The suite; raises the error loading it raised (the same one on every call)."""
        if self._got is None:
            assert self.run is not None
            try:
                self._got = self.run.suite(self.gold_root)
            except JudgekitError as exc:
                self._got = exc
        if isinstance(self._got, JudgekitError):
            raise self._got
        return self._got

    def loaded(self) -> LoadedSuite | None:
        """The suite, None when there is none or it does not load."""
        if not self.named:
            return None
        try:
            return self.load()
        except JudgekitError:
            return None


@dataclass(frozen=True)
class Gold:
    """An audit's gold and what it reads beside it.

    Attributes:
        table: The gold.
        extra: The run suite's items and their ids (for :func:`._join.join`), or None.
        slices: The slice columns chosen.
        models: The response-model columns chosen.

    """

    table: GoldTable
    extra: tuple[SuiteFields, Any] | None
    slices: list[str]
    models: Sequence[str]


class GoldOnce:
    """One audit's gold (and the run suite's items it reads), read once.

    The per-order agreements join the same gold again; they ask this instead of the files.
    """

    def __init__(self, gold: str | os.PathLike[str] | None, columns: GoldColumns | None,
                 suite: SuiteOnce) -> None:
        self.gold, self.columns, self.suite = gold, columns, suite
        self._got: Gold | None = None

    def get(self, lab: Labels, opts: AuditOptions) -> Gold:
        """The gold (``lab`` names the labels in an error; ``opts`` picks the columns)."""
        if self._got is None:
            self._got = read_gold(lab, self.gold, self.columns, self.suite, opts)
        return self._got

    def early(self, lab: Labels, opts: AuditOptions) -> None:
        """Read the gold now, before the labels' arrays are made (a lower peak of memory).

        An error waits for :meth:`get`, which reads again and raises it where the audit
        always met it: after the labels' own errors.
        """
        try:
            self.get(lab, opts)
        except JudgekitError:
            pass


Labels = Union["ItemLabels", "LabelRows"]
"""Judgments or item labels: their ``source`` and ``kind`` name them in an error."""


def where(lab: Labels) -> str | None:
    """What an error about these labels names (None: labels in memory)."""
    return None if lab.kind == "labels" else lab.source


def read_gold(lab: Labels, gold: str | os.PathLike[str] | None,
              columns: GoldColumns | None, suite: SuiteOnce, opts: AuditOptions) -> Gold:
    """The gold file (with the run suite's items, if it loads), else the suite's gold."""
    from judgekit.auditing._gold import gold_from_file

    if gold is not None:
        table = gold_from_file(Path(gold), columns)
        loaded = suite.loaded()
        first = [] if loaded is None else list(loaded.items[0].fields)
        slices, models = choose({*table.keys, *first}, table.slices, opts)
        extra = None if loaded is None else _read(loaded, _wanted(slices, models), None)[0]
        return Gold(table, None if extra is None else (extra, extra.ids), slices, models)
    if suite.named:
        return suite_gold(suite.load(), opts)
    raise no_gold(where(lab))


def no_gold(where: str | None) -> ContentError:
    """The error of an audit with no gold file and no run suite to take gold from."""
    return ContentError(where, "no gold to audit against",
                        fix="pass --gold FILE (JSONL/CSV with id and human_label)")


def suite_gold(suite: LoadedSuite, opts: AuditOptions) -> Gold:
    """The gold a run's suite carries (its ``gold:`` and ``annotators:`` columns).

    Raises:
        ContentError: The suite names no gold column, or no item has a gold label.

    """
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._suite_items import empty_rows

    def no_gold() -> ContentError:
        return ContentError(suite.path, "the suite's items carry no gold labels",
                            fix="pass --gold FILE")

    if not suite.spec.gold:
        raise no_gold()
    first = list(suite.items[0].fields)
    slices, models = choose(set(first), list(suite.spec.slices), opts)
    fields, got = _read(suite, _wanted(slices, models), gold_rule(suite))
    if got is None or not fields.num_rows:
        raise no_gold()
    table = GoldTable(f"suite {suite.ref}", str(suite.spec.gold), suite.spec.annotators,
                      fields.ids, got.label, got.annotators,
                      empty_rows(suite.path, fields.num_rows), first, list(suite.spec.slices))
    return Gold(table, (fields, fields.ids), slices, models)


def suite_labels(suite: LoadedSuite) -> tuple[Any, Any]:
    """Ids and gold labels of the suite's items that carry one (pyarrow strings), streamed."""
    from judgekit.auditing._suite_items import Wanted

    fields, got = _read(suite, Wanted(lengths=()), gold_rule(suite))
    assert got is not None
    return fields.ids, got.label


def gold_rule(suite: LoadedSuite) -> Callable[[Item], tuple[str | None, list[str] | None]]:
    """An item's gold label and annotators' labels, as the suite's ``gold`` mapping has them."""
    return suite.gold_and_votes


def _wanted(slices: list[str], models: Sequence[str]) -> Wanted:
    from judgekit.auditing._suite_items import Wanted

    return Wanted(tuple(slices), tuple(models))


def _read(suite: LoadedSuite, wanted: Wanted, gold: Any) -> tuple[SuiteFields, Any]:
    from judgekit.auditing._suite_items import read_suite

    return read_suite(suite, wanted, gold)


def choose(keys: set[str], suite_slices: Sequence[str],
           opts: AuditOptions) -> tuple[list[str], Sequence[str]]:
    """Slice columns and response-model columns: as given, else the ones the gold has."""
    chosen = list(opts.slices) if opts.slices is not None else \
        [c for c in (*DEFAULT_SLICES, *suite_slices) if c in keys]
    models = opts.model_columns
    if models is None:
        pair = next((p for p in MODEL_COLUMNS if set(p) <= keys), None)
        models = pair or (("response_model",) if "response_model" in keys else ())
    return list(dict.fromkeys(chosen)), models
