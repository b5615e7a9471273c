"""``judgekit audit RUN`` of a run with several judges (no ``--judge``) streams: the report of
its first judge and the leaderboard of all of them, figure by figure the in-memory ones
(``audit_rows`` + ``leaderboard``), with the suite's gold and a gold file, in chunks of 1, 7
and all the items; the CLI prints and writes the same; the errors are the same."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from judgekit import load_suite, run_suite
from judgekit.auditing import AuditOptions, _stream
from judgekit.auditing._audit import audit_rows
from judgekit.auditing._leaderboard import judges_of, leaderboard
from judgekit.auditing._leaderboard_stream import audit_judges
from judgekit.backends import FakeBackend
from judgekit.cli._main import app

from .conftest import fake_run, pairwise_items

FIGURES = ("agreement", "cohen_kappa", "loo_judge", "consistency", "p_first", "p_longer",
           "ece", "seconds_per_1000")


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    data.pop("created", None), data.pop("seconds", None)  # the clock
    return data


def in_memory(run: Path, gold: Path | None, opts: AuditOptions) -> dict[str, Any]:
    """What the CLI computed before the leaderboard streamed: every label read at once."""
    judges = judges_of([run])
    main = judges[0][0]
    data = audit_rows(judges[0][1], gold, None, replace(opts, judge=main)).data
    data["leaderboard"] = leaderboard(judges, gold, options=opts)
    data["notes"].append(f"the report's figures are judge {main}'s; the leaderboard "
                         f"compares {len(judges)} judges")
    return _plain(data)


def both(run: Path, gold: Path | None, chunks: tuple[int, ...] = (1, 7, 0),
         **options: Any) -> dict[str, Any]:
    """The in-memory report; asserts that the streamed one (in these chunks) is the same."""
    opts = AuditOptions(**{"replicates": 40, **options})
    whole = in_memory(run, gold, opts)
    found = _stream.streamed_run(run)
    assert found is not None
    for size in chunks:
        got = _plain(audit_judges(*found, gold, None, opts, chunk=size or 10**6).data)
        for want, row in zip(whole["leaderboard"]["judges"], got["leaderboard"]["judges"],
                             strict=True):
            for figure in ("judge", "source", "items", *FIGURES):
                assert row.get(figure) == want.get(figure), (size, row["judge"], figure)
        assert got["leaderboard"] == whole["leaderboard"], size
        assert got == whole, size
    return whole


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A three-judge fake run of 50 items, and a gold file without 4 of them plus 2 others."""
    tmp = tmp_path_factory.mktemp("board")
    items = pairwise_items(50, 11, (0, 2, 3, 3), tags=False)
    fake_run(tmp, items, "[category]",
             [FakeBackend(0, garbage_every=7), FakeBackend(1), FakeBackend(2)])
    gold = [{"id": r["id"], "human_label": r["human_label"],
             "annotator_labels": r.get("annotator_labels", [])} for r in items[4:]]
    gold += [{"id": "not-run-1", "human_label": "A"}, {"id": "not-run-2", "human_label": "B"}]
    (tmp / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in gold))
    return tmp / "run", tmp / "gold.jsonl"


def test_streamed_leaderboard_with_the_suite_gold(made: tuple[Path, Path]) -> None:
    run, _ = made
    rep = both(run, None)
    board = rep["leaderboard"]
    assert [r["judge"] for r in board["judges"]] == ["fake:0", "fake:1", "fake:2"]
    assert board["columns"] == list(FIGURES)  # every figure is there to compare
    assert all(r[c] is not None for r in board["judges"] for c in FIGURES)
    assert board["human_ceiling"] is not None
    assert [r["items"] for r in board["judges"]] == [50, 50, 50]
    m = board["matrix"]
    assert m["n"] == [[50] * 3] * 3 and m["agreement"][1][1] == 1.0
    assert 0 < m["agreement"][0][1] < 1 and 0 < m["agreement"][1][2] < 1


def test_streamed_leaderboard_with_a_gold_file(made: tuple[Path, Path]) -> None:
    run, gold = made
    rep = both(run, gold)
    assert rep["coverage"]["gold_without_label"] == 2
    assert rep["leaderboard"]["matrix"]["n"][1][2] == 46


def test_streamed_leaderboard_with_options(made: tuple[Path, Path]) -> None:
    """A label map, a forced scale, no bootstrap, a judge family: still the same."""
    run, gold = made
    rep = both(run, gold, (3, 0), replicates=0, judge_family="fake", label_map={"tie": "B"})
    assert rep["leaderboard"]["judges"][1]["agreement"]["ci"] is None
    assert rep["labels"][2] == "tie" and rep["distribution"]["judge"][2] == 0  # mapped to B
    both(run, None, (5,), scale="categorical")


