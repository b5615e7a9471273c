"""A suite times judges -> a run directory of labels, resumable; and what is read back from it.

Data flow: render a request -> a backend's completion -> a parsed verdict -> a canonical
label (:mod:`._parse`, :mod:`._runner`) -> the SQLite store (:mod:`._store`); orders and
judges are combined by :mod:`._aggregate`, and a run is exported by :mod:`._export`.
"""

from judgekit.run._aggregate import ItemVerdict, combine_orders, item_verdicts, panel
from judgekit.run._dpo import PreferenceStats, export_preferences, preference_records
from judgekit.run._export import export_jsonl, open_store
from judgekit.run._parse import parse
from judgekit.run._reparse import ReparseSummary, reparse
from judgekit.run._runner import RunSummary, read_manifest, run_suite
from judgekit.run._store import Store

__all__ = [
    "ItemVerdict",
    "PreferenceStats",
    "ReparseSummary",
    "RunSummary",
    "Store",
    "combine_orders",
    "export_jsonl",
    "export_preferences",
    "item_verdicts",
    "open_store",
    "panel",
    "parse",
    "preference_records",
    "read_manifest",
    "reparse",
    "run_suite",
]
