"""Pareto/NBD formulas (pandas-free).

Model (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)): while alive a
customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; the lifetime is
exponential with rate ``mu ~ Gamma(s, beta)``. Data per customer: ``x`` repeat purchases,
the time ``t_x`` of the last one and the length ``T`` of observation.

Expressions follow Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
Related Expressions" (FH05 below), but the Gaussian hypergeometric functions there are never
evaluated: every 2F1 term is the integral

    I(a, b; lo, hi) = integral_lo^hi (alpha + y)^-a (beta + y)^-b dy,

computed by fixed Gauss-Legendre quadrature in log space (:mod:`._powerint`, ~1e-13
relative accuracy, checked against mpmath in the tests). The endpoints do not depend on the
parameters, so gradients are integrals of the same integrand times d log(integrand) / d
theta, taken at the same nodes, and so is the exact Hessian (``weighted_loglik_grad_hess``:
second moments of those derivatives at the same nodes).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, exprel, gammaln, polygamma

from ..._rowkey import value_codes
from ._pareto_counts import purchase_pmf, purchase_pmf_new
from ._powerint import (
    N_NODES,
    N_NODES_EASY,
    N_NODES_SMOOTH,
    PAIRS,
    Integral,
    log_power_integral,
    log_power_integral_cov,
)
from ._powerint import _eight_node_rows as _eight_node_rows  # (tested directly)

__all__ = [
    "N_NODES",
    "N_NODES_EASY",
    "N_NODES_SMOOTH",
    "expected_purchases",
    "expected_purchases_alive",
    "expected_purchases_new",
    "loglik",
    "loglik_grad",
    "prob_alive",
    "prob_no_purchase",
    "purchase_pmf",
    "purchase_pmf_new",
    "rates",
    "sample",
    "stay_alive",
    "weighted_loglik_grad_hess",
]

FloatArray = NDArray[np.float64]

_ROWS_BLOCK = 1 << 17  # rows per block of the weighted sums (temporaries ~20 MB)
_CUT = 36.0  # integrand range cut where it has fallen below exp(-_CUT) of its maximum
# the quadrature's names as the tests (and earlier versions of this module) know them
_log_power_integral = log_power_integral
_log_power_integral_cov = log_power_integral_cov


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Sum a * b without BLAS (whose threads stall when the machine is busy)."""
    return float(np.einsum("n,n->", a, b))


def _arrays(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(v, dtype=float) for v in np.broadcast_arrays(*values)]


def _log_terms(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    moments: bool = True,
) -> tuple[FloatArray, FloatArray, Integral]:
    """Compute the two terms of the likelihood's bracket, in logs, and the integral.

    The integral's means are computed only with ``moments``; the log value is the same
    either way.
    """
    # Alive at T: (alpha + T)^-(r+x) (beta + T)^-s; dropped out at y in (t_x, T]:
    # s * integral (alpha + y)^-(r+x) (beta + y)^-(s+1) dy   (FH05 eq. 16-18).
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    integral = log_power_integral(r + x, s + 1.0 + 0.0 * x, alpha, beta, t_x, T, moments=moments)
    log_dead = np.log(s) + integral.log_value
    return log_alive, log_dead, integral


