"""``judgekit run`` / ``check`` on a suite whose ``gold:`` set is not here: fetch on first use
(redistributable, allowed) or say exactly which command to run (the real CLI, in-process and
as a subprocess)."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judgekit import check
from judgekit.cli._main import app
from judgekit.content import _suite
from judgekit.gold import cached

from .conftest import Mirror, Serve

pytestmark = pytest.mark.skipif(
    "gold_root_for" not in inspect.getsource(_suite.items_file),
    reason="content/_suite.py does not call judgekit.gold.gold_root_for yet")

MakeSuite = Callable[..., Path]


@pytest.fixture
def suite(make_suite: MakeSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A suite reading ``gold:pandalm-test/data.jsonl``, run from a folder with no shared gold."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return make_suite(items="gold:pandalm-test/data.jsonl")


def test_check_skips_the_suite_and_names_the_command(suite: Path) -> None:
    [result] = check(str(suite))
    assert result.status == "skipped"
    assert "run `judgekit gold fetch pandalm-test`" in result.detail


def test_run_fetches_on_first_use(suite: Path, serve: Serve, mirror: Mirror, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    serve("pandalm-test")
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "auto")
    result = CliRunner().invoke(app, ["run", str(suite), "--judge", "fake",
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert cached("pandalm-test") is not None and len(mirror.requests) == 1
    [checked] = check(str(suite))  # now local: no second download
    assert checked.status == "ok" and len(mirror.requests) == 1


def test_run_offline_says_which_command_to_run(suite: Path, jk, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "JUDGEKIT_GOLD_FETCH": "never"}
    proc = jk("run", str(suite), "--judge", "fake", "--out", str(tmp_path / "run"),
              cwd=tmp_path / "cwd", env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "gold set 'pandalm-test', which is not on this machine" in proc.stderr
    assert "run `judgekit gold fetch pandalm-test`" in proc.stderr
    assert "--gold-root DIR" in proc.stderr


def test_run_first_use_with_the_mirror_down(suite: Path, jk, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "JUDGEKIT_GOLD_FETCH": "auto",
           "JUDGEKIT_GOLD_MIRROR": f"http://127.0.0.1:{port}"}
    proc = jk("run", str(suite), "--judge", "fake", "--out", str(tmp_path / "run"),
              cwd=tmp_path / "cwd", env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "fetching gold set 'pandalm-test' on first use failed" in proc.stderr
    assert "run `judgekit gold fetch pandalm-test` when online" in proc.stderr
    assert not (tmp_path / "xdg" / "judgekit" / "gold" / "pandalm-test").exists()
