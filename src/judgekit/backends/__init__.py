"""Judge backends: the :class:`Backend` contract beside its implementations.

Only the modules of this package import model libraries (vllm, openai-style HTTP, langchain),
each lazily: :func:`make_backend` imports the one a judge spec names.
"""

from judgekit._types import Completion, Message, Request, Sampling
from judgekit.backends._contract import Backend, make_backend
from judgekit.backends._model import ensure_embedded_model
from judgekit.backends.fake import FakeBackend
from judgekit.backends.langchain import LangChainBackend
from judgekit.backends.openai import OpenAIBackend
from judgekit.backends.vllm import VLLMBackend

__all__ = [
    "Backend",
    "Completion",
    "FakeBackend",
    "LangChainBackend",
    "Message",
    "OpenAIBackend",
    "Request",
    "Sampling",
    "VLLMBackend",
    "ensure_embedded_model",
    "make_backend",
]
