"""The plugin author's guide's examples are valid content (docs/plugins.md)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from judgekit.content import Constitution, Rubric, Suite

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def test_guide_yaml_examples_validate() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    models = {"principles": Constitution, "criteria": Rubric, "rubric": Suite}
    seen = []
    for block in blocks:
        data = yaml.safe_load(block)
        model = next(m for key, m in models.items() if key in data)
        model.model_validate(data)
        seen.append(model.__name__)
    assert sorted(seen) == ["Constitution", "Rubric", "Rubric", "Rubric", "Suite", "Suite",
                            "Suite"]


def test_guide_dialogue_mapping_reads_dices(gold_root: Path, tmp_path: Path) -> None:
    """The documented field mapping turns DICES' flattened dialogues into conversations."""
    from judgekit import load_suite

    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    [block] = [b for b in blocks if "conversation:" in b]
    (tmp_path / "dices.yaml").write_text(block, encoding="utf-8")
    suite = load_suite(str(tmp_path / "dices.yaml"), gold_root=gold_root)
    items = list(suite.items)
    assert len(items) == 350 and all(it.fields["conversation"][-1]["role"] == "user"
                                     for it in items)
    request = suite.renderer.requests(items[0])[0]
    assert "<conversation>" in request.messages[1].content
