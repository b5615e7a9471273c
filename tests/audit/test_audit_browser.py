"""Open report.html in headless Chromium and check the screenshot is the rendered report."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit import audit
from judgekit.auditing import AuditOptions, LabelColumns
from judgekit.auditing._html import HUMAN, JUDGE

from .conftest import noisy_labels, read_jsonl

pytestmark = pytest.mark.browser


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def _share(img: np.ndarray, colour: str, tol: int = 12) -> float:
    return float((np.abs(img[..., :3].astype(int) - _rgb(colour)).max(axis=-1) <= tol).mean())


def test_report_renders_in_headless_chromium(tmp_path: Path, gold_file: Any) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,verdict,p\n" + "".join(f"{r['id']},{r['verdict']},{r['p']}\n"
                                                 for r in rows), encoding="utf-8")
    paths = audit(labels, gold, columns=LabelColumns(prob="p"),
                  options=AuditOptions(replicates=200)).write(tmp_path / "rep")
    shot = tmp_path / "shot.png"
    res = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1200,2000", paths["html"].resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[:2] == (2000, 1200)
    assert img.std() > 20  # not a blank page
    # the plots' own colours are on screen: judge blue, human orange, the confusion heat-map
    assert _share(img, JUDGE) > 0.002
    assert _share(img, HUMAN) > 0.0002
    assert _share(img, "#107a57", tol=20) > 0.0005
