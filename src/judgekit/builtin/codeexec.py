"""Run a response's code against an item's tests, isolated, with resource limits.

The execution half of code review with execution: the judge gives its verdict, and the
``code/exec`` checker (:func:`exec_checker`) runs the code; both results are kept on the label
(``Label.extra["exec"]``). Each run is a fresh ``python -I`` child with a minimal environment,
a wall-clock timeout (its process group is killed), a per-test time limit (``SIGALRM``) and
rlimits the child applies before the code runs (CPU seconds, address space, file size, open
files, no core dumps). Where it works (:func:`isolation` probes once per process), the child
runs in a **bubblewrap** sandbox (``bwrap``, Debian package ``bubblewrap``, unprivileged
through user namespaces):

- no network (a network namespace of its own); its own PID namespace, torn down with it;
- a read-only view of the system (``/usr``, ``/etc``, the Python installation) and nothing
  else: the user's home, the checkout and the data are absent;
- a private, size-limited ``/tmp`` (the working directory): the only writable place;
- a process limit (``ExecLimits.processes`` as ``RLIMIT_NPROC``, counted per user namespace;
  started as root, the code runs as an unused uid instead).

Without it the run falls back to the rlimits alone, and network, reads of the user's files and
fork bombs are **not** contained (:attr:`Isolation.warning`). The result says which ran
(``sandbox``) and what the code tried, as ``"kind: detail"`` strings (kinds ``network``,
``read``, ``write``, ``process``): ``blocked`` by the sandbox, or ``unconfined`` without one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from judgekit.builtin._sandbox import (
    HARNESS,
    INNER_HARNESS,
    Isolation,
    Sandbox,
    bwrap_args,
    python_dirs,
)

__all__ = ["ExecLimits", "Isolation", "exec_checker", "extract_code", "isolation",
           "run_code_tests"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ExecLimits:
    """Resource limits for one execution.

    Attributes:
        timeout_s: Wall-clock limit for the whole run (load + every test).
        test_timeout_s: Wall-clock limit per test (and for loading the code).
        cpu_s: CPU seconds for the whole process (``RLIMIT_CPU``).
        memory_mb: Address space (``RLIMIT_AS``), MiB.
        file_mb: Largest file the code may write (``RLIMIT_FSIZE``), MiB; the sandbox's
            ``/tmp`` holds four such files.
        processes: Processes and threads at once, the harness included (``RLIMIT_NPROC``;
            sandbox only).

    """

    timeout_s: float = 30.0
    test_timeout_s: float = 5.0
    cpu_s: int = 20
    memory_mb: int = 512
    file_mb: int = 16
    processes: int = 64

    def updated(self, overrides: Mapping[str, Any] | None) -> ExecLimits:
        """These limits with the known keys of ``overrides`` replaced (unknown keys ignored)."""
        if not overrides:
            return self
        names = {f.name for f in dataclasses.fields(self)}
        known = {k: type(getattr(self, k))(v) for k, v in overrides.items() if k in names}
        return replace(self, **known)


def extract_code(text: str) -> str:
    """The code in a response: its first ```python block, else its first fenced block, else all."""
    blocks = _FENCE.findall(text)
    for lang, body in blocks:
        if lang.lower() in {"python", "py", "python3"}:
            return str(body)
    return str(blocks[0][1]) if blocks else text


@cache
def isolation() -> Isolation:
    """Which isolation :func:`run_code_tests` uses by default (probed once per process)."""
    if shutil.which("bwrap") is None:
        return Isolation("rlimits", "bubblewrap (bwrap) is not installed")
    probe = _execute("x = 1", ["assert x == 1"], ExecLimits(timeout_s=20), "bwrap")
    if probe["passed"] == 1:
        return Isolation("bwrap")
    detail = probe["stderr"].strip().splitlines()[-1:] or [f"load {probe['load']}"]
    return Isolation("rlimits", f"bwrap does not work here: {detail[0][:200]}")


def run_code_tests(code: str, tests: Sequence[str], limits: ExecLimits | None = None,
                   sandbox: Sandbox | None = None) -> dict[str, Any]:
    """Execute ``code``, then each test in its namespace, in a limited child process.

    Args:
        code: Python source (already extracted from the response).
        tests: Python snippets (typically ``assert`` statements); each one is one test.
        limits: Resource limits (default :class:`ExecLimits`).
        sandbox: ``bwrap`` or ``rlimits`` (default: what :func:`isolation` found).

    Returns:
        A JSON-ready dict: ``passed``, ``failed`` (assertion failed), ``errors`` (raised
        something else), ``timeouts``, ``memory`` (MemoryError), ``not_run`` (the process
        died first), ``total``, ``all_passed``, ``load`` (``ok``, ``error``, ``timeout``,
        ``memory``, or ``died``: the process ended before loading finished), ``load_error``,
        ``timed_out``, ``memory_exceeded``, ``exit_code``, ``signal``, ``seconds``,
        ``limits``, ``tests`` (per-test status and error), ``stderr`` (last 500 chars),
        ``sandbox``, and ``blocked`` / ``unconfined`` (what the code tried, contained or not;
        see the module docstring).

    """
    return _execute(code, tests, limits or ExecLimits(), sandbox or isolation().sandbox)


def _execute(code: str, tests: Sequence[str], limits: ExecLimits,
             sandbox: Sandbox) -> dict[str, Any]:
    boxed = sandbox == "bwrap"
    with tempfile.TemporaryDirectory(prefix="judgekit-exec-") as tmp:
        work = Path(tmp)
        system = sorted(python_dirs())
        spec = {"code": code, "tests": list(tests), "limits": asdict(limits), "sandbox": sandbox,
                "writable": ["/tmp", "/dev", "/proc"] if boxed else [tmp, "/dev"],
                "private": [h for h in [str(Path.home())] if h != "/"], "system": system,
                "drop_to": random.randrange(1 << 30, 1 << 31) if os.geteuid() == 0 else None}
        (work / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        home = "/tmp" if boxed else tmp
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": home, "TMPDIR": home, "PYTHONDONTWRITEBYTECODE": "1",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        t0 = time.monotonic()
        with open(work / "spec.json", "rb") as spec_in, open(work / "results.jsonl", "wb") as out, \
                open(work / "stderr", "wb") as err:
            inner = [sys.executable, "-I", INNER_HARNESS if boxed else str(HARNESS),
                     str(out.fileno())]
            argv = bwrap_args(limits.file_mb, system) + inner if boxed else inner
            proc = subprocess.Popen(argv, cwd=work, env=env, stdin=spec_in,
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    pass_fds=(out.fileno(),), start_new_session=True)
            killed = False
            try:
                proc.wait(timeout=limits.timeout_s)
            except subprocess.TimeoutExpired:
                killed = True
            finally:  # the child if still running, and what it left running in its session
                _kill_group(proc.pid)
                proc.wait()
        seconds = time.monotonic() - t0
        records = _read_records(work / "results.jsonl")
        stderr = (work / "stderr").read_bytes()[-500:].decode("utf-8", "replace")
    result = _summarize(records, len(tests), proc.returncode, killed, seconds, limits, stderr)
    attempts = [str(r["attempt"]) for r in records if "attempt" in r]
    if boxed:  # a read counts as blocked where the file exists outside the sandbox
        attempts = [a for a in attempts if not a.startswith("read: ")
                    or os.path.lexists(a.removeprefix("read: "))]
    result.update(sandbox=sandbox, blocked=attempts if boxed else [],
                  unconfined=[] if boxed else attempts)
    return result


def _kill_group(pgid: int) -> None:
    """Kill every process left in the child's session (itself, daemonized children)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a kill
            if isinstance(rec, dict):
                records.append(rec)
    return records


def _summarize(records: list[dict[str, Any]], n_tests: int, returncode: int | None,
               killed: bool, seconds: float, limits: ExecLimits, stderr: str) -> dict[str, Any]:
    load = next((r for r in records if "load" in r), None)
    tests = [r for r in records if "test" in r]
    statuses = [str(r.get("status")) for r in tests]
    sig = -returncode if returncode is not None and returncode < 0 else None
    load_state = str(load["load"]) if load else "died"
    count = statuses.count
    result: dict[str, Any] = {
        "passed": count("passed"), "failed": count("failed"), "errors": count("error"),
        "timeouts": count("timeout"), "memory": count("memory"), "not_run": n_tests - len(tests),
        "total": n_tests, "load": load_state, "load_error": load.get("error") if load else None,
        "exit_code": returncode, "signal": signal.Signals(sig).name if sig else None,
        "seconds": round(seconds, 3), "limits": asdict(limits),
        "tests": [{"status": r.get("status"), "error": r.get("error")} for r in tests],
        "stderr": stderr,
    }
    result["all_passed"] = n_tests > 0 and result["passed"] == n_tests
    result["timed_out"] = bool(killed or result["timeouts"] or load_state == "timeout"
                               or sig == signal.SIGXCPU)
    result["memory_exceeded"] = bool(result["memory"] or load_state == "memory")
    return result


_CACHE: dict[str, dict[str, Any]] = {}


def _cached_run(code: str, tests: Sequence[str], limits: ExecLimits) -> dict[str, Any]:
    """``run_code_tests`` memoized in-process, so the AB and BA labels of one pair run it once."""
    parts = [code, list(tests), asdict(limits), isolation().sandbox]
    key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    if key not in _CACHE:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = run_code_tests(code, tests, limits)
    copy: dict[str, Any] = json.loads(json.dumps(_CACHE[key]))  # a copy the caller may keep
    return copy


def exec_checker(fields: Mapping[str, Any], order: str) -> dict[str, Any]:
    """The ``code/exec`` checker: run the response(s) of an item against its ``tests``.

    Items carry ``tests`` (a list of Python snippets, or one snippet) and optionally
    ``exec_limits`` (a mapping overriding :class:`ExecLimits` fields, e.g. ``test_timeout_s``).
    Pointwise items run ``response``; pairwise items run ``response_a`` and ``response_b``
    (canonical orientation whatever the ``order``).

    Returns:
        ``{"exec": RESULT}`` (pointwise) or ``{"exec": {"A": RESULT, "B": RESULT}}``, where
        RESULT is :func:`run_code_tests`' dict; ``{"exec": {"error": ...}}`` when the item has no
        tests. Without the sandbox, ``"warning"`` says so (a run summary lists it once).

    """
    del order  # results do not depend on the presentation order
    tests = fields.get("tests")
    if isinstance(tests, str):
        tests = [tests]
    if not isinstance(tests, list) or not tests:
        return {"exec": {"error": "item has no 'tests' (a list of Python snippets)"}}
    limits = ExecLimits().updated(fields.get("exec_limits"))
    snippets = [str(t) for t in tests]
    facts: dict[str, Any]
    if fields.get("response_a") is not None and fields.get("response_b") is not None:
        facts = {"exec": {side: _cached_run(extract_code(str(fields[f"response_{side.lower()}"])),
                                            snippets, limits)
                          for side in ("A", "B")}}
    else:
        facts = {"exec": _cached_run(extract_code(str(fields.get("response", ""))), snippets,
                                     limits)}
    warning = isolation().warning
    if warning is not None:  # the run summary shows it once (judgekit.run.RunSummary.warnings)
        facts["warning"] = warning
    return facts
