"""Hidden gold: expert-labeled items mixed into a production run, and the order they come in.

A suite's ``hidden_gold:`` (:class:`~judgekit.content._schema.HiddenGold`) names a gold items
file. Its items are rendered exactly like the suite's own (same templates, same field
mapping); only their ids differ, prefixed with :data:`HIDDEN_PREFIX` so that they can never
collide with a production id and every reader can leave them out (exports never see them).
:func:`mix` interleaves them with the production items at the declared rate, in a seeded
order, the same way every time, so a resumed run finds its hidden items done.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content._files import read_items
from judgekit.content._schema import HiddenGold, Suite

HIDDEN_PREFIX = "hidden-gold:"
"""Prefix of a hidden gold item's id in a run (``hidden-gold:<its id in the gold file>``)."""


def is_hidden(item_id: str) -> bool:
    """Whether a run's item id is a hidden gold item."""
    return item_id.startswith(HIDDEN_PREFIX)


@dataclass(frozen=True)
class HiddenSet:
    """A suite's hidden gold, loaded: items to mix in and their gold labels.

    Attributes:
        spec: The suite's ``hidden_gold:`` fields.
        path: The gold items file.
        sha256: Its sha256.
        items: The items (ids prefixed), in the seeded order they are mixed in.
        gold: Gold label (mapped into the rubric's labels) per prefixed id.
        min_agreement: The gate the judge's agreement bound is held to.

    """

    spec: HiddenGold
    path: Path
    sha256: str
    items: list[Item]
    gold: dict[str, str] = field(default_factory=dict)
    min_agreement: float = 0.0

    def describe(self) -> dict[str, object]:
        """What a run manifest records about it."""
        return {"file": str(self.path), "sha256": self.sha256, "items": len(self.items),
                "rate": self.spec.rate, "prefix": HIDDEN_PREFIX, "seed": self.spec.seed,
                "min_agreement": self.min_agreement, "confidence": self.spec.confidence,
                "min_count": self.spec.min_count, "stop_when": self.spec.stop_when}


def load_hidden(spec: Suite, suite_path: Path, path: Path,
                gold_of: Callable[[Item], str | None]) -> HiddenSet:
    """The suite's hidden gold, ready to mix in.

    Args:
        spec: The suite (with ``hidden_gold:``).
        suite_path: The suite file (named in errors).
        path: The gold items file ``hidden_gold.set`` points to.
        gold_of: An item's gold label mapped into the rubric's labels (None: no gold).

    Raises:
        ContentError: No gate to hold the judge to, no gold column, an unreadable gold file,
            or no item with gold.

    """
    hidden = spec.hidden_gold
    assert hidden is not None, "load_hidden needs a suite with hidden_gold:"
    gate = hidden.min_agreement
    if gate is None and spec.qualification is not None:
        gate = spec.qualification.min_agreement
    if gate is None:
        raise ContentError(suite_path, "hidden_gold has no gate to hold the judge to",
                           where="field 'hidden_gold'", fix="add 'min_agreement: 0.8' (or "
                           "a 'qualification:' gate, whose min_agreement it then uses)")
    if not spec.gold:
        raise ContentError(suite_path, "hidden_gold needs the column that holds the gold "
                           "label", where="field 'gold'", fix="add 'gold: COLUMN' to the suite")
    kept: list[Item] = []
    gold: dict[str, str] = {}
    for item in read_items(path)[:hidden.limit]:
        label = gold_of(item)
        if label is not None:
            hid = replace(item, id=HIDDEN_PREFIX + item.id)
            kept.append(hid)
            gold[hid.id] = label
    if not kept:
        raise ContentError(suite_path, f"hidden_gold file {hidden.gold_set!r} has no item "
                           f"with a gold label in column '{spec.gold}'",
                           where="field 'hidden_gold.set'", fix="point it at a gold file")
    random.Random(hidden.seed).shuffle(kept)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return HiddenSet(hidden, path.resolve(), sha, kept, gold, gate)


class Mixer:
    """Interleaves a suite's hidden items with its production chunks, counting both.

    After the n-th production item, hidden items are added until ``floor(n * r / (1 - r))``
    are in, so that a share ``r`` of everything judged is hidden gold, spread evenly from
    the start; when the gold runs out the rest of the run is production items only. The
    result depends only on the inputs, so a resumed run mixes the same items in the same
    places.

    Args:
        hidden: The suite's hidden gold.

    """

    def __init__(self, hidden: HiddenSet) -> None:
        self.hidden_set = hidden
        self.production = 0
        self.hidden = 0

    def __call__(self, chunks: Iterable[Sequence[Item]]) -> Iterator[list[Item]]:
        """The chunks with hidden items mixed in (counts restart with each call)."""
        ratio = self.hidden_set.spec.rate / (1.0 - self.hidden_set.spec.rate)
        gold = self.hidden_set.items
        self.production = self.hidden = 0
        for chunk in chunks:
            out: list[Item] = []
            for item in chunk:
                out.append(item)
                self.production += 1
                want = min(len(gold), int(self.production * ratio + 1e-9))
                out.extend(gold[self.hidden:want])
                self.hidden = max(self.hidden, want)
            yield out
