"""Pydantic models of the files users write: constitutions, rubrics, suites.

Every model forbids unknown keys, so a typo is an error that names the field, not a silently
ignored setting. Field docstrings are the format's documentation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Principle(_Strict):
    """One principle of a constitution."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Short stable id (lowercase, digits, ``-``/``_``), used in reports."""
    text: str = Field(min_length=1)
    """The principle, as the judge reads it."""


class Constitution(_Strict):
    """A named list of principles (``constitutions/<domain>/<name>.yaml``)."""

    title: str
    """Human title."""
    description: str = ""
    """What the constitution is for."""
    principles: list[Principle] = Field(min_length=1)
    """The principles, in the order the judge reads them."""

    @model_validator(mode="after")
    def _unique_ids(self) -> Constitution:
        ids = [p.id for p in self.principles]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"principle ids must be unique; repeated: {', '.join(dup)}")
        return self


class Criterion(_Strict):
    """One rubric criterion with its score anchors."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Short stable id, used for per-criterion slices."""
    description: str = Field(min_length=1)
    """What the criterion asks."""
    levels: dict[str, str] = Field(default_factory=dict)
    """Score anchors: label -> what that label means for this criterion."""


class Rubric(_Strict):
    """Criteria plus the label space (``rubrics/<domain>/<name>.yaml``)."""

    title: str
    """Human title."""
    kind: Literal["pairwise", "pointwise"]
    """``pairwise``: compare two responses (judged in both orders). ``pointwise``: grade one."""
    labels: list[str] = Field(min_length=2)
    """The verdict labels the judge may answer with; pairwise rubrics use A, B and maybe tie."""
    values: dict[str, float] | None = None
    """Pointwise: numeric value of each label, for the expected score. Default: the label
    itself where every label is a number, else no expected score."""
    instructions: str = ""
    """Extra guidance shown to the judge before the criteria."""
    criteria: list[Criterion] = Field(min_length=1)
    """What the judge weighs."""

    @model_validator(mode="after")
    def _check_labels(self) -> Rubric:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        if any(not lab.strip() or lab != lab.strip() for lab in self.labels):
            raise ValueError("labels must be non-empty and have no surrounding spaces")
        if self.kind == "pairwise":
            extra = set(self.labels) - {"A", "B", "tie"}
            if extra or not {"A", "B"} <= set(self.labels):
                raise ValueError("pairwise labels must be A, B and optionally tie")
        if self.values is not None and set(self.values) != set(self.labels):
            raise ValueError("values must give exactly one number per label")
        for crit in self.criteria:
            unknown = set(crit.levels) - set(self.labels)
            if unknown:
                raise ValueError(
                    f"criterion {crit.id!r} anchors unknown labels {sorted(unknown)};"
                    f" labels are {self.labels}"
                )
        return self

    def label_values(self) -> dict[str, float] | None:
        """Numeric value per label, or None when the labels are not a numeric scale."""
        if self.values is not None:
            return dict(self.values)
        try:
            return {lab: float(lab) for lab in self.labels}
        except ValueError:
            return None


class QualificationGate(_Strict):
    """A suite's gate: gold items each judge must agree with before it labels the suite."""

    gold: str
    """Gold items file, like ``items:`` (relative to the suite, or ``gold:SET/FILE``); its
    gold label sits in the suite's ``gold:`` column."""
    min_agreement: float = Field(gt=0, lt=1)
    """The Clopper-Pearson lower bound of a judge's agreement must reach this."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """Confidence of that bound."""
    limit: int | None = Field(default=None, gt=0)
    """Use only the first N gold items."""


class Suite(_Strict):
    """Items bound to a rubric, a constitution, a prompt and a protocol (``suites/<domain>/``)."""

    description: str = ""
    """What the suite measures."""
    provenance: str = ""
    """Who labeled the gold (e.g. 'three physicians'; 'written for judgekit, not experts')."""
    rubric: str
    """Rubric reference: ``name`` (this domain, then core) or ``domain/name``."""
    constitution: str | None = None
    """Constitution reference, if the prompt shows one."""
    prompt: str
    """Prompt reference: a folder holding ``system.j2`` and ``user.j2``."""
    items: str
    """Items file (JSONL, CSV or Parquet): relative to this suite file, or ``gold:SET/FILE``
    for a file under the gold root (``../shared/gold`` by default)."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Renames: template field name -> column in the items file (e.g. ``prompt: question``)."""
    gold: str | None = None
    """Column holding the gold label (or score), if the items carry gold."""
    annotators: str | None = None
    """Column holding a list of individual annotators' labels, if any."""
    gold_map: dict[str, str] = Field(default_factory=dict)
    """Gold value -> rubric label, where the gold file spells labels differently. Mapping a
    value to ``~`` drops it: an annotator's ``unsure`` is left out of that item's annotator
    labels, and an item whose gold is dropped has no gold."""
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Keep only items whose column equals the value (e.g. ``domain: law``)."""
    limit: int | None = Field(default=None, gt=0)
    """Keep only the first N items (after ``where``)."""
    mode: Literal["verdict", "rationale"] = "verdict"
    """Default protocol: single-token ``verdict`` from logprobs, or ``rationale`` (JSON)."""
    judge: str | None = None
    """Default judge spec for ``judgekit run`` when none is given on the command line."""
    slices: list[str] = Field(default_factory=list)
    """Item columns to slice the audit by (e.g. ``domain``, ``subset``)."""
    qualification: QualificationGate | None = None
    """Gate judges on gold first: ``judgekit run`` labels these items, scores each judge, and
    refuses the run when one fails (``--skip-qualification`` runs anyway)."""
    checker: str | None = None
    """Hook run on every label before it is stored, named ``domain/name`` (or ``name`` in
    this suite's domain) in a domain's ``parsers``; its dict goes into ``Label.extra`` (e.g.
    ``code/exec`` runs the response's code against the item's ``tests``)."""
