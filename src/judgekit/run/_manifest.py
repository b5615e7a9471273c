"""A run's manifest: what it records about its inputs, and what a rerun may trust.

The manifest records two fingerprints of the inputs (:func:`fingerprint`): ``checked`` (every
item of these inputs rendered without error, so a rerun need not render them all first) and
``labels_made_from`` (every stored label was made from these inputs, so an item whose labels
are all stored need not be rendered to be skipped).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import jinja2

from judgekit._errors import RunError
from judgekit._version import __version__
from judgekit.backends._contract import Backend
from judgekit.content._domains import discover
from judgekit.content._items import ItemSource
from judgekit.content._suite import LoadedSuite
from judgekit.run._rundir import Run


def fingerprint(suite: LoadedSuite, system: str) -> str | None:
    """Everything a request key depends on, hashed; None when the items cannot vouch for it.

    Two runs with the same fingerprint render identical requests for an item id: same
    templates, rubric, constitution and items (their sha256), same mapping and sampling, same
    judgekit, Jinja2 and Python (Unicode tables). Only items streamed from their recorded
    source (:class:`judgekit.content.ItemSource`) can vouch for that; a hand-built list
    cannot, and is always rendered and keyed in full.
    """
    source = suite.items
    if not isinstance(source, ItemSource):
        return None
    r = suite.renderer
    facts = {"sources": suite.sources, "items": source.describe(), "prompt": r.prompt.name,
             "system": hashlib.sha256(system.encode()).hexdigest(), "fields": dict(r.fields),
             "sampling": r.sampling.to_dict(), "checker": suite.spec.checker,
             "versions": [__version__, jinja2.__version__, sys.version]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def all_done(old: dict[str, Any], judges: list[str]) -> bool:
    """Whether a completed run of the same inputs left every label of these judges done.

    Only asked when every stored label of the suite's items was made from the current
    inputs: then a run that completed with these judges (or more), and whose own summary
    counts no transport error (labels judged again next time), left nothing to do; re-parses
    since then cannot make a label undone.
    """
    summary = old.get("summary") or {}
    return (old.get("status") == "complete"
            and set(judges) <= {j.get("model") for j in old.get("judges") or []}
            and not (summary.get("error_kinds") or {}).get("backend"))


def start_manifest(suite: LoadedSuite, backends: Sequence[Backend], run: Run,
                    n_items: int) -> dict[str, Any]:
    """The manifest of a run starting now (refusing a directory that holds another suite)."""
    if run.exists():
        old = run.manifest
        if old.get("suite") != suite.ref:
            raise RunError(f"{run.path} holds a run of suite {old.get('suite')!r}, not "
                           f"{suite.ref!r}; choose another --out directory")
    infos = discover()
    pointwise = suite.rubric.kind == "pointwise"
    manifest: dict[str, Any] = {
        "judgekit": __version__,
        "suite": suite.ref,
        "suite_path": str(suite.path),
        "domain": suite.domain.name,
        "domains": {n: {"distribution": i.distribution, "version": i.version}
                    for n, i in infos.items() if n in {suite.domain.name, "core"}},
        "sources_sha256": suite.sources,
        "rubric_kind": suite.rubric.kind,
        "labels": list(suite.rubric.labels),
        "label_values": suite.rubric.label_values() if pointwise else None,
        "sampling": suite.renderer.sampling.to_dict(),
        "judges": [{"model": b.model, **b.describe()} for b in backends],
        "items": n_items,
        "started": time.time(),
        "finished": None,
        "status": "running",
    }
    if isinstance(suite.items, ItemSource):
        manifest["items_source"] = suite.items.describe()
    if suite.hidden is not None:
        manifest["hidden_gold"] = suite.hidden.describe()
    return manifest
