"""Run a probe: the sampled items, then each perturbation of them, as ordinary runs.

Layout of ``DIR``: ``suites/<name>/suite.yaml`` + ``items.jsonl`` (a generated pairwise suite
that reuses the original suite's rubric, prompt and constitution by reference), and the run
of each under ``DIR/original`` and ``DIR/<perturbation>``: resumable, and readable by
``judgekit audit``, ``export`` and ``reparse`` like any other run. ``probe.json`` and
``probe.html`` hold the flip rates (:mod:`judgekit.probe._report`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from judgekit._errors import ContentError, RunError
from judgekit._types import Item
from judgekit.backends import Backend
from judgekit.content import LoadedSuite, load_suite
from judgekit.content._domains import resolve
from judgekit.probe._perturb import PERTURBATIONS, Side, perturb, sample, worse_side
from judgekit.probe._report import ProbeReport, Verdicts, build_report, write_report
from judgekit.run import item_verdicts, open_run, run_suite

ORIGINAL = "original"
SUITES = "suites"
Progress = Callable[[str, int, int], None]
"""Called with (run name, done, total) as each run goes."""


@dataclass(frozen=True)
class ProbeOptions:
    """How a probe samples and perturbs.

    Attributes:
        sample: Items drawn (all when the suite has fewer).
        seed: Seed of the draw (recorded in ``probe.json``).
        perturbations: Which of :data:`~judgekit.probe.PERTURBATIONS` to run.
        use_gold: Take the worse side from the gold where the items carry it; False takes it
            from the judge's own original verdict.
        batch_size: Requests per backend call.

    """

    sample: int = 50
    seed: int = 0
    perturbations: tuple[str, ...] = PERTURBATIONS
    use_gold: bool = True
    batch_size: int = 64

    def __post_init__(self) -> None:
        bad = [p for p in self.perturbations if p not in PERTURBATIONS]
        if bad or not self.perturbations:
            raise RunError(f"unknown perturbation {', '.join(map(repr, bad)) or '(none)'} "
                           f"(--perturbation); use some of: {', '.join(PERTURBATIONS)}")
        if self.sample < 1:
            raise RunError(f"--sample {self.sample}: draw at least one item")


def probe(source: str | Path | LoadedSuite, backend: Backend, out: str | Path, *,
          options: ProbeOptions | None = None, gold_root: Path | None = None,
          progress: Progress | None = None) -> ProbeReport:
    """Re-judge a sample of pairwise items under perturbations; write and return the report.

    Args:
        source: A run directory, a suite (``domain/name`` or a path), or a suite already
            loaded by :func:`load_probe_suite`.
        backend: The judge probed.
        out: The probe directory (created, or resumed: stored judgments are not redone).
        options: Sample size, seed, perturbations, gold use, batch size.
        gold_root: Where the suite's ``gold:`` item paths point.
        progress: Called as each run goes.

    Raises:
        ContentError: The suite is not pairwise.
        RunError: The sample is empty, or ``out`` is not a folder.

    """
    opts = options or ProbeOptions()
    suite = source if isinstance(source, LoadedSuite) else load_probe_suite(source, gold_root)
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise RunError(f"--out {root} is a file; give a folder (created if missing)")
    items = sample(suite.items, opts.sample, opts.seed)
    if not items:
        raise RunError(f"the suite {suite.path} has no items to sample (check its 'items', "
                       "'where' and 'limit'); --sample draws from them")
    original = _judge(suite, items, ORIGINAL, backend, root, opts, progress)
    gold = dict(suite.gold) if opts.use_gold else {}
    worse: dict[str, Side | None] = {}
    for item in items:
        v = original.get(item.id, {}).get("both")
        worse[item.id] = worse_side(gold.get(item.id) if gold else None,
                                    v.probs if v else None, v.label if v else None)
    runs: dict[str, Verdicts] = {}
    skipped: dict[str, int] = {}
    for kind in opts.perturbations:
        changed = [p for it in items if (side := worse[it.id]) is not None
                   and (p := perturb(it, kind, side, suite.renderer.fields)) is not None]
        skipped[kind] = sum(worse[it.id] is not None for it in items) - len(changed)
        runs[kind] = _judge(suite, changed, kind, backend, root, opts, progress) if changed \
            else {}
    report = build_report(original, runs, worse, skipped, meta={
        "suite": suite.ref, "suite_path": str(suite.path), "judge": backend.model,
        "sample": len(items), "seed": opts.seed,
        "worse_side_from": "gold" if gold else "judge"})
    write_report(report, root)
    return report


def load_probe_suite(source: str | Path, gold_root: Path | None = None) -> LoadedSuite:
    """The pairwise suite a probe samples: a run directory's suite, or a suite reference.

    Raises:
        ContentError: The suite is not pairwise (the error names its file), or is invalid.
        RunError: ``source`` is a folder that holds no run.

    """
    path = Path(source)
    if path.is_dir():
        if not (path / "manifest.json").is_file():
            raise RunError(f"{path} is a folder but not a run (no manifest.json); give a run "
                           "directory or a suite (domain/name or a .yaml path)")
        suite = open_run(path).suite(gold_root)
    else:
        suite = load_suite(str(source), gold_root=gold_root)
    if suite.rubric.kind != "pairwise":
        raise ContentError(suite.path, f"the suite's rubric is {suite.rubric.kind}; the probe "
                           "perturbs the worse of two responses", where="field 'rubric'",
                           fix="probe a pairwise suite (rubric kind: pairwise)")
    return suite


def _judge(suite: LoadedSuite, items: Sequence[Item], name: str, backend: Backend, root: Path,
           opts: ProbeOptions, progress: Progress | None) -> Verdicts:
    """Write ``items`` as a generated suite, run it into ``root/name``, read its verdicts."""
    folder = root / SUITES / name
    folder.mkdir(parents=True, exist_ok=True)
    id_col = suite.spec.fields.get("id", "id")
    rows = "".join(json.dumps({**it.fields, id_col: it.id}, ensure_ascii=False, default=str)
                   + "\n" for it in items)
    _write(folder / "items.jsonl", rows)
    _write(folder / "suite.yaml", yaml.safe_dump(_spec(suite, name), sort_keys=False))
    loaded = load_suite(str(folder / "suite.yaml"))
    report: Callable[[int, int], None] | None = None
    if progress is not None:
        def report(done: int, total: int) -> None:
            progress(name, done, total)
    run_suite(loaded, [backend], root / name, batch_size=opts.batch_size, progress=report)
    ids = {it.id for it in items}  # a resumed run may hold items this probe does not use
    labels = [lab for lab in open_run(root / name).labels(backend.model) if lab.item_id in ids]
    out: Verdicts = {}
    for v in item_verdicts(labels):
        out.setdefault(v.item_id, {})["both"] = v
    for order in ("AB", "BA"):
        for v in item_verdicts([lab for lab in labels if lab.order == order]):
            out.setdefault(v.item_id, {})[order] = v
    return out


def _spec(suite: LoadedSuite, name: str) -> dict[str, Any]:
    home, spec = suite.domain.name, suite.spec
    refs: dict[str, Any] = {"rubric": _qualified(spec.rubric, "rubrics", home, suite.path),
                            "prompt": _qualified(spec.prompt, "prompts", home, suite.path)}
    if spec.constitution:
        refs["constitution"] = _qualified(spec.constitution, "constitutions", home, suite.path)
    return {"description": f"{name}: sampled items of {suite.ref} (written by judgekit probe).",
            "provenance": "Generated by judgekit probe; gold stays with the original suite.",
            **refs, "items": "items.jsonl", "fields": dict(spec.fields), "mode": spec.mode}


def _qualified(ref: str, kind: str, home: str, origin: Path) -> str:
    dom, path = resolve(ref, kind, home, origin=origin)
    return f"{dom.name}/{path.name if kind == 'prompts' else path.stem}"


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (a resumed probe changes nothing)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
