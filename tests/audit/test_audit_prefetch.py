"""The gold read in a background thread while the labels are read (``_prefetch``, ``_gold``)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from judgekit._errors import ContentError
from judgekit.auditing import GoldColumns
from judgekit.auditing._gold import PREFETCH, gold_from_file, prefetch_gold
from judgekit.auditing._prefetch import Prefetch


def gold(path: Path, labels: list[str]) -> Path:
    path.write_text("".join(f'{{"id": "i{k}", "human_label": "{v}"}}\n'
                            for k, v in enumerate(labels)), encoding="utf-8")
    return path


def test_the_thread_reads_what_a_direct_read_reads(tmp_path: Path) -> None:
    g = gold(tmp_path / "g.jsonl", ["A", "B", "tie", "A"])
    direct = gold_from_file(g)
    prefetch_gold(g)
    got = gold_from_file(g)
    assert got.ids.equals(direct.ids) and got.label.equals(direct.label)
    assert PREFETCH._job is None  # taken once


def test_an_error_waits_for_the_reader_and_is_the_direct_reads(tmp_path: Path) -> None:
    g = tmp_path / "g.jsonl"
    g.write_text('{"id": "a", "human_label": "A"}\n{"id": "a", "human_label": "B"}\n',
                 encoding="utf-8")
    with pytest.raises(ContentError) as direct:
        gold_from_file(g)
    prefetch_gold(g)  # raises nothing now
    with pytest.raises(ContentError) as got:
        gold_from_file(g)
    assert str(got.value) == str(direct.value) and "duplicate item id 'a'" in str(got.value)


def test_a_file_changed_since_or_other_columns_are_read_again(tmp_path: Path) -> None:
    g = gold(tmp_path / "g.jsonl", ["A", "B"])
    prefetch_gold(g)
    PREFETCH._job.thread.join()  # type: ignore[union-attr]
    gold(g, ["B", "B", "A"])
    os.utime(g, ns=(1, 1))  # another modification time, whatever the clock's resolution
    assert gold_from_file(g).label.to_pylist() == ["B", "B", "A"]
    prefetch_gold(g)
    mapped = gold_from_file(g, GoldColumns(label_map={"B": "b"}))
    assert mapped.label.to_pylist() == ["b", "b", "A"]
    assert PREFETCH._job is None


def test_prefetch_runs_in_another_thread_and_discard_waits_for_it(tmp_path: Path) -> None:
    seen: list[Any] = []
    gate = threading.Event()

    def read(path: Path, options: Any) -> str:
        seen.append(threading.current_thread().name)
        gate.wait(5)
        return f"{path.name} {options}"

    p = Prefetch(read)
    f = tmp_path / "f.jsonl"
    f.write_text("{}\n", encoding="utf-8")
    p.start(f, 1)
    gate.set()
    assert p.take(f, 1) == "f.jsonl 1"
    assert seen == ["judgekit read f.jsonl"]
    p.start(f, 2)
    p.discard()
    assert p.take(f, 2) == "f.jsonl 2" and seen[-1] == threading.current_thread().name


def test_cli_names_the_labels_error_first_when_the_gold_is_bad_too(tmp_path: Path,
                                                                  jk: Any) -> None:
    labels = tmp_path / "l.csv"
    labels.write_text("id,label\nx,A\n", encoding="utf-8")
    g = tmp_path / "g.jsonl"
    g.write_text('{"id": "x", "human_label": "A"}\n{"id": "x", "human_label": "B"}\n',
                 encoding="utf-8")
    res = jk("audit", str(labels), "--gold", str(g), "--out", str(tmp_path / "rep"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "no column 'verdict'" in res.stderr and "duplicate" not in res.stderr
    labels.write_text("id,verdict\nx,A\n", encoding="utf-8")
    res = jk("audit", str(labels), "--gold", str(g), "--out", str(tmp_path / "rep"))
    assert res.returncode == 1 and "duplicate item id 'x'" in res.stderr


def test_item_labels_made_ahead_are_the_ones_asked_for_in_the_block(tmp_path: Path) -> None:
    from judgekit.auditing._items import item_labels, made_ahead
    from judgekit.auditing._labels import read_labels

    labels = tmp_path / "l.csv"
    labels.write_text("id,verdict\na,A\nb,B\nc,tie\n", encoding="utf-8")
    rows = read_labels(labels)
    with made_ahead(rows, None, {}) as made:
        assert item_labels(rows, None, {}) is made
        assert item_labels(rows, None, {"A": "a"}) is not made  # another label map
        assert item_labels(read_labels(labels), None, {}) is not made  # other rows
        again = item_labels(rows, None, {"A": "a"})
        assert again.label.to_pylist() == ["a", "B", "tie"]
    fresh = item_labels(rows, None, {})
    assert fresh is not made and fresh.label.equals(made.label)
    with pytest.raises(ContentError, match="no labels of judge 'x'"), \
            made_ahead(rows, "x", {}):
        pass


IMPORTS = """
import sys
from pathlib import Path
from judgekit._errors import ContentError
from judgekit.auditing._gold import PREFETCH, gold_from_file, prefetch_gold
path = Path(sys.argv[1])
prefetch_gold(path)
PREFETCH._job.thread.join()
print("content imported by the thread:", "judgekit.content" in sys.modules)
try:
    gold_from_file(path)
except ContentError as exc:
    print("error:", exc)
"""


@pytest.mark.parametrize("name", ["missing.jsonl", "gold.txt", "latin1.jsonl"])
def test_the_thread_imports_nothing_and_hands_fallback_reads_to_the_caller(
        tmp_path: Path, name: str) -> None:
    """A gold file only ``read_rows`` words an error for (missing, another format, bad UTF-8)
    is read in the caller's thread: the thread never imports ``judgekit.content`` (two threads
    importing at once can deadlock), and the caller still gets the direct read's error."""
    import subprocess
    import sys

    path = tmp_path / name
    if name == "gold.txt":
        path.write_text("id,human_label\n", encoding="utf-8")
    elif name == "latin1.jsonl":
        path.write_bytes('{"id": "a", "human_label": "caf\u00e9"}\n'.encode("latin-1"))
    proc = subprocess.run([sys.executable, "-c", IMPORTS, str(path)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "content imported by the thread: False" in proc.stdout
    with pytest.raises(ContentError) as direct:
        gold_from_file(path)
    assert f"error: {direct.value}" in proc.stdout
