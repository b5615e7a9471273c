"""Keep a model engine's own start-up noise off the console, unless asked for.

vLLM, torch and their C++ layers print to the process's standard error while an engine
starts (FutureWarnings, "Triton not available", NUMA binding notes, weight-loading progress
bars), and the engine's helper processes inherit that stream. :func:`quiet_engine` points file
descriptor 2 at an anonymous temporary file for the duration of the start-up, so the
processes started then write there for their whole life; if the start-up fails, what was
captured is printed before the error. ``judgekit --verbose`` (``JUDGEKIT_VERBOSE=1``) shows
everything instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

VERBOSE = "JUDGEKIT_VERBOSE"
"""Environment variable: set to 1 to let engines print their own output."""
_REPLAY = 64 * 1024
"""At most this many bytes of captured output are printed when a start-up fails."""


@contextmanager
def quiet_engine() -> Iterator[None]:
    """Capture standard error (file descriptor 2) and Python warnings inside the block."""
    if os.environ.get(VERBOSE, "") not in ("", "0"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    sink = tempfile.TemporaryFile()
    os.dup2(sink.fileno(), 2)
    failed = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except BaseException:
        failed = True
        raise
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        if failed:
            sink.seek(max(0, sink.seek(0, os.SEEK_END) - _REPLAY))
            sys.stderr.write(sink.read().decode("utf-8", "replace"))
            sys.stderr.flush()
        sink.close()
