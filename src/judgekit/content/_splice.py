"""Render a prompt without Jinja2 per item, when its templates only print item fields.

A user template qualifies when every use of ``item`` or ``item_id`` in it, and in every
template it pulls in (``extends``/``include``/``import``), is a bare ``{{ item.FIELD }}`` or
``{{ item_id }}`` (no filter, test, condition, loop, macro or ``set`` touches item data) and
no ``autoescape`` block changes how output is written. Then the item's values cannot change
what the template does, only what it prints, and Jinja2 prints them as ``str(value)``: the
template is rendered once per order with placeholders (a :class:`Splice`), and an item's
prompt is the frame's text with its values put in. The output is byte for byte what Jinja2
renders; an item that lacks a printed field, or a template that does not qualify, is left to
Jinja2 (which raises the usual error).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes

_PER_ITEM = ("item", "item_id")
_CAPTURING = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock,
              nodes.EvalContextModifier)
"""Nodes whose body's output is captured or escaped rather than written as it is."""
_MISSING = object()


@dataclass(frozen=True)
class Splice:
    """A template's output for one order, cut at the item values it prints.

    Attributes:
        parts: Constant text: one more than ``slots``.
        slots: What goes between two parts: an item field's name, or None for the item id.

    """

    parts: tuple[str, ...]
    slots: tuple[str | None, ...]

    def fill(self, view: Mapping[str, Any], item_id: str) -> str | None:
        """The rendered (stripped) prompt, or None when ``view`` lacks a printed field."""
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            value = item_id if slot is None else view.get(slot, _MISSING)
            if value is _MISSING:
                return None
            out.append(str(value))
            out.append(part)
        return "".join(out).strip()


def printed_fields(template: jinja2.Template) -> tuple[str, ...] | None:
    """The item fields ``template`` prints, or None when it does not qualify (see module)."""
    env, fields = template.environment, set[str]()
    todo, seen = [template.name], set[str]()
    while todo:
        name = todo.pop()
        if name is None or env.loader is None:
            return None
        if name in seen:
            continue
        seen.add(name)
        try:
            tree = env.parse(env.loader.get_source(env, name)[0])
        except jinja2.TemplateError:
            return None
        for field in _uses(tree, ()):
            if field is _MISSING:
                return None
            if field:
                fields.add(str(field))
        todo += list(meta.find_referenced_templates(tree))
    return tuple(sorted(fields))


def _uses(node: nodes.Node, parents: tuple[nodes.Node, ...]) -> Iterator[object]:
    """Each field printed as ``{{ item.FIELD }}`` (``""`` for ``item_id``); _MISSING if not so."""
    if isinstance(node, nodes.Name) and node.name in _PER_ITEM:
        yield _printed(node, parents)
        return
    if isinstance(node, nodes.EvalContextModifier | nodes.ScopedEvalContextModifier):
        yield _MISSING
        return
    for child in node.iter_child_nodes():
        yield from _uses(child, (*parents, node))


def _printed(name: nodes.Name, parents: tuple[nodes.Node, ...]) -> object:
    """The field a per-item name prints, or _MISSING when it is used any other way."""
    if any(isinstance(p, _CAPTURING) for p in parents) or name.ctx != "load":
        return _MISSING
    if name.name == "item_id":
        return "" if parents and isinstance(parents[-1], nodes.Output) else _MISSING
    if len(parents) < 2 or not isinstance(parents[-2], nodes.Output):
        return _MISSING
    attr = parents[-1]
    if (not isinstance(attr, nodes.Getattr) or attr.ctx != "load"
            or not attr.attr or attr.attr.startswith("_") or hasattr({}, attr.attr)):
        return _MISSING
    return attr.attr


def splice(template: jinja2.Template, fields: tuple[str, ...],
           context: Mapping[str, Any]) -> Splice | None:
    """Render ``template`` once with placeholders for the item; None if that fails.

    Args:
        template: A template :func:`printed_fields` accepted.
        fields: What :func:`printed_fields` returned.
        context: The render's variables but the item's (shared ones and ``order``).

    """
    token = secrets.token_hex(8)
    marks = {f"\x00{token}{i}\x00": f for i, f in enumerate(fields)}
    id_mark = f"\x00{token}id\x00"
    view = {f: m for m, f in marks.items()}
    try:
        text = template.render({**context, "item": view, "item_id": id_mark})
    except jinja2.TemplateError:
        return None
    pieces = text.split(f"\x00{token}")
    parts, slots = [pieces[0]], list[str | None]()
    for piece in pieces[1:]:
        head, sep, rest = piece.partition("\x00")
        if not sep:
            return None
        slots.append(None if head == "id" else fields[int(head)])
        parts.append(rest)
    return Splice(tuple(parts), tuple(slots))
