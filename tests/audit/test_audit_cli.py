"""``judgekit audit`` end to end in a subprocess: runs, imported files, errors, no vLLM."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from .conftest import noisy_labels, read_jsonl


def test_audit_a_run_with_its_suite_gold(tmp_path: Path, jk: Any) -> None:
    assert jk("run", "core/sample", "--judge", "fake", "--out", str(tmp_path / "run")
              ).returncode == 0
    res = jk("audit", str(tmp_path / "run"), "--out", str(tmp_path / "rep"),
             "--replicates", "200")
    assert res.returncode == 0, res.stderr
    assert "fake:0 vs gold (pairwise, 12 items)" in res.stdout
    assert "cohen_kappa" in res.stdout and "P(prefer first shown)" in res.stdout
    data = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "judgekit.audit-report" and data["schema_version"] == 1
    assert data["inputs"]["slices"] == ["category"]  # the suite's own slices
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_audit_imported_csv_with_mapped_columns(tmp_path: Path, jk: Any,
                                                gold_file: Any) -> None:
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    csv_path = tmp_path / "other_judge.csv"
    csv_path.write_text("item,choice,confidence\n" + "".join(
        f"{r['id']},{ {'A': 'first', 'B': 'second', 'tie': 'same'}[r['verdict']] },{r['p']}\n"
        for r in rows), encoding="utf-8")
    res = jk("audit", str(csv_path), "--gold", str(gold), "--out", str(tmp_path / "rep"),
             "--id-col", "item", "--verdict-col", "choice", "--prob-col", "confidence",
             "--map", "first=A", "--map", "second=B", "--map", "same=tie",
             "--replicates", "100", "--slice", "motivation_app")
    assert res.returncode == 0, res.stderr
    data = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert data["coverage"]["matched"] == 999 and data["calibration"]["available"]
    assert 0.8 < data["agreement"]["agreement"]["value"] < 0.9
    assert {s["column"] for s in data["slices"]} == {"motivation_app"}
    assert "loo_human" in res.stdout


def test_missing_column_is_a_clean_error(tmp_path: Path, jk: Any) -> None:
    labels = tmp_path / "l.csv"
    labels.write_text("id,label\nx,A\n", encoding="utf-8")
    gold = tmp_path / "g.jsonl"
    gold.write_text('{"id": "x", "human_label": "A"}\n', encoding="utf-8")
    res = jk("audit", str(labels), "--gold", str(gold), "--out", str(tmp_path / "rep"))
    assert res.returncode == 1
    assert "no column 'verdict'" in res.stderr and "--verdict-col" in res.stderr
    assert "Traceback" not in res.stderr


def test_audit_works_without_vllm_or_torch(tmp_path: Path) -> None:
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps({"id": f"i{i}", "human_label": "AB"[i % 2]}) + "\n"
                            for i in range(40)), encoding="utf-8")
    labels = tmp_path / "l.jsonl"
    labels.write_text("".join(json.dumps({"id": f"i{i}", "verdict": "AB"[i % 3 == 0]}) + "\n"
                              for i in range(40)), encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys

        class Block:  # as if vllm, torch and transformers were not installed
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("vllm", "torch", "transformers"):
                    raise ModuleNotFoundError(f"No module named {{name!r}}")
                return None

        sys.meta_path.insert(0, Block())
        from judgekit.cli._main import app
        app(["audit", {str(labels)!r}, "--gold", {str(gold)!r}, "--out", {str(tmp_path / 'r')!r},
             "--replicates", "50"])
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r" / "report.html").is_file()
    assert "vllm" not in res.stderr
