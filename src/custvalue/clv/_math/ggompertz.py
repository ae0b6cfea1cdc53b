"""GGompertz/NBD formulas (pandas-free).

Model (Bemmaor & Glady 2012, "Modeling purchasing behavior with sudden 'death': a flexible
customer lifetime model", Management Science 58(5), 1012-1021; BG12 below): while alive a
customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; her lifetime is
Gompertz, with hazard ``eta b exp(b tau)`` at age ``tau``, and ``eta ~ Gamma(s, beta_BG)``
across customers, so that the population survival is
``S(tau) = (beta_BG / (beta_BG + exp(b tau) - 1))^s``.

Parametrisation. custvalue's ``beta`` is ``beta_BG / b``, a time scale: with
``c(tau) = (exp(b tau) - 1) / b`` (-> ``tau`` as ``b -> 0``),

    S(tau) = (beta / (beta + c(tau)))^s,

and at ``b = 0`` the model *is* Pareto/NBD with the same ``(r, alpha, s, beta)``. The
initial hazard ``mu0 = eta b`` is ``Gamma(s, beta)``, Pareto/NBD's dropout rate. ``b >= 0``
includes its boundary: on the CDNOW sample the maximum is there (BG12 table 2 report
b = 0.0002, CLVTools' tests 1.1e-6, both with Pareto/NBD's log-likelihood, -9594.98), and in
the paper's parametrisation that point (``b = beta_BG = 0``) cannot be written at all.
CLVTools' and the paper's ``beta`` is ``b`` times this one.

Likelihood (BG12, as CLVTools transcribes it from the authors' Matlab code in its tests;
in this parametrisation, ``K = r + x``):

    L = G(r + x) alpha^r / G(r) * [ (alpha + T)^-K (beta / (beta + c(T)))^s
        + s beta^s integral_{t_x}^T (alpha + y)^-K exp(b y) (beta + c(y))^-(s+1) dy ],

alive at T, or dropped out at ``y`` in (t_x, T]. The integral has no closed form; it is
computed by deterministic Gauss-Legendre quadrature (:mod:`._quadrature`) in the variable
``zeta = log((m + w) / (m + w_lo))``, ``w = c(y)``, ``m = min(alpha, beta, 1 / b)``: in
``w`` the integrand ``(alpha + log1p(b w) / b)^-K (beta + w)^-(s+1)`` is decreasing, and the
substitution moves its singularities (``w = -beta``, ``-1 / b``, and where
``alpha + log1p(b w) / b = 0``) off the real axis or far to the left, as for Pareto/NBD
(:mod:`._powerint`). Gradients are means, under the normalised integrand at the same nodes,
of the derivatives of its logarithm (the limits of the ``y`` integral do not depend on the
parameters). Checked against mpmath in the tests.

Everything conditional on being alive at ``T`` is the new-customer quantity at posterior
parameters: ``lambda ~ Gamma(r + x, alpha + T)``, and since ``c(T + u) = c(T) + exp(b T)
c(u)`` the residual lifetime is GGompertz with the same ``b, s`` and ``beta' = (beta + c(T))
exp(-b T)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, exprel, gammaln

from ._gompertz_clock import _arrays, _dclock_ratio, _dead_integral, _ell, _ratios, _scale
from ._gompertz_clock import clock as clock
from ._gompertz_clock import log_beta_clock as log_beta_clock
from ._quadrature import unimodal

__all__ = [
    "expected_purchases",
    "expected_purchases_alive",
    "expected_purchases_new",
    "lifetime",
    "loglik",
    "loglik_grad",
    "prob_alive",
    "prob_no_purchase",
    "purchase_pmf",
    "purchase_pmf_new",
    "rates",
    "sample",
    "stay_alive",
    "survival",
]

Array = NDArray[np.float64]


def _log_terms(
    r: Array,
    alpha: Array,
    b: float,
    s: float,
    beta: Array,
    x: Array,
    t_x: Array,
    T: Array,
    moments: bool = True,
) -> tuple[Array, Array, dict[str, Array]]:
    """Log of the alive and dropped-out terms of the likelihood's bracket (and the quadrature)."""
    K = r + x
    log_alive = -K * np.log(alpha + T) + s * np.log(beta) - s * log_beta_clock(beta, T, b)
    log_int, means = _dead_integral(K, alpha, b, s, beta, t_x, T, moments)
    log_dead = np.log(s) + s * np.log(beta) + log_int
    return log_alive, log_dead, means


