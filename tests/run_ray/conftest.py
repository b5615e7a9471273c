"""One local Ray (2 CPUs, 127.0.0.1, no dashboard) for the module, and item files to run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'judgekit[ray]'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local Ray for the module; yields its address (for subprocess drivers)."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def rows(n: int) -> list[dict[str, Any]]:
    """``n`` pairwise items, a few of them with odd values (unicode, missing keys)."""
    out = []
    for i in range(n):
        row: dict[str, Any] = {"id": f"it{i:06d}", "prompt": f"Question {i}: 2 x {i}? é✓",
                               "response_a": f"It is {2 * i}.", "response_b": f"{2 * i + 1}",
                               "human_label": "A" if i % 3 else "B", "n": i}
        if i % 7 == 0:
            row["extra"] = None
        out.append(row)
    return out


def write_suite(folder: Path, items: list[dict[str, Any]], *, items_name: str = "items.jsonl",
                **fields: Any) -> Path:
    """A pairwise suite in ``folder`` over ``items`` (JSONL, or Parquet by the name)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / items_name
    if items_name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(items), target, row_group_size=97)
    else:
        target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items),
                          encoding="utf-8")
    spec = {"rubric": "core/preference", "constitution": "core/hhh", "prompt": "core/pairwise",
            "items": items_name, "gold": "human_label", **fields}
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path
