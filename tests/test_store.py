"""The SQLite label store: durable batches, no duplicates, transport errors left to retry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from judgekit import Completion, Label
from judgekit.run import Store


def label(item: str, order: str = "AB", *, error: str | None = None, judge: str = "j",
          key: str = "k") -> Label:
    return Label(item_id=item, order=order, judge=judge, key=key,  # type: ignore[arg-type]
                 label=None if error else "A", label_presented=None if error else "A",
                 probs=None if error else {"A": 0.75, "B": 0.25}, score=None, rationale=None,
                 error=error, raw="A", extra={"n": 1} if item == "x" else {})


def test_round_trip(tmp_path: Path) -> None:
    comp = Completion(text="A", tokens=("A",), top_logprobs=({"A": -0.1, "B": -2.0},),
                      prompt_tokens=12)
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [("k1", comp)], [label("x"), label("y", "BA")])
    with Store(tmp_path / "l.sqlite") as store:  # reopened: it was committed
        assert store.count() == 2 and store.count("j") == 2 and store.count("other") == 0
        assert store.judges() == ["j"]
        got = list(store.labels())
        assert [(g.item_id, g.order) for g in got] == [("x", "AB"), ("y", "BA")]
        assert got[0] == label("x")
        assert store.cached(["k1", "missing"]) == {"k1": comp}


def test_same_item_order_judge_never_duplicates(tmp_path: Path) -> None:
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [], [label("x", key="old")])
        store.write("j", [], [label("x", key="new")])
        store.write("j", [], [label("x", key="new", judge="other")])
        assert store.count() == 2
        assert store.done_keys("j") == {("x", "AB"): "new"}


def test_transport_errors_are_not_done_and_not_cached(tmp_path: Path) -> None:
    bad = Completion(text="", error="timeout")
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [("kbad", bad)],
                    [label("x", error="backend: timeout"), label("y", error="unreadable 'hm'")])
        assert store.cached(["kbad"]) == {}
        assert set(store.done_keys("j")) == {("y", "AB")}  # parse errors stay done
        assert store.count() == 2


def test_cached_handles_many_keys(tmp_path: Path) -> None:
    comps = [(f"k{i}", Completion(text=str(i))) for i in range(1234)]
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", comps, [])
        got = store.cached([k for k, _ in comps] + ["nope"])
    assert len(got) == 1234 and got["k1000"].text == "1000"


def test_failed_batch_writes_nothing(tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    class Exploding:  # labels that fail half-way, after the completions were inserted
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield label("x")
            raise Boom

    with Store(tmp_path / "l.sqlite") as store:
        with pytest.raises(Boom):
            store.write("j", [("k", Completion(text="A"))], Exploding())  # type: ignore[arg-type]
        assert store.count() == 0 and store.cached(["k"]) == {}


def test_durable_settings(tmp_path: Path) -> None:
    Store(tmp_path / "l.sqlite").close()
    db = sqlite3.connect(tmp_path / "l.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    pk = [r[1] for r in db.execute("PRAGMA table_info(labels)") if r[5]]
    assert pk == ["item_id", "ord", "judge"]
