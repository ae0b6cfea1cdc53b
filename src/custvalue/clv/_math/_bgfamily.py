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

from ._special import bg_expected_count, distinct_rows

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


class Prepared(NamedTuple):
    """Compressed data arranged for :func:`weighted_loglik_grad` (built once per fit)."""

    x: Array
    t_x: Array
    T: Array
    counts: Array
    ux: Array  # distinct n_repeat values
    ix: NDArray[np.intp]  # row -> position in ux
    starts: NDArray[np.intp] | None  # first row of each x when rows are sorted by x
    cx: Array  # summed counts per distinct n_repeat
    total: float
    uT: Array  # distinct tenures and row -> position (functions of alpha + T are
    iT: NDArray[np.intp]  # evaluated once per distinct value, then gathered)
    utx: Array
    itx: NDArray[np.intp]


def prepare(x: ArrayLike, t_x: ArrayLike, T: ArrayLike, counts: ArrayLike) -> Prepared:
    """Group rows by n_repeat so x-only special functions are evaluated once per value."""
    x_, tx_, T_, c_ = arrays(x, t_x, T, counts)
    ux, ix = np.unique(x_, return_inverse=True)
    starts = None
    if x_.shape[0] and np.all(x_[1:] >= x_[:-1]):
        starts = np.flatnonzero(np.r_[True, x_[1:] != x_[:-1]])
    cx = np.asarray(np.bincount(ix, weights=c_, minlength=ux.shape[0]), dtype=np.float64)
    uT, iT = np.unique(T_, return_inverse=True)
    utx, itx = np.unique(tx_, return_inverse=True)
    return Prepared(x_, tx_, T_, c_, ux, ix, starts, cx, float(c_.sum()), uT, iT, utx, itx)


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
    distinct x values; per row only two logs, one exp, one log1p and weighted sums remain.
    """
    ux, c = d.ux, d.counts
    has2 = ux + shift > 0
    us = np.where(has2, ux, 1.0 - shift)
    lba = betaln(a, b)
    head = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) - lba
    b1 = betaln(a, b + ux + shift)
    # a large negative stand-in for log(0) keeps the arithmetic finite where the second term
    # does not exist (BG/NBD, x = 0); exp() of it underflows to exactly 0
    b2 = np.where(has2, betaln(a + 1.0, b + us + shift - 1.0), -1e300)
    lt = np.log(alpha + d.uT)[d.iT]
    ltx = np.log(alpha + d.utx)[d.itx]
    rx = r + d.x
    l1 = b1[d.ix] - rx * lt
    diff = b2[d.ix] - rx * ltx - l1  # l2 - l1
    e = np.exp(-np.abs(diff))
    tot = l1 + np.maximum(diff, 0.0) + np.log1p(e)  # logaddexp(l1, l2)
    w2 = np.where(diff > 0, 1.0, e) / (1.0 + e)  # exp(l2 - tot)
    cw2 = c * w2
    if d.starts is not None:
        w2x = np.add.reduceat(cw2, d.starts)
    else:
        w2x = np.bincount(d.ix, weights=cw2, minlength=ux.shape[0])
    sw2 = float(w2x.sum())
    ll = float(d.cx @ head) + _dot(c, tot)
    k = digamma(a + b) - digamma(a + b + ux + shift)
    d1 = digamma(b + ux + shift)
    d2 = np.where(has2, digamma(b + us + shift - 1.0), 0.0)
    inv_t = (1.0 / (alpha + d.uT))[d.iT]
    inv_tx = (1.0 / (alpha + d.utx))[d.itx]
    crx = c * rx
    g = np.empty(4)
    g[0] = (
        float(d.cx @ (digamma(r + ux) - digamma(r)))
        + d.total * np.log(alpha)
        - _dot(c, lt)
        - _dot(cw2, ltx - lt)
    )
    g[1] = r / alpha * d.total - _dot(crx, inv_t) - _dot(crx * w2, inv_tx - inv_t)
    g[2] = float(d.cx @ k) + (digamma(a + 1.0) - digamma(a)) * sw2
    g[3] = float(d.cx @ (k - digamma(b) + d1)) + float(w2x @ (d2 - d1))
    return ll, g


def posterior_count(
    r: float, alpha: float, a: float, b: float, x: Array, T: Array, t: Array, shift: float
) -> Array:
    """E(r + x, alpha + T, a, b + x + shift; t), evaluated once per distinct (x, T, t)."""
    shape = x.shape
    x, T, t = (v.ravel() for v in (x, T, t))
    if x.shape[0] < 1000:
        return bg_expected_count(r + x, alpha + T, a, b + x + shift, t).reshape(shape)
    inverse, (ux, uT, ut) = distinct_rows(x, T, t)
    vals = bg_expected_count(r + ux, alpha + uT, a, b + ux + shift, ut)
    return np.asarray(vals[inverse], dtype=np.float64).reshape(shape)


def pmf_new_arrays(r: Array, alpha: Array, a: float, b: Array, n: Array, t: Array) -> Array:
    """eq. (8) with array-valued r, alpha, b (posterior parameters)."""
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
