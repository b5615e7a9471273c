"""What a run did: the counts :func:`judgekit.run.run_suite` returns and its stages add to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from judgekit._types import Label


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

    def count(self, label: Label) -> None:
        """Count one stored label's error, if it has one, and keep a new checker warning."""
        warning = label.extra.get("warning")
        if isinstance(warning, str) and warning not in self.warnings:
            self.warnings.append(warning)
        if label.error:
            self.errors += 1
            kind = label.error.split(":")[0]
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
