"""Step review: worked solutions become one item per step, ``SOLUTION#K``.

A step judgment is one request per step: the item id carries the solution and the step
(``gsm-17#3``), the order is ``single``. Expanding solutions into step items when the suite is
read (not when it is rendered) keeps every later stage unchanged: the runner, the store's
``(item id, order)`` keys, resuming, the gold mapping and the audit see ordinary items, and
the step audit (:mod:`judgekit.auditing._steps`) reads solution and step back from the id.

Two data shapes (the suite's ``steps:``, :class:`~judgekit.content._schema.Steps`):

- one row per solution: a ``steps`` list (or a text cut by ``split``); the gold and
  annotator columns hold one entry per step;
- one row per step (``row_id``): the row id names solution and step number; a solution's rows
  come one after another in step order (JUDGE-BENCH's ROSCOE file is written this way).

Each step item keeps the row's columns (the solution's ``steps`` column itself is dropped, so
no template can show the judge a later step) and adds ``step_text``, ``step_number``,
``steps_before`` and ``solution_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content._schema import Steps

SEP = "#"
"""Between the solution id and the step number in a step item's id."""
ADDED = ("step_text", "step_number", "steps_before", "solution_id")
"""The fields every step item gains."""

Fail = Callable[[str, int, str], ContentError]
"""Builds the error for ``(problem, line, fix)``, naming the items file."""


def step_id(solution: str, number: int) -> str:
    """The id of step ``number`` (from 1) of ``solution``: ``solution#number``."""
    return f"{solution}{SEP}{number}"


def split_step_id(item_id: str) -> tuple[str, int] | None:
    """``(solution, step number)`` of a step item id, or None for any other id."""
    solution, sep, number = item_id.rpartition(SEP)
    if not sep or not solution or not number.isdigit():
        return None
    return solution, int(number)


def expand(items: Iterable[Item], spec: Steps, *, per_step: Iterable[str | None] = (),
           limit: int | None = None, fail: Fail) -> Iterator[Item]:
    """The step items of ``items``, solution by solution, streamed.

    Args:
        items: The rows, after ``where``.
        spec: The suite's ``steps:``.
        per_step: Columns that hold one entry per step in a row-per-solution file (the
            suite's ``gold`` and ``annotators``); the step item gets its own entry.
        limit: Keep at most this many solutions.
        fail: Builds the error naming the items file.

    Raises:
        ContentError: Steps that are not a list of strings, a per-step column of another
            length, a row id the pattern does not match, rows of a solution out of order.

    """
    if spec.row_id is not None:
        yield from _rows(items, spec, re.compile(spec.row_id), limit, fail)
        return
    columns = [c for c in per_step if c]
    for n, item in enumerate(items):
        if limit is not None and n >= limit:
            return
        texts = _texts(item, spec, fail)
        lists = {c: _per_step(item, c, len(texts), fail) for c in columns}
        base = {k: v for k, v in item.fields.items() if k != spec.column}
        for k, text in enumerate(texts, start=1):
            own = {c: values[k - 1] for c, values in lists.items() if values is not None}
            yield _step(item, base, item.id, k, text, texts[:k - 1], own)


def _rows(items: Iterable[Item], spec: Steps, pattern: re.Pattern[str], limit: int | None,
          fail: Fail) -> Iterator[Item]:
    current: str | None = None
    before: list[str] = []
    first = 0
    solutions = 0
    for item in items:
        match = pattern.fullmatch(item.id)
        if match is None:
            raise fail(f"item id {item.id!r} does not match 'steps: row_id' "
                       f"{spec.row_id!r}", item.line, "make the pattern match every id, with "
                       "the groups (?P<solution>...) and (?P<step>...)")
        solution, number = match["solution"], match["step"]
        if not number.isdigit():
            raise fail(f"the step number {number!r} in item id {item.id!r} is not a number",
                       item.line, "let the (?P<step>...) group match digits only, e.g. \\d+")
        if solution != current:
            solutions += 1
            if limit is not None and solutions > limit:
                return
            current, before, first = solution, [], int(number)
            if first not in (0, 1):
                raise fail(f"solution {solution!r} starts at step {first}", item.line,
                           "give every solution's rows in step order from step 1 (or 0), "
                           "one row after another")
        elif int(number) != first + len(before):
            raise fail(f"step {number} of solution {solution!r} follows step "
                       f"{first + len(before) - 1}", item.line, "give every solution's rows "
                       "in step order, one row after another, with no step missing")
        text = item.fields.get(spec.column)
        if not isinstance(text, str):
            raise fail(f"item {item.id!r} has no step text in '{spec.column}' (got "
                       f"{type(text).__name__})", item.line, "name the step's text column "
                       "with 'steps: {column: COLUMN}'")
        yield _step(item, item.fields, solution, len(before) + 1, text, before, {})
        before = [*before, text]


def _step(item: Item, base: Mapping[str, Any], solution: str, number: int, text: str,
          before: list[str], own: Mapping[str, Any]) -> Item:
    fields = {**base, **own, "step_text": text, "step_number": number,
              "steps_before": list(before), "solution_id": solution}
    return Item(id=step_id(solution, number), fields=fields, line=item.line)


def _texts(item: Item, spec: Steps, fail: Fail) -> list[str]:
    value = item.fields.get(spec.column)
    where = f"'{spec.column}' of item {item.id!r}"
    if isinstance(value, str):
        if spec.split is None:
            raise fail(f"{where} is one text, not a list of steps", item.line,
                       "write the steps as a JSON list of strings, or cut the text with "
                       "'steps: {split: REGEX}' in the suite (a pattern where each step starts)")
        parts = re.split(spec.split, value, flags=re.MULTILINE)
        value = [p.strip() for p in parts if p.strip()]
    if not isinstance(value, list):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise fail(f"{where} is {got}, not a list of steps", item.line,
                   f"give every item a '{spec.column}' list of strings (one per step), or "
                   "name the column with 'steps: {column: COLUMN}' in the suite")
    if not value:
        raise fail(f"{where} is empty", item.line, "give every solution at least one step")
    for i, step in enumerate(value):
        if not isinstance(step, str):
            raise fail(f"{where}: step {i + 1} ({spec.column}[{i}]) is a "
                       f"{type(step).__name__}, not a string", item.line,
                       "write every step as a string")
    return list(value)


def _per_step(item: Item, column: str, n: int, fail: Fail) -> list[Any] | None:
    value = item.fields.get(column)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != n:
        got = f"{len(value)} entries" if isinstance(value, list) else f"a {type(value).__name__}"
        raise fail(f"'{column}' of item {item.id!r} has {got}; its steps number {n}",
                   item.line, f"give '{column}' one entry per step, in step order (null "
                   "where a step has none)")
    return value
