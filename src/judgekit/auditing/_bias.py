"""Judge biases, each beside the gold's own rate on the same items (95% bootstrap CIs).

- ``position``: P(the judge prefers the response shown first), over every judged order with a
  non-tie choice; ``gold`` is the rate at which the gold's preferred response was the one shown
  first in those same orders (0.5 when every item was shown in both orders). Plus position
  consistency: the share of items judged in both orders whose two verdicts agree.
- ``length``: P(the judge prefers the longer response, in characters), over items where the
  judge chose a side and lengths differ; ``gold``: the same for the human label.
- ``self_preference`` (when the judge's model family and the response models are given):
  pairwise, P(the judge prefers its own family's response) where exactly one response is its
  family's, against the gold's rate; pointwise, mean judge-minus-gold score (in scale steps) on
  its own family's responses minus the same on other responses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._boot import Bootstrap, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import stat

Array = NDArray[Any]


def _rates(feats: Array, boot: Bootstrap, salt: int, ref: str,
           pairs: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    """Rates num/den for each (num, den) column pair of item features, plus the CI."""
    pat = patterns(feats)
    tot, reps = pat.total().astype(float), boot.sums(pat, salt).astype(float)
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for num, den in pairs:
            value = tot[num] / tot[den] if tot[den] else None
            out.append(stat(value, reps[:, num] / reps[:, den], int(tot[den]), ref))
    return out


def _prefers(d: AuditData, side: Array, boot: Bootstrap, salt: int,
             ref: str) -> dict[str, dict[str, Any]]:
    """How often judge and gold pick ``side`` (0: response_a, 1: response_b, -1: unknown).

    Over items where ``side`` is known and the judge's verdict is readable: the judge's rate
    over those where it chose A or B, the gold's over those where the gold label is A or B.
    """
    known = side >= 0
    jside = (d.judge >= 0) & (d.judge < 2) & known
    gside = (d.gold < 2) & known & (d.judge >= 0)
    feats = np.stack([jside & (d.judge == side), jside,
                      gside & (d.gold == side), gside], axis=1).astype(np.int64)
    j, g = _rates(feats, boot, salt, ref, ((0, 1), (2, 3)))
    return {"judge": j, "gold": g}


def position(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """Position bias and position consistency."""
    if d.scale != "pairwise" or (d.first + d.second).sum() == 0:
        return {"available": False, "reason": "no pairwise labels with presentation order"}
    feats = np.stack([d.first, d.first + d.second, d.gold_first,
                      d.gold_first + d.gold_second], axis=1)
    j, g = _rates(feats, boot, 21, "share of non-tie choices for the first-shown response",
                  ((0, 1), (2, 3)))
    out: dict[str, Any] = {"available": True, "p_first": {"judge": j, "gold": g}}
    both = d.consistent >= 0
    if both.any():
        cf = np.stack([both, d.consistent == 1], axis=1).astype(np.int64)
        (c,) = _rates(cf, boot, 22, "share of items judged in both orders whose verdicts agree",
                      ((1, 0),))
        out["consistency"] = c
    else:
        out["consistency"] = None
    return out


def length(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """Preference for the longer response, judge vs gold."""
    if d.scale != "pairwise" or not (d.longer >= 0).any():
        return {"available": False, "reason": "no response_a/response_b texts to measure"}
    return {"available": True, "p_longer": _prefers(
        d, d.longer, boot, 23, "share of non-tie choices for the longer response")}


def self_preference(d: AuditData, boot: Bootstrap, family: str | None) -> dict[str, Any]:
    """Self-preference for the judge's model family."""
    if not family:
        return {"available": False, "reason": "no judge family given (--judge-family)"}
    known = d.own >= 0
    if not known.any():
        return {"available": False,
                "reason": "no item has response models that tell the judge's family apart"}
    if d.scale == "pairwise":
        return {"available": True, "family": family, "p_own": _prefers(
            d, d.own, boot, 24, "share of non-tie choices for the judge family's response")}
    if d.scale != "ordinal":
        return {"available": False, "reason": "pointwise self-preference needs an ordinal scale"}
    ok = known & (d.judge >= 0)
    diff = np.where(ok, d.judge - d.gold, 0)
    own, other = ok & (d.own == 1), ok & (d.own == 0)
    feats = np.stack([own, other, own * diff, other * diff], axis=1).astype(np.int64)
    pat = patterns(feats)
    tot, reps = pat.total().astype(float), boot.sums(pat, 25).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = tot[2] / tot[0] - tot[3] / tot[1] if tot[0] and tot[1] else None
        r = reps[:, 2] / reps[:, 0] - reps[:, 3] / reps[:, 1]
    return {"available": True, "family": family,
            "score_inflation": stat(value, r, int(ok.sum()),
                                    "mean(judge - gold) own family minus other families, in "
                                    "scale steps"),
            "own_items": int(tot[0]), "other_items": int(tot[1])}
