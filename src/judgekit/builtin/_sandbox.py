"""The bubblewrap sandbox of code execution: its command line, and what a machine offers.

See :mod:`judgekit.builtin.codeexec` for what the sandbox contains and how it falls back.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HARNESS = Path(__file__).with_name("_exec_harness.py")
INNER_HARNESS = "/run/judgekit/harness.py"
"""Where the harness is mounted (read-only) inside the sandbox."""

Sandbox = Literal["bwrap", "rlimits"]


@dataclass(frozen=True)
class Isolation:
    """The isolation code execution gets on this machine.

    Attributes:
        sandbox: ``bwrap`` (bubblewrap sandbox and rlimits) or ``rlimits`` (rlimits only).
        reason: Why the sandbox is not used, when it is not.

    """

    sandbox: Sandbox
    reason: str | None = None

    @property
    def warning(self) -> str | None:
        """One line for a run summary when code runs without the sandbox, else None."""
        if self.sandbox == "bwrap":
            return None
        return (f"code execution is not sandboxed ({self.reason}): its network access, reads "
                "of your files and fork bombs are not contained; install bubblewrap "
                "(apt-get install bubblewrap)")


def python_dirs() -> set[str]:
    """The Python installation and environment the child runs (outside ``/usr``)."""
    dirs = {str(Path(p).resolve()) for p in (sys.prefix, sys.exec_prefix, sys.base_prefix,
                                             sys.base_exec_prefix)}
    dirs.add(str(Path(sys.executable).resolve().parent.parent))
    dirs = {d for d in dirs if not Path(d).is_relative_to("/usr")}
    return {d for d in dirs if not any(Path(d).is_relative_to(o) for o in dirs - {d})}


def bwrap_args(file_mb: int, python: Sequence[str]) -> list[str]:
    """The bwrap arguments: the read-only system view, a private /tmp, no network."""
    args = [str(shutil.which("bwrap")), "--die-with-parent", "--new-session", "--unshare-pid",
            "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:  # privileged: the harness drops to an unused uid itself
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/", name)
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    made: set[Path] = set()
    for target in [*python, INNER_HARNESS]:
        for parent in reversed(Path(target).parents[:-1]):  # readable by the dropped uid
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
    for folder in python:
        args += ["--ro-bind", folder, folder]
    return [*args, "--ro-bind", str(HARNESS), INNER_HARNESS, "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(4 * file_mb << 20), "--tmpfs", "/tmp",
            "--remount-ro", "/", "--chdir", "/tmp"]
