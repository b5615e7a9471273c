"""Training data from the merged final set: DPO pairs and reward soft labels, with provenance.

The same records ``judgekit export --format dpo|reward`` writes for a run, built from the
final labels instead, so each pair says whether an expert, the gold or a trusted judge chose
it. Ties are dropped from DPO; a reward label is ``P(A better)`` from the judge's distribution
where the label is the judge's, else 1 / 0 / 0.5 for an expert's or gold A / B / tie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from judgekit.run._export import p_a_better

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
        if format == "reward":
            probs = rec.get("probs")
            p = p_a_better(dict(probs)) if probs and rec["provenance"].startswith("judge:") \
                else {"A": 1.0, "B": 0.0}.get(label, 0.5)
            yield {"prompt": rec["prompt"], "response_a": rec["response_a"],
                   "response_b": rec["response_b"], "p_a_better": p, "label": label, **meta}
            continue
        if label == "tie":
            drops["tie"] += 1
            continue
        loser = "B" if label == "A" else "A"
        yield {"prompt": rec["prompt"], "chosen": rec[f"response_{label.lower()}"],
               "rejected": rec[f"response_{loser.lower()}"], "chosen_label": label, **meta}
