"""Write what the trust commands produce: JSON, JSON lines and CSV, each file complete or absent."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from judgekit._errors import JudgekitError


def atomic_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise JudgekitError(f"cannot write {path}: {exc.strerror or exc}\n"
                            "  fix: choose a folder you can write to (--out)") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(path: Path, data: Any) -> Path:
    """Indented JSON (NaN refused: every figure is a number or null)."""
    return atomic_text(path, json.dumps(data, indent=2, ensure_ascii=False,
                                        allow_nan=False) + "\n")


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """One JSON object per line."""
    return atomic_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """CSV with the union of the rows' keys as header; lists and objects as JSON text."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                         else v for k, v in r.items()})
    return atomic_text(path, buf.getvalue())
