"""Load a suite: resolve its references, read and check its items and gold, build its renderer.

Items are not held in memory: :attr:`LoadedSuite.items` is an
:class:`~judgekit.content._items.ItemSource` that streams them from their file or dataset
(read once at load to check every row, the ids' uniqueness and the gold labels), and the
gold mappings are built the first time they are read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError, ReferenceNotFound
from judgekit._types import Item, Mode, Sampling
from judgekit.content._checkers import resolve_checker
from judgekit.content._domains import KINDS, Domain, get_domain, resolve
from judgekit.content._files import load_model
from judgekit.content._hidden import HiddenSet, load_hidden
from judgekit.content._items import LazyMapping
from judgekit.content._render import Renderer, compile_prompt, environment, template_files
from judgekit.content._schema import Constitution, Rubric, Suite
from judgekit.content._sources import FILE_FORMATS, locate, split_options
from judgekit.content._tasks import task_source

DROP = "~"
"""``gold_map`` target meaning "leave this gold/annotator value out"."""

REQUIRED_FIELDS = {"pairwise": ("prompt", "response_a", "response_b"), "pointwise": ("prompt",),
                   "step": ("prompt",)}


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
        items: Items after ``where``/``limit``, streamed from their source (an
            :class:`~judgekit.content._items.ItemSource`; any sequence of items will do).
        gold: Gold label per item id (mapped into the label space), where the items carry it.
        annotators: Individual annotators' labels per item id, where given.
        sources: Every file the suite depends on -> sha256 (for the run manifest).
        hidden: Its hidden gold, loaded (``hidden_gold:``), or None.
        item_gold: One item's gold label and annotators' labels read from the item itself
            (what :attr:`gold` and :attr:`annotators` hold for it), so a pass over the items
            needs no mapping of all of them; None: look them up in those mappings.

    """

    ref: str
    path: Path
    spec: Suite
    domain: Domain
    rubric: Rubric
    constitution: Constitution | None
    renderer: Renderer
    items: Sequence[Item]
    gold: Mapping[str, str] = field(default_factory=dict)
    annotators: Mapping[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    hidden: HiddenSet | None = None
    item_gold: Callable[[Item], tuple[str | None, list[str] | None]] | None = None

    def gold_label(self, item: Item) -> str | None:
        """The gold label of one of :attr:`items` (as :attr:`gold` holds it), or None."""
        return self.gold_and_votes(item)[0]

    def gold_and_votes(self, item: Item) -> tuple[str | None, list[str] | None]:
        """One item's gold label and its annotators' labels (None where it has none)."""
        if self.item_gold is not None:
            return self.item_gold(item)
        return self.gold.get(item.id), self.annotators.get(item.id)


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
        gold_root: Where ``gold:`` item paths point (default: the lookup of
            :func:`judgekit.gold.gold_root_for`: the env var, ``../shared/gold``, the cache).
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
    sources: dict[str, str] = {}
    _hash(sources, path)

    try:
        _, rubric_path = resolve(spec.rubric, "rubrics", domain.name, origin=path)
        rubric = load_model(rubric_path, Rubric)
        _hash(sources, rubric_path)
        constitution = None
        if spec.constitution:
            _, con_path = resolve(spec.constitution, "constitutions", domain.name, origin=path)
            constitution = load_model(con_path, Constitution)
            _hash(sources, con_path)
        prompt_dom, prompt_dir = resolve(spec.prompt, "prompts", domain.name, origin=path)
    except ReferenceNotFound as exc:
        raise type(exc)(path, exc.problem, where=exc.where, fix=exc.fix) from None
    for tpl in sorted(prompt_dir.glob("*.j2")):
        _hash(sources, tpl)

    env = environment()
    pair = compile_prompt(env, prompt_dom.name, prompt_dir.name)
    names = [f"{prompt_dom.name}/{prompt_dir.name}/{role}.j2" for role in ("system", "user")]
    for tpl_path in template_files(env, names).values():  # {% extends %}/{% include %} too
        _hash(sources, tpl_path)
    mode = mode or spec.mode
    sampling = Sampling(
        mode=mode,
        labels=tuple(rubric.labels),
        max_tokens=1 if mode == "verdict" else 512,
    )
    fields = {name: spec.fields.get(name, name) for name in REQUIRED_FIELDS[rubric.kind]}
    fields.update(spec.fields)
    renderer = Renderer(pair, rubric, constitution, fields, sampling)

    location, _ = split_options(spec.items, path)
    local = None if location.startswith("hf:") else items_file(location, path, domain,
                                                                gold_root)
    items = task_source(spec, rubric, locate(spec.items, local, path), fields,
                        limit or spec.limit, path)  # step review, conversations
    gold_of = _Gold(spec, rubric, local or path)
    items.check(each=gold_of.item)  # every row, the ids' uniqueness, the gold labels
    sources[str(local.resolve()) if local else spec.items] = items.describe()["sha256"]
    gold: Mapping[str, str] = LazyMapping(lambda: gold_of.collect(items)[0])
    annotators: Mapping[str, list[str]] = LazyMapping(lambda: gold_of.collect(items)[1])
    hidden = None
    if spec.hidden_gold is not None:
        hidden_path = items_file(spec.hidden_gold.gold_set, path, domain, gold_root)
        hidden = load_hidden(spec, path, hidden_path, lambda it: gold_of.item(it)[0])
        sources[str(hidden.path)] = hidden.sha256
    resolved = path.resolve()
    return LoadedSuite(
        ref=f"{domain.name}/{path.stem}" if resolved.parent == domain.suites.resolve()
        else str(path),
        path=resolved, spec=spec, domain=domain, rubric=rubric, constitution=constitution,
        renderer=renderer, items=items, gold=gold, annotators=annotators, sources=sources,
        hidden=hidden, item_gold=gold_of.item,
    )


def items_file(spec_items: str, suite_path: Path, domain: Domain,
               gold_root: Path | None = None) -> Path:
    """Where a suite's ``items:`` points, refusing paths that leave where the suite may read.

    A suite of an installed domain (its file lies in the domain's suites folder) reads only
    inside the domain's own folders and the gold root. Any other suite file (one a user gives
    by path) reads relative paths inside its own folder, and anywhere through an absolute path
    the user wrote. ``gold:SET/FILE`` must stay inside the gold root. Symbolic links are
    followed before the check.

    Raises:
        ContentError: The path leaves its allowed folders, is not an items format, or is
            absent; the error names the suite file and its ``items`` field.
        DataUnavailable: A ``gold:`` path and no gold root on this machine.

    """
    gold = spec_items.startswith("gold:")
    rel = Path(spec_items.removeprefix("gold:"))
    owned = suite_path.resolve().is_relative_to(domain.suites.resolve())
    base = suite_path.parent
    if gold:
        from judgekit.gold import gold_root_for  # --gold-root > env > shared > cache > fetch

        root = gold_root_for(rel.as_posix(), gold_root, origin=suite_path)
        base, roots, allowed = root, [root], f"the gold root {root}"
    elif rel.is_absolute() and owned:
        raise _bad_items(suite_path, f"items path {spec_items!r} is absolute; a suite of domain "
                         f"{domain.name!r} may read only its own folders and the gold root",
                         "ship the file in the domain and write its path relative to the "
                         "suite file, or use 'gold:SET/FILE'")
    elif rel.is_absolute():
        roots, allowed = [rel], ""  # an absolute path the user wrote in their own suite
    elif owned:
        roots = [domain.folder(kind) for kind in KINDS]
        allowed = f"the folders of domain {domain.name!r}"
    else:
        roots, allowed = [base], f"the suite's folder {base.resolve()}"
    target = base / rel
    resolved = target.resolve()
    if not any(resolved.is_relative_to(r.resolve()) for r in roots):
        raise _bad_items(suite_path, f"items path {spec_items!r} leads to {resolved}, outside "
                         f"{allowed}", "keep the items file inside that folder"
                         + ("" if owned or gold else ", or write its absolute path"))
    if not target.is_dir() and target.suffix.lower() not in FILE_FORMATS:
        raise _bad_items(suite_path, f"items file {target} is not a .jsonl, .csv or .parquet "
                         "file (nor .arrow, a dataset folder or hf:NAME)", "point 'items:' at "
                         "a .jsonl, .csv, .parquet or .arrow file or a dataset folder")
    if not target.exists():
        raise _bad_items(suite_path, f"items file not found: {target}", "check the 'items:' "
                         "path (relative to the suite file) and its spelling")
    return target


def _bad_items(suite_path: Path, problem: str, fix: str) -> ContentError:
    return ContentError(suite_path, problem, where="field 'items'", fix=fix)


class _Gold:
    """A suite's gold and annotator labels: checked item by item, collected on demand."""

    def __init__(self, spec: Suite, rubric: Rubric, path: Path) -> None:
        self.spec, self.rubric, self.path = spec, rubric, path
        self.labels = set(rubric.labels)
        self._collected: tuple[dict[str, str], dict[str, list[str]]] | None = None

    def norm(self, value: Any, item: Item, column: str) -> str:
        """The rubric label a gold value stands for (or DROP); raises if it is none."""
        text = self.spec.gold_map.get(str(value), str(value))
        if text == DROP:
            return DROP
        if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
            text = text[:-2]
        if text not in self.labels:
            raise ContentError(self.path, f"gold label {value!r} of item {item.id!r} (column "
                               f"'{column}') is not in the rubric's labels "
                               f"{self.rubric.labels}", where=f"line {item.line}",
                               fix="map it with 'gold_map:' in the suite, or fix the label")
        return text

    def item(self, item: Item) -> tuple[str | None, list[str] | None]:
        """One item's gold label and annotators' labels (None where it has none)."""
        spec, gold, annotators = self.spec, None, None
        if spec.gold and item.fields.get(spec.gold) is not None:
            value = self.norm(item.fields[spec.gold], item, spec.gold)
            gold = None if value == DROP else value
        if spec.annotators and isinstance(item.fields.get(spec.annotators), list):
            kept = [self.norm(v, item, spec.annotators) for v in item.fields[spec.annotators]]
            annotators = [v for v in kept if v != DROP]
        return gold, annotators

    def collect(self, items: Sequence[Item]) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Gold and annotators of every item that has them (read once, then kept)."""
        if self._collected is None:
            gold: dict[str, str] = {}
            annotators: dict[str, list[str]] = {}
            if self.spec.gold or self.spec.annotators:
                for item in items:
                    label, votes = self.item(item)
                    if label is not None:
                        gold[item.id] = label
                    if votes is not None:
                        annotators[item.id] = votes
            self._collected = gold, annotators
        return self._collected


def _hash(sources: dict[str, str], path: Path) -> None:
    """Record ``path``'s sha256 under its resolved absolute path (the run manifest's key)."""
    key = str(path.resolve())
    if key not in sources:
        sources[key] = hashlib.sha256(path.read_bytes()).hexdigest()
