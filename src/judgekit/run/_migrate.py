"""Create a store's tables, or convert a store of format 1 (judgekit 0.1.0) or 2 in place.

Format 1 kept each raw output twice (in the completion's JSON and on the label), keys as hex
text, and a timestamp per row. Converting reads it in chunks and writes today's rows inside
the caller's transaction: a conversion killed half-way leaves the old store untouched.
Format 2 kept the completions in a table keyed by their random cache key (``WITHOUT ROWID``);
format 3 keeps them in the order written, with a unique index on the key (built by the
:class:`~judgekit.run.Store` that opens it): the rows are copied as they are.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from judgekit._types import Completion, Label
from judgekit.run._codec import completion_in, key_in

LabelRow = Callable[[Label, "str | None"], tuple[object, ...]]
_CHUNK = 5000


def upgrade(db: sqlite3.Connection, schema: str, version: int, label_row: LabelRow) -> None:
    """Bring ``db`` to store format ``version`` (inside a transaction the caller holds)."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= version:
        return  # another connection converted it while this one waited
    old = {r[1] for r in db.execute("PRAGMA table_info(labels)")}
    two = bool(old) and db.execute("PRAGMA user_version").fetchone()[0] == 2
    if old:
        if not two:
            db.execute("ALTER TABLE labels RENAME TO labels_v1")
        db.execute("ALTER TABLE completions RENAME TO completions_v1")
    for statement in schema.split(";"):
        if statement.strip():
            db.execute(statement)
    if two:
        db.execute("INSERT INTO completions SELECT key, text, header, logprobs "
                   "FROM completions_v1")
        db.execute("DROP TABLE completions_v1")
    elif old:
        _convert(db, label_row)
    db.execute(f"PRAGMA user_version = {int(version)}")


def _convert(db: sqlite3.Connection, label_row: LabelRow) -> None:
    rows = db.execute("SELECT key, completion FROM completions_v1")
    while chunk := rows.fetchmany(_CHUNK):
        db.executemany("INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?)",
                       [(key_in(k), *completion_in(Completion.from_json(c))) for k, c in chunk])
    rows = db.execute(
        "SELECT l.item_id, l.ord, l.judge, l.key, l.label, l.label_presented, l.probs, "
        "l.score, l.rationale, l.error, l.raw, l.extra, c.completion FROM labels_v1 l "
        "LEFT JOIN completions_v1 c ON c.key = l.key")
    while chunk := rows.fetchmany(_CHUNK):
        out = []
        for (item_id, order, judge, key, label, presented, probs, score, rationale, error,
             raw, extra, completion) in chunk:
            lab = Label(item_id=item_id, order=order, judge=judge, key=key, label=label,
                        label_presented=presented,
                        probs=json.loads(probs) if probs is not None else None, score=score,
                        rationale=rationale, error=error, raw=raw,
                        extra=json.loads(extra) if extra else {})
            text = Completion.from_json(completion).text if completion is not None else None
            out.append(label_row(lab, text))
        db.executemany("INSERT OR REPLACE INTO labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", out)
    db.execute("DROP TABLE labels_v1")
    db.execute("DROP TABLE completions_v1")
