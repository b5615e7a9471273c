"""The command line: every bad input gets one clear message (file, line/field, fix), exit 1, no
traceback, and leaves nothing half-written; the happy paths; ``python -m judgekit``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from judgekit import ContentError, JudgekitError, check, load_suite, run_suite
from judgekit.backends import FakeBackend
from judgekit.cli._main import app
from judgekit.run import Store

runner = CliRunner()
JK = Callable[..., subprocess.CompletedProcess[str]]
MakeSuite = Callable[..., Path]


class Env:
    """What a bad-input case may use to build its suite."""

    def __init__(self, tmp_path: Path, make_suite: MakeSuite,
                 pairwise: Callable[..., list[dict[str, Any]]],
                 tmp_domain: Callable[..., Path]) -> None:
        self.tmp = tmp_path
        self.make_suite = make_suite
        self.rows = pairwise
        self.tmp_domain = tmp_domain
        self.pythonpath: str | None = None


def _missing_suite(e: Env) -> Path:
    return e.tmp / "no-such-suite.yaml"


def _unlinked(e: Env) -> Path:
    path = e.make_suite(items="gone.jsonl")
    (path.parent / "gone.jsonl").unlink()
    return path


def _invalid_yaml(e: Env) -> Path:
    path = e.make_suite()
    path.write_text("rubric: core/preference\nprompt: [core/pairwise\nitems: items.jsonl\n",
                    encoding="utf-8")
    return path


def _template_var_missing(e: Env) -> Path:
    (e.tmp / "pw.jsonl").write_text('{"id": "only", "prompt": "p"}\n', encoding="utf-8")
    path = e.tmp / "pw.yaml"
    path.write_text("rubric: quality\nprompt: pointwise\nitems: pw.jsonl\n", encoding="utf-8")
    return path


def _jinja_syntax(e: Env) -> Path:
    site = e.tmp_domain("clibad", {"prompts/p/system.j2": "ok",
                                   "prompts/p/user.j2": "{{ item.prompt }}\n{% if %}\n"})
    e.pythonpath = str(site)
    return e.make_suite(prompt="clibad/p")


def _huge_item(e: Env) -> Path:
    rows = e.rows(3)
    rows[2]["response_a"] = "y" * (4 * 1024 * 1024)
    return e.make_suite(rows)


def _duplicate_ids(e: Env) -> Path:
    rows = e.rows(5)
    rows[4]["id"] = rows[1]["id"]
    return e.make_suite(rows)


def _gold_outside(e: Env) -> Path:
    rows = e.rows(5)
    rows[3]["human_label"] = "both"
    return e.make_suite(rows)


def _csv_extra(e: Env) -> Path:
    text = ("id,prompt,response_a,response_b\na,q,r1,r2\nb,q,r1,r2,surplus\n")
    return e.make_suite(text, items="items.csv", gold=None)


CASES: dict[str, tuple[Callable[[Env], Path], list[str]]] = {
    "missing file": (_missing_suite, ["no-such-suite.yaml", "suite file not found", "fix:"]),
    "missing items file": (_unlinked, ["gone.jsonl", "file not found", "fix:"]),
    "invalid YAML": (_invalid_yaml, ["suite.yaml, line 3", "invalid YAML", "fix:"]),
    "unknown key": (lambda e: e.make_suite(rubirc="x"),
                    ["suite.yaml, line 6, field 'rubirc'", "unknown key 'rubirc'", "fix:"]),
    "unknown rubric": (lambda e: e.make_suite(rubric="core/nope"),
                       ["suite.yaml, field 'rubric'", "'core/nope' not found",
                        "core/preference"]),
    "unknown domain": (lambda e: e.make_suite(constitution="mars/hhh"),
                       ["suite.yaml, field 'constitution'", "'mars/hhh' not found"]),
    "template variable missing": (_template_var_missing,
                                  ["user.j2, item 'only' (line 1)", "template variable missing",
                                   "response", "fix:"]),
    "jinja syntax error": (_jinja_syntax, ["user.j2, line 2", "template syntax error", "fix:"]),
    "empty items file": (lambda e: e.make_suite("\n"), ["items.jsonl", "no items", "fix:"]),
    "duplicate ids": (_duplicate_ids, ["items.jsonl, line 5", "duplicate item id 'it0001'",
                                       "first on line 2"]),
    "gold outside labels": (_gold_outside, ["items.jsonl, line 4", "gold label 'both'",
                                            "gold_map"]),
    "non-UTF-8 file": (lambda e: e.make_suite(b'{"id": "a", "prompt": "caf\xe9"}\n'),
                       ["items.jsonl, line 1", "not valid UTF-8", "fix:"]),
    "item of several MB": (_huge_item, ["items.jsonl, line 3", "M characters", "fix:"]),
    "csv extra cells": (_csv_extra, ["items.csv, line 3", "more cells than the header"]),
    "invalid JSON line": (lambda e: e.make_suite('{"id": "a"}\n{"id": "b"\n'),
                          ["items.jsonl, line 2", "invalid JSON", "fix:"]),
}


@pytest.fixture
def env(tmp_path: Path, make_suite: MakeSuite, pairwise: Callable[..., list[dict[str, Any]]],
        tmp_domain: Callable[..., Path]) -> Env:
    return Env(tmp_path, make_suite, pairwise, tmp_domain)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_api(case: str, env: Env) -> None:
    build, expected = CASES[case]
    suite = build(env)
    out = env.tmp / "run"
    with pytest.raises(ContentError) as info:
        run_suite(load_suite(str(suite)), [FakeBackend()], out)
    for text in expected:
        if text != "fix:":
            assert text in str(info.value), (text, str(info.value))
    assert not out.exists()


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_cli(case: str, env: Env) -> None:
    build, expected = CASES[case]
    suite = build(env)
    out = env.tmp / "run"
    for args in (["run", str(suite), "--judge", "fake", "--out", str(out)],
                 ["render", str(suite)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.lstrip().startswith("error: ")
        for want in expected:
            assert want in flat(result.stderr), (args, want, result.stderr)
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)
    assert not out.exists()
    result = runner.invoke(app, ["check", str(suite)])  # a table row, wrapped to the terminal
    assert result.exit_code == 1 and "1 failed" in result.output
    (checked,) = check(str(suite))
    assert checked.status == "failed"
    for want in expected:
        assert want in flat(checked.detail), (want, checked.detail)


@pytest.mark.parametrize("case", ["invalid YAML", "jinja syntax error", "non-UTF-8 file",
                                  "item of several MB", "template variable missing"])
def test_bad_input_real_process(case: str, env: Env, jk: JK) -> None:
    build, expected = CASES[case]
    suite = build(env)
    out = env.tmp / "run"
    extra = {"PYTHONPATH": env.pythonpath} if env.pythonpath else None
    proc = jk("run", str(suite), "--judge", "fake", "--out", str(out), env=extra,
              cwd=env.tmp)
    assert proc.returncode == 1
    assert proc.stderr.lstrip().startswith("error: ")  # after the (transient) progress bar
    assert "Traceback" not in proc.stderr
    for want in expected:
        assert want in flat(proc.stderr)
    assert not out.exists()


def test_run_dir_of_another_suite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert runner.invoke(app, ["run", "core/sample", "--judge", "fake", "--out", str(out)]
                         ).exit_code == 0
    manifest = (out / "manifest.json").read_bytes()
    result = runner.invoke(app, ["run", "core/sample-pointwise", "--judge", "fake", "--out",
                                 str(out)])
    assert result.exit_code == 1
    assert "holds a run of suite 'core/sample'" in flat(result.stderr)
    assert (out / "manifest.json").read_bytes() == manifest
    with Store(out / "labels.sqlite") as store:
        assert store.count() == 24


def test_export_failure_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "labels.jsonl"
    result = runner.invoke(app, ["export", str(tmp_path / "nothing"), "-o", str(target)])
    assert result.exit_code == 1 and "not a judgekit run" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_judge_and_export_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "core/sample", "--judge", "oracle", "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 1 and "unknown judge 'oracle'" in result.stderr
    assert not (tmp_path / "r").exists()
    result = runner.invoke(app, ["export", str(tmp_path), "--format", "xml"])
    assert result.exit_code == 1 and "unknown export format 'xml'" in result.stderr


def test_render_shows_both_orders_and_one_item() -> None:
    result = runner.invoke(app, ["render", "core/sample", "--item", "boil"])
    assert result.exit_code == 0
    assert "item boil  order AB" in result.output and "item boil  order BA" in result.output
    assert result.output.count("--- system ---") == 2
    assert "About 90" in result.output
    missing = runner.invoke(app, ["render", "core/sample", "--item", "nope"])
    assert missing.exit_code == 1 and "no item 'nope'" in missing.stderr
    pointwise = runner.invoke(app, ["render", "core/sample-pointwise", "--limit", "2"])
    assert pointwise.output.count("order single") == 2


def test_run_then_export(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "core/sample", "--judge", "fake:3", "--out", str(out),
                                 "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    assert "24 judged" in flat(result.stdout)
    again = runner.invoke(app, ["run", "core/sample", "--judge", "fake:3", "--out", str(out)])
    assert "24 already done" in flat(again.stdout)
    target = tmp_path / "labels.jsonl"
    exported = runner.invoke(app, ["export", str(out), "--format", "jsonl", "-o", str(target)])
    assert exported.exit_code == 0
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 24 and {r["judge"] for r in records} == {"fake:3"}
    items = runner.invoke(app, ["export", str(out), "--format", "items"])
    assert len(items.stdout.splitlines()) == 12


def test_check_and_domains() -> None:
    result = runner.invoke(app, ["check", "core"])
    assert result.exit_code == 0
    assert "core/sample " in result.output and "0 failed" in result.output
    result = runner.invoke(app, ["check", "atlantis"])
    assert result.exit_code == 1 and "no domain named 'atlantis'" in flat(result.output)
    result = runner.invoke(app, ["domains"])
    assert result.exit_code == 0 and "core" in result.output


def test_every_command_has_help() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert {"domains", "render", "run", "export", "check"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output
    assert "--latency" not in runner.invoke(app, ["run", "--help"]).output  # hidden option


def test_python_dash_m_in_a_real_process(jk: JK, tmp_path: Path) -> None:
    top = jk("--help", cwd=tmp_path)
    assert top.returncode == 0 and "Usage:" in top.stdout and "Traceback" not in top.stderr
    bare = jk(cwd=tmp_path)  # no arguments: the help, not a crash
    assert "Usage:" in bare.stdout + bare.stderr and "Traceback" not in bare.stderr


@pytest.mark.slow
def test_every_command_help_in_a_real_process(jk: JK, tmp_path: Path) -> None:
    top = jk("--help", cwd=tmp_path)
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in commands:
        proc = jk(name, "--help", cwd=tmp_path)
        assert proc.returncode == 0 and name in proc.stdout, (name, proc.stderr)
        assert name in top.stdout


def test_judgekit_errors_never_escape_as_tracebacks() -> None:
    # the friendly wrapper covers every JudgekitError subclass, not only ContentError
    result = runner.invoke(app, ["export", "/nonexistent/run"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert issubclass(ContentError, JudgekitError)
