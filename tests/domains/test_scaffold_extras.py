"""``judgekit new-domain --with step-review``: the extra suite checks clean and runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judgekit import ContentError, check, load_suite, run_suite
from judgekit.backends import FakeBackend
from judgekit.cli._main import app
from judgekit.content._scaffold import extras, new_domain

runner = CliRunner()


def test_extras_are_listed_and_unknown_ones_refused(tmp_path: Path) -> None:
    assert "step-review" in extras()
    with pytest.raises(ContentError, match=r"unknown extra\(s\) \['proofs'\]") as info:
        new_domain("beekeeping", tmp_path / "x", extra=["proofs"])
    assert "step-review" in (info.value.fix or "")
    assert not (tmp_path / "x").exists()


def test_step_review_extra_checks_clean_and_runs(tmp_path: Path,
                                                 tmp_domain: Callable[..., Path]) -> None:
    pkg = tmp_path / "pkg"
    made = runner.invoke(app, ["new-domain", "beekeeping", "--dir", str(pkg),
                               "--with", "step-review"])
    assert made.exit_code == 0, made.output
    content = pkg / "src" / "judgekit_beekeeping" / "content"
    rel = {p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file()}
    assert {"rubrics/step-review.yaml", "prompts/step-review/system.j2",
            "prompts/step-review/user.j2", "suites/steps.yaml", "suites/items/steps.jsonl",
            "suites/sample.yaml"} <= rel
    assert (pkg / "tests" / "test_judgekit_beekeeping_steps.py").is_file()
    site = tmp_domain("beekeeping", {r: (content / r).read_text() for r in rel})
    results = {r.target: r for r in check("beekeeping")}
    assert results["beekeeping/steps"].status == "ok", results["beekeeping/steps"].detail
    assert results["beekeeping/steps"].detail == "3 solutions, 8 steps, 8 prompts rendered"
    suite = load_suite("beekeeping/steps")
    assert dict(suite.gold)["r2#2"] == "error"
    summary = run_suite(suite, FakeBackend(), tmp_path / "run")
    assert summary.requests == 8 and summary.errors == 0
    own = subprocess.run(  # the plugin's own step test, against this install
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(pkg / "tests" / "test_judgekit_beekeeping_steps.py")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)})
    assert own.returncode == 0, own.stdout + own.stderr
