"""Expert answers back in: the final label set, each label with its provenance.

``merge`` reads what ``escalate`` wrote (``trusted.jsonl``, ``queue.jsonl``, ``trust.json``)
and the experts' answers, and gives one final label per item:

- calibration gold items: the gold label, provenance ``gold``;
- queued items: the experts' majority, provenance ``expert:<annotator>`` (``expert:a+b`` when
  several gave the winning label); a tie between experts leaves the item pending;
- trusted items: the judge's label, provenance ``judge:<model>`` with its confidence, unless
  an expert answered it too (the expert wins; counted as ``overridden``).

Queued items nobody answered stay pending (``pending.jsonl``). Answers on items that have gold
(the screening items mixed into the queue, or any other) score each expert with the same
qualification statistic as the judges (:func:`judgekit.trust.qualify`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from judgekit._errors import ContentError
from judgekit.trust._answers import Answer
from judgekit.trust._qualify import Qualification, qualify


@dataclass
class Merged:
    """The final label set and how it was made.

    Attributes:
        final: One record per labeled item (id, label, provenance, texts...).
        pending: Queued items still without an agreed expert label (and why).
        experts: Each expert's qualification on the gold items they answered.
        counts: ``gold``, ``judge``, ``expert``, ``overridden``, ``pending``, ``unknown``
            (answers on items that were neither queued, trusted nor gold).

    """

    final: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    experts: list[Qualification]
    counts: Counter[str] = field(default_factory=Counter)


def read_escalation(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]],
                                           list[dict[str, Any]]]:
    """``trust.json``, the trusted records and the queue records of an ``escalate`` folder."""
    path = folder / "trust.json"
    if not path.is_file():
        raise ContentError(folder, "no trust.json here: not an escalate output folder",
                           fix="pass the --out folder of 'judgekit escalate'")
    summary = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for name in ("trusted.jsonl", "queue.jsonl"):
        file = folder / name
        if not file.is_file():
            raise ContentError(file, "missing", fix="run 'judgekit escalate' again into "
                               "this folder (with the jsonl queue format)")
        rows.append([json.loads(line) for line in file.read_text(encoding="utf-8")
                     .splitlines() if line.strip()])
    return summary, rows[0], rows[1]


def _majority(answers: list[Answer]) -> tuple[str | None, list[str]]:
    votes = Counter(a.label for a in answers)
    top = max(votes.values())
    winners = [lab for lab, v in votes.items() if v == top]
    if len(winners) > 1:
        return None, []
    return winners[0], sorted({a.annotator for a in answers if a.label == winners[0]})


def merge(folder: Path, answers: list[Answer], gold: Mapping[str, str],
          gold_rows: Mapping[str, Mapping[str, Any]], *,
          min_agreement: float, confidence: float = 0.95) -> Merged:
    """Merge an ``escalate`` folder with expert answers (see the module docstring).

    Args:
        folder: The ``escalate --out`` folder.
        answers: The experts' answers.
        gold: Gold label by item id (calibration and screening items).
        gold_rows: Gold rows by id (their texts go into the final records).
        min_agreement: The gate the experts are scored against.
        confidence: Confidence of the experts' bounds.

    """
    summary, trusted, queue = read_escalation(folder)
    by_item: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        by_item[a.item_id].append(a)
    counts: Counter[str] = Counter()
    final: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    text_keys = ("prompt", "response_a", "response_b", "response")
    for item in summary.get("calibration_ids", []):
        if item in gold:
            row = gold_rows.get(item, {})
            final.append({"id": item, **{k: row[k] for k in text_keys if k in row},
                          "label": gold[item], "provenance": "gold"})
            counts["gold"] += 1
    screening = set(summary.get("screening", []))
    for rec in queue:
        if rec["id"] in screening:
            continue
        got = by_item.get(rec["id"])
        label, who = _majority(got) if got else (None, [])
        texts = {k: rec[k] for k in text_keys if k in rec}
        if label is None:
            pending.append({**rec, "pending": "experts disagree" if got else "no answer"})
            counts["pending"] += 1
            continue
        final.append({"id": rec["id"], **texts, "label": label,
                      "provenance": "expert:" + "+".join(who), "judge_verdict":
                      rec.get("verdict"), "answers": len(got or [])})
        counts["expert"] += 1
    for rec in trusted:
        got = by_item.get(rec["id"])
        label, who = _majority(got) if got else (None, [])
        if label is not None:
            final.append({**rec, "label": label, "provenance": "expert:" + "+".join(who),
                          "judge_verdict": rec["label"], "confidence": None, "probs": None})
            counts["overridden"] += 1
        else:
            final.append(rec)
            counts["judge"] += 1
    known = {r["id"] for r in queue} | {r["id"] for r in trusted} | set(gold)
    counts["unknown"] = sum(1 for a in answers if a.item_id not in known)
    return Merged(final, pending, score_experts(answers, gold, min_agreement, confidence),
                  counts)


def score_experts(answers: list[Answer], gold: Mapping[str, str], min_agreement: float,
                  confidence: float = 0.95) -> list[Qualification]:
    """Each expert's qualification on the answers they gave to items with gold."""
    per: dict[str, list[bool]] = defaultdict(list)
    for a in answers:
        if a.item_id in gold:
            per[a.annotator].append(a.label == gold[a.item_id])
    return [qualify(np.array(ok, dtype=bool), min_agreement, confidence, name=f"expert:{who}")
            for who, ok in sorted(per.items())]
