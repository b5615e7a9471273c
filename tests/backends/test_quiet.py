"""An engine's start-up noise is captured unless --verbose; a failed start-up replays it."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, sys, warnings
from judgekit.backends._quiet import quiet_engine
try:
    with quiet_engine():
        os.write(2, b"C++ NUMA note\\n")
        print("python progress bar", file=sys.stderr)
        warnings.warn("deprecated thing", FutureWarning)
        if sys.argv[1] == "fail":
            raise RuntimeError("engine died")
except RuntimeError:
    print("caught", file=sys.stderr)
os.write(2, b"after\\n")
"""


def _stderr(mode: str, verbose: str = "") -> str:
    env = {"JUDGEKIT_VERBOSE": verbose, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True,
                          text=True, timeout=60, check=True).stderr


def test_start_up_output_is_captured() -> None:
    assert _stderr("ok") == "after\n"


def test_a_failed_start_up_replays_what_it_printed() -> None:
    text = _stderr("fail")
    assert "C++ NUMA note" in text and "python progress bar" in text
    assert text.index("python progress bar") < text.index("caught") < text.index("after")


def test_verbose_shows_everything() -> None:
    text = _stderr("ok", verbose="1")
    assert "C++ NUMA note" in text and "deprecated thing" in text and text.endswith("after\n")
