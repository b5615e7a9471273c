"""A suite times judges -> a run directory of labels, resumable; and what is read back from it.

Data flow: :func:`run_suite` renders each request, asks a backend, turns the completion into
a canonical label (:func:`to_label`: parse, orient, check) and stores it durably in the run
directory (:class:`Run`: manifest, lock, SQLite store). Reading back: :func:`open_run`,
orders and judges combined by :func:`combine_orders` / :func:`panel`, :func:`export`,
:func:`reparse`.

Each name loads its module on first use (PEP 562): a reader of one module (an audit reads
``_aggregate`` and the store) does not load the runner, the renderer and the backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judgekit._lazy import lazy_names

if TYPE_CHECKING:
    from judgekit._types import Verdict
    from judgekit.run._aggregate import ItemVerdict, combine_orders, item_verdicts, panel
    from judgekit.run._export import export, records
    from judgekit.run._exportopts import ExportOptions, ExportStats
    from judgekit.run._preference import p_a_better
    from judgekit.run._reparse import ReparseSummary, reparse
    from judgekit.run._rundir import Run, open_run
    from judgekit.run._runner import run_suite
    from judgekit.run._store import Store
    from judgekit.run._summary import RunSummary
    from judgekit.run._verdict import parse, to_label

_LAZY = {
    "judgekit._types": ("Verdict",),
    "judgekit.run._aggregate": ("ItemVerdict", "combine_orders", "item_verdicts", "panel"),
    "judgekit.run._export": ("export", "records"),
    "judgekit.run._exportopts": ("ExportOptions", "ExportStats"),
    "judgekit.run._preference": ("p_a_better",),
    "judgekit.run._reparse": ("ReparseSummary", "reparse"),
    "judgekit.run._rundir": ("Run", "open_run"),
    "judgekit.run._runner": ("run_suite",),
    "judgekit.run._summary": ("RunSummary",),
    "judgekit.run._store": ("Store",),
    "judgekit.run._verdict": ("parse", "to_label"),
}
__getattr__, __dir__ = lazy_names(__name__, _LAZY)

__all__ = [
    "ExportOptions",
    "ExportStats",
    "ItemVerdict",
    "ReparseSummary",
    "Run",
    "RunSummary",
    "Store",
    "Verdict",
    "combine_orders",
    "export",
    "item_verdicts",
    "open_run",
    "p_a_better",
    "panel",
    "parse",
    "records",
    "reparse",
    "run_suite",
    "to_label",
]
