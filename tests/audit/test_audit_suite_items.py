"""A run suite's items read as the audit's columns (:mod:`judgekit.auditing._suite_items`).

The columns must give :class:`judgekit.auditing._fields.Fields` exactly what the rows gave
when they were held as a table (``rows_table``), hold no row, and read the rows a report
shows again in one pass.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from judgekit._types import Item
from judgekit.auditing._fields import Fields
from judgekit.auditing._suite_items import (
    SuiteFields,
    Wanted,
    chunks,
    empty_rows,
    read_suite,
    tag_rule,
)
from judgekit.auditing._table import rows_table

ROWS: list[dict[str, Any]] = [
    {"id": "a", "prompt": "p", "response_a": "héllo wörld", "response_b": "x",
     "category": "math", "tags": ["t1", "t2"], "model_a": "GPT-4o", "model_b": "llama",
     "level": 1},
    {"id": "b", "response_a": 5, "response_b": "yy", "category": "", "tags": [],
     "model_a": "", "model_b": 7, "level": 1.0},
    {"id": "c", "response_a": None, "category": None, "tags": [None, "t1"],
     "model_b": "gpt-3.5", "level": True},
    {"id": "d", "response_b": "🙂🙂", "category": "code", "tags": "solo", "level": [1, "x"]},
    {"id": "e"},
    {"id": "f", "response_a": "", "category": "math", "tags": ["t2"], "level": 2.5},
]
WANTED = Wanted(tags=("category", "tags", "level", "absent"), models=("model_a", "model_b"))


class Items(Sequence[Item]):
    """Items in memory that count how often they are streamed."""

    def __init__(self, rows: list[dict[str, Any]], size: int = 2) -> None:
        self.all = [Item(id=r["id"], fields=r, line=i + 1) for i, r in enumerate(rows)]
        self.size, self.passes = size, 0

    def __len__(self) -> int:
        return len(self.all)

    def __getitem__(self, i: Any) -> Any:
        return self.all[i]

    def chunks(self) -> Iterator[list[Item]]:
        self.passes += 1
        for at in range(0, len(self.all), self.size):
            yield self.all[at:at + self.size]


def suite(rows: list[dict[str, Any]], size: int = 2) -> Any:
    return SimpleNamespace(items=Items(rows, size), path=Path("suite.yaml"))


def as_rows_table(rows: list[dict[str, Any]]) -> Fields:
    """The fields as the audit read them before: every row held as a table."""
    return Fields(rows_table(rows, list(range(1, len(rows) + 1)), "suite.yaml"),
                  np.arange(len(rows)))


def as_columns(rows: list[dict[str, Any]], size: int = 2) -> tuple[Fields, SuiteFields]:
    got, gold = read_suite(suite(rows, size), WANTED)
    assert gold is None
    n = got.num_rows
    return Fields(empty_rows(Path("suite.yaml"), n), np.arange(n), got, np.arange(n)), got


@pytest.mark.parametrize("size", [1, 2, 4, 100])
def test_columns_give_what_the_rows_gave(size: int) -> None:
    old, (new, got) = as_rows_table(ROWS), as_columns(ROWS, size)
    assert got.ids.to_pylist() == [r["id"] for r in ROWS]
    for name in ("response_a", "response_b"):
        assert np.array_equal(old.length(name), new.length(name), equal_nan=True), name
    assert np.array_equal(new.length("response_a"), [11, np.nan, np.nan, np.nan, np.nan, 0],
                          equal_nan=True)
    assert new.length("response_b")[3] == 2.0  # characters, not bytes
    for name in ("model_a", "model_b"):
        assert old.family(name, "gpt").tolist() == new.family(name, "gpt").tolist(), name
    assert new.family("model_a", "GPT").tolist() == [1, -1, -1, -1, -1, -1]
    for name in ("category", "tags", "level", "absent"):
        a, b = old.slice_masks(name), new.slice_masks(name)
        assert {k: m.tolist() for k, m in a.items()} == {k: m.tolist() for k, m in b.items()}
        assert old.present(name, 3) == new.present(name, 3), name
    assert sorted(new.slice_masks("level")) == ["1", "1.0", "2.5", "True", "x"]
    assert new.slice_masks("tags")["None"].tolist() == [False, False, True, False, False,
                                                        False]
    assert not new.present("absent", 100) and new.present("category", 1)


def test_a_gold_row_field_comes_before_the_suite_items() -> None:
    gold = rows_table([{"id": "a", "category": "gold-cat"}, {"id": "d"}], [1, 2], "g.jsonl")
    got, _ = read_suite(suite(ROWS), WANTED)
    fields = Fields(gold, np.array([0, 1]), got, np.array([0, 3]))
    assert {k: m.tolist() for k, m in fields.slice_masks("category").items()} == {
        "gold-cat": [True, False], "code": [False, True]}
    assert fields.row(0) == {**ROWS[0], "category": "gold-cat"}
    assert fields.row(1) == ROWS[3]


def test_no_row_is_kept() -> None:
    rows = [{"id": f"i{i}", "prompt": "q" * 500, "response_a": "a" * 1000,
             "response_b": "b" * 1000, "category": "abc"[i % 3]} for i in range(20_000)]
    items = suite(rows, 4096)
    tracemalloc.start()
    got, _ = read_suite(items, Wanted(tags=("category",)))
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the rows themselves are 50 MB; the columns are ids, two lengths and a code per item
    assert got.num_rows == 20_000 and kept < 20_000 * 60
    assert items.items.passes == 1


def test_rows_shown_are_read_in_one_pass() -> None:
    items = suite(ROWS)
    got, _ = read_suite(items, WANTED)
    assert items.items.passes == 1
    assert got.raw_rows([4, 0, 2]) == [ROWS[4], ROWS[0], ROWS[2]]
    assert items.items.passes == 2
    assert got.raw_rows([0, 2]) == [ROWS[0], ROWS[2]]  # kept: no pass more
    assert items.items.passes == 2
    fields = Fields(empty_rows(Path("s"), 6), np.arange(6), got, np.arange(6))
    fields.prefetch([5, 1])
    assert items.items.passes == 3
    assert fields.row(5) == ROWS[5] and fields.row(1) == ROWS[1] and items.items.passes == 3


def test_gold_keeps_the_items_with_a_gold_label() -> None:
    rows = [{"id": f"i{i}", "response_a": "x" * i, "gold": "AB"[i % 2] if i % 3 else None,
             "votes": ["A", "B"] if i == 1 else None} for i in range(8)]

    def rule(item: Item) -> tuple[str | None, list[str] | None]:
        return item.fields["gold"], item.fields["votes"]

    got, gold = read_suite(suite(rows, 3), Wanted(tags=("gold",)), rule)
    assert gold is not None
    assert got.ids.to_pylist() == ["i1", "i2", "i4", "i5", "i7"]
    assert gold.label.to_pylist() == ["B", "A", "A", "B", "B"]
    assert gold.annotators.to_pylist() == [["A", "B"], [], [], [], []]
    assert got.length("response_a", np.arange(5)).tolist() == [1, 2, 4, 5, 7]
    assert got.raw_rows([1, 4]) == [rows[2], rows[7]]  # rows count only the gold items


def test_tag_rule_and_chunks_of_plain_sequences() -> None:
    assert tag_rule(["a", 1, None]) == ["a", "1", "None"]
    assert tag_rule("") == [] and tag_rule(None) == [] and tag_rule(2.0) == ["2.0"]
    items = [Item(id=str(i), fields={}, line=i) for i in range(5)]
    assert [len(c) for c in chunks(items)] == [5]
    empty = empty_rows(Path("s"), 3)
    assert empty.num_rows == 3 and empty.raw(2) == {} and not empty.has("x")
