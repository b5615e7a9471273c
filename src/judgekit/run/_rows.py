"""A store's rows <-> labels: judge and label-space ids, and the codecs of each column.

:class:`Rows` is the half of :class:`judgekit.run._store.Store` that turns a
:class:`~judgekit.Label` into its ``labels`` row and back (:mod:`judgekit.run._codec`), giving
judge names and label spaces their ids inside the write that first stores them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from judgekit._types import Label, Order, Sampling
from judgekit.run._codec import (
    ORDER_CODE,
    ORDERS,
    key_in,
    key_out,
    pack,
    presented_in,
    presented_out,
    unpack,
)
from judgekit.run._verdict import SWAP, expected_score, label_probs

CompletionFields = tuple[str, tuple[str, ...], tuple[Mapping[str, float], ...], "int | None",
                         "str | None"]
"""A completion as its fields, in :class:`~judgekit.Completion`'s order (as they cross pipes)."""


class Rows:
    """Labels as rows of a store's ``labels`` table, and back (see the module)."""

    _db: sqlite3.Connection
    _judges: dict[str, int]
    _judge_names: dict[int, str]
    _spaces: dict[tuple[str, ...], int]
    _space_labels: dict[int, tuple[str, ...]]

    def _load_names(self) -> None:
        """Judge and label-space ids as committed."""
        self._judges = dict(self._db.execute("SELECT name, id FROM judges"))
        self._judge_names = {i: n for n, i in self._judges.items()}
        self._spaces = {tuple(json.loads(t)): i for i, t in
                        self._db.execute("SELECT id, labels FROM spaces")}
        self._space_labels = {i: s for s, i in self._spaces.items()}

    def _id(self, table: str, column: str, value: str) -> int:
        """The id of ``value`` in a names table, added if new (inside the write)."""
        self._db.execute(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)", (value,))
        return int(self._db.execute(f"SELECT id FROM {table} WHERE {column} = ?",
                                    (value,)).fetchone()[0])

    def _judge_id(self, judge: str) -> int:
        """The judge's id (added inside the write if new)."""
        jid = self._judges.get(judge)
        if jid is None:
            jid = self._judges[judge] = self._id("judges", "name", judge)
            self._judge_names[jid] = judge
        return jid

    def _space_id(self, names: tuple[str, ...]) -> int:
        """The label space's id (added inside the write if new)."""
        space = self._spaces.get(names)
        if space is None:
            space = self._spaces[names] = self._id("spaces", "labels", json.dumps(list(names)))
            self._space_labels[space] = names
        return space

    def verdict_rows(self, judge: str, requests: Sequence[tuple[str, Order, str]],
                     answers: Mapping[str, CompletionFields], sampling: Sampling,
                     values: Mapping[str, float] | None) -> list[tuple[Any, ...]] | None:
        """The rows :meth:`_label_row` gives the labels :func:`to_label` makes, made directly.

        For answered verdict-mode requests ``(item id, order, key)`` of a suite without a
        checker: no ``Label`` is built. None when a request needs the full path (an error,
        no label distribution, a rationale). The key is still its text and the ``raw``
        column holds the completion's text (:meth:`Store.add_rows` stores the key's bytes,
        and the text only where the stored completion differs).
        """
        if sampling.mode != "verdict":
            return None
        labels, jid, out = sampling.labels, self._judge_id(judge), []
        for item_id, order, key in requests:
            text, _, top, _, error = answers[key]
            probs = label_probs(top[0], labels) if top and error is None else None
            if probs is None:
                return None
            presented = max(probs, key=probs.__getitem__)
            score = expected_score(probs, values)
            label = presented
            if order == "BA":
                probs = {SWAP.get(k, k): v for k, v in probs.items()}
                label = SWAP.get(presented, presented)
            out.append((item_id, ORDER_CODE[order], jid, key, label,
                        presented_in(label, presented, order), self._space_id(tuple(probs)),
                        pack(list(probs.values())), score, None, None, text, None))
        return out

    def _label_row(self, lab: Label, text: str | None,
                   key: bytes | str | None = None) -> tuple[object, ...]:
        """The row of a label (``key``: its key as stored, when known)."""
        jid = self._judge_id(lab.judge)
        space = blob = None
        if lab.probs is not None:
            space = self._space_id(tuple(lab.probs))
            blob = pack([float(v) for v in lab.probs.values()])
        return (lab.item_id, ORDER_CODE[lab.order], jid, key_in(lab.key) if key is None else key,
                lab.label,
                presented_in(lab.label, lab.label_presented, lab.order), space, blob,
                lab.score, lab.rationale, lab.error, None if text == lab.raw else lab.raw,
                json.dumps(dict(lab.extra)) if lab.extra else None)

    def _label(self, row: tuple[Any, ...]) -> Label:
        (item_id, ord_, jid, key, label, presented, space, probs, score, rationale, error,
         raw, extra) = row
        order = ORDERS[ord_]
        return Label(
            item_id=item_id, order=order, judge=self._judge_names[jid], key=key_out(key),
            label=label, label_presented=presented_out(label, presented, order),
            probs=None if probs is None else dict(zip(self._space_labels[space], unpack(probs),
                                                      strict=True)),
            score=score, rationale=rationale, error=error, raw=raw,
            extra=json.loads(extra) if extra else {},
        )
