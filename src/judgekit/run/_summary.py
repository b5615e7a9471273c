"""What a run did: the counts :func:`judgekit.run.run_suite` returns and its stages add to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunSummary:
    """What a run did.

    Attributes:
        out: The run directory.
        judges: Judge model ids.
        items: Items in the suite (hidden gold items mixed in included).
        hidden: Hidden gold items among them.
        requests: Requests per judge times judges (both orders count).
        skipped: Already labeled under the same key (resume).
        cached: Answered from the completion cache without calling the model.
        judged: Sent to a model.
        errors: Labels stored with an error (transport or unreadable output).
        seconds: Wall time.
        error_kinds: Errors by kind (the part of the message before the first colon).
        warnings: Distinct warnings checkers attached to labels (``extra["warning"]``), e.g.
            code that ran without a sandbox.

    """

    out: Path
    judges: list[str]
    items: int
    hidden: int = 0
    requests: int = 0
    skipped: int = 0
    cached: int = 0
    judged: int = 0
    errors: int = 0
    seconds: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
