"""Export a run's labels: per-order JSONL (all stored) or per-item JSONL (orders combined)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from judgekit.run._aggregate import item_verdicts
from judgekit.run._runner import read_manifest
from judgekit.run._store import LABELS_FILE, Store


def open_store(run_dir: Path) -> Store:
    """Open a run's label store, checking it is a run directory first."""
    read_manifest(run_dir)
    return Store(run_dir / LABELS_FILE)


def export_jsonl(run_dir: Path, fh: IO[str], *, level: str = "order",
                 tie_margin: float = 0.0) -> int:
    """Write labels one JSON object per line; return how many were written.

    Args:
        run_dir: The run directory.
        fh: Where to write.
        level: ``order`` (one line per stored label) or ``item`` (both orders combined).
        tie_margin: Item level only: see :mod:`judgekit.run._aggregate`.

    """
    n = 0
    with open_store(run_dir) as store:
        if level == "order":
            for lab in store.labels():
                fh.write(json.dumps(lab.to_dict(), ensure_ascii=False) + "\n")
                n += 1
        elif level == "item":
            for v in item_verdicts(store.labels(), tie_margin):
                rec = {"id": v.item_id, "judge": v.judge, "verdict": v.label,
                       "probs": dict(v.probs) if v.probs is not None else None,
                       "score": v.score, "consistent": v.consistent, "orders": v.orders,
                       "errors": list(v.errors)}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        else:
            raise ValueError(f"level must be 'order' or 'item', not {level!r}")
    return n
