"""Turn chunks of items into batches of requests still to judge: render, key, skip what is done.

Nothing here holds more than one chunk of items and the batches not yet judged: a chunk is
rendered, its requests are keyed for every judge, the store is asked which of the chunk's
labels are already stored under the same key (:meth:`Store.done`), and what is left is cut
into batches of ``batch_size`` requests per judge. With ``trust_done`` (every stored label
was made from these exact inputs, see :mod:`judgekit.run._runner`) an item whose labels are
all stored is skipped without being rendered, which is what makes resuming a finished run of
a million items take seconds.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field

from judgekit._types import Completion, Item, Order, Request, Sampling
from judgekit.content._render import Renderer
from judgekit.run._store import Store


class Keys:
    """Cache keys of one judge's requests, computed as :meth:`Request.cache_key` does.

    The shared part of the hashed JSON (the system message) is hashed once; each request
    adds only its user message. Requests that are not (system, user) pairs of this
    renderer fall back to :meth:`Request.cache_key`; the result is the same either way.
    """

    def __init__(self, system: str, sampling: Sampling, model: str) -> None:
        self.model, self.system, self.sampling = model, system, sampling
        dump = _dump
        self._head = hashlib.sha256(
            f'{{"messages": [{{"content": {dump(system)}, "role": "system"}}, {{"content": '
            .encode())
        self._tail = (f', "role": "user"}}], "model": {dump(model)}, "sampling": '
                      f"{json.dumps(sampling.to_dict(), sort_keys=True, ensure_ascii=False)}}}"
                      ).encode()

    def of(self, request: Request) -> str:
        """The request's cache key for this judge."""
        messages = request.messages
        if (len(messages) != 2 or messages[0].content is not self.system
                or messages[1].role != "user" or request.sampling != self.sampling):
            return request.cache_key(self.model)
        h = self._head.copy()
        h.update(_dump(messages[1].content).encode())
        h.update(self._tail)
        return h.hexdigest()


_dump = json.encoder.encode_basestring
"""``json.dumps(text, ensure_ascii=False)`` of a string, without its dispatch."""


@dataclass
class Batch:
    """Requests of one judge to answer together, and what the stages learn about them.

    Attributes:
        judge: Index of the judge (in the run's list of backends).
        requests: The requests, each with its key.
        items: The batch's items by id (only when a checker needs their fields).
        cached: Completions already in the store's cache, by key.
        skipped: Requests found already done since the previous batch (for progress).
        answers: Completions by key, filled in by the judge stage.

    """

    judge: int
    requests: list[tuple[Request, str]] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    cached: dict[str, Completion] = field(default_factory=dict)
    skipped: int = 0
    answers: dict[str, Completion] = field(default_factory=dict)

    def fresh(self) -> list[tuple[Request, str]]:
        """One request per key that is neither cached nor answered yet."""
        seen: set[str] = set(self.cached)
        out = []
        for r, k in self.requests:
            if k not in seen:
                seen.add(k)
                out.append((r, k))
        return out


def orders_of(renderer: Renderer) -> tuple[Order, ...]:
    """The orders every item is judged in."""
    return ("AB", "BA") if renderer.rubric.kind == "pairwise" else ("single",)


def check_renders(chunks: Iterable[Sequence[Item]], renderer: Renderer, system: str) -> int:
    """Check that every item renders (:meth:`Renderer.check`); the number of items (errors raise).

    Nothing is stored, and an item is rendered only when the check cannot vouch for it
    without rendering (a template that is not spliced, context the prompt must show).
    """
    n = 0
    for chunk in chunks:
        for item in chunk:
            renderer.check(item, system)
        n += len(chunk)
    return n


def batches(chunks: Iterable[Sequence[Item]], renderer: Renderer, system: str,
            judges: Sequence[str], store: Store, *, batch_size: int, trust_done: bool,
            keep_items: bool) -> Generator[Batch, None, None]:
    """Batches of requests still to judge, judge by judge, chunk by chunk.

    Args:
        chunks: The items, a chunk at a time.
        renderer: Renders an item's requests.
        system: The rendered system message.
        judges: Judge model ids.
        store: Asked which labels are done and what is cached (a connection of its own).
        batch_size: Requests per batch.
        trust_done: Skip an item whose labels are all stored without rendering it.
        keep_items: Carry each batch's items (a checker reads their fields).

    """
    keys = [Keys(system, renderer.sampling, m) for m in judges]
    orders = orders_of(renderer)
    use_cache = store.has_completions()
    pending: list[Batch] = [Batch(j) for j in range(len(judges))]

    def cut(j: int, size: int) -> Batch:
        whole = pending[j]
        out = Batch(j, whole.requests[:size], skipped=whole.skipped)
        pending[j] = Batch(j, whole.requests[size:])
        if keep_items:
            out.items = {r.item_id: whole.items[r.item_id] for r, _ in out.requests}
            pending[j].items = {r.item_id: whole.items[r.item_id] for r, _ in
                                pending[j].requests}
        if use_cache:
            out.cached = store.cached([k for _, k in out.requests])
        return out

    for chunk in chunks:
        ids = [item.id for item in chunk]
        done = [store.done(m, ids) for m in judges]
        for item in chunk:
            if trust_done and all((item.id, o) in d for d in done for o in orders):
                pending[0].skipped += len(orders) * len(judges)
                continue
            requests = renderer.requests(item, system)
            for j, d in enumerate(done):
                for r in requests:
                    key = keys[j].of(r)
                    if d.get((r.item_id, r.order)) == key:
                        pending[j].skipped += 1
                    else:
                        pending[j].requests.append((r, key))
                        if keep_items:
                            pending[j].items[item.id] = item
        for j in range(len(judges)):
            while len(pending[j].requests) >= batch_size:
                yield cut(j, batch_size)
            if pending[j].skipped and not pending[j].requests:
                yield cut(j, 0)  # progress through a resumed stretch with nothing to do
    for j in range(len(judges)):
        if pending[j].requests or pending[j].skipped:
            yield cut(j, len(pending[j].requests))
