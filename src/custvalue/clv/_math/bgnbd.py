"""BG/NBD (beta-geometric / negative binomial distribution) formulas, pandas-free.

Reference: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting your customers' the
easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284; and
Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model" (note).

Model: while alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` (rate
alpha); after every repeat purchase she drops out with probability ``p ~ Beta(a, b)``.
Data per customer: ``x`` repeat purchases, the last at ``t_x``, observed over ``(0, T]``.

Parameters are (r, alpha, a, b); alpha has the unit of time, r, a, b are unit-free.
All functions broadcast over the data arrays and work in log space.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc, betaln, digamma, expit, gammaln

from ._special import bg_expected_count, distinct_rows

__all__ = [
    "expected_purchases",
    "expected_purchases_alive",
    "expected_purchases_new",
    "loglik",
    "loglik_grad",
    "prob_alive",
    "prepare",
    "prob_no_purchase",
    "purchase_pmf",
    "purchase_pmf_new",
    "sample",
    "weighted_loglik_grad",
]

Array = NDArray[np.float64]


def _terms(
    r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, T: Array
) -> tuple[Array, Array, Array, NDArray[np.bool_]]:
    """Log of the two likelihood terms of eq. (6) (the second is -inf where x == 0)."""
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    rep = x > 0
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    l1 = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    l2 = np.full(x.shape, -np.inf)
    xr = x[rep]
    l2[rep] = betaln(a + 1.0, b + xr - 1.0) - (r + xr) * np.log(alpha + t_x[rep])
    return (
        np.asarray(head, dtype=np.float64),
        np.asarray(l1, dtype=np.float64),
        np.asarray(l2, dtype=np.float64),
        rep,
    )


def loglik(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Per-customer log-likelihood, Fader, Hardie & Lee (2005) eq. (6).

    ``L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))``,
    summed in log space with ``logaddexp``.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> bgnbd.loglik(0.243, 4.414, 0.793, 2.426, [0, 2], [0.0, 30.43], [38.86, 38.86]).round(4)
    array([-0.5547, -9.4586])
    """
    head, l1, l2, _ = _terms(r, alpha, a, b, *_arrays(x, t_x, T))
    return np.asarray(head + np.logaddexp(l1, l2), dtype=np.float64)


def _arrays(*values: ArrayLike) -> tuple[Array, ...]:
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return tuple(np.asarray(v, dtype=np.float64) for v in arrs)


