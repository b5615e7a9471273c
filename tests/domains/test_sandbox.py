"""Code execution in the real bubblewrap sandbox: what it contains, and what the label says.

Every attack below is aimed at something real on this machine (a TCP server of the test, a
file in the user's home, the home folder itself, the process table); the host is checked
afterwards. The fork bomb runs only inside the sandbox, with a small process limit.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from judgekit import load_suite, open_run, run_suite
from judgekit.backends import FakeBackend
from judgekit.builtin import codeexec
from judgekit.builtin.codeexec import ExecLimits, Isolation, isolation, run_code_tests

QUICK = ExecLimits(timeout_s=10, test_timeout_s=3, cpu_s=5, processes=16)
SRC = Path(codeexec.__file__).parents[2]


@pytest.fixture
def bwrap() -> None:
    """Skip where this machine has no working bubblewrap (``.ci/run`` installs it)."""
    found = isolation()
    if found.sandbox != "bwrap":
        pytest.skip(f"no bubblewrap sandbox here: {found.reason}")


needs_bwrap = pytest.mark.usefixtures("bwrap")


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on the host's 127.0.0.1; the list collects what reached it."""
    got: list[str] = []
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.2)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn:
                got.append(conn.recv(100).decode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield srv.getsockname()[1], got
    done.set()
    thread.join()
    srv.close()


@pytest.fixture
def home_file() -> Iterator[Path]:
    """A private file in the user's real home folder (removed afterwards)."""
    path = Path.home() / f".judgekit-sandbox-test-{uuid.uuid4().hex}"
    path.write_text("SECRET", encoding="utf-8")
    yield path
    path.unlink()


def connect(port: int) -> str:
    return (f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "s.sendall(b'leak')\ns.close()\n")


@needs_bwrap
def test_network_is_contained(server: tuple[int, list[str]]) -> None:
    port, got = server
    r = run_code_tests(connect(port), ["assert True"], QUICK)
    assert r["sandbox"] == "bwrap" and r["load"] == "error"
    assert "Connection refused" in r["load_error"] or "unreachable" in r["load_error"]
    assert f"network: connect ('127.0.0.1', {port})" in r["blocked"]
    time.sleep(0.5)
    assert got == []  # nothing reached the host


@needs_bwrap
def test_reading_a_file_in_the_users_home_is_contained(home_file: Path) -> None:
    r = run_code_tests(f"secret = open({str(home_file)!r}).read()", ["assert secret"], QUICK)
    assert r["load"] == "error" and "FileNotFoundError" in r["load_error"]
    assert r["blocked"] == [f"read: {home_file}"]


@needs_bwrap
def test_writing_outside_tmp_is_contained() -> None:
    target = Path.home() / f".judgekit-sandbox-write-{uuid.uuid4().hex}"
    mine = f"/tmp/judgekit-sandbox-{uuid.uuid4().hex}"
    code = f"open({mine!r}, 'w').write('ok')\n"
    tests = [f"open({mine!r}).read() == 'ok'", f"open({str(target)!r}, 'w').write('x')",
             "import os\nos.mkdir('/usr/judgekit-x')"]
    r = run_code_tests(code, tests, QUICK)
    assert [t["status"] for t in r["tests"]] == ["passed", "error", "error"]
    assert "Read-only file system" in r["tests"][1]["error"]
    assert r["blocked"] == [f"write: {target}", "write: /usr/judgekit-x"]
    assert not target.exists() and not Path(mine).exists()  # the sandbox's /tmp is private


@needs_bwrap
def test_a_fork_bomb_is_contained_and_nothing_outlives_the_run() -> None:
    mark = f"{uuid.uuid4().int % 10**6}.5"
    code = (f"import os, subprocess\nsubprocess.Popen(['sleep', '{mark}'])\n"
            "def bomb():\n    while True:\n        os.fork()\n")
    t0 = time.monotonic()
    r = run_code_tests(code, ["bomb()", "assert 1 + 1 == 2"], QUICK)
    assert time.monotonic() - t0 < QUICK.timeout_s
    assert r["tests"][0]["status"] == "error" and "BlockingIOError" in r["tests"][0]["error"]
    assert r["tests"][1]["status"] == "passed"  # the harness itself survived
    assert "process: limit of 16 processes and threads reached" in r["blocked"]
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and mark.encode() in
            _cmdline(p)]
    assert left == []  # the sandbox's PID namespace went with it


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


