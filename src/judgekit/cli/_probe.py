"""The ``probe`` command: flip rates of a judge under injected verdicts, padding, authority."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress

from judgekit.cli._app import GoldRoot, app, err, friendly, out

PERTURBATIONS = ("marker", "json", "chatml", "padding", "authority")
"""The perturbations named in ``--perturbation``'s help: those of :mod:`judgekit.probe`, spelled
here so the CLI starts without importing it (tests/test_startup.py checks they match)."""


@app.command("probe")
@friendly
def probe_command(
    source: Annotated[str, typer.Argument(
        metavar="RUN_OR_SUITE", help="A run directory (its suite is probed) or a pairwise "
        "suite: domain/name, a core name, or a .yaml path.")],
    judge: Annotated[str, typer.Option(help="The judge probed: fake[:SEED], vllm:MODEL, "
                                       "openai:MODEL, langchain:PROVIDER:MODEL, embedded.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Probe directory (resumed if it "
                                          "exists).")],
    sample: Annotated[int, typer.Option(min=1, help="Items drawn from the suite.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the draw (recorded).")] = 0,
    perturbation: Annotated[list[str] | None, typer.Option(
        help=f"Run only these (repeatable): {', '.join(PERTURBATIONS)}. Default: all.")]
    = None,
    gold: Annotated[bool, typer.Option(
        help="Perturb the gold's worse response (--no-gold: the one the judge itself "
        "ranked lower on the original items).")] = True,
    gold_root: GoldRoot = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per backend call.")] = 64,
    base_url: Annotated[str | None, typer.Option(help="Server URL for openai: judges.")] = None,
    model_dir: Annotated[Path | None, typer.Option(
        help="embedded judge: where its converted model is cached.")] = None,
) -> None:
    """Re-judge a sample of pairwise items under perturbations of the worse response.

    Verdict markers and JSON/ChatML spoofs naming the worse response, padding it to the
    better one's length, and an authority sentence; each flip rate has a Wilson 95% CI
    (see docs/probe.md). Writes probe.json and probe.html into --out.
    """
    from judgekit.backends import make_backend
    from judgekit.probe import ProbeOptions, load_probe_suite, probe
    from judgekit.probe._report import HTML_FILE, JSON_FILE

    opts = ProbeOptions(sample=sample, seed=seed, use_gold=gold, batch_size=batch_size,
                        perturbations=tuple(perturbation or PERTURBATIONS))
    suite = load_probe_suite(source, gold_root)  # bad input fails before a model loads
    kind = judge.split(":")[0]
    options: dict[str, Any] = {"base_url": base_url} if base_url else {}
    if kind in {"vllm", "embedded"}:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")  # read by vLLM only
    if kind == "embedded":
        options["notify"] = lambda m: err.print(f"[bold]{m}[/]")
        options.update({"model_dir": model_dir} if model_dir else {})
    backend = make_backend(judge, **options)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), console=err, transient=True) as bar:
            task = bar.add_task("probing", total=None)
            report = probe(suite, backend, out_dir, options=opts, gold_root=gold_root,
                           progress=lambda name, d, t: bar.update(
                               task, description=name, completed=d, total=t))
    finally:
        backend.close()
    for line in report.lines():
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    out.print(f"files: {out_dir / JSON_FILE}, {out_dir / HTML_FILE}", markup=False,
              highlight=False, soft_wrap=True)
