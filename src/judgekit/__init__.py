"""judgekit: AI-feedback (RLAIF) evaluation, cross-checked against human experts.

The whole public API lives in this flat namespace; modules starting with ``_`` are private.
"""

from judgekit._aggregate import ItemVerdict, combine_orders, item_verdicts, panel
from judgekit._audit import AuditReport, audit
from judgekit._audit_io import LabelColumns
from judgekit._backend import Backend, make_backend
from judgekit._backends.fake import FakeBackend
from judgekit._backends.langchain import LangChainBackend
from judgekit._backends.openai import OpenAIBackend
from judgekit._backends.vllm import VLLMBackend
from judgekit._check import CheckResult, check
from judgekit._checkers import Checker
from judgekit._codeexec import ExecLimits, exec_checker, extract_code, run_code_tests
from judgekit._domains import Domain, DomainInfo, discover, get_domain
from judgekit._dpo import PreferenceStats, export_preferences, preference_records
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
from judgekit._export import export_jsonl, open_store
from judgekit._model import ensure_embedded_model
from judgekit._parse import parse
from judgekit._reparse import ReparseSummary, reparse
from judgekit._run import RunSummary, read_manifest, run_suite
from judgekit._scaffold import new_domain
from judgekit._schema import Constitution, Criterion, Principle, Rubric, Suite
from judgekit._store import Store
from judgekit._suite import LoadedSuite, load_suite
from judgekit._types import Completion, Item, Label, Message, Request, Sampling, Verdict
from judgekit._version import __version__

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
