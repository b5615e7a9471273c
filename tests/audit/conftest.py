"""Fixtures of the audit tests: real gold files and synthetic labels written beside them."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def noisy_labels(rows: list[dict[str, Any]], column: str, space: list[str], flip: float,
                 seed: int = 0) -> list[dict[str, Any]]:
    """Gold labels with a share ``flip`` replaced by a random label, and a confidence."""
    rng = random.Random(seed)
    out = []
    for r in rows:
        v = str(r[column])
        if rng.random() < flip:
            v = rng.choice(space)
        out.append({"id": r["id"], "verdict": v, "p": round(rng.uniform(0.4, 1.0), 3)})
    return out


@pytest.fixture(scope="session")
def gold_file(gold_root: Path):  # type: ignore[no-untyped-def]
    def get(name: str) -> Path:
        path = gold_root / name / "data.jsonl"
        if not path.is_file():
            pytest.skip(f"gold set {name} not on this machine")
        return path

    return get


def pairwise_items(n: int, seed: int, votes: tuple[int, ...], tags: bool) -> list[dict[str, Any]]:
    """``n`` pairwise items with gold, a category, response models, some annotators' labels
    (as many as a random pick of ``votes``) and, from item 4 on, ``tags`` if asked."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ann = [rng.choice(["A", "A", "B", "tie"]) for _ in range(rng.choice(votes))]
        row: dict[str, Any] = {
            "id": f"it{i:04d}", "prompt": f"Question {i}?", "response_a": "a" * (i % 7 + 1),
            "response_b": "b" * (i % 5 + 1), "human_label": rng.choice(["A", "B", "B", "tie"]),
            "category": rng.choice(["math", "code", "chat"]),
            "model_a": rng.choice(["fake-x", "other"]), "model_b": "another"}
        if tags and i > 3:  # the first rows have no tags: a slice column found later than row 1
            row["tags"] = rng.sample(["t1", "t2", "t3"], rng.randint(0, 2))
        if ann:
            row["annotator_labels"] = ann
        out.append(row)
    return out


def fake_run(folder: Path, items: list[dict[str, Any]], slices: str, judges: list[Any],
             annotators: bool = True) -> Path:
    """A suite of these items in ``folder`` (gold ``human_label``; ``slices``, as YAML) run
    by these fake judges (batches of 8); the run directory."""
    from judgekit import load_suite, run_suite

    (folder / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    (folder / "suite.yaml").write_text(
        "rubric: core/preference\nconstitution: core/hhh\nprompt: core/pairwise\n"
        "items: items.jsonl\ngold: human_label\n"
        + ("annotators: annotator_labels\n" if annotators else "")
        + f"slices: {slices}\n", encoding="utf-8")
    run_suite(load_suite(str(folder / "suite.yaml")), judges, folder / "run", batch_size=8)
    return folder / "run"
