"""The judgekit error tree: every error a user can meet, and where it points.

::

    JudgekitError
    ├── ContentError (ValueError)        bad file a user wrote: names file, line/field, fix
    │   ├── ReferenceNotFound            a `domain/name` reference that resolves to nothing
    │   ├── TemplateError                a prompt that fails to compile or render
    │   └── DataUnavailable              an items/gold file that is not on this machine
    ├── PluginError (RuntimeError)       a domain plugin that fails to load (names distribution)
    │   └── DomainNotFound (LookupError) no domain of that name is installed
    ├── BackendError (RuntimeError)      a judge model that cannot be reached or configured
    └── RunError (RuntimeError)          a run directory that cannot be used (locked, mismatched)

Parse failures of a judge's output are *not* exceptions: they are an explicit ``error``
field on the label, counted in the run summary.
"""

from __future__ import annotations

from pathlib import Path


class JudgekitError(Exception):
    """Base of every error judgekit raises on purpose."""


class ContentError(JudgekitError, ValueError):
    """A content file (YAML, Jinja2, items, gold) is wrong.

    Attributes:
        path: The file at fault.
        where: Line (``"line 12"``) or field (``"criteria[0].levels"``) at fault, if known.
        problem: What is wrong.
        fix: What the user should do about it.

    """

    def __init__(
        self,
        path: Path | str | None,
        problem: str,
        *,
        where: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        head = str(self.path) if self.path is not None else "<input>"
        if self.where:
            head += f", {self.where}"
        text = f"{head}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class ReferenceNotFound(ContentError):
    """A ``domain/name`` reference (rubric, constitution, prompt, suite) resolves to nothing."""


class TemplateError(ContentError):
    """A Jinja2 prompt template fails to compile or to render."""


class DataUnavailable(ContentError):
    """An items or gold file is absent on this machine (e.g. ``../shared/gold`` not mounted).

    ``judgekit check`` reports such suites as skipped, not failed.
    """


class PluginError(JudgekitError, RuntimeError):
    """A domain plugin failed to load; the message names its distribution and the cause."""


class DomainNotFound(PluginError, LookupError):
    """No installed domain has the requested name."""


class BackendError(JudgekitError, RuntimeError):
    """A judge backend cannot be built, reached, or returned an unusable transport response."""


class RunError(JudgekitError, RuntimeError):
    """A run directory cannot be used as asked (e.g. it holds a run of another suite)."""
