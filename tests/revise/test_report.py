"""The revise report's figures on attempts written by hand, and the training records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judgekit.revise import (
    Attempt,
    ReviseOptions,
    ReviseResult,
    build_report,
    final_attempts,
    report_lines,
    training_records,
)


def attempt(item: str, round_: int, status: Any, p: float | None = None,
            error: str | None = None) -> Attempt:
    readable = status not in ("unreadable",)
    return Attempt(item_id=item, round=round_, principles=("honest",), prompt=f"{item}?",
                   original=f"old {item}", source=f"old {item}", critique="c" if readable
                   else None, revision=f"new {item} {round_}" if readable else None,
                   status=status, error=error, p_better=p,
                   verdict=None if p is None else ("B" if p > 0.5 else "A"), judge="j")


ATTEMPTS = [
    attempt("a", 1, "accepted", 0.8), attempt("a", 2, "accepted", 0.7),
    attempt("b", 1, "rejected", 0.3), attempt("c", 1, "rejected", 0.55),
    attempt("d", 1, "unreadable", error="revise output is cut off after 1941 characters: x"),
    attempt("e", 1, "unreadable", error="revise output is cut off after 2044 characters: x"),
    attempt("f", 1, "unchanged"),
]


def test_figures_count_every_attempt() -> None:
    result = ReviseResult(Path("x"), "core/s", "j", "v", ReviseOptions(), list(ATTEMPTS))
    report = build_report(result, examples=1)
    assert report["items"] == 6 and report["attempts"] == 7
    assert report["by_status"] == {"accepted": 2, "rejected": 2, "unreadable": 2,
                                   "unchanged": 1}
    assert report["acceptance_rate"] == pytest.approx(2 / 7)
    lo, hi = report["acceptance_ci95"]
    assert lo == pytest.approx(0.0822, abs=1e-3) and hi == pytest.approx(0.6411, abs=1e-3)
    assert report["acceptance_rate_of_verified"] == pytest.approx(2 / 4)
    assert report["items_improved"] == 1
    dist = report["p_revision_better"]
    assert dist["n"] == 4 and dist["mean"] == pytest.approx(0.5875)
    assert dist["histogram"]["counts"] == [0, 0, 0, 1, 0, 1, 0, 1, 1, 0]
    assert report["errors"] == {"revise output is cut off after N characters": 2}
    assert [r["accepted"] for r in report["rounds"]] == [1, 1]
    assert [e["id"] for e in report["examples"]["accepted"]] == ["a#r1"]
    assert [e["id"] for e in report["examples"]["rejected"]] == ["b#r1"]
    text = "\n".join(report_lines(report))
    assert "accepted 2/7 = 28.6% (95% CI 8.2%-64.1%); of verified: 50.0%" in text
    assert "unreadable 2" in text and "0.3-0.4 # 1" in text


def test_training_records_take_each_chain_end() -> None:
    assert [(a.item_id, a.round) for a in final_attempts(ATTEMPTS)] == [("a", 2)]
    sft = list(training_records(ATTEMPTS, "sft", "v"))
    dpo = list(training_records(ATTEMPTS, "dpo", "v"))
    assert sft == [{"prompt": "a?", "completion": "new a 2", "id": "a", "round": 2,
                    "p_revision_better": 0.7, "consistent": None, "principles": ["honest"],
                    "judge": "j", "verifier": "v"}]
    assert (dpo[0]["chosen"], dpo[0]["rejected"]) == ("new a 2", "old a")


def test_an_empty_job_reports_no_rate() -> None:
    report = build_report(ReviseResult(Path("x"), "s", "j", "v", ReviseOptions()))
    assert report["acceptance_rate"] is None and report["p_revision_better"] == {"n": 0}
    assert "accepted 0/0 = n/a" in "\n".join(report_lines(report))
