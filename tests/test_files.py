"""Reading content files: every failure names the file, the line or field, and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judgekit import ContentError, DataUnavailable
from judgekit.content import Rubric, Suite
from judgekit.content._files import MAX_ITEM_CHARS, load_model, read_items, read_rows, read_text


def test_read_text_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        read_text(tmp_path / "nope.yaml")
    assert info.value.path == tmp_path / "nope.yaml"
    assert "file not found" in str(info.value)
    assert info.value.fix


def test_read_text_not_utf8_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\ndescription: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError) as info:
        read_text(path)
    assert info.value.where == "line 2"
    assert "not valid UTF-8" in info.value.problem
    assert "UTF-8" in (info.value.fix or "")


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("title: x\nkind: pairwise\nlabels: [A, B\ncriteria: []\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_model(path, Rubric)
    assert "invalid YAML" in info.value.problem
    assert info.value.where is not None and info.value.where.startswith("line 4")


def test_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ContentError, match="expected a mapping"):
        load_model(path, Suite)


def suite_error(tmp_path: Path, text: str) -> ContentError:
    """The error loading ``text`` as a suite file raises."""
    path = tmp_path / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_model(path, Suite)
    assert info.value.path == path
    return info.value


def test_unknown_key_names_line_field_and_valid_fields(tmp_path: Path) -> None:
    err = suite_error(tmp_path, "rubric: preference\nprompt: pairwise\nitems: x.jsonl\n"
                      "rubirc: typo\n")
    assert err.problem == "unknown key 'rubirc'"
    assert err.where == "line 4, field 'rubirc'"
    assert err.fix is not None and "rubric" in err.fix and "items" in err.fix


def test_missing_required_field(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text("rubric: preference\nitems: x.jsonl\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_model(path, Suite)
    assert info.value.problem == "required field 'prompt' is missing"
    assert info.value.fix == "add 'prompt:' to the file"


def test_nested_error_points_at_nested_line(tmp_path: Path) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text(
        "title: t\nkind: pointwise\nlabels: ['1', '2']\ncriteria:\n"
        "  - id: ok\n    description: fine\n  - id: Bad Id\n    description: x\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_model(path, Rubric)
    assert info.value.where == "line 7, field 'criteria[1].id'"


def test_jsonl_invalid_line(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "a"}\n\n{"id": "b",}\n', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        list(read_rows(path))
    assert info.value.where == "line 3"
    assert "invalid JSON" in info.value.problem


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "a"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ContentError, match="expected a JSON object") as info:
        list(read_rows(path))
    assert info.value.where == "line 2"


def test_csv_rows_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text('id,prompt\na,"hello, world"\nb,bye\n', encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"id": "a", "prompt": "hello, world"}),
                                     (3, {"id": "b", "prompt": "bye"})]


def test_csv_extra_cells(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("id,prompt\na,hi\nb,hello, world\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        list(read_rows(path))
    assert info.value.where == "line 3"
    assert "more cells than the header" in info.value.problem
    assert "quote" in (info.value.fix or "")


def test_parquet_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "items.parquet"
    pq.write_table(pa.table({"id": ["x", "y"], "prompt": ["p1", "p2"]}), path)
    assert [i.id for i in read_items(path)] == ["x", "y"]
    assert read_items(path)[1].line == 2


def test_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "items.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ContentError, match="unsupported items format"):
        list(read_rows(path))


def test_missing_items_file_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        list(read_rows(tmp_path / "absent.jsonl"))
    assert info.value.path == tmp_path / "absent.jsonl"
    assert not isinstance(info.value, DataUnavailable)  # `check` must fail it, not skip it


def test_empty_items_file(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_items(path)
    assert info.value.problem == "no items"


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_items(path)
    assert info.value.where == "line 3"
    assert "first on line 1" in info.value.problem


@pytest.mark.parametrize("row", ['{"prompt": "x"}', '{"id": ""}', '{"id": null}'])
def test_item_without_id(tmp_path: Path, row: str) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(ContentError, match="has no 'id'"):
        read_items(path)


def test_numeric_ids_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": 7}\n', encoding="utf-8")
    assert read_items(path)[0].id == "7"


def test_item_of_several_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    big = "x" * (3 * 1024 * 1024)
    rows = [{"id": "small", "prompt": "hi"}, {"id": "huge", "prompt": big}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_items(path)
    assert info.value.where == "line 2"
    assert f"{MAX_ITEM_CHARS:,}" in info.value.problem


def test_duplicate_key_names_file_line_and_key(tmp_path: Path) -> None:
    err = suite_error(tmp_path, "rubric: preference\nprompt: pairwise\nitems: x.jsonl\n"
                      "rubric: other\n")
    assert err.where == "line 4, column 1"
    assert err.problem == "invalid YAML: duplicate key 'rubric' (first on line 1)"
    assert "keep one" in (err.fix or "")


def test_duplicate_key_in_a_nested_mapping(tmp_path: Path) -> None:
    err = suite_error(tmp_path, "rubric: r\nprompt: p\nitems: x.jsonl\nfields:\n  prompt: q\n"
                      "  response_a: left\n  prompt: question\n")
    assert err.where == "line 7, column 3"
    assert "duplicate key 'prompt' (first on line 5)" in err.problem
    err = suite_error(tmp_path, "rubric: r\nprompt: p\nitems: x.jsonl\n"
                      "where: {split: dev, split: test}\n")
    assert err.where == "line 4, column 21"
    assert "duplicate key 'split' (first on line 4)" in err.problem


def test_merge_keys_may_still_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text("rubric: r\nprompt: p\nitems: x.jsonl\n"
                    "fields:\n  <<: {prompt: q, response_a: left}\n  prompt: question\n",
                    encoding="utf-8")
    assert load_model(path, Suite).fields == {"prompt": "question", "response_a": "left"}


@pytest.mark.parametrize("name, text", [
    ("items.jsonl", '{"id": "a", "prompt": "p"}\n{"id": "b", "prompt": "q"}\n'),
    ("items.csv", "id,prompt\na,p\nb,q\n"),
])
def test_items_files_with_a_byte_order_mark(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # what Excel writes
    items = read_items(path)
    assert [i.id for i in items] == ["a", "b"]
    assert set(items[0].fields) == {"id", "prompt"}  # no BOM glued to the first column


def test_yaml_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_bytes(b"\xef\xbb\xbfrubric: r\nprompt: p\nitems: x.jsonl\n")
    assert load_model(path, Suite).rubric == "r"
    assert not read_text(path).startswith("\ufeff")
