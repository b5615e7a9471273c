"""Task types that shape items as they are read: step review and multi-turn conversations.

:class:`TaskSource` is the :class:`~judgekit.content._items.ItemSource` of every suite: it
streams the same rows and adds, item by item,

- **conversations** (:mod:`._turns`): a suite's ``conversation:`` mapping reads a flattened
  dialogue column into a ``conversation`` list; every item's ``conversation`` is checked
  (roles, shape, ending with the user's message) and a missing ``prompt`` becomes the last
  user message;
- **steps** (:mod:`._steps`): with a rubric of kind ``step``, each solution becomes one item
  per step, ``SOLUTION#K``; ``limit`` then counts solutions.

Shaping at read time keeps the runner, the store keys, resuming and the audit unchanged: they
see ordinary items. Errors name the items file, the line, the field and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import chain, islice
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._schema import Dialogue, Rubric, Steps, Suite
from judgekit.content._sources import Location, Row
from judgekit.content._steps import ADDED, expand
from judgekit.content._turns import (
    FIELD,
    TurnProblem,
    check_conversation,
    last_user,
    parse_dialogue,
)


class TaskSource(ItemSource):
    """A suite's items with its task type applied (see the module docstring).

    Args:
        location: Where the rows come from.
        steps: Step review: where the steps are (None: not a step-review suite).
        dialogue: How to read a flattened dialogue column into a conversation.
        per_step: Columns holding one entry per step (gold, annotators).
        limit: At most this many items (solutions, for step review).
        **options: As for :class:`ItemSource` (``fields``, ``required``, ``where``,
            ``origin``).

    """

    def __init__(self, location: Location, *, steps: Steps | None = None,
                 dialogue: Dialogue | None = None, per_step: tuple[str | None, ...] = (),
                 limit: int | None = None, **options: Any) -> None:
        super().__init__(location, limit=None if steps else limit, **options)
        self.steps, self.dialogue, self.per_step = steps, dialogue, per_step
        self.solutions = limit if steps else None

    def chunks(self, size: int = CHUNK,
               each: Callable[[Item], object] | None = None) -> Iterator[list[Item]]:
        """The items (step items, for step review), ``size`` at a time."""
        if self.steps is None:
            yield from super().chunks(size, each)
            return
        rows = chain.from_iterable(super().chunks(size))
        steps = expand(rows, self.steps, per_step=self.per_step, limit=self.solutions,
                       fail=self._error)
        while chunk := list(islice(steps, size)):
            if each is not None:
                for item in chunk:
                    each(item)
            yield chunk

    def describe(self) -> dict[str, Any]:
        """The source as the run manifest records it, with the task's settings."""
        out = super().describe()
        if self.steps is not None:
            out["steps"] = {**self.steps.model_dump(), "limit": self.solutions}
        if self.dialogue is not None:
            out["conversation"] = self.dialogue.model_dump()
        return out

    def _item(self, line: int, row: Row, hashed: bool) -> Item:
        if self.dialogue is not None or row.get(FIELD) is not None:
            row = self._turns(line, row)
        return super()._item(line, row, hashed)

    def _turns(self, line: int, row: Row) -> Row:
        label = str(row.get(self.id_column, f"on line {line}"))
        try:
            if self.dialogue is not None:
                if row.get(FIELD) is not None:
                    raise TurnProblem(f"item {label!r} has a '{FIELD}' column and the suite "
                                      f"reads one from '{self.dialogue.column}'",
                                      "drop one of them")
                turns = parse_dialogue(row.get(self.dialogue.column), self.dialogue, label)
            else:
                turns = row[FIELD]
            turns = check_conversation(turns, label)
        except TurnProblem as exc:
            raise self._error(exc.args[0], line, exc.args[1]) from None
        prompt = self.fields.get("prompt", "prompt")
        extra = {} if row.get(prompt) is not None else {prompt: last_user(turns)}
        return {**row, FIELD: turns, **extra}


def task_source(spec: Suite, rubric: Rubric, location: Location, fields: Mapping[str, str],
                limit: int | None, origin: Path) -> TaskSource:
    """The items of a suite, shaped by its task type.

    Raises:
        ContentError: ``steps:`` in a suite whose rubric is not of kind ``step``.

    """
    if spec.steps is not None and rubric.kind != "step":
        raise ContentError(origin, f"'steps:' needs a rubric of kind 'step'; "
                           f"{spec.rubric!r} is {rubric.kind}", where="field 'steps'",
                           fix="use a step rubric (kind: step), or drop 'steps:'")
    steps = (spec.steps or Steps()) if rubric.kind == "step" else None
    # a field mapped onto a step's own fields (response: step_text) exists once expanded
    required = {k: v for k, v in fields.items() if steps is None or v not in ADDED}
    return TaskSource(location, steps=steps, dialogue=spec.conversation,
                      per_step=(spec.gold, spec.annotators), limit=limit, fields=fields,
                      required=required, where=spec.where, origin=origin)
