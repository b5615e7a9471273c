"""What every converter shares: reading upstream bytes, the gold row shapes, the swap rule.

A converter takes the registry entry and the upstream files' bytes (by repository path) and
returns the gold rows, in the key order of the gold schema, ready for :func:`to_jsonl`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from judgekit.gold._registry import GoldSet

Row = dict[str, Any]
Files = Mapping[str, bytes]
Converter = Callable[[GoldSet, Files], list[Row]]


def text(files: Files, path: str) -> str:
    """The upstream file ``path`` as text (gunzipped when it ends in ``.gz``)."""
    data = files[path]
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def load_json(files: Files, path: str) -> Any:
    """The upstream JSON file ``path``, parsed."""
    return json.loads(text(files, path))


def load_jsonl(files: Files, path: str) -> list[Any]:
    """The upstream JSON-lines file ``path``, one parsed value per non-empty line."""
    return [json.loads(line) for line in text(files, path).splitlines() if line.strip()]


def source(gold: GoldSet, path: str, at: str, *, commit12: str | None = None) -> str:
    """The ``source`` field: ``repo@commit12:path`` plus the line or index ``at``."""
    return f"{gold.repo}@{commit12 or gold.commit[:12]}:{path}{at}"


def swapped(name: str, item_id: str) -> bool:
    """The deterministic A/B randomisation for sources that always list the chosen first.

    The pair is swapped iff ``int(sha256("<set-name>:<id>").hexdigest()[:8], 16)`` is odd.
    """
    return int(hashlib.sha256(f"{name}:{item_id}".encode()).hexdigest()[:8], 16) % 2 == 1


def flags(response_a: str, response_b: str | None = None, label: str | None = None) -> list[str]:
    """Source artifacts of one item: ``empty_response``, ``identical_responses[_nontie_label]``."""
    out = []
    if not response_a.strip() or (response_b is not None and not response_b.strip()):
        out.append("empty_response")
    if response_b is not None and response_a == response_b:
        out.append("identical_responses" + ("_nontie_label" if label != "tie" else ""))
    return out


def pairwise(head: Row, prompt: str, response_a: str, response_b: str, label: str,
             tail: Row) -> Row:
    """A pairwise gold row: ``head`` (id, domain), the pair, its flags, then ``tail``.

    ``tail`` holds ``annotator_labels`` (if any), ``swapped_from_source_order``, the
    set-specific fields and ``source``; ``quality_flags`` goes after
    ``swapped_from_source_order`` when the pair has any.
    """
    row: Row = {**head, "prompt": prompt, "response_a": response_a, "response_b": response_b,
                "human_label": label}
    found = flags(response_a, response_b, label)
    for key, value in tail.items():
        row[key] = value
        if key == "swapped_from_source_order" and found:
            row["quality_flags"] = found
    return row


def chosen_first(name: str, head: Row, prompt: str, chosen: str, rejected: str,
                 tail: Row) -> Row:
    """A pairwise row from a source that lists the chosen response first (swap rule applied)."""
    swap = swapped(name, head["id"])
    a, b = (rejected, chosen) if swap else (chosen, rejected)
    return pairwise(head, prompt, a, b, "B" if swap else "A",
                    {"swapped_from_source_order": swap, **tail})


def to_jsonl(rows: list[Row]) -> bytes:
    """The rows as UTF-8 JSON lines, as the gold sets store them (non-ASCII kept as is)."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
