"""Training data from the merged final set: DPO pairs and TRL reward pairs, with provenance.

The same records ``judgekit export --format dpo|reward`` writes for a run (TRL's
``prompt``/``chosen``/``rejected``; reward adds ``margin``), built from the final labels
instead, so each pair says whether an expert, the gold or a trusted judge chose it. Ties are
dropped from both. A reward ``margin`` is the judge's probability gap P(chosen) - P(rejected)
where the label is a judge's with probabilities (0 without them), and 1 where an expert or
the gold chose (a human's choice counts as certain); ``p_chosen_better`` keeps the soft label
(``P(chosen) + P(tie) / 2``) where a judge's distribution gives one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from judgekit.run._preference import reward_margin

PREFERENCE_FORMATS = ("dpo", "reward")


def preference_records(final: Iterable[Mapping[str, Any]], format: str,
                       dropped: Counter[str] | None = None) -> Iterator[dict[str, Any]]:
    """DPO or reward records for the final labels that have their texts.

    Args:
        final: Final records (``merge`` output).
        format: ``dpo`` or ``reward``.
        dropped: Counts items left out, by reason (``tie``, ``no_texts``, ``not_pairwise``).

    """
    drops = dropped if dropped is not None else Counter()
    for rec in final:
        label = rec.get("label")
        if label not in ("A", "B", "tie"):
            drops["not_pairwise"] += 1
            continue
        if not all(isinstance(rec.get(k), str) for k in ("prompt", "response_a", "response_b")):
            drops["no_texts"] += 1
            continue
        meta = {"id": rec["id"], "provenance": rec["provenance"],
                "confidence": rec.get("confidence")}
        if label == "tie":
            drops["tie"] += 1
            continue
        loser = "B" if label == "A" else "A"
        pair = {"prompt": rec["prompt"], "chosen": rec[f"response_{label.lower()}"],
                "rejected": rec[f"response_{loser.lower()}"]}
        if format == "reward":
            pair.update(_margin(rec, label))
        yield {**pair, "chosen_label": label, **meta}


def _margin(rec: Mapping[str, Any], label: str) -> dict[str, Any]:
    if not rec["provenance"].startswith("judge:"):
        return {"margin": 1.0, "p_chosen_better": 1.0}
    margin, p_chosen = reward_margin(rec.get("probs") or None, label)
    return {"margin": margin, "p_chosen_better": p_chosen}
