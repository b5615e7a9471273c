"""Shared fixtures: repo paths, the gold root, tmp suites, and the real CLI in a subprocess.

Keep this file small: subfolders keep their own fixtures in their own ``conftest.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO.parent / "shared" / "gold"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def gold_root() -> Path:
    """The real human-labeled gold sets (``<repo>/../shared/gold``); skip when absent."""
    if not (GOLD / "INDEX.md").is_file():
        pytest.skip(f"gold sets not on this machine ({GOLD})")
    return GOLD


def pairwise_rows(n: int, prefix: str = "it") -> list[dict[str, Any]]:
    """``n`` distinct pairwise items in the core/pairwise schema."""
    return [
        {"id": f"{prefix}{i:04d}", "prompt": f"Question {i}: what is {i} + {i}?",
         "response_a": f"It is {2 * i}.", "response_b": f"It is {2 * i + 1}.",
         "human_label": "A" if i % 3 else "B"}
        for i in range(n)
    ]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


MakeSuite = Callable[..., Path]


@pytest.fixture(scope="session")
def pairwise() -> Callable[..., list[dict[str, Any]]]:
    """:func:`pairwise_rows`, as a fixture (test modules do not import conftest)."""
    return pairwise_rows


@pytest.fixture
def make_suite(tmp_path: Path) -> MakeSuite:
    """Write a pairwise suite (core rubric, constitution, prompt) and its items into tmp.

    ``rows`` may be a list of dicts (written as JSONL), ``str``/``bytes`` (written verbatim),
    or None (12 generated items). Keyword arguments override suite fields; ``None`` drops one.
    """

    def make(rows: list[dict[str, Any]] | str | bytes | None = None, *,
             items: str = "items.jsonl", name: str = "suite", **fields: Any) -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        target = folder / items
        if rows is None:
            rows = pairwise_rows(12)
        if items.startswith("gold:"):
            pass  # the items live under the gold root
        elif isinstance(rows, bytes):
            target.write_bytes(rows)
        elif isinstance(rows, str):
            target.write_text(rows, encoding="utf-8")
        else:
            write_jsonl(target, rows)
        spec: dict[str, Any] = {"rubric": "core/preference", "constitution": "core/hhh",
                                "prompt": "core/pairwise", "items": items,
                                "gold": "human_label"}
        spec.update(fields)
        spec = {k: v for k, v in spec.items() if v is not None}
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        return path

    return make


JK = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def jk() -> JK:
    """Run the real ``python -m judgekit ARGS`` in a subprocess; returns the finished process."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        return subprocess.run([sys.executable, "-m", "judgekit", *args], cwd=cwd,
                              env=full_env, capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture
def tmp_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """Install a throwaway domain through the real entry-point machinery (a dist-info on
    ``sys.path``). ``files`` maps paths under the domain root (``prompts/x/user.j2``) to text;
    ``init`` replaces the module source (which must define ``domain``). Returns the site folder
    (put it on ``PYTHONPATH`` for subprocesses).
    """
    from judgekit.content._domains import get_domain

    def make(name: str, files: dict[str, str], *, init: str | None = None) -> Path:
        module = f"jk_test_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        site = tmp_path / f"site-{name}"
        pkg = site / module
        for rel, text in files.items():
            (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
            (pkg / rel).write_text(text, encoding="utf-8")
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / "__init__.py").write_text(init if init is not None else (
            "from pathlib import Path\nfrom judgekit import Domain\n"
            f"domain = Domain.at({name!r}, Path(__file__).parent)\n"), encoding="utf-8")
        info = site / f"{module}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.0.1\n",
            encoding="utf-8")
        (info / "entry_points.txt").write_text(
            f"[judgekit.domains]\n{name} = {module}:domain\n", encoding="utf-8")
        monkeypatch.syspath_prepend(str(site))
        get_domain.cache_clear()
        return site

    yield make
    get_domain.cache_clear()
