"""Render prompts: sandboxed Jinja2, item text as data, both orders for pairwise items.

Templates are found by ``domain/prompt/file.j2`` names across all installed domains, so a
domain's prompt may ``{% extends "core/pairwise/user.j2" %}``. ``system.j2`` sees only what is
shared by every item (constitution, rubric, labels, mode), so the system message is a common
prefix that vLLM's prefix cache reuses; ``user.j2`` also sees the item, last.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2

from judgekit._errors import TemplateError
from judgekit._types import Item, Message, Order, Request, Sampling
from judgekit.content._prompts import PromptPair as PromptPair
from judgekit.content._prompts import compile_prompt as compile_prompt
from judgekit.content._prompts import environment as environment
from judgekit.content._prompts import template_files as template_files
from judgekit.content._schema import Constitution, Rubric
from judgekit.content._splice import Splice, printed_fields, splice

_TAIL = (  # what may follow "<" to make a delimiter or a chat-template control token
    r"\s*/?\s*(?:response(?:_a|_b)?|prompt|reference|criterion|statement|tests|item|"
    r"conversation|turn|step|steps|previous_steps|answer|question)\b"
    r"|\|[^<>|\s]{1,40}\|>"  # <|im_end|>, <|im_start|>, <|eot_id|>, <|endoftext|>...
    r"|/?s>|</?SYS>>|(?:start_of_turn|end_of_turn|bos|eos|pad|unk)>"
)
_BRACKET_TAIL = r"/?(?:INST|SYS|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\]"  # [/INST]...
_DELIMS = re.compile(rf"<(?={_TAIL})|\[(?={_BRACKET_TAIL})", re.IGNORECASE)
_DEFANGED = {"<": "\u2039", "[": "\u27e6"}
"""``<`` becomes ``‹`` and ``[`` becomes ``⟦``: NFKC changes neither back."""
_IGNORED = ("Cf", "Mn", "Me")
"""Unicode categories a look-alike check leaves out: zero-width and bidi controls (``Cf``)
and combining marks (``Mn``, ``Me``), which render on top of the character before them."""


def neutralize(text: str) -> str:
    r"""Defang delimiter look-alikes and chat control tokens inside untrusted item text.

    ``<response_a>``, ``</prompt>``..., ``<|im_end|>``, ``<|eot_id|>``, ``[/INST]``, ``<s>``
    lose their opening character (``<`` -> ``‹``, ``[`` -> ``⟦``), so item text can neither
    close the delimiters the prompt wraps it in nor fake a turn boundary. Look-alikes count:
    the text is matched in Unicode NFKC form with zero-width and bidi controls and combining
    marks left out (``<\u200b/response_b>``, fullwidth ``＜／response_b＞``). Only the opening
    character is changed; the rest of the text (``x²``, ``ﬁ``...) reaches the judge as written.
    """
    if text.isascii():
        if "<" not in text and "[" not in text:
            return text  # nothing a delimiter could start with
        return _DELIMS.sub(lambda m: _DEFANGED[m.group()], text)
    ignored = _ignored()
    if not _DELIMS.search(unicodedata.normalize("NFKC", text.translate(ignored))):
        return text  # the usual case, checked at C speed
    view: list[str] = []
    origin: list[int] = []  # index in ``text`` of each character of ``view``
    for i, char in enumerate(text):
        folded = char if char.isascii() else (
            unicodedata.normalize("NFKC", char.translate(ignored)).translate(ignored))
        view.extend(folded)
        origin.extend([i] * len(folded))
    out = list(text)
    for match in _DELIMS.finditer("".join(view)):
        out[origin[match.start()]] = _DEFANGED[match.group()]
    return "".join(out)


@cache
def _ignored() -> dict[int, None]:
    """``str.translate`` table deleting the :data:`_IGNORED` characters (built once, ~0.1 s)."""
    cat = unicodedata.category
    return {c: None for c in range(0x80, sys.maxunicode + 1) if cat(chr(c)) in _IGNORED}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Renderer:
    """Everything needed to turn items into requests for one suite."""

    prompt: PromptPair
    rubric: Rubric
    constitution: Constitution | None
    fields: Mapping[str, str]
    sampling: Sampling
    _splices: dict[str, object] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)

    def shared_context(self) -> dict[str, Any]:
        """Variables every template sees (the shared prefix)."""
        return {
            "rubric": self.rubric,
            "constitution": self.constitution,
            "labels": list(self.rubric.labels),
            "mode": self.sampling.mode,
        }

    def system_message(self) -> str:
        """Render ``system.j2`` once: it holds no item text."""
        return _render(self.prompt.system, self.shared_context(), f"{self.prompt.name}/system.j2")

    def requests(self, item: Item, system: str | None = None) -> list[Request]:
        """Render an item: ``AB`` and ``BA`` for pairwise rubrics, ``single`` otherwise."""
        system = self.system_message() if system is None else system
        base = {k: _clean(v) for k, v in item.fields.items()}
        base.update({name: base.get(col) for name, col in self.fields.items()})  # cleaned
        out = []
        for order in self.orders():
            view = dict(base)
            if order == "BA":
                view["response_a"], view["response_b"] = base.get("response_b"), base.get(
                    "response_a"
                )
            user = self._user(order, view, item)
            _shows_context(user, view, self.prompt, item)
            messages = (Message("system", system), Message("user", user))
            out.append(Request(item.id, order, messages, self.sampling))
        return out

    def check(self, item: Item, system: str | None = None) -> None:
        """Raise what :meth:`requests` raises for ``item``, rendering only when it must.

        With a spliced template (:mod:`judgekit.content._splice`) rendering can fail only on
        a printed field the item lacks, or on context the prompt must show (a conversation,
        a step history): an item with neither needs no rendering to be known good.
        """
        fields = [self._splice(o) for o in self.orders()]
        have = item.fields.keys() | self.fields.keys()
        if (all(isinstance(f, Splice) and set(f.slots) - {None} <= have for f in fields)
                and "conversation" not in have and "step_text" not in have):
            return
        self.requests(item, system)

    def check_needed(self, columns: AbstractSet[str]) -> bool:
        """Whether :meth:`check` may render (or fail) for an item whose fields are among these.

        False when the templates are spliced and print only mapped fields (which every item
        has: :class:`~judgekit.content._items.ItemSource` requires them) and no column is
        context the prompt must show: every such item then passes without being read.
        """
        have = self.fields.keys()
        spliced = all(isinstance(f, Splice) and set(f.slots) - {None} <= have
                      for f in (self._splice(o) for o in self.orders()))
        return not spliced or bool({"conversation", "step_text"} & (columns | have))

    def orders(self) -> tuple[Order, ...]:
        """``AB`` and ``BA`` for pairwise rubrics, ``single`` otherwise."""
        return ("AB", "BA") if self.rubric.kind == "pairwise" else ("single",)

    def _splice(self, order: Order) -> Splice | None:
        """The user template cut at its item values for ``order`` (None: it does not qualify)."""
        fast = self._splices.get(order, _UNSET)
        if fast is _UNSET:
            fields = printed_fields(self.prompt.user)
            fast = self._splices[order] = None if fields is None else splice(
                self.prompt.user, fields, {**self.shared_context(), "order": order})
        return fast if isinstance(fast, Splice) else None

    def _user(self, order: Order, view: dict[str, Any], item: Item) -> str:
        """The user message: spliced when the template allows it (:mod:`._splice`), else Jinja2."""
        fast = self._splice(order)
        if fast is not None and (user := fast.fill(view, item.id)) is not None:
            return user
        ctx = {**self.shared_context(), "item": view, "item_id": item.id, "order": order}
        return _render(self.prompt.user, ctx, f"{self.prompt.name}/user.j2", item)


_UNSET = object()


def _shows_context(user: str, view: Mapping[str, Any], prompt: PromptPair, item: Item) -> None:
    """Refuse a prompt that leaves out a turn of the item's conversation or a step it reviews.

    A conversation or a step history the judge does not see is a judgment of something else:
    never drop it silently.
    """
    texts: list[tuple[str, Any]] = []
    if isinstance(view.get("conversation"), list):
        texts += [(f"message {i + 1} of its conversation", m.get("content"))
                  for i, m in enumerate(view["conversation"]) if isinstance(m, dict)]
    if "step_text" in view and "steps_before" in view:
        texts += [(f"step {i + 1} of its solution", t)
                  for i, t in enumerate([*view["steps_before"], view["step_text"]])]
    for what, text in texts:
        if isinstance(text, str) and text.strip() and text.strip() not in user:
            raise TemplateError(
                prompt.user.filename or f"{prompt.name}/user.j2",
                f"the prompt does not show {what} (item {item.id!r}, line {item.line})",
                fix="show the whole conversation with conversation() from "
                "core/_conversation.j2 (e.g. prompt: core/turn-pairwise or core/turn-pointwise)"
                " and every earlier step with the step-review prompt (core/step-review)")


def _render(template: jinja2.Template, ctx: dict[str, Any], name: str,
            item: Item | None = None) -> str:
    try:
        return template.render(ctx).strip()
    except jinja2.UndefinedError as exc:
        where = f"item {item.id!r} (line {item.line})" if item else None
        raise TemplateError(
            template.filename or name, f"template variable missing: {exc.message}",
            where=where,
            fix="add the field to the items (or map it with 'fields:' in the suite), "
            "or guard it with '{% if ... is defined %}' in the template",
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(template.filename or name, f"template failed: {exc}") from None
