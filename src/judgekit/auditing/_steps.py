"""Step-level audit of a step review: the error class per step, and the first wrong step.

Step items have ids ``SOLUTION#K`` (:mod:`judgekit.content._steps`); a label is an error when
it is not the rubric's ``no_error`` label, whatever error kind it names. Figures:

- per step (steps where both the judge and the gold have a label): agreement and Cohen's
  kappa on the error class, and precision, recall and F1 with *error* as the positive class
  (errors are the minority; sklearn's ``precision_recall_fscore_support(pos_label=1)``);
  AUROC of the judge's P(error) = 1 - P(no_error), where every step has probabilities;
- per solution (solutions whose steps 1..n all have both labels): the accuracy of locating
  the first wrong step, "no error" counting as a location (ProcessBench, Zheng et al. 2024),
  also on the solutions with an error and those without, and ProcessBench's F1 (the harmonic
  mean of those two accuracies).

Intervals are percentile bootstraps over *solutions* (a solution's steps are not independent):
each solution is a row of counts and :class:`~judgekit.auditing._boot.Bootstrap` resamples
the rows, so every figure above is recomputed from resampled count sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit._errors import ContentError, RunError
from judgekit.auditing._boot import Array, Bootstrap, patterns
from judgekit.auditing._step_tally import StepTally, classes
from judgekit.run._rundir import Run

if TYPE_CHECKING:
    from judgekit.content._suite import LoadedSuite

COUNTS = ("tp", "fp", "fn", "tn", "complete", "located", "erroneous", "erroneous_located",
          "clean", "clean_located")
"""Per-solution count columns (steps, then solutions) that every figure is a function of."""


def figures(counts: Array) -> dict[str, Array]:
    """Every figure from summed counts: ``(len(COUNTS),)`` or ``(B, len(COUNTS))`` replicates.

    Keys are ``section.name`` paths of the report (``agreement``, ``error_class.f1``...).
    """
    c = np.asarray(counts, dtype=float)
    tp, fp, fn, tn, complete, located, err, err_ok, clean, clean_ok = np.moveaxis(c, -1, 0)
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        agree = (tp + tn) / n
        chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n**2
        acc_err, acc_clean = err_ok / err, clean_ok / clean
        return {
            "agreement": agree,
            "cohen_kappa": np.where(chance < 1, (agree - chance) / (1 - chance), np.nan),
            "error_class.precision": tp / (tp + fp),
            "error_class.recall": tp / (tp + fn),
            "error_class.f1": 2 * tp / (2 * tp + fp + fn),
            "first_error.accuracy": located / complete,
            "first_error.accuracy_erroneous": acc_err,
            "first_error.accuracy_correct": acc_clean,
            "first_error.processbench_f1": 2 * acc_err * acc_clean / (acc_err + acc_clean),
        }


def step_report(ids: Sequence[str], judge_error: Sequence[bool | None],
                gold_error: Sequence[bool | None], *, p_error: Sequence[float | None] = (),
                boot: Bootstrap | None = None) -> dict[str, Any] | None:
    """The ``steps`` section of an audit report, or None when no id is a step id.

    Args:
        ids: Item ids (``SOLUTION#K`` for steps).
        judge_error: The judge's error class per item (None: no readable label).
        gold_error: The gold's error class per item (None: no gold).
        p_error: The judge's P(error) per item, for AUROC (empty or any None: no AUROC).
        boot: Bootstrap settings for the intervals (default 1000 replicates, seed 0).

    """
    tally = StepTally()
    p = [np.nan if v is None else v for v in p_error] if p_error else np.full(len(ids), np.nan)
    tally.add(ids, classes(judge_error), classes(gold_error), np.asarray(p, dtype=float))
    return tally_report(tally, boot)


def tally_report(tally: StepTally, boot: Bootstrap | None = None) -> dict[str, Any] | None:
    """:func:`step_report` of the steps added to ``tally`` (None: none)."""
    n_steps = tally.steps()
    if n_steps == 0:
        return None
    boot = boot or Bootstrap()
    rows = tally.counts(len(COUNTS))
    total = rows.sum(axis=0)
    point, reps = figures(total), figures(boot.sums(patterns(rows)))
    out: dict[str, Any] = {
        "steps": n_steps, "judged_steps": int(total[:4].sum()), "solutions": len(rows),
        "positive_class": "error",
        "confusion": {k: int(v) for k, v in zip(COUNTS[:4], total[:4], strict=True)},
        "gold_error_rate": _ratio(total[0] + total[2], total[:4].sum()),
        "judge_error_rate": _ratio(total[0] + total[1], total[:4].sum()),
        "error_class": {},
        "first_error": {"solutions": int(total[4]), "incomplete": len(rows) - int(total[4]),
                        "erroneous": int(total[6]), "correct": int(total[8])},
    }
    for path, value in point.items():
        section, _, name = path.rpartition(".")
        target = out[section] if section else out
        target[name] = {"value": None if np.isnan(value) else float(value),
                        "ci": boot.interval(reps[path]) if len(reps[path]) else None}
    out["auroc"] = tally.auroc()
    return out


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def audit_steps(run: Run | str | Path, *, judge: str | None = None,
                gold_root: Path | None = None, boot: Bootstrap | None = None) -> dict[str, Any]:
    """The step-level figures of a step-review run against its suite's gold.

    Raises:
        RunError: Several judges and none chosen, or an unknown judge.
        ContentError: The run's suite is not a step review, or carries no gold.

    """
    run = run if isinstance(run, Run) else Run(run)
    suite = run.suite(gold_root)
    no_error = suite.rubric.no_error
    if no_error is None:
        raise ContentError(suite.path, f"{suite.ref} is not a step review (its rubric is "
                           f"{suite.rubric.kind})", fix="audit a suite whose rubric is "
                           "of kind 'step'")
    judges = run.judges()
    if judge is None and len(judges) != 1:
        raise RunError(f"{run.path} holds labels of {len(judges)} judges {judges}; name one")
    if judge is not None and judge not in judges:
        raise RunError(f"{run.path} has no labels of judge {judge!r}; judges: {judges}")
    ids, judge_error, p_error = step_labels(run, judge, no_error)
    report = step_report(ids, judge_error, _gold_errors(suite, ids, no_error), p_error=p_error,
                         boot=boot)
    if report is None:
        raise ContentError(suite.path, "no label of this run has a step id (SOLUTION#K)")
    return {"judge": judges[0] if judge is None else judge, "no_error": no_error, **report}


def step_labels(run: Run, judge: str | None, no_error: str) -> tuple[
        list[str], list[bool | None], list[float | None]]:
    """A run's labels (one judge's, or all) as the step report reads them.

    Read as columns (:meth:`judgekit.run.Store.label_columns`, no Label object), in
    :meth:`judgekit.run.Run.labels`' order: item ids, whether each label is an error (None:
    no label), and P(error) = 1 - P(``no_error``) (None: no distribution or no label).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ids: list[str] = []
    errors: list[bool | None] = []
    p_error: list[float | None] = []
    with run.store() as store:
        for batch in store.label_columns(judge, hidden=False):
            label, probs = batch.column("label"), batch.column("probs")
            ids += batch.column("item_id").to_pylist()
            errors += pc.not_equal(label, no_error).to_pylist()
            named = probs.field(no_error) if probs.type.get_field_index(no_error) >= 0 \
                else pa.nulls(len(probs), pa.float64())
            p = pc.subtract(1.0, pc.fill_null(named, 0.0))
            p_error += pc.if_else(pc.and_(probs.is_valid(), label.is_valid()), p,
                                  None).to_pylist()
    return ids, errors, p_error


def _gold_errors(suite: LoadedSuite, ids: list[str], no_error: str) -> list[bool | None]:
    """Whether the suite's gold calls each item an error (None: no gold), read as columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from judgekit.auditing._audit_gold import suite_labels

    gold_ids, gold = suite_labels(suite)
    at = pc.index_in(pa.array(ids, pa.string()), value_set=gold_ids)
    errors: list[bool | None] = pc.not_equal(gold.take(at), no_error).to_pylist()
    return errors
