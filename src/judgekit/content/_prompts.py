"""Prompt templates: the sandboxed Jinja2 environment, its domain loader, compiled prompts.

Templates are found by ``domain/prompt/file.j2`` names across all installed domains, so a
domain's prompt may ``{% extends "core/pairwise/user.j2" %}``. A compiled prompt
(:class:`PromptPair`) pickles by name and is compiled again where it is unpickled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from judgekit._errors import DomainNotFound, TemplateError
from judgekit.content._domains import get_domain


class _DomainLoader(jinja2.BaseLoader):
    """Load ``domain/rest/of/path.j2`` from that domain's prompts folder."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        dom_name, _, rest = template.partition("/")
        try:
            folder = get_domain(dom_name).prompts
        except DomainNotFound:
            raise jinja2.TemplateNotFound(template) from None
        path = folder / rest
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        mtime = path.stat().st_mtime
        try:
            source = path.read_text(encoding="utf-8").removeprefix("\ufeff")  # Excel, Notepad
        except UnicodeDecodeError:
            raise TemplateError(path, "template is not valid UTF-8",
                                fix="re-save it as UTF-8") from None
        return source, str(path), lambda: path.stat().st_mtime == mtime


def environment() -> jinja2.Environment:
    """The sandboxed, StrictUndefined Jinja2 environment every prompt renders in."""
    env = ImmutableSandboxedEnvironment(
        loader=_DomainLoader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@dataclass(frozen=True)
class PromptPair:
    """The compiled ``system.j2`` and ``user.j2`` of one prompt folder.

    It pickles as its name and the digest of its template files, and is compiled again
    where it is unpickled (a worker process): a template file changed meanwhile is an error
    there, never a different prompt.
    """

    name: str
    system: jinja2.Template
    user: jinja2.Template

    def __reduce__(self) -> tuple[Any, ...]:
        return _recompile, (self.name, _digest(self))


def _digest(pair: PromptPair) -> str:
    """sha256 over every template file the pair pulls in, in name order."""
    env = pair.user.environment
    files = template_files(env, [t.name for t in (pair.system, pair.user) if t.name])
    h = hashlib.sha256()
    for name in sorted(files):
        data = files[name].read_bytes()
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _recompile(name: str, digest: str) -> PromptPair:
    """A pickled :class:`PromptPair` compiled again; its files must not have changed."""
    domain, _, prompt = name.partition("/")
    pair = compile_prompt(environment(), domain, prompt)
    if _digest(pair) != digest:
        raise TemplateError(pair.user.filename or f"{name}/user.j2", "a template of this "
                            "prompt changed while the run was starting",
                            fix="run again (and edit templates between runs, not during one)")
    return pair


def compile_prompt(env: jinja2.Environment, domain: str, name: str) -> PromptPair:
    """Compile ``<domain>/<name>/{system,user}.j2``; errors name the file and line."""
    templates = []
    for role in ("system", "user"):
        tname = f"{domain}/{name}/{role}.j2"
        try:
            templates.append(env.get_template(tname))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(exc.filename or tname, f"template syntax error: {exc.message}",
                                where=f"line {exc.lineno}", fix="fix the Jinja2 syntax") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(tname, f"template {exc.name!r} not found",
                                fix=f"create {role}.j2 in the prompt folder, or fix the "
                                "'{% extends %}'/'{% include %}' name") from None
    return PromptPair(f"{domain}/{name}", templates[0], templates[1])


def template_files(env: jinja2.Environment, names: Sequence[str]) -> dict[str, Path]:
    """Every template file the named templates pull in (``extends``/``include``), recursively.

    Names built at render time (not string constants) cannot be followed and are left out.
    """
    found: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found or env.loader is None:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue
        found[name] = Path(filename or name)
        try:
            todo += [n for n in meta.find_referenced_templates(env.parse(source)) if n]
        except jinja2.TemplateSyntaxError:
            continue
    return found
