"""Cascades: several judges in order, cheap to strong; what none of them may keep goes to experts.

Stage 1 is calibrated on every calibration item; stage 2 only on the calibration items stage
1 did not keep, and so on (Jung et al., "cascaded selective evaluation"). A production item is
labeled by the first stage whose confidence clears its threshold, else escalated.

Each stage certifies its own kept labels at ``target``; the union then agrees at least as
often (a mixture of rates that are each >= target). The paper gives every stage the full
``delta``; here each stage gets ``delta / stages`` (Bonferroni), so that the probability that
*any* stage's certificate fails stays <= ``delta`` and the guarantee holds for the whole
cascade as stated, not only stage by stage. A one-judge cascade is the plain selective judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from judgekit.trust._bounds import Array
from judgekit.trust._select import Threshold, TrustOptions, select_threshold

EXPERT = -1
"""Route of an item no stage keeps: the expert queue."""


@dataclass(frozen=True)
class Cascade:
    """Calibrated stages, in order.

    Attributes:
        names: Stage names (a judge, or ``a+b`` for a panel stage).
        thresholds: Each stage's calibrated threshold (its own calibration subset).
        options: The guarantee asked for (``delta`` is the whole cascade's).

    """

    names: tuple[str, ...]
    thresholds: tuple[Threshold, ...]
    options: TrustOptions

    def route(self, confs: Sequence[Array]) -> Array:
        """Stage index per item (the first stage that keeps it), or :data:`EXPERT`."""
        n = len(confs[0]) if confs else 0
        route = np.full(n, EXPERT, dtype=np.int64)
        for k, (conf, th) in enumerate(zip(confs, self.thresholds, strict=True)):
            route[(route == EXPERT) & th.keep(conf)] = k
        return route

    @property
    def certified(self) -> bool:
        """Whether any stage keeps labels."""
        return any(t.certified for t in self.thresholds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one entry per stage."""
        return {"stages": [{"judge": name, **th.to_dict()}
                           for name, th in zip(self.names, self.thresholds, strict=True)],
                "target": self.options.target, "delta": self.options.delta,
                "delta_per_stage": self.options.delta / max(1, len(self.names)),
                "min_n": self.options.min_n}


def calibrate(names: Sequence[str], confs: Sequence[Array], corrects: Sequence[Array],
              options: TrustOptions) -> Cascade:
    """Calibrate each stage on the calibration items the earlier stages left.

    Args:
        names: Stage names, cheap to strong.
        confs: Per stage, its confidence on each calibration item (NaN: no label).
        corrects: Per stage, whether its label equals the gold on each calibration item.
        options: The whole cascade's guarantee.

    """
    opts = options.checked()
    per_stage = replace(opts, delta=opts.delta / max(1, len(names)))
    n = len(confs[0]) if confs else 0
    left = np.ones(n, dtype=bool)
    out = []
    for conf, correct in zip(confs, corrects, strict=True):
        conf = np.asarray(conf, dtype=float)
        th = select_threshold(conf[left], np.asarray(correct, dtype=bool)[left], per_stage)
        out.append(th)
        left &= ~th.keep(conf)
    return Cascade(tuple(names), tuple(out), opts)
