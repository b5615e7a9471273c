"""``judgekit gold list`` / ``judgekit gold fetch`` through the real CLI (CliRunner, and once
as a subprocess): one clear message and exit 1 on every failure, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judgekit.cli._main import app
from judgekit.gold import cached

from .conftest import Mirror, Serve

runner = CliRunner()


@pytest.fixture(autouse=True)
def away_from_shared_gold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def jk(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_list_shows_every_set_its_licence_and_cache_state(serve: Serve, mirror: Mirror) -> None:
    serve("llmbar")
    code, before = jk("gold", "list")
    assert code == 0
    assert "judgebench" in before and "no-license *" in before and "CC-BY-NC-4.0 *" in before
    assert "2307" in before and "not fetched" in before and "cached" in before
    assert jk("gold", "fetch", "llmbar")[0] == 0
    code, after = jk("gold", "list")
    llmbar_line = next(line for line in after.splitlines() if "llmbar" in line)
    assert "cached" in llmbar_line and "not fetched" not in llmbar_line


def test_fetch_one_prints_where_it_went(serve: Serve, mirror: Mirror, private_cache: Path) -> None:
    serve("conala-human-grades")
    code, output = jk("gold", "fetch", "conala-human-grades")
    assert code == 0, output
    assert "conala-human-grades: 5 items at" in output
    assert cached("conala-human-grades") == private_cache / "conala-human-grades" / "data.jsonl"


def test_fetch_all_skips_restricted_sets_and_says_how_to_get_them(
        serve: Serve, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    from judgekit.gold import _registry as registry

    entries = [serve(name) for name in ("llmbar", "judgebench", "codeprefbench-human")]
    monkeypatch.setattr(registry, "REGISTRY", tuple(entries))
    code, output = jk("gold", "fetch", "--all", "--accept-license", "CC-BY-NC-4.0")
    assert code == 0, output
    assert "llmbar: 3 items" in output and "codeprefbench-human: 2 items" in output
    assert ("skipped judgebench: licence no-license; to fetch it: judgekit gold fetch "
            "judgebench --accept-license no-license") in " ".join(output.split())
    assert cached("judgebench") is None


def test_fetch_restricted_without_the_flag_is_refused(serve: Serve, mirror: Mirror) -> None:
    serve("codeprefbench-human")
    code, output = jk("gold", "fetch", "codeprefbench-human")
    assert code == 1
    flat = " ".join(output.split())
    assert "licence CC-BY-NC-4.0" in flat
    assert "judgekit gold fetch codeprefbench-human --accept-license CC-BY-NC-4.0" in flat
    assert mirror.requests == []


def test_fetch_needs_names_or_all() -> None:
    code, output = jk("gold", "fetch")
    assert code == 1 and "pass --all" in output
    code, output = jk("gold", "fetch", "nope")
    assert code == 1 and "no built-in gold set" in output


def test_fetch_several_reports_each_failure_and_exits_1(serve: Serve, mirror: Mirror) -> None:
    entry = serve("llmbar")
    serve("pandalm-test")
    mirror.files.pop(f"/{entry.repo}/{entry.commit}/{entry.files[0].path}")
    code, output = jk("gold", "fetch", "llmbar", "pandalm-test")
    assert code == 1
    assert "answered HTTP 404" in output and "pandalm-test: 2 items" in output
    assert "1 failed: llmbar" in output


def test_subprocess_refuses_a_file_that_does_not_match_the_registry(
        serve: Serve, mirror: Mirror, tmp_path: Path) -> None:
    # the sample bytes are not the pinned upstream file: the real registry must refuse them
    serve("pandalm-test")
    env = {**os.environ, "JUDGEKIT_GOLD_MIRROR": mirror.url, "COLUMNS": "200",
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run([sys.executable, "-m", "judgekit", "gold", "fetch", "pandalm-test"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "gold set 'pandalm-test': sha256 mismatch" in proc.stderr
    assert "cc154f9067c7382d7ea86f8f246511a5e1ac87e1fddd845c5938d789505b07a4" in proc.stderr
    assert not (tmp_path / "xdg" / "judgekit" / "gold" / "pandalm-test").exists()
