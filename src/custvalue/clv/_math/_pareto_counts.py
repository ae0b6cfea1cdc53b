"""Pareto/NBD purchase counts: P(n purchases in (T, T + t]) (pandas-free).

Pieces of :mod:`.paretonbd`: the new-customer count distribution (Fader & Hardie 2005, "A
note on deriving the Pareto/NBD model and related expressions", eq. 23; FH05) by deterministic
quadrature, and the conditional one of a customer with history at the posterior parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, gammaln

__all__ = ["purchase_pmf", "purchase_pmf_new"]

FloatArray = NDArray[np.float64]

_CUT = 36.0  # integrand range cut where it has fallen below exp(-_CUT) of its maximum


def _arrays(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(v, dtype=float) for v in np.broadcast_arrays(*values)]


def _prob_alive(*args: ArrayLike) -> FloatArray:
    from .paretonbd import prob_alive  # (the counts module is imported by paretonbd)

    return prob_alive(*args)  # type: ignore[arg-type]


def _pmf_alive(
    r: FloatArray, alpha: FloatArray, s: float, beta: FloatArray, n: FloatArray, t: FloatArray
) -> FloatArray:
    """Compute P(n purchases in (0, t]) for a customer alive at 0 (FH05 eq. (23)).

    lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta); every argument but s elementwise.

    Gamma(r+n)/(Gamma(r) n!) alpha^r [t^n (alpha+t)^-(r+n) (beta/(beta+t))^s
    + s beta^s integral_0^t u^n (alpha+u)^-(r+n) (beta+u)^-(s+1) du]
    (alive through t, or dropped out at u < t after n purchases). The integrand is
    log-concave in v = log(u); it is integrated by Gauss-Legendre (96 nodes each side of the
    mode, found by bisection) over the range where it is within exp(-36) of its maximum.
    """
    r, alpha, beta, n, t = (v.ravel() for v in _arrays(r, alpha, beta, n, t))
    out = np.where(n == 0, 1.0, 0.0)
    pos = t > 0
    if not np.any(pos):
        return out
    r, alpha, beta, n, t = (v[pos] for v in (r, alpha, beta, n, t))
    la, lb = np.log(alpha), np.log(beta)
    log_coef = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * la
    log_alive = n * np.log(t) - (r + n) * np.log(alpha + t) + s * (lb - np.log(beta + t))

    def g(v: FloatArray, c: int) -> FloatArray:
        # log of u^(n+1) (alpha+u)^-(r+n) (beta+u)^-(s+1) at u = exp(v) (du = u dv)
        sl = (slice(None),) + (None,) * c
        return (
            (n[sl] + 1.0) * v
            - (r + n)[sl] * np.logaddexp(la[sl], v)
            - (s + 1.0) * np.logaddexp(lb[sl], v)
        )

    def slope(v: FloatArray) -> FloatArray:
        out = (n + 1.0) - (r + n) * expit(v - la) - (s + 1.0) * expit(v - lb)
        return np.asarray(out, dtype=np.float64)

    hi = np.log(t)
    # slope > 0 far left (-> n + 1), < 0 far right (-> -(r + s)): bisect for the mode
    lo = np.minimum(np.minimum(la, lb), hi) - (60.0 + np.log1p(n))
    mode = np.where(slope(hi) > 0, hi, _bisect(lambda v: slope(v) > 0, lo, hi))
    g_mode = g(mode, 0)
    v_lo = _bisect(lambda v: g(v, 0) < g_mode - _CUT, lo, mode)
    v_hi = np.where(
        g(hi, 0) < g_mode - _CUT, _bisect(lambda v: g(v, 0) >= g_mode - _CUT, mode, hi), hi
    )
    xg, wg = np.polynomial.legendre.leggauss(96)
    xg, wg = (xg + 1.0) / 2.0, wg / 2.0
    total = np.zeros(n.shape)
    for a_, b_ in ((v_lo, mode), (mode, v_hi)):
        nodes = a_[:, None] + (b_ - a_)[:, None] * xg[None, :]
        vals = (np.exp(g(nodes, 1) - g_mode[:, None]) * wg).sum(axis=1)  # per row, not BLAS
        total += (b_ - a_) * vals
    log_dead = np.log(s) + s * lb + g_mode + np.log(total)
    out[pos] = np.exp(log_coef + np.logaddexp(log_alive, log_dead))
    return out


def purchase_pmf_new(
    r: float, alpha: float, s: float, beta: float, n: ArrayLike, t: ArrayLike
) -> FloatArray:
    """P(X(t) = n) for a new customer, FH05 eq. (23) (see ``_pmf_alive``).

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import purchase_pmf_new
    >>> p = purchase_pmf_new(0.553, 10.578, 0.606, 11.669, range(200), 52.0)
    >>> round(float(p.sum()), 10)
    1.0
    """
    nn, tt = _arrays(n, t)
    shape = nn.shape
    one = np.ones(shape)
    return _pmf_alive(r * one, alpha * one, s, beta * one, nn, tt).reshape(shape)


def purchase_pmf(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    n: ArrayLike,
    t: ArrayLike,
) -> FloatArray:
    """P(Y(t) = n | x, t_x, T): n purchases in (T, T + t] given the history.

    A customer dead at T buys nothing; one alive at T is a new customer with the posterior
    lambda ~ Gamma(r + x, alpha + T), mu ~ Gamma(s, beta + T) (FH05 sections 3-4), so
    P = [n = 0] (1 - P(alive)) + P(alive) P_new(n, t; r + x, alpha + T, s, beta + T).

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import purchase_pmf
    >>> p = purchase_pmf(0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86, range(100), 39.0)
    >>> round(float(p.sum()), 10)
    1.0
    """
    x, t_x, T, nn, tt = _arrays(x, t_x, T, n, t)
    shape = x.shape
    pa = _prob_alive(r, alpha, s, beta, x, t_x, T)
    cond = _pmf_alive(r + x, alpha + T, s, beta + T, nn, tt).reshape(shape)
    return np.where(nn == 0, 1.0 - pa, 0.0) + pa * cond


def _bisect(
    left_of: Callable[[FloatArray], NDArray[np.bool_]], lo: FloatArray, hi: FloatArray
) -> FloatArray:
    """Vectorised bisection: the point where ``left_of`` turns from True to False."""
    a, b = lo.copy(), hi.copy()
    for _ in range(64):
        mid = 0.5 * (a + b)
        go_right = left_of(mid)
        a = np.where(go_right, mid, a)
        b = np.where(go_right, b, mid)
    return 0.5 * (a + b)
