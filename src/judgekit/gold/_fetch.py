"""Fetch a gold set: licence gate, download and verify its upstream files, convert, cache.

Order of work, so that a failure leaves nothing half-written: each upstream file is
downloaded to a ``.part`` and kept only when its sha256 matches; the converted rows are
counted against the registry; ``data.jsonl`` and ``provenance.json`` are written to a
temporary folder that is renamed into the cache in one step. The verified upstream files
are deleted once the set is installed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from judgekit._version import __version__
from judgekit.gold._cache import cache_root, cached, install
from judgekit.gold._convert import convert
from judgekit.gold._download import get_file, is_local, mirror
from judgekit.gold._errors import unavailable
from judgekit.gold._registry import NAMES, GoldSet, get_gold_set

DOWNLOADS = ".downloads"
"""Cache subfolder of verified or partial upstream files, kept between runs to resume."""


def gold_set(name: str) -> GoldSet:
    """The registry entry ``name``.

    Raises:
        DataUnavailable: No built-in gold set has that name (the message lists them).

    """
    gold = get_gold_set(name)
    if gold is None:
        raise unavailable(cache_root() / name, name, "no built-in gold set has this name",
                          fix="pick one of " + ", ".join(NAMES) + " (`judgekit gold list`)")
    return gold


def fetch_command(gold: GoldSet) -> str:
    """The exact command that fetches ``gold`` (naming its licence when it must be accepted)."""
    flag = "" if gold.redistributable else f" --accept-license {gold.license}"
    return f"judgekit gold fetch {gold.name}{flag}"


def check_license(gold: GoldSet, accepted: Iterable[str]) -> None:
    """Refuse a non-redistributable set unless its licence id is among ``accepted``.

    Raises:
        DataUnavailable: Not accepted; the fix is the command with ``--accept-license ID``.

    """
    if gold.redistributable or gold.license.lower() in {a.lower() for a in accepted}:
        return
    raise unavailable(cache_root() / gold.name, gold.name, f"licence {gold.license} "
                      f"({gold.license_note}); it is fetched only when you accept that licence "
                      "by name", fix=f"run `{fetch_command(gold)}` if your use complies")


def fetch_gold(name: str, *, accept_licenses: Iterable[str] = (), base: str | None = None,
               cache: Path | None = None, force: bool = False,
               console: Console | None = None) -> Path:
    """Fetch gold set ``name`` into the cache (unless it is there) and return its data file.

    Args:
        name: A registry name (``judgekit gold list``).
        accept_licenses: Licence ids the user accepts (needed for non-redistributable sets).
        base: Mirror URL or folder (default ``JUDGEKIT_GOLD_MIRROR``, else GitHub raw files).
        cache: Cache root (default :func:`~judgekit.gold.cache_root`).
        force: Fetch and convert again even when cached.
        console: Where the progress bar goes (default: stderr).

    Returns:
        The cached ``data.jsonl``.

    Raises:
        DataUnavailable: Unknown name, licence not accepted, set unavailable, download
            failed or refused (sha256), or conversion not matching the registry.

    """
    gold = gold_set(name)
    check_license(gold, accept_licenses)
    root = cache or cache_root()
    if not force and (done := cached(name, root)) is not None:
        return done
    if not gold.available:
        raise unavailable(root / name, name, "an upstream file could not be read at the "
                          "pinned commit, so no sha256 is recorded to verify it",
                          fix="use a local copy: --gold-root DIR or JUDGEKIT_GOLD_ROOT")
    base = base or mirror()
    folder = root / DOWNLOADS / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = _download_all(gold, folder, base, console or Console(stderr=True))
    files = {f.path: p.read_bytes() for f, p in zip(gold.files, paths, strict=True)}
    try:
        data = convert(gold, files)
    except (KeyError, ValueError) as exc:
        raise unavailable(root / name, name, f"the upstream files do not convert "
                          f"({type(exc).__name__}: {exc})", fix="report this as a judgekit "
                          "bug, with `judgekit --version`") from None
    count = data.count(b"\n")
    if count != gold.items:
        raise unavailable(root / name, name, f"the converter made {count} items, the registry "
                          f"expects {gold.items}; nothing was cached", fix="report this as a "
                          "judgekit bug")
    out = install(name, data, _record(gold, base, data), root)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def _download_all(gold: GoldSet, folder: Path, base: str, console: Console) -> list[Path]:
    """Every upstream file of ``gold``, verified, under ``folder`` (one progress bar)."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    paths = []
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"gold {gold.name}", total=sum(f.size for f in gold.files))
        for i, file in enumerate(gold.files):
            dest = folder / f"{i}-{file.sha256 or 'unknown'}"[:40]
            if dest.is_file():  # verified by an earlier, interrupted fetch
                progress.advance(task, file.size)
            else:
                get_file(gold, file, dest, base=base,
                         advance=lambda n: progress.advance(task, n))
            paths.append(dest)
    return paths


def _record(gold: GoldSet, base: str, data: bytes) -> dict[str, Any]:
    """What ``provenance.json`` says about a fetched set."""
    return {
        "name": gold.name, "repo": gold.repo, "commit": gold.commit,
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size,
                   "url": gold.url(f, base) if not is_local(base) else f"{base} (local)"}
                  for f in gold.files],
        "license": gold.license, "license_note": gold.license_note,
        "redistributable": gold.redistributable, "citation": gold.citation,
        "items": gold.items, "data_sha256": hashlib.sha256(data).hexdigest(),
        "converted_by": f"judgekit {__version__}",
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
