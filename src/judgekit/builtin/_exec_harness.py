"""Child-side harness of ``_codeexec``: limit itself, load the code, run each test, log results.

Run as a script (``python -I _exec_harness.py SPEC.json``), never imported by judgekit. It
imports only the standard library. The resource limits are applied here, as the first thing
the child does and before any untrusted code runs, with soft = hard so the code cannot raise
them again. (``subprocess``'s ``preexec_fn`` would do the same between fork and exec, but
Python documents it as unsafe when the parent has threads, as a process serving vLLM does.)

Each test's outcome is appended to ``results.jsonl`` in the working directory as soon as it is
known, so a run killed by the parent's wall-clock timeout still reports the tests it finished.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

MB = 1024 * 1024


class _TestTimeout(BaseException):
    """SIGALRM's exception in a test past its time limit (BaseException: rarely caught)."""


def _limit(limits: dict[str, Any]) -> None:
    cpu = int(limits["cpu_s"])
    pairs = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),  # SIGXCPU at the soft limit, SIGKILL at the hard
        resource.RLIMIT_AS: (int(limits["memory_mb"]) * MB,) * 2,
        resource.RLIMIT_FSIZE: (int(limits["file_mb"]) * MB,) * 2,
        resource.RLIMIT_NOFILE: (64, 64),
        resource.RLIMIT_CORE: (0, 0),
    }
    for kind, (soft, hard) in pairs.items():
        _, old_hard = resource.getrlimit(kind)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(kind, (soft, hard))
    # past the file-size limit a write fails with OSError instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _on_alarm(signum: int, frame: object) -> None:
    raise _TestTimeout


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:300]


def main() -> None:
    """Load the spec, apply limits, exec the code, then each test in the code's namespace."""
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    _limit(spec["limits"])
    log = open("results.jsonl", "a", encoding="utf-8")  # kept open until the process ends

    def emit(record: dict[str, Any]) -> None:
        log.write(json.dumps(record) + "\n")
        log.flush()

    signal.signal(signal.SIGALRM, _on_alarm)
    per_test = float(spec["limits"]["test_timeout_s"])
    namespace: dict[str, Any] = {"__name__": "__judged__"}
    t0 = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, per_test)
        exec(compile(spec["code"], "<response>", "exec"), namespace)
        signal.setitimer(signal.ITIMER_REAL, 0)
    except _TestTimeout:
        emit({"load": "timeout", "error": "loading the code ran past the time limit"})
        return
    except BaseException as exc:  # the code under test may raise anything, SystemExit too
        signal.setitimer(signal.ITIMER_REAL, 0)
        emit({"load": "memory" if isinstance(exc, MemoryError) else "error",
              "error": _describe(exc)})
        return
    emit({"load": "ok", "seconds": round(time.monotonic() - t0, 4)})
    for i, test in enumerate(spec["tests"]):
        t0 = time.monotonic()
        status, error = "passed", None
        try:
            signal.setitimer(signal.ITIMER_REAL, per_test)
            exec(compile(test, f"<test {i}>", "exec"), namespace)
        except _TestTimeout:
            status, error = "timeout", f"ran past {per_test:g} s"
        except AssertionError as exc:
            status, error = "failed", _describe(exc)
        except MemoryError as exc:
            status, error = "memory", _describe(exc)
        except BaseException as exc:  # a test erroring is a result, not a harness failure
            status, error = "error", _describe(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        emit({"test": i, "status": status, "error": error,
              "seconds": round(time.monotonic() - t0, 4)})


if __name__ == "__main__":
    main()