def loglik(
    r: float,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Per-customer log-likelihood (BG12; see the module docstring).

    Examples
    --------
    >>> from custvalue.clv._math import ggompertz, paretonbd
    >>> ll = ggompertz.loglik(0.55, 10.58, 0.0, 0.61, 11.67, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> bool(np.allclose(ll, paretonbd.loglik(0.55, 10.58, 0.61, 11.67, [0, 2], [0.0, 30.43],
    ...                                       [38.86, 38.86]), rtol=1e-12))
    True
    """
    return loglik_grad(r, alpha, b, s, beta, x, t_x, T)[0]


def loglik_grad(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> tuple[Array, Array]:
    """Per-customer log-likelihood and its gradient in (r, alpha, b, s, beta).

    Returns
    -------
    ll : numpy.ndarray, shape (n,)
    grad : numpy.ndarray, shape (n, 5)
        Columns d/dr, d/dalpha, d/db, d/ds, d/dbeta. At ``b = 0`` the d/db column is the
        one-sided derivative into ``b > 0`` (the fit's test of the Pareto/NBD boundary).
    """
    r_, al, be, x_, tx, T_ = (v.ravel() for v in _arrays(r, alpha, beta, x, t_x, T))
    b = float(b)
    K = r_ + x_
    log_alive, log_dead, mu = _log_terms(r_, al, b, s, be, x_, tx, T_)
    log_bracket = np.logaddexp(log_alive, log_dead)
    ll = gammaln(K) - gammaln(r_) + r_ * np.log(al) + log_bracket
    wA = np.exp(log_alive - log_bracket)
    wD = np.exp(log_dead - log_bracket)
    e_log_a, e_inv_a, e_log_b = mu["e_log_a"], mu["e_inv_a"], mu["e_log_b"]
    e_inv_b, e_y, e_dc = mu["e_inv_b"], mu["e_y"], mu["e_dc"]
    log_bT = log_beta_clock(be, T_, b)
    mT = _scale(al, be, b)
    dc_T = _dclock_ratio(T_, log_beta_clock(mT, T_, b), mT, be, b)
    grad = np.empty((K.size, 5))
    grad[:, 0] = digamma(K) - digamma(r_) + np.log(al) - wA * np.log(al + T_) - wD * e_log_a
    grad[:, 1] = r_ / al - K * (wA / (al + T_) + wD * e_inv_a)
    grad[:, 2] = -wA * s * dc_T + wD * (e_y - (s + 1.0) * e_dc)
    grad[:, 3] = np.log(be) - wA * log_bT + wD * (1.0 / s - e_log_b)
    grad[:, 4] = s / be - wA * s * np.exp(-log_bT) - wD * (s + 1.0) * e_inv_b
    return np.asarray(ll, dtype=np.float64), grad


def prob_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """P(alive at T | x, t_x, T): the alive term of the bracket over the bracket.

    Examples
    --------
    >>> from custvalue.clv._math.ggompertz import prob_alive
    >>> round(float(prob_alive(0.553, 10.578, 0.0, 0.606, 11.669, 26, 30.857, 31)), 5)
    0.99787
    """
    r_, al, be, x_, tx, T_ = _arrays(r, alpha, beta, x, t_x, T)
    shape = x_.shape
    la, ld, _ = _log_terms(
        r_.ravel(),
        al.ravel(),
        float(b),
        s,
        be.ravel(),
        x_.ravel(),
        tx.ravel(),
        T_.ravel(),
        moments=False,
    )
    return np.asarray(np.exp(la - np.logaddexp(la, ld)).reshape(shape), dtype=np.float64)


# --------------------------------------------------------------------------- lifetimes


def survival(b: float, s: float, beta: ArrayLike, t: ArrayLike) -> Array:
    """Return population survival ``S(t) = (beta / (beta + c(t)))^s`` of a new customer."""
    be, tt = _arrays(beta, t)
    return np.asarray(np.exp(-s * (log_beta_clock(be, tt, b) - np.log(be))), dtype=np.float64)


def _posterior_beta(b: float, beta: Array, T: Array) -> Array:
    """Scale of the residual lifetime of a customer alive at T: ``(beta + c(T)) exp(-b T)``."""
    return np.asarray(np.exp(log_beta_clock(beta, T, b) - b * T), dtype=np.float64)


def stay_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(alive at T + t | alive at T) = ``((beta + c(T)) / (beta + c(T + t)))^s``.

    Examples
    --------
    >>> from custvalue.clv._math.ggompertz import stay_alive
    >>> round(float(stay_alive(0.553, 10.578, 0.0, 0.606, 11.669, 26, 31.0, 52.0)), 4)
    0.617
    """
    be, _x, T_, tt = _arrays(beta, x, T, t)
    return survival(float(b), s, _posterior_beta(float(b), be, T_), tt)


def _lt_f(z: Array, lbase: Array, m: Array, beta: Array, s: Array, b: Array) -> Array:
    L = lbase + z  # log(m + w)
    log_bw, _, m_over_1bw = _ratios(L, m, beta, b)
    return np.asarray(-s * log_bw + np.log(m_over_1bw))  # (beta+w)^-s (m+w) / (1+bw)


def _lt_df(z: Array, lbase: Array, m: Array, beta: Array, s: Array, b: Array) -> Array:
    L = lbase + z
    _, m_over_bw, m_over_1bw = _ratios(L, m, beta, b)
    return np.asarray(-s * m_over_bw - b * m_over_1bw + 1.0)


def lifetime(b: float, s: float, beta: ArrayLike, t: ArrayLike) -> Array:
    """Return expected time alive in ``(0, t]`` of a new customer: ``integral_0^t S(u) du``.

    At ``b = 0`` Pareto/NBD's closed form ``beta / (s - 1) [1 - (beta / (beta + t))^(s-1)]``
    (its limit at s = 1); otherwise ``beta^s integral_0^c(t) (beta + w)^-s (1 + b w)^-1 dw``
    by quadrature in ``log((m + w) / m)``, ``m = min(beta, 1 / b)``, where the integrand is
    log-concave.
    """
    be, tt = (v.ravel() for v in _arrays(beta, t))
    shape = np.broadcast_shapes(np.shape(beta), np.shape(t))
    b = float(b)
    if b == 0.0:
        L = np.log1p(tt / be)
        return np.asarray((be * L * exprel(-(s - 1.0) * L)).reshape(shape), dtype=np.float64)
    out = np.zeros(be.shape)
    pos = tt > 0
    if np.any(pos):
        bp = be[pos]
        m = np.minimum(bp, 1.0 / b)
        Z = log_beta_clock(m, tt[pos], b) - np.log(m)
        n = bp.shape[0]
        quad = unimodal(
            _lt_f,
            _lt_df,
            np.zeros(n),
            Z,
            (np.log(m), m, bp, np.full(n, s), np.full(n, b)),
            n=16,
            panels=3,
        )
        out[pos] = np.exp(s * np.log(bp) + quad.log_value)
    return out.reshape(shape)


def expected_purchases_new(
    r: float, alpha: float, b: float, s: float, beta: float, t: ArrayLike
) -> Array:
    """E[X(t)] of a new customer: ``r / alpha * integral_0^t S(u) du``.

    (BG12's expression, ``r/alpha [S(t) t + b s beta_BG^s integral_0^t tau e^{b tau}
    (beta_BG + e^{b tau} - 1)^-(s+1) d tau]``, is the same integral by parts.)

    Examples
    --------
    >>> from custvalue.clv._math.ggompertz import expected_purchases_new
    >>> round(float(expected_purchases_new(0.553, 10.578, 0.0, 0.606, 11.669, 52)), 3)
    1.473
    """
    return np.asarray(r / alpha * lifetime(b, s, beta, t), dtype=np.float64)


def expected_purchases_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """E[Y(t) | alive at T, x, T]: the new-customer expectation at the posterior parameters.

    ``(r + x) / (alpha + T) * integral_0^t S'(u) du`` with the residual-lifetime scale
    ``beta' = (beta + c(T)) exp(-b T)`` (module docstring), so that
    ``expected_purchases = prob_alive * expected_purchases_alive``.
    """
    r_, al, be, x_, T_, tt = _arrays(r, alpha, beta, x, T, t)
    post = _posterior_beta(float(b), be, T_)
    return np.asarray((r_ + x_) / (al + T_) * lifetime(float(b), s, post, tt), dtype=np.float64)


def expected_purchases(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """E[Y(t) | x, t_x, T]: purchases in (T, T + t], P(alive) times the alive expectation."""
    pa = prob_alive(r, alpha, b, s, beta, x, t_x, T)
    return np.asarray(pa * expected_purchases_alive(r, alpha, b, s, beta, x, T, t))


def prob_no_purchase(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(no purchase in (T, T + t] | x, t_x, T).

    Dead at T: none. Alive at T (posterior ``lambda ~ Gamma(r + x, alpha + T)``, lifetime
    density ``s (beta + c(T))^s exp(b y) (beta + c(y))^-(s+1)`` on ``y > T``): the
    likelihood bracket shifted to (T, T + t], as for Pareto/NBD.
    """
    r_, al, be, x_, tx, T_, tt = _arrays(r, alpha, beta, x, t_x, T, t)
    shape = x_.shape
    r_, al, be, x_, tx, T_, tt = (v.ravel() for v in (r_, al, be, x_, tx, T_, tt))
    b = float(b)
    pa = prob_alive(r_, al, b, s, be, x_, tx, T_)
    K = r_ + x_
    log_bT = log_beta_clock(be, T_, b)
    log_stay = -K * np.log1p(tt / (al + T_)) - s * (log_beta_clock(be, T_ + tt, b) - log_bT)
    log_int, _ = _dead_integral(K, al, b, s, be, T_, T_ + tt, moments=False)
    log_drop = np.log(s) + s * log_bT + K * np.log(al + T_) + log_int
    none = np.minimum(np.exp(np.logaddexp(log_stay, log_drop)), 1.0)
    return np.asarray(((1.0 - pa) + pa * none).reshape(shape), dtype=np.float64)


# --------------------------------------------------------------------------- counts


def _pmf_f(v: Array, n: Array, r: Array, alpha: Array, beta: Array, s1: Array, b: Array) -> Array:
    w = np.exp(v)
    ell = np.where(b > 0, np.log1p(b * w) / np.where(b > 0, b, 1.0), w)
    return np.asarray(n * np.log(ell) - (r + n) * np.log(alpha + ell) - s1 * np.log(beta + w) + v)


def _pmf_df(v: Array, n: Array, r: Array, alpha: Array, beta: Array, s1: Array, b: Array) -> Array:
    w = np.exp(v)
    ell = np.where(b > 0, np.log1p(b * w) / np.where(b > 0, b, 1.0), w)
    d_ell = 1.0 / (1.0 + b * w)
    return np.asarray(
        w * (n * d_ell / ell - (r + n) * d_ell / (alpha + ell) - s1 / (beta + w)) + 1.0
    )


def _pmf_alive(
    r: Array, alpha: Array, b: float, s: float, beta: Array, n: Array, t: Array
) -> Array:
    """P(n purchases in (0, t]) for a customer alive at 0 (rows elementwise).

    ``NB(n; r, alpha / (alpha + t)) S(t) + integral_0^t NB(n; r, alpha / (alpha + y)) g(y) dy``,
    ``g`` the lifetime density: alive through t, or dropped out at y after n purchases. The
    integral is taken in ``v = log c(y)`` (unimodal; Gauss-Legendre on each side of the mode).
    """
    r, alpha, beta, n, t = (v.ravel() for v in _arrays(r, alpha, beta, n, t))
    out = np.where(n == 0, 1.0, 0.0)
    pos = t > 0
    if not np.any(pos):
        return out
    r, alpha, beta, n, t = (v[pos] for v in (r, alpha, beta, n, t))
    log_coef = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * np.log(alpha)
    with np.errstate(divide="ignore"):
        log_alive = (
            n * np.log(t)
            - (r + n) * np.log(alpha + t)
            - s * (log_beta_clock(beta, t, b) - np.log(beta))
        )
    # log c(t), capped where exp() would overflow (the integrand there is negligible)
    hi = np.minimum(log_beta_clock(np.zeros(t.shape), t, b), 700.0)
    scale = np.minimum(np.minimum(np.log(alpha), np.log(beta)), hi)
    if b > 0:
        scale = np.minimum(scale, -np.log(b))
    lo = scale - (60.0 + np.log1p(n))
    k = n.shape[0]
    quad = unimodal(
        _pmf_f,
        _pmf_df,
        lo,
        hi,
        (n, r, alpha, beta, np.full(k, s + 1.0), np.full(k, b)),
        n=32,
        panels=2,
    )
    log_dead = np.log(s) + s * np.log(beta) + quad.log_value
    out[pos] = np.exp(log_coef + np.logaddexp(log_alive, log_dead))
    return out


def purchase_pmf_new(
    r: float, alpha: float, b: float, s: float, beta: float, n: ArrayLike, t: ArrayLike
) -> Array:
    """P(X(t) = n) for a new customer (see ``_pmf_alive``).

    Examples
    --------
    >>> from custvalue.clv._math.ggompertz import purchase_pmf_new
    >>> p = purchase_pmf_new(0.553, 10.578, 0.02, 0.606, 11.669, range(200), 52.0)
    >>> round(float(p.sum()), 10)
    1.0
    """
    nn, tt = _arrays(n, t)
    shape = nn.shape
    one = np.ones(shape)
    return _pmf_alive(r * one, alpha * one, float(b), s, beta * one, nn, tt).reshape(shape)


def purchase_pmf(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    n: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(Y(t) = n | x, t_x, T): a customer alive at T is a new one at the posterior parameters."""
    r_, al, be, x_, tx, T_, nn, tt = _arrays(r, alpha, beta, x, t_x, T, n, t)
    shape = x_.shape
    b = float(b)
    pa = prob_alive(r_, al, b, s, be, x_, tx, T_)
    post = _posterior_beta(b, be, T_)
    cond = _pmf_alive(r_ + x_, al + T_, b, s, post, nn, tt).reshape(shape)
    return np.asarray(np.where(nn == 0, 1.0 - pa, 0.0) + pa * cond, dtype=np.float64)


# --------------------------------------------------------------------------- simulation


def sample(
    r: ArrayLike,
    alpha: ArrayLike,
    b: float,
    s: float,
    beta: ArrayLike,
    T: ArrayLike,
    rng: np.random.Generator,
) -> tuple[Array, Array]:
    """Draw (x, t_x) for customers observed for T, from the GGompertz/NBD generative model.

    ``lambda ~ Gamma(r, rate alpha)``; initial hazard ``mu0 ~ Gamma(s, rate beta)``; the
    lifetime solves ``mu0 c(tau) = E``, ``E ~ Exp(1)`` (hazard ``mu0 exp(b tau)``); purchases
    are Poisson(lambda) until min(lifetime, T), t_x the last of them.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv._math.ggompertz import sample
    >>> x, t_x = sample(0.5, 10.0, 0.05, 0.6, 11.0, np.full(5, 39.0), np.random.default_rng(0))
    >>> bool(np.all(t_x <= 39.0))
    True
    """
    TT = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(
        np.asarray(r, dtype=np.float64), 1.0 / np.asarray(alpha, dtype=np.float64), size=TT.shape
    )
    mu0 = rng.gamma(s, 1.0 / np.asarray(beta, dtype=np.float64), size=TT.shape)
    life = _ell(rng.exponential(1.0, size=TT.shape) / mu0, float(b))
    active = np.minimum(life, TT)
    x = rng.poisson(lam * active).astype(float)
    u = rng.random(size=TT.shape)
    with np.errstate(divide="ignore"):
        frac = np.where(x > 0, u ** (1.0 / np.maximum(x, 1.0)), 0.0)
    return x, active * frac


def rates(
    r: float, alpha: float, b: float, s: float, beta: float, n: int, rng: np.random.Generator
) -> dict[str, Array]:
    """Draw new customers' purchase rates and initial dropout hazards (per time unit).

    ``lambda ~ Gamma(r, rate alpha)``; ``mu0 = eta b ~ Gamma(s, rate beta)``, the hazard at
    age 0, which grows as ``mu0 exp(b age)`` (BG12).
    """
    return {
        "purchase_rate": np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64),
        "dropout_rate": np.asarray(rng.gamma(s, 1.0 / beta, size=n), dtype=np.float64),
    }
