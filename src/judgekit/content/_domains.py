"""Domain plugins: the ``Domain`` value, entry-point discovery, and ``domain/name`` references.

A domain is a distribution exposing one :class:`Domain` under the entry-point group
``judgekit.domains``. Entry points are *listed* eagerly (cheap metadata) but *loaded* only when
a domain is named, so a broken plugin fails only when used and never takes down the others.
The built-in domains are registered the same way.

Why four folder paths instead of DESIGN.md's single ``root``: the built-in content lives in the
top-level ``constitutions/ rubrics/ prompts/ suites/`` folders (one sub-folder per domain), as
the project's design card asks; :meth:`Domain.at` gives plugins the one-root layout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from judgekit._errors import DomainNotFound, PluginError, ReferenceNotFound

GROUP = "judgekit.domains"
KINDS = ("constitutions", "rubrics", "prompts", "suites")


@dataclass(frozen=True)
class Domain:
    """A content plugin: where its constitutions, rubrics, prompts and suites live.

    Attributes:
        name: Domain name; references look like ``name/thing``.
        constitutions: Folder of ``*.yaml`` constitutions.
        rubrics: Folder of ``*.yaml`` rubrics.
        prompts: Folder of prompt folders, each holding ``system.j2`` and ``user.j2``.
        suites: Folder of ``*.yaml`` suites (items files may sit beside them).
        parsers: Optional named Python hooks (e.g. a code-execution checker) keyed by name.
        description: One line for ``judgekit domains``.

    """

    name: str
    constitutions: Path
    rubrics: Path
    prompts: Path
    suites: Path
    parsers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    description: str = ""

    @classmethod
    def at(cls, name: str, root: Path, **kwargs: Any) -> Domain:
        """A domain whose four folders sit directly under ``root``."""
        root = Path(root)
        return cls(name, root / "constitutions", root / "rubrics", root / "prompts",
                   root / "suites", **kwargs)

    def folder(self, kind: str) -> Path:
        """Return the folder for ``kind`` (one of :data:`KINDS`)."""
        path: Path = getattr(self, kind)
        return path

    def names(self, kind: str) -> list[str]:
        """Names of the constitutions/rubrics/suites (``*.yaml``) or prompts (folders)."""
        folder = self.folder(kind)
        if not folder.is_dir():
            return []
        if kind == "prompts":
            return sorted(p.name for p in folder.iterdir() if (p / "user.j2").is_file())
        return sorted(p.stem for p in folder.glob("*.yaml"))


@dataclass(frozen=True)
class DomainInfo:
    """What ``judgekit domains`` shows without loading anything: name and distribution."""

    name: str
    distribution: str
    version: str
    target: str


def discover() -> dict[str, DomainInfo]:
    """List installed domains from entry-point metadata, without importing them."""
    found: dict[str, DomainInfo] = {}
    for ep in metadata.entry_points(group=GROUP):
        dist = ep.dist
        found.setdefault(
            ep.name,
            DomainInfo(
                name=ep.name,
                distribution=dist.metadata["Name"] if dist else "?",
                version=dist.version if dist else "?",
                target=ep.value,
            ),
        )
    return dict(sorted(found.items()))


@cache
def get_domain(name: str) -> Domain:
    """Load one domain by name (cached).

    Raises:
        DomainNotFound: No installed distribution provides it.
        PluginError: The plugin failed to import or does not expose a ``Domain``.

    """
    eps = [ep for ep in metadata.entry_points(group=GROUP) if ep.name == name]
    if not eps:
        known = ", ".join(discover()) or "none"
        raise DomainNotFound(f"no domain named {name!r} is installed (installed: {known})")
    ep = eps[0]
    dist = ep.dist.metadata["Name"] if ep.dist else "?"
    try:
        value = ep.load()
    except Exception as exc:  # a plugin may fail in any way; we name it and carry on
        raise PluginError(
            f"domain {name!r} from distribution {dist!r} failed to load "
            f"({ep.value}): {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(value, Domain):
        raise PluginError(
            f"domain {name!r} from distribution {dist!r}: {ep.value} is a "
            f"{type(value).__name__}, not a judgekit.Domain"
        )
    if value.name != name:
        raise PluginError(
            f"domain {name!r} from distribution {dist!r}: its Domain is named {value.name!r}; "
            "the entry-point name and Domain.name must match"
        )
    return value


def resolve(ref: str, kind: str, home: str, *, origin: Path | None = None) -> tuple[Domain, Path]:
    """Resolve a ``name`` or ``domain/name`` reference to its file (or prompt folder).

    A bare name is looked up in ``home`` (the referring suite's domain), then in ``core``.

    Raises:
        ReferenceNotFound: Nothing by that name; the message lists what exists.

    """
    singular = kind.rstrip("s")
    if "/" in ref:
        dom_name, _, name = ref.partition("/")
        candidates = [dom_name]
    else:
        name = ref
        candidates = [home] if home == "core" else [home, "core"]
    for dom_name in candidates:
        try:
            dom = get_domain(dom_name)
        except DomainNotFound:
            continue
        path = dom.folder(kind) / (name if kind == "prompts" else f"{name}.yaml")
        if path.exists():
            return dom, path
    available = []
    for dom_name in candidates:
        try:
            available += [f"{dom_name}/{n}" for n in get_domain(dom_name).names(kind)]
        except DomainNotFound:
            pass
    raise ReferenceNotFound(
        origin,
        f"{singular} {ref!r} not found (looked in: {', '.join(candidates)})",
        where=f"field '{singular}'",
        fix=f"use one of: {', '.join(available) or 'none installed'}",
    )
