"""Where items come from: a file, a folder, a saved dataset or a Hub dataset, as written.

Kept apart from the readers (:mod:`._sources`, :mod:`._hub`) so that both can name it
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._errors import DataUnavailable


@dataclass(frozen=True)
class Location:
    """Where items come from (see the module docstring).

    Attributes:
        text: As written (for messages and the manifest).
        kind: ``jsonl``, ``csv``, ``parquet``, ``arrow``, ``folder`` (Parquet/Arrow files),
            ``saved`` (``datasets.save_to_disk``) or ``hub``.
        path: The local file or folder (None for the Hub).
        name: The Hub dataset name (``hub`` only).
        split: The split, where the dataset has several.
        revision: Hub branch, tag or commit.
        config: Hub configuration name.
        seed: Seed of the preference A/B order rule.

    """

    text: str
    kind: str
    path: Path | None = None
    name: str | None = None
    split: str | None = None
    revision: str | None = None
    config: str | None = None
    seed: int = 0

    def describe(self) -> dict[str, Any]:
        """What the run manifest records about the source."""
        out = {"items": self.text, "format": self.kind, "split": self.split,
               "revision": self.revision, "config": self.config, "seed": self.seed}
        return {k: v for k, v in out.items() if v is not None}


def unavailable(loc: Location, problem: str, fix: str) -> DataUnavailable:
    """An error for a dataset that cannot be had here."""
    return DataUnavailable(loc.path or loc.text, problem, where="items", fix=fix)
