"""Agreement statistics as vectorized formulas over stacks of contingency tables.

Each function takes tables of shape ``(..., K, K)`` (rows: gold, columns: judge, categories in
the scale's order) and returns one value per table, so a whole bootstrap (``B x K x K``) is one
call. They reproduce, on the table of any sample, exactly what the reference libraries return on
that sample's label arrays (the tests check each against them): sklearn ``cohen_kappa_score``
(unweighted, linear, quadratic) and ``f1_score(average="macro")``, scipy ``spearmanr``,
``kendalltau`` (tau-b) and ``pearsonr``, ``krippendorff.alpha`` (two coders; any number from
a coincidence matrix), statsmodels ``fleiss_kappa``. Undefined values (a constant sample) are
NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def _quiet(fn: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(*args, **kwargs)

    wrapped.__doc__ = fn.__doc__
    wrapped.__name__ = fn.__name__
    return wrapped


def tables(sums: Array, k: int) -> Array:
    """Reshape ``(..., K*K)`` cell counts into ``(..., K, K)`` float tables."""
    return np.asarray(sums, dtype=float).reshape(*np.shape(sums)[:-1], k, k)


@_quiet
def agreement(t: Array) -> Array:
    """Share of items on the diagonal (exact agreement)."""
    return np.asarray(np.trace(t, axis1=-2, axis2=-1) / t.sum(axis=(-2, -1)))


@_quiet
def kappa(t: Array, weights: str | None = None) -> Array:
    """Cohen's kappa; ``weights`` None, ``linear`` or ``quadratic`` (category index distance)."""
    k = t.shape[-1]
    i, j = np.indices((k, k))
    if weights is None:
        w = (i != j).astype(float)
    elif weights == "linear":
        w = np.abs(i - j).astype(float)
    elif weights == "quadratic":
        w = ((i - j) ** 2).astype(float)
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    n = t.sum(axis=(-2, -1))[..., None, None]
    expected = t.sum(axis=-1)[..., :, None] * t.sum(axis=-2)[..., None, :] / n
    return np.asarray(1 - (w * t).sum(axis=(-2, -1)) / (w * expected).sum(axis=(-2, -1)))


@_quiet
def macro_f1(t: Array) -> Array:
    """Macro-averaged F1 over the classes present in gold or judge labels of each sample."""
    tp = np.diagonal(t, axis1=-2, axis2=-1)
    denom = t.sum(axis=-1) + t.sum(axis=-2)
    present = denom > 0
    f1 = np.where(present, 2 * tp / np.where(present, denom, 1), 0.0)
    return np.asarray(f1.sum(axis=-1) / present.sum(axis=-1))


def _weighted_corr(t: Array, x: Array, y: Array) -> Array:
    """Pearson correlation of row values ``x`` and column values ``y`` weighted by ``t``."""
    n = t.sum(axis=(-2, -1))
    r, c = t.sum(axis=-1), t.sum(axis=-2)
    mx = (r * x).sum(axis=-1) / n
    my = (c * y).sum(axis=-1) / n
    dx = x - mx[..., None]
    dy = y - my[..., None]
    cov = (t * dx[..., :, None] * dy[..., None, :]).sum(axis=(-2, -1))
    vx = (r * dx**2).sum(axis=-1)
    vy = (c * dy**2).sum(axis=-1)
    out: Array = cov / np.sqrt(vx * vy)
    return out


def _midranks(marg: Array) -> Array:
    before = np.cumsum(marg, axis=-1) - marg
    out: Array = before + (marg + 1) / 2
    return out


@_quiet
def pearson(t: Array, values: Array) -> Array:
    """Pearson's r between gold and judge scores (category ``values``)."""
    v = np.asarray(values, dtype=float)
    return _weighted_corr(t, np.broadcast_to(v, t.shape[:-1]), np.broadcast_to(v, t.shape[:-1]))


@_quiet
def spearman(t: Array) -> Array:
    """Spearman's rho: Pearson's r of mid-ranks (ties share their mean rank)."""
    return _weighted_corr(t, _midranks(t.sum(axis=-1)), _midranks(t.sum(axis=-2)))


def _rev_cumsum(a: Array, axis: int) -> Array:
    out: Array = np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)
    return out


