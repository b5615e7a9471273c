"""Rewrite weak answers: critique, then revise, by a constitution; verify; export SFT/DPO.

The supervised phase of Constitutional AI (Bai et al. 2022) with a verifier. For each item (a
prompt and a response) the judge writes a critique against the constitution's principles
(all, or one drawn per item and round from a recorded seed) and a revision, in one
JSON-schema-constrained completion (``{"critique", "revision"}``), for one or more rounds. Each
revision is judged pairwise against the original response in both orders, by the same judge or
another, and counts as an improvement only when that verifier prefers it with P(revision
better) at or above a stated threshold. Accepted revisions become SFT records and DPO pairs
in TRL's formats; a report gives the acceptance rate, the distribution of P(revision better)
and examples.

Data flow: a revise suite (:func:`load_revise_suite`) -> revise requests (:mod:`._job`, an
ordinary run in ``DIR/revise``) -> pairs judged both ways (:mod:`._verify`, an ordinary run
in ``DIR/verify``) -> :class:`Attempt` values -> ``sft.jsonl``, ``dpo.jsonl``,
``attempts.jsonl``, ``report.json``. :func:`revise` runs it all, resumably. See
docs/revise.md.
"""

from judgekit.revise._attempt import Attempt, ReviseResult
from judgekit.revise._driver import revise
from judgekit.revise._export import final_attempts, training_records, write_outputs
from judgekit.revise._options import ReviseOptions
from judgekit.revise._report import build_report, report_lines
from judgekit.revise._schema import Revision, parse_revision
from judgekit.revise._suite import check_revise_suite, load_revise_suite

__all__ = [
    "Attempt",
    "ReviseOptions",
    "ReviseResult",
    "Revision",
    "build_report",
    "check_revise_suite",
    "final_attempts",
    "load_revise_suite",
    "parse_revision",
    "report_lines",
    "revise",
    "training_records",
    "write_outputs",
]
