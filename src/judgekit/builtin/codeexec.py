"""Run a response's code against an item's tests in a resource-limited subprocess.

This is the execution half of code review with execution: the judge gives its verdict, and
the ``code/exec`` checker (see :func:`exec_checker`) runs the code so that both results are
kept on the label (``Label.extra["exec"]``).

What is enforced, per run, in a fresh ``python -I`` child in its own session and an empty
temporary working directory, with a minimal environment:

- wall-clock timeout (the whole process group is killed) and a per-test time limit
  (``SIGALRM``: a test that loops forever times out and the next test still runs);
- CPU seconds, address space (memory), size of files written, open files, no core dumps
  (``resource.setrlimit``, soft = hard, applied by the child before the code runs).

What is **not** enforced: network access (there is no portable way to cut it without root or
user namespaces), fork bombs (``RLIMIT_NPROC`` counts every process of the user, so it cannot
be set safely on a shared machine), and reads of files the user can read. This is a guard
against the honest mistakes of generated code (infinite loops, memory blow-ups, crashes), not a
sandbox for adversarial code: run untrusted code in a container or VM.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("_exec_harness.py")

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ExecLimits:
    """Resource limits for one execution.

    Attributes:
        timeout_s: Wall-clock limit for the whole run (load + every test).
        test_timeout_s: Wall-clock limit per test (and for loading the code).
        cpu_s: CPU seconds for the whole process (``RLIMIT_CPU``).
        memory_mb: Address space (``RLIMIT_AS``), MiB.
        file_mb: Largest file the code may write (``RLIMIT_FSIZE``), MiB.

    """

    timeout_s: float = 30.0
    test_timeout_s: float = 5.0
    cpu_s: int = 20
    memory_mb: int = 512
    file_mb: int = 16

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


def run_code_tests(code: str, tests: Sequence[str],
                   limits: ExecLimits | None = None) -> dict[str, Any]:
    """Execute ``code``, then each test in its namespace, in a limited child process.

    Args:
        code: Python source (already extracted from the response).
        tests: Python snippets (typically ``assert`` statements); each one is one test.
        limits: Resource limits (default :class:`ExecLimits`).

    Returns:
        A JSON-ready dict: ``passed``, ``failed`` (assertion failed), ``errors`` (raised
        something else), ``timeouts``, ``memory`` (MemoryError), ``not_run`` (the process
        died first), ``total``, ``all_passed``, ``load`` (``ok``, ``error``, ``timeout``,
        ``memory``, or ``died``: the process ended before loading finished), ``load_error``,
        ``timed_out``, ``memory_exceeded``, ``exit_code``, ``signal``, ``seconds``,
        ``limits``, ``tests`` (per-test status and error) and ``stderr`` (last 500 chars).

    """
    limits = limits or ExecLimits()
    with tempfile.TemporaryDirectory(prefix="judgekit-exec-") as tmp:
        work = Path(tmp)
        spec = work / "spec.json"
        spec.write_text(json.dumps({"code": code, "tests": list(tests),
                                    "limits": asdict(limits)}), encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": tmp, "TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        t0 = time.monotonic()
        with open(work / "stdout", "wb") as out, open(work / "stderr", "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", str(HARNESS), str(spec)], cwd=work, env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
            )
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
    return _summarize(records, len(tests), proc.returncode, killed, seconds, limits, stderr)


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
    result: dict[str, Any] = {
        "passed": statuses.count("passed"),
        "failed": statuses.count("failed"),
        "errors": statuses.count("error"),
        "timeouts": statuses.count("timeout"),
        "memory": statuses.count("memory"),
        "not_run": n_tests - len(tests),
        "total": n_tests,
        "load": load_state,
        "load_error": load.get("error") if load else None,
        "exit_code": returncode,
        "signal": signal.Signals(sig).name if sig else None,
        "seconds": round(seconds, 3),
        "limits": asdict(limits),
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
    key = hashlib.sha256(json.dumps([code, list(tests), asdict(limits)]).encode()).hexdigest()
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
        tests.

    """
    del order  # results do not depend on the presentation order
    tests = fields.get("tests")
    if isinstance(tests, str):
        tests = [tests]
    if not isinstance(tests, list) or not tests:
        return {"exec": {"error": "item has no 'tests' (a list of Python snippets)"}}
    limits = ExecLimits().updated(fields.get("exec_limits"))
    snippets = [str(t) for t in tests]
    if fields.get("response_a") is not None and fields.get("response_b") is not None:
        return {"exec": {side: _cached_run(extract_code(str(fields[f"response_{side.lower()}"])),
                                           snippets, limits)
                         for side in ("A", "B")}}
    return {"exec": _cached_run(extract_code(str(fields.get("response", ""))), snippets, limits)}
