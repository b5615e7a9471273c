"""``judgekit new-domain``: write a domain plugin package from the templates in ``_templates``.

The templates live under ``_templates/scaffold/`` as ``*.tmpl`` files; ``PKG`` in a path
becomes the package name, and ``$name``, ``$pkg`` and ``$title`` inside a file are filled in
(``string.Template``: Jinja2 syntax in the prompt templates passes through untouched).

Extras (``--with step-review``) add the files of ``_templates/scaffold-<extra>/``, laid out
the same way: a task type's rubric, prompt, suite, items and test. A new extra is a new
folder; :func:`extras` lists them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from judgekit._errors import ContentError
from judgekit.content._domains import discover

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SUFFIX = ".tmpl"


def _templates(extra: str | None = None) -> Traversable:
    base = resources.files("judgekit.content") / "_templates"
    return base / ("scaffold" if extra is None else f"scaffold-{extra}")


def extras() -> list[str]:
    """The extras ``new_domain`` can add (``step-review``...)."""
    base = resources.files("judgekit.content") / "_templates"
    return sorted(e.name.removeprefix("scaffold-") for e in base.iterdir()
                  if e.is_dir() and e.name.startswith("scaffold-"))


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                             Traversable]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _walk(entry, (*prefix, entry.name))
        elif entry.name.endswith(SUFFIX):
            found.append(((*prefix, entry.name.removesuffix(SUFFIX)), entry))
    return found


def new_domain(name: str, target: Path | None = None, *,
               extra: Sequence[str] = ()) -> list[Path]:
    """Write a plugin package for domain ``name`` into ``target`` (default ``./judgekit-NAME``).

    Args:
        name: The domain name.
        target: The folder to create.
        extra: Task types to add besides the pairwise sample (see :func:`extras`), e.g.
            ``step-review``: a step rubric, prompt and suite.

    Returns:
        The files written, in order.

    Raises:
        ContentError: The name is not a valid domain name, is already installed, an extra is
            unknown, or the target folder exists and is not empty.

    """
    unknown = sorted(set(extra) - set(extras()))
    if unknown:
        raise ContentError(None, f"unknown extra(s) {unknown}",
                           fix=f"choose from {', '.join(extras())}")
    if not NAME.match(name):
        raise ContentError(None, f"invalid domain name {name!r}",
                           fix="use lowercase letters, digits and '_', starting with a letter "
                           "(at most 40 characters)")
    if name in discover():
        raise ContentError(None, f"a domain named {name!r} is already installed",
                           fix="choose another name (see `judgekit domains`)")
    target = Path(target) if target is not None else Path(f"judgekit-{name}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ContentError(target, "target exists and is not an empty folder",
                           fix="choose another --dir, or remove it first")
    pkg = f"judgekit_{name}"
    values = {"name": name, "pkg": pkg, "title": name.replace("_", " ").capitalize()}
    written = []
    for parts, source in [f for x in (None, *dict.fromkeys(extra)) for f in _walk(_templates(x))]:
        path = target.joinpath(*(p.replace("PKG", pkg) for p in parts))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text(encoding="utf-8")).substitute(values),
                        encoding="utf-8")
        written.append(path)
    return written
