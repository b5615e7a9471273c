"""Pydantic models of the files users write: constitutions, rubrics, suites.

Every model forbids unknown keys, so a typo is an error that names the field, not a silently
ignored setting. Field docstrings are the format's documentation.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
    kind: Literal["pairwise", "pointwise", "step"]
    """``pairwise``: compare two responses (judged in both orders). ``pointwise``: grade one.
    ``step``: label one step of a worked solution (the suite's ``steps:`` says where the
    steps are; each step is judged on its own, seeing the steps before it)."""
    labels: list[str] = Field(min_length=2)
    """The verdict labels the judge may answer with; pairwise rubrics use A, B and maybe tie."""
    values: dict[str, float] | None = None
    """Pointwise: numeric value of each label, for the expected score. Default: the label
    itself where every label is a number, else no expected score."""
    instructions: str = ""
    """Extra guidance shown to the judge before the criteria."""
    criteria: list[Criterion] = Field(min_length=1)
    """What the judge weighs."""
    no_error: str | None = None
    """Step rubrics (required there): the label meaning "this step has no error"; every
    other label is an error (kind). Step-level audits count the error class against it."""

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
        if (self.kind == "step") != (self.no_error is not None):
            raise ValueError("a step rubric names its no-error label ('no_error: correct'); "
                             "other kinds have no 'no_error'")
        if self.no_error is not None and self.no_error not in self.labels:
            raise ValueError(f"no_error {self.no_error!r} is not one of the labels {self.labels}")
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


class HiddenGold(_Strict):
    """Gold items mixed into a production run, unseen by the judge, to watch it live."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              populate_by_name=True)

    gold_set: str = Field(alias="set")
    """Gold items file (written ``set:``), like ``items:`` (relative to the suite, or
    ``gold:SET/FILE``); same columns as the suite's items, gold in the suite's ``gold:``."""
    rate: float = Field(gt=0, le=0.5)
    """Share of the run's items that are hidden gold (e.g. 0.05: one in twenty)."""
    min_agreement: float | None = Field(default=None, gt=0, lt=1)
    """The gate (default: the ``qualification:`` gate's ``min_agreement``)."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """Confidence of the agreement bound."""
    min_count: int = Field(default=50, gt=0)
    """Hidden items a judge must have labeled before the bound can stop the run."""
    stop_when: Literal["unproven", "refuted"] = "unproven"
    """``unproven``: stop when the lower bound is below the gate (the judge must keep proving
    it); ``refuted``: stop only when the upper bound is below it (proven worse)."""
    limit: int | None = Field(default=None, gt=0)
    """Use only the first N gold items."""
    seed: int = 0
    """Seed of the order the gold items are mixed in."""


Role = Literal["system", "user", "assistant"]
"""The role of one message of a conversation."""


class Steps(_Strict):
    """Where a step-review suite finds each solution's steps (``steps:`` in a suite).

    Each step becomes one item, ``SOLUTION#K`` (K from 1), which the template sees with
    ``step_text``, ``step_number``, ``steps_before`` (the texts of steps 1..K-1) and
    ``solution_id`` besides the row's own columns. ``limit:`` counts solutions.
    """

    column: str = "steps"
    """One row per solution: the column holding its steps (a list of strings, or one string
    cut by ``split``). One row per step (``row_id``): the column holding this step's text."""
    split: str | None = None
    """One row per solution, steps as one string: a regular expression (multiline) matched
    where each step starts, e.g. ``'^Step \\d+ - '``; the text it matches is dropped."""
    row_id: str | None = None
    """One row per step: a regular expression the row id matches, with the named groups
    ``solution`` and ``step`` (the step number), e.g. ``'^(?P<solution>.+)-(?P<step>\\d+)$'``.
    A solution's rows come one after another, in step order. ``gold:`` is then the step's
    gold; with one row per solution, ``gold:`` (and ``annotators:``) hold one entry a step."""

    @field_validator("split", "row_id")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _groups(self) -> Steps:
        if self.row_id is not None:
            names = set(re.compile(self.row_id).groupindex)
            if not {"solution", "step"} <= names:
                raise ValueError("row_id needs the named groups (?P<solution>...) and "
                                 "(?P<step>...)")
            if self.split is not None:
                raise ValueError("split cuts a solution's text into steps; with row_id each "
                                 "row is already one step: drop one of them")
        return self


class Dialogue(_Strict):
    r"""A flattened dialogue column turned into a ``conversation`` (``conversation:``).

    ``USER: hi\nBOT: hello\nUSER: and?`` with ``speakers: {USER: user, BOT: assistant}``
    becomes three messages. A line that starts with a speaker tag and a colon opens a message;
    other lines continue the message before them.
    """

    column: str
    """The column holding the dialogue as text (e.g. ``prompt``)."""
    speakers: dict[str, Role] = Field(min_length=1)
    """Speaker tag -> role, e.g. ``{USER: user, BOT: assistant, LAMDA: assistant}``."""


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
    """Keep only the first N items (after ``where``); for step review, the first N solutions."""
    mode: Literal["verdict", "rationale"] = "verdict"
    """Default protocol: single-token ``verdict`` from logprobs, or ``rationale`` (JSON)."""
    judge: str | None = None
    """Default judge spec for ``judgekit run`` when none is given on the command line."""
    slices: list[str] = Field(default_factory=list)
    """Item columns to slice the audit by (e.g. ``domain``, ``subset``)."""
    qualification: QualificationGate | None = None
    """Gate judges on gold first: ``judgekit run`` labels these items, scores each judge, and
    refuses the run when one fails (``--skip-qualification`` runs anyway)."""
    hidden_gold: HiddenGold | None = None
    """Gold items mixed into the run at ``rate``, rendered like the rest and never exported;
    the run shows live agreement and stops when the judge's bound falls below the gate."""
    checker: str | None = None
    """Hook run on every label before it is stored, named ``domain/name`` (or ``name`` in
    this suite's domain) in a domain's ``parsers``; its dict goes into ``Label.extra`` (e.g.
    ``code/exec`` runs the response's code against the item's ``tests``)."""
    steps: Steps | None = None
    """Step review (a rubric of kind ``step``): where the steps are. Default for a step
    rubric: one row per solution with a ``steps`` list."""
    conversation: Dialogue | None = None
    """Multi-turn items whose dialogue is flattened into one text column: how to read it into
    a ``conversation`` (items that carry a ``conversation`` list need nothing here)."""
