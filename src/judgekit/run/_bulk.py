"""The completions' key index, and writing a fresh store without it (bulk mode).

A completion's cache key is a sha256: random. Kept in a unique index, every batch of a run
dirties a random page of that index per completion, and each commit writes all of those
pages to the WAL again (at 10^5 items, half of what storing cost). A run that starts on a
store without completions asks the cache nothing (there is nothing to find), so it writes
its completions in insertion order without the index (:meth:`Store.bulk`) and builds the
index once, by sorting, at its end (:func:`ensure_index`). Any store opened without the
index (a bulk run killed before its end, and every reader of it afterwards) builds it first.

Without the unique index two completions of one key can both be stored (twin requests judged
in different batches). :class:`Seen`, a Bloom filter of the keys a bulk run stored, makes
that harmless: a label whose key may have been stored before keeps its raw output on itself
(rather than reading it from a completion that may be another twin's), and
:func:`ensure_index` keeps each key's first completion, as ``INSERT OR IGNORE`` would have.
A false positive costs a few bytes (the raw output kept twice); what is read back is the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

INDEX = "completions_key"
_MAX_BYTES = 32 << 20
"""Largest Bloom filter: 4 bytes per expected key (at 10^5 pairwise items, about one false
positive in 10^5 keys), at least 64 KiB, at most 32 MiB (at 10^7 items, 13 bits per key:
at most 0.2% false positives)."""


def has_index(db: sqlite3.Connection) -> bool:
    """Whether the completions' unique key index exists."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                      (INDEX,)).fetchone() is not None


def ensure_index(db: sqlite3.Connection) -> None:
    """Build the completions' unique key index if missing (first completion of a key kept)."""
    if has_index(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        try:
            db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX} ON completions(key)")
        except sqlite3.IntegrityError:  # twins stored by a bulk run: keep each key's first
            db.execute("DELETE FROM completions WHERE rowid NOT IN "
                       "(SELECT MIN(rowid) FROM completions GROUP BY key)")
            db.execute(f"CREATE UNIQUE INDEX {INDEX} ON completions(key)")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def drop_index(db: sqlite3.Connection) -> None:
    """Drop the key index (a bulk run's start, on a store without completions)."""
    db.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Seen:
    """A Bloom filter of the cache keys a bulk run stored: "maybe stored" or "surely not".

    A 32-byte key is random already: its eight 4-byte words are the filter's eight hashes.

    Args:
        expected: About how many keys will be added (sizes the filter).

    """

    def __init__(self, expected: int) -> None:
        size = min(_MAX_BYTES, max(1 << 16, 4 * expected))
        self._bits = np.zeros(size, np.uint8)
        self._m = np.uint32(size * 8)

    def again(self, keys: Sequence[bytes | str]) -> list[bool]:
        """For each key, whether it may have been added before; then adds them all.

        Keys are told apart from earlier calls only (one call's keys are distinct). A key
        that is not 32 bytes (written by hand) always counts as maybe stored.
        """
        raw = [k for k in keys if isinstance(k, bytes) and len(k) == 32]
        if not raw:
            return [True] * len(keys)
        words = np.frombuffer(b"".join(raw), "<u4").reshape(-1, 8) % self._m
        byte, bit = (words >> np.uint32(3)).astype(np.intp), (words & np.uint32(7)).astype(
            np.uint8)
        mask = np.left_shift(np.uint8(1), bit)
        hit = ((self._bits[byte] & mask) != 0).all(axis=1).tolist()
        np.bitwise_or.at(self._bits, byte.ravel(), mask.ravel())
        found = iter(hit)
        return [next(found) if isinstance(k, bytes) and len(k) == 32 else True for k in keys]
