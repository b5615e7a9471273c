"""``reparse``: stored raw outputs are parsed again, no model is called, only changes written."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judgekit import RunError, load_suite, open_run, reparse, run_suite
from judgekit._types import Completion, Request
from judgekit.backends import FakeBackend
from judgekit.cli._main import app

MakeSuite = Callable[..., Path]


class _Exploding(FakeBackend):
    """A judge that fails the test if anything calls it."""

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        raise AssertionError("reparse must not call a model")


def _labels(run: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    with open_run(run).store() as store:
        return {(lab.item_id, lab.order): (lab.label, lab.probs, lab.error, lab.raw)
                for lab in store.labels()}


def test_reparse_restores_tampered_labels_without_a_model(make_suite: MakeSuite,
                                                          tmp_path: Path) -> None:
    suite = load_suite(str(make_suite()))
    run = tmp_path / "run"
    run_suite(suite, [FakeBackend(3, error_every=7)], run)
    before = _labels(run)
    db = sqlite3.connect(run / "labels.sqlite")
    tampered = db.execute(
        "UPDATE labels SET label = NULL, probs = NULL, error = 'old parser bug' "
        "WHERE error IS NULL AND item_id IN (SELECT DISTINCT item_id FROM labels LIMIT 3)"
    ).rowcount
    db.commit()
    db.close()
    assert _labels(run) != before

    summary = reparse(run)
    assert tampered >= 3
    assert summary.changed == tampered
    assert summary.uncached == sum(1 for v in before.values() if v[2] and "backend" in v[2])
    assert summary.uncached > 0
    assert _labels(run) == before
    assert reparse(run).changed == 0  # idempotent


def test_reparse_keeps_pointwise_expected_scores(make_suite: MakeSuite, tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "prompt": f"q{i}", "response": f"r{i}", "human_label": "3"}
            for i in range(5)]
    path = make_suite(rows, rubric="core/quality", prompt="core/pointwise")
    run = tmp_path / "run"
    run_suite(load_suite(str(path)), [FakeBackend(1)], run)
    with open_run(run).store() as store:
        scores = {lab.item_id: lab.score for lab in store.labels()}
    db = sqlite3.connect(run / "labels.sqlite")
    db.execute("UPDATE labels SET score = NULL")
    db.commit()
    db.close()
    assert reparse(run).changed == 5
    with open_run(run).store() as store:
        assert {lab.item_id: lab.score for lab in store.labels()} == pytest.approx(scores)


def test_reparse_cli_and_errors(make_suite: MakeSuite, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_suite(load_suite(str(make_suite())), [FakeBackend(0)], run)
    result = CliRunner().invoke(app, ["reparse", str(run)])
    assert result.exit_code == 0, result.output
    assert "24 labels, 0 changed" in " ".join(result.output.split())
    with pytest.raises(RunError, match="not a judgekit run"):
        reparse(tmp_path)
    bad = CliRunner().invoke(app, ["reparse", str(tmp_path)])
    assert bad.exit_code == 1 and "not a judgekit run" in bad.output


def test_exploding_backend_guard_is_real(make_suite: MakeSuite, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="must not call"):
        run_suite(load_suite(str(make_suite())), [_Exploding(0)], tmp_path / "r")


def test_reparse_streams_in_chunks(make_suite: MakeSuite, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("judgekit.run._reparse.CHUNK", 5)  # 24 labels: five transactions
    run = tmp_path / "run"
    run_suite(load_suite(str(make_suite())), [FakeBackend(2)], run)
    before = _labels(run)
    db = sqlite3.connect(run / "labels.sqlite")
    db.execute("UPDATE labels SET label = NULL, probs = NULL, error = 'old parser bug'")
    db.commit()
    db.close()
    summary = reparse(run)
    assert (summary.labels, summary.changed, summary.uncached) == (24, 24, 0)
    assert _labels(run) == before
