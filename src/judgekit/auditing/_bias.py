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

from judgekit.auditing._boot import Bootstrap, Patterns, merge, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import stat

Array = NDArray[Any]


class Biases:
    """What the bias section reads, summed over chunks of joined items.

    Attributes:
        patterns: Name -> the items' feature rows, grouped (``position``, ``consistency``,
            ``length``, ``own``: the rows :func:`position`, :func:`length` and
            :func:`self_preference` draw from; ``own`` only with ``family``: a judge's
            family is given).
        known: Name -> items with the input known (``length``: both lengths, ``own``: the
            response models tell the judge's family apart).

    """

    def __init__(self, family: bool = True) -> None:
        self.family = family
        self.patterns: dict[str, Patterns] = {}
        self.known: dict[str, int] = {"length": 0, "own": 0}

    def _put(self, name: str, feats: Array) -> None:
        got = merge(self.patterns.get(name), patterns(feats))
        assert got is not None
        self.patterns[name] = got

    def add(self, d: AuditData) -> None:
        """Add a chunk of joined items."""
        self.known["length"] += int((d.longer >= 0).sum())
        self.known["own"] += int((d.own >= 0).sum())
        if d.scale == "pairwise":
            self._put("position", np.stack([d.first, d.first + d.second, d.gold_first,
                                            d.gold_first + d.gold_second], axis=1))
            both = d.consistent >= 0
            self._put("consistency", np.stack([both, d.consistent == 1],
                                              axis=1).astype(np.int64))
            self._put("length", _side_features(d, d.longer))
            if self.family:
                self._put("own", _side_features(d, d.own))
        elif d.scale == "ordinal" and self.family:
            ok = (d.own >= 0) & (d.judge >= 0)
            diff = np.where(ok, d.judge - d.gold, 0)
            own, other = ok & (d.own == 1), ok & (d.own == 0)
            self._put("own", np.stack([own, other, own * diff, other * diff],
                                      axis=1).astype(np.int64))


def _rates(pat: Patterns, boot: Bootstrap, salt: int, ref: str,
           pairs: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    """Rates num/den for each (num, den) column pair of grouped item features, plus the CI."""
    tot, reps = pat.total().astype(float), boot.sums(pat, salt).astype(float)
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for num, den in pairs:
            value = tot[num] / tot[den] if tot[den] else None
            out.append(stat(value, reps[:, num] / reps[:, den], int(tot[den]), ref))
    return out


def _side_features(d: AuditData, side: Array) -> Array:
    """Per item: judge chose ``side``, judge chose a side, the same two for the gold.

    ``side``: 0 response_a, 1 response_b, -1 unknown. Over items where ``side`` is known and
    the judge's verdict is readable: the judge's rate over those where it chose A or B, the
    gold's over those where the gold label is A or B.
    """
    known = side >= 0
    jside = (d.judge >= 0) & (d.judge < 2) & known
    gside = (d.gold < 2) & known & (d.judge >= 0)
    return np.stack([jside & (d.judge == side), jside,
                     gside & (d.gold == side), gside], axis=1).astype(np.int64)


def _prefers(pat: Patterns, boot: Bootstrap, salt: int, ref: str) -> dict[str, dict[str, Any]]:
    """How often judge and gold pick a side, from :func:`_side_features` rows."""
    j, g = _rates(pat, boot, salt, ref, ((0, 1), (2, 3)))
    return {"judge": j, "gold": g}


def bias_section(b: Biases, scale: str, boot: Bootstrap, family: str | None) -> dict[str, Any]:
    """The bias section of the report (position, length, self-preference) from ``b``."""
    return {"position": position_from(b, scale, boot), "length": length_from(b, scale, boot),
            "self_preference": self_preference_from(b, scale, boot, family)}


def _of(d: AuditData) -> Biases:
    b = Biases()
    b.add(d)
    return b


def position(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """Position bias and position consistency."""
    return position_from(_of(d), d.scale, boot)


def position_from(b: Biases, scale: str, boot: Bootstrap) -> dict[str, Any]:
    """:func:`position` of the items summed in ``b``."""
    pos = b.patterns.get("position")
    if scale != "pairwise" or pos is None or pos.total()[1] == 0:
        return {"available": False, "reason": "no pairwise labels with presentation order"}
    j, g = _rates(pos, boot, 21, "share of non-tie choices for the first-shown response",
                  ((0, 1), (2, 3)))
    out: dict[str, Any] = {"available": True, "p_first": {"judge": j, "gold": g}}
    cons = b.patterns["consistency"]
    if cons.total()[0] > 0:
        (c,) = _rates(cons, boot, 22,
                      "share of items judged in both orders whose verdicts agree", ((1, 0),))
        out["consistency"] = c
    else:
        out["consistency"] = None
    return out


def length(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """Preference for the longer response, judge vs gold."""
    return length_from(_of(d), d.scale, boot)


def length_from(b: Biases, scale: str, boot: Bootstrap) -> dict[str, Any]:
    """:func:`length` of the items summed in ``b``."""
    if scale != "pairwise" or not b.known["length"]:
        return {"available": False, "reason": "no response_a/response_b texts to measure"}
    return {"available": True, "p_longer": _prefers(
        b.patterns["length"], boot, 23, "share of non-tie choices for the longer response")}


def self_preference(d: AuditData, boot: Bootstrap, family: str | None) -> dict[str, Any]:
    """Self-preference for the judge's model family."""
    return self_preference_from(_of(d), d.scale, boot, family)


def self_preference_from(b: Biases, scale: str, boot: Bootstrap,
                         family: str | None) -> dict[str, Any]:
    """:func:`self_preference` of the items summed in ``b``."""
    if not family:
        return {"available": False, "reason": "no judge family given (--judge-family)"}
    if not b.known["own"]:
        return {"available": False,
                "reason": "no item has response models that tell the judge's family apart"}
    if scale == "pairwise":
        return {"available": True, "family": family, "p_own": _prefers(
            b.patterns["own"], boot, 24,
            "share of non-tie choices for the judge family's response")}
    if scale != "ordinal":
        return {"available": False, "reason": "pointwise self-preference needs an ordinal scale"}
    pat = b.patterns["own"]
    tot, reps = pat.total().astype(float), boot.sums(pat, 25).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = tot[2] / tot[0] - tot[3] / tot[1] if tot[0] and tot[1] else None
        r = reps[:, 2] / reps[:, 0] - reps[:, 3] / reps[:, 1]
    return {"available": True, "family": family,
            "score_inflation": stat(value, r, int(tot[0] + tot[1]),
                                    "mean(judge - gold) own family minus other families, in "
                                    "scale steps"),
            "own_items": int(tot[0]), "other_items": int(tot[1])}
