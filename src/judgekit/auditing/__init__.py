"""Labels + human gold -> a report: agreement, the human ceiling, slices, bias, calibration.

Data flow, one way for every input: labels (a labels file, a run directory, Label objects)
-> one row per judgment (:mod:`._labels`, reading files with :mod:`._table`) -> one label per
item (:mod:`._items`, orders and judges combined by :mod:`judgekit.run`'s rule) -> joined with
the gold (:mod:`._gold`, :mod:`._join`) into arrays -> summed into a :mod:`._tally` ->
statistics (:mod:`._stats`, :mod:`._ceiling`, :mod:`._bias`, :mod:`._calib`, with bootstrap
CIs from :mod:`._boot`) -> :class:`AuditReport` (``report.json``, and ``report.html`` by
:mod:`._html`). A run directory takes the same steps a chunk of gold items at a time, its
labels looked up in the store per chunk (:mod:`._stream`): none of its labels' arrays is ever
whole (a gold file given with it still is read whole).
"""

from judgekit.auditing._audit import audit
from judgekit.auditing._join import AuditData
from judgekit.auditing._options import AuditOptions, GoldColumns, LabelColumns
from judgekit.auditing._report import AuditReport, build_report

__all__ = [
    "AuditData",
    "AuditOptions",
    "AuditReport",
    "GoldColumns",
    "LabelColumns",
    "audit",
    "build_report",
]
