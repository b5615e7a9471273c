"""The command line starts without loading what its commands need only when they run.

``judgekit --help`` (and any command's ``--help``, which builds every command too) loads the
CLI modules, typer and rich; the libraries the commands use (scipy, numpy, pyarrow, pandas,
httpx, jinja2...) and judgekit's own stages load when a command runs. Checked by
what Python reports importing (``-X importtime``), not by timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import judgekit

HEAVY = {"scipy", "numpy", "pandas", "pyarrow", "httpx", "openai", "jinja2", "yaml",
         "sklearn", "statsmodels", "sqlite3", "ray", "vllm", "torch", "transformers"}
"""Libraries ``--help`` must not load (each costs 0.05-0.9 s of start-up). Not pydantic:
typer itself imports it to parse a command's options."""
STAGES = {"content", "backends", "run", "auditing", "trust", "gold", "probe", "revise",
          "builtin"}
"""judgekit subpackages a command loads when it runs, not before."""


def imported(*args: str, cwd: Path) -> set[str]:
    """Every module ``python -m judgekit ARGS`` imports (its exit code must be 0)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "judgekit", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    assert "judgekit.cli._main" in names, proc.stderr[-2000:]  # the report really was read
    return names


def heavy_and_stages(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in HEAVY
                  or (n.startswith("judgekit.") and n.split(".")[1] in STAGES))


@pytest.mark.parametrize("args", [["--help"], ["audit", "--help"], ["escalate", "--help"]],
                         ids=" ".join)
def test_help_loads_no_heavy_library_and_no_stage(args: list[str], tmp_path: Path) -> None:
    names = imported(*args, cwd=tmp_path)
    assert heavy_and_stages(names) == []
    assert {"judgekit.cli._audit", "judgekit.cli._trust", "judgekit.cli._run"} <= names


def test_a_command_that_runs_loads_its_stage(tmp_path: Path) -> None:
    # the same check sees a stage when one loads: `domains` needs judgekit.content
    names = imported("domains", cwd=tmp_path)
    assert "judgekit.content" in names


def test_import_judgekit_loads_errors_types_and_the_lazy_loader_only(tmp_path: Path) -> None:
    script = ("import sys, judgekit; print(sorted(m for m in sys.modules "
              "if m.startswith('judgekit.') or m.split('.')[0] in "
              f"{sorted(HEAVY)!r}))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["['judgekit._errors',", "'judgekit._lazy',",
                                   "'judgekit._types',", "'judgekit._version']"]


def test_lazy_names_resolve_once_and_unknown_ones_fail() -> None:
    from judgekit.auditing import audit

    assert judgekit.audit is audit and "audit" in vars(judgekit)  # kept after first use
    assert {"load_suite", "run_suite", "AuditReport"} <= set(dir(judgekit))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = judgekit.no_such_name


def test_cli_spellings_match_the_packages_they_mirror() -> None:
    # the CLI spells these defaults itself so that --help does not import their packages
    from judgekit.cli import _probe, _trust
    from judgekit.probe import PERTURBATIONS
    from judgekit.trust._cost import DEFAULT_MINUTES, DEFAULT_RATE

    assert _probe.PERTURBATIONS == PERTURBATIONS
    assert (_trust.EXPERT_MINUTES, _trust.EXPERT_RATE) == (DEFAULT_MINUTES, DEFAULT_RATE)
