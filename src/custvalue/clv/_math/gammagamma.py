"""Gamma-Gamma model of spend per transaction, pandas-free.

References: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
curves for customer base analysis", Journal of Marketing Research 42(4), 415-430 (appendix);
P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value" (note),
eqs. (1)-(5).

Model: a customer's transaction values are Gamma(p, nu) (shape p, rate nu), so her mean over
x transactions, m_x, is Gamma(p x, nu x); across customers nu ~ Gamma(q, gamma) (rate gamma).
p and q are unit-free; gamma has the unit of money. The mean spend p gamma / (q - 1) is finite
only for q > 1, which the estimator enforces by fitting ``log(q - 1)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from ..._rows import BlockGroups, block_groups, value_codes

__all__ = [
    "expected_spend",
    "loglik",
    "loglik_grad",
    "prepare",
    "sample",
    "weighted_loglik_grad",
]

Array = NDArray[np.float64]

_BLOCK = 1 << 16  # rows per block of the per-row sums: the temporaries stay in cache


def _arrays(x: ArrayLike, m: ArrayLike) -> tuple[Array, Array]:
    a, b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64))
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def loglik(p: float, q: float, gamma: float, x: ArrayLike, m: ArrayLike) -> Array:
    """Log-density of the mean spend m_x of x >= 1 transactions (Fader & Hardie 2013, eq. 4).

    ``f(m_x) = G(px+q) / (G(px) G(q)) * gamma^q x^(px) m_x^(px-1) / (gamma + x m_x)^(px+q)``.

    Examples
    --------
    >>> from custvalue.clv._math import gammagamma
    >>> gammagamma.loglik(6.25, 3.74, 15.44, [1, 4], [20.0, 35.0]).round(3)
    array([-3.594, -4.047])
    """
    x_, m_ = _arrays(x, m)
    px = p * x_
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x_)
        + (px - 1.0) * np.log(m_)
        - (px + q) * np.log(gamma + x_ * m_),
        dtype=np.float64,
    )


def loglik_grad(
    p: float, q: float, gamma: float, x: ArrayLike, m: ArrayLike
) -> tuple[Array, Array]:
    """Log-density (eq. 4) and its gradient w.r.t. (p, q, gamma), shape (n, 3)."""
    x_, m_ = _arrays(x, m)
    px = p * x_
    lgxm = np.log(gamma + x_ * m_)
    dpq = digamma(px + q)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x_)
        + (px - 1.0) * np.log(m_)
        - (px + q) * lgxm
    )
    g = np.empty((*x_.shape, 3), dtype=np.float64)
    g[:, 0] = x_ * (dpq - digamma(px) + np.log(x_) + np.log(m_) - lgxm)
    g[:, 1] = dpq - digamma(q) + np.log(gamma) - lgxm
    g[:, 2] = q / gamma - (px + q) / (gamma + x_ * m_)
    return np.asarray(ll, dtype=np.float64), g


class Prepared(NamedTuple):
    """Data-only sums and groupings for :func:`weighted_loglik_grad` (built once per fit)."""

    xm: Array  # x * m per row
    counts: Array
    ux: Array  # distinct x
    ix: NDArray[np.int64]  # row -> position in ux
    groups: BlockGroups  # sums per x, block by block
    cx: Array  # summed counts per distinct x
    sum_cx_logm: Array  # per distinct x: sum of c log m
    total: float


def prepare(x: ArrayLike, m: ArrayLike, counts: ArrayLike) -> Prepared:
    """Precompute the data-only parts of eq. (4): per distinct x, counts and sums of log m."""
    x_, m_ = _arrays(x, m)
    c_ = np.asarray(counts, dtype=np.float64)
    ix, ux = value_codes(x_)
    n_ux = ux.shape[0]
    cx = np.asarray(np.bincount(ix, weights=c_, minlength=n_ux), dtype=np.float64)
    slm = np.asarray(np.bincount(ix, weights=c_ * np.log(m_), minlength=n_ux), dtype=np.float64)
    groups = block_groups(ix, n_ux, block=_BLOCK)
    ux_ = np.asarray(ux, dtype=np.float64)
    return Prepared(x_ * m_, c_, ux_, ix, groups, cx, slm, float(c_.sum()))


def weighted_loglik_grad(p: float, q: float, gamma: float, d: Prepared) -> tuple[float, Array]:
    """``(sum_i c_i ll_i, sum_i c_i grad_i)`` of eq. (4) over :func:`prepare`'d data.

    Functions of x alone (gamma functions of p x) are evaluated per distinct x; per row only
    ``log(gamma + x m)`` and ``1 / (gamma + x m)`` remain, summed per x in blocks of rows.
    """
    ux, cx = d.ux, d.cx
    n_ux = ux.shape[0]
    px = p * ux
    sl = np.zeros(n_ux)  # per x: sum c log(gamma + x m)
    sinv = np.zeros(n_ux)  # per x: sum c / (gamma + x m)
    for blk_no, lo in enumerate(range(0, d.xm.shape[0], _BLOCK)):
        blk = slice(lo, lo + _BLOCK)
        denom = gamma + d.xm[blk]
        c = d.counts[blk]
        d.groups.add(sl, blk_no, c * np.log(denom))
        d.groups.add(sinv, blk_no, c / denom)
    logx = np.log(ux)
    ll = float(
        cx @ (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + px * logx)
        + (px - 1.0) @ d.sum_cx_logm
        - (px + q) @ sl
    )
    dpq = digamma(px + q)
    g = np.empty(3)
    g[0] = float(cx @ (ux * (dpq - digamma(px) + logx)) + ux @ d.sum_cx_logm - ux @ sl)
    g[1] = float(cx @ (dpq - digamma(q) + np.log(gamma)) - sl.sum())
    g[2] = float(q / gamma * d.total - (px + q) @ sinv)
    return ll, g


def expected_spend(p: float, q: float, gamma: float, x: ArrayLike, m: ArrayLike) -> Array:
    """E[M | x, m_x]: expected spend per transaction given history (Fader & Hardie 2013, eq. 5).

    ``p (gamma + x m_x) / (p x + q - 1)``, a weighted mean of the population mean
    ``p gamma / (q - 1)`` and the customer's own mean; the population mean where x == 0
    (whatever m holds there). Requires q > 1.

    Examples
    --------
    >>> from custvalue.clv._math import gammagamma
    >>> gammagamma.expected_spend(6.25, 3.74, 15.44, [0, 2], [0.0, 30.0]).round(2)
    array([35.22, 30.94])
    """
    x_, m_ = _arrays(x, m)
    pop = p * gamma / (q - 1.0)
    own = np.where(x_ > 0, m_, 0.0)
    return np.asarray(
        np.where(x_ > 0, p * (gamma + x_ * own) / (p * x_ + q - 1.0), pop), dtype=np.float64
    )


def sample(p: float, q: float, gamma: float, x: ArrayLike, rng: np.random.Generator) -> Array:
    """Simulate the mean spend of x >= 1 transactions per customer.

    ``nu ~ Gamma(q, rate gamma)``; the mean of x Gamma(p, nu) values is Gamma(p x, rate nu x).
    """
    x_ = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / gamma, size=x_.shape)
    return np.asarray(rng.gamma(p * x_, 1.0 / (nu * x_)), dtype=np.float64)
