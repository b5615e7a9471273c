"""Queue files in annotation tools' formats; Label Studio's are checked with its own SDK."""

from __future__ import annotations

import json
from pathlib import Path

from judgekit.trust._answers import read_answers
from judgekit.trust._queue import write_queue

RECORDS = [
    {"id": "i1", "prompt": "2+2?", "response_a": "4", "response_b": "5", "verdict": "A",
     "confidence": 0.71, "judge": "small", "reason": "below every threshold"},
    {"id": "i2", "prompt": "Capital of France?", "response_a": "Lyon", "response_b": "Paris",
     "verdict": None, "confidence": None, "judge": "small", "reason": "no readable verdict"},
]
LABELS = ["A", "B", "tie"]


def test_label_studio_files_load_with_its_schema(tmp_path: Path) -> None:
    import pytest

    interface = pytest.importorskip("label_studio_sdk.label_interface")
    write_queue(tmp_path, RECORDS, LABELS, ("labelstudio",))
    config = (tmp_path / "queue.labelstudio.xml").read_text()
    tasks = json.loads((tmp_path / "queue.labelstudio.json").read_text())
    li = interface.LabelInterface(config)
    assert li.validate() is not False
    choices = li.get_control("label")
    assert choices.tag == "Choices" and set(choices.labels) == set(LABELS)
    for task in tasks:
        assert li.validate_task({"data": task["data"]})  # its predictions branch is broken
        for pred in task.get("predictions", []):
            assert li.validate_prediction(pred), pred
    assert "predictions" in tasks[0] and "predictions" not in tasks[1]
    assert tasks[0]["data"]["item_id"] == "i1"


def test_blind_queue_shows_no_verdict(tmp_path: Path) -> None:
    write_queue(tmp_path, RECORDS, LABELS, ("labelstudio", "argilla"), blind=True)
    tasks = json.loads((tmp_path / "queue.labelstudio.json").read_text())
    assert all("predictions" not in t for t in tasks)
    recs = [json.loads(x) for x in (tmp_path / "queue.argilla.jsonl").read_text().splitlines()]
    assert all("suggestions" not in r for r in recs)


def test_argilla_settings_and_records(tmp_path: Path) -> None:
    write_queue(tmp_path, RECORDS, LABELS, ("argilla",))
    settings = json.loads((tmp_path / "queue.argilla.settings.json").read_text())
    assert [f["name"] for f in settings["fields"]] == ["prompt", "response_a", "response_b"]
    question = settings["questions"][0]
    assert question["settings"]["type"] == "label_selection"
    assert [o["value"] for o in question["settings"]["options"]] == LABELS
    recs = [json.loads(x) for x in (tmp_path / "queue.argilla.jsonl").read_text().splitlines()]
    assert recs[0]["suggestions"][0] == {"question_name": "label", "value": "A",
                                         "score": 0.71, "agent": "small"}
    assert recs[1]["metadata"]["item_id"] == "i2"


def test_a_label_studio_export_reads_back_as_answers(tmp_path: Path) -> None:
    export = [
        {"id": 1, "data": {"item_id": "i1", "prompt": "2+2?"}, "annotations": [
            {"completed_by": 3, "result": [{"from_name": "label", "to_name": "prompt",
                                            "type": "choices", "value": {"choices": ["A"]}}]},
            {"completed_by": {"email": "b@x.org"}, "was_cancelled": True, "result": []}]},
        {"id": 2, "data": {"item_id": "i2"}, "annotations": [
            {"completed_by": {"email": "b@x.org"}, "result": [
                {"from_name": "label", "type": "choices", "value": {"choices": ["B"]}}]}]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    got = read_answers(path)
    assert [(a.item_id, a.label, a.annotator) for a in got] == [
        ("i1", "A", "ls-user-3"), ("i2", "B", "b@x.org")]
