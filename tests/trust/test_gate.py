"""A suite's qualification gate: ``judgekit run`` labels the gold quiz first and refuses a
judge that fails it, unless ``--skip-qualification``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from judgekit.cli._main import app
from judgekit.content import Suite

runner = CliRunner()


def _suite(make_suite: Callable[..., Path], pairwise: Callable[..., list[dict[str, Any]]],
           gate: dict[str, Any]) -> Path:
    path = make_suite(qualification=gate)
    quiz = pairwise(40, prefix="quiz")
    (path.parent / "quiz.jsonl").write_text("".join(json.dumps(r) + "\n" for r in quiz))
    return path


def test_a_judge_that_fails_the_gate_labels_nothing(
        tmp_path: Path, make_suite: Callable[..., Path],
        pairwise: Callable[..., list[dict[str, Any]]]) -> None:
    suite = _suite(make_suite, pairwise, {"gold": "quiz.jsonl", "min_agreement": 0.8})
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", str(suite), "--judge", "fake:1", "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert "run refused" in res.output and "fake:1" in res.output
    assert (out / "qualification" / "manifest.json").is_file()  # the quiz was labeled
    assert not (out / "manifest.json").exists()  # production items were not
    res = runner.invoke(app, ["run", str(suite), "--judge", "fake:1", "--out", str(out),
                              "--skip-qualification"])
    assert res.exit_code == 0, res.output
    assert (out / "manifest.json").is_file()


def test_a_judge_that_passes_goes_on_to_label(
        tmp_path: Path, make_suite: Callable[..., Path],
        pairwise: Callable[..., list[dict[str, Any]]]) -> None:
    suite = _suite(make_suite, pairwise, {"gold": "quiz.jsonl", "min_agreement": 0.05,
                                          "limit": 20})
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", str(suite), "--judge", "fake:1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "pass" in res.output and (out / "manifest.json").is_file()
    quiz = json.loads((out / "qualification" / "manifest.json").read_text())
    assert quiz["items"] == 20


def test_the_gate_is_checked_when_the_suite_loads() -> None:
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError, match="min_agreement"):
        Suite.model_validate({"rubric": "r", "prompt": "p", "items": "i.jsonl",
                              "qualification": {"gold": "q.jsonl", "min_agreement": 1.2}})
