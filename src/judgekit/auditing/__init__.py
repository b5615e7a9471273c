"""Labels + human gold -> a report: agreement, the human ceiling, slices, bias, calibration.

Data flow: read labels and gold (:mod:`._io`, :mod:`._gold`) -> join them into arrays
(:mod:`._join`) -> statistics (:mod:`._stats`, :mod:`._ceiling`, :mod:`._bias`,
:mod:`._calib`, with bootstrap CIs from :mod:`._boot`) -> :class:`AuditReport`
(``report.json``, ``report.html`` by :mod:`._html`).
"""

from judgekit.auditing._audit import AuditReport, audit, build_report
from judgekit.auditing._io import LabelColumns
from judgekit.auditing._join import AuditData

__all__ = ["AuditData", "AuditReport", "LabelColumns", "audit", "build_report"]
