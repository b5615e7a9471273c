"""Every command, pointed at a file, a missing folder or an unwritable folder: a clear error
naming the path, exit 1 or 2, never a traceback, nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JUDGEKIT = [sys.executable, "-m", "judgekit"]


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paths")
    (root / "afile").write_text("not a folder\n", encoding="utf-8")
    (root / "ro").mkdir()
    proc = subprocess.run([*JUDGEKIT, "run", "core/sample", "--judge", "fake", "--out",
                           str(root / "run")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from judgekit import load_suite

    suite = load_suite("core/sample")  # its own gold, as a gold file
    (root / "gold.jsonl").write_text("".join(
        json.dumps({"id": i, "human_label": g}) + "\n" for i, g in suite.gold.items()),
        encoding="utf-8")
    return root


def judgekit(place: Path, *args: str,
             readonly: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [*JUDGEKIT, *args]
    if readonly is not None:
        if os.geteuid() != 0:
            readonly.chmod(0o555)
        elif shutil.which("bwrap"):  # root writes anywhere: make the folder read-only for real
            cmd = ["bwrap", "--bind", "/", "/", "--ro-bind", str(readonly), str(readonly),
                   "--dev", "/dev", "--proc", "/proc", *cmd]
        else:
            pytest.skip("running as root without bubblewrap: no way to make a folder unwritable")
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(cmd, cwd=place, capture_output=True, text=True, timeout=120, env=env)


# (command, how the bad path is passed); {bad} is replaced by each kind of bad path
CASES = {
    "run --out": ["run", "core/sample", "--judge", "fake", "--out", "{bad}/run"],
    "run suite": ["run", "{bad}/suite.yaml", "--judge", "fake", "--out", "{tmp}/r"],
    "run --gold-root": ["run", "core/sample", "--judge", "fake", "--gold-root", "{bad}",
                        "--out", "{tmp}/r2"],
    "render suite": ["render", "{bad}/suite.yaml"],
    "check suite": ["check", "{bad}/suite.yaml"],
    "export run": ["export", "{bad}"],
    "export -o": ["export", "{run}", "-o", "{bad}/labels.jsonl"],
    "reparse run": ["reparse", "{bad}"],
    "audit labels": ["audit", "{bad}/labels.jsonl", "--out", "{tmp}/a1"],
    "audit --gold": ["audit", "{run}", "--gold", "{bad}/gold.jsonl", "--out", "{tmp}/a2"],
    "audit --out": ["audit", "{run}", "--out", "{bad}/report"],
    "new-domain --dir": ["new-domain", "zz", "--dir", "{bad}/pkg"],
    "qualify labels": ["qualify", "{bad}/labels.jsonl", "--gold", "{gold}", "--min-agreement",
                       "0.5"],
    "qualify --gold": ["qualify", "{run}", "--gold", "{bad}/gold.jsonl", "--min-agreement",
                       "0.5"],
    "escalate --out": ["escalate", "{run}", "--gold", "{gold}", "--out", "{bad}/trust"],
    "merge-experts folder": ["merge-experts", "{bad}", "--answers", "{gold}"],
    "estimate --gold": ["estimate", "{run}", "--gold", "{bad}/gold.jsonl"],
    "revise --out": ["revise", "core/revise-sample", "--judge", "fake", "--out", "{bad}/rev"],
    "revise-report folder": ["revise-report", "{bad}"],
    "probe --out": ["probe", "{run}", "--judge", "fake", "--sample", "3", "--out", "{bad}/p"],
    "probe run": ["probe", "{bad}", "--judge", "fake", "--out", "{tmp}/p2"],
    "gold fetch --mirror": ["gold", "fetch", "llmbar", "--mirror", "{bad}"],
}
KINDS = ("file", "missing", "readonly")
# an output path that names an existing thing of the wrong kind
WRONG_KIND = {
    "run --out is a file": (["run", "core/sample", "--judge", "fake", "--out", "{file}"], "afile"),
    "export -o is a folder": (["export", "{run}", "-o", "{tmp}"], "{tmp}"),
    "audit --out is a file": (["audit", "{run}", "--out", "{file}"], "afile"),
}


def fill(args: list[str], place: Path, bad: Path, tmp: Path) -> list[str]:
    return [a.format(bad=bad, file=place / "afile", run=place / "run", tmp=tmp,
                     gold=place / "gold.jsonl") for a in args]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_paths_give_a_clean_error(place: Path, tmp_path: Path, case: str, kind: str) -> None:
    bad = {"file": place / "afile", "missing": tmp_path / "missing",
           "readonly": place / "ro"}[kind]
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = judgekit(place, *fill(CASES[case], place, bad, tmp_path),
                    readonly=bad if kind == "readonly" else None)
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text, text
    if kind in ("readonly", "missing") and proc.returncode == 0:
        # reading from a read-only folder is fine, and an output's missing folder is created
        assert not any((place / "ro").iterdir())
        return
    assert proc.returncode in (1, 2), text
    assert any(w in text for w in ("error", "failed", "Invalid value")), text
    assert str(bad) in text.replace("\n", "") or bad.name in text, text
    assert not (place / "ro").exists() or not any((place / "ro").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing half-written


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(WRONG_KIND))
def test_output_of_the_wrong_kind_is_a_clean_error(place: Path, tmp_path: Path,
                                                   case: str) -> None:
    args, named = WRONG_KIND[case]
    proc = judgekit(place, *fill(args, place, place / "afile", tmp_path))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Traceback" not in text, text
    assert "error" in text and named.format(tmp=tmp_path) in text.replace("\n", ""), text
    assert (place / "afile").read_text(encoding="utf-8") == "not a folder\n"
    assert list(tmp_path.iterdir()) == []
