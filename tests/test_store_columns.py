"""Store.label_columns: the labels of Store.labels as Arrow record batches, chunk by chunk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from judgekit import Label, RunError
from judgekit.content._hidden import HIDDEN_PREFIX
from judgekit.run import Store
from judgekit.run._columns import FIELDS


def lab(item: str, order: str, judge: str, label: str | None, **kw: Any) -> Label:
    shown = {"A": "B", "B": "A"}.get(label, label) if order == "BA" and label else label
    fields: dict[str, Any] = {"label_presented": shown, "probs": None, "score": None,
                              "rationale": None, "error": None, "raw": "r"}
    fields.update(kw)
    return Label(item_id=item, order=order, judge=judge,  # type: ignore[arg-type]
                 key=f"{item}{order}{judge}", label=label, **fields)


LABELS = [
    lab("b", "AB", "zed", "A", probs={"A": 0.7, "B": 0.3}, extra={"conf": 0.7}),
    lab("a", "BA", "zed", "A", probs={"B": 0.125, "A": 0.875}),
    lab("a", "BA", "alf", None, label_presented=None, error="unreadable 'x'"),
    lab("a", "AB", "alf", "tie", label_presented="both", probs={"tie": 1.0}, score=4.0),
    lab("c", "single", "alf", "5", probs={}, score=5.0),
    lab(f"{HIDDEN_PREFIX}q", "AB", "alf", "B"),
]


def as_rows(labels: list[Label]) -> list[dict[str, Any]]:
    """What the columns should say about each label."""
    return [{"item_id": x.item_id, "order": x.order, "judge": x.judge, "label": x.label,
             "presented": x.label_presented, "probs": x.probs, "score": x.score,
             "error": x.error, "extra": json.dumps(x.extra) if x.extra else None}
            for x in labels]


def table_rows(batches: list[pa.RecordBatch], names: list[str]) -> list[dict[str, Any]]:
    """Rows of the batches, each distribution keeping only the labels it names."""
    rows = pa.Table.from_batches(batches).to_pylist() if batches else []
    for r in rows:
        if r["probs"] is not None:
            r["probs"] = {k: v for k, v in r["probs"].items() if v is not None}
    assert all(list(b.schema.names) == names for b in batches)
    return rows


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "l.sqlite")
    s.write("m", [], LABELS[:2])  # zed gets the first judge id
    s.write("m", [], LABELS[2:])
    return s


@pytest.mark.parametrize("batch", [1, 2, 4, 1000])
def test_columns_are_the_labels_in_their_order(store: Store, batch: int) -> None:
    with store:
        for judge in (None, "alf", "zed"):
            for hidden in (None, False, True):
                batches = list(store.label_columns(judge, hidden=hidden, batch=batch))
                want = as_rows(list(store.labels(judge, hidden=hidden)))
                assert table_rows(batches, list(FIELDS)) == want, (judge, hidden)
                assert all(0 < b.num_rows <= batch for b in batches)
        everything = list(store.label_columns(batch=batch))
        assert store._db.execute("PRAGMA cache_size").fetchone()[0] == -32768  # restored
        assert sum(b.num_rows for b in everything) == len(LABELS)
        assert [r["judge"] for r in table_rows(everything, list(FIELDS))][:3] == \
            ["alf", "alf", "zed"]  # item a: AB alf, BA alf, BA zed (by name, not id)


def test_column_types_and_distributions(store: Store) -> None:
    with store:
        (batch,) = list(store.label_columns(hidden=False))
    assert batch.schema.field("order").type == pa.dictionary(pa.int32(), pa.string())
    assert batch.schema.field("probs").type == pa.struct(
        [("A", pa.float64()), ("B", pa.float64()), ("tie", pa.float64())])
    probs = batch.column("probs").to_pylist()
    assert probs[2] == {"A": 0.875, "B": 0.125, "tie": None}  # exact, named by space
    assert probs[1] is None and probs[4] == {"A": None, "B": None, "tie": None}  # {} kept
    assert batch.column("presented").to_pylist() == ["both", None, "B", "A", "5"]


def test_unknown_judge_empty_store_and_bad_batch(tmp_path: Path, store: Store) -> None:
    with store:
        assert list(store.label_columns("nobody")) == []
        with pytest.raises(ValueError, match="batch must be at least 1"):
            list(store.label_columns(batch=0))
    with Store(tmp_path / "empty.sqlite") as empty:
        assert list(empty.label_columns()) == []


def test_a_damaged_distribution_is_named(tmp_path: Path, store: Store) -> None:
    with store:
        store._db.execute("UPDATE labels SET probs = x'00' WHERE item_id = 'b'")
        with pytest.raises(RunError, match="not a whole number of float64"):
            list(store.label_columns())
        store._db.execute(f"UPDATE labels SET probs = x'{'00' * 24}' WHERE item_id = 'b'")
        with pytest.raises(RunError, match="does not fit its label space 1"):
            list(store.label_columns())
        store._db.execute("UPDATE labels SET space = NULL WHERE item_id = 'b'")
        with pytest.raises(RunError, match="does not fit its label space -1"):
            list(store.label_columns())
