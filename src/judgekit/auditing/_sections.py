"""Report sections read beside the joined data: a probe's robustness, a step review's steps.

Both the in-memory audit (:mod:`._audit`) and the streamed audit of a run (:mod:`._stream`)
add them to the report.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._step_tally import StepTally

if TYPE_CHECKING:
    from judgekit.auditing._audit_gold import SuiteOnce
    from judgekit.auditing._join import AuditData
    from judgekit.run._rundir import Run

PROBE_FILES = ("probe/probe.json", "probe.json")
"""Where ``judgekit probe --out RUN/probe`` (or ``--out RUN``) leaves its report in a run."""


def robustness_of(run: Run | None) -> dict[str, Any] | None:
    """The flip rates of a ``judgekit probe`` of this run, copied from its ``probe.json``."""
    if run is None:
        return None
    path = next((run.path / p for p in PROBE_FILES if (run.path / p).is_file()), None)
    if path is None:
        return None
    try:
        probe = json.loads(path.read_text(encoding="utf-8"))
        rates = {kind: {"value": p["flip_rate"], "ci": p["ci"], "n": p["n"], "flips": p["flips"]}
                 for kind, p in probe["perturbations"].items()}
        head = probe["probe"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"available": False, "reason": f"{path} is not a readable probe.json ({exc})"}
    return {"available": True, "source": str(path), "judge": head.get("judge"),
            "sample": head.get("sample"), "seed": head.get("seed"), "flip_rate": rates}


def steps_section(data: AuditData, no_error: str, boot: Bootstrap) -> dict[str, Any] | None:
    """The step-level figures (:func:`._steps.step_report`) of a step review's joined data."""
    tally = StepTally()
    add_steps(tally, data, no_error)
    return steps_of(tally, no_error, boot)


def add_steps(tally: StepTally, data: AuditData, no_error: str) -> None:
    """Add what the step report reads of a step review's joined items to ``tally``.

    That is: ids, the judge's and the gold's error class (``no_error``: the review's label
    for a step without error), the judge's P(error).
    """
    import numpy as np

    k = data.space.index(no_error)
    judge = np.where(data.judge < 0, -1, data.judge != k).astype(np.int8)
    tally.add(list(data.ids), judge, (data.gold != k).astype(np.int8), 1.0 - data.probs[:, k])


def steps_of(tally: StepTally, no_error: str, boot: Bootstrap) -> dict[str, Any] | None:
    """The ``steps`` section of the steps added (of every item, in gold order)."""
    from judgekit.auditing._steps import tally_report

    out = tally_report(tally, boot)
    return None if out is None else {"no_error": no_error, **out}


def suite_no_error(suite: SuiteOnce) -> str | None:
    """The ``no_error`` label of a run's suite rubric (a step review), else None."""
    loaded = suite.loaded()
    return None if loaded is None else loaded.rubric.no_error
