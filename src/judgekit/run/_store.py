"""The label store: one SQLite file per run, append-mostly, fsync'd per batch.

Two tables: ``completions`` (cache: request key -> raw completion) and ``labels`` (one row per
item x order x judge, primary key on that triple). A batch's completions and labels are written
in one transaction with ``synchronous=FULL``, so a run killed at any instant (SIGKILL included)
holds every label of every committed batch and nothing of the batch in flight: resuming judges
exactly what is missing, and the primary key makes a duplicate impossible.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from judgekit._types import Completion, Label

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    completion TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS labels (
    item_id TEXT NOT NULL,
    ord TEXT NOT NULL,
    judge TEXT NOT NULL,
    key TEXT NOT NULL,
    label TEXT,
    label_presented TEXT,
    probs TEXT,
    score REAL,
    rationale TEXT,
    error TEXT,
    raw TEXT NOT NULL,
    extra TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (item_id, ord, judge)
);
"""

LABELS_FILE = "labels.sqlite"


class Store:
    """A run's SQLite store.

    Args:
        path: The SQLite file (created if absent).

    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def done_keys(self, judge: str) -> dict[tuple[str, str], str]:
        """``(item_id, order) -> request key`` of labels stored for ``judge``.

        Labels whose error came from the transport (``backend: ...``) are left out, so a
        resumed run judges them again.
        """
        rows = self._db.execute(
            "SELECT item_id, ord, key FROM labels WHERE judge = ?"
            " AND (error IS NULL OR error NOT LIKE 'backend:%')", (judge,))
        return {(i, o): k for i, o, k in rows}

    def cached(self, keys: Sequence[str]) -> dict[str, Completion]:
        """Cached completions for the keys that have one."""
        out: dict[str, Completion] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                f"SELECT key, completion FROM completions WHERE key IN ({marks})", chunk
            ):
                out[key] = Completion.from_json(blob)
        return out

    def write(self, model: str, completions: Iterable[tuple[str, Completion]],
              labels: Iterable[Label]) -> None:
        """Write a batch of completions and labels in one durable transaction.

        Completions that carry a transport error are not cached (a later run retries them);
        their labels are stored with the error.
        """
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?)",
                [(k, model, c.to_json(), now) for k, c in completions if c.error is None],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_row(lab, now) for lab in labels],
            )

    def labels(self, judge: str | None = None) -> Iterator[Label]:
        """Stored labels (of one judge, or all), ordered by item, order, judge."""
        sql = "SELECT * FROM labels" + (" WHERE judge = ?" if judge else "")
        sql += " ORDER BY item_id, ord, judge"
        for row in self._db.execute(sql, (judge,) if judge else ()):
            yield _label(row)

    def judges(self) -> list[str]:
        """Judges that have labels in this store."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT judge FROM labels ORDER BY 1")]

    def count(self, judge: str | None = None) -> int:
        """Number of stored labels."""
        sql = "SELECT COUNT(*) FROM labels" + (" WHERE judge = ?" if judge else "")
        return int(self._db.execute(sql, (judge,) if judge else ()).fetchone()[0])

    def _transaction(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _row(lab: Label, now: float) -> tuple[object, ...]:
    return (
        lab.item_id, lab.order, lab.judge, lab.key, lab.label, lab.label_presented,
        json.dumps(dict(lab.probs)) if lab.probs is not None else None,
        lab.score, lab.rationale, lab.error, lab.raw,
        json.dumps(dict(lab.extra)) if lab.extra else None, now,
    )


def _label(row: tuple[object, ...]) -> Label:
    (item_id, order, judge, key, label, presented, probs, score, rationale, error, raw,
     extra, _created) = row
    return Label(
        item_id=str(item_id), order=order,  # type: ignore[arg-type]
        judge=str(judge), key=str(key),
        label=label if label is None else str(label),
        label_presented=presented if presented is None else str(presented),
        probs=json.loads(str(probs)) if probs is not None else None,
        score=float(score) if isinstance(score, (int, float)) else None,
        rationale=rationale if rationale is None else str(rationale),
        error=error if error is None else str(error),
        raw=str(raw),
        extra=json.loads(str(extra)) if extra else {},
    )
