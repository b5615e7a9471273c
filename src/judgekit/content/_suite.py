"""Load a suite: resolve its references, read and check its items and gold, build its renderer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError, DataUnavailable, ReferenceNotFound
from judgekit._types import Item, Mode, Sampling
from judgekit.content._checkers import resolve_checker
from judgekit.content._domains import Domain, get_domain, resolve
from judgekit.content._files import load_model, read_items
from judgekit.content._render import Renderer, compile_prompt, environment, template_files
from judgekit.content._schema import Constitution, Rubric, Suite

DROP = "~"
"""``gold_map`` target meaning "leave this gold/annotator value out"."""

REQUIRED_FIELDS = {"pairwise": ("prompt", "response_a", "response_b"), "pointwise": ("prompt",)}


def default_gold_root() -> Path | None:
    """``../shared/gold`` (or ``./shared/gold``) from the working directory, if present."""
    for base in (Path.cwd(), *Path.cwd().parents[:2]):
        for candidate in (base / "shared" / "gold", base.parent / "shared" / "gold"):
            if candidate.is_dir():
                return candidate
    return None


@dataclass(frozen=True)
class LoadedSuite:
    """A validated suite with its items, ready to render and run.

    Attributes:
        ref: ``domain/name`` (or the file path for a suite loaded from a file).
        path: The suite YAML.
        spec: Its parsed fields.
        domain: The domain it belongs to.
        rubric: The resolved rubric.
        constitution: The resolved constitution, if any.
        renderer: Turns items into requests.
        items: Items after ``where``/``limit``.
        gold: Gold label per item id (mapped into the label space), where the items carry it.
        annotators: Individual annotators' labels per item id, where given.
        sources: Every file the suite depends on -> sha256 (for the run manifest).

    """

    ref: str
    path: Path
    spec: Suite
    domain: Domain
    rubric: Rubric
    constitution: Constitution | None
    renderer: Renderer
    items: list[Item]
    gold: dict[str, str] = field(default_factory=dict)
    annotators: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def find_suite(ref: str) -> tuple[Domain, Path]:
    """Resolve ``domain/name``, a bare name (core), or a path to a suite YAML file."""
    as_path = Path(ref)
    if ref.endswith((".yaml", ".yml")):
        if not as_path.is_file():
            raise ContentError(as_path, "suite file not found", fix="check the path")
        return _domain_of(as_path), as_path
    if "/" not in ref:
        ref = f"core/{ref}"
    return resolve(ref, "suites", "core", origin=None)


def _domain_of(path: Path) -> Domain:
    """Guess a suite file's domain: the installed domain whose suites folder holds it, or core."""
    from judgekit.content._domains import discover

    resolved = path.resolve()
    for name in discover():
        try:
            dom = get_domain(name)
        except Exception:  # broken plugins are reported by `judgekit domains`, not here
            continue
        if dom.suites.resolve() in resolved.parents:
            return dom
    return get_domain("core")