def loglik_grad(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[Array, Array]:
    """Per-customer log-likelihood (eq. 6) and its gradient w.r.t. (r, alpha, a, b).

    Returns
    -------
    ll : ndarray, shape (n,)
    grad : ndarray, shape (n, 4)
        Analytic derivatives (digamma differences) of ``ll`` in the natural parameters.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> ll, g = bgnbd.loglik_grad(0.243, 4.414, 0.793, 2.426, [2], [30.43], [38.86])
    >>> g.shape
    (1, 4)
    """
    x, t_x, T = _arrays(x, t_x, T)
    head, l1, l2, rep = _terms(r, alpha, a, b, x, t_x, T)
    tot = np.logaddexp(l1, l2)
    w2 = np.exp(l2 - tot)  # share of the "dropped out after t_x" term; 0 where x == 0
    w1 = 1.0 - w2
    # the second term only exists for x > 0; compute its pieces on safe values elsewhere
    xs = np.where(rep, x, 1.0)
    lt = np.log(alpha + T)
    ltx = np.log(alpha + t_x)
    g = np.empty(x.shape + (4,), dtype=np.float64)
    g[:, 0] = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * lt - w2 * ltx
    g[:, 1] = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    dab = digamma(a + b)
    dabx = digamma(a + b + x)
    g[:, 2] = dab - dabx + w2 * (digamma(a + 1.0) - digamma(a))
    g[:, 3] = (
        dab
        - dabx
        - digamma(b)
        + w1 * digamma(b + x)
        + w2 * np.where(rep, digamma(b + xs - 1.0), 0.0)
    )
    del ltx
    return np.asarray(head + tot, dtype=np.float64), g


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
    x_, tx_, T_, c_ = _arrays(x, t_x, T, counts)
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


def _family_weighted(
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


def weighted_loglik_grad(
    r: float, alpha: float, a: float, b: float, prepared: Prepared
) -> tuple[float, Array]:
    """``(sum_i c_i ll_i, sum_i c_i grad_i)`` of eq. (6) over :func:`prepare`'d data."""
    return _family_weighted(r, alpha, a, b, prepared, 0.0)


def prob_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """P(alive at T | x, t_x, T): Fader, Hardie & Lee (2008) note, eq. (2).

    ``1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))``, computed
    as ``expit(-log odds)``; exactly 1 for x == 0 (no dropout before the first repeat purchase).

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> bgnbd.prob_alive(0.243, 4.414, 0.793, 2.426, [26], [30.857], [31.0]).round(4)
    array([0.9689])
    """
    x, t_x, T = _arrays(x, t_x, T)
    rep = x > 0
    xs = np.where(rep, x, 1.0)
    log_odds = (
        np.log(a) - np.log(b + xs - 1.0) + (r + xs) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(rep, expit(-log_odds), 1.0)


def expected_purchases(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """E[Y(t) | x, t_x, T]: purchases in (T, T + t], Fader, Hardie & Lee (2005) eq. (10).

    Evaluated as ``P(alive) * E(r + x, alpha + T, a, b + x; t)`` where ``E`` is eq. (9) at the
    updated parameters (:func:`~custvalue.clv._math._special.bg_expected_count`), which is
    algebraically eq. (10) and stays finite for a = 1 and n_repeat up to 1e5.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> bgnbd.expected_purchases(0.243, 4.414, 0.793, 2.426, [2], [30.43], [38.86], 39).round(3)
    array([1.226])
    """
    x, t_x, T, t = _arrays(x, t_x, T, t)
    pa = prob_alive(r, alpha, a, b, x, t_x, T)
    return pa * expected_purchases_alive(r, alpha, a, b, x, T, t)


def expected_purchases_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> Array:
    """E[Y(t) | alive at T, x, T]: eq. (10) divided by P(alive), free of t_x.

    ``E(r + x, alpha + T, a, b + x; t)``, eq. (9) at the posterior parameters of a customer
    known to be alive at T, so ``expected_purchases = prob_alive * expected_purchases_alive``.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> bgnbd.expected_purchases_alive(0.243, 4.414, 0.793, 2.426, [0], [38.86], 52).round(3)
    array([0.252])
    """
    x, T, t = _arrays(x, T, t)
    return _posterior_count(r, alpha, a, b, x, T, t, 0.0)


def _posterior_count(
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


def expected_purchases_new(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> Array:
    """E[X(t)] for a customer who has just made her first purchase, eq. (9).

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> round(float(bgnbd.expected_purchases_new(0.243, 4.414, 0.793, 2.426, 52)), 3)
    1.446
    """
    t_arr = np.asarray(t, dtype=np.float64)
    return bg_expected_count(r, alpha, a, b, t_arr)


def prob_no_purchase(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(no purchase in (T, T + t] | x, t_x, T): the churn risk over the next ``t``.

    A customer alive at T keeps her purchase rate, whose posterior is
    Gamma(r + x, alpha + T), and can only drop out right after a purchase, so
    ``P = 1 - P(alive) + P(alive) * ((alpha + T) / (alpha + T + t))^(r + x)``
    (Fader, Hardie & Lee 2005, the reasoning behind eqs. 7-8 applied to the posterior).
    """
    x, t_x, T, t = _arrays(x, t_x, T, t)
    pa = prob_alive(r, alpha, a, b, x, t_x, T)
    stay = np.exp(-(r + x) * np.log1p(t / (alpha + T)))
    return (1.0 - pa) + pa * stay


def purchase_pmf_new(
    r: float, alpha: float, a: float, b: float, n: ArrayLike, t: ArrayLike
) -> Array:
    """P(X(t) = n) for a new customer, Fader, Hardie & Lee (2005) eq. (8).

    ``B(a, b+n)/B(a, b) NB(n; r, alpha/(alpha+t)) + [n > 0] B(a+1, b+n-1)/B(a, b)
    P(NB >= n)``, where the negative binomial tail is the regularised incomplete beta
    ``I_z(n, r)``, ``z = t / (alpha + t)``.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> p = bgnbd.purchase_pmf_new(0.243, 4.414, 0.793, 2.426, [0, 1, 2], 39.0)
    >>> bool(0 < p.sum() < 1)
    True
    """
    n, t = _arrays(n, t)
    return _pmf_new_arrays(
        np.asarray(r, dtype=np.float64),
        np.asarray(alpha, dtype=np.float64),
        a,
        np.asarray(b, dtype=np.float64),
        n,
        t,
    )


def purchase_pmf(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    n: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(Y(t) = n | x, t_x, T): purchases in (T, T + t] given the history.

    A customer alive at T behaves like a new customer with posterior parameters
    (r + x, alpha + T, a, b + x), so
    ``P = [n == 0] (1 - P(alive)) + P(alive) * pmf_new(n; r + x, alpha + T, a, b + x)``
    (eq. 8 at updated parameters).
    """
    x, t_x, T, n, t = _arrays(x, t_x, T, n, t)
    pa = prob_alive(r, alpha, a, b, x, t_x, T)
    new = _pmf_new_arrays(r + x, alpha + T, a, b + x, n, t)
    return np.where(n == 0, 1.0 - pa, 0.0) + pa * new


def _pmf_new_arrays(r: Array, alpha: Array, a: float, b: Array, n: Array, t: Array) -> Array:
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


def sample(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: ArrayLike,
    rng: np.random.Generator,
) -> tuple[Array, Array]:
    """Simulate (x, t_x) for customers observed over (0, T] (model of Fader et al. 2005, sec. 2).

    ``lambda ~ Gamma(r, alpha)``, ``p ~ Beta(a, b)``; the customer survives a Geometric(p)
    number ``J >= 1`` of repeat purchases (dropping out right after the J-th); purchases
    follow a Poisson process, so with ``N ~ Poisson(lambda T)`` events in (0, T],
    ``x = min(J, N)`` and the x-th of N uniform event times is ``T * Beta(x, N - x + 1)``.
    """
    T = np.asarray(T, dtype=np.float64)
    n = T.shape[0]
    lam = np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64)
    p = np.asarray(rng.beta(a, b, size=n), dtype=np.float64)
    J = rng.geometric(np.clip(p, 1e-300, 1.0), size=n)
    return _observe(lam, J, T, rng)


def _observe(
    lam: Array, J: NDArray[np.int64], T: Array, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Observed (x, t_x) of customers buying at rate lam who make at most J repeat purchases."""
    N = rng.poisson(lam * T)
    x = np.minimum(J, N).astype(np.float64)
    rep = x > 0
    t_x = np.zeros_like(T)
    t_x[rep] = T[rep] * rng.beta(x[rep], N[rep] - x[rep] + 1.0)
    return x, t_x
