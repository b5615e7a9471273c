"""``judgekit revise`` end to end through the real command line, on the fake judge."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .helpers import MakeReviseSuite

JK = Callable[..., Any]


def test_revise_then_resume_judges_nothing_new(jk: JK, tmp_path: Path) -> None:
    out = tmp_path / "rev"
    args = ("revise", "core/revise-sample", "--judge", "fake:3", "--out", str(out),
            "--rounds", "2", "--seed", "5")
    first = jk(*args)
    assert first.returncode == 0, first.stderr
    assert "revise 1" in first.stdout and "0 already done" in first.stdout
    assert "P(revision better) over" in first.stdout and "round 2:" in first.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["items"] == 13 and report["attempts"] >= 13
    assert report["options"]["seed"] == 5 and report["counts"]["revise"]["judged"] > 0
    again = jk(*args)
    assert again.returncode == 0, again.stderr
    assert (f"revise {report['attempts']} requests (0 judged, 0 from cache, "
            f"{report['attempts']} already done") in " ".join(again.stdout.split())
    assert "verify" in again.stdout and "(0 judged, 0 from cache" in " ".join(
        again.stdout.split()).split("verify", 1)[1]
    assert json.loads((out / "report.json").read_text())["by_status"] == report["by_status"]
    shown = jk("revise-report", str(out), "--examples", "1")
    assert shown.returncode == 0 and "accepted" in shown.stdout
    raw = jk("revise-report", str(out), "--json")
    assert json.loads(raw.stdout)["attempts"] == report["attempts"]


def test_exports_load_as_trl_datasets(jk: JK, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "rev"
    done = jk("revise", "core/revise-sample", "--judge", "fake:1", "--out", str(out),
              "--threshold", "0.55")
    assert done.returncode == 0, done.stderr
    attempts = [json.loads(line) for line in (out / "attempts.jsonl").read_text().splitlines()]
    accepted = [a for a in attempts if a["status"] == "accepted"]
    assert accepted, "the fake judge should accept some revisions at 0.55"
    sft = datasets.load_dataset("json", data_files=str(out / "sft.jsonl"),
                                cache_dir=str(tmp_path / "hf"))["train"]
    dpo = datasets.load_dataset("json", data_files=str(out / "dpo.jsonl"),
                                cache_dir=str(tmp_path / "hf"))["train"]
    assert {"prompt", "completion"} <= set(sft.column_names)
    assert {"prompt", "chosen", "rejected"} <= set(dpo.column_names)
    assert len(sft) == len(dpo) == len({a["item_id"] for a in accepted})
    for row in dpo:
        assert row["chosen"] != row["rejected"] and row["p_revision_better"] >= 0.55
        assert isinstance(row["prompt"], str) and row["verifier"] == "fake:1"
    originals = {a["item_id"]: a["original"] for a in attempts}
    assert {r["id"]: r["rejected"] for r in dpo} == {r["id"]: originals[r["id"]] for r in dpo}
    assert [r["completion"] for r in sft] == [r["chosen"] for r in dpo]


@pytest.mark.parametrize(("args", "message"), [
    (("core/sample",), "field 'rubric'"),
    (("core/sample-pointwise",), "field 'prompt'"),
    (("core/revise-sample", "--verifier-rubric", "core/quality"), "is pointwise"),
    (("core/revise-sample", "--principles", "some"), "'all' or 'sample'"),
    (("core/revise-sample", "--verifier-prompt", "core/nope"), "prompt 'core/nope' not found"),
    (("no/such-suite",), "not found"),
])
def test_bad_input_is_one_clear_error(jk: JK, tmp_path: Path, args: tuple[str, ...],
                                      message: str) -> None:
    done = jk("revise", *args, "--judge", "fake", "--out", str(tmp_path / "o"))
    assert done.returncode != 0
    text = " ".join((done.stdout + done.stderr).split())
    assert message in text and "Traceback" not in text


def test_bad_paths_and_suites_name_the_file(jk: JK, tmp_path: Path,
                                            make_revise_suite: MakeReviseSuite) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = jk("revise", "core/revise-sample", "--judge", "fake", "--out", str(blocker))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert str(blocker) in " ".join(done.stderr.split())
    no_con = make_revise_suite(constitution=None)
    done = jk("revise", str(no_con), "--judge", "fake", "--out", str(tmp_path / "o"))
    assert done.returncode == 1 and str(no_con) in done.stderr.replace("\n", "")
    assert "field 'constitution'" in done.stderr and "fix:" in done.stderr
    empty = jk("revise-report", str(tmp_path))
    assert empty.returncode == 1 and "holds no revise report" in empty.stderr


def test_check_and_render_understand_a_revise_suite(jk: JK) -> None:
    checked = jk("check", "core/revise-sample")
    assert checked.returncode == 0 and "13 items, 13 prompts rendered" in checked.stdout
    shown = jk("render", "core/revise-sample", "--item", "lock")
    assert shown.returncode == 0 and "order single" in shown.stdout
    assert '{"critique": "<your critique>", "revision": "<the revised response>"}' in (
        shown.stdout)
    assert "neighbour's back door" in shown.stdout
