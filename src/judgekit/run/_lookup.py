"""Labels of given items, looked up in a run's store by primary key, a chunk at a time.

A preference export walks the items in their own order and asks the store for the labels of
each chunk of them, so neither the items nor the labels are ever all in memory; an audit of a
run walks its gold the same way and reads each chunk's labels as columns
(:func:`label_columns_for`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from judgekit._types import Label
from judgekit.run._store import _IN, _LABEL_COLUMNS, Store


def labels_for(store: Store, item_ids: Sequence[str]) -> list[Label]:
    """Every judge's stored labels of these items, ordered by item, order and judge.

    Args:
        store: The run's store.
        item_ids: The items (any number: asked :data:`judgekit.run._store._IN` at a time).

    """
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(item_ids), _IN):
        chunk = list(item_ids[start:start + _IN])
        rows.extend(store._db.execute(
            f"SELECT {_LABEL_COLUMNS} FROM labels l LEFT JOIN completions c ON l.raw IS NULL "
            f"AND c.key = l.key WHERE l.item_id IN ({','.join('?' * len(chunk))})", chunk))
    rows.sort(key=lambda r: (r[0], r[1], store._judge_names[r[2]]))
    return [store._label(r) for r in rows]


def label_columns_for(store: Store, item_ids: Sequence[str], judge: str | None = None,
                      batch: int = 65536) -> Iterator[Any]:
    """These items' labels as :meth:`Store.label_columns` gives them: Arrow record batches.

    Looked up by primary key, :data:`judgekit.run._store._IN` items at a time; each item's
    labels come together, ordered by order and judge name as :meth:`Store.labels` orders
    them. The labels of hidden gold items are left out, as ``label_columns(hidden=False)``
    leaves them out.

    Args:
        store: The run's store.
        item_ids: The items.
        judge: One judge's labels (None: every judge's).
        batch: Most rows per record batch.

    """
    from judgekit.run._columns import label_batches

    clause, args = store._where(judge, hidden=False)
    for start in range(0, len(item_ids), _IN):
        chunk = tuple(item_ids[start:start + _IN])
        where = f"{clause} AND l.item_id IN ({','.join('?' * len(chunk))})"
        yield from label_batches(store._db, store.path, (where, args + chunk),
                                 store._judge_names, store._space_labels, batch)


def shown_judges(store: Store, order: str | None = None) -> list[str]:
    """Judges with labels of items that are not hidden gold (in ``order`` only, if given)."""
    from judgekit.run._codec import ORDERS

    clause, args = store._where(None, hidden=False)
    if order is not None:
        clause, args = f"{clause} AND l.ord = ?", (*args, ORDERS.index(order))
    rows = _scan(store, f"SELECT DISTINCT l.judge FROM labels l{clause}", args)
    return sorted(store._judge_names[r[0]] for r in rows)


def labeled_items(store: Store, judge: str | None = None) -> int:
    """Items that are not hidden gold with a label (of ``judge``, if given)."""
    clause, args = store._where(judge, hidden=False)
    return int(_scan(store, f"SELECT COUNT(DISTINCT l.item_id) FROM labels l{clause}",
                     args)[0][0])


def _scan(store: Store, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """The rows of a query that reads the whole labels table, through a small page cache.

    One pass in key order reuses few pages: the store's own cache would fill up with them
    (tens of MiB that the process keeps).
    """
    from judgekit.run._columns import _SCAN_CACHE

    cache = store._db.execute("PRAGMA cache_size").fetchone()[0]
    store._db.execute(f"PRAGMA cache_size={_SCAN_CACHE}")
    try:
        return list(store._db.execute(sql, args))
    finally:
        store._db.execute(f"PRAGMA cache_size={int(cache)}")
