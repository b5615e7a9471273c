"""Trust commands: ``qualify``, ``escalate``, ``merge-experts``, ``estimate``.

Registered on the main app by :mod:`judgekit.cli._main`. They read labels and gold as
``judgekit audit`` does (:mod:`._trust_inputs`) and need no judge backend. ``qualify`` exits
0 when every judge passes and :data:`FAILED` when one does not (1 stays "error").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from judgekit.cli._app import GoldRoot, app, friendly, out
from judgekit.cli._trust_inputs import pairs, with_inputs

if TYPE_CHECKING:  # the commands import judgekit.trust when they run: the CLI starts fast
    from judgekit.backends._contract import Backend
    from judgekit.content._suite import LoadedSuite
    from judgekit.trust._inputs import GoldSource, LabelSource
    from judgekit.trust._qualify import Qualification

FAILED = 3
"""Exit code of ``qualify`` when a judge fails the gate."""
EXPERT_MINUTES, EXPERT_RATE = 2.0, 100.0
"""Defaults of ``--expert-minutes``, ``--hourly-rate``: judgekit.trust's DEFAULT_MINUTES and
DEFAULT_RATE, spelled here so the CLI starts without it (tests/test_startup.py checks)."""

Labels = Annotated[list[Path], typer.Argument(help="Run directories or label files (JSONL/CSV/"
                                              "Parquet) from any judge.")]


def _table(title: str, rows: list[Qualification]) -> Table:
    table = Table("rater", "n", "agreed", "agreement", "lower bound", "gate", "items needed",
                  "result", title=title)
    for q in rows:
        table.add_row(q.name, str(q.n), str(q.agreed),
                      "–" if not q.n else f"{q.agreement:.3f}", f"{q.lower:.3f}",
                      f"{q.min_agreement:g}", "–" if q.passed else "never" if q.needed is None
                      else f"{q.needed:,}",
                      "[green]pass[/]" if q.passed else "[red]fail[/]")
    return table


@app.command("qualify")
@friendly
@with_inputs
def qualify_cmd(
    labels: Labels,
    min_agreement: Annotated[float, typer.Option(help="The gate: agreement with the gold the "
                                                 "judge must reach (lower bound).")],
    confidence: Annotated[float, typer.Option(help="Confidence of the lower bound.")] = 0.95,
    slice_: Annotated[list[str] | None, typer.Option("--slice", help="Gold column to report "
                                                     "per value; repeatable (default: domain,"
                                                     " criterion... where present).")] = None,
    strict_slices: Annotated[bool, typer.Option(help="Fail unless every slice passes too.")]
    = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the results "
                                                  "here.")] = None,
    *, source: LabelSource, gold_source: GoldSource,
) -> None:
    """Gate judges on gold: exit 0 when each one's agreement bound reaches the gate, else 3.

    A judge passes when the one-sided Clopper-Pearson lower bound of its agreement with the
    gold reaches --min-agreement, per judge, and per slice with --strict-slices.
    """
    from judgekit.trust._gate import score
    from judgekit.trust._inputs import (
        LabelSource,
        judges_in,
        read_gold_labels,
        read_stages,
        slice_masks,
    )
    from judgekit.trust._qualify import qualify_slices
    from judgekit.trust._write import write_json

    if not source.judges:
        names = [n for p in source.paths for n in judges_in(p, source.columns)]
        source = LabelSource(source.paths, source.columns, source.label_map,
                             tuple(dict.fromkeys(names)))
    gold = read_gold_labels(gold_source)
    overall, slices = [], []
    for stage in read_stages(source, confidence=False):
        result, ok, ids = score(stage, gold, min_agreement, confidence)
        overall.append(result)
        slices += qualify_slices(ok, slice_masks(gold, ids, slice_), min_agreement,
                                 confidence, name=stage.name)
    failed = _verdict(f"qualification vs {gold.source} (confidence {confidence:g})",
                      overall + slices, overall + (slices if strict_slices else []))
    if json_out:
        write_json(json_out, {"judges": [q.to_dict() for q in overall],
                              "slices": [q.to_dict() for q in slices], "passed": not failed})
    if failed:
        raise typer.Exit(FAILED)


def _verdict(title: str, shown: list[Qualification], gated: list[Qualification]) -> bool:
    """Print the table and a line per failure; whether any gated rater failed."""
    out.print(_table(title, shown))
    failed = [q for q in gated if not q.passed]
    for q in failed:
        need = "no number of items at this agreement" if q.needed is None else \
            f"about {q.needed:,} items at this agreement"
        out.print(f"[red]fail:[/] {q.name}: lower bound {q.lower:.3f} < {q.min_agreement:g} "
                  f"on {q.n} items ({need} would pass)")
    return bool(failed)


def gate(suite: LoadedSuite, backends: Sequence[Backend], out_dir: Path, *,
         gold_root: Path | None, batch_size: int) -> None:
    """``judgekit run``'s qualification gate: exit :data:`FAILED` when a judge fails it."""
    from judgekit.trust._gate import GATE_DIR, run_gate

    results = run_gate(suite, backends, out_dir, gold_root=gold_root, batch_size=batch_size)
    if _verdict(f"qualification gate of {suite.ref} ({out_dir / GATE_DIR})", results, results):
        out.print("[red]run refused:[/] a judge failed the suite's qualification gate; "
                  "use a better judge, or --skip-qualification to label anyway")
        raise typer.Exit(FAILED)


