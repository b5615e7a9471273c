"""Agreement with the gold per presentation order, and the mean of the two.

Several published judge tables report a judge's agreement in each order separately and their
mean, instead of (or beside) the agreement of the both-order verdict; this section lets an
auditor compare with them. Each order is audited on its own: the judgments shown in that order
become the item labels (``AB``: response A shown first; ``BA``: B first, mapped back), joined
with the same gold as the main audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit.auditing._boot import Array, Bootstrap
from judgekit.auditing._stats import agreement_stats
from judgekit.run._aggregate import ORDER_CODES

if TYPE_CHECKING:
    from judgekit.auditing._join import AuditData
    from judgekit.auditing._labels import LabelRows
    from judgekit.auditing._options import AuditOptions

ORDERS = ("AB", "BA")


def by_order(rows: LabelRows, opts: AuditOptions,
             joined: Callable[[Array], AuditData]) -> dict[str, Any] | None:
    """``{"AB": stat, "BA": stat, "mean": stat}`` of agreement; None without both orders.

    ``joined``: the judgments at these rows joined with the gold the main audit read.
    """
    boot = Bootstrap(opts.replicates, opts.seed)
    out: dict[str, Any] = {}
    for salt, name in enumerate(ORDERS, start=40):
        keep = np.flatnonzero(rows.order == ORDER_CODES[name])
        if not len(keep):
            return None
        stats = agreement_stats(joined(keep), boot, brief=True, salt=salt)
        out[name] = stats.get("agreement")
    return with_mean(out)


def with_mean(out: dict[str, Any]) -> dict[str, Any] | None:
    """Both orders' agreements and their mean; None when either has none."""
    ab, ba = out["AB"], out["BA"]
    if ab is None or ba is None or ab["value"] is None or ba["value"] is None:
        return None
    out["mean"] = {"value": (ab["value"] + ba["value"]) / 2, "ci": None,
                   "n": min(ab["n"], ba["n"]),
                   "reference": "mean of the AB and BA agreements (no joint interval)"}
    return out
