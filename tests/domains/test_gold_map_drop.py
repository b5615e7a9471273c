
"""``gold_map`` values mapped to ``~`` are dropped (DICES' 'unsure'); unmapped ones still fail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from judgekit import ContentError, load_suite

MakeSuite = Callable[..., Path]

ROWS = [
    {"id": "a", "prompt": "p", "response": "r", "gold": "safe",
     "votes": ["safe", "unsure", "unsafe"]},
    {"id": "b", "prompt": "p", "response": "r", "gold": "unsure", "votes": ["unsure"]},
]


def _suite(make_suite: MakeSuite, **extra: object) -> str:
    path = make_suite(ROWS, rubric="safety/safe-unsafe", constitution=None,
                      prompt="safety/pointwise", gold="gold", annotators="votes", **extra)
    return str(path)


def test_tilde_drops_annotator_values_and_gold(make_suite: MakeSuite) -> None:
    suite = load_suite(_suite(make_suite, gold_map={"unsure": "~"}))
    assert suite.annotators == {"a": ["safe", "unsafe"], "b": []}
    assert suite.gold == {"a": "safe"}  # item b's gold was 'unsure': it has no gold


def test_unmapped_value_outside_the_labels_still_fails(make_suite: MakeSuite) -> None:
    with pytest.raises(ContentError, match=r"'unsure'.*not in the rubric's labels"):
        load_suite(_suite(make_suite))