@app.command("escalate")
@friendly
@with_inputs
def escalate_cmd(
    labels: Labels,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for trusted.jsonl, queue.*, "
                                          "trust.json and trust.html.")],
    target: Annotated[float, typer.Option(help="Agreement with experts guaranteed on the "
                                          "trusted labels.")] = 0.9,
    delta: Annotated[float, typer.Option(help="Allowed probability that the guarantee "
                                         "fails.")] = 0.1,
    min_n: Annotated[int | None, typer.Option(help="Fewest calibration items a tested "
                                              "threshold keeps (default: grows with the "
                                              "target; 78 at 0.9).")] = None,
    screen: Annotated[int, typer.Option(min=0, help="Gold items mixed into the queue to "
                                        "score the experts.")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the screening draw and queue order.")]
    = 0,
    items: Annotated[Path | None, typer.Option(help="Items file with the texts (id, prompt, "
                                               "responses), for label files.")] = None,
    queue_format: Annotated[list[str] | None, typer.Option(
        help="Queue formats: jsonl, csv, labelstudio, argilla (default: all).")] = None,
    blind: Annotated[bool, typer.Option(help="Keep the judge's verdict out of the Label "
                                        "Studio and Argilla files.")] = False,
    expert_minutes: Annotated[float, typer.Option(
        help="Expert minutes per item, for the cost report.")] = EXPERT_MINUTES,
    hourly_rate: Annotated[float, typer.Option(help="Expert cost per hour.")] = EXPERT_RATE,
    gold_root: GoldRoot = None,
    *, source: LabelSource, gold_source: GoldSource,
) -> None:
    """Trust labels above a threshold certified on gold; queue the rest for experts.

    The threshold guarantees agreement with the experts >= --target on the trusted labels,
    with probability >= 1 - --delta (Trust or Escalate, fixed-sequence testing).
    """
    from judgekit.trust._cost import CostOptions, cost_lines
    from judgekit.trust._escalate import EscalateOptions, escalate, write_escalation
    from judgekit.trust._queue import QUEUE_FORMATS
    from judgekit.trust._select import TrustOptions

    formats = tuple(queue_format or QUEUE_FORMATS)
    bad = sorted(set(formats) - set(QUEUE_FORMATS))
    if bad:
        raise typer.BadParameter(f"{bad}: use {', '.join(QUEUE_FORMATS)}",
                                 param_hint="--queue-format")
    opts = EscalateOptions(TrustOptions(target, delta, min_n),
                           CostOptions(expert_minutes, hourly_rate), screen, seed, items,
                           gold_root, tuple(dict.fromkeys(("jsonl", *formats))), blind)
    esc = escalate(source, gold_source, opts)
    summary = write_escalation(esc, out_dir, opts)
    table = Table("stage", "trusted if", "calibration n", "lower bound", "trusted",
                  "coverage", title=f"trust or escalate: agreement >= {target:g} with "
                  f"probability >= {1 - delta:g}")
    for st, ps in zip(summary["stages"], summary["per_stage"], strict=True):
        table.add_row(st["judge"], st["rule"], str(st["calibration_n"]),
                      "–" if st["bound"] is None else f"{st['bound']:.3f}",
                      f"{ps['trusted']:,}", f"{ps['coverage']:.1%}")
    out.print(table)
    if not summary["certified"]:
        need = summary["calibration_needed"]
        out.print("[yellow]no threshold could be certified: every item goes to experts[/] ("
                  + (f"about {need:,} calibration items would be needed at this judge's "
                     "agreement)" if need else "the judge never agrees often enough: more "
                     "calibration will not help)"))
    for line in cost_lines(summary["cost"]):
        out.print(line)
    out.print(f"wrote {out_dir}/trusted.jsonl ({summary['trusted']:,}), queue "
              f"({summary['queue']:,} items: {', '.join(opts.formats)}), trust.json, "
              "trust.html")


