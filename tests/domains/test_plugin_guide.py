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
    assert sorted(seen) == ["Constitution", "Rubric", "Rubric", "Suite"]
