"""Revise commands: ``revise`` (critique, revise, verify, export) and ``revise-report``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from judgekit._errors import RunError
from judgekit.cli._app import GoldRoot, app, err, friendly, out

if TYPE_CHECKING:  # the commands import what they use when run: the CLI starts fast
    from judgekit.backends import Backend
    from judgekit.revise._suite import PrincipleMode


@app.command()
@friendly
def revise(
    suite: Annotated[str, typer.Argument(help="Revise suite: domain/name, a core name, or a "
                                         ".yaml path (prompt: revise, a constitution).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Revise directory (resumed if it "
                                          "exists).")],
    judge: Annotated[str | None, typer.Option(
        help="Writes critiques and revisions: fake[:SEED], vllm:MODEL, openai:MODEL, "
        "langchain:PROVIDER:MODEL, embedded. Default: the suite's judge, else embedded.")]
    = None,
    verifier: Annotated[str | None, typer.Option(
        help="Judges each revision against its original (default: the judge).")] = None,
    rounds: Annotated[int, typer.Option(min=1, help="Critique-and-revise rounds; a chain "
                                        "goes on while its revisions are accepted.")] = 1,
    principles: Annotated[str, typer.Option(
        help="sample: one principle per item and round, drawn from --seed (as in the "
        "Constitutional AI paper); all: every principle.")] = "sample",
    seed: Annotated[int, typer.Option(help="Seed of the principle draw (recorded).")] = 0,
    threshold: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Accept a revision when the verifier prefers it with "
        "P(revision better) at least this (a tie counts half).")] = 0.6,
    consistent_only: Annotated[bool, typer.Option(
        help="Also require both orders, each alone, to prefer the revision.")] = False,
    verifier_rubric: Annotated[str, typer.Option(help="The verifier's pairwise rubric.")]
    = "core/preference",
    verifier_prompt: Annotated[str, typer.Option(help="The verifier's pairwise prompt.")]
    = "core/pairwise",
    max_tokens: Annotated[int, typer.Option(min=1, help="Token budget of one critique and "
                                            "revision.")] = 1024,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per backend call.")] = 64,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items.")] = None,
    examples: Annotated[int, typer.Option(min=0, help="Examples shown per kind.")] = 2,
    base_url: Annotated[str | None, typer.Option(help="Server URL for openai: judges.")] = None,
    gold_root: GoldRoot = None,
    model_dir: Annotated[Path | None, typer.Option(
        help="embedded judge: where its converted model is cached.")] = None,
) -> None:
    """Critique and revise each response by the constitution; verify; export SFT/DPO data.

    Each revision is judged pairwise against its original in both orders; the accepted ones
    are written as SFT records and DPO pairs in TRL's formats (see docs/revise.md).
    """
    from judgekit.revise import ReviseOptions, build_report, load_revise_suite
    from judgekit.revise import revise as revise_suite

    if principles not in ("all", "sample"):
        raise typer.BadParameter("use 'all' or 'sample'", param_hint="--principles")
    opts = ReviseOptions(rounds=rounds, principles=cast("PrincipleMode", principles), seed=seed,
                         threshold=threshold, consistent_only=consistent_only,
                         verifier_rubric=verifier_rubric, verifier_prompt=verifier_prompt,
                         max_tokens=max_tokens, batch_size=batch_size, limit=limit)
    loaded = load_revise_suite(suite, gold_root=gold_root, limit=limit)
    specs = [judge or loaded.spec.judge or "embedded"]
    if verifier and verifier != specs[0]:
        specs.append(verifier)
    backends = _backends(specs, base_url, model_dir)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task(f"revising {loaded.ref}", total=None)
            result = revise_suite(loaded, backends[0], out_dir, verifier=backends[-1],
                                  options=opts, progress=lambda what, d, t: bar.update(
                                      task, description=what, completed=d, total=t))
    finally:
        for b in backends:
            b.close()
    r, v = result.revise, result.verify
    out.print(f"[bold]{out_dir}[/]: revise {r.requests} requests ({r.judged} judged, "
              f"{r.cached} from cache, {r.skipped} already done, {r.errors} unreadable); "
              f"verify {v.requests} judgments ({v.judged} judged, {v.cached} from cache, "
              f"{v.skipped} already done, {v.errors} errors) ({result.seconds:.1f} s)")
    _print(build_report(result, examples), out_dir)


@app.command("revise-report")
@friendly
def revise_report(
    out_dir: Annotated[Path, typer.Argument(help="A revise directory.")],
    examples: Annotated[int, typer.Option(min=0, help="Examples shown per kind.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json as is.")] = False,
) -> None:
    """Show a revise job's report (no model is called): acceptance, P(revision better)."""
    from judgekit.revise._export import OUTPUTS

    path = out_dir / OUTPUTS["report"]
    if not path.is_file():
        raise RunError(f"{out_dir} holds no revise report ({OUTPUTS['report']}); run "
                       "'judgekit revise SUITE --out DIR' first")
    try:
        raw = path.read_text(encoding="utf-8")
        report: dict[str, Any] = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path} is unreadable ({exc}); run 'judgekit revise' on the same "
                       "--out to rewrite it") from None
    if as_json:
        out.print_json(raw)
        return
    report["examples"] = {k: v[:examples] for k, v in report.get("examples", {}).items()}
    _print(report, out_dir)


def _print(report: dict[str, Any], out_dir: Path) -> None:
    from judgekit.revise import report_lines
    from judgekit.revise._export import OUTPUTS

    for line in report_lines(report):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    names = ", ".join(str(out_dir / f) for f in OUTPUTS.values())
    out.print(f"files: {names}", markup=False, highlight=False, soft_wrap=True)


def _backends(specs: list[str], base_url: str | None, model_dir: Path | None) -> list[Backend]:
    """Build each judge (closing those already built if one fails)."""
    from judgekit.backends import make_backend

    if any(s.split(":")[0] in {"vllm", "embedded"} for s in specs):
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")  # read by vLLM only
    built: list[Backend] = []
    try:
        for spec in specs:
            kind = spec.split(":")[0]
            opts: dict[str, Any] = {"base_url": base_url} if base_url else {}
            if kind == "embedded":
                opts["notify"] = lambda m: err.print(f"[bold]{m}[/]")
                opts.update({"model_dir": model_dir} if model_dir else {})
            built.append(make_backend(spec, **opts))
    except BaseException:
        for b in built:
            b.close()
        raise
    return built
