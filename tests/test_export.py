"""Exporting a run: per-order labels (every stored label) and per-item records (orders combined)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from judgekit import RunError, export, load_suite, open_run, run_suite
from judgekit.backends import FakeBackend


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    run_suite(load_suite("core/sample"), [FakeBackend(error_every=7)], out)
    return out


def test_order_level(run_dir: Path) -> None:
    fh = io.StringIO()
    assert export(run_dir, fh).written == 24
    records = [json.loads(line) for line in fh.getvalue().splitlines()]
    assert len(records) == 24
    keys = {"id", "order", "judge", "verdict", "verdict_presented", "probs", "score",
            "rationale", "error", "raw", "key"}
    assert all(keys <= set(r) for r in records)
    assert len({(r["id"], r["order"]) for r in records}) == 24
    errors = [r for r in records if r["error"]]
    assert len(errors) == 3 and all(r["verdict"] is None for r in errors)
    assert all(r["error"].startswith("backend:") for r in errors)


def test_item_level(run_dir: Path) -> None:
    fh = io.StringIO()
    assert export(str(run_dir), fh, "items").written == 12
    records = [json.loads(line) for line in fh.getvalue().splitlines()]
    assert {r["id"] for r in records} == {it.id for it in load_suite("core/sample").items}
    for r in records:
        assert r["orders"] + len(r["errors"]) == 2
        assert r["verdict"] in {"A", "B", "tie"}
        if r["orders"] == 2:
            assert isinstance(r["consistent"], bool)


def test_bad_format(run_dir: Path) -> None:
    with pytest.raises(ValueError, match="export format must be one of"):
        export(run_dir, io.StringIO(), "pairs")  # type: ignore[arg-type]


def test_options_or_keywords_not_both(run_dir: Path) -> None:
    from judgekit.run import ExportOptions

    with pytest.raises(ValueError, match="not both"):
        export(run_dir, io.StringIO(), "items", ExportOptions(), tie_margin=0.1)
    fh = io.StringIO()
    assert export(run_dir, fh, "items", ExportOptions(tie_margin=0.2)).written == 12
    assert fh.getvalue() != _items(run_dir)  # the options were applied ...
    keyword = io.StringIO()
    export(run_dir, keyword, "items", tie_margin=0.2)
    assert keyword.getvalue() == fh.getvalue()  # ... as the keywords are


def _items(run_dir: Path) -> str:
    fh = io.StringIO()
    export(run_dir, fh, "items")
    return fh.getvalue()


def test_not_a_run_dir(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="not a judgekit run"):
        export(tmp_path, io.StringIO())
    with pytest.raises(RunError):
        open_run(tmp_path)
    assert not (tmp_path / "labels.sqlite").exists()


def test_to_a_path_atomically_and_to_stdout(run_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "items.jsonl"
    stats = export(run_dir, str(target), "items")
    assert stats.written == 12 == len(target.read_text(encoding="utf-8").splitlines())
    assert [p.name for p in tmp_path.iterdir()] == ["items.jsonl"]  # no temporary file left
    assert export(run_dir, "-", "items").written == 12
    assert capsys.readouterr().out == target.read_text(encoding="utf-8")


def test_unwritable_target_is_a_run_error_and_leaves_nothing(run_dir: Path,
                                                             tmp_path: Path) -> None:
    with pytest.raises(RunError, match="cannot write"):
        export(run_dir, tmp_path / "missing" / "x.jsonl")
    with pytest.raises(RunError, match="cannot write"):
        export(run_dir, tmp_path)  # a directory
    assert list(tmp_path.iterdir()) == []


def test_cli_dash_output_is_stdout(run_dir: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from judgekit.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["export", str(run_dir), "--format", "items", "-o", "-"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 12
    assert list(tmp_path.iterdir()) == []  # no file named "-"


@pytest.mark.parametrize("fmt", ["labels", "items"])
def test_parquet_export_reads_back_like_the_json_lines(run_dir: Path, tmp_path: Path,
                                                       fmt: str) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    fh = io.StringIO()
    export(run_dir, fh, fmt)  # type: ignore[arg-type]
    want = [json.loads(line) for line in fh.getvalue().splitlines()]
    stats = export(run_dir, tmp_path / "x.parquet", fmt)  # type: ignore[arg-type]
    assert stats.written == len(want)
    table = pq.read_table(tmp_path / "x.parquet")
    got = table.to_pylist()
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]
    assert table.schema.field("probs").type.names == ["A", "B", "tie"]
    for g, w in zip(got, want, strict=True):
        probs = w.pop("probs")
        assert g.pop("probs") == (None if probs is None else
                                  {k: probs[k] for k in ("A", "B", "tie")})
        assert g == w


def test_parquet_is_what_pandas_reads(run_dir: Path, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    export(run_dir, tmp_path / "labels.parquet")
    frame = pd.read_parquet(tmp_path / "labels.parquet")
    assert len(frame) == 24 and frame["error"].notna().sum() == 3
    assert set(frame["order"]) == {"AB", "BA"}


def test_cli_export_parquet(run_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from judgekit.cli import app

    target = tmp_path / "labels.parquet"
    result = CliRunner().invoke(app, ["export", str(run_dir), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "wrote 24 labels records" in result.output
    assert target.read_bytes()[:4] == b"PAR1"
