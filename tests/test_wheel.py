"""The wheel carries the built-in content; installed in a fresh venv it works outside the repo.

Offline and fast: the wheel is built without build isolation (hatchling from the dev extra), and
installed without dependencies into a brand-new venv whose one ``.pth`` line points at this
environment's site-packages for the dependencies. The editable checkout is *not* visible there
(``.pth`` files of that folder are not processed), which the test proves by where judgekit and
its content are loaded from.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

CONTENT = ("constitutions", "rubrics", "prompts", "suites")


@pytest.fixture(scope="module")
def wheel(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--wheel-dir", str(dist), str(repo)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (whl,) = dist.glob("judgekit-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True,
                   timeout=120)
    python = root / "bin" / "python"
    purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_judgekit_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n",
                                                       encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.mark.slow
def test_wheel_contains_the_builtin_content(wheel: Path, repo: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (eps,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(eps).decode("utf-8")
    for required in ("suites/core/sample.yaml", "suites/core/items/sample.jsonl",
                     "suites/core/sample-pointwise.yaml", "rubrics/core/preference.yaml",
                     "rubrics/core/quality.yaml", "constitutions/core/hhh.yaml",
                     "prompts/core/pairwise/system.j2", "prompts/core/pairwise/user.j2",
                     "prompts/core/_principles.j2", "prompts/core/_answer.j2"):
        assert f"judgekit/_content/{required}" in names, required
    for kind in CONTENT:  # every content file of the checkout, whichever domain
        for path in (repo / kind).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(repo).as_posix()
                assert f"judgekit/_content/{rel}" in names, rel
    assert "judgekit/__init__.py" in names and "judgekit/backends/fake.py" in names
    assert "core = judgekit.builtin:core" in entry_points
    assert "judgekit = judgekit.cli:main" in entry_points
    assert "judgekit/auditing/_templates/report.html.j2" in names  # package data moved along
    assert any(n.startswith("judgekit/content/_templates/scaffold/") for n in names)
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)


@pytest.mark.slow
def test_installed_wheel_lists_and_checks_builtin_suites(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-c", "import json, judgekit, judgekit.builtin as b; "
         "print(json.dumps([judgekit.__file__, str(b.content_root())]))"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert probe.returncode == 0, probe.stderr
    module_file, content_root = (Path(p) for p in json.loads(probe.stdout))
    assert venv in module_file.parents, f"judgekit imported from {module_file}, not the wheel"
    assert content_root == module_file.parent / "_content"

    script = venv / "bin" / "judgekit"  # the console script the wheel installed
    env = {"PATH": str(venv / "bin"), "COLUMNS": "200"}
    proc = subprocess.run([str(script), "check", "core"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "core/sample " in proc.stdout and "12 items, 24 prompts rendered" in proc.stdout
    assert "core/sample-pointwise" in proc.stdout and "0 failed" in proc.stdout
    proc = subprocess.run([str(script), "domains"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0 and "sample-pointwise" in proc.stdout

    out = tmp_path / "run"
    proc = subprocess.run([str(python), "-m", "judgekit", "run", "core/sample", "--judge",
                           "fake", "--out", str(out)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert all(venv in Path(p).parents for p in manifest["sources_sha256"])
