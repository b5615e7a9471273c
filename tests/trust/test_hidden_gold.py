"""Hidden gold in production runs: mixed in at the rate, rendered like the rest, tallied live,
the run stopped when a judge fails the gate, never exported."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise as pairwise_of
from pathlib import Path
from typing import Any

import pytest
from scipy import stats
from typer.testing import CliRunner

from judgekit import ContentError, RunError, load_suite, run_suite
from judgekit.backends import FakeBackend
from judgekit.cli._main import app
from judgekit.content._hidden import HIDDEN_PREFIX, Mixer
from judgekit.run import combine_orders, export, open_run
from judgekit.trust import HiddenGoldWatch

runner = CliRunner()
Rows = Callable[..., list[dict[str, Any]]]


def _suite(make_suite: Callable[..., Path], pairwise: Rows, n: int = 200, gold: int = 40,
           **hidden: Any) -> Path:
    path = make_suite(pairwise(n), hidden_gold={"set": "quiz.jsonl", **hidden})
    (path.parent / "quiz.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in pairwise(gold, prefix="quiz")))
    return path


def test_mixer_spreads_hidden_items_at_the_rate_the_same_way_every_time(
        make_suite: Callable[..., Path], pairwise: Rows) -> None:
    suite = load_suite(str(_suite(make_suite, pairwise, rate=0.1, min_agreement=0.5)))
    assert suite.hidden is not None and len(suite.hidden.items) == 40
    mixer = Mixer(suite.hidden)
    chunks = [[it for it in suite.items][i:i + 64] for i in range(0, 200, 64)]
    ids = [it.id for chunk in mixer(chunks) for it in chunk]
    hidden = [i for i, x in enumerate(ids) if x.startswith(HIDDEN_PREFIX)]
    assert mixer.production == 200 and mixer.hidden == len(hidden) == 22  # floor(200 / 9)
    assert hidden[0] == 9 and hidden[-1] == 198 + 21  # one after every ninth item
    assert max(b - a for a, b in pairwise_of(hidden)) == 10
    again = [it.id for chunk in Mixer(suite.hidden)(chunks) for it in chunk]
    assert again == ids and len(set(ids)) == len(ids)


def test_hidden_items_are_rendered_like_the_rest_and_never_exported(
        tmp_path: Path, make_suite: Callable[..., Path], pairwise: Rows) -> None:
    path = _suite(make_suite, pairwise, n=60, gold=20, rate=0.25, min_agreement=0.01)
    suite = load_suite(str(path))
    summary = run_suite(suite, [FakeBackend(1)], tmp_path / "run", batch_size=16)
    assert summary.hidden == 20 and summary.items == 80
    run = open_run(tmp_path / "run")
    assert run.manifest["hidden_gold"]["mixed"] == 20
    assert {lab.item_id for lab in run.labels()} == {f"it{i:04d}" for i in range(60)}
    hidden = run.labels(hidden=True)
    assert len(hidden) == 40 and all(lab.item_id.startswith(HIDDEN_PREFIX) for lab in hidden)
    # the same gold rows run as ordinary items get the same requests (cache keys)
    plain = make_suite(pairwise(20, prefix="quiz"), name="plain")
    run_suite(load_suite(str(plain)), [FakeBackend(1)], tmp_path / "plain")
    keys = {(lab.item_id, lab.order): lab.key for lab in open_run(tmp_path / "plain").labels()}
    assert {(lab.item_id.removeprefix(HIDDEN_PREFIX), lab.order): lab.key
            for lab in hidden} == keys
    for fmt in ("labels", "items"):
        out = tmp_path / f"{fmt}.jsonl"
        export(run, out, fmt)  # type: ignore[arg-type]
        text = out.read_text()
        assert HIDDEN_PREFIX not in text and "quiz" not in text, fmt


def test_the_watch_tallies_what_the_store_holds_with_exact_bounds(
        tmp_path: Path, make_suite: Callable[..., Path], pairwise: Rows) -> None:
    suite = load_suite(str(_suite(make_suite, pairwise, rate=0.2, min_agreement=0.01)))
    watch = HiddenGoldWatch(suite)
    run_suite(suite, [FakeBackend(2)], tmp_path / "run", batch_size=8, watch=watch)
    tally = watch.tallies["fake:2"]
    groups: dict[str, list[Any]] = {}
    for lab in open_run(tmp_path / "run").labels(hidden=True):
        groups.setdefault(lab.item_id, []).append(lab)
    assert suite.hidden is not None
    agree = sum(combine_orders(g).label == suite.hidden.gold[i] for i, g in groups.items())
    assert (tally.n, tally.agree) == (len(groups), agree) and tally.n == 40
    ci = stats.binomtest(agree, tally.n).proportion_ci(0.9, method="exact")  # two 95% tails
    lo, hi = tally.bounds(0.95)
    assert lo == pytest.approx(ci.low) and hi == pytest.approx(ci.high)
    assert f"{agree}/40 agree" in watch.status()


def test_a_failing_judge_stops_the_run_keeps_its_labels_and_stays_stopped(
        tmp_path: Path, make_suite: Callable[..., Path], pairwise: Rows) -> None:
    suite = _suite(make_suite, pairwise, n=400, gold=60, rate=0.1, min_agreement=0.8,
                   min_count=10)
    out = tmp_path / "run"
    args = ["run", str(suite), "--judge", "fake:1", "--out", str(out), "--batch-size", "16"]
    res = runner.invoke(app, args)
    assert res.exit_code == 3, res.output
    assert "run stopped" in res.output and "below the gate 0.8" in res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped" and "fake:1" in manifest["stopped"]
    run = open_run(out)
    stored = len(run.labels())
    assert 0 < stored < 800 and len(run.labels(hidden=True)) >= 20
    res = runner.invoke(app, args)  # a rerun refuses before judging anything more
    assert res.exit_code == 3 and len(open_run(out).labels()) == stored
    res = runner.invoke(app, [*args, "--ignore-hidden-gold"])
    assert res.exit_code == 0, res.output
    assert len(open_run(out).labels()) == 800
    assert "444 items (44 hidden gold)" in " ".join(res.output.split())


def test_a_judge_above_the_gate_labels_everything(
        tmp_path: Path, make_suite: Callable[..., Path], pairwise: Rows) -> None:
    suite = load_suite(str(_suite(make_suite, pairwise, rate=0.1, min_agreement=0.1,
                                  min_count=5, stop_when="refuted")))
    summary = run_suite(suite, [FakeBackend(1)], tmp_path / "run",
                        watch=HiddenGoldWatch(suite))
    assert summary.judged + summary.cached == 2 * (200 + 22) and summary.hidden == 22
    with pytest.raises(RunError, match="upper bound"):
        strict = load_suite(str(_suite(make_suite, pairwise, rate=0.1, min_agreement=0.9,
                                       min_count=5, stop_when="refuted")))
        run_suite(strict, [FakeBackend(1)], tmp_path / "strict", batch_size=8,
                  watch=HiddenGoldWatch(strict))


@pytest.mark.parametrize(("hidden", "match"), [
    ({"set": "quiz.jsonl", "rate": 0.1}, "no gate"),
    ({"set": "missing.jsonl", "rate": 0.1, "min_agreement": 0.8}, "not found"),
    ({"set": "quiz.jsonl", "rate": 0.7, "min_agreement": 0.8}, "rate"),
])
def test_bad_hidden_gold_is_named(make_suite: Callable[..., Path], pairwise: Rows,
                                  hidden: dict[str, Any], match: str) -> None:
    path = make_suite(pairwise(10), hidden_gold=hidden)
    (path.parent / "quiz.jsonl").write_text(json.dumps(pairwise(1)[0]) + "\n")
    with pytest.raises(ContentError, match=match) as info:
        load_suite(str(path))
    assert str(path.name) in str(info.value)
