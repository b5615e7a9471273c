"""Get one upstream file: over HTTP (resuming with ``Range``) or from a local mirror folder.

The bytes land in ``DEST.part``, which becomes ``DEST`` only once their sha256 matches the
registry's. A part left by a broken connection is resumed, on the next attempt or the next
run, when the server honours ``Range`` (``206``), and restarted when it does not (``200``).
A part whose hash does not match is deleted: a tampered file is refused and never used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import httpx

from judgekit.gold._errors import unavailable
from judgekit.gold._registry import GITHUB_RAW, GoldSet, UpstreamFile

ATTEMPTS = 4
"""Connections tried per file while each one brings new bytes."""
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Advance = Callable[[int], None]


def mirror() -> str:
    """Where upstream files come from: ``JUDGEKIT_GOLD_MIRROR`` (URL or folder) or GitHub."""
    return os.environ.get("JUDGEKIT_GOLD_MIRROR") or GITHUB_RAW


def is_local(base: str) -> bool:
    """Whether ``base`` is a folder (``file://`` or a path) rather than an HTTP(S) URL."""
    return not base.startswith(("http://", "https://"))


def get_file(gold: GoldSet, file: UpstreamFile, dest: Path, *, base: str,
             advance: Advance | None = None) -> Path:
    """Put ``file`` of ``gold`` at ``dest``, verified against its recorded sha256.

    Args:
        gold: The registry entry the file belongs to.
        file: The upstream file.
        dest: Where the verified file goes (its folder must exist).
        base: Mirror: an ``http(s)://`` base URL or a folder laid out ``OWNER/REPO/COMMIT/PATH``.
        advance: Called with each chunk's size (a progress bar).

    Returns:
        ``dest``.

    Raises:
        DataUnavailable: Unreachable mirror, HTTP error, interrupted transfer that could not
            be resumed, or a sha256 mismatch (the file is deleted).

    """
    part = dest.with_name(dest.name + ".part")
    url = gold.url(file, base)
    if is_local(base):
        src = Path(unquote(url.removeprefix("file://")))
        if not src.is_file():
            raise _error(gold, file, dest, f"not in the local mirror: {src} is missing",
                         f"copy it there, or unset JUDGEKIT_GOLD_MIRROR to use {GITHUB_RAW}")
        shutil.copyfile(src, part)
        if advance:
            advance(file.size)
    else:
        _http(gold, file, url, part, advance)
    digest = _sha256(part)
    if digest != file.sha256:
        part.unlink()
        raise _error(gold, file, dest, f"sha256 mismatch: got {digest}, the registry pins "
                     f"{file.sha256} (commit {gold.commit[:12]}); the download from {url} was "
                     "refused and deleted", "check JUDGEKIT_GOLD_MIRROR points at an honest "
                     "copy of the upstream repository, then fetch again")
    part.replace(dest)
    return dest


def _http(gold: GoldSet, file: UpstreamFile, url: str, part: Path,
          advance: Advance | None) -> None:
    """Download ``url`` into ``part``, resuming what is already there when the server can."""
    problem = "no complete response"
    if part.exists() and part.stat().st_size > file.size:
        part.unlink()
    if advance and part.exists():
        advance(part.stat().st_size)  # resumed from an earlier run
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        for _ in range(ATTEMPTS):
            have = part.stat().st_size if part.exists() else 0
            if have >= file.size:
                return  # complete (or too long: the hash check refuses it)
            headers = {"Accept-Encoding": "identity"}  # byte offsets are the file's own
            if have:
                headers["Range"] = f"bytes={have}-"
            try:
                if _transfer(client, url, part, headers, have, advance):
                    return  # the response ended cleanly: the hash check decides
            except httpx.HTTPStatusError as exc:
                raise _error(gold, file, part, f"{url} answered HTTP "
                             f"{exc.response.status_code}", _FIX) from None
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                if not (part.exists() and part.stat().st_size > have):
                    break  # no new bytes: offline or refused, retrying will not help
    done = part.stat().st_size if part.exists() else 0
    kept = f"; {done} of {file.size} bytes kept to resume" if done else ""
    raise _error(gold, file, part, f"could not download {url} ({problem}){kept}", _FIX)


_FIX = ("check the network (or JUDGEKIT_GOLD_MIRROR) and run the same `judgekit gold fetch` "
        "again: it resumes; offline, pass --gold-root DIR or set JUDGEKIT_GOLD_ROOT to a "
        "folder holding the gold sets")


def _transfer(client: httpx.Client, url: str, part: Path, headers: dict[str, str],
              have: int, advance: Advance | None) -> bool:
    """One GET: append on ``206``, restart on ``200``; ``False`` when it must be retried.

    Raises:
        httpx.TransportError: The connection broke (the bytes received are kept).
        httpx.HTTPStatusError: The server answered an error other than ``416``.

    """
    with client.stream("GET", url, headers=headers) as resp:
        resume = resp.status_code == 206 and have > 0
        if advance and not resume and have:
            advance(-have)  # the server ignored Range (or could not satisfy it): start over
        if resp.status_code == 416:  # range not satisfiable: the part is stale
            part.unlink(missing_ok=True)
            return False
        resp.raise_for_status()
        with part.open("ab" if resume else "wb") as fh:
            for chunk in resp.iter_bytes():  # as received: a broken link loses none
                fh.write(chunk)
                if advance:
                    advance(len(chunk))
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _error(gold: GoldSet, file: UpstreamFile, near: Path, problem: str,
           fix: str) -> Exception:
    return unavailable(near.parent, gold.name, problem, file=file.path, fix=fix)
