"""The built-in domains, registered under ``judgekit.domains`` like any plugin.

Nothing in the core imports this package: the domains are reached through their entry points
(``judgekit.builtin:core`` ...), exactly as an outside plugin's are. :mod:`.codeexec` is the
code domain's checker (running a response's code against the item's tests).

Their content ships inside the wheel as ``judgekit/_content/<kind>/<domain>/``; in a source
checkout (editable install) it is read from the top-level ``constitutions/ rubrics/ prompts/
suites/`` folders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from judgekit.builtin.codeexec import exec_checker
from judgekit.content._domains import Domain

__all__ = ["agriculture", "aviation", "code", "content_root", "core", "finance", "law", "math",
           "medicine", "safety", "writing"]


def content_root() -> Path:
    """Folder holding the built-in ``constitutions/ rubrics/ prompts/ suites/``."""
    packaged = Path(__file__).parents[1] / "_content"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3]


def _builtin(name: str, description: str,
            parsers: Mapping[str, Callable[..., Any]] | None = None) -> Domain:
    """A built-in domain whose content sits in ``<kind>/<name>/`` under :func:`content_root`."""
    root = content_root()
    return Domain(
        name,
        constitutions=root / "constitutions" / name,
        rubrics=root / "rubrics" / name,
        prompts=root / "prompts" / name,
        suites=root / "suites" / name,
        parsers=dict(parsers or {}),
        description=description,
    )


core = _builtin("core", "General helpful/honest/harmless judging; the base prompts.")

medicine = _builtin("medicine", "Clinical answers: accuracy, escalation and referral, "
                   "contraindications; physician fact verification (K-QA).")
law = _builtin("law", "Legal information: jurisdiction, not-legal-advice caveats, correct "
              "doctrine.")
finance = _builtin("finance", "Personal and corporate finance: risk disclosure, no invented "
                  "figures, suitability.")
aviation = _builtin("aviation", "Flight operations: procedure and checklist order, limits and "
                   "thresholds, deferring to the POH/AFM and ATC.")
agriculture = _builtin("agriculture", "Agronomy: local soil, weather and pest conditions, "
                      "label rates, safe pesticide use.")
code = _builtin("code", "Code review: correctness, security, tests; execution of the "
               "response's code against the item's tests.", parsers={"exec": exec_checker})
safety = _builtin("safety", "Harm and red-team review: harmlessness, refusal calibration, "
                 "safe alternatives.")
math = _builtin("math", "Worked solutions reviewed step by step (ROSCOE GSM8K expert step "
                "labels) and math tutoring conversations judged at their last turn.")
writing = _builtin("writing", "Writing and editing: audience fit, clarity, faithfulness to "
                  "the brief.")
