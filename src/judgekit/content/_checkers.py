"""Suite checkers: plugin hooks that add facts to each label (e.g. running the response's code).

A suite names one with ``checker: domain/name`` (a bare ``name`` means the suite's own domain);
it is looked up in that :class:`~judgekit.Domain`'s ``parsers`` mapping. A checker is a small
function ``(fields, order) -> dict``: ``fields`` are the item's columns plus the template
field names (``prompt``, ``response``...) after the suite's ``fields:`` renames; ``order`` is
``AB``, ``BA`` or ``single``. Its dict is merged into ``Label.extra`` before the label is
stored. A checker that raises does not stop the run: the label keeps
``extra["checker_error"]``, never a made-up result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from judgekit._errors import DomainNotFound, ReferenceNotFound
from judgekit._types import Item, Label
from judgekit.content._domains import get_domain

Checker = Callable[[Mapping[str, Any], str], Mapping[str, Any]]
"""``(fields, order) -> facts`` merged into ``Label.extra``."""


def resolve_checker(ref: str, home: str, *, origin: Path | None = None) -> Checker:
    """Find the checker ``domain/name`` (or ``name`` in ``home``).

    Raises:
        ReferenceNotFound: No such domain or no such hook in its ``parsers``; the message
            lists the hooks that exist.

    """
    dom_name, _, name = ref.rpartition("/")
    dom_name = dom_name or home
    try:
        domain = get_domain(dom_name)
    except DomainNotFound as exc:
        raise ReferenceNotFound(origin, f"checker {ref!r}: {exc}", where="field 'checker'",
                                fix="install the domain or fix the reference") from None
    hook = domain.parsers.get(name)
    if hook is None or not callable(hook):
        known = ", ".join(f"{dom_name}/{n}" for n in sorted(domain.parsers)) or "none"
        raise ReferenceNotFound(origin, f"checker {ref!r} not found in domain {dom_name!r}",
                                where="field 'checker'", fix=f"use one of: {known}")
    checker: Checker = hook
    return checker


def checker_fields(item: Item, fields: Mapping[str, str]) -> dict[str, Any]:
    """The item's columns plus template field names mapped through the suite's renames."""
    view = dict(item.fields)
    view.update({name: item.fields.get(col) for name, col in fields.items()})
    return view


def checked(label: Label, checker: Checker, fields: Mapping[str, Any]) -> Label:
    """``label`` with the checker's facts merged into ``extra`` (or the checker's error)."""
    try:
        facts = dict(checker(fields, label.order))
    except Exception as exc:  # a plugin hook may fail in any way; the label records it
        facts = {"checker_error": f"{type(exc).__name__}: {exc}"}
    return replace(label, extra={**label.extra, **facts})
