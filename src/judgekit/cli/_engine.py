"""``judgekit run --engine-option KEY=VALUE``: vLLM engine settings from the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from judgekit._errors import JudgekitError

ENGINE_KINDS = ("vllm", "embedded")
"""Judge kinds that run a vLLM engine in judgekit's process (or in a Ray actor)."""


def engine_options(pairs: Sequence[str], specs: Sequence[str]) -> dict[str, Any]:
    """The vLLM judges' options that ``--engine-option KEY=VALUE`` pairs ask for.

    A key judgekit's vLLM backend takes itself (``max_model_len``, ``kv_cache_gib``,
    ``block_size``, ``enforce_eager``, ``prefix_caching``, ``seed``) is passed by name; any
    other key (``tensor_parallel_size``, ``gpu_memory_utilization``, ``max_num_seqs``...) goes
    to ``vllm.LLM`` through ``engine_options``. A value is read as JSON when it is JSON (``2``,
    ``0.9``, ``true``, ``{"a": 1}``), else kept as text.

    Args:
        pairs: The ``KEY=VALUE`` texts, in order (a key given twice: the last wins).
        specs: The run's judge specs.

    Raises:
        JudgekitError: A pair without ``=`` or key, or options without a vLLM judge.

    """
    if not pairs:
        return {}
    if not any(s.split(":")[0] in ENGINE_KINDS for s in specs):
        raise JudgekitError(f"--engine-option applies to vllm: and embedded judges; this run's "
                            f"judges are {list(specs)}")
    from judgekit.backends.vllm import ENGINE_OPTIONS

    own: dict[str, Any] = {}
    engine: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise JudgekitError(f"--engine-option {pair!r} is not KEY=VALUE; write e.g. "
                                "--engine-option tensor_parallel_size=2")
        (own if key in ENGINE_OPTIONS - {"engine_options"} else engine)[key] = _value(text)
    return {**own, **({"engine_options": engine} if engine else {})}


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
