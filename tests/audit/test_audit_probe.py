"""An audited run that holds a ``judgekit probe`` report shows its flip rates beside the bias."""

from __future__ import annotations

import json
from pathlib import Path

from judgekit import audit, load_suite, run_suite
from judgekit.backends import FakeBackend
from judgekit.probe import ProbeOptions, probe


def test_probe_flip_rates_join_the_bias_section(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_suite(load_suite("core/sample"), FakeBackend(7), str(run))
    assert "robustness" not in audit(run, options=None).data["bias"]
    probe("core/sample", FakeBackend(7), run / "probe", options=ProbeOptions(sample=12))
    probed = json.loads((run / "probe" / "probe.json").read_text(encoding="utf-8"))
    report = audit(str(run))
    robust = report.data["bias"]["robustness"]
    assert robust["available"] and robust["judge"] == "fake:7" and robust["sample"] == 12
    for kind, p in probed["perturbations"].items():
        assert robust["flip_rate"][kind] == {"value": p["flip_rate"], "ci": p["ci"],
                                             "n": p["n"], "flips": p["flips"]}
    paths = report.write(str(tmp_path / "report"))  # a str path is fine
    html = paths["html"].read_text(encoding="utf-8")
    assert "flip rate under marker (probe)" in html
    json.loads(paths["json"].read_text(encoding="utf-8"))


def test_an_unreadable_probe_report_is_named_not_fatal(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_suite(load_suite("core/sample"), FakeBackend(7), run)
    (run / "probe.json").write_text("{not json", encoding="utf-8")
    robust = audit(run).data["bias"]["robustness"]
    assert robust["available"] is False and "probe.json" in robust["reason"]
