"""docs/python-api.md: its example runs as written and prints what the page says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_example_runs_and_prints_what_the_page_shows(tmp_path: Path) -> None:
    (example,) = blocks("python")
    (shown,) = blocks("text")
    proc = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == shown
    run = tmp_path / "runs" / "demo"
    assert (run / "manifest.json").is_file() and (run / "audit" / "report.html").is_file()
    pairs = (run / "dpo.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(pairs) == 5


def test_the_readme_example_runs(tmp_path: Path) -> None:
    readme = DOC.parents[1] / "README.md"
    (example,) = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    proc = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "runs/demo/audit/report.json").is_file()
    assert (tmp_path / "runs/demo/dpo.jsonl").is_file()
