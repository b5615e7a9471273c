"""``escalate``: labels + calibration gold -> trusted labels, an expert queue, ``trust.json``.

Items that have gold calibrate the cascade (:mod:`judgekit.trust._cascade`); every other
labeled item is a production item, trusted when a stage's confidence clears its threshold and
queued for experts otherwise. Gold items keep their gold label (``merge-experts`` puts them in
the final set with provenance ``gold``). ``screen`` gold items may be mixed into the queue,
indistinguishable from the rest, so that ``merge-experts`` can score the experts on them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from judgekit._errors import ContentError
from judgekit._version import __version__
from judgekit.trust._bounds import Array
from judgekit.trust._cascade import EXPERT, Cascade, calibrate
from judgekit.trust._cost import CostOptions, cost_report
from judgekit.trust._inputs import (
    Gold,
    GoldSource,
    LabelSource,
    Stage,
    correct,
    item_texts,
    read_gold_labels,
    read_stages,
)
from judgekit.trust._queue import QUEUE_FORMATS, TEXT_FIELDS, write_queue
from judgekit.trust._select import TrustOptions, calibration_needed
from judgekit.trust._write import write_json, write_jsonl

SCHEMA = "judgekit.trust"
PAIRWISE_ORDER = {"A": 0, "B": 1, "tie": 2}


@dataclass(frozen=True)
class EscalateOptions:
    """Everything ``escalate`` needs beyond labels and gold.

    Attributes:
        trust: Target agreement, delta, fewest items per tested threshold.
        cost: Expert minutes per item and hourly rate, for the cost report.
        screen: Gold items mixed into the queue to score the experts.
        seed: Seed of the screening draw and the queue's order.
        items: A file with the items' texts (id, prompt, responses) for labels files.
        gold_root: Where a run suite's ``gold:`` paths point (its texts).
        formats: Queue formats to write (see :mod:`judgekit.trust._queue`).
        blind: Leave the judge's verdict out of the Label Studio and Argilla files.

    """

    trust: TrustOptions = field(default_factory=TrustOptions)
    cost: CostOptions = field(default_factory=CostOptions)
    screen: int = 0
    seed: int = 0
    items: Path | None = None
    gold_root: Path | None = None
    formats: tuple[str, ...] = QUEUE_FORMATS
    blind: bool = False


@dataclass
class Escalation:
    """What ``escalate`` decided, item by item.

    Attributes:
        cascade: The calibrated stages.
        stages: Their labels.
        ids: Every labeled item.
        route: Per item: the stage that keeps it, or :data:`EXPERT`.
        calibration: Per item: whether it has gold (calibration items).
        gold: The gold.
        screening: Gold item ids mixed into the queue.
        needed: When nothing is certified: about how many calibration items would be.
        texts: Item rows (prompt, responses) by id, where known.

    """

    cascade: Cascade
    stages: list[Stage]
    ids: list[str]
    route: Array
    calibration: Array
    gold: Gold
    screening: list[str]
    needed: int | None
    texts: Mapping[str, Mapping[str, Any]]
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> Array:
        """Mask of production items (no gold)."""
        return ~self.calibration

    def summary(self, cost: CostOptions) -> dict[str, Any]:
        """``trust.json``'s content (without the input description)."""
        prod = self.production
        items = int(prod.sum())
        kept = [int((prod & (self.route == k)).sum()) for k in range(len(self.cascade.names))]
        per_stage = [{"judge": name, "trusted": t,
                      "coverage": round(t / items, 6) if items else 0.0}
                     for name, t in zip(self.cascade.names, kept, strict=True)]
        trusted = sum(kept)
        opts = self.cascade.options
        return {
            "schema": SCHEMA, "schema_version": 1, "judgekit": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "certified": self.cascade.certified, **self.cascade.to_dict(),
            "calibration_n": int(self.calibration.sum()), "items": items,
            "trusted": trusted, "escalated": items - trusted,
            "coverage": round(trusted / items, 6) if items else 0.0, "per_stage": per_stage,
            "calibration_needed": self.needed, "screening": self.screening,
            "calibration_ids": [i for i, c in zip(self.ids, self.calibration, strict=True)
                                if c],
            "cost": cost_report(items, trusted, cost, target=opts.target, delta=opts.delta),
            **self.inputs,
        }


