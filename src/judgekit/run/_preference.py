"""Preference records (``dpo``, ``reward``): the judge's verdicts paired with the item texts.

The items are walked in their own order (from the suite's files or the run's items snapshot:
:func:`judgekit.run._snapshot.item_texts`), a chunk at a time; each chunk's labels are looked
up in the store (:func:`judgekit.run._lookup.labels_for`) and combined (orders, and judges
into a panel), so memory stays flat in the run's size. Records come out in the items' order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from judgekit._errors import RunError
from judgekit._types import Label
from judgekit.content._turns import trl_prompt, trl_reply
from judgekit.run._aggregate import ItemVerdict, item_verdicts, panel
from judgekit.run._exportopts import ExportOptions, ExportStats
from judgekit.run._lookup import labels_for
from judgekit.run._rundir import Run
from judgekit.run._snapshot import item_texts

Prompt = str | list[dict[str, str]]
"""A record's prompt: its text, or a multi-turn item's messages (TRL's conversational form)."""


def _verdicts(labels: list[Label], judges: list[str], opts: ExportOptions) -> list[ItemVerdict]:
    """One chunk of items' verdicts: the chosen judge's, the only judge's, or the panel's."""
    if opts.judge is not None:
        labels = [lab for lab in labels if lab.judge == opts.judge]
    per_judge = item_verdicts(labels, opts.tie_margin)
    if opts.judge is not None or len(judges) <= 1:
        return per_judge
    combined = panel(per_judge, how="mean", tie_margin=opts.tie_margin)
    consistent: dict[str, bool] = {}
    for v in per_judge:
        consistent[v.item_id] = consistent.get(v.item_id, True) and v.consistent is True
    name = "panel:" + "+".join(judges)
    return [replace(v, judge=name, consistent=consistent.get(v.item_id)) for v in combined]


def p_a_better(probs: dict[str, float]) -> float:
    """P(A is better), counting a tie as half a win for each side, renormalized over A/B/tie."""
    a, b, tie = probs.get("A", 0.0), probs.get("B", 0.0), probs.get("tie", 0.0)
    total = a + b + tie
    return (a + tie / 2) / total if total > 0 else 0.5


def preferences(run: Run, format: str, opts: ExportOptions,
                 stats: ExportStats) -> Iterator[dict[str, Any]]:
    """The dpo/reward records, walking the items in their order a chunk at a time."""
    texts = item_texts(run, opts.gold_root)
    judges = run.judges()
    if opts.judge is not None and opts.judge not in judges:
        raise RunError(f"{run.path} has no labels of judge {opts.judge!r}; judges: {judges}")

    def generate() -> Iterator[dict[str, Any]]:
        with run.store() as store:
            for chunk in texts.read():
                verdicts = {v.item_id: v for v in _verdicts(
                    labels_for(store, [item_id for item_id, _, _ in chunk]), judges, opts)}
                for item_id, fields, gold in chunk:
                    v = verdicts.get(item_id)
                    if v is not None:
                        yield from _preference(v, fields, gold, texts.columns, format, opts,
                                               stats)

    return generate()


def _preference(v: ItemVerdict, fields: Mapping[str, Any], gold: str | None,
                cols: Mapping[str, str], format: str, opts: ExportOptions,
                stats: ExportStats) -> Iterator[dict[str, Any]]:
    """The record of one item's verdict (none when it is dropped, counted in ``stats``)."""
    if v.label is None:
        stats.dropped["error"] += 1
        return
    if opts.consistent_only and v.consistent is not True:
        stats.dropped["inconsistent"] += 1
        return
    prompt = trl_prompt(fields, cols["prompt"])  # multi-turn: the message list
    if opts.chat and isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    sides = {"A": str(fields[cols["response_a"]]), "B": str(fields[cols["response_b"]])}
    if sides["A"].strip() == sides["B"].strip():
        stats.dropped["identical_responses"] += 1
        return
    rec = _pair(v, prompt, sides, opts, stats)
    if rec is None:
        return
    if format == "reward":
        rec = _reward(v, rec)
    yield {**rec, "id": v.item_id, "judge": v.judge, "consistent": v.consistent,
           "probs": dict(v.probs) if v.probs is not None else None, "gold": gold}


def _pair(v: ItemVerdict, prompt: Prompt, sides: dict[str, str], opts: ExportOptions,
          stats: ExportStats) -> dict[str, Any] | None:
    """The DPO record of a verdict: ties and low-confidence verdicts give none."""
    if v.label not in ("A", "B"):
        stats.dropped["tie"] += 1
        return None
    confidence = v.p(v.label)
    if opts.min_confidence > 0 and (confidence is None or confidence < opts.min_confidence):
        stats.dropped["low_confidence"] += 1
        return None
    loser = "B" if v.label == "A" else "A"
    return {"prompt": prompt, "chosen": trl_reply(prompt, sides[v.label]),
            "rejected": trl_reply(prompt, sides[loser]),
            "chosen_label": v.label, "confidence": confidence}


def reward_margin(probs: Mapping[str, float] | None, chosen: str) -> tuple[float, float | None]:
    """TRL's reward ``margin`` of a pair whose ``chosen`` side (A or B) a judge picked.

    ``(P(chosen) - P(rejected), P(chosen) + P(tie) / 2)`` from the judge's distribution, or
    ``(0.0, None)`` without one (plain Bradley-Terry).
    """
    if probs is None:
        return 0.0, None
    loser = "B" if chosen == "A" else "A"
    p_a = p_a_better(dict(probs))
    return (float(probs.get(chosen, 0.0)) - float(probs.get(loser, 0.0)),
            p_a if chosen == "A" else 1.0 - p_a)


def _reward(v: ItemVerdict, pair: dict[str, Any]) -> dict[str, Any]:
    """A DPO record with TRL's reward ``margin`` (see the module docstring) added."""
    margin, p_chosen = reward_margin(v.probs, str(v.label))
    head = {k: pair[k] for k in ("prompt", "chosen", "rejected")}
    return {**head, "margin": margin, **pair, "p_chosen_better": p_chosen}
