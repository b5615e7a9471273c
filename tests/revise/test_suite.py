"""What makes a revise suite, and the errors that say what is missing (file, field, fix)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from judgekit import ContentError, load_suite
from judgekit.revise import check_revise_suite, load_revise_suite
from judgekit.revise._suite import attempt_id, pick_principles, round_item

from .helpers import MakeReviseSuite, revise_rows


def test_the_built_in_sample_is_a_revise_suite() -> None:
    suite = load_revise_suite("core/revise-sample")
    assert suite.ref == "core/revise-sample" and len(suite.items) == 13
    assert suite.constitution is not None and suite.rubric.kind == "pointwise"


@pytest.mark.parametrize(("fields", "where", "fix"), [
    ({"rubric": "core/preference"}, "field 'rubric'", "--verifier-rubric"),
    ({"constitution": None}, "field 'constitution'", "constitution: hhh"),
    ({"prompt": "core/pointwise"}, "field 'prompt'", "prompt: revise"),
])
def test_not_a_revise_suite(make_revise_suite: MakeReviseSuite, fields: dict[str, str],
                            where: str, fix: str) -> None:
    path = make_revise_suite(**fields)
    with pytest.raises(ContentError) as info:
        load_revise_suite(str(path))
    assert info.value.path == path.resolve() or info.value.path == path
    assert info.value.where == where and fix in str(info.value)


def test_an_item_without_a_response_is_named_with_its_line(
        make_revise_suite: MakeReviseSuite) -> None:
    rows = revise_rows(3)
    rows[1]["response"] = "  "
    with pytest.raises(ContentError, match=r"item 'q001' \(line 2\) has no 'response'"):
        load_revise_suite(str(make_revise_suite(rows)))
    rows[1]["response"] = "x"
    rows[2]["revise_principles"] = ["mine"]
    with pytest.raises(ContentError, match="fills in itself"):
        load_revise_suite(str(make_revise_suite(rows, name="two")))


def test_a_renamed_response_column_is_revised(make_revise_suite: MakeReviseSuite) -> None:
    rows = [{"id": r["id"], "question": r["prompt"], "answer": r["response"]}
            for r in revise_rows(2)]
    path = make_revise_suite(rows, fields={"prompt": "question", "response": "answer"})
    suite = load_revise_suite(str(path))
    item = round_item(suite.items[0], "answer", "NEW TEXT", None, 2)
    assert item.id == attempt_id("q000", 2) == "q000#r2"
    user = suite.renderer.requests(item)[0].messages[1].content
    assert "NEW TEXT" in user and "What is 0 + 0?" in user


def test_a_domain_prompt_extending_core_revise_is_accepted(
        tmp_domain: Callable[..., Path], make_revise_suite: MakeReviseSuite) -> None:
    tmp_domain("hivesrev", {
        "prompts/revise/system.j2": '{% extends "core/revise/system.j2" %}',
        "prompts/revise/user.j2": '{% extends "core/revise/user.j2" %}{% block task %}'
                                  'Critique it as a beekeeper.{% endblock %}',
        "prompts/other/system.j2": "x", "prompts/other/user.j2": "{{ item.prompt }}",
    })
    suite = load_revise_suite(str(make_revise_suite(prompt="hivesrev/revise")))
    assert "as a beekeeper" in suite.renderer.requests(suite.items[0])[0].messages[1].content
    with pytest.raises(ContentError, match="not a revise prompt"):
        check_revise_suite(load_suite(str(make_revise_suite(prompt="hivesrev/other",
                                                            name="other"))))


def test_principle_draw_is_seeded_per_item_and_round() -> None:
    suite = load_revise_suite("core/revise-sample")
    con = suite.constitution
    assert con is not None
    draw = [pick_principles(con, "sample", 7, f"item{i}", 1)[0].id for i in range(500)]
    assert draw == [pick_principles(con, "sample", 7, f"item{i}", 1)[0].id for i in range(500)]
    assert draw != [pick_principles(con, "sample", 8, f"item{i}", 1)[0].id for i in range(500)]
    assert draw != [pick_principles(con, "sample", 7, f"item{i}", 2)[0].id for i in range(500)]
    counts = Counter(draw)
    assert set(counts) == {p.id for p in con.principles}
    assert min(counts.values()) > 500 / len(con.principles) / 2  # roughly uniform
    assert pick_principles(con, "all", 7, "x", 1) == tuple(con.principles)


def test_sampled_principles_reach_the_prompt_and_only_them() -> None:
    suite = load_revise_suite("core/revise-sample")
    con = suite.constitution
    assert con is not None
    chosen = pick_principles(con, "sample", 0, "neck", 1)
    item = round_item(suite.items[0], "response", "text", chosen, 1)
    user = suite.renderer.requests(item)[0].messages[1].content
    assert f"this principle only:\n- [{chosen[0].id}] {chosen[0].text}" in user
    others = [p for p in con.principles if p != chosen[0]]
    assert all(f"- [{p.id}]" not in user for p in others)