def escalate(labels: LabelSource, gold: GoldSource,
             options: EscalateOptions | None = None) -> Escalation:
    """Calibrate on the gold, route every labeled item (see the module docstring).

    Raises:
        ContentError: Unreadable inputs, or no labeled item has gold.
        JudgekitError: A target, delta or cost option out of range.

    """
    opts = options or EscalateOptions()
    trust = opts.trust.checked()
    opts.cost.checked()
    stages = read_stages(labels)
    gs = read_gold_labels(gold)
    ids = list(dict.fromkeys(i for s in stages for i in s.items))
    cal = np.array([i in gs.labels for i in ids], dtype=bool)
    if not cal.any():
        raise ContentError(gold.path, f"no labeled item has gold here (labels: "
                           f"{', '.join(s.source for s in stages)})",
                           fix="calibrate on gold for items the judge labeled: same ids in "
                           "both (map the gold id column with --gold-id-col)")
    arrays = [s.arrays(ids) for s in stages]
    cal_ids = [i for i, c in zip(ids, cal, strict=True) if c]
    gold_cal = np.array([gs.labels[i] for i in cal_ids], dtype=object)
    rights = [correct(lab[cal], gold_cal) for lab, _ in arrays]
    cascade = calibrate([s.name for s in stages], [c[cal] for _, c in arrays], rights, trust)
    needed = None
    if not cascade.certified:
        sizes = [calibration_needed(c[cal], r, trust)
                 for (_, c), r in zip(arrays, rights, strict=True)]
        needed = min((s for s in sizes if s is not None), default=None)
    screening: list[str] = []
    if opts.screen > 0:
        rng = np.random.default_rng(opts.seed)
        pick = rng.choice(len(cal_ids), size=min(opts.screen, len(cal_ids)), replace=False)
        screening = [cal_ids[int(j)] for j in sorted(pick)]
    return Escalation(cascade, stages, ids, cascade.route([c for _, c in arrays]), cal, gs,
                      screening, needed,
                      item_texts(labels.paths, opts.items, gs, opts.gold_root),
                      {"labels": [str(p) for p in labels.paths], "gold": _gold_inputs(gold)})


def _gold_inputs(gold: GoldSource) -> dict[str, Any]:
    """How ``merge-experts`` reads the same gold again."""
    return {"path": str(gold.path.resolve()), "id_col": gold.id_col,
            "label_col": gold.label_col, "label_map": dict(gold.label_map)}


def label_space(esc: Escalation) -> list[str]:
    """Every label seen (gold and judges), A/B/tie first in that order, then sorted."""
    seen = set(esc.gold.labels.values())
    for s in esc.stages:
        seen |= {lab for lab, _, _ in s.items.values() if lab is not None}
    return sorted(seen, key=lambda x: (PAIRWISE_ORDER.get(x, 3), x))


def _record(esc: Escalation, n: int) -> dict[str, Any]:
    item = esc.ids[n]
    row = esc.texts.get(item, {})
    verdicts = []
    for stage, th in zip(esc.stages, esc.cascade.thresholds, strict=True):
        label, conf, _ = stage.items.get(item, (None, None, None))
        verdicts.append({"judge": stage.name, "verdict": label, "confidence": conf,
                         "trusted_if": th.rule()})
    first = next((v for v in verdicts if v["verdict"] is not None), verdicts[0])
    rec: dict[str, Any] = {"id": item, **{f: row[f] for f in TEXT_FIELDS if f in row},
                           "verdict": first["verdict"], "confidence": first["confidence"],
                           "judge": first["judge"], "reason": _reason(esc, verdicts)}
    if len(verdicts) > 1:
        rec["verdicts"] = verdicts
    return rec


def _reason(esc: Escalation, verdicts: Sequence[Mapping[str, Any]]) -> str:
    if not esc.cascade.certified:
        return "no threshold could be certified on the calibration gold"
    if all(v["verdict"] is None for v in verdicts):
        return "no readable verdict"
    parts = [f"{v['judge']}: " + ("no confidence" if v["confidence"] is None else
                                  f"confidence {v['confidence']:.3f}, trusted if "
                                  f"{v['trusted_if']}") for v in verdicts]
    return "below every threshold (" + "; ".join(parts) + ")"


def write_escalation(esc: Escalation, out: Path, options: EscalateOptions) -> dict[str, Any]:
    """Write ``trusted.jsonl``, the queue files and ``trust.json`` into ``out``; the summary."""
    prod = esc.production
    trusted = []
    for n in np.nonzero(prod & (esc.route != EXPERT))[0]:
        stage = esc.stages[int(esc.route[n])]
        label, conf, probs = stage.items[esc.ids[n]]
        row = esc.texts.get(esc.ids[n], {})
        trusted.append({"id": esc.ids[n], **{f: row[f] for f in TEXT_FIELDS if f in row},
                        "label": label, "confidence": conf,
                        "probs": dict(probs) if probs else None, "stage": int(esc.route[n]) + 1,
                        "provenance": f"judge:{stage.name}"})
    queued = list(np.nonzero(prod & (esc.route == EXPERT))[0])
    index = {item: n for n, item in enumerate(esc.ids)}
    queued += [index[i] for i in esc.screening]
    order = np.random.default_rng(options.seed + 1).permutation(len(queued))
    records = [_record(esc, int(queued[j])) for j in order]
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "trusted.jsonl", trusted)
    write_queue(out, records, label_space(esc), options.formats, blind=options.blind)
    summary = esc.summary(options.cost)
    summary["queue"] = len(records)
    write_json(out / "trust.json", summary)
    from judgekit.trust._html import write_html

    write_html(out / "trust.html", summary)
    return summary
