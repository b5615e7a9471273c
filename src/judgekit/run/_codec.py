"""Compact encodings of what the label store keeps: keys, completions, label distributions.

A judgment costs little to keep when nothing in it is written twice:

- a cache key (sha256, 64 hex characters) is kept as its 32 raw bytes (any other key text,
  e.g. one a test wrote by hand, is kept as text and read back unchanged);
- a completion is its text, a small JSON header of what is not implied (the generated tokens
  when they are not just the text, each position's alternative tokens, the prompt length) and
  one packed array of float64 log-probabilities (exact: re-parsing reads the same numbers);
- a label's distribution is a packed float64 array plus the id of its label space (the labels
  in the order they were written, kept once per store);
- a label's raw output is the completion's text, read from the completion (``raw`` is kept
  on the label only where it differs, e.g. a transport error that was not cached).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from judgekit._types import Completion, Order

ORDERS: tuple[Order, ...] = ("AB", "BA", "single")
"""Order -> its code in the store (its index)."""
ORDER_CODE: dict[str, int] = {o: i for i, o in enumerate(ORDERS)}
SWAP = {"A": "B", "B": "A"}


def key_in(key: str) -> bytes | str:
    """A cache key as stored: raw bytes for a lowercase sha256 hex digest, else the text."""
    if len(key) == 64:
        try:
            raw = bytes.fromhex(key)
        except ValueError:
            return key
        if len(raw) == 32 and raw.hex() == key:
            return raw
    return key


def key_out(value: object) -> str:
    """Inverse of :func:`key_in`."""
    return value.hex() if isinstance(value, bytes) else str(value)


def pack(values: list[float]) -> bytes:
    """Packed little-endian float64s."""
    return struct.pack(f"<{len(values)}d", *values)


def unpack(blob: bytes) -> tuple[float, ...]:
    """Inverse of :func:`pack`."""
    return struct.unpack(f"<{len(blob) // 8}d", blob)


_DEFAULTS: tuple[Any, ...] = ([], [], None, None, True)
"""Header entries (tokens, alternatives, prompt tokens, error, packed) left off when trailing."""


def completion_in(c: Completion) -> tuple[str, str | None, bytes | None]:
    """``(text, header, logprobs)`` of a completion; :func:`completion_out` inverts it.

    The header is a JSON list ``[tokens, alternatives, prompt_tokens, error, packed]`` with
    trailing defaults left off (tokens are null when they are just the text, [] when none),
    and None when the completion is only its text. Log-probabilities that are not all floats
    (a backend's ``None``) go into the header as JSON instead of the packed array, so every
    completion reads back exactly.
    """
    return completion_fields_in(c.text, c.tokens, c.top_logprobs, c.prompt_tokens, c.error)


def completion_fields_in(text: str, tokens: tuple[str, ...],
                         top: tuple[Mapping[str, float], ...], prompt_tokens: int | None,
                         error: str | None) -> tuple[str, str | None, bytes | None]:
    """:func:`completion_in` of a completion given as its fields (in their order)."""
    if (len(top) == 1 and tokens == (text,) and prompt_tokens is None
            and error is None):  # a one-token verdict, the usual case: header memoized
        values = list(top[0].values())
        if all(type(v) is float for v in values):
            return text, _one_token_header(tuple(top[0])), pack(values)
    packed = all(type(v) is float for d in top for v in d.values())
    head: list[Any] = [None if tokens == (text,) else list(tokens),
                       [list(d) if packed else dict(d) for d in top],
                       prompt_tokens, error, packed]
    while head and head[-1] == _DEFAULTS[len(head) - 1]:
        head.pop()
    if not head:
        return text, None, None
    blob = pack([v for d in top for v in d.values()]) if packed else None
    return text, json.dumps(head, ensure_ascii=False, separators=(",", ":")), blob


@lru_cache(maxsize=1024)
def _one_token_header(names: tuple[str, ...]) -> str:
    return json.dumps([None, [list(names)]], ensure_ascii=False, separators=(",", ":"))


def completion_out(text: str, header: str | None, blob: bytes | None) -> Completion:
    """Inverse of :func:`completion_in`."""
    head: list[Any] = json.loads(header) if header is not None else []
    tokens, names, prompt_tokens, error, packed = [*head, *_DEFAULTS[len(head):]]
    if packed:
        values = iter(unpack(blob or b""))
        top = tuple({name: next(values) for name in position} for position in names)
    else:
        top = tuple(names)
    return Completion(text=text, tokens=(text,) if tokens is None else tuple(tokens),
                      top_logprobs=top, prompt_tokens=prompt_tokens, error=error)


def presented_in(label: str | None, presented: str | None, order: str) -> str | None:
    """``label_presented`` as stored: None when it is what the order implies (the usual case)."""
    return None if presented == presented_of(label, order) else json.dumps(presented)


def presented_out(label: str | None, stored: str | None, order: str) -> str | None:
    """Inverse of :func:`presented_in`."""
    if stored is None:
        return presented_of(label, order)
    value = json.loads(stored)
    return None if value is None else str(value)


def presented_of(label: str | None, order: str) -> str | None:
    """The label the judge literally chose, given the canonical one (``BA`` swaps A and B)."""
    if label is None or order != "BA":
        return label
    return SWAP.get(label, label)
