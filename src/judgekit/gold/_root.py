"""Where a ``gold:SET/FILE`` item path is read from, fetching a built-in set on first use.

Resolution order: ``--gold-root DIR`` (or the ``gold_root`` argument), then
``JUDGEKIT_GOLD_ROOT``; either one, when given, is the only place looked at. Otherwise
``../shared/gold`` (or ``./shared/gold``) from the working directory when it holds the
file, then the user cache (``judgekit gold fetch``).

When none holds a built-in set, it is fetched on first use if all of these hold:

* the set is redistributable (a set under a restrictive licence is fetched only by
  ``judgekit gold fetch NAME --accept-license ID``, a decision a person makes by name);
* ``JUDGEKIT_GOLD_FETCH`` is ``auto`` -- or unset while stderr is a terminal, so a person
  sees the progress bar. Scripts, CI jobs and test suites never download behind their
  caller's back: unset and not on a terminal means ``never``.

Otherwise, and when the download fails (offline), the error names the exact
``judgekit gold fetch`` command to run, and ``--gold-root`` / ``JUDGEKIT_GOLD_ROOT``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

from judgekit._errors import DataUnavailable
from judgekit.gold._cache import cache_root
from judgekit.gold._fetch import fetch_command, fetch_gold
from judgekit.gold._registry import get_gold_set

ENV_ROOT = "JUDGEKIT_GOLD_ROOT"
ENV_FETCH = "JUDGEKIT_GOLD_FETCH"


def shared_gold() -> Path | None:
    """``shared/gold`` beside or above the working directory (two levels up at most)."""
    here = Path.cwd()
    bases = [here, *here.parents[:2]]
    found = [c for base in bases for c in (base / "shared" / "gold", base.parent / "shared"
                                            / "gold") if c.is_dir()]
    return found[0] if found else None


def explicit_root(gold_root: Path | None = None) -> Path | None:
    """The gold root the user named: ``gold_root`` (``--gold-root``), else the env var."""
    env = os.environ.get(ENV_ROOT)
    return gold_root or (Path(env).expanduser() if env else None)


def locate(rel: str, gold_root: Path | None = None) -> Path | None:
    """The root under which ``rel`` (``SET/FILE``) exists, without fetching anything."""
    named = explicit_root(gold_root)
    candidates = [named] if named else [shared_gold(), cache_root()]
    return next((r for r in candidates if r is not None and (r / rel).is_file()), None)


def auto_fetch() -> bool:
    """Whether a missing redistributable set may be fetched on first use (see module doc)."""
    value = os.environ.get(ENV_FETCH, "").strip().lower()
    if value in ("auto", "1", "yes", "true", "on"):
        return True
    if value in ("never", "0", "no", "false", "off"):
        return False
    return sys.stderr.isatty()


def gold_root_for(rel: str, gold_root: Path | None = None, *,
                  origin: Path | None = None) -> Path:
    """The gold root to read ``gold:REL`` under, fetching a built-in set on first use.

    Args:
        rel: The item path after ``gold:`` (``SET/FILE``, e.g. ``llmbar/data.jsonl``).
        gold_root: The folder the user named (``--gold-root``); read alone when given.
        origin: The suite file that asks (named in the error).

    Returns:
        A root under which ``rel`` exists; the named root as it is when one was given
        (the caller reports a file missing there).

    Raises:
        DataUnavailable: No root holds it and it was not (or could not be) fetched; the fix
            names the ``judgekit gold fetch`` command, ``--gold-root`` and the env var.

    """
    named = explicit_root(gold_root)
    if named is not None:
        return named
    found = locate(rel, None)
    if found is not None:
        return found
    name = PurePosixPath(rel).parts[0] if PurePosixPath(rel).parts else rel
    gold = get_gold_set(name)
    where = "field 'items'"
    offline = (f"pass --gold-root DIR or set {ENV_ROOT}=DIR (a folder holding the gold sets, "
               "e.g. an offline copy of ~/.cache/judgekit/gold)")
    if gold is None:
        raise DataUnavailable(origin, f"items 'gold:{rel}' need the gold root, which is not "
                              f"on this machine ({name!r} is no built-in gold set)",
                              where=where, fix=offline)
    command = fetch_command(gold)
    if gold.redistributable and auto_fetch():
        try:
            return fetch_gold(gold.name).parent.parent
        except DataUnavailable as exc:
            raise DataUnavailable(origin, f"items 'gold:{rel}': fetching gold set "
                                  f"{gold.name!r} on first use failed: {exc.problem}",
                                  where=where, fix=f"run `{command}` when online, or "
                                  + offline) from None
    why = "" if gold.redistributable else f" (licence {gold.license}: fetched only on request)"
    raise DataUnavailable(origin, f"items 'gold:{rel}' are gold set {gold.name!r}, which is "
                          f"not on this machine{why}", where=where,
                          fix=f"run `{command}` (downloads, verifies and caches it), or "
                          + offline)
