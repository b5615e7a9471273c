"""Pieces every backend shares that import no model library."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def verdict_schema(labels: Sequence[str]) -> dict[str, Any]:
    """The JSON schema rationale mode is constrained to: critique first, then one label."""
    return {
        "type": "object",
        "properties": {
            "rationale": {"type": "string"},
            "verdict": {"type": "string", "enum": list(labels)},
        },
        "required": ["rationale", "verdict"],
        "additionalProperties": False,
    }
