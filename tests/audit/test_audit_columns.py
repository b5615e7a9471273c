"""The byte test of which labels need normalizing, against the regex it replaces."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from judgekit.auditing import _columns as columns
from judgekit.auditing._columns import _NEEDS_NORM, needs_norm, norm, norm_label


def regex(arr: pa.Array) -> np.ndarray:
    hit = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_NORM), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


TRICKY = ["", "a", " a", "a ", "3.0", ".0", "0", "x.0", "é", "aé", "éa", "a\n", "\ta", "~", "!",
          "a.00", "1.0 ", None, "abc", "é.0", "0.", "\x7f", "a\x7fb", "-2.0", "tie"]


@pytest.mark.parametrize("part", [slice(None), slice(3, None), slice(5, 12), slice(0, 0)])
def test_byte_test_equals_the_regex_on_slices(part: slice) -> None:
    arr = pa.array(TRICKY, pa.string())[part]
    assert needs_norm(arr).tolist() == regex(arr).tolist()


@pytest.mark.parametrize("rows", [7, 1 << 18])
def test_byte_test_equals_the_regex_on_random_strings(monkeypatch: pytest.MonkeyPatch,
                                                      rows: int) -> None:
    monkeypatch.setattr(columns, "_ROWS", rows)  # rows tested at a time: chunk edges too
    rng = random.Random(0)
    alphabet = ["a", "0", ".", " ", "\t", "é", "~", "!", "\x7f", "\n", "Z", "€"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
              for _ in range(5000)]
    arr = pa.array([v if rng.random() > 0.05 else None for v in values], pa.string())[3:]
    got = needs_norm(arr)
    assert got.tolist() == regex(arr).tolist() and got.any() and not got.all()
    spelled = norm(arr).to_pylist()
    assert spelled == [norm_label(v) for v in arr.to_pylist()]
