"""The SQLite label store: durable batches, no duplicates, transport errors left to retry."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from judgekit import Completion, Label
from judgekit.run import Store
from judgekit.run._bulk import Seen


def label(item: str, order: str = "AB", *, error: str | None = None, judge: str = "j",
          key: str = "k") -> Label:
    return Label(item_id=item, order=order, judge=judge, key=key,  # type: ignore[arg-type]
                 label=None if error else "A", label_presented=None if error else "A",
                 probs=None if error else {"A": 0.75, "B": 0.25}, score=None, rationale=None,
                 error=error, raw="A", extra={"n": 1} if item == "x" else {})


def test_round_trip(tmp_path: Path) -> None:
    comp = Completion(text="A", tokens=("A",), top_logprobs=({"A": -0.1, "B": -2.0},),
                      prompt_tokens=12)
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [("k1", comp)], [label("x"), label("y", "BA")])
    with Store(tmp_path / "l.sqlite") as store:  # reopened: it was committed
        assert store.count() == 2 and store.count("j") == 2 and store.count("other") == 0
        assert store.judges() == ["j"]
        got = list(store.labels())
        assert [(g.item_id, g.order) for g in got] == [("x", "AB"), ("y", "BA")]
        assert got[0] == label("x")
        assert store.cached(["k1", "missing"]) == {"k1": comp}


def test_same_item_order_judge_never_duplicates(tmp_path: Path) -> None:
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [], [label("x", key="old")])
        store.write("j", [], [label("x", key="new")])
        store.write("j", [], [label("x", key="new", judge="other")])
        assert store.count() == 2
        assert store.done_keys("j") == {("x", "AB"): "new"}


def test_transport_errors_are_not_done_and_not_cached(tmp_path: Path) -> None:
    bad = Completion(text="", error="timeout")
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [("kbad", bad)],
                    [label("x", error="backend: timeout"), label("y", error="unreadable 'hm'")])
        assert store.cached(["kbad"]) == {}
        assert set(store.done_keys("j")) == {("y", "AB")}  # parse errors stay done
        assert store.count() == 2


def test_cached_handles_many_keys(tmp_path: Path) -> None:
    comps = [(f"k{i}", Completion(text=str(i))) for i in range(1234)]
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", comps, [])
        got = store.cached([k for k, _ in comps] + ["nope"])
    assert len(got) == 1234 and got["k1000"].text == "1000"


def test_failed_batch_writes_nothing(tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    class Exploding:  # labels that fail half-way, after the completions were inserted
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield label("x")
            raise Boom

    with Store(tmp_path / "l.sqlite") as store:
        with pytest.raises(Boom):
            store.write("j", [("k", Completion(text="A"))], Exploding())  # type: ignore[arg-type]
        assert store.count() == 0 and store.cached(["k"]) == {}


def test_durable_settings(tmp_path: Path) -> None:
    Store(tmp_path / "l.sqlite").close()
    db = sqlite3.connect(tmp_path / "l.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    pk = [r[1] for r in db.execute("PRAGMA table_info(labels)") if r[5]]
    assert pk == ["item_id", "ord", "judge"]


COMPLETIONS = [
    Completion(text="A"),
    Completion(text="A", tokens=("A",), top_logprobs=({"A": -0.1, "B": -2.5, "tie": -3.0},)),
    Completion(text="Ġtie", tokens=("Ġ", "tie"), top_logprobs=({"Ġ": 0.0}, {"tie": -1e-9}),
               prompt_tokens=812),
    Completion(text="B", tokens=("B",), top_logprobs=({"B": -0.5, "A": None},)),  # type: ignore[dict-item]
    Completion(text="5", tokens=("5",), top_logprobs=({"5": 0, "4": -1.5},)),
    Completion(text='{"verdict": "A"}', tokens=('{"verdict": "', "A", '"}'),
               top_logprobs=({}, {"A": -0.2, "B": float("-inf")}, {'"}': 0.0})),
    Completion(text="", tokens=()),
    Completion(text="ü ✓", tokens=("ü ✓",), top_logprobs=({"ü ✓": -0.0},)),
]


@pytest.mark.parametrize("comp", COMPLETIONS)
def test_completions_read_back_exactly(tmp_path: Path, comp: Completion) -> None:
    key = "ab" * 32
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [(key, comp)], [])
        got = store.cached([key])[key]
    assert got == comp
    assert [list(d.items()) for d in got.top_logprobs] == [
        list(d.items()) for d in comp.top_logprobs]


def test_raw_text_is_stored_once(tmp_path: Path) -> None:
    key = hashlib.sha256(b"x").hexdigest()
    comp = Completion(text="A", tokens=("A",), top_logprobs=({"A": -0.1, "B": -2.0},))
    same = replace(label("x", key=key), raw="A")
    other = replace(label("y", "BA", key=key), raw="something else")
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [(key, comp)], [same, other])
        assert list(store.labels()) == [same, other]
    db = sqlite3.connect(tmp_path / "l.sqlite")
    rows = db.execute("SELECT item_id, raw, typeof(key), length(key) FROM labels").fetchall()
    assert rows == [("x", None, "blob", 32), ("y", "something else", "blob", 32)]


def test_presented_label_round_trips_even_when_unusual(tmp_path: Path) -> None:
    odd = [replace(label("a", "BA"), label="A", label_presented="A"),  # not what BA implies
           replace(label("b", "BA"), label="A", label_presented=None),
           replace(label("c", "BA"), label="B", label_presented="A"),  # the usual swap
           replace(label("d", "single"), label="3", label_presented="3")]
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [], odd)
        assert list(store.labels()) == odd
    db = sqlite3.connect(tmp_path / "l.sqlite")
    stored = dict(db.execute("SELECT item_id, presented FROM labels").fetchall())
    assert stored == {"a": '"A"', "b": "null", "c": None, "d": None}


def test_done_asks_about_chunks_of_items(tmp_path: Path) -> None:
    labels = [label(f"i{n:04d}", key=f"k{n}") for n in range(1200)]
    with Store(tmp_path / "l.sqlite") as store:
        store.write("j", [], labels)
        asked = [f"i{n:04d}" for n in range(0, 1200, 2)] + ["nope"]
        got = store.done("j", asked)
        assert got == {(f"i{n:04d}", "AB"): f"k{n}" for n in range(0, 1200, 2)}
        assert store.done("other", asked) == {}


def test_labels_are_ordered_by_item_order_and_judge_name(tmp_path: Path) -> None:
    with Store(tmp_path / "l.sqlite") as store:  # judge ids given in the order first seen
        store.write("zeta", [], [label("b", judge="zeta"), label("a", "BA", judge="zeta")])
        store.write("alpha", [], [label("b", judge="alpha"), label("a", judge="alpha")])
        got = [(lab.item_id, lab.order, lab.judge) for lab in store.labels()]
        assert got == [("a", "AB", "alpha"), ("a", "BA", "zeta"), ("b", "AB", "alpha"),
                       ("b", "AB", "zeta")]
        assert [lab.item_id for lab in store.labels("zeta")] == ["a", "b"]
        assert store.judges() == ["alpha", "zeta"]


FORMAT_1 = """
CREATE TABLE completions (key TEXT PRIMARY KEY, model TEXT NOT NULL, completion TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE labels (item_id TEXT NOT NULL, ord TEXT NOT NULL, judge TEXT NOT NULL,
    key TEXT NOT NULL, label TEXT, label_presented TEXT, probs TEXT, score REAL,
    rationale TEXT, error TEXT, raw TEXT NOT NULL, extra TEXT, created REAL NOT NULL,
    PRIMARY KEY (item_id, ord, judge));
"""


def test_a_format_1_store_is_converted_in_place(tmp_path: Path) -> None:
    key = hashlib.sha256(b"k").hexdigest()
    comp = Completion(text="B", tokens=("B",), top_logprobs=({"A": -2.0, "B": -0.2},))
    db = sqlite3.connect(tmp_path / "l.sqlite")
    db.executescript(FORMAT_1)
    db.execute("INSERT INTO completions VALUES (?, 'j', ?, 1.0)", (key, comp.to_json()))
    db.executemany("INSERT INTO labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1.0)", [
        ("x", "BA", "j", key, "A", "B", '{"B": 0.8, "A": 0.2}', None, None, None, "B",
         '{"n": 1}'),
        ("y", "AB", "j", "kerr", None, None, None, None, None, "backend: timeout", "", None)])
    db.commit()
    db.close()
    with Store(tmp_path / "l.sqlite") as store:
        got = list(store.labels())
        assert store.cached([key]) == {key: comp}
        assert store.done_keys("j") == {("x", "BA"): key}
    assert [(g.item_id, g.label, g.label_presented, g.probs, g.raw, g.extra, g.error)
            for g in got] == [("x", "A", "B", {"B": 0.8, "A": 0.2}, "B", {"n": 1}, None),
                              ("y", None, None, None, "", {}, "backend: timeout")]
    db = sqlite3.connect(tmp_path / "l.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"judges", "spaces", "completions", "labels"}


FORMAT_2 = """
CREATE TABLE judges (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE spaces (id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE);
CREATE TABLE completions (
    key BLOB PRIMARY KEY, text TEXT NOT NULL, header TEXT, logprobs BLOB) WITHOUT ROWID;
CREATE TABLE labels (
    item_id TEXT NOT NULL, ord INTEGER NOT NULL, judge INTEGER NOT NULL, key BLOB NOT NULL,
    label TEXT, presented TEXT, space INTEGER, probs BLOB, score REAL, rationale TEXT,
    error TEXT, raw TEXT, extra TEXT, PRIMARY KEY (item_id, ord, judge)) WITHOUT ROWID;
PRAGMA user_version = 2;
"""


def test_a_format_2_store_keeps_its_rows_and_gains_the_key_index(tmp_path: Path) -> None:
    key = hashlib.sha256(b"k").hexdigest()
    comp = Completion(text="B", tokens=("B",), top_logprobs=({"A": -2.0, "B": -0.2},))
    with Store(tmp_path / "new.sqlite") as store:  # today's rows, written into format 2
        store.write("j", [(key, comp)], [label("x", key=key), label("y", error="backend: t")])
        want = list(store.labels())
        rows = {t: list(store._db.execute(f"SELECT * FROM {t}"))
                for t in ("judges", "spaces", "completions", "labels")}
    db = sqlite3.connect(tmp_path / "l.sqlite")
    db.executescript(FORMAT_2)
    for table, values in rows.items():
        db.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(values[0]))})",
                       values)
    db.commit()
    db.close()
    with Store(tmp_path / "l.sqlite") as store:
        assert list(store.labels()) == want
        assert store.cached([key]) == {key: comp}
        assert list(store._db.execute("SELECT * FROM labels")) == rows["labels"]
    db = sqlite3.connect(tmp_path / "l.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                      "name = 'completions_key'").fetchone() is not None
    with pytest.raises(sqlite3.IntegrityError):  # one completion per key, as before
        db.execute("INSERT INTO completions VALUES (?, 'A', NULL, NULL)", (bytes.fromhex(key),))


def test_bulk_mode_stores_twins_once_and_reads_back_the_same(tmp_path: Path) -> None:
    """Without the key index a twin's completion is stored twice; the index build at the end
    keeps the first, and the labels read back as a store with the index wrote them."""
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(3)]
    first, other = Completion(text="A"), Completion(text="B")
    batches = [[(keys[0], first), (keys[1], first)], [(keys[0], other), (keys[2], first)]]
    labels = [[label("a", key=keys[0]), label("b", key=keys[1])],
              [label("c", key=keys[0]), label("d", key=keys[2])]]
    wanted = []
    for bulk in (False, True):
        with Store(tmp_path / f"{bulk}.sqlite") as store:
            assert store.bulk(100) if bulk else True
            for comps, labs in zip(batches, labels, strict=True):
                store.write("j", comps, labs)
            if bulk:
                assert store.count() == 4 and store._db.execute(
                    "SELECT COUNT(*) FROM completions").fetchone()[0] == 4  # a twin twice
                store.end_bulk()
                assert not store.bulk(100)  # completions stored: no bulk mode any more
            wanted.append((list(store.labels()), store.cached(keys)))
    assert wanted[0] == wanted[1]
    assert wanted[1][1][keys[0]] == first  # the first completion of the key is kept


def test_a_bulk_run_killed_before_its_index_is_indexed_by_the_next_open(tmp_path: Path) -> None:
    key = hashlib.sha256(b"k").hexdigest()
    store = Store(tmp_path / "l.sqlite")
    assert store.bulk(10)
    store.write("j", [(key, Completion(text="A"))], [label("x", key=key)])
    store.write("j", [(key, Completion(text="A"))], [label("y", key=key)])
    store.close()  # no end_bulk: as a killed run leaves it
    with Store(tmp_path / "l.sqlite", index=False) as reader:  # a bulk run's own reader
        assert reader._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0] == 2
    with Store(tmp_path / "l.sqlite") as store:
        assert store._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0] == 1
        assert [lab.raw for lab in store.labels()] == ["A", "A"]
        assert store.cached([key]) == {key: Completion(text="A")}


def test_the_bloom_filter_of_a_bulk_run_never_misses_a_stored_key() -> None:
    seen = Seen(1000)
    keys = [hashlib.sha256(str(i).encode()).digest() for i in range(2000)]
    assert not any(seen.again(keys[:1000]))  # none before
    assert all(seen.again(keys[:500]))  # every stored one is found again
    false = sum(seen.again(keys[1000:]))
    assert false < 10  # 64 KiB for 1,000 expected keys: almost no false positive
    assert seen.again(["not a digest", keys[0]]) == [True, True]  # hand-written keys: maybe


def test_a_batch_of_several_adds_commits_all_or_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.batch():
            store.add([("k1", Completion(text="A"))], [label("x", key="k1")])
            store.add([("k2", Completion(text="B"))], [label("y", key="k2", judge="new")])
        assert store.count() == 2 and set(store.cached(["k1", "k2"])) == {"k1", "k2"}
        with pytest.raises(RuntimeError, match="disk"), store.batch():
            store.add([("k3", Completion(text="A"))], [label("z", key="k3", judge="newer")])
            raise RuntimeError("disk full")
        assert store.count() == 2 and store.cached(["k3"]) == {}
        store.write("j", [], [label("w", judge="newer")])  # the rolled-back judge id is new
        assert store.judges() == ["j", "new", "newer"]
