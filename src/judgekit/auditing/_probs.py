"""The probability column of a labels file: P(verdict) as a number, or a JSON object label -> P.

One rule, :func:`rule`, says what a value means: empty is none; a string is JSON text (a number
or an object); a number in [0, 1] (true and false count as 1 and 0) is the probability the
judge gave its own verdict; an object is the judge's distribution over labels (spelled as
labels); anything else is an error naming the line. Whole columns of numbers, of JSON numbers
as text, and of objects (pyarrow's structs) are read as columns; every other value is read
with the rule once per distinct value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit._arrow import strings
from judgekit.auditing._columns import (
    Array,
    arrow,
    distinct,
    first,
    norm_label,
    pylist,
    scalar,
    to_numpy,
    valid,
)
from judgekit.auditing._table import BadValue, Table

_JSON_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"


def rule(value: Any, column: str) -> tuple[float | None, dict[str, float] | None]:
    """``(P of the verdict, distribution)`` of one value; raises :class:`BadValue`."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise BadValue(f"'{column}' is neither a number nor a JSON object: {value[:40]!r}",
                           'write P(verdict) as a number, or {"A": 0.7, ...}') from None
    if isinstance(value, dict):
        try:
            return None, {str(norm_label(k)): float(v) for k, v in value.items()}
        except (TypeError, ValueError):
            raise BadValue(f"'{column}' has a probability that is not a number: "
                           f"{str(value)[:60]}", "write each label's probability as a number"
                           ) from None
    if isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0:
        return float(value), None
    raise BadValue(f"'{column}' value {value!r} is not a probability",
                   "use a number in [0, 1] or a JSON object")


@dataclass
class Probs:
    """A probability column read: per row, P(verdict) or a distribution.

    Attributes:
        conf: P(verdict) (NaN: none).
        cols: Label -> each row's probability of it (NaN: the row names no such label).
        has: Which rows have a distribution.
        bad: The first row whose value the rule refuses, if any.

    """

    conf: Array
    cols: dict[str, Array]
    has: Array
    bad: int | None = None

    def matrix(self) -> tuple[list[str], Array, Array]:
        """``(space, probs, keys)``: the labels named (sorted), and per row and label.

        The probability (0 where not named) and whether the row names the label.
        """
        space = sorted(self.cols)
        n = len(self.conf)
        probs = np.zeros((n, len(space)))
        keys = np.zeros((n, len(space)), dtype=bool)
        for k, label in enumerate(space):
            keys[:, k] = ~np.isnan(self.cols[label])
            probs[keys[:, k], k] = self.cols[label][keys[:, k]]
        return space, probs, keys

    def flag(self, row: int | None) -> None:
        """Note a refused row (the first one counts)."""
        if row is not None and (self.bad is None or row < self.bad):
            self.bad = row


def read_probs(table: Table, name: str | None) -> Probs:
    """Read column ``name`` of a labels table (None: no probabilities)."""
    n = table.num_rows
    out = Probs(np.full(n, np.nan), {}, np.zeros(n, dtype=bool))
    if name is None or not table.has(name):
        return out
    arr, json_text = table.column(name), table.is_json(name)
    t = arr.type
    if pa.types.is_struct(t):
        _objects(table, name, arr, out)
        return out
    if not json_text and (pa.types.is_integer(t) or pa.types.is_floating(t) or
                          pa.types.is_boolean(t)):
        out.conf, bad = _numbers(arr)
        out.flag(bad)
        return out
    odd = np.arange(n)
    if pa.types.is_string(t) and not json_text:
        fast = to_numpy(pc.fill_null(pc.match_substring_regex(arr, _JSON_NUMBER), scalar(False)),
                        bool)
        if fast.any():
            conf, bad = _numbers(pc.if_else(arrow(fast), arr, strings([None])[0])
                                 .cast(pa.float64()))
            out.conf[fast] = conf[fast]
            out.flag(bad)
        odd = np.flatnonzero(~fast)
    _each(name, arr.take(arrow(odd)), odd, json_text, out)
    return out


def error(table: Table, name: str, row: int) -> Exception:
    """The error the rule words for row ``row`` (its value read again exactly)."""
    try:
        rule(table.raw(row).get(name), name)
    except BadValue as exc:
        return table.error(row, exc.problem, exc.fix)
    raise AssertionError(f"row {row} of {table.source} holds a valid probability")


def _numbers(arr: Any) -> tuple[Array, int | None]:
    values = to_numpy(pc.fill_null(pc.cast(arr, pa.float64()), scalar(np.nan)), float)
    given = valid(arr)
    with np.errstate(invalid="ignore"):
        ok = (values >= 0) & (values <= 1)
    return np.where(given, values, np.nan), first(given & ~ok)


def _each(name: str, arr: Any, rows: Array, json_text: bool, out: Probs) -> None:
    """The rule once per distinct value of these rows (JSON text decoded first)."""
    values, index = distinct(arr)
    failed = np.zeros(len(values), dtype=bool)
    for at, v in enumerate(values):
        try:
            conf, dist = rule(json.loads(v) if json_text and v is not None else v, name)
        except BadValue:
            failed[at] = True
            continue
        mine = rows[index == at]
        if conf is not None:
            out.conf[mine] = conf
        if dist is not None:
            out.has[mine] = True
        for label, p in (dist or {}).items():
            out.cols.setdefault(label, np.full(len(out.conf), np.nan))[mine] = p
    bad = first(failed[index])
    out.flag(None if bad is None else int(rows[bad]))


def _objects(table: Table, name: str, arr: Any, out: Probs) -> None:
    """A struct column (JSON objects): one float column per label.

    A null inside an object (not a missing label) or a value that is no number is refused,
    as the rule says.
    """
    given = valid(arr)
    out.has = given
    suspect = np.zeros(len(arr), dtype=bool)
    for f, child in zip(arr.type, arr.flatten(), strict=True):
        if pa.types.is_integer(child.type) or pa.types.is_floating(child.type) or \
                pa.types.is_boolean(child.type) or pa.types.is_null(child.type):
            values = to_numpy(pc.fill_null(pc.cast(child, pa.float64()), scalar(np.nan)), float)
        else:  # text and the like: float() once per distinct value, as the rule does
            values = to_numpy(pc.fill_null(_floats(child), scalar(np.nan)), float)
            suspect |= valid(child) & np.isnan(values)
        suspect |= given & ~valid(child)
        out.cols[str(norm_label(f.name))] = np.where(given, values, np.nan)
    rows = np.flatnonzero(suspect)
    if table.origin.fmt == "jsonl" and len(rows):  # a missing label, or null: "null" tells
        rows = rows[table.origin.mention(table.index[rows], b"null")]
    for row in rows.tolist():
        try:
            rule(table.raw(row).get(name), name)
        except BadValue:
            out.flag(row)
            return


def _floats(child: Any) -> Any:
    def as_float(v: Any) -> float | None:
        try:
            return None if v is None else float(v)
        except (TypeError, ValueError):
            return None

    values, index = distinct(child)
    return pylist([as_float(v) for v in values], pa.float64()).take(arrow(index))
