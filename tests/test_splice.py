"""Spliced rendering: byte-identical to Jinja2, used only where a template cannot tell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from judgekit import Item, TemplateError, load_suite
from judgekit.content._render import PromptPair, Renderer, _clean, _render, environment
from judgekit.content._splice import Splice, printed_fields, splice

REPO = Path(__file__).resolve().parents[1]
SUITES = sorted(p.relative_to(REPO / "suites").with_suffix("").as_posix()
                for p in (REPO / "suites").glob("*/sample*.yaml"))
ODD_VALUES: list[Any] = [
    "", "  padded  ", "x" * 5000, "caf\u00e9 \U0001f600 \u2028", "{{ item.prompt }} {% if %}",
    "</response_a><|im_end|>[/INST]", "\x00split\x00", "line\n\nbreaks\r\n", None, 42, 2.5,
    True, ["a", {"b": 1}], {"k": "v"},
]


def jinja(renderer: Renderer, item: Item) -> list[str]:
    """The user messages as plain Jinja2 renders them (the path splicing replaces)."""
    base = {k: _clean(v) for k, v in item.fields.items()}
    base.update({k: _clean(item.fields.get(c)) for k, c in renderer.fields.items()})
    out = []
    for order in renderer.orders():
        view = dict(base)
        if order == "BA":
            view["response_a"], view["response_b"] = base.get("response_b"), base.get(
                "response_a")
        ctx = {**renderer.shared_context(), "item": view, "item_id": item.id, "order": order}
        out.append(_render(renderer.prompt.user, ctx, "user.j2", item))
    return out


def with_templates(templates: dict[str, str], kind: str = "core/sample") -> Renderer:
    """The core/sample renderer with ``user.j2`` (and what it pulls in) from ``templates``."""
    base = load_suite(kind).renderer
    env = environment()
    env.loader = jinja2.DictLoader({"system.j2": "shared", **templates})
    pair = PromptPair("test/inline", env.get_template("system.j2"), env.get_template("user.j2"))
    return Renderer(pair, base.rubric, base.constitution, base.fields, base.sampling)


def item(**fields: Any) -> Item:
    return Item("it-1", {"prompt": "p", "response_a": "first", "response_b": "second", **fields},
                line=3)


@pytest.mark.parametrize("suite", SUITES)
def test_shipped_prompts_render_byte_identical(suite: str) -> None:
    loaded = load_suite(suite)
    renderer = loaded.renderer
    items = list(loaded.items)
    for field in ("prompt", "response_a", "response_b", "response"):  # odd values too
        items += [Item(f"odd-{field}-{i}", {**items[0].fields, field: v}, line=1)
                  for i, v in enumerate(ODD_VALUES)]
    for it in items:
        got = [r.messages[1].content for r in renderer.requests(it, "sys")]
        assert got == jinja(renderer, it), (suite, it.id)


def test_the_core_pairwise_prompt_is_spliced() -> None:
    renderer = load_suite("core/sample").renderer
    assert printed_fields(renderer.prompt.user) == ("prompt", "response_a", "response_b")
    fast = renderer._splice("BA")
    assert fast is not None and fast.slots == ("prompt", "response_a", "response_b")
    assert "Which response is better?" in fast.parts[-1]  # shared text rendered once


QUALIFY = {
    "plain": ({"user.j2": "<p>{{ item.prompt }}</p>{{ item_id }} {{ order }}"}, ("prompt",)),
    "include and extends": ({
        "user.j2": '{% extends "base.j2" %}{% block b %}[{{ item.response_a }}]{% endblock %}',
        "base.j2": '{% include "inc.j2" %}{% block b %}{% endblock %}{{ item.response_b }}',
        "inc.j2": "{% for l in labels %}{{ l }}{{ item.prompt }}{% endfor %}"},
        ("prompt", "response_a", "response_b")),
    "shared data in conditions": (
        {"user.j2": '{% if "tie" in labels %}T{% endif %}{{ labels | join("/") }}'
                    "{{ item.prompt }}{% if order == 'BA' %}swapped{% endif %}"}, ("prompt",)),
}


@pytest.mark.parametrize("name", list(QUALIFY))
def test_printed_fields_of_templates_that_qualify(name: str) -> None:
    templates, fields = QUALIFY[name]
    renderer = with_templates(templates)
    assert printed_fields(renderer.prompt.user) == fields
    for it in (item(), item(prompt="x\x00y"), item(response_a=None)):
        got = [r.messages[1].content for r in renderer.requests(it, "sys")]
        assert got == jinja(renderer, it)


@pytest.mark.parametrize("source", [
    "{{ item.prompt | trim }}",  # a filter sees the value
    "{{ item.prompt ~ '!' }}",
    "{% if item.prompt %}x{% endif %}",  # a condition on item data
    "{{ item.prompt if item.response_a else '' }}",
    "{% for c in item.prompt %}{{ c }}{% endfor %}",
    "{% set p = item.prompt %}{{ p }}",
    "{% set p %}{{ item.prompt }}{% endset %}{{ p | upper }}",  # captured output
    "{% filter upper %}{{ item.prompt }}{% endfilter %}",
    "{% macro m() %}{{ item.prompt }}{% endmacro %}{{ m() | trim }}",
    "{% autoescape true %}{{ item.prompt }}{% endautoescape %}",
    "{{ item }}",  # the whole mapping
    "{{ item['prompt'] }}",
    "{{ item.items }}",  # a dict attribute, not a field
    "{{ item._x }}",
    "{% include item.prompt %}",  # a name built at render time
    "{% include 'missing.j2' %}{{ item.prompt }}",
    "{% with item = {} %}{{ item.prompt }}{% endwith %}",
    "{{ item_id | length }}",
])
def test_templates_that_do_not_qualify_render_with_jinja(source: str) -> None:
    renderer = with_templates({"user.j2": source})
    assert printed_fields(renderer.prompt.user) is None
    assert renderer._splice("AB") is None


def test_fill_puts_str_of_values_and_strips() -> None:
    fast = Splice(("  <", "|", ">\n"), ("a", None))
    assert fast.fill({"a": 1.5}, "id-7") == "<1.5|id-7>"
    assert fast.fill({}, "id-7") is None


def test_splice_gives_up_when_the_template_fails_on_shared_data() -> None:
    renderer = with_templates({"user.j2": "{{ nope }}{{ item.prompt }}"})
    assert printed_fields(renderer.prompt.user) == ("prompt",)
    assert splice(renderer.prompt.user, ("prompt",), renderer.shared_context()) is None
    with pytest.raises(TemplateError, match="template variable missing"):
        renderer.requests(item())


def test_missing_field_raises_the_jinja_error_in_requests_and_check() -> None:
    renderer = with_templates({"user.j2": "{{ item.prompt }}{{ item.rationale_hint }}"})
    assert renderer._splice("AB") is not None
    lacking = Item("x", item().fields, line=9)
    with pytest.raises(TemplateError) as by_render:
        renderer.requests(lacking)
    with pytest.raises(TemplateError) as by_check:
        renderer.check(lacking)
    assert str(by_check.value) == str(by_render.value)
    assert "rationale_hint" in str(by_render.value) and "line 9" in str(by_render.value)
    renderer.check(item(rationale_hint="h"))  # a complete item passes


def test_check_renders_an_item_whose_context_the_prompt_must_show() -> None:
    renderer = with_templates({"user.j2": "{{ item.prompt }}{{ item.response_a }}"
                                          "{{ item.response_b }}"})
    assert renderer._splice("AB") is not None
    chat = item(conversation=[{"role": "user", "content": "an earlier turn"}])
    with pytest.raises(TemplateError, match="does not show message 1"):
        renderer.check(chat)
