"""The report's ``disagreements``: the judge's most confident mistakes, in JSON, HTML and CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from judgekit import audit
from judgekit.auditing import AuditOptions
from judgekit.auditing._disagree import MAX_CHARS


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """Six pairwise items (two domains, three annotators), labels in both orders."""
    gold = tmp_path / "gold.jsonl"
    golds = ["A", "A", "B", "B", "A", "tie"]
    gold.write_text("".join(json.dumps({
        "id": f"i{i}", "human_label": g, "annotator_labels": [g, g, "B"],
        "domain": "code" if i % 2 else "math", "prompt": f"question {i}",
        "response_a": "a" * (MAX_CHARS + 10 if i == 1 else 5), "response_b": "b"}) + "\n"
        for i, g in enumerate(golds)), encoding="utf-8")
    # verdict (canonical) per order and P(verdict): i1, i3, i5 wrong; i0 wrong in one order only
    rows = [("i0", "AB", "A", 0.9), ("i0", "BA", "A", 0.7), ("i1", "AB", "B", 0.6),
            ("i1", "BA", "B", 0.8), ("i2", "AB", "B", 0.9), ("i2", "BA", "B", 0.9),
            ("i3", "AB", "A", 0.95), ("i3", "BA", "A", 0.85), ("i4", "AB", "A", 0.6),
            ("i4", "BA", "A", 0.6), ("i5", "AB", "B", 0.55), ("i5", "BA", "B", 0.65)]
    labels = tmp_path / "labels.csv"
    labels.write_text("id,order,verdict,p\n" + "".join(f"{i},{o},{v},{p}\n"
                                                       for i, o, v, p in rows), encoding="utf-8")
    return labels, gold


def test_disagreements_ranked_capped_with_texts_orders_and_annotators(tmp_path: Path) -> None:
    from judgekit.auditing import LabelColumns

    labels, gold = _files(tmp_path)
    rep = audit(labels, gold, columns=LabelColumns(prob="p"),
                options=AuditOptions(replicates=0, max_disagreements=2))
    dis = rep.data["disagreements"]
    assert (dis["count"], dis["shown"], dis["not_shown"]) == (3, 2, 1)
    first, second = dis["items"]
    assert [first["id"], second["id"]] == ["i3", "i1"]  # P 0.9 then 0.7; i5 (0.6) not shown
    assert first["confidence"] == pytest.approx(0.9)
    assert (first["judge"], first["gold"], first["annotators"]) == ("A", "B", ["B", "B", "B"])
    assert first["slices"] == {"domain": ["code"]} and first["prompt"] == "question 3"
    assert [(j["order"], j["verdict"], j["confidence"]) for j in first["judgments"]] == [
        ("AB", "A", 0.95), ("BA", "A", 0.85)]
    assert len(second["response_a"]) == MAX_CHARS and second["response_a_chars"] == MAX_CHARS + 10
    assert "response_b_chars" not in second
    assert dis["slice_values"] == ["domain=code"]
    json.loads(rep.to_json())


def test_cli_names_top_mistakes(tmp_path: Path, jk: Any) -> None:
    labels, gold = _files(tmp_path)
    res = jk("audit", str(labels), "--gold", str(gold), "--prob-col", "p", "--out",
             str(tmp_path / "rep"), "--replicates", "0")
    assert res.returncode == 0, res.stderr
    assert "3 disagreements with the gold" in res.stdout
    assert re.search(r"i3: judge A \(p=0\.90\), gold B\n\s+i1: judge B", res.stdout)


@pytest.mark.browser
def test_slice_filter_in_headless_chromium(tmp_path: Path, jk: Any) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    assert jk("run", "core/sample", "--judge", "fake", "--out", str(tmp_path / "run")
              ).returncode == 0
    assert jk("audit", str(tmp_path / "run"), "--out", str(tmp_path / "rep"), "--replicates",
              "0").returncode == 0
    dis = json.loads((tmp_path / "rep" / "report.json").read_text("utf-8"))["disagreements"]
    assert dis["count"] >= 2 and dis["items"][0]["prompt"] and dis["items"][0]["judgments"]
    page = (tmp_path / "rep" / "report.html").resolve().as_uri()
    html = (tmp_path / "rep" / "report.html").read_text("utf-8")
    assert "<details>" in html or all(len(it.get("prompt", "")) <= 160 for it in dis["items"])
    for value in ["", dis["slice_values"][0]]:
        res = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
             f"{page}#slice={value.replace('=', '%3D')}"],
            capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr[-2000:]
        rows = re.findall(r'<tr data-slices="([^"]*)"( hidden="")?>', res.stdout)
        assert len(rows) == dis["shown"]
        visible = [s for s, hidden in rows if not hidden]
        want = [it for it in dis["items"] if not value or value.split("=", 1)[1]
                in it["slices"].get(value.split("=", 1)[0], [])]
        assert len(visible) == len(want) > 0
        assert f'id="dis-shown">{len(want)}<' in res.stdout