def test_cli_prints_and_writes_what_the_in_memory_path_did(
        made: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, gold = made
    args = ["audit", str(run), "--gold", str(gold), "--replicates", "30"]
    calls: list[Any] = []
    real = audit_judges

    def spy(*a: Any, **k: Any) -> Any:
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr("judgekit.auditing._leaderboard_stream.audit_judges", spy)
    new = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "new")],
                             env={"COLUMNS": "200"})
    assert new.exit_code == 0, new.output
    assert len(calls) == 1  # the streamed path
    monkeypatch.setattr(_stream, "streamed_run", lambda _: None)  # the in-memory path
    old = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "old")],
                             env={"COLUMNS": "200"})
    assert old.exit_code == 0, old.output
    assert len(calls) == 1
    assert new.output.replace("new", "old") == old.output
    assert "judge leaderboard" in new.output and "fake:2" in new.output
    reports = [_plain(json.loads((tmp_path / s / "report.json").read_text("utf-8")))
               for s in ("new", "old")]
    assert reports[0] == reports[1]


def test_the_leaderboard_reads_no_label_whole(made: tuple[Path, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = made

    def whole(*_: Any) -> None:
        raise AssertionError("read whole")

    monkeypatch.setattr("judgekit.auditing._labels._from_run", whole)
    res = CliRunner().invoke(app, ["audit", str(run), "--replicates", "0", "--out",
                                   str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "r" / "report.json").read_text("utf-8"))
    assert len(data["leaderboard"]["judges"]) == 3


def _bad_suite(tmp: Path) -> Path:
    """A two-judge run whose suite has no gold."""
    items = pairwise_items(6, 11, (0, 2, 3, 3), tags=False)
    for r in items:
        r.pop("human_label")
    (tmp / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    (tmp / "suite.yaml").write_text(
        "rubric: core/preference\nprompt: core/pairwise\nitems: items.jsonl\n",
        encoding="utf-8")
    run_suite(load_suite(str(tmp / "suite.yaml")), [FakeBackend(0), FakeBackend(1)],
              tmp / "run")
    return tmp / "run"


def test_errors_are_the_in_memory_ones(made: tuple[Path, Path], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = made
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": "nope", "human_label": "A"}\n', "utf-8")
    unlabeled = tmp_path / "unlabeled.jsonl"
    unlabeled.write_text('{"id": "it0001", "verdict": "A"}\n', "utf-8")
    cases = [["--gold", str(other)], ["--gold", str(tmp_path / "missing.jsonl")],
             ["--judge", "nope"], ["--gold", str(unlabeled)]]
    runs = [run, run, run, run, _bad_suite(tmp_path)]
    cases.append([])
    outs: list[list[str]] = [[], []]
    for side in (0, 1):
        if side:
            monkeypatch.setattr(_stream, "streamed_run", lambda _: None)
        for where, extra in zip(runs, cases, strict=True):
            res = CliRunner().invoke(app, ["audit", str(where), *extra, "--replicates", "0",
                                           "--out", str(tmp_path / "r")],
                                     env={"COLUMNS": "200"})
            outs[side].append(f"{res.exit_code}: {res.output}")
    for new, old in zip(*outs, strict=True):
        assert new == old
        assert new.startswith("1: ") and "Traceback" not in new
    assert "no item id in common" in outs[0][0] and "no labels of judge 'nope'" in outs[0][2]
    assert "carry no gold labels" in outs[0][4]


@pytest.mark.parametrize("suite", ["core/sample-pointwise", "math/sample-steps"])
def test_streamed_leaderboard_of_other_scales(suite: str, tmp_path: Path) -> None:
    """Scores, and a step review (its steps section too): the same as in memory."""
    run_suite(load_suite(suite), [FakeBackend(0), FakeBackend(1)], tmp_path / "run")
    rep = both(tmp_path / "run", None, (1, 0))
    assert rep["scale"] != "pairwise" and len(rep["leaderboard"]["judges"]) == 2
    assert rep["leaderboard"]["judges"][1]["p_first"] is None  # no presentation order
    assert ("steps" in rep) == (suite == "math/sample-steps")


def test_a_run_of_one_judge_gets_its_report_alone(tmp_path: Path) -> None:
    run_suite(load_suite("core/sample"), [FakeBackend(0)], tmp_path / "run")
    found = _stream.streamed_run(tmp_path / "run")
    assert found is not None
    opts = AuditOptions(replicates=0)
    got = _plain(audit_judges(*found, None, None, opts).data)
    assert "leaderboard" not in got
    assert got == _plain(_stream.audit_run(*found, None, None, opts).data)
