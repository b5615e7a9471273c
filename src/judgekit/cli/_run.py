"""Run commands: ``run`` (label a suite), ``export``, ``reparse``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from judgekit._errors import JudgekitError, RunError
from judgekit.cli._app import GoldRoot, app, err, friendly, out

if TYPE_CHECKING:  # the commands import what they use when run: the CLI starts fast
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._export import ExportFormat
    from judgekit.run._rayplan import RayOptions
    from judgekit.trust._hidden import HiddenGoldWatch

HIDDEN_GOLD_FAILED = 3
"""Exit code of a run a judge's hidden gold stopped (the code a failed qualification gets)."""


@app.command()
@friendly
def run(
    suite: Annotated[str, typer.Argument(help="Suite: domain/name, a core name, or a .yaml path.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run directory (resumed if it exists).")],
    judge: Annotated[list[str] | None, typer.Option(
        help="Judge spec, repeatable for a panel: fake[:SEED], vllm:MODEL, openai:MODEL, "
        "langchain:PROVIDER:MODEL, embedded. Default: the suite's judge, else embedded.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Server URL for openai: judges.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per backend call (one "
                                            "durable transaction each).")] = 512,
    limit: Annotated[int | None, typer.Option(min=1, help="Judge only the first N items.")] = None,
    rationale: Annotated[bool, typer.Option(help="Critique first, then the verdict (JSON).")] =
    False,
    latency: Annotated[float, typer.Option(hidden=True)] = 0.0,
    gold_root: GoldRoot = None,
    model_dir: Annotated[Path | None, typer.Option(
        help="embedded judge: where its converted model is cached "
        "(default ~/.cache/judgekit/models/smollm2-135m-instruct).")] = None,
    concurrency: Annotated[int | None, typer.Option(
        min=1, help="openai judges: requests in flight at once (default 8).")] = None,
    skip_qualification: Annotated[bool, typer.Option(
        help="Label even with judges that fail the suite's qualification gate.")] = False,
    ignore_hidden_gold: Annotated[bool, typer.Option(
        help="Keep labeling when a judge fails the suite's hidden gold (still shown).")] =
    False,
    executor: Annotated[str, typer.Option(
        help="local (this process) or ray (a Ray cluster; see docs/ray.md).")] = "local",
    ray_address: Annotated[str | None, typer.Option(
        envvar="RAY_ADDRESS", help="ray: the cluster (default: RAY_ADDRESS, else a local "
        "Ray).")] = None,
    ray_actors: Annotated[int, typer.Option(
        min=1, help="ray: judge actors per judge (one backend, one engine each).")] = 1,
    ray_cpus_per_actor: Annotated[float, typer.Option(min=0.0, help="ray: CPUs per actor.")]
    = 1.0,
    ray_gpus_per_actor: Annotated[float, typer.Option(
        min=0.0, help="ray: GPUs per actor (a vLLM judge: its tensor-parallel size).")] = 0.0,
    engine_option: Annotated[list[str] | None, typer.Option(
        help="vllm/embedded judges: KEY=VALUE for the vLLM engine, repeatable (e.g. "
        "tensor_parallel_size=2, gpu_memory_utilization=0.85, max_model_len=8192).")] = None,
) -> None:
    """Label every item of a suite and store the labels in a run directory."""
    from judgekit.backends._contract import make_backend
    from judgekit.cli._engine import engine_options
    from judgekit.cli._live import LiveStatus
    from judgekit.content._suite import load_suite
    from judgekit.run._runner import run_suite
    from judgekit.trust._hidden import HiddenGoldWatch

    if executor not in ("local", "ray"):
        raise JudgekitError(f"unknown --executor {executor!r}; use local or ray")
    loaded = load_suite(suite, gold_root=gold_root, limit=limit,
                        mode="rationale" if rationale else None)
    specs = judge or [loaded.spec.judge or "embedded"]
    options: dict[str, Any] = {}
    if base_url:
        options["base_url"] = base_url
    fake_options = {"latency": latency} if latency else {}
    if any(s.split(":")[0] in {"vllm", "embedded"} for s in specs):
        # vLLM reads this when imported; a user's own setting wins (configures vLLM only)
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    engine = engine_options(engine_option or [], specs)
    embedded_options: dict[str, Any] = {"notify": lambda m: err.print(f"[bold]{m}[/]"),
                                        **engine}
    if model_dir:
        embedded_options["model_dir"] = model_dir
    kind_options = {"fake": fake_options, "embedded": embedded_options, "vllm": engine,
                    "openai": {"concurrency": concurrency} if concurrency else {}}
    if executor == "ray":
        from judgekit.run._rayplan import RayOptions

        if loaded.spec.qualification is not None and not skip_qualification:
            raise JudgekitError("--executor ray does not run the suite's qualification gate; "
                                "qualify the judges with --executor local, then pass "
                                "--skip-qualification")
        per_spec = {s: {**options, **{k: v for k, v in kind_options.get(
            s.split(":")[0], {}).items() if k != "notify"}} for s in specs}  # picklable
        return _on_ray(loaded, specs, out_dir, RayOptions(
            ray_address, ray_actors, ray_cpus_per_actor, ray_gpus_per_actor, batch_size,
            gold_root, per_spec))
    backends = []
    try:
        for s in specs:
            backends.append(make_backend(s, **options, **kind_options.get(s.split(":")[0], {})))
    except BaseException:
        for b in backends:
            b.close()
        raise
    watch: HiddenGoldWatch | None = None
    try:
        if loaded.spec.qualification is not None and not skip_qualification:
            from judgekit.cli._trust import gate

            gate(loaded, backends, out_dir, gold_root=gold_root, batch_size=batch_size)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                      transient=True) as bar:
            title = f"judging {loaded.ref}"
            task = bar.add_task(title, total=None)
            if loaded.hidden is not None:
                watch = HiddenGoldWatch(loaded, stop=not ignore_hidden_gold)
            live = LiveStatus(watch)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total,
                           description=escape(f"{title}  {live.line()}"))

            summary = run_suite(loaded, backends, out_dir, batch_size=batch_size,
                                progress=progress, watch=live)
    except RunError:
        if watch is None or watch.failure is None:
            raise
        out.print(f"[red]run stopped:[/] {escape(watch.failure)}")
        raise typer.Exit(HIDDEN_GOLD_FAILED) from None
    finally:
        for b in backends:
            b.close()
    out.print(
        f"[bold]{summary.out}[/]: {summary.items} items"
        f"{f' ({summary.hidden} hidden gold)' if summary.hidden else ''} x "
        f"{len(summary.judges)} judge(s), "
        f"{summary.requests} judgments: {summary.judged} judged, {summary.cached} from cache, "
        f"{summary.skipped} already done, {summary.errors} errors "
        f"({summary.seconds:.1f} s)"
    )
    if summary.error_kinds:
        out.print(f"errors by kind: {summary.error_kinds}")
    if watch is not None:
        out.print(watch.status(), markup=False)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def _on_ray(loaded: LoadedSuite, specs: list[str], out_dir: Path, options: RayOptions) -> None:
    """``run --executor ray``: the same stages on a Ray cluster (judgekit.run._ray)."""
    from judgekit.run._ray import quiet_ray, run_ray

    quiet_ray()  # judgekit shows the progress; Ray's own INFO lines would bury it
    with Progress(BarColumn(), MofNCompleteColumn(), console=err, transient=True) as bar:
        task = bar.add_task("judging on Ray", total=None)
        summary = run_ray(loaded, specs, out_dir, options,
                          lambda done, total: bar.update(task, completed=done, total=total))
    out.print(f"[bold]{summary.out}[/] (ray): {summary.items} items x {len(summary.judges)} "
              f"judge(s), {summary.requests} judgments: {summary.judged} judged, "
              f"{summary.cached} from cache, {summary.skipped} already done, "
              f"{summary.errors} errors ({summary.seconds:.1f} s)")
    if summary.error_kinds:
        out.print(f"errors by kind: {summary.error_kinds}")


