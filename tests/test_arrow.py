"""judgekit._arrow: Python strings as a pyarrow array, without pyarrow's pandas probe."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest

import judgekit._arrow as arrow_mod
from judgekit._arrow import strings


def test_strings_equal_pyarrows_own_array_with_nulls_and_unicode() -> None:
    values = ["a", None, "", "héllo ✓", None, "x" * 1000]
    got = strings(values)
    assert got.type == pa.string()
    assert got.equals(pa.array(values, type=pa.string()))
    assert got.null_count == 2
    assert strings([]).equals(pa.array([], type=pa.string()))


def test_text_past_the_int32_offsets_becomes_a_large_string(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_mod, "_INT32", 5)  # as if 2 GiB were 5 bytes
    got = strings(["abc", None, "defg"])
    assert got.type == pa.large_string()
    assert got.to_pylist() == ["abc", None, "defg"]


def test_building_strings_does_not_import_pandas() -> None:
    code = ("import sys; from judgekit._arrow import strings; strings(['a', None]); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
