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

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma, expit, gammaln

from ._bgfamily import (
    Prepared,
    arrays,
    family_weighted,
    observe,
    pmf_new_arrays,
    posterior_count,
    prepare,
)
from ._bgfamily import stay_alive as _stay_alive
from ._special import bg_expected_count

__all__ = [
    "expected_purchases",
    "expected_purchases_alive",
    "expected_purchases_new",
    "loglik",
    "loglik_grad",
    "prepare",
    "prob_alive",
    "prob_no_purchase",
    "purchase_pmf",
    "purchase_pmf_new",
    "rates",
    "sample",
    "stay_alive",
    "weighted_loglik_grad",
]

Array = NDArray[np.float64]


def _terms(
    r: float, alpha: Any, a: Any, b: Any, x: Array, t_x: Array, T: Array
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
    # (a, b, alpha are arrays, one value per row, for models with covariates)
    a_r, b_r, al_r = (v[rep] if np.ndim(v) else v for v in (a, b, alpha))
    l2[rep] = betaln(a_r + 1.0, b_r + xr - 1.0) - (r + xr) * np.log(al_r + t_x[rep])
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
    head, l1, l2, _ = _terms(r, alpha, a, b, *arrays(x, t_x, T))
    return np.asarray(head + np.logaddexp(l1, l2), dtype=np.float64)


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
    x, t_x, T = arrays(x, t_x, T)
    head, l1, l2, rep = _terms(r, alpha, a, b, x, t_x, T)
    tot = np.logaddexp(l1, l2)
    w2 = np.exp(l2 - tot)  # share of the "dropped out after t_x" term; 0 where x == 0
    w1 = 1.0 - w2
    # the second term only exists for x > 0; compute its pieces on safe values elsewhere
    xs = np.where(rep, x, 1.0)
    lt = np.log(alpha + T)
    ltx = np.log(alpha + t_x)
    g = np.empty((*x.shape, 4), dtype=np.float64)
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


def weighted_loglik_grad(
    r: float, alpha: float, a: float, b: float, prepared: Prepared
) -> tuple[float, Array]:
    """``(sum_i c_i ll_i, sum_i c_i grad_i)`` of eq. (6) over :func:`prepare`'d data."""
    return family_weighted(r, alpha, a, b, prepared, 0.0)


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
    x, t_x, T = arrays(x, t_x, T)
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
    x, t_x, T, t = arrays(x, t_x, T, t)
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
    x, T, t = arrays(x, T, t)
    return posterior_count(r, alpha, a, b, x, T, t, 0.0)


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
    x, t_x, T, t = arrays(x, t_x, T, t)
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
    n, t = arrays(n, t)
    return pmf_new_arrays(
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
    x, t_x, T, n, t = arrays(x, t_x, T, n, t)
    pa = prob_alive(r, alpha, a, b, x, t_x, T)
    new = pmf_new_arrays(r + x, alpha + T, a, b + x, n, t)
    return np.where(n == 0, 1.0 - pa, 0.0) + pa * new


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
    return observe(lam, J, T, rng)


def stay_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(alive at T + t | alive at T, x, T): no dropout after the purchases in (T, T + t].

    ``2F1(r + x, a; a + b + x; -t / (alpha + T))`` by quadrature
    (:func:`~custvalue.clv._math._bgfamily.stay_alive`); times :func:`prob_alive` it is the
    probability of being alive ``t`` after the end of observation.

    Examples
    --------
    >>> from custvalue.clv._math import bgnbd
    >>> bgnbd.stay_alive(0.243, 4.414, 0.793, 2.426, [0, 26], [38.86, 31.0], 52.0).round(4)
    array([0.9439, 0.5137])
    """
    x_, T_, t_ = arrays(x, T, t)
    return _stay_alive(r, alpha, a, b, x_, T_, t_, 0.0)


def rates(
    r: float, alpha: float, a: float, b: float, n: int, rng: np.random.Generator
) -> dict[str, Array]:
    """Draw new customers' purchase rates (per time unit) and dropout probabilities.

    ``lambda ~ Gamma(r, rate alpha)`` and ``p ~ Beta(a, b)`` (per repeat purchase), the
    mixing distributions of Fader, Hardie & Lee (2005), section 2.
    """
    return {
        "purchase_rate": np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64),
        "dropout_probability": np.asarray(rng.beta(a, b, size=n), dtype=np.float64),
    }