@app.command()
@friendly
def export(
    run_dir: Annotated[Path, typer.Argument(help="Run directory.")],
    format: Annotated[str, typer.Option(
        help="labels (one line per order; alias jsonl), items (orders combined), dpo "
        "(TRL prompt/chosen/rejected) or reward (TRL chosen/rejected/margin, margin = "
        "P(chosen) - P(rejected)).")] = "labels",
    output: Annotated[str, typer.Option("--output", "-o", help="File (JSON lines; Parquet "
                                        "when it ends in .parquet), or - for standard output "
                                        "(the default).")] = "-",
    tie_margin: Annotated[float, typer.Option(
        help="items, dpo, reward: also call an item a tie when |P(A) - P(B)| is at or below "
        "this (0: only when tie is the argmax, or the orders are level).")]
    = 0.0,
    min_confidence: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="dpo/reward: keep items whose winning probability is at least "
        "this.")] = 0.0,
    consistent_only: Annotated[bool, typer.Option(
        help="dpo/reward: keep only items whose two orders agree.")] = False,
    judge: Annotated[str | None, typer.Option(
        help="dpo/reward: this judge only (default: the run's judge, or the panel mean).")]
    = None,
    gold_root: GoldRoot = None,
    chat: Annotated[bool, typer.Option(
        help="dpo/reward: TRL's conversational form (prompt and responses as message "
        "lists).")] = False,
) -> None:
    """Export a run's labels (labels, items), or preference data for training (dpo, reward)."""
    from judgekit.run._export import FORMATS
    from judgekit.run._export import export as export_run
    from judgekit.run._exportopts import ExportOptions

    format = "labels" if format == "jsonl" else format
    if format not in FORMATS:
        raise JudgekitError(f"unknown export format {format!r}; use one of {list(FORMATS)}")
    options = ExportOptions(tie_margin, min_confidence, consistent_only, judge, gold_root, chat)
    stats = export_run(run_dir, output, cast("ExportFormat", format), options)
    where = "" if output == "-" else f" to {output}"
    dropped = f"; left out: {stats.describe_drops()}" if format in ("dpo", "reward") else ""
    err.print(f"wrote {stats.written} {format} records{where}{dropped}", markup=False)


@app.command("reparse")
@friendly
def reparse_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run directory.")],
) -> None:
    """Re-parse a run's stored raw outputs with the current parser; no model is called."""
    from judgekit.run._reparse import reparse

    summary = reparse(run_dir)
    out.print(f"{run_dir}: {summary.labels} labels, {summary.changed} changed, "
              f"{summary.uncached} without a stored output (rerun to judge them), "
              f"{summary.errors} errors")