@needs_bwrap
def test_the_label_says_which_sandbox_ran_and_what_it_blocked(
        make_suite: Callable[..., Path], tmp_path: Path, server: tuple[int, list[str]]) -> None:
    port, _ = server
    items = [{"id": "phones-home", "prompt": "Write add(a, b).",
              "response": connect(port) + "def add(a, b):\n    return a + b\n",
              "tests": ["assert add(1, 2) == 3"], "score": 1}]
    suite = load_suite(str(make_suite(items, rubric="code/quality", constitution=None,
                                      prompt="code/review", gold="score",
                                      checker="code/exec")))
    run_suite(suite, [FakeBackend()], tmp_path / "run")
    with open_run(tmp_path / "run").store() as store:
        [label] = list(store.labels())
    ex = label.extra["exec"]
    assert ex["sandbox"] == "bwrap" and ex["load"] == "error"
    assert ex["blocked"] == [f"network: connect ('127.0.0.1', {port})"]
    assert "warning" not in label.extra


def test_a_run_without_the_sandbox_says_so_once_in_its_summary(
        make_suite: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = [{"id": f"add{i}", "prompt": "Write add(a, b).",
              "response": "def add(a, b):\n    return a + b\n",
              "tests": ["assert add(1, 2) == 3"], "score": 1} for i in range(3)]
    suite = load_suite(str(make_suite(items, rubric="code/quality", constitution=None,
                                      prompt="code/review", gold="score",
                                      checker="code/exec")))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    isolation.cache_clear()
    try:
        summary = run_suite(suite, [FakeBackend()], tmp_path / "run")
    finally:
        isolation.cache_clear()
    assert len(summary.warnings) == 1 and "not sandboxed" in summary.warnings[0]
    assert open_run(tmp_path / "run").manifest["summary"]["warnings"] == summary.warnings


def test_without_bubblewrap_the_guard_runs_and_says_it_is_not_contained(
        monkeypatch: pytest.MonkeyPatch, server: tuple[int, list[str]], home_file: Path) -> None:
    port, got = server
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    isolation.cache_clear()
    try:
        found = isolation()
        code = connect(port) + f"secret = open({str(home_file)!r}).read()\n"
        r = run_code_tests(code, ["assert secret == 'SECRET'"], QUICK)
    finally:
        isolation.cache_clear()
    assert found == Isolation("rlimits", "bubblewrap (bwrap) is not installed")
    assert found.warning is not None and "apt-get install bubblewrap" in found.warning
    assert r["sandbox"] == "rlimits" and r["all_passed"] and r["blocked"] == []
    assert r["unconfined"] == [f"network: connect ('127.0.0.1', {port})", f"read: {home_file}"]
    time.sleep(0.5)
    assert got == ["leak"]  # what the sandbox prevents really happens without it


def test_a_bwrap_that_cannot_start_falls_back_with_its_reason(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As where user namespaces are off (or an AppArmor profile forbids them)."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\n"
                    "exit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    isolation.cache_clear()
    try:
        found = isolation()
        r = run_code_tests("x = 1", ["assert x == 1"], QUICK)
    finally:
        isolation.cache_clear()
    assert found.sandbox == "rlimits"
    assert found.reason == "bwrap does not work here: bwrap: setting up uid map: Permission denied"
    assert r["sandbox"] == "rlimits" and r["all_passed"]


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv")
                    or not Path("/usr/bin/python3").is_file(),
                    reason="needs root (to become nobody), setpriv and /usr/bin/python3")
def test_an_unprivileged_user_gets_the_same_sandbox() -> None:
    """The user-namespace path (how a non-root user runs it), as ``nobody``."""
    script = f"""
import json, sys, types
for name, sub in (("judgekit", ""), ("judgekit.builtin", "/builtin")):
    module = types.ModuleType(name)
    module.__path__ = [{str(SRC / "judgekit")!r} + sub]
    sys.modules[name] = module
from judgekit.builtin.codeexec import ExecLimits, isolation, run_code_tests
limits = ExecLimits(timeout_s=10, test_timeout_s=3, cpu_s=5, processes=16)
r = run_code_tests("import os", ["while True: os.fork()", "open('/etc/jk', 'w')"], limits)
print(json.dumps([isolation().sandbox, r["blocked"], [t["status"] for t in r["tests"]]]))
"""
    if _system_python() < (3, 11):
        pytest.skip("/usr/bin/python3 is older than 3.11")
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "/usr/bin/python3", "-I", "-c", script], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin",
                                                      "HOME": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    sandbox, blocked, statuses = json.loads(proc.stdout.splitlines()[-1])
    assert sandbox == "bwrap" and statuses == ["error", "error"]
    assert blocked == ["process: limit of 16 processes and threads reached", "write: /etc/jk"]


def _system_python() -> tuple[int, ...]:
    out = subprocess.run(["/usr/bin/python3", "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True, timeout=30).stdout.split()
    return tuple(map(int, out))
