"""Exporting a run: per-order JSONL (every stored label) and per-item JSONL (orders combined)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from judgekit import FakeBackend, RunError, export_jsonl, load_suite, open_store, run_suite


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    run_suite(load_suite("core/sample"), [FakeBackend(error_every=7)], out)
    return out


def test_order_level(run_dir: Path) -> None:
    fh = io.StringIO()
    assert export_jsonl(run_dir, fh) == 24
    records = [json.loads(line) for line in fh.getvalue().splitlines()]
    assert len(records) == 24
    keys = {"id", "order", "judge", "verdict", "verdict_presented", "probs", "score",
            "rationale", "error", "raw", "key"}
    assert all(keys <= set(r) for r in records)
    assert len({(r["id"], r["order"]) for r in records}) == 24
    errors = [r for r in records if r["error"]]
    assert len(errors) == 3 and all(r["verdict"] is None for r in errors)
    assert all(r["error"].startswith("backend:") for r in errors)


def test_item_level(run_dir: Path) -> None:
    fh = io.StringIO()
    assert export_jsonl(run_dir, fh, level="item") == 12
    records = [json.loads(line) for line in fh.getvalue().splitlines()]
    assert {r["id"] for r in records} == {it.id for it in load_suite("core/sample").items}
    for r in records:
        assert r["orders"] + len(r["errors"]) == 2
        assert r["verdict"] in {"A", "B", "tie"}
        if r["orders"] == 2:
            assert isinstance(r["consistent"], bool)


def test_bad_level(run_dir: Path) -> None:
    with pytest.raises(ValueError, match="level must be"):
        export_jsonl(run_dir, io.StringIO(), level="pairs")


def test_not_a_run_dir(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="not a judgekit run"):
        export_jsonl(tmp_path, io.StringIO())
    with pytest.raises(RunError):
        open_store(tmp_path)
    assert not (tmp_path / "labels.sqlite").exists()
