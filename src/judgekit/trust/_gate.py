"""A suite's qualification gate, applied by ``judgekit run`` before any production item.

A suite may declare ``qualification: {gold: FILE, min_agreement: 0.8}``: the judges first
label those gold items (rendered exactly like the suite's own, stored in ``OUT/qualification``,
resumable like any run), each is scored with :func:`judgekit.trust.qualify`, and the run goes
on only when every judge passes. Nothing here changes how a run labels: the gate is one more
run of the same suite on other items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from judgekit.backends._contract import Backend
from judgekit.content._files import read_items
from judgekit.content._suite import DROP, LoadedSuite, items_file
from judgekit.run._runner import run_suite
from judgekit.trust._bounds import Array
from judgekit.trust._inputs import (
    Gold,
    GoldSource,
    LabelSource,
    Stage,
    correct,
    read_gold_labels,
    read_stages,
)
from judgekit.trust._qualify import Qualification, qualify

GATE_DIR = "qualification"
"""Where, inside the run directory, the qualification labels are stored."""


def score(stage: Stage, gold: Gold, min_agreement: float,
          confidence: float = 0.95) -> tuple[Qualification, Array, list[str]]:
    """A stage's qualification on the gold items it labeled; also the per-item result, ids."""
    ids = [i for i in stage.items if i in gold.labels]
    label, _ = stage.arrays(ids)
    ok = correct(label, np.array([gold.labels[i] for i in ids], dtype=object))
    unread = int(sum(x is None for x in label))
    return qualify(ok, min_agreement, confidence, name=stage.name, unreadable=unread), ok, ids


def run_gate(suite: LoadedSuite, backends: Sequence[Backend], out: Path, *,
             gold_root: Path | None = None, batch_size: int = 512) -> list[Qualification]:
    """Label the suite's qualification items with every judge and score each one.

    Raises:
        ContentError: The gate's gold file cannot be found or read.

    """
    gate = suite.spec.qualification
    assert gate is not None, "run_gate needs a suite with a qualification: gate"
    path = items_file(gate.gold, suite.path, suite.domain, gold_root)
    items = read_items(path)[:gate.limit]
    qdir = out / GATE_DIR
    run_suite(replace(suite, items=items), list(backends), qdir, batch_size=batch_size)
    mapping = {k: v for k, v in suite.spec.gold_map.items() if v != DROP}
    gold = read_gold_labels(GoldSource(path, label_col=suite.spec.gold, label_map=mapping))
    stages = read_stages(LabelSource((qdir,), judges=tuple(b.model for b in backends)),
                         confidence=False)
    return [score(s, gold, gate.min_agreement, gate.confidence)[0] for s in stages]
