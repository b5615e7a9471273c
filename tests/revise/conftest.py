"""Fixtures of the revise tests: a small revise suite written into tmp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import MakeReviseSuite, revise_rows


@pytest.fixture
def make_revise_suite(tmp_path: Path) -> MakeReviseSuite:
    """Write a revise suite (core quality rubric, HHH constitution, core/revise prompt).

    ``rows`` are the items (default: 8 from :func:`revise_rows`); keyword arguments override
    suite fields, ``None`` drops one.
    """

    def make(rows: list[dict[str, Any]] | None = None, *, name: str = "rev",
             **fields: Any) -> Path:
        folder = tmp_path / f"suite-{name}"
        folder.mkdir(exist_ok=True)
        items = rows if rows is not None else revise_rows(8)
        (folder / "items.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
        spec: dict[str, Any] = {"description": "revise test", "rubric": "core/quality",
                                "constitution": "core/hhh", "prompt": "core/revise",
                                "items": "items.jsonl"}
        spec.update(fields)
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump({k: v for k, v in spec.items() if v is not None},
                                       sort_keys=False), encoding="utf-8")
        return path

    return make
