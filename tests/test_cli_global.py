"""Global options: --version, -h, --verbose."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

import judgekit
from judgekit.cli._main import app

runner = CliRunner()


def test_version_and_short_help() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"judgekit {judgekit.__version__}"
    res = runner.invoke(app, ["-h"])
    assert res.exit_code == 0 and "--verbose" in res.output and "Commands" in res.output
    res = runner.invoke(app, ["run", "-h"])
    assert res.exit_code == 0 and "--executor" in res.output


def test_verbose_lets_engines_print() -> None:
    os.environ.pop("JUDGEKIT_VERBOSE", None)
    try:
        res = runner.invoke(app, ["--verbose", "domains"])
        assert res.exit_code == 0 and os.environ.get("JUDGEKIT_VERBOSE") == "1"
    finally:
        os.environ.pop("JUDGEKIT_VERBOSE", None)


def test_check_names_the_whole_file_when_the_output_is_narrow(
        tmp_path: Path, jk: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    suite = tmp_path / "sample-pointwise-with-a-long-name.yaml"
    suite.write_text("rubric: core/preference\nprompt: core/pairwise\nitems: items.jsonl\n"
                     "bogus_key: 1\n")
    (tmp_path / "items.jsonl").write_text(
        '{"id": "a", "prompt": "p", "response_a": "x", "response_b": "y"}\n')
    proc = jk("check", str(suite), env={"COLUMNS": "40"})
    assert proc.returncode == 1
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("failed: ")]
    assert len(lines) == 1 and f"{suite}, line 4, field 'bogus_key'" in lines[0], proc.stdout


def test_the_progress_line_counts_labels_and_errors(
        tmp_path: Path, make_suite: Callable[..., Path]) -> None:
    from judgekit import load_suite, run_suite
    from judgekit.backends import FakeBackend
    from judgekit.cli._live import LiveStatus

    live = LiveStatus()
    summary = run_suite(load_suite(str(make_suite())), [FakeBackend(1, error_every=5)],
                        tmp_path / "run", batch_size=4, watch=live)
    assert summary.errors > 0 and (live.labels, live.errors) == (24, summary.errors)
    assert live.line().endswith(f"labels/s, {summary.errors} errors")
