"""A suite times judges -> a run directory of labels, resumable; and what is read back from it.

Data flow: :func:`run_suite` renders each request, asks a backend, turns the completion into
a canonical label (:func:`to_label`: parse, orient, check) and stores it durably in the run
directory (:class:`Run`: manifest, lock, SQLite store). Reading back: :func:`open_run`,
orders and judges combined by :func:`combine_orders` / :func:`panel`, :func:`export`,
:func:`reparse`.
"""

from judgekit._types import Verdict
from judgekit.run._aggregate import ItemVerdict, combine_orders, item_verdicts, panel
from judgekit.run._export import export, records
from judgekit.run._exportopts import ExportOptions, ExportStats
from judgekit.run._preference import p_a_better
from judgekit.run._reparse import ReparseSummary, reparse
from judgekit.run._rundir import Run, open_run
from judgekit.run._runner import RunSummary, run_suite
from judgekit.run._store import Store
from judgekit.run._verdict import parse, to_label

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
