"""Labels of given items, looked up in a run's store by primary key, a chunk at a time.

A preference export walks the items in their own order and asks the store for the labels of
each chunk of them, so neither the items nor the labels are ever all in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
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
