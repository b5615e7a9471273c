"""A revise suite: an ordinary suite whose prompt is a revise prompt; its checks and its items.

A revise suite is written like any suite (no new keys): ``constitution`` (required: the
principles critiques cite), a **pointwise** ``rubric`` (its criteria and anchors are shown
with the principles), ``prompt: revise`` (``core/revise``, or a domain prompt whose
``user.j2`` extends ``core/revise/user.j2``) and items with a ``prompt`` and a ``response``
(renamed with ``fields:`` like any suite). Each round turns an item into a revise item: the
text to revise in the ``response`` column and, when principles are sampled, the principles to
apply in ``revise_principles``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Literal

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content import Constitution, LoadedSuite, Principle, Rubric, Suite, load_suite
from judgekit.content._domains import resolve
from judgekit.content._files import load_model
from judgekit.content._render import environment, template_files
from judgekit.content._suite import find_suite

PrincipleMode = Literal["all", "sample"]
"""``all``: critique against every principle; ``sample``: one drawn per item and round."""

BASE_TEMPLATE = "core/revise/user.j2"
"""The template every revise prompt's ``user.j2`` is, or extends."""

PRINCIPLES_FIELD = "revise_principles"
"""Item field holding the principles to apply, when they are sampled."""


def load_revise_suite(ref: str, *, gold_root: Path | None = None,
                      limit: int | None = None) -> LoadedSuite:
    """Load a suite and check that it is a revise suite (:func:`check_revise_suite`).

    Raises:
        ContentError: It is not one; the message names the file, the field and the fix.

    """
    domain, path = find_suite(ref)
    spec = load_model(path, Suite)
    rubric = load_model(resolve(spec.rubric, "rubrics", domain.name, origin=path)[1], Rubric)
    if rubric.kind != "pointwise":  # before load_suite asks the items for response_a/_b
        raise _not_pointwise(path, spec.rubric, rubric.kind)
    return check_revise_suite(load_suite(ref, gold_root=gold_root, limit=limit))


def check_revise_suite(suite: LoadedSuite) -> LoadedSuite:
    """Return ``suite`` if it is a revise suite, else raise.

    A revise suite has a pointwise rubric, a constitution, a revise prompt, and items that
    each have a response to revise.

    Raises:
        ContentError: What is wrong, naming the suite file, the field and the fix.

    """
    if suite.rubric.kind != "pointwise":
        raise _not_pointwise(suite.path, suite.spec.rubric, suite.rubric.kind)
    constitution_of(suite)
    prompt = suite.renderer.prompt.name
    if BASE_TEMPLATE not in template_files(environment(), [f"{prompt}/user.j2"]):
        raise ContentError(suite.path, f"prompt {suite.spec.prompt!r} is not a revise prompt "
                           f"(its user.j2 neither is nor extends {BASE_TEMPLATE})",
                           where="field 'prompt'", fix="use 'prompt: revise', or a prompt "
                           f"whose user.j2 starts with {{% extends \"{BASE_TEMPLATE}\" %}}")
    column = response_column(suite)
    for item in suite.items:
        text = item.fields.get(column)
        if not isinstance(text, str) or not text.strip():
            raise ContentError(suite.path, f"item {item.id!r} (line {item.line}) has no "
                               f"'{column}' text to revise", where="field 'items'",
                               fix=f"give every item a non-empty '{column}', or map another "
                               "column with 'fields: {response: COLUMN}'")
        if PRINCIPLES_FIELD in item.fields:
            raise ContentError(suite.path, f"item {item.id!r} (line {item.line}) has a "
                               f"'{PRINCIPLES_FIELD}' column, which revise fills in itself",
                               where="field 'items'", fix="rename that column")
    return suite


def constitution_of(suite: LoadedSuite) -> Constitution:
    """The suite's constitution.

    Raises:
        ContentError: The suite has none.

    """
    if suite.constitution is None:
        raise ContentError(suite.path, "a revise suite needs a constitution: critiques cite "
                           "its principles", where="field 'constitution'",
                           fix="add e.g. 'constitution: hhh', or your domain's constitution")
    return suite.constitution


def _not_pointwise(path: Path, ref: str, kind: str) -> ContentError:
    return ContentError(path, f"rubric {ref!r} is {kind}; a revise suite's rubric is "
                        "pointwise (its criteria guide the critique)", where="field 'rubric'",
                        fix="use a pointwise rubric such as 'quality'; the verifier's "
                        "pairwise rubric is --verifier-rubric")


def response_column(suite: LoadedSuite) -> str:
    """The items column holding the response to revise (``response`` unless renamed)."""
    return suite.renderer.fields.get("response", "response")


def prompt_column(suite: LoadedSuite) -> str:
    """The items column holding the user prompt (``prompt`` unless renamed)."""
    return suite.renderer.fields.get("prompt", "prompt")


def qualified(ref: str, kind: str, home: str, origin: Path | None = None) -> str:
    """``ref`` as ``domain/name``, resolved as the suite in domain ``home`` would resolve it."""
    dom, path = resolve(ref, kind, home, origin=origin)
    return f"{dom.name}/{path.name if kind == 'prompts' else path.stem}"


def pick_principles(constitution: Constitution, mode: PrincipleMode, seed: int,
                    item_id: str, round_: int) -> tuple[Principle, ...]:
    """The principles a critique applies: all, or one drawn from (seed, item, round).

    The draw hashes its inputs (sha256), so it does not depend on the order items are read
    in, on the process, or on Python's ``random``: the recorded seed reproduces it anywhere.
    """
    if mode == "all":
        return tuple(constitution.principles)
    digest = hashlib.sha256(f"{seed}\0{item_id}\0{round_}".encode()).digest()
    return (constitution.principles[int.from_bytes(digest[:8], "big")
                                    % len(constitution.principles)],)


def round_item(item: Item, column: str, text: str, principles: tuple[Principle, ...] | None,
               round_: int) -> Item:
    """The item a round renders: ``text`` as the response, the sampled principles if any."""
    fields = {**item.fields, column: text}
    if principles is not None:
        fields[PRINCIPLES_FIELD] = [{"id": p.id, "text": p.text} for p in principles]
    return replace(item, id=attempt_id(item.id, round_), fields=fields)


def attempt_id(item_id: str, round_: int) -> str:
    """Id of one item's revision in one round: ``ID#rN`` (the round is the last ``#r``)."""
    return f"{item_id}#r{round_}"
