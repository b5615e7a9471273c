"""PPI++ against the ppi-python package on real gold, and the ``estimate`` command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from judgekit.cli._main import app
from judgekit.trust import ppi_mean

from .conftest import read_gold, simulate

ppi_py = pytest.importorskip("ppi_py")


def _win_values(name: str, real_gold: Callable[[str], Path]) -> tuple[np.ndarray, np.ndarray]:
    gold = [r["human_label"] for r in read_gold(real_gold(name))]
    label, conf = simulate(gold, seed=0)
    value = {"A": 1.0, "B": 0.0, "tie": 0.5}
    y = np.array([value[g] for g in gold])
    # the judge's P(A wins): its confidence on A, 1 - confidence on B, 0.5 on a tie
    yhat = np.array([c if lab == "A" else 1 - c if lab == "B" else 0.5
                     for lab, c in zip(label, conf, strict=True)])
    return y, yhat


def _scores(real_gold: Callable[[str], Path]) -> tuple[np.ndarray, np.ndarray]:
    rows = read_gold(real_gold("conala-human-grades"))
    y = np.array([float(r["human_score"]) for r in rows])
    rng = np.random.default_rng(0)
    return y, np.clip(y + rng.normal(0.3, 0.9, y.size), 0, 4)  # biased, noisy grader


@pytest.mark.parametrize("data", ["pandalm-test", "hh-rlhf-harmless-base-test", "conala"])
@pytest.mark.parametrize("lam", [None, 1.0, 0.0])
def test_matches_ppi_python(data: str, lam: float | None,
                            real_gold: Callable[[str], Path]) -> None:
    y, yhat = _scores(real_gold) if data == "conala" else _win_values(data, real_gold)
    pick = np.random.default_rng(7).permutation(y.size)
    lab, unl = pick[:300], pick[300:]
    mine = ppi_mean(y[lab], yhat[lab], yhat[unl], confidence=0.95, lam=lam)
    ref_ci = ppi_py.ppi_mean_ci(y[lab], yhat[lab], yhat[unl], alpha=0.05, lam=lam)
    ref_pt = ppi_py.ppi_mean_pointestimate(y[lab], yhat[lab], yhat[unl], lam=lam)
    assert mine.estimate == pytest.approx(float(np.ravel(ref_pt)[0]), abs=1e-10)
    assert mine.ci[0] == pytest.approx(float(np.ravel(ref_ci[0])[0]), abs=1e-10)
    assert mine.ci[1] == pytest.approx(float(np.ravel(ref_ci[1])[0]), abs=1e-10)
    lo, hi = ppi_py.classical_mean_ci(y[lab], alpha=0.05)
    assert mine.classical_ci == pytest.approx((float(lo), float(hi)), abs=1e-10)
    if lam is None:  # tuned: never wider than gold alone here, so more effective items
        assert mine.effective_n >= mine.n * 0.999


def test_estimate_command(tmp_path: Path, simulated: Callable[..., object]) -> None:
    labels, cal, rows = simulated("hh-rlhf-harmless-base-test", calibration=300)  # type: ignore[misc]
    res = CliRunner().invoke(app, ["estimate", str(labels), "--gold", str(cal), "--prob-col",
                                   "p", "--json", str(tmp_path / "e.json")])
    assert res.exit_code == 0, res.output
    got = json.loads((tmp_path / "e.json").read_text())
    assert got["estimand"] == "win_rate" and got["n"] == 300
    assert got["big_n"] == len(rows) - 300
    truth = np.mean([r["human_label"] == "A" for r in rows])
    assert got["ci"][0] <= truth <= got["ci"][1]
    assert "PPI++" in res.output and "gold only" in res.output
