
"""``judgekit new-domain``: the scaffolded plugin pip-installs and checks clean."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from judgekit import ContentError
from judgekit.content._scaffold import new_domain

JK = Callable[..., subprocess.CompletedProcess[str]]


def test_rejects_bad_names_installed_domains_and_full_folders(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="invalid domain name"):
        new_domain("Bad-Name", tmp_path / "x")
    with pytest.raises(ContentError, match="already installed"):
        new_domain("medicine", tmp_path / "y")
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(ContentError, match="not an empty folder"):
        new_domain("beekeeping", full)
    assert (full / "keep.txt").read_text() == "mine"


def test_writes_the_package_layout(tmp_path: Path) -> None:
    files = new_domain("beekeeping", tmp_path / "pkg")
    rel = {p.relative_to(tmp_path / "pkg").as_posix() for p in files}
    content = "src/judgekit_beekeeping/content"
    assert {
        "pyproject.toml", "README.md", "src/judgekit_beekeeping/__init__.py",
        f"{content}/constitutions/principles.yaml", f"{content}/rubrics/preference.yaml",
        f"{content}/prompts/pairwise/system.j2", f"{content}/prompts/pairwise/user.j2",
        f"{content}/suites/sample.yaml", f"{content}/suites/items/sample.jsonl",
        "tests/test_judgekit_beekeeping.py",
    } == rel
    pyproject = (tmp_path / "pkg" / "pyproject.toml").read_text()
    assert 'beekeeping = "judgekit_beekeeping:domain"' in pyproject
    system = (tmp_path / "pkg" / content / "prompts/pairwise/system.j2").read_text()
    assert system.startswith('{% extends "core/pairwise/system.j2" %}')
    assert "expert in beekeeping" in system


@pytest.mark.slow
def test_scaffold_installs_and_checks_clean(tmp_path: Path, jk: JK) -> None:
    pkg = tmp_path / "judgekit-beekeeping"
    made = jk("new-domain", "beekeeping", "--dir", str(pkg))
    assert made.returncode == 0, made.stderr
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(pkg)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    assert list(site.glob("judgekit_beekeeping-*.dist-info"))
    # a real install: the content comes from the installed copy, not from the source folder
    assert (site / "judgekit_beekeeping" / "content" / "suites" / "sample.yaml").is_file()
    env = {"PYTHONPATH": str(site)}
    listed = jk("domains", env=env, cwd=tmp_path)
    assert "beekeeping" in listed.stdout and "judgekit-beekeeping" in listed.stdout
    checked = jk("check", "beekeeping", env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 checked, 0 failed, 0 skipped" in checked.stdout
    ran = jk("run", "beekeeping/sample", "--judge", "fake", "--out", str(tmp_path / "run"),
             env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    # the plugin's own test passes against the installed copy
    own = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pkg / "tests")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert own.returncode == 0, own.stdout + own.stderr
    assert "2 passed" in own.stdout
