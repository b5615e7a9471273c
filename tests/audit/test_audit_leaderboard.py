"""The judge leaderboard: several judges (one run, or several sources) against one gold."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from judgekit import audit
from judgekit.auditing import AuditOptions, LabelColumns
from judgekit.auditing._leaderboard import judges_of, leaderboard


def _labels(path: Path, judge: str, verdicts: list[str]) -> Path:
    path.write_text("id,judge,verdict\n" + "".join(f"i{i},{judge},{v}\n"
                                                   for i, v in enumerate(verdicts)), "utf-8")
    return path


def test_leaderboard_figures_match_single_audits(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    golds = ["A", "B", "A", "B", "A", "B", "A", "A"]
    gold.write_text("".join(json.dumps({"id": f"i{i}", "human_label": g,
                                        "annotator_labels": [g, g, "A"]}) + "\n"
                            for i, g in enumerate(golds)), "utf-8")
    one = _labels(tmp_path / "one.csv", "one", [*golds[:6], "B", "B"])
    two = _labels(tmp_path / "two.csv", "two", ["A"] * 7)  # one item unlabeled
    opts = AuditOptions(replicates=100)
    board = leaderboard(judges_of([one, two]), gold, options=opts)
    assert [r["judge"] for r in board["judges"]] == ["one", "two"]
    for row, path in zip(board["judges"], (one, two), strict=True):
        single = audit(path, gold, options=opts).data
        assert row["agreement"] == single["agreement"]["agreement"]
        assert row["cohen_kappa"] == single["agreement"]["cohen_kappa"]
        assert row["loo_judge"] == single["ceiling"]["loo_judge"]
        assert row["items"] == single["coverage"]["matched"] - single["coverage"]["judge_errors"]
    assert board["human_ceiling"] == audit(one, gold, options=opts).data["ceiling"]["loo_human"]
    # label files know no time: no seconds column, never a made-up one
    assert "seconds_per_1000" not in board["columns"] and "seconds_per_1000" not in \
        board["judges"][0]
    # the judge-vs-judge matrix: one agrees with two on i0, i2, i4 of the 7 both labeled
    m = board["matrix"]
    assert m["judges"] == ["one", "two"] and m["n"] == [[8, 7], [7, 7]]
    assert m["agreement"][0][1] == m["agreement"][1][0] == round(3 / 7, 6)
    assert m["agreement"][0][0] == 1.0


def test_two_files_with_one_judge_name_is_a_clear_error(tmp_path: Path, jk: Any) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text("id,human_label\ni0,A\ni1,B\n", "utf-8")
    a = _labels(tmp_path / "a.csv", "same", ["A", "B"])
    b = _labels(tmp_path / "b.csv", "same", ["B", "B"])
    res = jk("audit", str(a), str(b), "--gold", str(gold), "--out", str(tmp_path / "r"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "b.csv" in res.stderr and "judge 'same' is also in" in res.stderr
    assert "a.csv" in res.stderr and "--judge-col" in res.stderr
    res = jk("audit", str(a), str(_labels(tmp_path / "c.csv", "c", ["A", "A"])), "--gold",
             str(gold), "--judge", "nope", "--out", str(tmp_path / "r"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "--judge 'nope' is none of the judges" in res.stderr and "same, c" in res.stderr


def test_run_of_several_judges_in_cli_json_and_chromium(tmp_path: Path, jk: Any) -> None:
    run = tmp_path / "run"
    assert jk("run", "core/sample", "--judge", "fake", "--judge", "fake:1", "--out",
              str(run)).returncode == 0
    res = jk("audit", str(run), "--out", str(tmp_path / "rep"), "--replicates", "100")
    assert res.returncode == 0, res.stderr
    assert "judge leaderboard" in res.stdout and re.search(r"fake:1 .* 12 ", res.stdout)
    data = json.loads((tmp_path / "rep" / "report.json").read_text("utf-8"))
    board = data["leaderboard"]
    assert [r["judge"] for r in board["judges"]] == ["fake:0", "fake:1"]
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))["summary"]
    want = round(1000 * manifest["seconds"] / manifest["judged"], 3)
    assert [r["seconds_per_1000"] for r in board["judges"]] == [want, want]
    assert {"agreement", "cohen_kappa", "consistency", "p_first", "p_longer", "ece",
            "seconds_per_1000"} <= set(board["columns"])
    assert data["inputs"]["labels"]["judge"] == "fake:0"  # the report's own figures
    html = tmp_path / "rep" / "report.html"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", html.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    table = dom.stdout[dom.stdout.index('id="leaderboard"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 3 and "fake:1" in table and "seconds / 1,000 labels" in table
    matrix = dom.stdout[dom.stdout.index('id="judge-matrix"'):]
    assert matrix[:matrix.index("</table>")].count("(n=12)") == 4


def test_labels_file_with_two_judges_gets_a_leaderboard_via_api(tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text("id,human_label\ni0,A\ni1,B\ni2,A\n", "utf-8")
    both = tmp_path / "both.csv"
    both.write_text("id,who,verdict\ni0,x,A\ni1,x,B\ni2,x,B\ni0,y,B\ni1,y,B\ni2,y,A\n", "utf-8")
    board = leaderboard(judges_of([both], LabelColumns(judge="who")), gold,
                        options=AuditOptions(replicates=0))
    assert [(r["judge"], r["agreement"]["value"]) for r in board["judges"]] == [
        ("x", pytest.approx(2 / 3)), ("y", pytest.approx(2 / 3))]
    assert board["matrix"]["agreement"][0][1] == round(1 / 3, 6)
