"""judgekit: AI-feedback (RLAIF) evaluation, cross-checked against human experts.

The whole public API lives in this flat namespace; modules starting with ``_`` are private.
"""

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
from judgekit._types import Completion, Item, Label, Message, Request, Sampling, Verdict
from judgekit._version import __version__
from judgekit.auditing._audit import AuditReport, audit
from judgekit.auditing._io import LabelColumns
from judgekit.backends._contract import Backend, make_backend
from judgekit.backends._model import ensure_embedded_model
from judgekit.backends.fake import FakeBackend
from judgekit.backends.langchain import LangChainBackend
from judgekit.backends.openai import OpenAIBackend
from judgekit.backends.vllm import VLLMBackend
from judgekit.builtin.codeexec import ExecLimits, exec_checker, extract_code, run_code_tests
from judgekit.content._check import CheckResult, check
from judgekit.content._checkers import Checker
from judgekit.content._domains import Domain, DomainInfo, discover, get_domain
from judgekit.content._scaffold import new_domain
from judgekit.content._schema import Constitution, Criterion, Principle, Rubric, Suite
from judgekit.content._suite import LoadedSuite, load_suite
from judgekit.run._aggregate import ItemVerdict, combine_orders, item_verdicts, panel
from judgekit.run._dpo import PreferenceStats, export_preferences, preference_records
from judgekit.run._export import export_jsonl, open_store
from judgekit.run._parse import parse
from judgekit.run._reparse import ReparseSummary, reparse
from judgekit.run._runner import RunSummary, read_manifest, run_suite
from judgekit.run._store import Store

__all__ = [
    "AuditReport",
    "Backend",
    "BackendError",
    "CheckResult",
    "Checker",
    "Completion",
    "Constitution",
    "ContentError",
    "Criterion",
    "DataUnavailable",
    "Domain",
    "DomainInfo",
    "DomainNotFound",
    "ExecLimits",
    "FakeBackend",
    "Item",
    "ItemVerdict",
    "JudgekitError",
    "Label",
    "LabelColumns",
    "LangChainBackend",
    "LoadedSuite",
    "Message",
    "OpenAIBackend",
    "PluginError",
    "PreferenceStats",
    "Principle",
    "ReferenceNotFound",
    "ReparseSummary",
    "Request",
    "Rubric",
    "RunError",
    "RunSummary",
    "Sampling",
    "Store",
    "Suite",
    "TemplateError",
    "VLLMBackend",
    "Verdict",
    "__version__",
    "audit",
    "check",
    "combine_orders",
    "discover",
    "ensure_embedded_model",
    "exec_checker",
    "export_jsonl",
    "export_preferences",
    "extract_code",
    "get_domain",
    "item_verdicts",
    "load_suite",
    "make_backend",
    "new_domain",
    "open_store",
    "panel",
    "parse",
    "preference_records",
    "read_manifest",
    "reparse",
    "run_code_tests",
    "run_suite",
]
