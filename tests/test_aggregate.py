"""Combining both orders per item, and judges into a panel."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from judgekit import Label
from judgekit.run import ItemVerdict, combine_orders, item_verdicts, panel


def lab(order: str, label: str | None, probs: Mapping[str, float] | None = None, *,
        item: str = "i", judge: str = "j", score: float | None = None,
        error: str | None = None, rationale: str | None = None) -> Label:
    return Label(item_id=item, order=order, judge=judge, key="k",  # type: ignore[arg-type]
                 label=label, label_presented=label, probs=probs, score=score,
                 rationale=rationale, error=error, raw="")


def test_orders_are_averaged() -> None:
    v = combine_orders([lab("AB", "A", {"A": 0.9, "B": 0.1}), lab("BA", "B", {"A": 0.3, "B": 0.7})])
    assert v.probs == pytest.approx({"A": 0.6, "B": 0.4})
    assert v.label == "A" and v.consistent is False and v.orders == 2
    assert v.p("A") == pytest.approx(0.6) and v.p("tie") == 0.0


def test_consistent_orders() -> None:
    v = combine_orders([lab("AB", "B", {"A": 0.2, "B": 0.8}), lab("BA", "B", {"A": 0.4, "B": 0.6})])
    assert v.label == "B" and v.consistent is True


def test_tie_margin_calls_near_coin_flips_ties() -> None:
    labels = [lab("AB", "A", {"A": 0.55, "B": 0.45}), lab("BA", "A", {"A": 0.52, "B": 0.48})]
    assert combine_orders(labels).label == "A"
    assert combine_orders(labels, tie_margin=0.1).label == "tie"
    assert combine_orders(labels, tie_margin=0.05).label == "A"


def test_labels_without_probs_count_one_hot() -> None:
    v = combine_orders([lab("AB", "A"), lab("BA", "B")])
    assert v.probs is None and v.consistent is False
    assert v.label == "A"  # 0.5/0.5: the alphabetical first wins a dead heat, deterministically


def test_errored_order_is_left_out_and_named() -> None:
    v = combine_orders([lab("AB", None, error="backend: timeout"),
                        lab("BA", "B", {"A": 0.1, "B": 0.9}, rationale="b is right")])
    assert v.label == "B" and v.orders == 1 and v.consistent is None
    assert v.errors == ("AB: backend: timeout",)
    assert v.rationales == {"BA": "b is right"}


def test_every_order_errored() -> None:
    v = combine_orders([lab("AB", None, error="x"), lab("BA", None, error="y")])
    assert v.label is None and v.probs is None and v.orders == 0 and len(v.errors) == 2


def test_pointwise_scores_are_averaged() -> None:
    v = combine_orders([lab("single", "4", {"3": 0.5, "4": 0.5}, score=3.5)])
    assert v.score == 3.5 and v.consistent is None


def test_item_verdicts_group_by_judge_and_item() -> None:
    labels = [lab(o, "A", item=i, judge=j) for j in ("j1", "j2") for i in ("x", "y")
              for o in ("AB", "BA")]
    vs = item_verdicts(reversed(labels))
    assert [(v.judge, v.item_id) for v in vs] == [("j1", "x"), ("j1", "y"), ("j2", "x"),
                                                  ("j2", "y")]
    assert all(v.orders == 2 for v in vs)


def iv(judge: str, label: str | None, probs: dict[str, float] | None) -> ItemVerdict:
    return ItemVerdict("i", judge, label, probs, None, True, 2)


def test_panel_mean_and_majority() -> None:
    vs = [iv("j1", "A", {"A": 0.55, "B": 0.45}), iv("j2", "A", {"A": 0.6, "B": 0.4}),
          iv("j3", "B", {"A": 0.01, "B": 0.99})]
    (mean,) = panel(vs)
    assert mean.label == "B" and mean.judge == "panel"
    assert mean.probs == pytest.approx({"A": 0.3867, "B": 0.6133}, abs=1e-4)
    (major,) = panel(vs, how="majority")
    assert major.label == "A" and major.members == {"j1": "A", "j2": "A", "j3": "B"}
    assert major.orders == 6


def test_panel_skips_failed_judges() -> None:
    (v,) = panel([iv("j1", None, None), iv("j2", "B", {"A": 0.2, "B": 0.8})])
    assert v.label == "B" and v.members == {"j1": None, "j2": "B"}
    (v,) = panel([iv("j1", None, None)])
    assert v.label is None


def test_panel_rejects_unknown_rule() -> None:
    with pytest.raises(ValueError, match="mean' or 'majority"):
        panel([], how="median")


def test_panel_without_any_probabilities_makes_none_up() -> None:
    votes = [iv("j1", "A", None), iv("j2", "A", None), iv("j3", "B", None)]
    (v,) = panel(votes, how="mean")
    assert v.label == "A"
    assert v.probs is None  # vote shares are not judge probabilities
    (mixed,) = panel([iv("j1", "A", None), iv("j2", "B", {"A": 0.2, "B": 0.8})])
    assert mixed.probs == pytest.approx({"A": 0.6, "B": 0.4})


def test_combine_arrays_is_the_rule_for_every_item_at_once() -> None:
    import numpy as np

    from judgekit.run._aggregate import Judgments, agree, combine

    # items 0-3, rows in item order; space sorted: A, B, tie
    j = Judgments(
        space=["A", "B", "tie"],
        group=np.array([0, 0, 1, 1, 2, 2, 3]),
        label=np.array([0, 1, 0, 1, -1, 1, 2]),  # item 2: AB errored; item 3: one row
        probs=np.array([[0.9, 0.1, 0], [0.3, 0.7, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
                        [0.2, 0.8, 0], [0, 0, 0]]),
        keys=np.array([[1, 1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 0],
                       [0, 0, 0]], dtype=bool),
        has=np.array([True, True, False, False, False, True, False]),
    )
    c = combine(j, 4)
    assert c.label.tolist() == [0, 2, 1, 2]  # item 1: one-hot 0.5/0.5 disagree: tie (MT-Bench)
    no_tie = Judgments(["A", "B"], j.group, np.where(j.label == 2, 0, j.label), j.probs[:, :2],
                       j.keys[:, :2], j.has)
    assert combine(no_tie, 4).label.tolist()[1] == 0  # no tie label: alphabetical A
    assert np.allclose(c.probs[0], [0.6, 0.4, 0]) and c.keys[0].tolist() == [True, True, False]
    assert c.has_probs.tolist() == [True, False, True, False]
    assert c.count.tolist() == [2, 2, 1, 1] and c.probs[2].tolist() == [0.2, 0.8, 0.0]
    assert combine(j, 4, tie_margin=0.25).label.tolist() == [2, 2, 1, 2]  # |0.6-0.4| <= 0.25
    order = np.array([1, 2, 1, 2, 1, 2, 0])
    assert agree(j.group, 4, order, j.label).tolist() == [0, 0, -1, -1]


def test_combine_arrays_majority_breaks_ties_by_mean_probability() -> None:
    import numpy as np

    from judgekit.run._aggregate import Judgments, combine

    j = Judgments(space=["A", "B"], group=np.array([0, 0, 0, 0]), label=np.array([0, 1, 1, 0]),
                  probs=np.array([[0.9, 0.1], [0.4, 0.6], [0.45, 0.55], [0.6, 0.4]]),
                  keys=np.ones((4, 2), dtype=bool), has=np.ones(4, dtype=bool))
    assert combine(j, 1, majority=True).label.tolist() == [0]  # 2-2 votes; mean P(A) 0.5875


def test_item_verdicts_match_one_item_at_a_time() -> None:
    labels = [lab(o, lbl, p, item=f"i{n}") for n, (o, lbl, p) in enumerate([
        ("AB", "A", {"A": 0.7, "B": 0.3}), ("BA", "tie", None), ("single", "3", {"3": 0.4})])]
    labels += [lab("BA", "B", {"B": 0.9, "tie": 0.1}, item="i0"), lab("AB", None, error="x",
                                                                          item="i1")]
    together = item_verdicts(labels)
    alone = [combine_orders([x for x in labels if x.item_id == v.item_id]) for v in together]
    assert together == alone
    assert [v.label for v in together] == ["B", "tie", "3"]  # i0: A 0.35, B 0.6, tie 0.05