@_quiet
def kendall_tau_b(t: Array) -> Array:
    """Kendall's tau-b (tie-corrected), from concordant and discordant pairs of cells."""
    pad = np.zeros((*t.shape[:-2], t.shape[-2] + 1, t.shape[-1] + 2))
    pad[..., :-1, 1:-1] = t
    # ge[i, j] = sum of t[i' >= i, j' >= j]; le[i, j] = sum of t[i' >= i, j' <= j]
    ge = _rev_cumsum(_rev_cumsum(pad, -1), -2)
    le = _rev_cumsum(np.cumsum(pad, axis=-1), -2)
    below_right = ge[..., 1:, 2:]
    below_left = le[..., 1:, :-2]
    conc = (t * below_right).sum(axis=(-2, -1))
    disc = (t * below_left).sum(axis=(-2, -1))
    n = t.sum(axis=(-2, -1))
    n0 = n * (n - 1) / 2
    n1 = (t.sum(axis=-1) * (t.sum(axis=-1) - 1) / 2).sum(axis=-1)
    n2 = (t.sum(axis=-2) * (t.sum(axis=-2) - 1) / 2).sum(axis=-1)
    return np.asarray((conc - disc) / np.sqrt((n0 - n1) * (n0 - n2)))


@_quiet
def mae(t: Array, values: Array) -> Array:
    """Mean absolute difference between judge and gold scores (category ``values``)."""
    v = np.asarray(values, dtype=float)
    dist = np.abs(v[:, None] - v[None, :])
    return np.asarray((t * dist).sum(axis=(-2, -1)) / t.sum(axis=(-2, -1)))


@_quiet
def krippendorff_alpha(t: Array, level: str = "nominal", values: Array | None = None) -> Array:
    """Krippendorff's alpha of two coders (gold, judge) on every item.

    ``level``: ``nominal``, ``ordinal`` (distances from the sample's marginals) or ``interval``
    (squared difference of category ``values``).
    """
    # coincidence matrix: each item is one pairable unit of two values
    out: Array = alpha_from_coincidences(t + np.swapaxes(t, -1, -2), level, values)
    return out


def coincidences(votes: Array, weights: Array) -> Array:
    """``(K, K)`` coincidence matrix of units given as ``(P, K)`` value counts, ``weights`` each.

    A unit with m >= 2 values adds ``(n_c n_k - [c = k] n_c) / (m - 1)`` to cell ``(c, k)``;
    units with fewer values are not pairable and add nothing.
    """
    v = np.asarray(votes, dtype=float)
    m = v.sum(axis=1)
    w = np.where(m >= 2, np.asarray(weights, dtype=float) / np.maximum(m - 1, 1), 0.0)
    out: Array = np.einsum("p,pc,pk->ck", w, v, v) - np.diag(w @ v)
    return out


@_quiet
def alpha_from_coincidences(o: Array, level: str = "nominal",
                            values: Array | None = None) -> Array:
    """Krippendorff's alpha from ``(..., K, K)`` coincidence matrices (any number of coders)."""
    nc = o.sum(axis=-1)
    total = nc.sum(axis=-1)
    k = o.shape[-1]
    if level == "nominal":
        delta = np.broadcast_to(1.0 - np.eye(k), o.shape)
    elif level == "interval":
        v = np.asarray(values if values is not None else np.arange(k), dtype=float)
        delta = np.broadcast_to((v[:, None] - v[None, :]) ** 2, o.shape)
    elif level == "ordinal":
        cum = np.cumsum(nc, axis=-1)
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        below = np.where(lo > 0, np.take(cum, np.maximum(lo - 1, 0), axis=-1), 0.0)
        span = np.take(cum, hi, axis=-1) - below
        delta = (span - (nc[..., :, None] + nc[..., None, :]) / 2) ** 2
    else:
        raise ValueError(f"level must be nominal, ordinal or interval, not {level!r}")
    d_o = (o * delta).sum(axis=(-2, -1))
    d_e = (nc[..., :, None] * nc[..., None, :] * delta).sum(axis=(-2, -1))
    return np.asarray(1 - (total - 1) * d_o / d_e)


@_quiet
def fleiss_kappa(vote_sums: Array, square_sums: Array, items: Array, raters: int) -> Array:
    """Fleiss' kappa from vote sums.

    Args:
        vote_sums: ``(..., K)`` votes per category summed over items.
        square_sums: ``(...)`` sum over items of each item's sum of squared votes.
        items: ``(...)`` number of items.
        raters: Raters per item (the same for every item).

    """
    p = vote_sums / (items * raters)[..., None]
    p_bar = (square_sums - items * raters) / (items * raters * (raters - 1))
    p_e = (p**2).sum(axis=-1)
    return np.asarray((p_bar - p_e) / (1 - p_e))
