"""Pieces shared by the BG/NBD and MBG/NBD formulas (pandas-free).

Both models have the purchase process of Fader, Hardie & Lee (2005), "'Counting your
customers' the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2),
275-284: a Poisson rate ``lambda ~ Gamma(r, alpha)`` and dropout ``p ~ Beta(a, b)`` after
purchases. MBG/NBD (Batislam, Denizel & Filiztekin 2007) also lets a customer drop out right
after her first purchase, which shifts ``b`` by one in every expression: ``shift`` below is 0
for BG/NBD and 1 for MBG/NBD.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc, betaln, digamma, gammaln

from ..._rows import BlockGroups, block_groups, value_codes
from ._special import bg_expected_count

__all__ = [
    "Prepared",
    "arrays",
    "family_weighted",
    "observe",
    "pmf_new_arrays",
    "posterior_count",
    "prepare",
]

Array = NDArray[np.float64]


def arrays(*values: ArrayLike) -> tuple[Array, ...]:
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return tuple(np.asarray(v, dtype=np.float64) for v in arrs)


_BLOCK = 1 << 15  # rows per block of the per-row sums: the temporaries stay in cache


class Prepared(NamedTuple):
    """Compressed data arranged for :func:`family_weighted` (built once per fit)."""

    x: Array
    t_x: Array
    T: Array
    counts: Array
    ux: Array  # distinct n_repeat values
    ix: NDArray[np.int64]  # row -> position in ux
    groups: BlockGroups  # sums per x, block by block
    cx: Array  # summed counts per distinct n_repeat
    total: float


def prepare(x: ArrayLike, t_x: ArrayLike, T: ArrayLike, counts: ArrayLike) -> Prepared:
    """Code the rows by n_repeat so x-only special functions are evaluated once per value."""
    x_, tx_, T_, c_ = arrays(x, t_x, T, counts)
    ix, ux = value_codes(x_)
    cx = np.asarray(np.bincount(ix, weights=c_, minlength=ux.shape[0]), dtype=np.float64)
    groups = block_groups(ix, ux.shape[0], block=_BLOCK)
    ux_ = np.asarray(ux, dtype=np.float64)
    return Prepared(x_, tx_, T_, c_, ux_, ix, groups, cx, float(c_.sum()))


def _dot(u: Array, v: Array) -> float:
    # einsum, not BLAS: no thread start-up for a single pass over the rows
    return float(np.einsum("i,i->", u, v))


def family_weighted(
    r: float, alpha: float, a: float, b: float, d: Prepared, shift: float
) -> tuple[float, Array]:
    """Weighted sums of ll and grad for BG/NBD (shift 0) and MBG/NBD (shift 1).

    Both likelihoods are ``head(x) + logaddexp(B(a, b+x+s) - (r+x) log(alpha+T),
    B(a+1, b+x+s-1) - (r+x) log(alpha+t_x))`` with the second term absent for BG/NBD's
    x = 0 (FHL 2005 eq. 6; Batislam et al. 2007). Functions of x alone are evaluated on the
    distinct x values; per row only two logs, one exp, one log1p and weighted sums remain,
    computed in blocks of rows so that the cost stays linear in the rows.
    """
    ux = d.ux
    n_ux = ux.shape[0]
    has2 = ux + shift > 0
    us = np.where(has2, ux, 1.0 - shift)
    lba = betaln(a, b)
    head = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) - lba
    b1 = betaln(a, b + ux + shift)
    # a large negative stand-in for log(0) keeps the arithmetic finite where the second term
    # does not exist (BG/NBD, x = 0); exp() of it underflows to exactly 0
    b2 = np.where(has2, betaln(a + 1.0, b + us + shift - 1.0), -1e300)
    w2x = np.zeros(n_ux)
    s_tot = s_lt = s_dl = s_it = s_di = 0.0
    for blk_no, lo in enumerate(range(0, d.x.shape[0], _BLOCK)):
        blk = slice(lo, lo + _BLOCK)
        c, ix = d.counts[blk], d.ix[blk]
        lt = np.log(alpha + d.T[blk])
        ltx = np.log(alpha + d.t_x[blk])
        rx = r + d.x[blk]
        l1 = b1[ix] - rx * lt
        diff = b2[ix] - rx * ltx - l1  # l2 - l1
        e = np.exp(-np.abs(diff))
        tot = l1 + np.maximum(diff, 0.0) + np.log1p(e)  # logaddexp(l1, l2)
        w2 = np.where(diff > 0, 1.0, e) / (1.0 + e)  # exp(l2 - tot)
        cw2 = c * w2
        d.groups.add(w2x, blk_no, cw2)
        s_tot += _dot(c, tot)
        s_lt += _dot(c, lt)
        s_dl += _dot(cw2, ltx - lt)
        inv_t = 1.0 / (alpha + d.T[blk])
        crx = c * rx
        s_it += _dot(crx, inv_t)
        s_di += _dot(crx * w2, 1.0 / (alpha + d.t_x[blk]) - inv_t)
    sw2 = float(w2x.sum())
    ll = float(d.cx @ head) + s_tot
    k = digamma(a + b) - digamma(a + b + ux + shift)
    d1 = digamma(b + ux + shift)
    d2 = np.where(has2, digamma(b + us + shift - 1.0), 0.0)
    g = np.empty(4)
    g[0] = float(d.cx @ (digamma(r + ux) - digamma(r))) + d.total * np.log(alpha) - s_lt - s_dl
    g[1] = r / alpha * d.total - s_it - s_di
    g[2] = float(d.cx @ k) + (digamma(a + 1.0) - digamma(a)) * sw2
    g[3] = float(d.cx @ (k - digamma(b) + d1)) + float(w2x @ (d2 - d1))
    return ll, g


def posterior_count(
    r: float, alpha: float, a: float, b: float, x: Array, T: Array, t: Array, shift: float
) -> Array:
    """E(r + x, alpha + T, a, b + x + shift; t), elementwise, in blocks of elements.

    Callers that have repeated (x, T) pairs evaluate it once per distinct pair (the
    prediction wrappers do); the blocks keep the temporaries of the special function small.
    """
    shape = x.shape
    x, T, t = (v.ravel() for v in (x, T, t))
    out = np.empty(x.shape[0])
    for lo in range(0, x.shape[0], _BLOCK):
        blk = slice(lo, lo + _BLOCK)
        xb = x[blk]
        out[blk] = bg_expected_count(r + xb, alpha + T[blk], a, b + xb + shift, t[blk])
    return out.reshape(shape)


def pmf_new_arrays(r: Array, alpha: Array, a: float, b: Array, n: Array, t: Array) -> Array:
    """Eq. (8) with array-valued r, alpha, b (posterior parameters)."""
    log1mz = -np.log1p(t / alpha)
    # t = 0 gives log z = -inf; the n == 0 entries (0 * -inf) are replaced by their limit
    with np.errstate(divide="ignore", invalid="ignore"):
        logz = np.log(t) - np.log(alpha + t)
        log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * log1mz + n * logz
    log_nb = np.where(n == 0, r * log1mz, log_nb)
    first = np.exp(betaln(a, b + n) - betaln(a, b) + log_nb)
    rep = n > 0
    ns = np.where(rep, n, 1.0)
    tail = betainc(ns, r, t / (alpha + t))
    second = np.exp(betaln(a + 1.0, b + ns - 1.0) - betaln(a, b)) * tail
    return np.asarray(first + np.where(rep, second, 0.0), dtype=np.float64)


def observe(
    lam: Array, J: NDArray[np.int64], T: Array, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Observed (x, t_x) of customers buying at rate lam who make at most J repeat purchases."""
    N = rng.poisson(lam * T)
    x = np.minimum(J, N).astype(np.float64)
    rep = x > 0
    t_x = np.zeros_like(T)
    t_x[rep] = T[rep] * rng.beta(x[rep], N[rep] - x[rep] + 1.0)
    return x, t_x
