"""What an audit is told: which columns hold what, and how to compute the report.

Three frozen values travel from the caller (or the ``judgekit audit`` options) to the readers
and the report: :class:`LabelColumns` (a labels file's columns), :class:`GoldColumns` (a gold
file's columns and label spelling) and :class:`AuditOptions` (everything else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SCALES = ("pairwise", "ordinal", "binary", "categorical")


@dataclass(frozen=True)
class LabelColumns:
    """Column names of an imported labels file (JSONL, CSV or Parquet).

    Attributes:
        id: Item id (matches the gold file's id column).
        verdict: The judge's label, canonical orientation (``A`` = the item's response_a).
        prob: Probability column: a number (P of the verdict) or a JSON object label -> P.
            Default: ``probs`` when the file has it.
        order: Presentation order (``AB``/``BA``/``single``): rows of one item in both orders
            are combined. Default: ``order`` when the file has it.
        judge: Judge name column (default ``judge`` when present); pick one with ``judge=``.

    """

    id: str = "id"
    verdict: str = "verdict"
    prob: str | None = None
    order: str | None = None
    judge: str | None = None


@dataclass(frozen=True)
class GoldColumns:
    """Column names of a gold file (JSONL, CSV or Parquet), and the spelling of its labels.

    Attributes:
        id: Item id column.
        label: Gold label column (default: the first of ``human_label``, ``human_score``,
            ``gold``, ``label`` the file has).
        annotators: List-of-labels column (default: ``annotator_labels``, ``annotator_scores``
            or ``annotators`` when present; ``""`` ignores annotators).
        label_map: Gold (and annotator) label -> the spelling the judge uses.

    """

    id: str = "id"
    label: str | None = None
    annotators: str | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: which judge, label spelling, slices, scale, bootstrap, bias inputs.

    Attributes:
        judge: Which judge of several (``panel``: the mean of all of them).
        label_map: Judge label -> gold spelling (e.g. ``{"yes": "safe"}``).
        slices: Gold columns to slice by (default: domain, criterion... where present).
        scale: Force ``pairwise``, ``ordinal``, ``binary`` or ``categorical``.
        replicates: Bootstrap replicates (0: no intervals).
        seed: Bootstrap seed.
        judge_family: The judge's model family (e.g. ``gpt-4``), for self-preference.
        model_columns: Gold columns naming the response models (two for pairwise).
        gold_root: Where a run suite's ``gold:`` paths point.
        max_slice_values: Most values shown per slice column (the largest ones).
        no_error: A step review's "no error" label (default: a run suite rubric's
            ``no_error``): adds the report's ``steps`` section.
        max_disagreements: Most disagreements listed in the report (the most confident).

    Raises:
        ValueError: An unknown scale, or a negative number of replicates.

    """

    judge: str | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)
    slices: Sequence[str] | None = None
    scale: str | None = None
    replicates: int = 1000
    seed: int = 0
    judge_family: str | None = None
    model_columns: Sequence[str] | None = None
    gold_root: Path | None = None
    max_slice_values: int = 30
    no_error: str | None = None
    max_disagreements: int = 50

    def __post_init__(self) -> None:
        if self.scale is not None and self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {self.scale!r}")
        if self.replicates < 0:
            raise ValueError(f"replicates must be 0 or more, not {self.replicates}")
