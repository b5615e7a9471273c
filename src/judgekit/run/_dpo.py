"""Export a pairwise run as training data: TRL-style DPO pairs, or reward-model soft labels.

The labels store only ids, so the item texts are read back from the suite the run names in
its manifest (``suite_path``), after checking that the items file still has the sha256 the
run recorded: a pair is never built from texts the judge did not see.

Per item, the two orders are combined (:func:`judgekit.combine_orders`); with several judges
in the run, their verdicts are averaged into a panel (mean probability) unless one ``judge``
is chosen. Then:

- ``dpo``: ``{"prompt", "chosen", "rejected"}`` plus metadata. Ties (the ``tie`` label, or
  ``tie_margin``) are dropped, as are items below ``min_confidence`` (the averaged probability
  of the winning label; judges without probabilities have none and fail any threshold above
  0), items whose orders disagree when ``consistent_only``, errored items, and pairs whose two
  responses are identical. A tie never becomes ``chosen == rejected``.
- ``reward``: every readable item with ``p_a_better = P(A) + P(tie) / 2`` (a tie is half a win
  for each side), a soft label for Bradley-Terry reward-model training; the same
  ``consistent_only`` and ``min_confidence`` filters apply (confidence = max(p, 1 - p)),
  and pairs of identical responses are left out too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal

from judgekit._errors import RunError
from judgekit.content._suite import LoadedSuite, load_suite
from judgekit.run._aggregate import ItemVerdict, item_verdicts, panel
from judgekit.run._export import open_store
from judgekit.run._runner import read_manifest

PreferenceFormat = Literal["dpo", "reward"]


@dataclass
class PreferenceStats:
    """What a preference export wrote and why it left items out.

    Attributes:
        written: Records written.
        dropped: Items left out, by reason (``tie``, ``low_confidence``, ``inconsistent``,
            ``error``, ``identical_responses``).

    """

    written: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


_DATA_SUFFIXES = frozenset({".jsonl", ".csv", ".parquet"})


def load_run_suite(run_dir: Path, gold_root: Path | None = None) -> LoadedSuite:
    """Load the suite a run was made from, checking its files are unchanged since the run.

    Raises:
        RunError: The suite or its items changed, or the run is not pairwise.

    """
    manifest = read_manifest(run_dir)
    ref = manifest.get("suite_path") or manifest["suite"]
    suite = load_suite(str(ref), gold_root=gold_root)
    recorded: dict[str, str] = manifest.get("sources_sha256") or {}
    judged = {sha for path, sha in recorded.items() if Path(path).suffix in _DATA_SUFFIXES}
    # the files just loaded (hashed by load_suite) must be ones the run judged, wherever they
    # lie now: a recorded path that is no longer the one loaded proves nothing about the texts
    for path, sha in suite.sources.items():
        if judged and Path(path).suffix in _DATA_SUFFIXES and sha not in judged:
            raise RunError(f"{path} changed since the run in {run_dir} (sha256 differs): the "
                           "exported texts would not be the ones judged; re-run the suite")
    if suite.rubric.kind != "pairwise":
        raise RunError(f"{run_dir} is a {suite.rubric.kind} run; preference export needs a "
                       "pairwise suite")
    return suite


def _verdicts(run_dir: Path, judge: str | None, tie_margin: float) -> list[ItemVerdict]:
    with open_store(run_dir) as store:
        judges = store.judges()
        if judge is not None and judge not in judges:
            raise RunError(f"{run_dir} has no labels of judge {judge!r}; judges: {judges}")
        labels = list(store.labels(judge))
    per_judge = item_verdicts(labels, tie_margin)
    if judge is not None or len(judges) <= 1:
        return per_judge
    combined = panel(per_judge, how="mean", tie_margin=tie_margin)
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


def preference_records(
    run_dir: Path,
    *,
    format: PreferenceFormat = "dpo",
    min_confidence: float = 0.0,
    consistent_only: bool = False,
    tie_margin: float = 0.0,
    judge: str | None = None,
    gold_root: Path | None = None,
) -> tuple[list[dict[str, Any]], PreferenceStats]:
    """Build the preference records of a pairwise run (see the module docstring).

    Args:
        run_dir: The run directory.
        format: ``dpo`` (chosen/rejected) or ``reward`` (soft label).
        min_confidence: Keep only items whose winning probability is at least this.
        consistent_only: Keep only items whose two orders chose the same label.
        tie_margin: |P(A) - P(B)| at or below this counts as a tie.
        judge: Export this judge only (default: the only judge, or the panel of all).
        gold_root: Where ``gold:`` item paths point, if the suite's items live there.

    """
    if format not in ("dpo", "reward"):
        raise ValueError(f"format must be 'dpo' or 'reward', not {format!r}")
    suite = load_run_suite(run_dir, gold_root)
    cols = suite.renderer.fields
    items = {it.id: it.fields for it in suite.items}
    stats = PreferenceStats()
    records: list[dict[str, Any]] = []
    for v in _verdicts(run_dir, judge, tie_margin):
        fields = items.get(v.item_id)
        if v.label is None or fields is None:
            stats.dropped["error"] += 1
            continue
        if consistent_only and v.consistent is not True:
            stats.dropped["inconsistent"] += 1
            continue
        prompt = str(fields[cols["prompt"]])
        texts = {"A": str(fields[cols["response_a"]]), "B": str(fields[cols["response_b"]])}
        if texts["A"].strip() == texts["B"].strip():
            stats.dropped["identical_responses"] += 1
            continue
        meta = {"id": v.item_id, "judge": v.judge, "consistent": v.consistent,
                "probs": dict(v.probs) if v.probs is not None else None,
                "gold": suite.gold.get(v.item_id)}
        if format == "reward":
            p = p_a_better(dict(v.probs)) if v.probs is not None else (
                {"A": 1.0, "B": 0.0}.get(v.label, 0.5))
            if max(p, 1 - p) < min_confidence:
                stats.dropped["low_confidence"] += 1
                continue
            records.append({"prompt": prompt, "response_a": texts["A"],
                            "response_b": texts["B"], "p_a_better": p, "label": v.label, **meta})
            continue
        if v.label not in ("A", "B"):
            stats.dropped["tie"] += 1
            continue
        confidence = v.p(v.label)
        if min_confidence > 0 and (confidence is None or confidence < min_confidence):
            stats.dropped["low_confidence"] += 1
            continue
        loser = "B" if v.label == "A" else "A"
        records.append({"prompt": prompt, "chosen": texts[v.label], "rejected": texts[loser],
                        "chosen_label": v.label, "confidence": confidence, **meta})
    stats.written = len(records)
    return records, stats


def export_preferences(run_dir: Path, fh: IO[str], **options: Any) -> PreferenceStats:
    """Write :func:`preference_records` as JSONL to ``fh``; return the stats."""
    records, stats = preference_records(run_dir, **options)
    for rec in records:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return stats


def describe_drops(stats: PreferenceStats, order: Sequence[str] = ()) -> str:
    """``tie 3, low_confidence 2`` (or ``none``)."""
    keys = [*order, *sorted(k for k in stats.dropped if k not in order)]
    parts = [f"{k} {stats.dropped[k]}" for k in keys if stats.dropped.get(k)]
    return ", ".join(parts) or "none"
