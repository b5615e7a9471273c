"""Child-side harness of ``codeexec``: limit itself, load the code, run each test, log results.

Run as a script (``python -I _exec_harness.py RESULTS_FD`` with the spec as JSON on stdin),
never imported by judgekit. It imports only the standard library. The resource limits are
applied here, as the first thing the child does and before any untrusted code runs, with
soft = hard so the code cannot raise them again. (``subprocess``'s ``preexec_fn`` would do the
same between fork and exec, but Python documents it as unsafe when the parent has threads, as a
process serving vLLM does.) Inside the bubblewrap sandbox, a harness started as root first
becomes an unused uid, so that the process limit (``RLIMIT_NPROC``) applies to the code.

Each outcome is written to the results file descriptor as one JSON line as soon as it is known,
so a run killed by the parent's wall-clock timeout still reports the tests it finished. An
audit hook (:class:`_Watch`) reports what the code tried: network, writes outside the writable
folders, reads of absent or private files, and processes (the limit, or, without a sandbox,
each attempt). Forked children never write results: they exit when they return to the harness.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

MB = 1024 * 1024
_NET = {"socket.connect": 1, "socket.bind": 1, "socket.sendto": 1, "socket.getaddrinfo": 0,
        "socket.gethostbyname": 0, "socket.gethostbyaddr": 0}
_PATHS = {"os.mkdir": 0, "os.remove": 0, "os.rmdir": 0, "os.rename": 1, "os.truncate": 0,
          "os.chmod": 0, "os.chown": 0, "os.symlink": 1, "os.link": 1, "shutil.rmtree": 0}
"""Events that change the file system -> index of the path they change."""
_PROCS = ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system",
          "subprocess.Popen")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_MAX_NOTES = 20


class _TestTimeout(BaseException):
    """SIGALRM's exception in a test past its time limit (BaseException: rarely caught)."""


