"""The label store: one lean SQLite file per run, append-mostly, fsync'd per batch.

Tables (store format 3, ``PRAGMA user_version``):

- ``completions``: the cache, request key -> raw completion, each kept once
  (:mod:`judgekit.run._codec`), in the order written; a unique index on the 32-byte key,
  which a fresh run builds once at its end (:mod:`judgekit.run._bulk`);
- ``labels``: one row per item x order x judge (primary key on that triple, ``WITHOUT
  ROWID``): the parsed verdict, its distribution packed, and the request key; the raw output
  is read from the completion and kept on the label only where it differs;
- ``judges`` and ``spaces``: the judge names and label spaces the rows point to.

A batch's completions and labels are written in one transaction with ``synchronous=FULL``, so
a run killed at any instant (SIGKILL included) holds every label of every committed batch and
nothing of the batch in flight: resuming judges exactly what is missing, and the primary key
makes a duplicate impossible. A resumed run asks :meth:`Store.done` one chunk of items at a
time. A store of format 1 (judgekit 0.1.0) or 2 is converted in place when first opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any

from judgekit._types import Completion, Label
from judgekit.content._hidden import HIDDEN_PREFIX
from judgekit.run._bulk import Seen, drop_index, ensure_index
from judgekit.run._codec import (
    ORDERS,
    completion_fields_in,
    completion_in,
    completion_out,
    key_in,
    key_out,
)
from judgekit.run._rows import CompletionFields, Rows

FORMAT = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS judges (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS spaces (id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS completions (
    key BLOB NOT NULL, text TEXT NOT NULL, header TEXT, logprobs BLOB
);
CREATE TABLE IF NOT EXISTS labels (
    item_id TEXT NOT NULL, ord INTEGER NOT NULL, judge INTEGER NOT NULL, key BLOB NOT NULL,
    label TEXT, presented TEXT, space INTEGER, probs BLOB, score REAL, rationale TEXT,
    error TEXT, raw TEXT, extra TEXT,
    PRIMARY KEY (item_id, ord, judge)
) WITHOUT ROWID;
"""
_LABEL_COLUMNS = ("l.item_id, l.ord, l.judge, l.key, l.label, l.presented, l.space, l.probs, "
                  "l.score, l.rationale, l.error, COALESCE(l.raw, c.text, ''), l.extra")
_IN = 500
"""Keys or ids per ``IN (...)`` query."""

LABELS_FILE = "labels.sqlite"


