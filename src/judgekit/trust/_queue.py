"""The expert queue in the formats annotation tools import: JSONL, CSV, Label Studio, Argilla.

- ``queue.jsonl`` / ``queue.csv``: one record per item: id, the texts the judge saw (prompt,
  responses), the judge's verdict and confidence per stage, and why it was escalated.
- ``queue.labelstudio.json`` + ``queue.labelstudio.xml``: Label Studio's task import format
  (``[{"data": {...}, "predictions": [...]}]``) and the labeling config to create the project
  with (one ``Choices`` control named ``label``). The judge's verdict is a prediction (a
  pre-annotation the expert confirms or changes) unless ``blind``.
- ``queue.argilla.jsonl`` + ``queue.argilla.settings.json``: Argilla 2 records (one key per
  field, the judge's verdict as the ``label`` question's suggestion unless ``blind``) and the
  dataset settings (text fields, a ``label_selection`` question), for ``rg.Settings`` and
  ``dataset.records.log``.

The item id travels in every format (``data.item_id``, ``metadata.item_id``), so answers
exported from either tool come back in with ``merge-experts``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from judgekit.trust._write import atomic_text, write_csv, write_json, write_jsonl

QUEUE_FORMATS = ("jsonl", "csv", "labelstudio", "argilla")
TEXT_FIELDS = ("prompt", "response_a", "response_b", "response")
"""Item columns shown to experts, where the items have them."""
QUESTION = "label"


def text_fields(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The :data:`TEXT_FIELDS` any record has."""
    return [f for f in TEXT_FIELDS if any(r.get(f) is not None for r in records)]


def write_queue(out: Path, records: Sequence[Mapping[str, Any]], labels: Sequence[str],
                formats: Sequence[str] = QUEUE_FORMATS, *, blind: bool = False) -> list[Path]:
    """Write the queue in each format; return the paths written."""
    paths = []
    if "jsonl" in formats:
        paths.append(write_jsonl(out / "queue.jsonl", records))
    if "csv" in formats:
        paths.append(write_csv(out / "queue.csv", records))
    fields = text_fields(records) or ["item_id"]
    if "labelstudio" in formats:
        paths.append(atomic_text(out / "queue.labelstudio.xml", labelstudio_config(fields,
                                                                                     labels)))
        paths.append(write_json(out / "queue.labelstudio.json",
                                labelstudio_tasks(records, fields, blind=blind)))
    if "argilla" in formats:
        paths.append(write_json(out / "queue.argilla.settings.json",
                                argilla_settings(fields, labels)))
        paths.append(write_jsonl(out / "queue.argilla.jsonl",
                                 argilla_records(records, fields, blind=blind)))
    return paths


def labelstudio_config(fields: Sequence[str], labels: Sequence[str]) -> str:
    """A Label Studio labeling config: each text field, then one single-choice question."""
    lines = ["<View>"]
    for f in fields:
        lines.append(f"  <Header value={quoteattr(f.replace('_', ' ').capitalize())}/>")
        lines.append(f"  <Text name={quoteattr(f)} value={quoteattr('$' + f)}/>")
    lines.append(f'  <Choices name="{QUESTION}" toName={quoteattr(fields[0])} '
                 'choice="single" showInLine="true" required="true">')
    lines += [f"    <Choice value={quoteattr(lab)}/>" for lab in labels]
    lines += ["  </Choices>", "</View>", ""]
    return "\n".join(lines)


def labelstudio_tasks(records: Sequence[Mapping[str, Any]], fields: Sequence[str], *,
                      blind: bool = False) -> list[dict[str, Any]]:
    """Label Studio import tasks, the judge's verdict as a prediction unless ``blind``."""
    tasks = []
    for r in records:
        data = {f: str(r.get(f) or "") for f in fields if f != "item_id"}
        task: dict[str, Any] = {"data": {"item_id": r["id"], **data}}
        if not blind and r.get("verdict") is not None:
            conf = r.get("confidence")
            task["predictions"] = [{
                "model_version": str(r.get("judge") or "judge"),
                **({"score": round(float(conf), 6)} if conf is not None else {}),
                "result": [{"from_name": QUESTION, "to_name": fields[0], "type": "choices",
                            "value": {"choices": [str(r["verdict"])]}}],
            }]
        tasks.append(task)
    return tasks


def argilla_settings(fields: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Argilla 2 dataset settings: text fields and one label question."""
    return {
        "guidelines": "Choose the label a domain expert would give. Items were escalated "
                      "because the judge's confidence was too low to trust.",
        "allow_extra_metadata": True,
        "fields": [{"name": f, "title": f.replace("_", " ").capitalize(), "required": True,
                    "settings": {"type": "text", "use_markdown": False}} for f in fields],
        "questions": [{"name": QUESTION, "title": "Expert label", "required": True,
                       "settings": {"type": "label_selection",
                                    "options": [{"value": lab, "text": lab} for lab in labels],
                                    "visible_options": None}}],
        "metadata": [], "vectors": [],
    }


def argilla_records(records: Sequence[Mapping[str, Any]], fields: Sequence[str], *,
                    blind: bool = False) -> list[dict[str, Any]]:
    """Argilla 2 records: fields by name, the item id as ``id`` and metadata, a suggestion."""
    out = []
    for r in records:
        rec: dict[str, Any] = {"id": r["id"], "fields": {f: str(r.get(f) or "") for f in fields
                                                         if f != "item_id"},
                               "metadata": {"item_id": r["id"], "reason": r.get("reason")}}
        if "item_id" in fields:
            rec["fields"]["item_id"] = r["id"]
        if not blind and r.get("verdict") is not None:
            rec["suggestions"] = [{"question_name": QUESTION, "value": str(r["verdict"]),
                                   "score": r.get("confidence"),
                                   "agent": str(r.get("judge") or "judge")}]
        out.append(rec)
    return out
