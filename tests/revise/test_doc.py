"""docs/revise.md: its domain example installs and revises; its Python example runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from judgekit import check
from judgekit.backends import FakeBackend
from judgekit.revise import load_revise_suite, revise

DOC = Path(__file__).resolve().parents[2] / "docs" / "revise.md"


def doc_files() -> dict[str, str]:
    """Every ``#### `path``` heading of the doc and the code block under it."""
    text = DOC.read_text(encoding="utf-8")
    return {m[0]: m[1] for m in re.findall(r"#### `([^`]+)`\n\n```\w*\n(.*?)```", text,
                                             re.DOTALL)}


def test_the_domain_example_is_a_working_revise_suite(tmp_domain: Callable[..., Path],
                                                      tmp_path: Path) -> None:
    files = doc_files()
    assert sorted(files) == ["constitutions/hives.yaml", "prompts/revise/system.j2",
                             "prompts/revise/user.j2", "suites/items/revise-advice.jsonl",
                             "suites/revise-advice.yaml"]
    tmp_domain("hives", files)
    assert [r.status for r in check("hives/revise-advice")] == ["ok"]
    suite = load_revise_suite("hives/revise-advice")
    request = suite.renderer.requests(suite.items[0])[0]
    assert "experienced bee inspector" in request.messages[0].content
    assert "Never invent treatment doses" in request.messages[0].content
    user = request.messages[1].content
    assert "oxalic acid" in user
    assert user.index("Name each") < user.index("at the hive")
    result = revise("hives/revise-advice", FakeBackend(1), tmp_path / "rev")
    assert [a.item_id for a in result.attempts if a.round == 1] == ["mites", "swarm", "winter"]
    assert json.loads((tmp_path / "rev" / "revise.json").read_text())["suite"] == (
        "hives/revise-advice")


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    example = next(b for b in blocks if "from judgekit.revise import" in b)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(DOC), "exec"), {"__name__": "docs_revise"})
    assert (tmp_path / "runs" / "rev" / "sft.jsonl").is_file()