class _Watch:
    """Audit hook noting (once each) what the code tried that a sandbox contains."""

    def __init__(self, spec: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
        self.sandboxed = spec["sandbox"] == "bwrap"
        self.writable = tuple(spec["writable"])
        self.private = tuple(spec["private"])
        self.system = tuple(spec["system"])
        self.processes = int(spec["limits"]["processes"])
        self.emit = emit
        self.pid = os.getpid()
        self.seen: set[str] = set()
        self.busy = False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.busy or os.getpid() != self.pid or len(self.seen) >= _MAX_NOTES:
            return
        self.busy = True
        try:
            self._see(event, args)
        except Exception:  # a hook must never break the code it watches
            pass
        finally:
            self.busy = False

    def _see(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _NET and not _ip_literal(args[_NET[event]], event):
            self.note("network", f"{event.removeprefix('socket.')} {args[_NET[event]]!r}")
        elif event in _PROCS and not self.sandboxed:
            self.note("process", event)
        elif event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            path = os.path.abspath(os.fsdecode(args[0]))
            if int(args[2]) & _WRITE_FLAGS:
                self._write(path)
            elif self.sandboxed and not os.path.lexists(path):
                self.note("read", path)  # the parent keeps those present outside the sandbox
            elif not self.sandboxed and self._under(path, self.private) \
                    and not self._under(path, self.system):
                self.note("read", path)
        elif event in _PATHS and isinstance(args[_PATHS[event]], str | bytes | os.PathLike):
            self._write(os.path.abspath(os.fsdecode(args[_PATHS[event]])))

    def _write(self, path: str) -> None:
        if not self._under(path, self.writable):
            self.note("write", path)

    @staticmethod
    def _under(path: str, roots: tuple[str, ...]) -> bool:
        return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)

    def note(self, kind: str, detail: str) -> None:
        """Report one attempt (``kind: detail``), once."""
        text = f"{kind}: {detail}"[:300]
        if text not in self.seen and os.getpid() == self.pid:
            self.seen.add(text)
            self.emit({"attempt": text})

    def limit_hit(self) -> None:
        """Report that the process limit refused a new process."""
        self.note("process", f"limit of {self.processes} processes and threads reached")


def _ip_literal(target: Any, event: str) -> bool:
    """A forward lookup of an address written as digits (it reaches no network)."""
    if event not in ("socket.getaddrinfo", "socket.gethostbyname"):
        return False
    try:
        ipaddress.ip_address(os.fsdecode(target) if target is not None else "")
    except (TypeError, ValueError):
        return False
    return True


def _become_unprivileged(uid: int) -> None:
    """Root in the sandbox: become ``uid`` (unused elsewhere), so RLIMIT_NPROC counts only us."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _limit(limits: dict[str, Any], sandboxed: bool) -> None:
    cpu = int(limits["cpu_s"])
    pairs = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),  # SIGXCPU at the soft limit, SIGKILL at the hard
        resource.RLIMIT_AS: (int(limits["memory_mb"]) * MB,) * 2,
        resource.RLIMIT_FSIZE: (int(limits["file_mb"]) * MB,) * 2,
        resource.RLIMIT_NOFILE: (64, 64),
        resource.RLIMIT_CORE: (0, 0),
    }
    if sandboxed:  # per user namespace (or per unused uid): safe to set only in the sandbox
        pairs[resource.RLIMIT_NPROC] = (int(limits["processes"]),) * 2
    for kind, (soft, hard) in pairs.items():
        _, old_hard = resource.getrlimit(kind)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(kind, (soft, hard))
    # past the file-size limit a write fails with OSError instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _guard_fork(watch: _Watch) -> None:
    """Make ``os.fork`` report the process limit when it refuses a process."""
    real = os.fork

    def fork() -> int:
        try:
            return real()
        except BlockingIOError:
            watch.limit_hit()
            raise

    os.fork = fork


def _on_alarm(signum: int, frame: object) -> None:
    raise _TestTimeout


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:300]


def _run(source: str, name: str, namespace: dict[str, Any], seconds: float,
         watch: _Watch) -> tuple[str, str | None]:
    """Execute one snippet under the per-test alarm: ``(status, error)``."""
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        exec(compile(source, name, "exec"), namespace)
        status, error = "passed", None
    except _TestTimeout:
        status, error = "timeout", f"ran past {seconds:g} s"
    except AssertionError as exc:
        status, error = "failed", _describe(exc)
    except MemoryError as exc:
        status, error = "memory", _describe(exc)
    except BaseException as exc:  # the code under test may raise anything, SystemExit too
        if isinstance(exc, OSError) and exc.errno == errno.EAGAIN:
            watch.limit_hit()
        status, error = "error", _describe(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if os.getpid() != watch.pid:  # a forked child came back here: it must not report
        os._exit(0)
    return status, error


def main() -> None:
    """Read the spec, apply limits, exec the code, then each test in the code's namespace."""
    spec = json.loads(sys.stdin.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.fdopen(int(sys.argv[1]), "a", encoding="utf-8")  # open until the process ends
    sandboxed = spec["sandbox"] == "bwrap"
    if sandboxed and os.getuid() == 0 and spec.get("drop_to"):
        _become_unprivileged(int(spec["drop_to"]))
    _limit(spec["limits"], sandboxed)

    def emit(record: dict[str, Any]) -> None:
        log.write(json.dumps(record) + "\n")
        log.flush()

    watch = _Watch(spec, emit)
    _guard_fork(watch)
    sys.addaudithook(watch)
    signal.signal(signal.SIGALRM, _on_alarm)
    per_test = float(spec["limits"]["test_timeout_s"])
    namespace: dict[str, Any] = {"__name__": "__judged__"}
    t0 = time.monotonic()
    status, error = _run(spec["code"], "<response>", namespace, per_test, watch)
    if status != "passed":
        load = {"timeout": "timeout", "memory": "memory"}.get(status, "error")
        emit({"load": load, "error": "loading the code ran past the time limit"
              if load == "timeout" else error})
        return
    emit({"load": "ok", "seconds": round(time.monotonic() - t0, 4)})
    for i, test in enumerate(spec["tests"]):
        t0 = time.monotonic()
        status, error = _run(test, f"<test {i}>", namespace, per_test, watch)
        emit({"test": i, "status": status, "error": error,
              "seconds": round(time.monotonic() - t0, 4)})


if __name__ == "__main__":
    main()
