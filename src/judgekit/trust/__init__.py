"""Trust judges as far as gold shows they can be trusted, and hand the rest to experts.

Data flow: labels + gold, read as the audit reads them (:mod:`._inputs`) -> exact binomial
bounds (:mod:`._bounds`) -> the qualification gate (:mod:`._qualify`) and Trust or Escalate
thresholds certified by fixed-sequence testing (:mod:`._select`), stage by stage in a cascade
(:mod:`._cascade`) -> trusted labels, an expert queue in annotation tools' formats
(:mod:`._escalate`, :mod:`._queue`) and what it saves (:mod:`._cost`, :mod:`._html`) ->
expert answers merged back with provenance (:mod:`._answers`, :mod:`._experts`,
:mod:`._final`) -> what the experts would have said over every item, by PPI++ (:mod:`._ppi`).
The statistics take plain numpy arrays; only :mod:`._inputs` knows how files are read.
"""

from judgekit.trust._answers import Answer, AnswerColumns, read_answers
from judgekit.trust._bounds import items_needed, lower_bound, upper_bound
from judgekit.trust._cascade import Cascade, calibrate
from judgekit.trust._cost import CostOptions, cost_report
from judgekit.trust._escalate import EscalateOptions, Escalation, escalate, write_escalation
from judgekit.trust._experts import Merged, merge, score_experts
from judgekit.trust._final import preference_records
from judgekit.trust._hidden import HiddenGoldWatch
from judgekit.trust._inputs import GoldSource, LabelSource, read_stages
from judgekit.trust._ppi import PPIEstimate, ppi_mean
from judgekit.trust._qualify import Qualification, qualify, qualify_slices
from judgekit.trust._select import (
    Threshold,
    TrustOptions,
    calibration_needed,
    default_min_n,
    select_threshold,
)

__all__ = [
    "Answer",
    "AnswerColumns",
    "Cascade",
    "CostOptions",
    "EscalateOptions",
    "Escalation",
    "GoldSource",
    "HiddenGoldWatch",
    "LabelSource",
    "Merged",
    "PPIEstimate",
    "Qualification",
    "Threshold",
    "TrustOptions",
    "calibrate",
    "calibration_needed",
    "cost_report",
    "default_min_n",
    "escalate",
    "items_needed",
    "lower_bound",
    "merge",
    "ppi_mean",
    "preference_records",
    "qualify",
    "qualify_slices",
    "read_answers",
    "read_stages",
    "score_experts",
    "select_threshold",
    "upper_bound",
    "write_escalation",
]
