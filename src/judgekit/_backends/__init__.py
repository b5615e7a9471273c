"""Judge backends: one contract (:class:`judgekit.Backend`), one module per model library.

Only the modules in this package import model libraries (vllm, openai-style HTTP, langchain);
each is imported lazily by :func:`make_backend` when a judge spec names it.
"""
