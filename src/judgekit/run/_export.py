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
from collections.abc import Iterator
from itertools import groupby, islice
from pathlib import Path
from typing import IO, Any, Literal

from judgekit._errors import RunError
from judgekit.run._aggregate import ItemVerdict, item_verdicts
from judgekit.run._exportopts import ExportOptions, ExportStats
from judgekit.run._parquet import write_parquet
from judgekit.run._preference import preferences
from judgekit.run._rundir import Run, open_run

ExportFormat = Literal["labels", "items", "dpo", "reward"]
FORMATS: tuple[str, ...] = ("labels", "items", "dpo", "reward")
CHUNK = 8192
"""Items whose verdicts are combined at once while exporting (memory stays flat in run size)."""


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
        return (_item_record(v) for v in _streamed_verdicts(run, opts.tie_margin))
    return preferences(run, format, opts, stats)


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


def _streamed_verdicts(run: Run, tie_margin: float) -> Iterator[ItemVerdict]:
    """Each judge's item verdicts, by judge then item, streamed from the store."""
    run._require()
    with run.store() as store:
        for judge in store.judges():
            labels = store.labels(judge, hidden=False)  # ordered by item: its orders together
            groups = groupby(labels, key=lambda lab: lab.item_id)
            while chunk := [lab for _, group in islice(groups, CHUNK) for lab in group]:
                yield from item_verdicts(chunk, tie_margin)


