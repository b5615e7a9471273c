"""Simulated judges on real gold: informative but imperfect confidence, seeded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

PAIRWISE_SETS = ("pandalm-test", "hh-rlhf-harmless-base-test")


def read_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def simulate(gold: list[str], seed: int = 0, *, skill: float = 2.0,
             noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """A judge whose confidence is informative but imperfect.

    Each item has an easiness e ~ Beta(skill, 1); the judge is right with probability
    p = 0.5 + 0.49 e, and reports confidence p^0.8 + N(0, noise): it ranks items well, but is
    overconfident (p^0.8 > p) and noisy. Wrong answers pick another label of the gold's space.
    """
    rng = np.random.default_rng(seed)
    space = sorted(set(gold))
    e = rng.beta(skill, 1.0, len(gold))
    p = 0.5 + 0.49 * e
    ok = rng.uniform(size=len(gold)) < p
    conf = np.clip(p ** 0.8 + rng.normal(0.0, noise, len(gold)), 1 / len(space), 1.0)
    label = np.array([g if o else rng.choice([s for s in space if s != g])
                      for g, o in zip(gold, ok, strict=True)], dtype=object)
    return label, conf


@pytest.fixture(scope="session")
def real_gold(gold_root: Path) -> Callable[[str], Path]:
    """A gold set's data.jsonl (the test skips where it is absent)."""
    return lambda name: _present(gold_root / name / "data.jsonl")


def _present(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not on this machine")
    return path


def write_labels(path: Path, ids: list[str], label: np.ndarray, conf: np.ndarray | None,
                 judge: str | None = None) -> Path:
    rows = []
    for i, lab, c in zip(ids, label, conf if conf is not None else [None] * len(ids),
                         strict=True):
        row: dict[str, Any] = {"id": i, "verdict": lab}
        if c is not None:
            row["p"] = round(float(c), 4)
        if judge:
            row["judge"] = judge
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def simulated(tmp_path: Path, real_gold: Callable[[str], Path]) -> Callable[..., Any]:
    """(labels file of a simulated judge on every item, calibration gold file, gold rows)."""

    def make(name: str = "pandalm-test", calibration: int = 400, seed: int = 0,
             **kw: Any) -> tuple[Path, Path, list[dict[str, Any]]]:
        rows = read_gold(real_gold(name))
        label, conf = simulate([str(r["human_label"]) for r in rows], seed, **kw)
        ids = [r["id"] for r in rows]
        labels = write_labels(tmp_path / f"labels-{seed}.jsonl", ids, label, conf)
        pick = np.random.default_rng(seed + 100).permutation(len(rows))[:calibration]
        cal = tmp_path / f"calibration-{seed}.jsonl"
        cal.write_text("".join(json.dumps(rows[j]) + "\n" for j in sorted(pick)),
                       encoding="utf-8")
        return labels, cal, rows

    return make