@app.command("merge-experts")
@friendly
def merge_experts(
    folder: Annotated[Path, typer.Argument(help="The --out folder of 'judgekit escalate'.")],
    answers: Annotated[Path, typer.Option(help="Expert answers: CSV/JSONL/Parquet with id, "
                                          "label, annotator, or a Label Studio JSON export.")],
    id_col: Annotated[str, typer.Option(help="Answers: item id column.")] = "id",
    label_col: Annotated[str, typer.Option(help="Answers: label column.")] = "label",
    annotator_col: Annotated[str | None, typer.Option(help="Answers: annotator column "
                                                      "(default: annotator).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="Answer label FROM=TO.")]
    = None,
    min_agreement: Annotated[float | None, typer.Option(
        help="Gate the experts are scored against (default: escalate's target).")] = None,
    dpo: Annotated[Path | None, typer.Option(help="Also write DPO pairs of the final set.")]
    = None,
    reward: Annotated[Path | None, typer.Option(help="Also write reward soft labels.")] = None,
) -> None:
    """Merge expert answers into the final label set, each label with its provenance."""
    from judgekit.trust._answers import AnswerColumns, read_answers
    from judgekit.trust._experts import merge, read_escalation
    from judgekit.trust._final import PREFERENCE_FORMATS, preference_records
    from judgekit.trust._inputs import GoldSource, read_gold_labels
    from judgekit.trust._write import write_json, write_jsonl

    summary, _, _ = read_escalation(folder)
    g = summary["gold"]
    gold = read_gold_labels(GoldSource(Path(g["path"]), g["id_col"], g["label_col"],
                                       g["label_map"]))
    got = read_answers(answers, AnswerColumns(id_col, label_col, annotator_col,
                                              pairs(map_, "--map")))
    merged = merge(folder, got, gold.labels, gold.fields,
                   min_agreement=min_agreement or summary["target"])
    write_jsonl(folder / "final.jsonl", merged.final)
    write_jsonl(folder / "pending.jsonl", merged.pending)
    write_json(folder / "experts.json", {"counts": dict(merged.counts),
                                         "experts": [q.to_dict() for q in merged.experts]})
    c = merged.counts
    out.print(f"final: {len(merged.final):,} labels ({c['gold']} gold, {c['judge']} judge, "
              f"{c['expert']} expert, {c['overridden']} judge labels overridden by experts); "
              f"{c['pending']} pending; {c['unknown']} answers on unknown items")
    if merged.experts:
        out.print(_table("experts vs gold", merged.experts))
    for fmt, path in zip(PREFERENCE_FORMATS, (dpo, reward), strict=True):
        if path is not None:
            rows = list(preference_records(merged.final, fmt))
            write_jsonl(path, rows)
            out.print(f"wrote {len(rows):,} {fmt} records to {path}")
    out.print(f"wrote {folder}/final.jsonl, pending.jsonl, experts.json")


@app.command("estimate")
@friendly
@with_inputs
def estimate_cmd(
    labels: Labels,
    positive: Annotated[str | None, typer.Option(help="Estimate the share of this label "
                                                 "(default: A's win rate, or the mean "
                                                 "score).")] = None,
    confidence: Annotated[float, typer.Option(help="Interval confidence.")] = 0.95,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the estimate "
                                                  "here.")] = None,
    *, source: LabelSource, gold_source: GoldSource,
) -> None:
    """What the experts would have said over all items: PPI++ from gold plus judge labels."""
    import numpy as np

    from judgekit.trust._inputs import read_gold_labels, read_stages
    from judgekit.trust._ppi import estimand, ppi_mean, value_of
    from judgekit.trust._write import write_json

    gold = read_gold_labels(gold_source)
    stage = read_stages(source, confidence=False)[-1]
    kind = estimand(list(gold.labels.values()), positive)
    vals = {i: value_of(lab, probs, kind, positive) for i, (lab, _, probs) in
            stage.items.items()}
    lab_ids = [i for i in gold.labels if i in vals and not np.isnan(vals[i])]
    y = np.array([value_of(gold.labels[i], None, kind, positive) for i in lab_ids])
    yhat = np.array([vals[i] for i in lab_ids])
    yu = np.array([v for i, v in vals.items() if i not in gold.labels and not np.isnan(v)])
    est = ppi_mean(y, yhat, yu, confidence=confidence)
    what = {"win_rate": "win rate of response A (ties half)", "score": "mean score",
            "share": f"share of {positive!r}"}[kind]
    ci, cci = est.ci, est.classical_ci
    out.print(f"{what}, as the experts would label all {est.n + est.big_n:,} items "
              f"({est.n} with gold, {est.big_n:,} judge only; judge: {stage.name}):")
    out.print(f"  PPI++       {est.estimate:.4f}  {confidence:.0%} CI [{ci[0]:.4f}, {ci[1]:.4f}]"
              f"  (lambda {est.lam:.3f})")
    out.print(f"  gold only   {est.classical:.4f}  {confidence:.0%} CI [{cci[0]:.4f}, "
              f"{cci[1]:.4f}]")
    out.print(f"  judge only  {est.judge_only:.4f}  (bias on gold: {est.judge_bias:+.4f})")
    out.print(f"  effective gold items: {est.effective_n:,.0f} (x{est.effective_n / est.n:.2f}"
              f" the {est.n} labeled)")
    if json_out:
        write_json(json_out, {"estimand": kind, "judge": stage.name, **est.to_dict()})
