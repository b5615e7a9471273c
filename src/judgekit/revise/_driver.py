"""``revise``: critique and revise every item for some rounds, verifying each revision.

Round 1 critiques and revises each item's response. A revision counts as an improvement
(``accepted``) only when the verifier's both-order verdict is ``B`` (the revision) with
P(revision better) at or above the threshold (and, with ``consistent_only``, both orders
chose it). Round ``r > 1`` revises the revision accepted in round ``r - 1``: a chain goes on
while it keeps being accepted, so a bad revision is never revised further. Every revision is
verified against the **original** response.

The revise directory holds the two ordinary runs (``revise/`` and ``verify/``, see
:mod:`._job` and :mod:`._verify`), the job's manifest ``revise.json`` (options, seed, how
principles are drawn, judge and verifier, counts), and what is derived from them on every run:
``attempts.jsonl`` (one line per revision: critique, revision, verification), ``sft.jsonl``,
``dpo.jsonl`` and ``report.json``. Running it again resumes; nothing stored is judged again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from judgekit._types import Item
from judgekit._version import __version__
from judgekit.backends import Backend
from judgekit.content import LoadedSuite
from judgekit.revise._attempt import Attempt, ReviseResult, attempt_row
from judgekit.revise._export import write_outputs
from judgekit.revise._job import ReviseStage, Task
from judgekit.revise._options import ReviseOptions
from judgekit.revise._schema import revise_sampling
from judgekit.revise._suite import (
    attempt_id,
    check_revise_suite,
    constitution_of,
    load_revise_suite,
    pick_principles,
    prompt_column,
    response_column,
    round_item,
)
from judgekit.revise._verify import Verifier, p_revision_better
from judgekit.run import ItemVerdict, Run
from judgekit.run._rundir import write_json_atomic

JOB_FILE = "revise.json"
StageProgress = Callable[[str, int, int], None]
"""Called with (what, done, total) after every batch, e.g. ``("revise round 1", 64, 200)``."""


def revise(suite: str | LoadedSuite, judge: Backend, out: str | os.PathLike[str], *,
           verifier: Backend | None = None, options: ReviseOptions | None = None,
           gold_root: Path | None = None, progress: StageProgress | None = None) -> ReviseResult:
    """Critique, revise and verify every item of a revise suite into ``out`` (resumable).

    Args:
        suite: A revise suite (``domain/name``, a ``.yaml`` path, or a loaded suite).
        judge: Writes the critiques and revisions.
        out: The revise directory (created; resumed when it holds this suite).
        verifier: Judges each revision against its original (default: ``judge``).
        options: Rounds, principles, seed, threshold... (default :class:`ReviseOptions`).
        gold_root: Where the suite's ``gold:`` item paths point.
        progress: Called after every batch.

    Raises:
        ContentError: The suite is not a revise suite, or the verifier's rubric is not
            pairwise; the message names the file, the field and the fix.
        RunError: ``out`` is in use, or holds revisions of another suite.

    """
    t0 = time.time()
    opts = options or ReviseOptions()
    loaded = (load_revise_suite(suite, gold_root=gold_root, limit=opts.limit)
              if isinstance(suite, str) else check_revise_suite(suite))
    verifier = verifier or judge
    out = Path(out)
    result = ReviseResult(out, loaded.ref, judge.model, verifier.model, opts)
    run = Run(out / "revise")
    run.create()
    with run.lock():
        verify = Verifier(out, loaded, verifier, opts.verifier_rubric, opts.verifier_prompt,
                          opts.batch_size)  # checks its references before anything is written
        stage = ReviseStage(run, judge, loaded, revise_sampling(opts.max_tokens),
                            opts.batch_size)
        job = _job_manifest(out, loaded, judge, verifier, opts)
        write_json_atomic(out / JOB_FILE, job)
        result.attempts = _rounds(loaded, stage, verify, opts, progress)
        result.revise, result.verify = stage.count, verify.count
        result.seconds = time.time() - t0
        summary: dict[str, Any] = {"revise": asdict(stage.count),
                                   "verify": asdict(verify.count),
                   "attempts": len(result.attempts),
                   "accepted": sum(a.accepted for a in result.attempts)}
        stage.finish(summary["revise"])
        write_outputs(result)
        job.update(finished=time.time(), status="complete", summary=summary)
        write_json_atomic(out / JOB_FILE, job)
    return result


def _rounds(suite: LoadedSuite, stage: ReviseStage, verify: Verifier, opts: ReviseOptions,
            progress: StageProgress | None) -> list[Attempt]:
    """Every round: revise the active chains, verify the new revisions, keep the accepted."""
    constitution = constitution_of(suite)
    column, prompt_col = response_column(suite), prompt_column(suite)
    originals = {item.id: str(item.fields[column]) for item in suite.items}
    current = dict(originals)  # the text each active chain revises next
    active: list[Item] = list(suite.items)
    attempts: list[Attempt] = []
    rows: list[dict[str, Any]] = []
    for round_ in range(1, opts.rounds + 1):
        if not active:
            break
        tasks = []
        for item in active:
            chosen = pick_principles(constitution, opts.principles, opts.seed, item.id,
                                     round_)
            shown = chosen if opts.principles == "sample" else None
            tasks.append(Task(round_item(item, column, current[item.id], shown, round_),
                              {"item": item.id, "round": round_,
                               "principles": [p.id for p in chosen]}))
        labels = stage(tasks, _stage(progress, f"revise round {round_}"))
        fresh: list[Attempt] = []
        for item, task in zip(active, tasks, strict=True):
            fresh.append(Attempt.of(labels[task.item.id], str(item.fields[prompt_col]),
                                    originals[item.id], current[item.id]))
        new_rows = [attempt_row(a, item.fields) for a, item in zip(fresh, active, strict=True)
                    if a.status == "unverified"]
        rows += new_rows
        verdicts = verify(rows, _stage(progress, f"verify round {round_}")) if new_rows else {}
        fresh = [_verified(a, verdicts.get(attempt_id(a.item_id, a.round)), opts)
                 for a in fresh]
        attempts += fresh
        accepted = {a.item_id: a for a in fresh if a.accepted}
        active = [item for item in active if item.id in accepted]
        current.update((i, str(a.revision)) for i, a in accepted.items())
    order = {item.id: n for n, item in enumerate(suite.items)}
    return sorted(attempts, key=lambda a: (order[a.item_id], a.round))


def _verified(attempt: Attempt, verdict: ItemVerdict | None, opts: ReviseOptions) -> Attempt:
    """The attempt with its verification and the acceptance rule applied."""
    if attempt.status != "unverified" or verdict is None:
        return attempt
    p = p_revision_better(verdict)
    if p is None:
        return attempt.verified(None, None, None, "verify_error",
                                "; ".join(verdict.errors) or "no readable verdict")
    accepted = (verdict.label == "B" and p >= opts.threshold
                and (verdict.consistent is True or not opts.consistent_only))
    return attempt.verified(p, verdict.label, verdict.consistent,
                            "accepted" if accepted else "rejected")


def _stage(progress: StageProgress | None, what: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    report = progress
    return lambda done, total: report(what, done, total)


def _job_manifest(out: Path, suite: LoadedSuite, judge: Backend, verifier: Backend,
                  opts: ReviseOptions) -> dict[str, Any]:
    old: dict[str, Any] = {}
    if (out / JOB_FILE).is_file():
        try:
            old = json.loads((out / JOB_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
    return {
        "judgekit": __version__, "task": "revise", "suite": suite.ref,
        "suite_path": str(suite.path), "sources_sha256": suite.sources,
        "judge": {"model": judge.model, **judge.describe()},
        "verifier": {"model": verifier.model, **verifier.describe()},
        "options": asdict(opts),
        "principles": {
            "mode": opts.principles, "seed": opts.seed,
            "rule": "all principles" if opts.principles == "all" else
            "principles[int(sha256(f'{seed}\\0{item_id}\\0{round}')[:8]) % n]",
            "constitution": [p.id for p in constitution_of(suite).principles]},
        "runs": {"revise": "revise", "verify": "verify", "verify_suite": "verify-suite"},
        "started": old.get("started", time.time()), "finished": None, "status": "running",
    }