def load_suite(ref: str, *, gold_root: Path | None = None, mode: Mode | None = None,
               limit: int | None = None) -> LoadedSuite:
    """Load and validate a suite and everything it references.

    Args:
        ref: ``domain/name``, a core suite name, or a path to a suite YAML file.
        gold_root: Where ``gold:`` item paths point (default: :func:`default_gold_root`).
        mode: Override the suite's protocol mode.
        limit: Override the suite's item limit.

    Raises:
        ContentError: Any invalid file, with file, line/field and fix.
        DataUnavailable: The items live under a gold root that is not on this machine.

    """
    domain, path = find_suite(ref)
    spec = load_model(path, Suite)
    if spec.checker:  # fail at load (and in `judgekit check`), not mid-run
        resolve_checker(spec.checker, domain.name, origin=path)
    sources: dict[str, str] = {str(path): _sha(path)}

    try:
        _, rubric_path = resolve(spec.rubric, "rubrics", domain.name, origin=path)
        rubric = load_model(rubric_path, Rubric)
        sources[str(rubric_path)] = _sha(rubric_path)
        constitution = None
        if spec.constitution:
            _, con_path = resolve(spec.constitution, "constitutions", domain.name, origin=path)
            constitution = load_model(con_path, Constitution)
            sources[str(con_path)] = _sha(con_path)
        prompt_dom, prompt_dir = resolve(spec.prompt, "prompts", domain.name, origin=path)
    except ReferenceNotFound as exc:
        raise type(exc)(path, exc.problem, where=exc.where, fix=exc.fix) from None
    for tpl in sorted(prompt_dir.glob("*.j2")):
        sources[str(tpl)] = _sha(tpl)

    env = environment()
    pair = compile_prompt(env, prompt_dom.name, prompt_dir.name)
    names = [f"{prompt_dom.name}/{prompt_dir.name}/{role}.j2" for role in ("system", "user")]
    for tpl_path in template_files(env, names).values():  # {% extends %}/{% include %} too
        sources.setdefault(str(tpl_path), _sha(tpl_path))
    mode = mode or spec.mode
    sampling = Sampling(
        mode=mode,
        labels=tuple(rubric.labels),
        max_tokens=1 if mode == "verdict" else 512,
    )
    fields = {name: spec.fields.get(name, name) for name in REQUIRED_FIELDS[rubric.kind]}
    fields.update(spec.fields)
    renderer = Renderer(pair, rubric, constitution, fields, sampling)

    items_path = _items_path(spec.items, path, gold_root)
    items = read_items(items_path)
    sources[str(items_path)] = _sha(items_path)
    items = [it for it in items if all(it.fields.get(k) == v for k, v in spec.where.items())]
    n = limit or spec.limit
    if n is not None:
        items = items[:n]
    if not items:
        raise ContentError(path, f"no items left after 'where: {spec.where}'",
                           where="field 'where'", fix="loosen the filter")
    _check_fields(items, fields, items_path)
    gold, annotators = _gold(spec, rubric, items, items_path)
    return LoadedSuite(
        ref=f"{domain.name}/{path.stem}" if path.parent == domain.suites else str(path),
        path=path, spec=spec, domain=domain, rubric=rubric, constitution=constitution,
        renderer=renderer, items=items, gold=gold, annotators=annotators, sources=sources,
    )


def _items_path(spec_items: str, suite_path: Path, gold_root: Path | None) -> Path:
    if spec_items.startswith("gold:"):
        root = gold_root or default_gold_root()
        rel = spec_items.removeprefix("gold:")
        if root is None:
            raise DataUnavailable(suite_path, f"items {spec_items!r} need the gold root, which "
                                  "is not on this machine", where="field 'items'",
                                  fix="pass --gold-root DIR (the folder holding the gold sets)")
        return root / rel
    p = Path(spec_items)
    return p if p.is_absolute() else suite_path.parent / p


def _check_fields(items: list[Item], fields: dict[str, str], path: Path) -> None:
    for item in items:
        for name, col in fields.items():
            if item.fields.get(col) is None:
                raise ContentError(path, f"item {item.id!r} has no '{col}'"
                                   + (f" (template field '{name}')" if col != name else ""),
                                   where=f"line {item.line}",
                                   fix=f"add '{col}' to every item, or map another column "
                                   f"with 'fields: {{{name}: COLUMN}}' in the suite")


def _gold(spec: Suite, rubric: Rubric, items: list[Item],
          path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    gold: dict[str, str] = {}
    annotators: dict[str, list[str]] = {}
    labels = set(rubric.labels)

    def norm(value: Any, item: Item, column: str) -> str:
        text = spec.gold_map.get(str(value), str(value))
        if text == DROP:
            return DROP
        if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
            text = text[:-2]
        if text not in labels:
            raise ContentError(path, f"gold label {value!r} of item {item.id!r} (column "
                               f"'{column}') is not in the rubric's labels {rubric.labels}",
                               where=f"line {item.line}",
                               fix="map it with 'gold_map:' in the suite, or fix the label")
        return text

    for item in items:
        if spec.gold and item.fields.get(spec.gold) is not None:
            gold[item.id] = norm(item.fields[spec.gold], item, spec.gold)
            if gold[item.id] == DROP:
                del gold[item.id]
        if spec.annotators and isinstance(item.fields.get(spec.annotators), list):
            kept = [norm(v, item, spec.annotators) for v in item.fields[spec.annotators]]
            annotators[item.id] = [v for v in kept if v != DROP]
    return gold, annotators


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
