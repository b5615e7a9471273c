"""The user cache of fetched gold sets: ``<cache>/judgekit/gold/<name>/data.jsonl``.

Beside each ``data.jsonl`` lies ``provenance.json`` (upstream repository, commit, files and
their sha256, licence, citation, the converted file's sha256). A set is cached only when
both are there: they are moved into place together, in one rename of the set's folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

PROVENANCE = "provenance.json"
DATA = "data.jsonl"


def cache_root() -> Path:
    """The gold cache: ``$XDG_CACHE_HOME/judgekit/gold`` (default ``~/.cache/judgekit/gold``)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "judgekit" / "gold"


def cached(name: str, root: Path | None = None) -> Path | None:
    """The cached ``data.jsonl`` of gold set ``name``, or ``None`` when it is not cached."""
    folder = (root or cache_root()) / name
    data = folder / DATA
    return data if data.is_file() and (folder / PROVENANCE).is_file() else None


def provenance(name: str, root: Path | None = None) -> dict[str, Any] | None:
    """What ``provenance.json`` of a cached set records, or ``None`` when it is not cached."""
    data = cached(name, root)
    if data is None:
        return None
    value: dict[str, Any] = json.loads((data.parent / PROVENANCE).read_text(encoding="utf-8"))
    return value


def install(name: str, data: bytes, record: dict[str, Any], root: Path) -> Path:
    """Write a set's files into a temporary folder, then rename it to ``root/name``.

    A set already cached is replaced in one step; if another process installed the set
    meanwhile, its copy is kept. Nothing half-written is ever at ``root/name``.

    Returns:
        The installed ``data.jsonl``.

    """
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=root))
    final = root / name
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a cache folder is not secret
        (staging / DATA).write_bytes(data)
        (staging / PROVENANCE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        old = None
        if final.exists():
            old = final.rename(root / f".{name}.{os.getpid()}.old")
        try:
            staging.rename(final)
        except OSError:  # another process installed it first: keep theirs
            if not final.exists():
                if old is not None:
                    old.rename(final)
                raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final / DATA
