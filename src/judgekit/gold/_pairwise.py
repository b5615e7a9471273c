"""Converters of the pairwise gold sets (A/B preference), one function per upstream format.

Each reproduces the normalisation its set's README describes (``../shared/gold/<set>``);
``scripts/check_gold_converters.py`` checks them row by row against those files.
"""

from __future__ import annotations

import re
from collections import Counter

from judgekit.gold._common import (
    Files,
    Row,
    chosen_first,
    load_json,
    load_jsonl,
    pairwise,
    source,
)
from judgekit.gold._registry import GoldSet

_AB = {1: "A", 2: "B", 0: "tie"}


def llmbar(gold: GoldSet, files: Files) -> list[Row]:
    """LLMBar: ``output_1``->A, ``output_2``->B, label 1->A / 2->B; one file per subset."""
    rows = []
    for file in gold.files:
        subset = file.path.removeprefix("Dataset/LLMBar/").removesuffix("/dataset.json")
        stem = "llmbar-" + subset.lower().replace("/", "-")
        for i, rec in enumerate(load_json(files, file.path)):
            rows.append(pairwise(
                {"id": f"{stem}-{i:04d}", "domain": "general"}, rec["input"], rec["output_1"],
                rec["output_2"], _AB[int(rec["label"])],
                {"swapped_from_source_order": False, "subset": subset,
                 "source": source(gold, file.path, f"[{i}]")}))
    return rows


def hh_rlhf(gold: GoldSet, files: Files) -> list[Row]:
    """hh-rlhf: each transcript split at its last assistant turn; the swap rule applies.

    Pairs whose transcripts differ before the final assistant turn are dropped; upstream
    lists the chosen response first, hence the deterministic swap.
    """
    turn = "\n\nAssistant:"
    path = gold.files[0].path
    rows = []
    for i, rec in enumerate(load_jsonl(files, path)):
        chosen, rejected = rec["chosen"], rec["rejected"]
        cut_c, cut_r = chosen.rfind(turn), rejected.rfind(turn)
        if chosen[:cut_c] != rejected[:cut_r]:
            continue  # the transcripts differ before the final assistant turn
        rows.append(chosen_first(
            gold.name, {"id": f"hh-harmless-test-{i:05d}", "domain": "safety"},
            chosen[:cut_c].lstrip("\n"), chosen[cut_c + len(turn):].strip(),
            rejected[cut_r + len(turn):].strip(),
            {"source": source(gold, path, f"#L{i + 1}")}))
    return rows


def pandalm(gold: GoldSet, files: Files) -> list[Row]:
    """PandaLM: prompt = instruction (+ blank line + input); label = majority of three."""
    path = gold.files[0].path
    rows = []
    for i, rec in enumerate(load_json(files, path)):
        votes = [_AB[int(rec[f"annotator{k}"])] for k in (1, 2, 3)]
        prompt = rec["instruction"] + (f"\n\n{rec['input']}" if rec.get("input") else "")
        rows.append(pairwise(
            {"id": f"pandalm-test-{i:04d}", "domain": "general"}, prompt,
            _str(rec["response1"]), _str(rec["response2"]), Counter(votes).most_common(1)[0][0],
            {"annotator_labels": votes, "swapped_from_source_order": False,
             "motivation_app": rec["motivation_app"], "models": rec["cmp_key"],
             "source": source(gold, path, f"[idx={rec['idx']}]")}))
    return rows


def _str(value: object) -> str:
    """A response as text: JSON booleans become ``"true"``/``"false"``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


_JB_DOMAIN = {"livecodebench": "code", "livebench-reasoning": "reasoning",
              "mmlu-pro-law": "law", "mmlu-pro-health": "medicine"}


def _jb_domain(origin: str) -> str:
    if origin in _JB_DOMAIN:
        return _JB_DOMAIN[origin]
    if "math" in origin:
        return "math"
    return origin.removeprefix("mmlu-pro-").replace(" ", "_")


def judgebench(gold: GoldSet, files: Files) -> list[Row]:
    """JudgeBench: ``response_A``->A, ``response_B``->B, ``A>B``->A; domain from the origin."""
    rows = []
    for file in gold.files:
        for i, rec in enumerate(load_jsonl(files, file.path)):
            rows.append(pairwise(
                {"id": rec["pair_id"], "domain": _jb_domain(rec["source"])}, rec["question"],
                rec["response_A"], rec["response_B"], "A" if rec["label"] == "A>B" else "B",
                {"swapped_from_source_order": False, "origin": rec["source"],
                 "response_model": rec["response_model"],
                 "label_type": "objective_correctness",
                 "source": source(gold, file.path, f"#L{i + 1}")}))
    return rows


_HHH_DOMAIN = {"harmless": "safety", "honest": "honesty"}
_HHH_PART = re.compile(r"###The instruction to evaluate:\n(.*)\n\n###Response to evaluate:\n"
                       r"(.*)\n\n###Score Rubrics:", re.DOTALL)


def hhh_alignment(gold: GoldSet, files: Files) -> list[Row]:
    """HHH alignment (prometheus-eval packaging); the swap rule applies.

    Instruction and response are cut out of each side's rubric prompt (the rubric is
    dropped); upstream lists the chosen side first, hence the deterministic swap.
    """
    path = gold.files[0].path
    rows = []
    for i, rec in enumerate(load_json(files, path)):
        chosen = _HHH_PART.search(rec["chosen_instruction"])
        rejected = _HHH_PART.search(rec["rejected_instruction"])
        if not chosen or not rejected or chosen[1] != rejected[1]:
            raise ValueError(f"{path}[{i}]: the two sides do not share one instruction")
        subset = rec["source"]
        rows.append(chosen_first(
            gold.name, {"id": f"hhh-{subset}-{i:03d}", "domain": _HHH_DOMAIN.get(subset,
                                                                                "general")},
            chosen[1], chosen[2], rejected[2],
            {"subset": subset, "source": source(gold, path, f"[{i}]")}))
    return rows


def codeprefbench(gold: GoldSet, files: Files) -> list[Row]:
    """CodePrefBench human subset: ``choices`` in stored order, ``gt_choice`` 0->A / 1->B.

    The raw votes refer to the order the code was shown in, not the stored one: they are
    de-shuffled (a non-tie vote counts for the ``gt_choice`` side, ``Tie`` -> tie) and kept
    as ``raw_annotations_presentation_order``.
    """
    path = gold.files[0].path
    rows = []
    for i, rec in enumerate(load_jsonl(files, path)):
        choices, raw = rec["choices"], rec["annotations"]
        label = "A" if int(rec["gt_choice"]) == 0 else "B"
        rows.append(pairwise(
            {"id": rec["task_id"], "domain": "code"}, rec["instruction"], choices[0],
            choices[1], label,
            {"annotator_labels": ["tie" if vote == "Tie" else label for vote in raw],
             "swapped_from_source_order": False, "raw_annotations_presentation_order": raw,
             "source": source(gold, path, f"#L{i + 1}")}))
    return rows