def loglik(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer Pareto/NBD log-likelihood.

    FH05 eq. (16): L = Gamma(r+x)/Gamma(r) alpha^r beta^s [(alpha+T)^-(r+x) (beta+T)^-s
    + s integral_{t_x}^T (alpha+y)^-(r+x) (beta+y)^-(s+1) dy].

    Parameters
    ----------
    r, alpha, s, beta : float
        Positive model parameters.
    x, t_x, T : array_like
        Repeat purchases, time of the last purchase, length of observation (0 <= t_x <= T).

    Returns
    -------
    numpy.ndarray
        log L for each customer.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import loglik
    >>> round(float(loglik(0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)[0]), 4)
    -9.562
    """
    return loglik_grad(r, alpha, s, beta, x, t_x, T)[0]


def loglik_grad(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Per-customer log-likelihood and its gradient in (r, alpha, s, beta).

    The gradient is analytic up to quadrature error: the integration range does not
    depend on the parameters, so d/d theta of the integral is the integral of the
    integrand times d log(integrand)/d theta, taken at the same nodes.

    Returns
    -------
    ll : numpy.ndarray, shape (n,)
    grad : numpy.ndarray, shape (n, 4)
        Columns: d/dr, d/dalpha, d/ds, d/dbeta.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import loglik_grad
    >>> ll, g = loglik_grad(0.55, 10.58, 0.61, 11.67, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> g.shape
    (2, 4)
    """
    x, t_x, T = (v.ravel() for v in _arrays(x, t_x, T))
    log_alive, log_dead, integ = _log_terms(r, alpha, s, beta, x, t_x, T)
    log_bracket = np.logaddexp(log_alive, log_dead)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_bracket
    w_alive = np.exp(log_alive - log_bracket)  # P(alive), FH05 eq. (19)
    w_dead = np.exp(log_dead - log_bracket)
    grad = np.empty((x.size, 4))
    grad[:, 0] = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        + w_alive * -np.log(alpha + T)
        + w_dead * -integ.mean_log_a
    )
    grad[:, 1] = r / alpha + w_alive * -(r + x) / (alpha + T) + w_dead * -(r + x) * integ.mean_inv_a
    grad[:, 2] = np.log(beta) + w_alive * -np.log(beta + T) + w_dead * (1.0 / s - integ.mean_log_b)
    grad[:, 3] = s / beta + w_alive * -s / (beta + T) + w_dead * -(s + 1.0) * integ.mean_inv_b
    return ll, grad


