"""Only the backend modules import model libraries; everything else works without them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import judgekit

MODEL_LIBS = {"vllm", "torch", "transformers", "langchain", "langchain_core",
              "langchain_community", "openai", "gguf", "accelerate", "llama_cpp"}
PACKAGE = Path(judgekit.__file__).parent
ALLOWED: set[Path] = set()
"""Modules outside ``backends/`` allowed to import model libraries: none."""


def non_backend_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "backends" not in p.relative_to(PACKAGE).parts and p not in ALLOWED)


def test_static_no_model_library_imports_outside_backends() -> None:
    offenders = []
    for path in non_backend_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):  # function-level (lazy) imports count too
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in MODEL_LIBS:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)
    assert len(non_backend_modules()) > 10  # the walk really saw the package


def test_runtime_no_model_library_is_loaded(tmp_path: Path) -> None:
    modules = [
        "judgekit." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in non_backend_modules()
        if p.name not in {"__init__.py", "__main__.py"}
    ]
    script = textwrap.dedent(f"""
        import importlib, io, json, sys
        from contextlib import redirect_stdout
        from pathlib import Path
        import judgekit
        for name in {modules!r}:
            importlib.import_module(name)
        from typer.testing import CliRunner
        from judgekit.cli._main import app
        runner = CliRunner()
        out = Path({str(tmp_path / "run")!r})
        calls = [["--help"], ["domains"], ["check", "core"], ["render", "core/sample"],
                 ["run", "core/sample", "--judge", "fake", "--out", str(out)],
                 ["export", str(out), "--format", "items"]]
        import typer.main
        calls += [[name, "--help"] for name in typer.main.get_command(app).commands]
        codes = [runner.invoke(app, args).exit_code for args in calls]
        judgekit.make_backend("fake:1")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {sorted(MODEL_LIBS)!r})
        print(json.dumps({{"calls": calls, "codes": codes, "loaded": loaded}}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0] * len(result["codes"]), result
    assert result["loaded"] == [], f"model libraries imported: {result['loaded']}"


LAYERS = {"_arrow": 0, "_errors": 0, "_lazy": 0, "_types": 0, "_version": 0, "gold": 1,
          "content": 2, "backends": 2, "run": 3, "builtin": 3, "auditing": 4, "revise": 4,
          "trust": 5, "probe": 5, "cli": 6}
"""Subpackages in the order of the data flow: a module may import only from lower layers (or
its own subpackage). ``content`` and ``backends`` do not know each other; nothing but the
entry points reaches ``builtin`` (a plugin like any other)."""


def judgekit_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):  # lazy (function-level) imports count too
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods = [node.module]
            if node.module == "judgekit":
                mods = [f"judgekit.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, m) for m in mods if m.startswith("judgekit.")]
    return found


def test_dependencies_run_one_way() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        home = rel.with_suffix("").parts[0]
        if home in ("__init__", "__main__"):
            continue
        assert home in LAYERS, f"{rel}: new subpackage? give it a layer in LAYERS"
        for line, module in judgekit_imports(path):
            other = module.split(".")[1]
            if other == home or other not in LAYERS:
                continue
            if other == "builtin" or LAYERS[other] >= LAYERS[home]:
                offenders.append(f"{rel}:{line} ({home}) imports {module} ({other})")
    assert not offenders, "\n".join(offenders)
