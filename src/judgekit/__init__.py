"""judgekit: AI-feedback (RLAIF) evaluation, cross-checked against human experts.

The flat API below is what a user writing Python needs: load a suite, make a judge, run,
open a run, audit it, export it; the result types; the plugin contract; the error tree.
Everything else is importable from the subpackage that owns it, which read in the order of
the data flow: :mod:`judgekit.content` (suites, rubrics, prompts) -> :mod:`judgekit.backends`
(judges) -> :mod:`judgekit.run` (labels in a run directory) -> :mod:`judgekit.auditing`
(agreement with human gold) -> :mod:`judgekit.cli`; :mod:`judgekit.builtin` holds the
built-in domains, a plugin like any other. See ``docs/python-api.md``.

The errors, the plain types and the version load with the package; every other name loads its
subpackage on first use (PEP 562), so ``import judgekit`` and the command line start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judgekit._errors import (
    BackendError,
    ContentError,
    DataUnavailable,
    DomainNotFound,
    JudgekitError,
    PluginError,
    ReferenceNotFound,
    RunError,
    TemplateError,
)
from judgekit._lazy import lazy_names
from judgekit._types import Completion, Item, Label, Request
from judgekit._version import __version__

if TYPE_CHECKING:
    from judgekit.auditing import AuditReport, audit
    from judgekit.backends import Backend, make_backend
    from judgekit.content import (
        Checker,
        CheckResult,
        Domain,
        LoadedSuite,
        check,
        get_domain,
        load_suite,
    )
    from judgekit.run import Run, RunSummary, export, open_run, reparse, run_suite

_LAZY = {
    "judgekit.auditing": ("AuditReport", "audit"),
    "judgekit.backends": ("Backend", "make_backend"),
    "judgekit.content": ("CheckResult", "Checker", "Domain", "LoadedSuite", "check",
                         "get_domain", "load_suite"),
    "judgekit.run": ("Run", "RunSummary", "export", "open_run", "reparse", "run_suite"),
}
__getattr__, __dir__ = lazy_names(__name__, _LAZY)

__all__ = [
    "AuditReport",
    "Backend",
    "BackendError",
    "CheckResult",
    "Checker",
    "Completion",
    "ContentError",
    "DataUnavailable",
    "Domain",
    "DomainNotFound",
    "Item",
    "JudgekitError",
    "Label",
    "LoadedSuite",
    "PluginError",
    "ReferenceNotFound",
    "Request",
    "Run",
    "RunError",
    "RunSummary",
    "TemplateError",
    "__version__",
    "audit",
    "check",
    "export",
    "get_domain",
    "load_suite",
    "make_backend",
    "open_run",
    "reparse",
    "run_suite",
]
