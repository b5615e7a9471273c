"""Training data out of a revise job, in TRL's standard formats, with the verifier's figures.

- SFT (``sft.jsonl``): ``{"prompt", "completion"}`` (TRL's prompt-completion format): the
  prompt and the item's accepted revision.
- DPO (``dpo.jsonl``): ``{"prompt", "chosen", "rejected"}`` (TRL's preference format): the
  accepted revision chosen, the original response rejected.

One record per item that has an accepted revision: the one of its latest round (its chain's
end; every revision in a chain was verified against the original). Each record also carries
``id``, ``round``, ``p_revision_better`` (the verifier's probability), ``consistent``,
``principles``, ``judge`` and ``verifier``: TRL's trainers read the columns they need.
Everything is written atomically; ``attempts.jsonl`` keeps every attempt, accepted or not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from judgekit.revise._attempt import Attempt, ReviseResult
from judgekit.revise._report import build_report

RecordFormat = Literal["sft", "dpo"]
OUTPUTS = {"attempts": "attempts.jsonl", "sft": "sft.jsonl", "dpo": "dpo.jsonl",
           "report": "report.json"}
"""What a revise job writes into its directory, by name."""


def final_attempts(attempts: Iterable[Attempt]) -> list[Attempt]:
    """Per item, its accepted attempt of the latest round (items without one are left out)."""
    best: dict[str, Attempt] = {}
    for a in attempts:
        if a.accepted and (a.item_id not in best or a.round > best[a.item_id].round):
            best[a.item_id] = a
    return list(best.values())


def training_records(attempts: Iterable[Attempt], format: RecordFormat,
                     verifier: str) -> Iterator[dict[str, Any]]:
    """SFT or DPO records of the accepted revisions (see the module docstring).

    Args:
        attempts: A job's attempts (only accepted ones are used).
        format: ``sft`` or ``dpo``.
        verifier: The verifier's model id, recorded on each record.

    """
    for a in final_attempts(attempts):
        if format == "sft":
            head: dict[str, Any] = {"prompt": a.prompt, "completion": a.revision}
        else:
            head = {"prompt": a.prompt, "chosen": a.revision, "rejected": a.original}
        yield {**head, "id": a.item_id, "round": a.round, "p_revision_better": a.p_better,
               "consistent": a.consistent, "principles": list(a.principles),
               "judge": a.judge, "verifier": verifier}


def write_outputs(result: ReviseResult) -> dict[str, Path]:
    """Write ``attempts.jsonl``, ``sft.jsonl``, ``dpo.jsonl`` and ``report.json``."""
    paths = {name: result.path / file for name, file in OUTPUTS.items()}
    write_atomic(paths["attempts"], _lines(a.to_dict() for a in result.attempts))
    formats: tuple[RecordFormat, ...] = ("sft", "dpo")
    for format in formats:
        records = training_records(result.attempts, format, result.verifier)
        write_atomic(paths[format], _lines(records))
    write_atomic(paths["report"], json.dumps(build_report(result), indent=2,
                                             ensure_ascii=False) + "\n")
    return paths


def _lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)


def write_atomic(path: Path, text: str) -> None:
    """Write ``path`` atomically (fsync'd temporary file, then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
