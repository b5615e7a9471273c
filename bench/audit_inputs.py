"""Inputs of ``bench/audit_scale.py``: joined arrays, label and gold files, a run directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import numpy as np

from judgekit.auditing import AuditData


def synthetic(n: int, seed: int = 0) -> AuditData:
    rng = np.random.default_rng(seed)
    gold = rng.choice(3, n, p=[0.45, 0.45, 0.10])
    judge = np.where(rng.random(n) < 0.75, gold, rng.integers(0, 3, n))
    ann = np.where(rng.random((n, 3)) < 0.85, gold[:, None], rng.integers(0, 3, (n, 3)))
    conf = rng.uniform(0.34, 1.0, n)
    probs = np.full((n, 3), np.nan)
    first = rng.integers(0, 2, n) + (judge == 0)
    second = 2 - first
    domain = rng.integers(0, 3, n)
    return AuditData(
        ids=[], scale="pairwise", space=["A", "B", "tie"], gold=gold, judge=judge,
        annotators=ann, probs=probs, conf=conf, first=first, second=second,
        gold_first=(gold < 2).astype(np.int64), gold_second=(gold < 2).astype(np.int64),
        consistent=(rng.random(n) < 0.7).astype(np.int64), longer=rng.integers(0, 2, n),
        own=np.full(n, -1), slices={"domain": {f"d{k}": domain == k for k in range(3)}},
        coverage={"matched": n, "judge_errors": 0},
    )


def write_gold(gold: np.ndarray, ann: np.ndarray, path: Path) -> None:
    """Gold JSONL: id, domain, human_label, three annotator_labels."""
    space = np.array(["A", "B", "tie"])
    g, a = space[gold], space[ann]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(len(gold)):
            fh.write(f'{{"id": "i{i}", "domain": "d{i % 3}", "human_label": "{g[i]}", '
                     f'"annotator_labels": ["{a[i, 0]}", "{a[i, 1]}", "{a[i, 2]}"]}}\n')


def write_files(d: AuditData, folder: Path) -> tuple[Path, Path]:
    """The labels as CSV and the gold as JSONL, written with vectorized string building."""
    n = len(d.gold)
    space = np.array(["A", "B", "tie"])
    ids = np.char.add("i", np.arange(n).astype(str))
    labels, gold = folder / "labels.csv", folder / "gold.jsonl"
    conf = np.char.mod("%.3f", d.conf)
    rows = np.char.add(np.char.add(np.char.add(ids, ","), np.char.add(space[d.judge], ",")), conf)
    labels.write_text("id,verdict,p\n" + "\n".join(rows.tolist()) + "\n", encoding="utf-8")
    assert d.annotators is not None
    write_gold(d.gold, d.annotators, gold)
    return labels, gold


ORDERS: tuple[Literal["AB"], Literal["BA"]] = ("AB", "BA")


def write_run(folder: Path, items: int, rng: np.random.Generator) -> Path:
    """A run directory: manifest + store, one judge, both orders with probabilities."""
    from judgekit import Label
    from judgekit.run import Store

    run = folder / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"suite_path": str(folder / "none.yaml")}),
                                       encoding="utf-8")
    p = rng.dirichlet([2, 2, 0.5], size=(items, 2))
    labels = []
    for i in range(items):
        for o, order in enumerate(ORDERS):
            probs = dict(zip(("A", "B", "tie"), p[i, o].round(4).tolist(), strict=True))
            best = max(probs, key=probs.__getitem__)
            shown = {"A": "B", "B": "A"}.get(best, best) if order == "BA" else best
            labels.append(Label(item_id=f"i{i}", order=order, judge="j1", key=f"k{i}{order}",
                                label=best, label_presented=shown, probs=probs, score=None,
                                rationale=None, error=None, raw=best))
    with Store(run / "labels.sqlite") as store:
        store.write("j1", [], labels)
    return run


def write_rows(path: Path, items: int, judges: tuple[str, ...], rng: np.random.Generator,
               objects: bool) -> Path:
    """A labels JSONL, both orders per judge; probs a number or a JSON object."""
    space = np.array(["A", "B", "tie"])
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(items):
            for judge in judges:
                for order in ("AB", "BA"):
                    p = rng.dirichlet([2, 2, 0.5]).round(4)
                    best = space[int(p.argmax())]
                    probs = (f'{{"A": {p[0]}, "B": {p[1]}, "tie": {p[2]}}}' if objects
                             else f"{p.max()}")
                    fh.write(f'{{"id": "i{i}", "judge": "{judge}", "order": "{order}", '
                             f'"verdict": "{best}", "probs": {probs}}}\n')
    return path
