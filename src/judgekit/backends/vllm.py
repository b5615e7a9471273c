"""The in-process vLLM judge: ``vllm:MODEL`` (a hub id or a local model directory).

This is the only judgekit module that imports vllm (its structured-output API was renamed in
2025; this file is where that is absorbed). One ``complete`` is one batched ``LLM.chat`` call:
the model's own chat template, greedy decoding, ``logprobs=top_logprobs``, and the verdict
constrained to the label space with structured outputs (``choice`` in verdict mode, a JSON
schema ``{"rationale", "verdict"}`` in rationale mode). Automatic prefix caching is on, so
the shared system message (constitution + rubric) is computed once for thousands of items.

On vLLM's CPU build the engine is configured with measured settings (block size 32, eager
mode) and, unless the caller already set them, two environment variables that the CPU engine
reads when it starts: ``VLLM_CPU_KVCACHE_SPACE`` (KV cache GiB, from ``kv_cache_gib``) and
``VLLM_CPU_OMP_THREADS_BIND`` (all cores this process may use; vLLM's default computes on one
thread). They configure the engine process only and change nothing else in judgekit.
Programs that create this backend must guard their entry point with
``if __name__ == "__main__":`` because vLLM starts its engine in a spawned process.

Message text never holds one of the tokenizer's special tokens (:class:`TokenGuard`): HF
tokenizers turn the text ``<|im_end|>`` inside a message into the real end-of-turn token, so
a response could fake a turn boundary. The chat template adds the real ones.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from judgekit._errors import BackendError
from judgekit._types import Completion, Request, Sampling
from judgekit.backends._quiet import quiet_engine
from judgekit.backends._shared import output_schema

log = logging.getLogger(__name__)

ENGINE_OPTIONS = frozenset({"max_model_len", "kv_cache_gib", "block_size", "enforce_eager",
                            "prefix_caching", "seed", "engine_options"})
"""Engine keyword options of :class:`VLLMBackend` that judge specs may pass."""

IGNORED_OPTIONS = frozenset({"base_url", "concurrency"})
"""Options callers pass to every judge that an in-process engine has no use for."""


_BROKEN = {"<": "\u2039", "[": "\u27e6"}
"""A special token loses its first character (``<`` -> ``‹``, ``[`` -> ``⟦``); any other
first character is followed by U+2060 WORD JOINER."""


class TokenGuard:
    """Breaks every spelling of a tokenizer's special tokens in message text.

    Args:
        tokens: The token strings to break (single characters and whitespace are ignored).

    """

    def __init__(self, tokens: Iterable[str]) -> None:
        words = {t for t in tokens if len(t) > 1 and not t.isspace()}
        self.tokens = tuple(sorted(words, key=lambda t: (-len(t), t)))
        self._pattern = re.compile("|".join(map(re.escape, self.tokens))) if words else None

    @classmethod
    def of(cls, tokenizer: Any) -> TokenGuard:
        """Guard a HF tokenizer's special tokens and its markup-like added tokens (``<think>``)."""
        tokens = {str(t) for t in getattr(tokenizer, "all_special_tokens", None) or ()}
        for added in (getattr(tokenizer, "added_tokens_decoder", None) or {}).values():
            text = str(getattr(added, "content", added))
            if getattr(added, "special", False) or any(c in text for c in "<>[]|"):
                tokens.add(text)
        return cls(tokens)

    def __call__(self, text: str) -> str:
        """``text`` with every special token broken (again where breaking one made another)."""
        for _ in range(8):  # one pass suffices unless tokens overlap; never loop forever
            if self._pattern is None or not self._pattern.search(text):
                break
            text = self._pattern.sub(_break, text)
        return text


def _break(match: re.Match[str]) -> str:
    token = match.group()
    head = _BROKEN.get(token[0], token[0] + "\u2060")
    return head + token[1:]


def chat_messages(request: Request, guard: TokenGuard) -> list[dict[str, str]]:
    """A request's messages for ``LLM.chat``, with the special tokens in their text broken."""
    return [{"role": m.role, "content": guard(m.content)} for m in request.messages]


def on_cpu() -> bool:
    """True when the installed vLLM is the CPU build (or finds no accelerator)."""
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


def _cpu_env(kv_cache_gib: float) -> dict[str, str]:
    cores = sorted(os.sched_getaffinity(0))
    bind = f"{cores[0]}-{cores[-1]}" if cores == list(range(cores[0], cores[-1] + 1)) else (
        ",".join(map(str, cores)))
    return {"VLLM_CPU_KVCACHE_SPACE": f"{kv_cache_gib:g}", "VLLM_CPU_OMP_THREADS_BIND": bind}


class VLLMBackend:
    """A judge running in this process on ``vllm.LLM``.

    Args:
        model: Hub id or local directory of the model.
        name: Model identity for cache keys (default ``vllm:MODEL``).
        dtype: Weights dtype passed to vLLM (``bfloat16`` on CPU).
        max_model_len: Context length; longer prompts become errored completions.
        kv_cache_gib: CPU build only: KV cache size in GiB.
        block_size: KV cache block size (CPU default 32: more of a shared prefix is cached).
        enforce_eager: Skip graph compilation (CPU default True: ~30 s load vs ~130 s).
        prefix_caching: Automatic prefix caching (on; turn off only to measure it).
        seed: Engine seed.
        engine_options: Any further ``vllm.LLM`` keyword arguments (e.g.
            ``gpu_memory_utilization``, ``tensor_parallel_size``).

    """

    def __init__(
        self,
        model: str,
        *,
        name: str | None = None,
        dtype: str = "auto",
        max_model_len: int | None = None,
        kv_cache_gib: float = 2.0,
        block_size: int | None = None,
        enforce_eager: bool | None = None,
        prefix_caching: bool = True,
        seed: int = 0,
        engine_options: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            with quiet_engine():
                from vllm import LLM
        except ImportError as exc:
            raise BackendError(f"the vllm judge needs vLLM ({exc}); install judgekit[vllm] on "
                               "a GPU machine or judgekit[cpu] for the CPU build") from exc
        self._model_path = model
        self._name = name or f"vllm:{model}"
        cpu = on_cpu()
        cpu_env = _cpu_env(kv_cache_gib) if cpu else {}
        for key, value in cpu_env.items():
            os.environ.setdefault(key, value)
        if cpu:
            block_size = block_size or 32
            enforce_eager = True if enforce_eager is None else enforce_eager
            dtype = "bfloat16" if dtype == "auto" else dtype
        options: dict[str, Any] = {
            "model": model,
            "dtype": dtype,
            "seed": seed,
            "enable_prefix_caching": prefix_caching,
            "enforce_eager": bool(enforce_eager),
            "structured_outputs_config": {"backend": "xgrammar",
                                          "disable_any_whitespace": True},
        }
        if block_size:
            options["block_size"] = block_size
        if max_model_len:
            options["max_model_len"] = max_model_len
        options.update(engine_options or {})
        self._describe = {"kind": "vllm", "cpu": cpu,
                          **{k: v for k, v in options.items() if k != "model"},
                          "model_path": model}
        if cpu:
            self._describe["cpu_env"] = {k: os.environ[k] for k in cpu_env}
        try:
            with quiet_engine():
                self.llm = LLM(**options)
        except Exception as exc:  # vLLM raises many types; one clear message for all
            raise BackendError(f"vLLM could not load {model!r}: {exc}") from exc
        try:
            self.tokenizer = self.llm.get_tokenizer()
            self.guard = TokenGuard.of(self.tokenizer)
        except BaseException:
            self.close()  # the engine is up: never leak it
            raise

    @property
    def model(self) -> str:
        """Model identity (``vllm:MODEL`` unless named otherwise)."""
        return self._name

    def describe(self) -> dict[str, Any]:
        """Engine parameters for the run manifest."""
        return dict(self._describe)

    def sampling_params(self, sampling: Sampling) -> Any:
        """The ``vllm.SamplingParams`` for one judgekit :class:`Sampling`."""
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        schema = output_schema(sampling)
        if schema is not None:
            constraint = StructuredOutputsParams(json=schema[1])
        else:
            constraint = StructuredOutputsParams(choice=list(sampling.labels))
        return SamplingParams(
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            logprobs=sampling.top_logprobs or None,
            structured_outputs=constraint,
        )

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        """Judge a batch in one ``LLM.chat`` call; a failing batch is retried one by one."""
        if not requests:
            return []
        try:
            return self._chat(requests)
        except Exception as exc:  # e.g. one prompt over max_model_len fails the whole batch
            if len(requests) == 1:
                return [Completion(text="", error=f"vllm: {type(exc).__name__}: {exc}")]
            log.warning("vLLM batch of %d failed (%s); judging one by one", len(requests), exc)
            return [c for r in requests for c in self.complete([r])]

    def _chat(self, requests: Sequence[Request]) -> list[Completion]:
        conversations = [chat_messages(r, self.guard) for r in requests]
        params = [self.sampling_params(r.sampling) for r in requests]
        outputs = self.llm.chat(conversations, params, use_tqdm=False)  # type: ignore[arg-type]
        return [self._completion(o) for o in outputs]

    def _completion(self, output: Any) -> Completion:
        gen = output.outputs[0]
        tokens: list[str] = []
        tops: list[dict[str, float]] = []
        for token_id, alternatives in zip(gen.token_ids, gen.logprobs or (), strict=False):
            tokens.append(self._token_text(token_id, alternatives.get(token_id)))
            tops.append(self._top(alternatives))
        return Completion(
            text=gen.text,
            tokens=tuple(tokens),
            top_logprobs=tuple(tops),
            prompt_tokens=len(output.prompt_token_ids or ()),
        )

    def _token_text(self, token_id: int, entry: Any) -> str:
        """A token's text: vLLM's decoded form when it has one, else the tokenizer's."""
        if entry is not None and entry.decoded_token is not None:
            return str(entry.decoded_token)
        return str(self.tokenizer.decode([token_id]))

    def _top(self, alternatives: Mapping[int, Any]) -> dict[str, float]:
        """``token string -> logprob``; tokens that decode alike are merged (log-sum-exp)."""
        out: dict[str, float] = {}
        for token_id, entry in alternatives.items():
            lp = float(entry.logprob)
            if not math.isfinite(lp):
                continue
            text = self._token_text(token_id, entry)
            if text in out:
                hi, lo = max(out[text], lp), min(out[text], lp)
                lp = hi + math.log1p(math.exp(lo - hi))
            out[text] = lp
        return out

    def close(self) -> None:
        """Shut the engine down and free its memory."""
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
        if callable(shutdown):
            shutdown()
        del self.llm
        import gc

        gc.collect()


def from_spec(rest: str, **options: Any) -> VLLMBackend:
    """Build from ``vllm:MODEL``; options are :class:`VLLMBackend` keyword arguments."""
    if not rest:
        raise BackendError("judge 'vllm:' needs a model: vllm:HUB_ID or vllm:/path/to/model")
    allowed = ENGINE_OPTIONS | {"name", "dtype"}
    unknown = sorted(set(options) - allowed - IGNORED_OPTIONS - {"model_dir"})
    if unknown:
        raise BackendError(f"judge 'vllm:{rest}' does not take options {unknown}")
    return VLLMBackend(rest, **{k: v for k, v in options.items() if k in allowed})

