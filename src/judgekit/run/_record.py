"""The judge and record stages of a run: ask the backend; parse, store durably, account.

:class:`Recorder` parses judged batches into labels and stores them in one transaction
(:meth:`Recorder.store`), which returns a :class:`Tally` per batch: what the batch adds to
the run's summary and progress. :func:`account` adds tallies to the summary. The two halves
are apart so that parsing and storing can run in a third process (:mod:`._writer`), whose
tallies come back to the run's process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from judgekit._errors import RunError
from judgekit._types import Label
from judgekit.backends._contract import Backend
from judgekit.run._prepare import Batch
from judgekit.run._store import Store
from judgekit.run._verdict import LabelStep
from judgekit.run._watch import Watch

if TYPE_CHECKING:
    from judgekit.run._summary import RunSummary

Progress = Callable[[int, int], None]
"""Called with (done, total) after every batch."""


@dataclass
class Tally:
    """What one stored batch adds to a run's summary.

    Attributes:
        judge: The judge's model id.
        skipped: Requests found done before the batch (resume).
        labels: Labels stored.
        answered: Completions the model gave (the rest came from the cache).
        errors: Labels with an error, by kind (the message before its first colon).
        warnings: Checker warnings (``extra["warning"]``), each once, in order.

    """

    judge: str
    skipped: int = 0
    labels: int = 0
    answered: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, label: Label) -> None:
        """Count one label's error, if any, and keep a new checker warning."""
        warning = label.extra.get("warning") if label.extra else None
        if isinstance(warning, str) and warning not in self.warnings:
            self.warnings.append(warning)
        if label.error:
            kind = label.error.split(":")[0]
            self.errors[kind] = self.errors.get(kind, 0) + 1


def account(summary: RunSummary, tally: Tally) -> int:
    """Add ``tally`` to ``summary``; the requests it accounts for (done or skipped)."""
    for warning in tally.warnings:
        if warning not in summary.warnings:
            summary.warnings.append(warning)
    for kind, n in tally.errors.items():
        summary.errors += n
        summary.error_kinds[kind] = summary.error_kinds.get(kind, 0) + n
    summary.skipped += tally.skipped
    summary.cached += tally.labels - tally.answered
    summary.judged += tally.answered
    return tally.skipped + tally.labels


class Recorder:
    """Judge batches, then parse their completions into labels and store them durably.

    Args:
        models: Judge model ids (a batch's ``judge`` indexes them).
        store: The run's store (this recorder's own connection).
        step: Turns a completion into a label.
        judges: The backends (only :meth:`judge` needs them).

    """

    def __init__(self, models: Sequence[str], store: Store, step: LabelStep,
                 judges: Sequence[Backend] = ()) -> None:
        self.models, self.store, self.step, self.judges = list(models), store, step, judges
        self.kept: list[tuple[str, list[Label]]] | None = None  # labels a watch will see

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

    def store_batches(self, done: list[Batch]) -> list[Tally]:
        """Parse judged batches' completions into labels and store them in one transaction.

        Each batch's rows are added as soon as they are parsed (only a watch's labels are
        kept until the commit, in :attr:`kept`), so gathering batches costs no more memory
        than one. Returns one tally per batch, valid once committed.
        """
        with self.store.batch():
            return [self.store_one(batch) for batch in done]

    def store_one(self, batch: Batch) -> Tally:
        """Parse one judged batch and add its rows (inside :meth:`Store.batch`); its tally."""
        model, label = self.models[batch.judge], self.step.label
        cached, answers, items = batch.cached, batch.answers, batch.items
        labels = [label(cached.get(k) or answers[k], r, model, k, items.get(r.item_id))
                  for r, k in batch.requests]
        tally = Tally(model, batch.skipped, len(labels), len(answers))
        for lab in labels:
            if lab.error or lab.extra:
                tally.count(lab)
        if labels:
            self.store.add(answers.items(), labels)
            if self.kept is not None:
                self.kept.append((model, labels))
        return tally


class Accounts:
    """Adds stored batches' tallies to the run's summary, tells progress and the watch.

    Args:
        summary: The run's summary.
        progress: Called with (done, total) after every batch.
        watch: Sees each stored batch (its labels, or with :meth:`tally` only counts).

    """

    def __init__(self, summary: RunSummary, progress: Progress | None,
                 watch: Watch | None) -> None:
        self.summary, self.progress, self.watch = summary, progress, watch
        self.done = 0

    def add(self, tallies: list[Tally], labels: list[tuple[str, list[Label]]] | None) -> None:
        """Account for committed batches (``labels``: theirs, for a watch that reads them)."""
        for model, batch_labels in labels or ():  # after the commit: a stop loses nothing
            self.watch.observe(model, batch_labels)  # type: ignore[union-attr]
        for tally in tallies:
            self.done += account(self.summary, tally)
            if labels is None and self.watch is not None:
                self.watch.tally(tally.judge, tally.labels,  # type: ignore[attr-defined]
                                 sum(tally.errors.values()))
            if self.progress and (tally.labels or tally.skipped):
                self.progress(self.done, self.summary.requests)


class LocalRecorder(Recorder):
    """The record stage in the run's own process: store, then account (watch included)."""

    def __init__(self, models: Sequence[str], store: Store, step: LabelStep,
                 judges: Sequence[Backend], accounts: Accounts) -> None:
        super().__init__(models, store, step, judges)
        self.accounts = accounts
        self.kept = [] if accounts.watch is not None else None

    def write(self, done: list[Batch]) -> None:
        """Store judged batches in one transaction, then account for them."""
        tallies = self.store_batches(done)
        kept, self.kept = self.kept, [] if self.kept is not None else None
        self.accounts.add(tallies, kept)
