"""The disagreements to read: items where the judge and the gold differ, most confident first.

An item is a disagreement when the judge has a readable label and it is not the gold label.
They are ranked by the judge's probability of its own (wrong) label, highest first; items
without a probability come after those with one, in gold order. Only the first ``limit`` are
listed, each with its texts (prompt, responses; cut at :data:`MAX_CHARS` characters), its slice
values, the gold label and every annotator's label, and the judge's verdict in each order it
was shown with its probabilities. The rest are counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from judgekit._arrow import strings
from judgekit.auditing._columns import scalar, to_numpy
from judgekit.auditing._join import AuditData
from judgekit.run._aggregate import ORDER_CODES

if TYPE_CHECKING:
    from judgekit.auditing._labels import LabelRows

MAX_CHARS = 4000
"""Characters kept of each text (prompt, response) in ``report.json``."""
TEXTS = ("prompt", "response_a", "response_b", "response")
ORDER_NAMES = {code: name for name, code in ORDER_CODES.items()}


def ranked(d: AuditData) -> np.ndarray[Any, Any]:
    """Indices of the disagreeing items, the judge's most confident first (stable)."""
    wrong = np.flatnonzero((d.judge >= 0) & (d.judge != d.gold))
    conf = np.where(np.isnan(d.conf[wrong]), -1.0, d.conf[wrong])
    return wrong[np.argsort(-conf, kind="stable")]


def disagreements(d: AuditData, rows: LabelRows | None, *, judge: str | None = None,
                  label_map: Mapping[str, str] | None = None,
                  limit: int = 50) -> dict[str, Any]:
    """The ``disagreements`` section of the report.

    Args:
        d: The joined data.
        rows: The judgments (for each order's verdict), or None.
        judge: Whose judgments to list (None or ``panel(...)``: every judge's).
        label_map: Judge label -> gold spelling, applied to each judgment's verdict.
        limit: Most items listed.

    """
    order = ranked(d)
    shown = order[:max(limit, 0)]
    per_item = judgments_of(rows, [d.ids[i] for i in shown], judge, label_map or {})
    items = [_item(d, int(i), per_item.get(d.ids[i], [])) for i in shown]
    return section(len(order), items)


def section(count: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The section of ``count`` disagreements, ``items`` (the most confident) listed."""
    return {"count": count, "shown": len(items), "not_shown": count - len(items),
            "ranking": "judge's probability of its label, highest first; items without one "
                       "last", "max_chars": MAX_CHARS,
            "slice_values": slice_values(items), "items": items}


def _item(d: AuditData, i: int, judged: list[dict[str, Any]]) -> dict[str, Any]:
    out = entry(d, i, judged)
    add_texts(out, d.fields.row(i) if d.fields is not None else {})
    return out


def entry(d: AuditData, i: int, judged: list[dict[str, Any]]) -> dict[str, Any]:
    """Item ``i``'s listing without its texts (:func:`add_texts` adds them)."""
    return {
        "id": d.ids[i],
        "slices": {col: sorted(v for v, m in masks.items() if m[i])
                   for col, masks in d.slices.items() if any(m[i] for m in masks.values())},
        "judge": d.space[int(d.judge[i])], "gold": d.space[int(d.gold[i])],
        "confidence": None if np.isnan(d.conf[i]) else round(float(d.conf[i]), 6),
        "probs": None if np.isnan(d.probs[i]).any() else
        {s: round(float(p), 6) for s, p in zip(d.space, d.probs[i], strict=True)},
        "annotators": [] if d.annotators is None else
        [d.space[int(c)] for c in d.annotators[i] if c >= 0],
        "judgments": judged,
    }


def add_texts(out: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """Add an item's texts (prompt, responses; cut at :data:`MAX_CHARS`) to its listing."""
    for name in TEXTS:
        if name in fields and fields[name] is not None:
            text = fields[name] if isinstance(fields[name], str) else \
                json.dumps(fields[name], ensure_ascii=False)
            out[name] = text[:MAX_CHARS]
            if len(text) > MAX_CHARS:
                out[f"{name}_chars"] = len(text)


def judgments_of(rows: LabelRows | None, ids: list[str], judge: str | None,
               label_map: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Each listed item's judgments: judge, order, verdict, P(verdict), distribution.

    Args:
        rows: Judgments (of these items and maybe others), or None.
        ids: The listed items.
        judge: Whose judgments (None or ``panel(...)``: every judge's).
        label_map: Judge label -> gold spelling.

    """
    out: dict[str, list[dict[str, Any]]] = {}
    if rows is None or not ids:
        return out
    mask = pc.is_in(rows.item, value_set=strings(ids))
    if judge is not None and not judge.startswith("panel("):
        mask = pc.and_(mask, pc.equal(rows.judge, scalar(judge)))
    for r in np.flatnonzero(to_numpy(pc.fill_null(mask, scalar(False)), bool)):
        verdict = rows.verdict[int(r)].as_py()
        probs = None
        if rows.has[r]:
            probs = {label_map.get(s, s): round(float(p), 6) for s, p, k in
                     zip(rows.space, rows.probs[r], rows.keys[r], strict=True) if k}
        out.setdefault(rows.item[int(r)].as_py(), []).append({
            "judge": rows.judge[int(r)].as_py(), "order": ORDER_NAMES[int(rows.order[r])],
            "verdict": None if verdict is None else label_map.get(verdict, verdict),
            "confidence": None if np.isnan(rows.conf[r]) else round(float(rows.conf[r]), 6),
            "probs": probs})
    return out


def slice_values(items: list[dict[str, Any]]) -> list[str]:
    """``column=value`` of every listed item's slices, sorted (the HTML filter's choices)."""
    return sorted({f"{c}={v}" for it in items for c, vs in it["slices"].items() for v in vs})


def top_lines(section: dict[str, Any] | None, n: int = 5) -> list[str]:
    """One line per most confident mistake, for the terminal."""
    if not section:
        return []
    lines = []
    for it in section["items"][:n]:
        p = "" if it["confidence"] is None else f" (p={it['confidence']:.2f})"
        lines.append(f"{it['id']}: judge {it['judge']}{p}, gold {it['gold']}")
    return lines
