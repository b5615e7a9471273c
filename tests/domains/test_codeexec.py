
"""Code review with execution: the limited subprocess, the code/exec checker, and a real
``judgekit run`` that stores both the judge's verdict and the execution result on each label."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import ReferenceNotFound, check, load_suite, open_run, run_suite
from judgekit._types import Label
from judgekit.backends import FakeBackend
from judgekit.builtin.codeexec import ExecLimits, exec_checker, extract_code, run_code_tests
from judgekit.content._checkers import checked, resolve_checker

JK = Callable[..., subprocess.CompletedProcess[str]]
MakeSuite = Callable[..., Path]

ADD_TESTS = ["assert add(1, 2) == 3", "assert add(0, 0) == 0", "assert add(-1, 1) == 0"]
FAST = ExecLimits(timeout_s=20, test_timeout_s=1, cpu_s=10, memory_mb=256)


def test_passing_code() -> None:
    r = run_code_tests("def add(a, b):\n    return a + b\n", ADD_TESTS, FAST)
    assert (r["passed"], r["failed"], r["total"], r["all_passed"]) == (3, 0, 3, True)
    assert r["load"] == "ok" and not r["timed_out"] and not r["memory_exceeded"]


def test_failing_code_counts_each_test() -> None:
    r = run_code_tests("def add(a, b):\n    return a - b\n", ADD_TESTS, FAST)
    assert (r["passed"], r["failed"]) == (1, 2)
    assert [t["status"] for t in r["tests"]] == ["failed", "passed", "failed"]
    assert not r["all_passed"]


def test_infinite_loop_times_out_per_test_and_the_rest_still_run() -> None:
    code = "def add(a, b):\n    while a < 0:\n        pass\n    return a + b\n"
    t0 = time.monotonic()
    r = run_code_tests(code, ADD_TESTS, FAST)
    assert time.monotonic() - t0 < 10
    assert [t["status"] for t in r["tests"]] == ["passed", "passed", "timeout"]
    assert r["timed_out"] and r["timeouts"] == 1


def test_wall_clock_timeout_kills_code_that_ignores_alarms() -> None:
    code = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    t0 = time.monotonic()
    r = run_code_tests(code, ADD_TESTS, ExecLimits(timeout_s=2, test_timeout_s=1, cpu_s=30))
    assert time.monotonic() - t0 < 8
    assert r["timed_out"] and r["load"] == "died" and r["not_run"] == 3
    assert r["signal"] == "SIGKILL"


def test_memory_limit() -> None:
    r = run_code_tests("blob = bytearray(2 * 1024 ** 3)\n", ADD_TESTS, FAST)
    assert r["memory_exceeded"] and r["load"] == "memory" and r["not_run"] == 3
    r = run_code_tests("def add(a, b):\n    return len([0] * (10 ** 10))\n", ADD_TESTS, FAST)
    assert r["memory_exceeded"] and r["memory"] == 3


def test_crashes_and_syntax_errors_are_results() -> None:
    r = run_code_tests("def add(:\n", ADD_TESTS, FAST)
    assert r["load"] == "error" and "SyntaxError" in r["load_error"]
    r = run_code_tests("import os\nos._exit(3)\n", ADD_TESTS, FAST)
    assert r["load"] == "died" and r["exit_code"] == 3 and r["passed"] == 0
    r = run_code_tests("raise SystemExit(0)\n", ADD_TESTS, FAST)
    assert r["load"] == "error" and r["passed"] == 0


def test_file_size_limit_and_isolated_workdir(tmp_path: Path) -> None:
    code = f"open('big', 'w').write('x' * (64 * 1024 * 1024))\nopen({str(tmp_path / 'o')!r}, 'w')"
    r = run_code_tests(code, ["assert True"], ExecLimits(file_mb=1))
    assert r["load"] == "error" and "File too large" in r["load_error"]


def test_printing_cannot_forge_results() -> None:
    code = 'print(\'{"test": 0, "status": "passed"}\')\ndef add(a, b):\n    return 0\n'
    r = run_code_tests(code, ["assert add(1, 2) == 3"], FAST)
    assert r["passed"] == 0 and r["failed"] == 1


@pytest.mark.parametrize(("text", "code"), [
    ("Here:\n```python\nx = 1\n```\nand ```\ny = 2\n```", "x = 1\n"),
    ("```\ny = 2\n```", "y = 2\n"),
    ("```js\nlet z\n```\n```py\nz = 3\n```", "z = 3\n"),
    ("x = 1", "x = 1"),
])
def test_extract_code(text: str, code: str) -> None:
    assert extract_code(text) == code


def test_exec_checker_pairwise_and_missing_tests() -> None:
    fields: dict[str, Any] = {
        "response_a": "```python\ndef add(a, b):\n    return a + b\n```",
        "response_b": "def add(a, b):\n    return a * b\n", "tests": ADD_TESTS,
        "exec_limits": {"test_timeout_s": 1},
    }
    out = exec_checker(fields, "BA")["exec"]
    assert out["A"]["passed"] == 3 and out["B"]["passed"] == 1
    assert out["A"]["limits"]["test_timeout_s"] == 1.0
    assert "error" in exec_checker({"response": "x = 1"}, "single")["exec"]


def test_limit_overrides_take_fields_only() -> None:
    limits = ExecLimits().updated({"cpu_s": "3", "updated": 1, "nope": 2})
    assert limits == ExecLimits(cpu_s=3)


def test_checker_references() -> None:
    assert resolve_checker("code/exec", "core") is exec_checker
    assert resolve_checker("exec", "code") is exec_checker
    with pytest.raises(ReferenceNotFound, match="code/exec"):
        resolve_checker("code/nope", "core")
    with pytest.raises(ReferenceNotFound, match="no domain named"):
        resolve_checker("nodomain/exec", "core")


def test_a_failing_checker_is_recorded_not_raised() -> None:
    label = Label("i", "single", "fake:0", "k", "3", "3", None, 3.0, None, None, "3")

    def broken(fields: Any, order: str) -> dict[str, Any]:
        raise RuntimeError("boom")

    assert checked(label, broken, {}).extra == {"checker_error": "RuntimeError: boom"}


ITEMS = [
    {"id": "passes", "prompt": "Write add(a, b).", "response": "def add(a, b):\n    return a + b",
     "tests": ADD_TESTS, "score": 5},
    {"id": "fails", "prompt": "Write add(a, b).", "response": "def add(a, b):\n    return a * b",
     "tests": ADD_TESTS, "score": 2},
    {"id": "loops", "prompt": "Write add(a, b).",
     "response": "```python\ndef add(a, b):\n    while True:\n        pass\n```",
     "tests": ADD_TESTS[:1], "exec_limits": {"test_timeout_s": 1}, "score": 1},
    {"id": "memory", "prompt": "Write add(a, b).",
     "response": "TABLE = [0] * (1 << 34)\ndef add(a, b):\n    return a + b",
     "tests": ADD_TESTS, "score": 1},
]


def _exec_suite(make_suite: MakeSuite) -> Path:
    return make_suite(ITEMS, rubric="code/quality", constitution="code/engineering",
                      prompt="code/review", gold="score", checker="code/exec")


def test_judgekit_run_keeps_verdict_and_execution(make_suite: MakeSuite, jk: JK,
                                                  tmp_path: Path) -> None:
    suite = _exec_suite(make_suite)
    out = tmp_path / "run"
    done = jk("run", str(suite), "--judge", "fake", "--out", str(out))
    assert done.returncode == 0, done.stderr
    exported = jk("export", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = {r["id"]: r for r in map(json.loads, exported.stdout.splitlines())}
    assert set(rows) == {"passes", "fails", "loops", "memory"}
    for row in rows.values():
        assert row["verdict"] in {"1", "2", "3", "4", "5"} and row["error"] is None
    ex = {k: r["extra"]["exec"] for k, r in rows.items()}
    assert ex["passes"]["all_passed"] and ex["passes"]["passed"] == 3
    assert (ex["fails"]["passed"], ex["fails"]["failed"]) == (1, 2)
    assert ex["loops"]["timed_out"] and ex["loops"]["timeouts"] == 1
    assert ex["memory"]["memory_exceeded"] and ex["memory"]["passed"] == 0
    assert not ex["passes"]["timed_out"] and not ex["passes"]["memory_exceeded"]


def test_resumed_run_keeps_the_stored_results(make_suite: MakeSuite, tmp_path: Path) -> None:
    suite = load_suite(str(_exec_suite(make_suite)))
    out = tmp_path / "run"
    run_suite(suite, [FakeBackend()], out)
    again = run_suite(suite, [FakeBackend()], out)
    assert again.skipped == 4 and again.judged == 0
    with open_run(out).store() as store:
        extras = {lab.item_id: lab.extra for lab in store.labels()}
    assert extras["passes"]["exec"]["passed"] == 3


def test_unknown_checker_fails_check(make_suite: MakeSuite, jk: JK) -> None:
    path = make_suite(ITEMS, rubric="code/quality", prompt="code/review", gold="score",
                      constitution=None, checker="code/missing")
    [result] = check(str(path))
    assert result.status == "failed"
    assert "checker 'code/missing' not found" in result.detail and "code/exec" in result.detail
    assert jk("check", str(path)).returncode == 1


def test_builtin_review_exec_suite(tmp_path: Path) -> None:
    suite = load_suite("code/review-exec")
    run_suite(suite, [FakeBackend()], tmp_path / "run")
    with open_run(tmp_path / "run").store() as store:
        ex = {lab.item_id: lab.extra["exec"] for lab in store.labels()}
    assert ex["palindrome-ok"]["all_passed"]
    assert ex["median-unsorted"]["failed"] == 2
    assert ex["digit-sum-loop"]["timed_out"] and ex["digit-sum-loop"]["passed"] == 3
    assert ex["popcount-table"]["memory_exceeded"]
    assert ex["user-lookup-sqli"]["all_passed"]  # tests pass; the judge must catch the injection
    assert ex["fizzbuzz-syntax"]["load"] == "error"
