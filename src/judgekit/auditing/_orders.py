"""Agreement with the gold per presentation order, and the mean of the two.

Several published judge tables report a judge's agreement in each order separately and their
mean, instead of (or beside) the agreement of the both-order verdict; this section lets an
auditor compare with them. Each order is audited on its own: the judgments shown in that order
become the item labels (``AB``: response A shown first; ``BA``: B first, mapped back), joined
with the same gold as the main audit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._stats import agreement_stats
from judgekit.run._aggregate import ORDER_CODES

if TYPE_CHECKING:
    from judgekit.auditing._audit import SuiteOnce
    from judgekit.auditing._labels import LabelRows
    from judgekit.auditing._options import AuditOptions, GoldColumns

ORDERS = ("AB", "BA")


def by_order(rows: LabelRows, gold: str | os.PathLike[str] | None,
             gold_columns: GoldColumns | None, opts: AuditOptions,
             suite: SuiteOnce) -> dict[str, Any] | None:
    """``{"AB": stat, "BA": stat, "mean": stat}`` of agreement; None without both orders."""
    from judgekit.auditing._audit import judge_data

    boot = Bootstrap(opts.replicates, opts.seed)
    out: dict[str, Any] = {}
    for salt, name in enumerate(ORDERS, start=40):
        keep = np.flatnonzero(rows.order == ORDER_CODES[name])
        if not len(keep):
            return None
        data, _ = judge_data(rows.take(keep), gold, gold_columns, opts, suite=suite)
        out[name] = agreement_stats(data, boot, brief=True, salt=salt).get("agreement")
    ab, ba = out["AB"], out["BA"]
    if ab is None or ba is None or ab["value"] is None or ba["value"] is None:
        return None
    out["mean"] = {"value": (ab["value"] + ba["value"]) / 2, "ci": None,
                   "n": min(ab["n"], ba["n"]),
                   "reference": "mean of the AB and BA agreements (no joint interval)"}
    return out
