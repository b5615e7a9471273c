"""The revise job through the Python API on the fake judge: rounds, acceptance, resume."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from judgekit import Completion, Request, RunError, open_run, reparse
from judgekit.backends import FakeBackend
from judgekit.revise import ReviseOptions, load_revise_suite, revise
from judgekit.revise._suite import pick_principles

from .helpers import MakeReviseSuite, revise_rows


def test_rounds_chain_on_accepted_revisions_only(make_revise_suite: MakeReviseSuite,
                                                 tmp_path: Path) -> None:
    path = make_revise_suite(revise_rows(12))
    opts = ReviseOptions(rounds=3, threshold=0.55)
    result = revise(str(path), FakeBackend(5), tmp_path / "out", options=opts)
    by = {(a.item_id, a.round): a for a in result.attempts}
    assert len([a for a in result.attempts if a.round == 1]) == 12
    for (item, r), a in by.items():
        assert a.original == f"It is {int(item[1:])}."  # always verified against the original
        if r == 1:
            assert a.source == a.original
        else:
            before = by[item, r - 1]
            assert before.accepted and a.source == before.revision
        assert a.accepted == (a.verdict == "B" and (a.p_better or 0) >= 0.55)
        assert a.status in {"accepted", "rejected"}
    assert {a.item_id for a in result.attempts if a.round == 2} == {
        a.item_id for a in result.attempts if a.round == 1 and a.accepted}
    assert 0 < sum(a.accepted for a in result.attempts) < len(result.attempts)
    verify = open_run(tmp_path / "out" / "verify")
    assert {lab.order for lab in verify.labels()} == {"AB", "BA"}
    assert len(verify.labels()) == 2 * len(result.attempts)


def test_second_run_judges_nothing_and_finds_the_same(make_revise_suite: MakeReviseSuite,
                                                      tmp_path: Path) -> None:
    path, out = make_revise_suite(), tmp_path / "out"
    first = revise(str(path), FakeBackend(2), out, options=ReviseOptions(rounds=2))
    again = revise(str(path), FakeBackend(2), out, options=ReviseOptions(rounds=2))
    assert again.revise.judged == 0 and again.verify.judged == 0
    assert again.revise.skipped == again.revise.requests == len(first.attempts)
    assert again.attempts == first.attempts


def test_transport_errors_are_asked_again_unreadable_answers_are_not(
        make_revise_suite: MakeReviseSuite, tmp_path: Path) -> None:
    path, out = make_revise_suite(revise_rows(9)), tmp_path / "out"
    flaky = revise(str(path), FakeBackend(1, error_every=3), out)
    failed = [a for a in flaky.attempts if a.status == "unreadable"]
    assert len(failed) == 3 and all(str(a.error).startswith("backend:") for a in failed)
    healed = revise(str(path), FakeBackend(1), out)
    assert healed.revise.judged == 3 and healed.revise.skipped == 6
    assert not [a for a in healed.attempts if a.status == "unreadable"]

    out2 = tmp_path / "garbage"
    garbled = revise(str(path), FakeBackend(1, garbage_every=4), out2)
    bad = [a for a in garbled.attempts if a.status == "unreadable"]
    assert len(bad) == 2 and all("not JSON" in str(a.error) for a in bad)
    assert revise(str(path), FakeBackend(1), out2).revise.judged == 0  # never re-sampled


class Echo:
    """A judge that repeats the response it was shown, or answers prose for one item."""

    model = "echo"

    def describe(self) -> dict[str, Any]:
        return {"kind": "echo"}

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        out = []
        for r in requests:
            text = r.messages[-1].content
            shown = re.search(r"<response>\n(.*?)\n</response>", text, re.DOTALL)
            if "q001" in r.item_id:
                out.append(Completion(text="The response is fine."))
            else:
                out.append(Completion(text=json.dumps(
                    {"critique": "Nothing to fix.", "revision": shown.group(1) if shown else ""})))
        return out

    def close(self) -> None:
        pass


def test_unchanged_and_unreadable_revisions_are_not_verified(
        make_revise_suite: MakeReviseSuite, tmp_path: Path) -> None:
    result = revise(str(make_revise_suite(revise_rows(3))), Echo(), tmp_path / "out",
                    verifier=FakeBackend(0))
    assert [a.status for a in result.attempts] == ["unchanged", "unreadable", "unchanged"]
    assert result.verify.requests == 0 and not (tmp_path / "out" / "verify").exists()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["acceptance_rate"] == 0.0 and report["p_revision_better"] == {"n": 0}


def test_another_verifier_and_provenance(make_revise_suite: MakeReviseSuite,
                                         tmp_path: Path) -> None:
    path, out = make_revise_suite(), tmp_path / "out"
    opts = ReviseOptions(principles="sample", seed=11, threshold=0.5, consistent_only=True)
    result = revise(str(path), FakeBackend(1), out, verifier=FakeBackend(2), options=opts)
    assert open_run(out / "revise").judges() == ["fake:1"]
    assert open_run(out / "verify").judges() == ["fake:2"]
    assert all(a.consistent for a in result.attempts if a.accepted)
    job = json.loads((out / "revise.json").read_text())
    assert job["status"] == "complete" and job["options"]["seed"] == 11
    assert job["judge"]["model"] == "fake:1" and job["verifier"]["model"] == "fake:2"
    assert job["principles"]["mode"] == "sample" and job["suite_path"] == str(path.resolve())
    manifest = open_run(out / "revise").manifest
    assert manifest["task"] == "revise" and manifest["revise_sampling"]["schema"]["required"] == [
        "critique", "revision"]
    with pytest.raises(RunError, match="no usable 'sampling'"):
        reparse(out / "revise")  # would read critiques as verdicts: refused, nothing changed
    assert all(lab.error is None for lab in open_run(out / "revise").labels())
    con = load_revise_suite(str(path)).constitution
    assert con is not None
    for lab in open_run(out / "revise").labels():
        want = pick_principles(con, "sample", 11, lab.extra["item"], lab.extra["round"])
        assert lab.extra["principles"] == [p.id for p in want]
        assert lab.rationale and lab.extra["revision"] and lab.label == "revised"


def test_threshold_change_rejudges_nothing_and_moves_acceptance(
        make_revise_suite: MakeReviseSuite, tmp_path: Path) -> None:
    path, out = make_revise_suite(revise_rows(10)), tmp_path / "out"
    strict = revise(str(path), FakeBackend(3), out, options=ReviseOptions(threshold=1.0))
    loose = revise(str(path), FakeBackend(3), out, options=ReviseOptions(threshold=0.0))
    assert loose.revise.judged == 0 and loose.verify.judged == 0
    assert sum(a.accepted for a in strict.attempts) == 0
    assert sum(a.accepted for a in loose.attempts) == sum(
        a.verdict == "B" for a in loose.attempts)


def test_options_and_directories_that_do_not_fit(make_revise_suite: MakeReviseSuite,
                                                 tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        ReviseOptions(rounds=0)
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        ReviseOptions(threshold=1.5)
    out = tmp_path / "out"
    revise(str(make_revise_suite()), FakeBackend(), out)
    with pytest.raises(RunError, match="holds revisions of suite"):
        revise(str(make_revise_suite(name="other")), FakeBackend(), out)
    with pytest.raises(ValueError, match="verifier's rubric 'core/quality' is pointwise"):
        revise(str(make_revise_suite()), FakeBackend(), tmp_path / "o2",
               options=ReviseOptions(verifier_rubric="core/quality"))
