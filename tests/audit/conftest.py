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
