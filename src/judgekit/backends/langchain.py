"""The LangChain judge: ``langchain:PROVIDER:MODEL`` = any LangChain chat model.

The model is built with ``init_chat_model("PROVIDER:MODEL", temperature=0, ...)`` (keyword
options such as ``base_url`` or ``api_key`` go to the provider's class), or passed in ready
made (``LangChainBackend(chat_model)``). One ``complete`` is one ``model.batch`` call with
bounded concurrency; the provider's own client does its retries, and an exception that
survives them becomes ``Completion(error=...)`` for that request only.

Logprobs: requested (``logprobs=True, top_logprobs=k``) for providers whose LangChain class
returns them in ``response_metadata["logprobs"]`` (``openai``, ``azure_openai``; override
with ``logprobs=``). Without them the verdict must be exactly one label (``_parse`` never
guesses). ``structured_outputs=True`` additionally sends vLLM's choice constraint, for an
OpenAI-compatible vLLM server reached through ``ChatOpenAI``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from judgekit._errors import BackendError
from judgekit._types import Completion, Request
from judgekit.backends._shared import openai_logprobs, response_format

LOGPROB_PROVIDERS = frozenset({"openai", "azure_openai"})
"""Providers whose LangChain chat class returns OpenAI-style logprobs."""


class LangChainBackend:
    """A judge on a LangChain ``BaseChatModel``.

    Args:
        chat_model: The LangChain chat model.
        name: Model identity for cache keys (e.g. ``langchain:openai:gpt-4o-mini``).
        logprobs: Ask the provider for top logprobs.
        structured_outputs: Send vLLM's ``structured_outputs`` choice / a JSON-schema
            ``response_format`` (OpenAI-compatible providers only).
        concurrency: Requests in flight at once.

    """

    def __init__(self, chat_model: Any, *, name: str, logprobs: bool = False,
                 structured_outputs: bool = False, concurrency: int = 4) -> None:
        self.chat_model = chat_model
        self._name = name
        self.logprobs = logprobs
        self.structured_outputs = structured_outputs
        self.concurrency = concurrency

    @property
    def model(self) -> str:
        """Model identity: ``langchain:PROVIDER:MODEL``."""
        return self._name

    def describe(self) -> dict[str, Any]:
        """Parameters for the run manifest."""
        return {"kind": "langchain", "class": type(self.chat_model).__name__,
                "logprobs": self.logprobs, "structured_outputs": self.structured_outputs,
                "concurrency": self.concurrency}

    def call_options(self, request: Request) -> dict[str, Any]:
        """Per-call keyword arguments bound to the chat model for one request."""
        s = request.sampling
        # one token suffices when logprobs carry the verdict; text-only replies need room for
        # a whole label ("tie" is several tokens in many vocabularies)
        options: dict[str, Any] = {"max_tokens": s.max_tokens if self.logprobs
                                   else max(s.max_tokens, 16)}
        if self.logprobs and s.top_logprobs:
            options.update(logprobs=True, top_logprobs=s.top_logprobs)
        if self.structured_outputs:
            fmt = response_format(s)
            if fmt is not None:
                options["response_format"] = fmt
            else:
                options["extra_body"] = {"structured_outputs": {"choice": list(s.labels)}}
        return options

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        """Judge a batch with ``batch`` (one bound model per distinct set of call options)."""
        if not requests:
            return []
        groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
        for i, r in enumerate(requests):
            options = self.call_options(r)
            groups.setdefault(repr(sorted(options.items())), (options, []))[1].append(i)
        out: dict[int, Completion] = {}
        for options, indices in groups.values():
            runnable = self.chat_model.bind(**options)
            inputs = [[(m.role, m.content) for m in requests[i].messages] for i in indices]
            results = _batch(runnable, inputs, self.concurrency)
            for i, result in zip(indices, results, strict=True):
                out[i] = to_completion(result)
        return [out[i] for i in range(len(requests))]

    def close(self) -> None:
        """Nothing to release (the provider's client closes with the model)."""


def _batch(runnable: Any, inputs: list[Any], concurrency: int) -> list[Any]:
    """``runnable.batch`` with exceptions returned in place.

    Models whose ``batch`` ignores ``return_exceptions`` are retried input by input, so one
    failure never loses the rest.
    """
    try:
        return list(runnable.batch(inputs, config={"max_concurrency": concurrency},
                                   return_exceptions=True))
    except Exception:  # a provider that raised through batch(): isolate the failing inputs
        out: list[Any] = []
        for one in inputs:
            try:
                out.append(runnable.invoke(one))
            except Exception as exc:  # returned, becomes Completion(error=...)
                out.append(exc)
        return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content or []]
    return "".join(parts)


def to_completion(result: Any) -> Completion:
    """Turn an ``AIMessage`` (or the exception a batch returned) into a :class:`Completion`."""
    if isinstance(result, BaseException):
        return Completion(text="", error=f"langchain: {type(result).__name__}: {result}")
    meta = getattr(result, "response_metadata", None) or {}
    tokens, tops = openai_logprobs(meta.get("logprobs"))
    usage = getattr(result, "usage_metadata", None) or {}
    return Completion(text=_text(result.content), tokens=tokens, top_logprobs=tops,
                      prompt_tokens=usage.get("input_tokens"))


_OPTIONS = {"logprobs", "structured_outputs", "concurrency"}


def from_spec(rest: str, **options: Any) -> LangChainBackend:
    """Build from ``langchain:PROVIDER:MODEL`` with ``init_chat_model``.

    ``logprobs``, ``structured_outputs`` and ``concurrency`` configure judgekit's side; any
    other option (``base_url``, ``api_key``, ``max_retries``...) goes to the chat model class.
    """
    provider, _, model = rest.partition(":")
    if not provider or not model:
        raise BackendError(f"judge 'langchain:{rest}' must be langchain:PROVIDER:MODEL, "
                           "e.g. langchain:anthropic:claude-sonnet-4-5")
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise BackendError("langchain judges need judgekit[langchain]") from exc
    ours = {k: options.pop(k) for k in list(options) if k in _OPTIONS}
    options.pop("model_dir", None)
    ours.setdefault("logprobs", provider in LOGPROB_PROVIDERS)
    try:
        chat = init_chat_model(f"{provider}:{model}", temperature=0, **options)
    except ImportError as exc:
        raise BackendError(f"langchain provider {provider!r} needs its integration package "
                           f"({exc}), e.g. pip install langchain-{provider}") from exc
    except ValueError as exc:
        raise BackendError(f"langchain could not build {provider}:{model}: {exc}") from exc
    return LangChainBackend(chat, name=f"langchain:{rest}", **ours)
