"""Pieces shared by the BG/NBD and MBG/NBD formulas (pandas-free).

Both models have the purchase process of Fader, Hardie & Lee (2005), "'Counting your
customers' the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2),
275-284: a Poisson rate ``lambda ~ Gamma(r, alpha)`` and dropout ``p ~ Beta(a, b)`` after
purchases. MBG/NBD (Batislam, Denizel & Filiztekin 2007) also lets a customer drop out right
after her first purchase, which shifts ``b`` by one in every expression: ``shift`` below is 0
for BG/NBD and 1 for MBG/NBD.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc, betaln, digamma, expit, gammaln

from ..._rows import BlockGroups, block_groups, value_codes
from ._quadrature import CUT, unimodal
from ._special import bg_expected_count

__all__ = [
    "Prepared",
    "arrays",
    "family_weighted",
    "observe",
    "pmf_new_arrays",
    "posterior_count",
    "prepare",
    "stay_alive",
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
    # parameters with one value per row (covariates) are cut into the same blocks
    per_row: list[Any] = [
        np.ravel(np.broadcast_to(v, shape)) if np.ndim(v) else v for v in (r, alpha, a, b)
    ]
    out = np.empty(x.shape[0])
    for lo in range(0, x.shape[0], _BLOCK):
        blk = slice(lo, lo + _BLOCK)
        rb, alb, ab, bb = (v[blk] if np.ndim(v) else v for v in per_row)
        xb = x[blk]
        out[blk] = bg_expected_count(rb + xb, alb + T[blk], ab, bb + xb + shift, t[blk])
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


def _softplus(v: Array) -> Array:
    return np.asarray(np.logaddexp(0.0, v), dtype=np.float64)


def _stay_f(v: Array, A: Array, c: Array, K: Array, L: Array) -> Array:
    return np.asarray(A * v + c * _softplus(v) - K * _softplus(v + L), dtype=np.float64)


def _stay_df(v: Array, A: Array, c: Array, K: Array, L: Array) -> Array:
    return np.asarray(A + c * expit(v) - K * expit(v + L), dtype=np.float64)


def stay_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: Array,
    T: Array,
    t: Array,
    shift: float,
) -> Array:
    """P(alive at T + t | alive at T, x, T), BG/NBD (shift 0) and MBG/NBD (shift 1).

    A customer alive at T has the posterior lambda ~ Gamma(r + x, alpha + T) and, having
    survived x (BG/NBD) or x + 1 (MBG/NBD) dropout chances, p ~ Beta(a, b + x + shift),
    independently. She can only drop out right after a purchase, so by Poisson thinning
    P(no dropout in (T, T + t] | lambda, p) = exp(-lambda p t) and, averaging over lambda,

        E_p[(1 + p z)^-(r + x)],  z = t / (alpha + T),

    which is 2F1(r + x, a; a + b + x + shift; -z). It is integrated in v = logit(p), where
    the log-integrand ``a v + (K - a - B) softplus(v) - K softplus(v + log1p(z))``
    (``K = r + x``, ``B = b + x + shift``) is unimodal: its derivative times a positive
    factor is a quadratic in ``exp(v)`` with one positive root (the mode, in closed form).
    Far from the mode the log-integrand is linear with slopes ``a`` (left) and ``-B``
    (right), which bounds the range where it is within ``exp(-40)`` of its maximum; each
    side gets Gauss-Legendre panels of 16 nodes and doubling width, 3 of them, one more
    each time ``min(a, B)`` falls below 1, 0.3, 0.1 and two more below 0.03 (that side is
    long and the mode's bend needs the finer panels): 3e-12 relative accuracy against hyp2f1
    over ``r`` in [0.05, 20], ``a``, ``b`` down to 0.05 (1e-8 at ``a = 0.001``), ``x`` up
    to 1e5 and horizons up to 5000 times ``alpha + T``.
    """
    r_, al, a_, b_, x_, T_, t_ = arrays(r, alpha, a, b, x, T, t)
    shape = x_.shape
    r_, al, a_, b_, x_, T_, t_ = (v.ravel() for v in (r_, al, a_, b_, x_, T_, t_))
    out = np.ones(x_.shape[0])
    pos = t_ > 0
    if not np.any(pos):
        return out.reshape(shape)
    K = (r_ + x_)[pos]
    A = a_[pos]
    B = (b_ + x_ + shift)[pos]
    L = np.log1p(t_[pos] / (al[pos] + T_[pos]))
    c = K - A - B
    k = np.exp(L)
    # the mode: the positive root of -B k s^2 + (A (1 + k) + c - K k) s + A, s = exp(v)
    q = A * (1.0 + k) + c - K * k
    disc = np.sqrt(q * q + 4.0 * B * k * A)
    s_star = np.where(q > 0, (q + disc) / (2.0 * B * k), 2.0 * A / (disc - q))
    v_star = np.log(s_star)
    # brackets where the log-integrand has surely fallen by CUT (see the docstring bounds)
    m_left = K * _softplus(v_star + L) - c * _softplus(v_star)
    m_right = K * _softplus(-v_star - L) + np.maximum(-c, 0.0) * _softplus(-v_star)
    lo = v_star - (CUT + m_left) / A - 1.0
    hi = v_star + (CUT + m_right) / B + 1.0
    # a small Beta parameter stretches that side of the mode: more (doubling) panels there
    log_int = np.empty(K.shape[0])
    smallest = np.minimum(A, B)
    panels_of = 3 + (smallest < 1.0) + (smallest < 0.3) + (smallest < 0.1) + 2 * (smallest < 0.03)
    for panels in np.unique(panels_of):
        rows = np.flatnonzero(panels_of == panels)
        if rows.size:
            quad = unimodal(
                _stay_f,
                _stay_df,
                lo[rows],
                hi[rows],
                (A[rows], c[rows], K[rows], L[rows]),
                n=16,
                panels=panels,
            )
            log_int[rows] = quad.log_value
    out[pos] = np.exp(log_int - betaln(A, B))
    return np.minimum(out, 1.0).reshape(shape)
