"""Run directories are audited through the store's columnar reader, with the same report as
through ``Run.labels()`` (Label objects): fake-judge runs, panels, pointwise runs, errors and
unreadable labels, hidden gold, hand-written stores whose judge ids are out of name order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit import Label, RunError, load_suite, run_suite
from judgekit.auditing import AuditOptions, _labels, audit
from judgekit.auditing._audit import audit_rows
from judgekit.auditing._labels import LabelRows, read_labels
from judgekit.backends import FakeBackend
from judgekit.content._hidden import HIDDEN_PREFIX
from judgekit.run import Run, Store, open_run


def old_rows(run: Run, source: str) -> LabelRows:
    """The reader before the columnar one: every label as a Label object."""
    return _labels._from_labels(run.labels(), source, "run", run.path, run)


def same_rows(a: LabelRows, b: LabelRows) -> None:
    for name in ("source", "kind", "path", "space"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("item", "judge", "verdict", "presented"):
        assert getattr(a, name).type == getattr(b, name).type, name
        assert getattr(a, name).to_pylist() == getattr(b, name).to_pylist(), name
    for name in ("order", "probs", "keys", "has", "conf"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name


def reports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, run: Path,
            gold: Path | None = None, **options: Any) -> tuple[Any, Any]:
    """report.json of the audit of ``run`` (streamed: its labels looked up chunk by chunk),
    then of all its labels read as Label objects at once."""
    opts = AuditOptions(replicates=30, **options)
    out: list[Any] = []
    for name in ("new", "old"):
        if name == "old":
            monkeypatch.setattr(_labels, "_from_run", old_rows)
            audit_rows(read_labels(run), gold, None, opts).write(tmp_path / name)
        else:
            audit(run, gold, options=opts).write(tmp_path / name)
        data = json.loads((tmp_path / name / "report.json").read_text(encoding="utf-8"))
        data.pop("seconds", None), data.pop("created", None)  # the clock
        out.append(data)
    monkeypatch.undo()
    return out[0], out[1]


def test_fake_panel_run_with_hidden_gold(tmp_path: Path, make_suite: Callable[..., Path],
                                         pairwise: Callable[..., list[dict[str, Any]]],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_suite(pairwise(90), hidden_gold={"set": "quiz.jsonl", "rate": 0.2,
                                                 "min_agreement": 0.01})
    (path.parent / "quiz.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in pairwise(20, prefix="quiz")))
    # judge ids 1, 2, 3 in the store for names out of their sorted order
    run_suite(load_suite(str(path)), [FakeBackend(3), FakeBackend(1), FakeBackend(2)],
              tmp_path / "run", batch_size=16)
    run = open_run(tmp_path / "run")
    assert len(run.labels(hidden=True)) == 3 * 2 * 20  # hidden gold is in the store
    rows = read_labels(tmp_path / "run")
    same_rows(rows, old_rows(run, str(tmp_path / "run")))
    assert rows.item.to_pylist()[:6] == ["it0000"] * 6  # item, order, judge name
    assert rows.judge.to_pylist()[:3] == ["fake:1", "fake:2", "fake:3"]
    assert len(rows.item) == 3 * 2 * 90  # the hidden gold items are left out
    monkeypatch.setattr(_labels, "_BATCH", 7)  # columns joined from many batches
    same_rows(read_labels(tmp_path / "run"), old_rows(run, str(tmp_path / "run")))
    monkeypatch.undo()
    new, old = reports(monkeypatch, tmp_path, tmp_path / "run", judge="panel")
    assert new == old and new["coverage"]["matched"] == 90
    new, old = reports(monkeypatch, tmp_path, tmp_path / "run", judge="fake:2")
    assert new == old


def test_pointwise_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_suite(load_suite("core/sample-pointwise"), [FakeBackend()], tmp_path / "run")
    run = open_run(tmp_path / "run")
    same_rows(read_labels(run), old_rows(run, str(run.path)))
    assert set(read_labels(run).order.tolist()) == {0}  # single
    new, old = reports(monkeypatch, tmp_path, tmp_path / "run")
    assert new == old


def lab(item: str, order: str, judge: str, label: str | None, **kw: Any) -> Label:
    shown = {"A": "B", "B": "A"}.get(label, label) if order == "BA" and label else label
    fields: dict[str, Any] = {"label_presented": shown, "probs": None, "score": None,
                              "rationale": None, "error": None, "raw": label or "?"}
    fields.update(kw)
    return Label(item_id=item, order=order, judge=judge,  # type: ignore[arg-type]
                 key=f"{item}{order}{judge}", label=label, **fields)


def odd_store(folder: Path) -> Path:
    """A run whose store holds every shape a label can take."""
    run = folder / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"suite_path": str(folder / "none.yaml")}),
                                       encoding="utf-8")
    labels = [lab("i2", "AB", "zeta", "A", probs={"A": 0.75, "B": 0.25}),
              lab("i2", "BA", "zeta", "B", probs={"B": 0.5, "A": 0.25, "tie": 0.25}),
              lab("i1", "AB", "zeta", None, label_presented=None, error="unreadable 'hm'"),
              lab("i1", "BA", "zeta", "A", label_presented="first", probs={}),
              lab("\u00e9t\u00e9", "AB", "zeta", "tie", probs={"tie": 0.9}, extra={"conf": 0.9}),
              lab("\u00e9t\u00e9", "BA", "zeta", "A", extra={"conf": 1, "n": 2}),
              lab("i1", "AB", "alpha", "B", probs={"A": 0.1, "B": 0.9}, score=2.5),
              lab("i2", "single", "alpha", "yes", probs={"yes": 0.6, "no": 0.4}),
              lab(f"{HIDDEN_PREFIX}q1", "AB", "alpha", "A"),
              lab("i3", "BA", "alpha", None, label_presented=None, error="backend: timeout")]
    with Store(run / "labels.sqlite") as store:
        store.write("m", [], labels[:6])  # zeta gets judge id 1, alpha id 2
        store.write("m", [], labels[6:])
    return run


def test_every_label_shape_reads_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = odd_store(tmp_path)
    rows = read_labels(run)
    same_rows(rows, old_rows(open_run(run), str(run)))
    assert rows.space == ["A", "B", "no", "tie", "yes"]
    assert rows.item.to_pylist() == ["i1", "i1", "i1", "i2", "i2", "i2", "i3",
                                     "\u00e9t\u00e9", "\u00e9t\u00e9"]
    assert rows.judge.to_pylist()[:3] == ["alpha", "zeta", "zeta"]
    assert rows.presented.to_pylist()[:3] == ["B", None, "first"]
    assert rows.has.tolist()[:3] == [True, False, True] and not rows.keys[2].any()
    assert np.isnan(rows.conf[:7]).all() and rows.conf[7] == 0.9  # "conf": 1 is no float
    assert np.isnan(rows.conf[8])
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": i, "human_label": g}) + "\n" for i, g in
                            [("i1", "B"), ("i2", "A"), ("\u00e9t\u00e9", "tie")]),
                    encoding="utf-8")
    new, old = reports(monkeypatch, tmp_path, run, gold, judge="zeta")
    assert new == old and new["coverage"]["matched"] == 3


def test_empty_and_missing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}", encoding="utf-8")
    same_rows(read_labels(run), old_rows(open_run(run), str(run)))
    assert len(read_labels(run).item) == 0
    with pytest.raises(RunError, match="is not a judgekit run"):
        read_labels(Run(tmp_path / "nothing"))
