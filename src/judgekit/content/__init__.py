"""What users write, checked and rendered: constitutions, rubrics, prompts, suites, domains.

Data flow: files (:mod:`._files`) -> validated schema (:mod:`._schema`) -> a suite resolved
through its domain (:mod:`._domains`, :mod:`._suite`) -> judge prompts (:mod:`._render`).
"""

from judgekit.content._check import CheckResult, check
from judgekit.content._checkers import Checker
from judgekit.content._domains import Domain, DomainInfo, discover, get_domain
from judgekit.content._files import read_rows
from judgekit.content._scaffold import new_domain
from judgekit.content._schema import Constitution, Criterion, Principle, Rubric, Suite
from judgekit.content._suite import LoadedSuite, load_suite

__all__ = [
    "CheckResult",
    "Checker",
    "Constitution",
    "Criterion",
    "Domain",
    "DomainInfo",
    "LoadedSuite",
    "Principle",
    "Rubric",
    "Suite",
    "check",
    "discover",
    "get_domain",
    "load_suite",
    "new_domain",
    "read_rows",
]
