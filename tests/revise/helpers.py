"""Helpers of the revise tests (imported by their modules and by conftest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

MakeReviseSuite = Callable[..., Path]


def revise_rows(n: int) -> list[dict[str, Any]]:
    """``n`` items with a prompt and a (weak) response."""
    return [{"id": f"q{i:03d}", "prompt": f"What is {i} + {i}?", "response": f"It is {i}.",
             "topic": "sums"} for i in range(n)]
