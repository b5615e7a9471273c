"""The ``judgekit audit`` command: labels + gold -> report.json, report.html, a summary table.

Registered on the main app by :mod:`judgekit.cli._main`. Needs no judge backend: nothing here
imports vLLM.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from judgekit._errors import ContentError, JudgekitError

if TYPE_CHECKING:  # imported when the command runs: the CLI starts fast
    from judgekit.auditing import AuditOptions, AuditReport, GoldColumns, LabelColumns
    from judgekit.auditing._labels import LabelRows

_out = Console()
_err = Console(stderr=True)


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        if "=" not in v:
            raise typer.BadParameter(f"{v!r} is not FROM=TO", param_hint=option)
        a, b = v.split("=", 1)
        out[a] = b
    return out


def _ci(s: dict[str, Any] | None) -> str:
    if not s or not s.get("ci"):
        return "–"
    return f"[{s['ci'][0]:.3f}, {s['ci'][1]:.3f}]"


def _val(s: dict[str, Any] | None) -> str:
    return "–" if not s or s.get("value") is None else f"{s['value']:.3f}"


def summary_table(report: AuditReport) -> Table:
    """The terminal summary: headline figures, the ceiling, bias and calibration."""
    d = report.data
    table = Table("statistic", "value", "95% CI", "n",
                  title=f"{d['inputs']['labels']['judge']} vs gold ({d['scale']}, "
                  f"{d['coverage']['matched']} items)")
    for name, s in report.headline():
        table.add_row(name, _val(s), _ci(s), str(s.get("n", "")))
    pos, length = d["bias"]["position"], d["bias"]["length"]
    if pos.get("available"):
        table.add_row("P(prefer first shown)", _val(pos["p_first"]["judge"]),
                      _ci(pos["p_first"]["judge"]), str(pos["p_first"]["judge"]["n"]))
        if pos.get("consistency"):
            table.add_row("position consistency", _val(pos["consistency"]),
                          _ci(pos["consistency"]), str(pos["consistency"]["n"]))
    if length.get("available"):
        s = length["p_longer"]["judge"]
        table.add_row("P(prefer longer)", _val(s), _ci(s), str(s["n"]))
    cal = d["calibration"]
    if cal.get("available"):
        table.add_row("ECE", _val(cal["ece"]), _ci(cal["ece"]), str(cal["ece"]["n"]))
        table.add_row("Brier (top label)", _val(cal["brier"]), _ci(cal["brier"]),
                      str(cal["brier"]["n"]))
    return table


def _audit_all(sources: list[Path], gold: Path | None, columns: LabelColumns,
               gold_columns: GoldColumns, options: AuditOptions) -> AuditReport:
    """The report of one judge; with several judges (or sources), their leaderboard too."""
    from judgekit.auditing._gold import PREFETCH, prefetch_gold
    from judgekit.auditing._leaderboard_stream import audit_judges
    from judgekit.auditing._stream import audit_run, streamed_run

    run = streamed_run(sources[0]) if len(sources) == 1 else None
    if run is not None:  # one run: streamed, its labels (and its gold file) never all held
        if options.judge is not None:
            return audit_run(*run, gold, gold_columns, options)
        return audit_judges(*run, gold, gold_columns, options)  # with several, a leaderboard
    if gold is not None:
        prefetch_gold(gold, gold_columns)  # read while the labels are read
    try:
        return _audit_judges(sources, gold, columns, gold_columns, options)
    finally:
        PREFETCH.discard()


def _audit_judges(sources: list[Path], gold: Path | None, columns: LabelColumns,
                  gold_columns: GoldColumns, options: AuditOptions) -> AuditReport:
    from dataclasses import replace

    from judgekit.auditing._audit import audit_rows
    from judgekit.auditing._labels import read_labels
    from judgekit.auditing._leaderboard import judges_of, leaderboard

    judges = judges_of(sources, columns)
    if len(sources) == 1 and (options.judge is not None or len(judges) < 2):
        rows = judges[0][1] if judges else read_labels(sources[0], columns)
        with _items_ahead(rows, gold, options):
            return audit_rows(rows, gold, gold_columns, options)
    names = [name for name, _ in judges]
    if options.judge is not None and options.judge not in names:
        raise ContentError(None, f"--judge {options.judge!r} is none of the judges of "
                           f"{', '.join(map(str, sources))}",
                           fix=f"use one of: {', '.join(names)} (panel needs a single source)")
    main = options.judge or names[0]
    report = audit_rows(dict(judges)[main], gold, gold_columns, replace(options, judge=main))
    report.data["leaderboard"] = leaderboard(judges, gold, gold_columns=gold_columns,
                                             options=options)
    report.data["notes"].append(f"the report's figures are judge {main}'s; the leaderboard "
                                f"compares {len(names)} judges")
    return report


def _items_ahead(rows: LabelRows, gold: Path | None,
                 options: AuditOptions) -> AbstractContextManager[Any]:
    """A labels file's item labels made while its gold file is read in the background.

    Not for a run, whose audit reads its gold before it makes them (a lower peak of memory).
    """
    from judgekit.auditing._items import made_ahead

    if gold is None or rows.kind == "run":
        return nullcontext()
    return made_ahead(rows, options.judge, options.label_map)


def _cell(s: dict[str, Any] | None) -> str:
    if not s or s.get("value") is None:
        return "–"
    ci = s.get("ci")
    return f"{s['value']:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def leaderboard_table(board: dict[str, Any]) -> Table:
    """The judge leaderboard: one row per judge, the human ceiling beside."""
    heads = {"agreement": "agreement", "cohen_kappa": "kappa", "loo_judge": "LOO",
             "consistency": "consist.", "p_first": "P(1st)", "p_longer": "P(long)",
             "ece": "ECE", "seconds_per_1000": "s/1k"}
    ceil = board.get("human_ceiling")
    table = Table("judge", "n", *(heads[c] for c in board["columns"]),
                  title="judge leaderboard" + (f" (human ceiling, LOO: {_cell(ceil)})"
                                               if ceil else ""))
    for row in board["judges"]:
        cells = [f"{row[c]:.2f}" if c == "seconds_per_1000" and row[c] is not None else
                 _cell({"value": (row[c] or {}).get("value")}) if c in ("p_first", "p_longer",
                                                                      "ece", "consistency")
                 else _cell(row[c]) for c in board["columns"]]
        table.add_row(row["judge"], str(row["items"]), *cells)
    return table


def audit(
    labels: Annotated[list[Path], typer.Argument(help="A judgekit run directory, or a JSONL/"
                                                 "CSV/Parquet file of labels from any judge; "
                                                 "several (or a run of several judges): a "
                                                 "judge leaderboard too.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.json and report.html.")],
    gold: Annotated[Path | None, typer.Option(help="Gold file (JSONL/CSV/Parquet); default for "
                                              "a run: its suite's gold.")] = None,
    id_col: Annotated[str, typer.Option(help="Labels file: item id column.")] = "id",
    verdict_col: Annotated[str, typer.Option(help="Labels file: verdict column (A = the item's "
                                             "response_a).")] = "verdict",
    prob_col: Annotated[str | None, typer.Option(help="Labels file: P(verdict) number, or a "
                                                 "JSON object label -> P (default: probs).")]
    = None,
    order_col: Annotated[str | None, typer.Option(help="Labels file: order column AB/BA "
                                                  "(default: order).")] = None,
    judge_col: Annotated[str | None, typer.Option(help="Labels file: judge name column.")] = None,
    judge: Annotated[str | None, typer.Option(help="Which judge of several; 'panel' averages "
                                              "them.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="Judge label FROM=TO gold "
                                                   "spelling; repeatable.")] = None,
    gold_id_col: Annotated[str, typer.Option(help="Gold: item id column.")] = "id",
    gold_col: Annotated[str | None, typer.Option(help="Gold: label column (default human_label "
                                                 "or human_score).")] = None,
    annotators_col: Annotated[str | None, typer.Option(help="Gold: list of annotators' labels "
                                                       "(default annotator_labels/_scores; '' "
                                                       "for none).")] = None,
    gold_map: Annotated[list[str] | None, typer.Option(help="Gold label FROM=TO; repeatable.")]
    = None,
    slice_: Annotated[list[str] | None, typer.Option("--slice", help="Slice by this gold column;"
                                                     " repeatable (default: domain, criterion, "
                                                     "... where present).")] = None,
    scale: Annotated[str | None, typer.Option(help="Force pairwise, ordinal, binary or "
                                              "categorical.")] = None,
    replicates: Annotated[int, typer.Option(min=0, help="Bootstrap replicates (0: no CIs).")]
    = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    judge_family: Annotated[str | None, typer.Option(help="The judge's model family, for "
                                                     "self-preference (substring match).")]
    = None,
    model_col: Annotated[list[str] | None, typer.Option(help="Gold column naming a response's "
                                                        "model (twice for pairwise: A then B)."
                                                        )] = None,
    gold_root: Annotated[Path | None, typer.Option(help="Where a run suite's 'gold:' paths "
                                                   "point.")] = None,
    no_error: Annotated[str | None, typer.Option(help="Step review: the 'no error' label, for "
                                                 "step-level figures (default: the run "
                                                 "suite's).")] = None,
) -> None:
    """Audit a judge's labels against human gold.

    Agreement with CIs, the human ceiling, bias and calibration; writes report.json and a
    self-contained report.html.
    """
    from judgekit.auditing import AuditOptions, GoldColumns, LabelColumns
    from judgekit.auditing._disagree import top_lines

    if scale is not None and scale not in ("pairwise", "ordinal", "binary", "categorical"):
        raise typer.BadParameter("use pairwise, ordinal, binary or categorical",
                                 param_hint="--scale")
    columns = LabelColumns(id=id_col, verdict=verdict_col, prob=prob_col, order=order_col,
                           judge=judge_col)
    gold_columns = GoldColumns(id=gold_id_col, label=gold_col, annotators=annotators_col,
                               label_map=_pairs(gold_map, "--gold-map"))
    options = AuditOptions(judge=judge, label_map=_pairs(map_, "--map"), slices=slice_,
                           scale=scale, replicates=replicates, seed=seed,
                           judge_family=judge_family, model_columns=model_col,
                           gold_root=gold_root, no_error=no_error)
    try:
        report = _audit_all(labels, gold, columns, gold_columns, options)
        paths = report.write(out)
    except JudgekitError as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1) from None
    _out.print(summary_table(report))
    if "leaderboard" in report.data:
        _out.print(leaderboard_table(report.data["leaderboard"]))
    dis = report.data.get("disagreements")
    if dis and dis["count"]:
        _out.print(f"{dis['count']} disagreements with the gold; the judge's most confident:")
        for line in top_lines(dis):
            _out.print(f"  {line}", highlight=False, markup=False)
    for note in report.data["notes"]:
        _out.print(f"[yellow]note:[/] {note}")
    _out.print(f"wrote {paths['json']} and {paths['html']}")
