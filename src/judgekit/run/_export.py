"""Export a run: its labels (per order or per item), or preference data for training.

Formats:

- ``labels``: one line per stored label (item x order x judge), as stored.
- ``items``: one line per item and judge, both orders combined (:func:`combine_orders`).
- ``dpo``: TRL-style ``{"prompt", "chosen", "rejected"}`` plus metadata. Ties (the ``tie``
  label, or ``tie_margin``) are dropped, as are items below ``min_confidence`` (the averaged
  probability of the winning label; judges without probabilities have none and fail any
  threshold above 0), items whose orders disagree when ``consistent_only``, errored items, and
  pairs whose two responses are identical. A tie never becomes ``chosen == rejected``.
- ``reward``: TRL's reward-model format: the ``dpo`` records (same filters, ties dropped) with
  ``margin = P(chosen) - P(rejected)``, the gap in the judge's probabilities averaged over
  orders (and judges), in [0, 1] and above ``tie_margin``; RewardTrainer subtracts it from the
  reward gap in its loss. Judges without probabilities give 0 (plain Bradley-Terry). The soft
  label stays in ``p_chosen_better = P(chosen) + P(tie) / 2`` (:func:`p_a_better`, oriented to
  ``chosen``; None without probabilities).

``dpo`` and ``reward`` are TRL's standard form (``prompt`` a text, ``chosen``/``rejected``
texts) unless ``chat`` asks for the conversational form: ``prompt`` is
``[{"role": "user", "content": ...}]`` and ``chosen``/``rejected`` are
``[{"role": "assistant", "content": ...}]``. Multi-turn items are always conversational (the
prompt is their message list, system and earlier turns kept), so a suite mixing multi-turn
and single-turn items needs ``chat`` for one form throughout. Either form loads with
``datasets.load_dataset("json", data_files=...)`` and trains as is.

Any format is written as JSON lines, or as Parquet when the file name ends in ``.parquet``:
the name already says what the file is, as it does for
DuckDB's ``COPY ... TO`` and pandas' writers, so no second flag can contradict it. Parquet
is streamed in row groups of 65,536 records with a fixed schema (:mod:`._parquet`), so
DuckDB, polars and pandas read a run of any size. Labels are streamed from the store.

Preference formats need the item texts: they are read back from the suite the run names when
its items files still have the sha256 the run recorded, else from the run's own items
snapshot (:mod:`._snapshot`), so a run copied elsewhere exports; a pair is never built from
texts the judge did not see. With several judges in the run, their verdicts are averaged
into a panel (mean probability) unless one ``judge`` is chosen.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal

from judgekit._errors import RunError
from judgekit.content._turns import trl_prompt, trl_reply
from judgekit.run._aggregate import ItemVerdict, item_verdicts, panel
from judgekit.run._parquet import write_parquet
from judgekit.run._rundir import Run, open_run
from judgekit.run._snapshot import item_texts

ExportFormat = Literal["labels", "items", "dpo", "reward"]
FORMATS: tuple[str, ...] = ("labels", "items", "dpo", "reward")
Prompt = str | list[dict[str, str]]
"""A record's prompt: its text, or a multi-turn item's messages (TRL's conversational form)."""


@dataclass(frozen=True)
class ExportOptions:
    """How to select and combine what is exported.

    Attributes:
        tie_margin: |P(A) - P(B)| at or below this counts as a tie (items, dpo, reward).
        min_confidence: dpo/reward: keep items whose winning probability is at least this.
        consistent_only: dpo/reward: keep only items whose two orders chose the same label.
        judge: dpo/reward: this judge only (default: the only judge, or the panel of all).
        gold_root: Where the suite's ``gold:`` item paths point (dpo/reward).
        chat: dpo/reward: TRL's conversational form (message lists), not the standard one.

    """

    tie_margin: float = 0.0
    min_confidence: float = 0.0
    consistent_only: bool = False
    judge: str | None = None
    gold_root: Path | None = None
    chat: bool = False


@dataclass
class ExportStats:
    """What an export wrote and why it left items out.

    Attributes:
        format: The export format.
        written: Records written.
        dropped: Items left out, by reason (``tie``, ``low_confidence``, ``inconsistent``,
            ``error``, ``identical_responses``).

    """

    format: str
    written: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def describe_drops(self, order: Sequence[str] = ()) -> str:
        """``tie 3, low_confidence 2`` (or ``none``)."""
        keys = [*order, *sorted(k for k in self.dropped if k not in order)]
        parts = [f"{k} {self.dropped[k]}" for k in keys if self.dropped.get(k)]
        return ", ".join(parts) or "none"


def export(run: Run | str | os.PathLike[str], out: str | os.PathLike[str] | IO[str],
           format: ExportFormat = "labels", options: ExportOptions | None = None, *,
           tie_margin: float = 0.0, min_confidence: float = 0.0, consistent_only: bool = False,
           judge: str | None = None) -> ExportStats:
    """Write a run's records as JSON lines or Parquet (see the module docstring).

    Args:
        run: The run (or its directory).
        out: A file path (written atomically: complete or absent; Parquet when it ends in
            ``.parquet``, else JSON lines), ``-`` for standard output, or an open text
            stream.
        format: ``labels``, ``items``, ``dpo`` or ``reward``.
        options: Every option at once (:class:`ExportOptions`; ``chat`` and ``gold_root``
            are given only here); leave the keyword options at their defaults then.
        tie_margin: See :class:`ExportOptions`.
        min_confidence: See :class:`ExportOptions`.
        consistent_only: See :class:`ExportOptions`.
        judge: See :class:`ExportOptions`.

    Raises:
        RunError: Not a run, an unknown judge, ``out`` cannot be written, or (dpo/reward)
            not pairwise, or changed items and no items snapshot.
        ValueError: An unknown format, or ``options`` with keyword options too.

    """
    keywords = ExportOptions(tie_margin, min_confidence, consistent_only, judge)
    if options is not None and keywords != ExportOptions():
        raise ValueError("give the export options either as options=ExportOptions(...) or as "
                         "keywords, not both")
    options = options if options is not None else keywords
    stats = ExportStats(format)
    run = run if isinstance(run, Run) else open_run(run)
    named = isinstance(out, (str, os.PathLike)) and str(out) != "-"
    parquet = named and str(out).lower().endswith(".parquet")
    lines = records(run, format, options, stats)
    if not isinstance(out, (str, os.PathLike)):
        _write(lines, out, stats)
    elif str(out) == "-":
        _write(lines, sys.stdout, stats)
    else:
        path = Path(out)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            if parquet:
                stats.written = write_parquet(lines, tmp, run.manifest.get("labels") or [])
            else:
                with open(tmp, "w", encoding="utf-8") as fh:
                    _write(lines, fh, stats)
            tmp.replace(path)
        except OSError as exc:
            raise RunError(f"cannot write {path}: {exc.strerror}") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return stats


def _write(lines: Iterator[dict[str, Any]], fh: IO[str], stats: ExportStats) -> None:
    for rec in lines:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        stats.written += 1


def records(run: Run | str | os.PathLike[str], format: ExportFormat = "labels",
            options: ExportOptions | None = None,
            stats: ExportStats | None = None) -> Iterator[dict[str, Any]]:
    """The records :func:`export` writes, one dict each; drops are counted in ``stats``.

    Raises:
        RunError: As :func:`export`.
        ValueError: An unknown format.

    """
    if format not in FORMATS:
        raise ValueError(f"export format must be one of {list(FORMATS)}, not {format!r}")
    run = run if isinstance(run, Run) else open_run(run)
    opts = options or ExportOptions()
    stats = stats if stats is not None else ExportStats(format)
    if format == "labels":
        return _labels(run)
    if format == "items":
        return (_item_record(v) for v in run.verdicts(opts.tie_margin))
    return _preferences(run, format, opts, stats)


def _labels(run: Run) -> Iterator[dict[str, Any]]:
    """Every stored label's record, streamed from the store."""
    run._require()  # fails clearly, naming the directory, if it is not a run
    with run.store() as store:
        for lab in store.labels(hidden=False):  # hidden gold is never exported
            yield lab.to_dict()


def _item_record(v: ItemVerdict) -> dict[str, Any]:
    return {"id": v.item_id, "judge": v.judge, "verdict": v.label,
            "probs": dict(v.probs) if v.probs is not None else None, "score": v.score,
            "consistent": v.consistent, "orders": v.orders, "errors": list(v.errors)}


def _verdicts(run: Run, judge: str | None, tie_margin: float) -> list[ItemVerdict]:
    judges = run.judges()
    if judge is not None and judge not in judges:
        raise RunError(f"{run.path} has no labels of judge {judge!r}; judges: {judges}")
    per_judge = item_verdicts(run.labels(judge), tie_margin)
    if judge is not None or len(judges) <= 1:
        return per_judge
    combined = panel(per_judge, how="mean", tie_margin=tie_margin)
    consistent: dict[str, bool] = {}
    for v in per_judge:
        consistent[v.item_id] = consistent.get(v.item_id, True) and v.consistent is True
    name = "panel:" + "+".join(judges)
    return [replace(v, judge=name, consistent=consistent.get(v.item_id)) for v in combined]


def p_a_better(probs: dict[str, float]) -> float:
    """P(A is better), counting a tie as half a win for each side, renormalized over A/B/tie."""
    a, b, tie = probs.get("A", 0.0), probs.get("B", 0.0), probs.get("tie", 0.0)
    total = a + b + tie
    return (a + tie / 2) / total if total > 0 else 0.5


def _preferences(run: Run, format: str, opts: ExportOptions,
                 stats: ExportStats) -> Iterator[dict[str, Any]]:
    texts = item_texts(run, opts.gold_root)
    cols = texts.columns
    verdicts = _verdicts(run, opts.judge, opts.tie_margin)

    def generate() -> Iterator[dict[str, Any]]:
        for v in verdicts:
            fields = texts.fields.get(v.item_id)
            if v.label is None or fields is None:
                stats.dropped["error"] += 1
                continue
            if opts.consistent_only and v.consistent is not True:
                stats.dropped["inconsistent"] += 1
                continue
            prompt = trl_prompt(fields, cols["prompt"])  # multi-turn: the message list
            if opts.chat and isinstance(prompt, str):
                prompt = [{"role": "user", "content": prompt}]
            sides = {"A": str(fields[cols["response_a"]]), "B": str(fields[cols["response_b"]])}
            if sides["A"].strip() == sides["B"].strip():
                stats.dropped["identical_responses"] += 1
                continue
            rec = _pair(v, prompt, sides, opts, stats)
            if rec is None:
                continue
            if format == "reward":
                rec = _reward(v, rec)
            yield {**rec, "id": v.item_id, "judge": v.judge, "consistent": v.consistent,
                   "probs": dict(v.probs) if v.probs is not None else None,
                   "gold": texts.gold.get(v.item_id)}

    return generate()


def _pair(v: ItemVerdict, prompt: Prompt, sides: dict[str, str], opts: ExportOptions,
          stats: ExportStats) -> dict[str, Any] | None:
    """The DPO record of a verdict: ties and low-confidence verdicts give none."""
    if v.label not in ("A", "B"):
        stats.dropped["tie"] += 1
        return None
    confidence = v.p(v.label)
    if opts.min_confidence > 0 and (confidence is None or confidence < opts.min_confidence):
        stats.dropped["low_confidence"] += 1
        return None
    loser = "B" if v.label == "A" else "A"
    return {"prompt": prompt, "chosen": trl_reply(prompt, sides[v.label]),
            "rejected": trl_reply(prompt, sides[loser]),
            "chosen_label": v.label, "confidence": confidence}


def reward_margin(probs: Mapping[str, float] | None, chosen: str) -> tuple[float, float | None]:
    """TRL's reward ``margin`` of a pair whose ``chosen`` side (A or B) a judge picked.

    ``(P(chosen) - P(rejected), P(chosen) + P(tie) / 2)`` from the judge's distribution, or
    ``(0.0, None)`` without one (plain Bradley-Terry).
    """
    if probs is None:
        return 0.0, None
    loser = "B" if chosen == "A" else "A"
    p_a = p_a_better(dict(probs))
    return (float(probs.get(chosen, 0.0)) - float(probs.get(loser, 0.0)),
            p_a if chosen == "A" else 1.0 - p_a)


def _reward(v: ItemVerdict, pair: dict[str, Any]) -> dict[str, Any]:
    """A DPO record with TRL's reward ``margin`` (see the module docstring) added."""
    margin, p_chosen = reward_margin(v.probs, str(v.label))
    head = {k: pair[k] for k in ("prompt", "chosen", "rejected")}
    return {**head, "margin": margin, **pair, "p_chosen_better": p_chosen}
