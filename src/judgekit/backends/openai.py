"""The HTTP judge: ``openai:MODEL`` on any OpenAI-compatible server, first of all vLLM's.

Each request is one ``POST {base_url}/chat/completions`` with ``logprobs`` and
``top_logprobs``; the label space is passed to the server as vLLM's structured-output
extension (``structured_outputs: {"choice": labels}``) in verdict mode and as a standard
``response_format`` JSON schema in rationale mode. Servers that reject vLLM's extension
(OpenAI's own API) take ``structured_outputs=False``: the verdict is then read from the label
tokens' logprobs, or from the exact label text.

Requests of one ``complete`` call run on a bounded thread pool (``concurrency``). Transport
errors (connect, read, timeouts), HTTP 429 and 5xx are retried with exponential backoff, at
most ``max_attempts`` times in all; any other HTTP status is not retried. A request that still
fails becomes ``Completion(error=...)``: the run stores an explicit error, and a resumed run
judges it again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from judgekit._errors import BackendError
from judgekit._types import Completion, Request, Sampling
from judgekit.backends._shared import openai_logprobs, response_format


class RetryableStatus(Exception):
    """An HTTP 429 or 5xx answer (retried)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | RetryableStatus)


class OpenAIBackend:
    """A judge behind an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Args:
        model: Model name as the server knows it (vLLM: ``--served-model-name``).
        base_url: Server URL including ``/v1`` (e.g. ``http://127.0.0.1:8000/v1``).
        api_key: Bearer token; None sends none (a local vLLM needs none).
        concurrency: Requests in flight at once.
        max_attempts: Attempts per request, first one included (retries are bounded).
        backoff: First retry wait in seconds; doubles per attempt, capped at ``backoff_max``.
        backoff_max: Longest wait between attempts.
        timeout: Seconds allowed per HTTP request (connect, read, write each).
        structured_outputs: Send vLLM's ``structured_outputs`` choice constraint in verdict
            mode (set False for servers that reject unknown parameters).
        transport: An httpx transport (tests: ``httpx.MockTransport``).

    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key: str | None = None,
        concurrency: int = 8,
        max_attempts: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        timeout: float = 60.0,
        structured_outputs: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if concurrency < 1 or max_attempts < 1:
            raise BackendError("openai judge: concurrency and max_attempts must be >= 1")
        self._model = model
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.structured_outputs = structured_outputs
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency,
                                        thread_name_prefix="judgekit-openai")
        self.attempts = 0
        self._attempts_lock = threading.Lock()

    @property
    def model(self) -> str:
        """Model identity: ``openai:MODEL``."""
        return f"openai:{self._model}"

    def describe(self) -> dict[str, Any]:
        """Client parameters for the run manifest (never the API key)."""
        return {"kind": "openai", "base_url": self.base_url, "concurrency": self.concurrency,
                "max_attempts": self.max_attempts, "backoff": self.backoff,
                "timeout": self.timeout, "structured_outputs": self.structured_outputs}

    def body(self, request: Request) -> dict[str, Any]:
        """The JSON body of the chat-completions call for one request."""
        s: Sampling = request.sampling
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [m.to_dict() for m in request.messages],
            "max_tokens": s.max_tokens,
            "temperature": s.temperature,
        }
        if s.top_logprobs:
            body.update(logprobs=True, top_logprobs=s.top_logprobs)
        fmt = response_format(s)
        if fmt is not None:
            body["response_format"] = fmt
        elif self.structured_outputs:
            body["structured_outputs"] = {"choice": list(s.labels)}
        return body

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        """Judge a batch concurrently; failures come back as errored completions."""
        return list(self._pool.map(self._one, requests))

    def _one(self, request: Request) -> Completion:
        body = self.body(request)
        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential(multiplier=self.backoff, max=self.backoff_max),
            reraise=False,
        )
        try:
            data = retrying(self._post, body)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            return Completion(text="", error=f"openai: gave up after {self.max_attempts} "
                              f"attempts: {type(last).__name__}: {last}")
        except _Rejected as exc:
            return Completion(text="", error=f"openai: {exc}")
        except httpx.HTTPError as exc:  # not retried (e.g. an undecodable body): this request only
            return Completion(text="", error=f"openai: {type(exc).__name__}: {exc}")
        return parse_response(data)

    def _post(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self._attempts_lock:  # worker threads count concurrently
            self.attempts += 1
        response = self._client.post("/chat/completions", json=body)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableStatus(response.status_code, response.text)
        if response.status_code != 200:
            raise _Rejected(f"HTTP {response.status_code} (not retried): {response.text[:300]}")
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            raise _Rejected(f"server answered non-JSON: {response.text[:200]!r}") from exc
        return data

    def close(self) -> None:
        """Stop the worker threads and close the HTTP connections."""
        self._pool.shutdown(wait=True)
        self._client.close()


class _Rejected(Exception):
    """A non-retryable answer (4xx other than 429, or a malformed body)."""


def parse_response(data: Mapping[str, Any]) -> Completion:
    """Turn a chat-completions JSON answer into a :class:`Completion`."""
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        return Completion(text="", error=f"openai: response has no choices[0].message: "
                          f"{str(data)[:200]}")
    tokens, tops = openai_logprobs(choice.get("logprobs"))
    usage = data.get("usage") or {}
    prompt_tokens = usage.get("prompt_tokens")
    return Completion(text=text, tokens=tokens, top_logprobs=tops,
                      prompt_tokens=int(prompt_tokens) if prompt_tokens is not None else None)


_ALLOWED = {"base_url", "api_key", "concurrency", "max_attempts", "backoff", "backoff_max",
            "timeout", "structured_outputs", "transport"}


def from_spec(rest: str, **options: Any) -> OpenAIBackend:
    """Build from ``openai:MODEL``; ``base_url`` is required, the rest are optional.

    The API key is read from ``api_key`` or, when not given, ``OPENAI_API_KEY`` (a credential,
    not a default that changes behaviour).
    """
    if not rest:
        raise BackendError("judge 'openai:' needs the served model name: openai:MODEL")
    if not options.get("base_url"):
        raise BackendError(f"judge 'openai:{rest}' needs a server: pass --base-url "
                           "http://HOST:PORT/v1 (e.g. a vLLM server)")
    kept = {k: v for k, v in options.items() if k in _ALLOWED}
    kept.setdefault("api_key", os.environ.get("OPENAI_API_KEY"))
    return OpenAIBackend(rest, **kept)
