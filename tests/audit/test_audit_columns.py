"""The byte test of which labels need normalizing, against the regex it replaces."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

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


NUMBERS = [pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.float32(), pa.float64()]


@pytest.mark.parametrize("part", [slice(None), slice(3, None), slice(5, 12), slice(0, 0),
                                  slice(9, 10)])
def test_buffers_read_as_pyarrow_converts(part: slice) -> None:
    rng = np.random.default_rng(3)
    flags = pa.array(rng.random(37) < 0.5)[part]
    assert columns.to_numpy(flags, bool).tolist() == flags.to_pylist()
    for t in NUMBERS:
        arr = pa.array(rng.integers(0, 100, 37), t)[part]
        got = columns.to_numpy(arr, float)
        assert got.dtype == np.float64 and got.tolist() == arr.to_pylist()
    maybe = pa.array([None if v < 0.3 else v < 0.6 for v in rng.random(37)])[part]
    assert columns.to_numpy(maybe, bool).tolist() == [bool(v) for v in maybe.to_pylist()]
    holes = pa.array([None if v < 0.3 else v for v in rng.random(37)])[part]
    assert columns.valid(holes).tolist() == [v is not None for v in holes.to_pylist()]
    chunked = pa.chunked_array([holes, holes])
    assert columns.valid(chunked).tolist() == 2 * columns.valid(holes).tolist()
    assert columns.valid(pa.nulls(4)).tolist() == [False] * 4


def test_arrays_and_scalars_made_from_buffers_equal_pyarrows() -> None:
    mask = np.array([True, False, True, True, False, False, True, False, True])
    assert columns.arrow(mask).equals(pa.array(mask))
    assert columns.arrow(np.array([3, -1], np.int32)).equals(pa.array([3, -1], pa.int64()))
    assert columns.arrow(np.array([0.5, np.nan])).to_pylist()[0] == 0.5
    texts = ["A", None, "", "é tie", None]
    assert columns.strings(texts).equals(pa.array(texts, pa.string()))
    assert columns.strings([]).equals(pa.array([], pa.string()))
    assert columns.pylist([1.5, None], pa.float64()).equals(pa.array([1.5, None]))
    assert columns.pylist([2, None, 3], pa.int64()).equals(pa.array([2, None, 3]))
    assert columns.pylist(["x", None], pa.string()).equals(pa.array(["x", None]))
    assert columns.scalar("tie").equals(pa.scalar("tie"))
    assert columns.scalar(-1, pa.int32()).equals(pa.scalar(-1, pa.int32()))
    assert columns.scalar(False).equals(pa.scalar(False))


PANDAS_FREE = """
import sys
from judgekit.cli._main import main
sys.argv = ["judgekit", "audit", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("pandas" in sys.modules)
"""


def test_an_audit_of_files_never_imports_pandas(tmp_path: Path) -> None:
    # pyarrow imports pandas (0.3-0.4 s) the first time it converts a Python or numpy value
    rng = np.random.default_rng(0)
    space = ["A", "B", "tie"]
    gold, labels = tmp_path / "gold.jsonl", tmp_path / "labels.csv"
    with open(gold, "w", encoding="utf-8") as g, open(labels, "w", encoding="utf-8") as lab:
        lab.write("id,verdict,p\n")
        for i in range(300):
            a = [space[k] for k in rng.integers(0, 3, 3)]
            g.write(json.dumps({"id": f"i{i}", "domain": f"d{i % 3}", "human_label": a[0],
                                "annotator_labels": a, "response_a": "x" * i,
                                "response_b": "y" * (300 - i)}) + "\n")
            lab.write(f"i{i},{space[int(rng.integers(0, 3))]},{rng.uniform(0.4, 1):.3f}\n")
    res = subprocess.run([sys.executable, "-c", PANDAS_FREE, str(labels), "--gold", str(gold),
                          "--prob-col", "p", "--replicates", "50", "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "False"
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["coverage"]["matched"] == 300 and report["bias"]["length"]["available"]
    assert {s["column"] for s in report["slices"]} == {"domain"}