def weighted_loglik_grad_hess(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    counts: ArrayLike,
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Weighted log-likelihood, gradient, exact Hessian and outer product of the scores.

    With ``c`` the counts: ``sum c ll``, ``sum c grad`` (as in :func:`loglik_grad`),
    ``sum c hess`` and ``sum c grad grad^T`` (the BHHH matrix), in (r, alpha, s, beta).
    Per customer the bracket of FH05 eq. (16) is A + D (alive and dropped-out terms), so
    with weights wA = A / (A + D), wD = D / (A + D) and scores gA, gD of log A, log D,

        hess log(A + D) = wA hess log A + wD (E[hess psi] + Cov[grad psi])
                          + wA wD (gA - gD)(gA - gD)^T,

    where psi = log s + log of the integrand and E, Cov are under the normalised
    integrand (the same Gauss-Legendre nodes as the value; covariances from centred sums).

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import weighted_loglik_grad_hess
    >>> ll, g, h, opg = weighted_loglik_grad_hess(
    ...     0.55, 10.58, 0.61, 11.67, [0, 2], [0.0, 30.43], [38.86, 38.86], [3, 1]
    ... )
    >>> h.shape, bool(np.allclose(h, h.T))
    ((4, 4), True)
    """
    x, t_x, T, c = (v.ravel() for v in _arrays(x, t_x, T, counts))
    ll, grad = 0.0, np.zeros(4)
    hess, opg = np.zeros((4, 4)), np.zeros((4, 4))
    # blocks of rows: the quadrature's (rows x nodes) temporaries stay small, so time and
    # memory are linear in the rows; every output is a sum over rows
    for lo in range(0, x.shape[0], _ROWS_BLOCK):
        blk = slice(lo, lo + _ROWS_BLOCK)
        b_ll, b_grad, b_hess, b_opg = _weighted_block(
            r, alpha, s, beta, x[blk], t_x[blk], T[blk], c[blk]
        )
        ll += b_ll
        grad += b_grad
        hess += b_hess
        opg += b_opg
    return ll, grad, hess, opg


def _weighted_block(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    c: FloatArray,
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """:func:`weighted_loglik_grad_hess` on one block of rows."""
    a = r + x
    la_T, lb_T = np.log(alpha + T), np.log(beta + T)
    log_alive = -a * la_T - s * lb_T
    integ, cov = log_power_integral_cov(a, s + 1.0 + 0.0 * x, alpha, beta, t_x, T, True, True)
    log_dead = np.log(s) + integ.log_value
    log_bracket = np.logaddexp(log_alive, log_dead)
    w_alive = np.exp(log_alive - log_bracket)
    w_dead = np.exp(log_dead - log_bracket)
    # the gamma-function terms take one value per distinct x
    x_inv, x_u = value_codes(x)
    a_u = r + x_u
    ll = (gammaln(a_u) - gammaln(r))[x_inv] + r * np.log(alpha) + s * np.log(beta) + log_bracket
    g_alive = np.stack([-la_T, -a / (alpha + T), -lb_T, -s / (beta + T)], axis=1)
    g_dead = np.stack(
        [
            -integ.mean_log_a,
            -a * integ.mean_inv_a,
            1.0 / s - integ.mean_log_b,
            -(s + 1.0) * integ.mean_inv_b,
        ],
        axis=1,
    )
    grad = w_alive[:, None] * g_alive + w_dead[:, None] * g_dead
    grad[:, 0] += (digamma(a_u) - digamma(r))[x_inv] + np.log(alpha)
    grad[:, 1] += r / alpha
    grad[:, 2] += np.log(beta)
    grad[:, 3] += s / beta

    assert cov is not None
    # dead term: E[hess psi] + Cov[grad psi], grad psi = const + diag(scale) (log(alpha+y),
    # 1/(alpha+y), log(beta+y), 1/(beta+y)); hess psi has the entries (r, alpha):
    # -1/(alpha+y), (alpha, alpha): a/(alpha+y)^2, (s, s): -1/s^2, (s, beta): -1/(beta+y),
    # (beta, beta): (s+1)/(beta+y)^2. Alive term: hess log A, the same with y = T, a -> a,
    # s + 1 -> s and no -1/s^2.
    one = np.ones_like(a)
    scale = [-one, -a, -one, -(s + 1.0) * one]
    ia_T, ib_T = 1.0 / (alpha + T), 1.0 / (beta + T)
    dead_extra = {
        (0, 1): -integ.mean_inv_a,
        (1, 1): a * (cov[1, 1] + integ.mean_inv_a**2),
        (2, 2): np.full(a.shape, -1.0 / s**2),
        (2, 3): -integ.mean_inv_b,
        (3, 3): (s + 1.0) * (cov[3, 3] + integ.mean_inv_b**2),
    }
    alive_hess = {(0, 1): -ia_T, (1, 1): a * ia_T**2, (2, 3): -ib_T, (3, 3): s * ib_T**2}
    diff = [g_alive[:, i] - g_dead[:, i] for i in range(4)]
    w_both = w_alive * w_dead
    cw_dead, cw_alive, cw_both = c * w_dead, c * w_alive, c * w_both
    hess = np.empty((4, 4))
    for i, j in PAIRS:
        # (einsum, not BLAS dot products: BLAS threads stall on a loaded machine)
        v = _dot(cw_dead * scale[i] * scale[j], cov[i, j])
        if (i, j) in dead_extra:
            v += _dot(cw_dead, dead_extra[(i, j)])
        if (i, j) in alive_hess:
            v += _dot(cw_alive, alive_hess[(i, j)])
        v += _dot(cw_both * diff[i], diff[j])
        hess[i, j] = hess[j, i] = v
    # the terms outside the bracket
    tri = polygamma(1, a_u) - polygamma(1, r)
    hess[0, 0] += _dot(c, tri[x_inv])
    total = float(c.sum())
    hess[0, 1] += total / alpha
    hess[1, 0] += total / alpha
    hess[1, 1] -= total * r / alpha**2
    hess[2, 3] += total / beta
    hess[3, 2] += total / beta
    hess[3, 3] -= total * s / beta**2
    grad_t = np.ascontiguousarray(grad.T)
    opg = np.empty((4, 4))
    for i, j in PAIRS:
        opg[i, j] = opg[j, i] = _dot(c * grad_t[i], grad_t[j])
    return _dot(c, ll), np.array([_dot(c, gi) for gi in grad_t]), hess, opg


def prob_alive(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(alive at T | x, t_x, T), FH05 eq. (19): the alive term over the bracket.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import prob_alive
    >>> round(float(prob_alive(0.553, 10.578, 0.606, 11.669, 26, 30.857, 31)[()]), 5)
    0.99787
    """
    x, t_x, T = _arrays(x, t_x, T)
    shape = x.shape
    log_alive, log_dead, _ = _log_terms(
        r, alpha, s, beta, x.ravel(), t_x.ravel(), T.ravel(), moments=False
    )
    # 1 / (1 + exp(log_dead - log_alive)) without overflow
    return np.exp(log_alive - np.logaddexp(log_alive, log_dead)).reshape(shape)


def _rate_times_horizon(s: float, base: FloatArray, t: FloatArray) -> FloatArray:
    """Compute (base / (s - 1)) [1 - (base / (base + t))^(s-1)], and its limit at s = 1.

    The limit is base log(1 + t/base).

    Written as base * L * exprel(-(s - 1) L), L = log1p(t / base), which is smooth in s
    through s = 1 (FH05 eq. (22); the limit is the removable singularity at s = 1).
    """
    L = np.log1p(t / base)
    return np.asarray(base * L * exprel(-(s - 1.0) * L), dtype=np.float64)


def expected_purchases(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> FloatArray:
    """Conditional expectation E[Y(t) | x, t_x, T] of purchases in (T, T + t].

    FH05 eq. (22): P(alive) (r + x)(beta + T) / ((alpha + T)(s - 1))
    [1 - ((beta + T)/(beta + T + t))^(s-1)], evaluated at its limit near s = 1.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import expected_purchases
    >>> round(float(expected_purchases(0.553, 10.578, 0.606, 11.669, 26, 30.857, 31, 52)[()]), 2)
    25.46
    """
    x, t_x, T, tt = _arrays(x, t_x, T, t)
    pa = prob_alive(r, alpha, s, beta, x, t_x, T)
    return pa * (r + x) / (alpha + T) * _rate_times_horizon(s, beta + T, tt)


def expected_purchases_alive(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> FloatArray:
    """E[Y(t) | alive at T, x, T]: FH05 eq. (22) without its P(alive) factor, free of t_x.

    ``(r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T)/(beta + T + t))^(s-1)]``
    (the posterior purchase rate times the expected lifetime in (T, T + t]), so
    ``expected_purchases = prob_alive * expected_purchases_alive``.
    """
    x, T, tt = _arrays(x, T, t)
    return (r + x) / (alpha + T) * _rate_times_horizon(s, beta + T, tt)


def expected_purchases_new(
    r: float, alpha: float, s: float, beta: float, t: ArrayLike
) -> FloatArray:
    """E[X(t)] for a new customer, FH05 eq. (21).

    ``r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]``.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import expected_purchases_new
    >>> round(float(expected_purchases_new(0.553, 10.578, 0.606, 11.669, 52)), 3)
    1.473
    """
    tt = np.asarray(t, dtype=float)
    return r / alpha * _rate_times_horizon(s, np.full(tt.shape, float(beta)), tt)


def prob_no_purchase(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> FloatArray:
    """P(no purchase in (T, T + t] | x, t_x, T).

    Derivation: a customer dead at T makes none; one alive at T has the posterior
    lambda ~ Gamma(r + x, alpha + T), mu ~ Gamma(s, beta + T) (independent), and by the
    memoryless lifetime P(none in t | lambda, mu) = exp(-(lambda + mu) t) +
    integral_0^t mu exp(-(lambda + mu) u) du. Averaging over the posterior gives the
    likelihood bracket of FH05 eq. (16) shifted to (T, T + t]:
    ((alpha+T)/(alpha+T+t))^(r+x) ((beta+T)/(beta+T+t))^s
    + s (alpha+T)^(r+x) (beta+T)^s integral_T^{T+t} (alpha+y)^-(r+x) (beta+y)^-(s+1) dy.
    Result: 1 - P(alive) + P(alive) * that.

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import prob_no_purchase
    >>> p = prob_no_purchase(0.553, 10.578, 0.606, 11.669, 0, 0.0, 38.86, 0.0)
    >>> float(p)
    1.0
    """
    x, t_x, T, tt = _arrays(x, t_x, T, t)
    shape = x.shape
    x, t_x, T, tt = (v.ravel() for v in (x, t_x, T, tt))
    pa = prob_alive(r, alpha, s, beta, x, t_x, T)
    log_stay = -(r + x) * np.log1p(tt / (alpha + T)) - s * np.log1p(tt / (beta + T))
    integ = log_power_integral(r + x, s + 1.0 + 0.0 * x, alpha, beta, T, T + tt)
    log_drop = np.log(s) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + integ.log_value
    none_if_alive = np.minimum(np.exp(np.logaddexp(log_stay, log_drop)), 1.0)
    return np.asarray(((1.0 - pa) + pa * none_if_alive).reshape(shape), dtype=np.float64)


def sample(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: ArrayLike,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Draw (x, t_x) for customers observed for T, from the Pareto/NBD generative model.

    lambda ~ Gamma(r, rate alpha), mu ~ Gamma(s, rate beta), lifetime ~ Exp(mu); purchases
    are Poisson(lambda) until min(lifetime, T); t_x is the largest of x uniform times on
    [0, min(lifetime, T)] (0 when x = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv._math.paretonbd import sample
    >>> x, t_x = sample(0.5, 10.0, 0.6, 11.0, np.full(5, 39.0), np.random.default_rng(0))
    >>> bool(np.all(t_x <= 39.0))
    True
    """
    TT = np.asarray(T, dtype=float)
    lam = rng.gamma(r, 1.0 / alpha, size=TT.shape)
    mu = rng.gamma(s, 1.0 / beta, size=TT.shape)
    life = rng.exponential(1.0, size=TT.shape) / mu
    active = np.minimum(life, TT)
    x = rng.poisson(lam * active).astype(float)
    u = rng.random(size=TT.shape)
    with np.errstate(divide="ignore"):
        frac = np.where(x > 0, u ** (1.0 / np.maximum(x, 1.0)), 0.0)
    return x, active * frac


def stay_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> FloatArray:
    """P(alive at T + t | alive at T, x, T) = ((beta + T) / (beta + T + t))^s.

    A customer alive at T has the posterior dropout rate mu ~ Gamma(s, beta + T) and an
    exponential (memoryless) lifetime: E[exp(-mu t)] (FH05 section 4).

    Examples
    --------
    >>> from custvalue.clv._math.paretonbd import stay_alive
    >>> round(float(stay_alive(0.553, 10.578, 0.606, 11.669, 26, 31.0, 52.0)), 4)
    0.617
    """
    _x, T_, t_, b_ = _arrays(x, T, t, beta)
    return np.asarray(np.exp(-s * np.log1p(t_ / (b_ + T_))), dtype=np.float64)


def rates(
    r: float, alpha: float, s: float, beta: float, n: int, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """Draw new customers' purchase and dropout rates (per time unit).

    ``lambda ~ Gamma(r, rate alpha)``, ``mu ~ Gamma(s, rate beta)`` (Schmittlein, Morrison
    & Colombo 1987).
    """
    return {
        "purchase_rate": np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64),
        "dropout_rate": np.asarray(rng.gamma(s, 1.0 / beta, size=n), dtype=np.float64),
    }
