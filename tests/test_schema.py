"""Pydantic models of user files: typos and inconsistent label spaces are rejected."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from judgekit.content import Constitution, Criterion, Principle, Rubric, Suite


def rubric(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "t", "kind": "pairwise", "labels": ["A", "B", "tie"],
        "criteria": [{"id": "overall", "description": "which is better",
                      "levels": {"A": "a wins", "B": "b wins"}}],
    }
    base.update(over)
    return base


def test_valid_models() -> None:
    r = Rubric.model_validate(rubric())
    assert r.labels == ["A", "B", "tie"]
    assert r.label_values() is None
    c = Constitution(title="c", principles=[Principle(id="p-1", text="be good")])
    assert c.principles[0].id == "p-1"
    assert Criterion(id="x", description="d").levels == {}


@pytest.mark.parametrize("model, data", [
    (Rubric, rubric(colour="red")),
    (Constitution, {"title": "c", "principles": [{"id": "a", "text": "t", "weight": 2}]}),
    (Suite, {"rubric": "r", "prompt": "p", "items": "i.jsonl", "itmes": "x"}),
])
def test_unknown_keys_are_rejected(model: Any, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("over, message", [
    ({"labels": ["A", "B", "A"]}, "labels must be unique"),
    ({"labels": ["A", "B", "maybe"]}, "pairwise labels must be A, B"),
    ({"labels": ["A", "tie"]}, "pairwise labels must be A, B"),
    ({"labels": ["A", " B"]}, "surrounding spaces"),
    ({"kind": "pointwise", "labels": ["1", "2"], "values": {"1": 1.0}}, "one number per label"),
    ({"criteria": [{"id": "c", "description": "d", "levels": {"C": "?"}}]}, "unknown labels"),
    ({"kind": "ternary"}, "pairwise"),
    ({"criteria": []}, "at least 1"),
])
def test_inconsistent_rubrics(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Rubric.model_validate(rubric(**over))


def test_pointwise_label_values() -> None:
    numeric = Rubric.model_validate(rubric(kind="pointwise", labels=["1", "2", "3"],
                                           criteria=[{"id": "c", "description": "d"}]))
    assert numeric.label_values() == {"1": 1.0, "2": 2.0, "3": 3.0}
    named = Rubric.model_validate(rubric(kind="pointwise", labels=["bad", "good"],
                                         values={"bad": 0, "good": 1},
                                         criteria=[{"id": "c", "description": "d"}]))
    assert named.label_values() == {"bad": 0.0, "good": 1.0}


def test_duplicate_principles() -> None:
    with pytest.raises(ValidationError, match="repeated: a"):
        Constitution(title="c", principles=[Principle(id="a", text="x"),
                                            Principle(id="a", text="y")])


def test_ids_are_slugs() -> None:
    with pytest.raises(ValidationError):
        Principle(id="Not A Slug", text="x")


def test_suite_defaults_and_limits() -> None:
    s = Suite(rubric="r", prompt="p", items="i.jsonl")
    assert s.mode == "verdict" and s.fields == {} and s.where == {} and s.limit is None
    with pytest.raises(ValidationError):
        Suite(rubric="r", prompt="p", items="i.jsonl", limit=0)
    with pytest.raises(ValidationError):
        Suite(rubric="r", prompt="p", items="i.jsonl", mode="chatty")  # type: ignore[arg-type]


def test_models_are_frozen_and_documented() -> None:
    s = Suite(rubric="r", prompt="p", items="i.jsonl")
    with pytest.raises(ValidationError):
        s.rubric = "other"  # type: ignore[misc]
    for model in (Suite, Rubric, Constitution, Criterion, Principle):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no attribute docstring"