class Store(Rows):
    """A run's SQLite store.

    Args:
        path: The SQLite file (created if absent; an older format is converted).
        index: Build the completions' key index if it is missing (a bulk run's own
            connections do not: :meth:`bulk`).

    """

    def __init__(self, path: Path, *, index: bool = True) -> None:
        self.path = path
        self._seen: Seen | None = None
        self._db = sqlite3.connect(path, isolation_level=None, timeout=60,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-32768")  # 32 MiB: random cache keys touch many pages
        # a batch's random cache keys dirty hundreds of pages: checkpoint every ~40 MiB of WAL
        # (not 4 MiB) so a page rewritten by many batches is copied back once, not each time
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._judges: dict[str, int] = {}
        self._judge_names: dict[int, str] = {}
        self._spaces: dict[tuple[str, ...], int] = {}
        self._space_labels: dict[int, tuple[str, ...]] = {}
        if self._db.execute("PRAGMA user_version").fetchone()[0] < FORMAT:
            from judgekit.run._migrate import upgrade

            with self.batch():
                upgrade(self._db, _SCHEMA, FORMAT, self._label_row)
        self._load_names()
        if index:
            ensure_index(self._db)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def done(self, judge: str, item_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """``(item_id, order) -> request key`` of ``judge``'s labels stored for these items.

        Labels whose error came from the transport (``backend: ...``) are left out, so a
        resumed run judges them again.
        """
        jid = self._judges.get(judge)
        if jid is None:
            return {}
        out: dict[tuple[str, str], str] = {}
        for start in range(0, len(item_ids), _IN):
            chunk = list(item_ids[start:start + _IN])
            for i, o, k in self._db.execute(
                f"SELECT item_id, ord, key FROM labels WHERE judge = ? AND item_id IN "
                f"({','.join('?' * len(chunk))}) AND (error IS NULL OR error NOT LIKE "
                "'backend:%')", [jid, *chunk]):
                out[i, ORDERS[o]] = key_out(k)
        return out

    def done_keys(self, judge: str) -> dict[tuple[str, str], str]:
        """Every ``(item_id, order) -> key`` of :meth:`done` (small runs and tests only)."""
        ids = [r[0] for r in self._db.execute("SELECT DISTINCT item_id FROM labels")]
        return self.done(judge, ids)

    def bulk(self, expected: int) -> bool:
        """Store completions without their key index until :meth:`end_bulk` (if none is stored).

        Only for a run that asks the cache nothing (:mod:`judgekit.run._bulk`); ``expected``:
        about how many completions it will store. Returns whether bulk mode is on.
        """
        if self.has_completions():
            return False
        drop_index(self._db)
        self._seen = Seen(expected)
        return True

    def end_bulk(self) -> None:
        """Build the key index a bulk run left out (also done by the next open)."""
        self._seen = None
        ensure_index(self._db)

    def cached(self, keys: Sequence[str]) -> dict[str, Completion]:
        """Cached completions for the keys that have one."""
        out: dict[str, Completion] = {}
        for start in range(0, len(keys), _IN):
            chunk = [key_in(k) for k in keys[start:start + _IN]]
            for key, text, header, blob in self._db.execute(
                "SELECT key, text, header, logprobs FROM completions WHERE key IN "
                f"({','.join('?' * len(chunk))})", chunk):
                out[key_out(key)] = completion_out(text, header, blob)
        return out

    def empty(self) -> bool:
        """Whether no label is stored."""
        return self._db.execute("SELECT 1 FROM labels LIMIT 1").fetchone() is None

    def has_completions(self) -> bool:
        """Whether the cache holds anything (a fresh store skips cache look-ups)."""
        return self._db.execute("SELECT 1 FROM completions LIMIT 1").fetchone() is not None

    def write(self, model: str, completions: Iterable[tuple[str, Completion]],
              labels: Iterable[Label]) -> None:
        """Write a batch of completions and labels in one durable transaction.

        A completion with a transport error is not cached (a later run retries it; its labels
        keep the error); a key already cached keeps its first completion (labels read it).

        Args:
            model: The judge the completions came from (part of their keys already).
            completions: ``(key, completion)`` pairs answered in this batch.
            labels: The labels to store (replacing any of the same item, order and judge).

        """
        with self.batch():
            self.add(completions, labels)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One durable transaction around any number of :meth:`add` calls (all or nothing)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if self._judges or self._spaces:
                self._load_names()  # ids given inside the failed transaction are gone
            raise

    def add(self, completions: Iterable[tuple[str, Completion]],
            labels: Iterable[Label]) -> None:
        """:meth:`write`'s rows, inside an open :meth:`batch` (stored when it commits)."""
        batch = list(labels)
        texts, raw = self._completions({k: completion_in(c) for k, c in completions
                                        if c.error is None}, [lab.key for lab in batch])
        self._db.executemany(
            "INSERT OR REPLACE INTO labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [self._label_row(lab, texts.get(lab.key), raw.get(lab.key)) for lab in batch])

    def add_rows(self, rows: list[tuple[Any, ...]],
                 answers: Mapping[str, CompletionFields]) -> None:
        """:meth:`add` of :meth:`verdict_rows` (their completions: ``answers``), in a batch."""
        texts, raw = self._completions({k: completion_fields_in(*a) for k, a in answers.items()
                                        if a[4] is None}, [r[3] for r in rows])
        self._db.executemany(
            "INSERT OR REPLACE INTO labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(*r[:3], raw[r[3]] if r[3] in raw else key_in(r[3]), *r[4:11],
              None if texts.get(r[3]) == r[11] else r[11], None) for r in rows])

    def _completions(self, fresh: dict[str, tuple[str, str | None, bytes | None]],
                     keys: list[str]) -> tuple[dict[str, str], dict[str, bytes | str]]:
        """Insert new completions (as :func:`completion_in` rows); labels' texts, stored keys.

        The texts are what a label of each key compares its raw output with (kept on the
        label only where it differs): the completion stored under the key.
        """
        raw = {k: key_in(k) for k in fresh}
        rows = [(raw[k], *row) for k, row in fresh.items()]
        added = self._db.executemany(
            "INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?)", rows).rowcount
        texts = {k: row[0] for k, row in fresh.items()}
        if self._seen is not None:  # bulk: a key maybe stored before keeps raw on its labels
            for k, again in zip(list(texts), self._seen.again(list(raw.values())), strict=True):
                if again:
                    del texts[k]
            return texts, raw
        if added < len(rows):  # some were cached already: labels read those
            texts.update(self._texts(list(texts)))
        texts.update(self._texts([k for k in keys if k not in texts]))
        return texts, raw

    def labels(self, judge: str | None = None, *,
               hidden: bool | None = None) -> Iterator[Label]:
        """Stored labels (of one judge, or all), ordered by item, order, judge; streamed.

        Args:
            judge: One judge's labels only.
            hidden: True: only hidden gold items' labels; False: none of them; None: all.

        """
        where, args = self._where(judge, hidden)
        rows = self._db.execute(
            f"SELECT {_LABEL_COLUMNS} FROM labels l LEFT JOIN completions c ON l.raw IS NULL "
            f"AND c.key = l.key{where} ORDER BY l.item_id, l.ord, l.judge", args)
        for _, group in groupby(rows, key=lambda r: (r[0], r[1])):
            yield from sorted((self._label(r) for r in group), key=lambda lab: lab.judge)

    def label_columns(self, judge: str | None = None, *, hidden: bool | None = None,
                      batch: int = 65536) -> Iterator[Any]:
        """:meth:`labels` as ``pyarrow.RecordBatch`` es of ``batch`` rows (:mod:`._columns`)."""
        from judgekit.run._columns import label_batches

        yield from label_batches(self._db, self.path, self._where(judge, hidden),
                                 self._judge_names, self._space_labels, batch)

    def _where(self, judge: str | None, hidden: bool | None) -> tuple[str, tuple[object, ...]]:
        """The WHERE clause and arguments of :meth:`labels` (an unknown judge: no row)."""
        if judge is not None and judge not in self._judges:
            return " WHERE 0", ()
        terms: list[str] = ["l.judge = ?"] if judge is not None else []
        args: tuple[object, ...] = (self._judges[judge],) if judge is not None else ()
        if hidden is not None:  # a range of the primary key: the prefix's ids sort together
            terms.append(("" if hidden else "NOT ") + "(l.item_id >= ? AND l.item_id < ?)")
            args += (HIDDEN_PREFIX, HIDDEN_PREFIX[:-1] + chr(ord(HIDDEN_PREFIX[-1]) + 1))
        return (" WHERE " + " AND ".join(terms) if terms else ""), args

    def judges(self) -> list[str]:
        """Judges that have labels in this store."""
        ids = [r[0] for r in self._db.execute("SELECT DISTINCT judge FROM labels")]
        return sorted(self._judge_names[i] for i in ids)

    def count(self, judge: str | None = None) -> int:
        """Number of stored labels."""
        if judge is not None and judge not in self._judges:
            return 0
        sql = "SELECT COUNT(*) FROM labels" + (" WHERE judge = ?" if judge else "")
        args = (self._judges[judge],) if judge else ()
        return int(self._db.execute(sql, args).fetchone()[0])

    def _texts(self, keys: list[str]) -> dict[str, str]:
        """Cached completion texts of ``keys``."""
        out: dict[str, str] = {}
        for start in range(0, len(keys), _IN):
            chunk = [key_in(k) for k in keys[start:start + _IN]]
            out.update((key_out(k), t) for k, t in self._db.execute(
                "SELECT key, text FROM completions WHERE key IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return out
