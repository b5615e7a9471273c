"""How the gold registry says a set cannot be had: a :class:`~judgekit.DataUnavailable`.

No new error class (the error tree stays as exported): the message names the set's cache
folder, the upstream file at fault, what went wrong and the command that fixes it, and
``judgekit check`` reports a suite whose gold cannot be had as skipped, not failed.
"""

from __future__ import annotations

from pathlib import Path

from judgekit._errors import DataUnavailable


def unavailable(folder: Path, name: str, problem: str, *, file: str | None = None,
                fix: str | None = None) -> DataUnavailable:
    """The error for gold set ``name`` (cached in ``folder``).

    Args:
        folder: Where the set is (or would be) cached.
        name: The gold set.
        problem: What went wrong.
        file: The upstream file at fault (its path in the upstream repository), if any.
        fix: The command or option that fixes it.

    Returns:
        The error to raise; its message reads ``FOLDER, upstream file F: gold set 'N': ...``.

    """
    return DataUnavailable(folder, f"gold set {name!r}: {problem}",
                           where=f"upstream file {file}" if file else None, fix=fix)
