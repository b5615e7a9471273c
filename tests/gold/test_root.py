"""Where ``gold:`` paths are read: --gold-root > JUDGEKIT_GOLD_ROOT > shared/gold > cache,
and fetching on first use only for redistributable sets when allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgekit import DataUnavailable
from judgekit.gold import auto_fetch, cached, gold_root_for, locate

from .conftest import Mirror, Serve


def put(root: Path, name: str = "llmbar") -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "data.jsonl").write_text("{}\n", encoding="utf-8")
    return root


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``shared/gold`` beside the working directory (``work/``), as ../shared/gold is."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "shared" / "gold"


def test_order_named_root_then_env_then_shared_then_cache(shared: Path, tmp_path: Path,
                                                          private_cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    rel = "llmbar/data.jsonl"
    assert locate(rel) is None
    put(private_cache)
    assert gold_root_for(rel) == private_cache
    put(shared)
    assert gold_root_for(rel) == shared
    env = put(tmp_path / "env")
    monkeypatch.setenv("JUDGEKIT_GOLD_ROOT", str(env))
    assert gold_root_for(rel) == env
    named = tmp_path / "named"
    assert gold_root_for(rel, named) == named  # named alone: its caller reports a miss there


def test_shared_gold_without_the_set_falls_back_to_the_cache(shared: Path,
                                                             private_cache: Path) -> None:
    put(shared, "pandalm-test")
    put(private_cache, "llmbar")
    assert gold_root_for("llmbar/data.jsonl") == private_cache


def test_missing_set_names_the_exact_command(shared: Path) -> None:
    origin = Path("suites/core/llmbar.yaml")
    with pytest.raises(DataUnavailable) as info:
        gold_root_for("llmbar/data.jsonl", origin=origin)
    exc = info.value
    assert exc.path == origin and exc.where == "field 'items'"
    assert "gold set 'llmbar', which is not on this machine" in exc.problem
    assert "run `judgekit gold fetch llmbar`" in (exc.fix or "")
    assert "--gold-root DIR" in (exc.fix or "") and "JUDGEKIT_GOLD_ROOT" in (exc.fix or "")


def test_missing_restricted_set_names_its_licence_and_is_not_fetched(
        shared: Path, mirror: Mirror, serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    serve("judgebench")
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "auto")
    with pytest.raises(DataUnavailable) as info:
        gold_root_for("judgebench/data.jsonl")
    assert "licence no-license: fetched only on request" in info.value.problem
    assert "`judgekit gold fetch judgebench --accept-license no-license`" in str(info.value)
    assert mirror.requests == []


def test_first_use_fetches_a_redistributable_set_when_allowed(
        shared: Path, mirror: Mirror, serve: Serve, private_cache: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    serve("pandalm-test")
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "auto")
    assert gold_root_for("pandalm-test/data.jsonl") == private_cache
    assert cached("pandalm-test") is not None and len(mirror.requests) == 1


def test_first_use_offline_says_which_command_to_run(
        shared: Path, serve: Serve, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = serve("pandalm-test")
    mirror.files.clear()  # the mirror answers 404: as good as offline for this set
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "auto")
    with pytest.raises(DataUnavailable) as info:
        gold_root_for("pandalm-test/data.jsonl")
    assert "fetching gold set 'pandalm-test' on first use failed" in info.value.problem
    assert entry.files[0].path in info.value.problem
    assert "run `judgekit gold fetch pandalm-test` when online" in (info.value.fix or "")


def test_an_unknown_set_needs_a_gold_root(shared: Path) -> None:
    with pytest.raises(DataUnavailable, match="need the gold root") as info:
        gold_root_for("mine/data.jsonl")
    assert "--gold-root" in (info.value.fix or "")


@pytest.mark.parametrize(("value", "expected"), [("auto", True), ("1", True), ("never", False),
                                                 ("0", False)])
def test_fetch_policy_from_the_environment(value: str, expected: bool,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", value)
    assert auto_fetch() is expected


def test_unset_policy_fetches_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUDGEKIT_GOLD_FETCH")
    assert auto_fetch() is False  # pytest captures stderr: not a terminal
