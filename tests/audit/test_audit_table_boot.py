"""The table bootstrap (multinomial over distinct rows) against the item-level bootstrap.

Both resample the same items: the table path draws each slice's cell counts as
Multinomial(n, cell frequencies), the item path draws n item indices with replacement. On real
gold the whole report computed both ways must give identical point estimates and 95% CIs that
agree within Monte-Carlo error; the seed alone decides the intervals.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit.auditing import LabelColumns, build_report
from judgekit.auditing import _formulas as F
from judgekit.auditing._audit import prepare
from judgekit.auditing._boot import Bootstrap, Patterns, index_sums
from judgekit.auditing._join import AuditData

from .conftest import noisy_labels, read_jsonl

B = 2000


def figures(node: Any, path: str = "") -> dict[str, dict[str, Any]]:
    """Every ``{value, ci, n, reference}`` figure of a report, by its path."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(node, dict):
        if "reference" in node and "value" in node:
            out[path] = node
        for key, sub in node.items():
            out.update(figures(sub, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            out.update(figures(sub, f"{path}/{i}"))
    return out


def joined(tmp_path: Path, gold: Path, column: str, space: list[str]) -> AuditData:
    rows = read_jsonl(gold)
    path = tmp_path / "labels.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "verdict", "p"])
        w.writeheader()
        w.writerows(noisy_labels(rows, column, space, 0.3))
    data, _ = prepare(path, gold, columns=LabelColumns(prob="p"))
    return data


@pytest.mark.parametrize(("name", "column", "space"), [
    ("pandalm-test", "human_label", ["A", "B", "tie"]),
    ("conala-human-grades", "human_score", ["0", "1", "2", "3", "4"]),
])
def test_table_and_item_bootstrap_agree_on_real_gold(tmp_path: Path, gold_file: Any, name: str,
                                                     column: str, space: list[str]) -> None:
    d = joined(tmp_path, gold_file(name), column, space)
    table = figures(build_report(d, Bootstrap(B, seed=0)).data)
    items = figures(build_report(d, Bootstrap(B, seed=0, method="items")).data)
    assert table.keys() == items.keys() and len(table) >= 15
    compared = 0
    for path, t in table.items():
        i = items[path]
        assert t["value"] == i["value"] and t["n"] == i["n"], path  # exactly the same
        if t["ci"] is None or t["ci"][1] - t["ci"][0] < 1e-9:
            assert i["ci"] is None or i["ci"][1] - i["ci"][0] < 0.01, path
            continue
        width = t["ci"][1] - t["ci"][0]
        # an endpoint's Monte-Carlo sd is ~2% of the width at B = 2000: allow 6 of them
        tol = 0.12 * width + 1e-3 * ("calibration" in path)  # calibration: 0.001 rounding
        assert abs(t["ci"][0] - i["ci"][0]) <= tol, (path, t["ci"], i["ci"])
        assert abs(t["ci"][1] - i["ci"][1]) <= tol, (path, t["ci"], i["ci"])
        assert (i["ci"][1] - i["ci"][0]) == pytest.approx(width, rel=0.2), path
        compared += 1
    assert compared >= 12


def test_a_wrong_resampling_distribution_is_caught() -> None:
    """The tolerance above tells a bootstrap of the wrong size from the right one."""
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, 1000)
    j = np.where(rng.random(1000) < 0.7, g, rng.integers(0, 3, 1000))
    cells = np.eye(9, dtype=np.int64)
    counts = np.bincount(g * 3 + j, minlength=9)

    def ci(pat: Patterns, method: str) -> tuple[float, float]:
        t = F.tables(Bootstrap(B, seed=1, method=method).sums(pat), 3)
        out = Bootstrap.interval(F.agreement(t))
        assert out is not None
        return float(out[0]), float(out[1])

    lo_r, hi_r = ci(Patterns(cells, counts), "items")
    lo_t, hi_t = ci(Patterns(cells, counts), "table")
    lo_w, hi_w = ci(Patterns(cells, counts * 2), "table")  # as if 2n items: too narrow
    tol = 0.12 * (hi_r - lo_r)
    assert abs(lo_r - lo_t) <= tol and abs(hi_r - hi_t) <= tol
    assert abs(lo_r - lo_w) > tol and abs(hi_r - hi_w) > tol


def test_item_path_is_index_resampling_and_table_path_its_distribution() -> None:
    rng = np.random.default_rng(4)
    feats = rng.integers(0, 3, size=(400, 2))
    pat = Patterns(*np.unique(feats, axis=0, return_counts=True))
    items = Bootstrap(3000, seed=2, method="items").sums(pat)
    table = Bootstrap(3000, seed=2).sums(pat)
    index = rng.integers(0, 400, size=(3000, 400))
    plain = index_sums(feats, index)
    for a in (items, table):
        assert a.mean(axis=0) == pytest.approx(plain.mean(axis=0), rel=0.01)
        assert a.std(axis=0) == pytest.approx(plain.std(axis=0), rel=0.06)
        assert np.corrcoef(a.T)[0, 1] == pytest.approx(np.corrcoef(plain.T)[0, 1], abs=0.05)


def test_seed_decides_the_intervals(tmp_path: Path, gold_file: Any) -> None:
    d = joined(tmp_path, gold_file("pandalm-test"), "human_label", ["A", "B", "tie"])
    for method in ("table", "items"):
        one = figures(build_report(d, Bootstrap(200, seed=5, method=method)).data)
        two = figures(build_report(d, Bootstrap(200, seed=5, method=method)).data)
        other = figures(build_report(d, Bootstrap(200, seed=6, method=method)).data)
        assert {p: f["ci"] for p, f in one.items()} == {p: f["ci"] for p, f in two.items()}
        assert {p: f["ci"] for p, f in one.items()} != {p: f["ci"] for p, f in other.items()}


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        Bootstrap(10, method="poisson")


def test_grouping_items_once_for_every_slice_changes_nothing(tmp_path: Path,
                                                             gold_file: Any) -> None:
    from judgekit.auditing._ceiling import ceiling, item_units, loo_stats

    d = joined(tmp_path, gold_file("kqa-physician-nli"), "human_score",
               ["Contradiction", "Entailment", "Neutral"])
    grouped = item_units(d)
    assert grouped is not None and d.slices
    boot = Bootstrap(300, seed=3)
    assert ceiling(d, boot, grouped) == ceiling(d, boot)
    for masks in d.slices.values():
        for mask in masks.values():
            assert loo_stats(d, boot, mask, 9, grouped) == loo_stats(d, boot, mask, 9)
