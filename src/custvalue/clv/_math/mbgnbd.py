"""MBG/NBD (modified BG/NBD) formulas, pandas-free.

Reference: E. P. Batislam, M. Denizel and A. Filiztekin (2007), "Empirical validation and
comparison of models for customer base analysis", International Journal of Research in
Marketing 24(3), 201-209 (section 3, the MBG/NBD model and its expressions).

Same purchase process as BG/NBD (``lambda ~ Gamma(r, alpha)``), but the customer may also drop
out right after her *first* purchase: dropout (probability ``p ~ Beta(a, b)``) can happen at
time 0 and after each of the x repeat purchases, so customers with no repeat purchase can
be inactive. Given alive at T, the posterior of p is Beta(a, b + x + 1) and the future is a
BG/NBD process, so the conditional quantities are BG/NBD expressions at updated parameters
(:func:`~custvalue.clv._math._special.bg_expected_count`).
"""

from __future__ import annotations

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
    r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, T: Array
) -> tuple[Array, Array, Array]:
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    l1 = betaln(a, b + x + 1.0) - (r + x) * np.log(alpha + T)
    l2 = betaln(a + 1.0, b + x) - (r + x) * np.log(alpha + t_x)
    return (
        np.asarray(head, dtype=np.float64),
        np.asarray(l1, dtype=np.float64),
        np.asarray(l2, dtype=np.float64),
    )


def loglik(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Per-customer log-likelihood (Batislam et al. 2007, the MBG/NBD likelihood).

    ``L = G(r+x) alpha^r / G(r) * [B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
    + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)]`` for every x (the second term, dropout right
    after the last purchase, exists also for x = 0).

    Examples
    --------
    >>> from custvalue.clv._math import mbgnbd
    >>> mbgnbd.loglik(0.5, 5.0, 0.8, 2.5, [0, 2], [0.0, 20.0], [30.0, 30.0]).shape
    (2,)
    """
    x_, tx_, T_ = arrays(x, t_x, T)
    head, l1, l2 = _terms(r, alpha, a, b, x_, tx_, T_)
    return np.asarray(head + np.logaddexp(l1, l2), dtype=np.float64)


def loglik_grad(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[Array, Array]:
    """Per-customer log-likelihood and its gradient w.r.t. (r, alpha, a, b), shape (n, 4)."""
    x_, tx_, T_ = arrays(x, t_x, T)
    head, l1, l2 = _terms(r, alpha, a, b, x_, tx_, T_)
    tot = np.logaddexp(l1, l2)
    w2 = np.exp(l2 - tot)
    w1 = 1.0 - w2
    g = np.empty((*x_.shape, 4), dtype=np.float64)
    g[:, 0] = (
        digamma(r + x_)
        - digamma(r)
        + np.log(alpha)
        - w1 * np.log(alpha + T_)
        - w2 * np.log(alpha + tx_)
    )
    g[:, 1] = r / alpha - (r + x_) * (w1 / (alpha + T_) + w2 / (alpha + tx_))
    dab = digamma(a + b)
    dabx = digamma(a + b + x_ + 1.0)
    g[:, 2] = dab - dabx + w2 * (digamma(a + 1.0) - digamma(a))
    g[:, 3] = dab - dabx - digamma(b) + w1 * digamma(b + x_ + 1.0) + w2 * digamma(b + x_)
    return np.asarray(head + tot, dtype=np.float64), g


def weighted_loglik_grad(
    r: float, alpha: float, a: float, b: float, prepared: Prepared
) -> tuple[float, Array]:
    """``(sum_i c_i ll_i, sum_i c_i grad_i)`` over data from :func:`prepare` (as in BG/NBD)."""
    return family_weighted(r, alpha, a, b, prepared, 1.0)


def prob_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)).

    Batislam et al. (2007); unlike BG/NBD it is below 1 also for x = 0.

    Examples
    --------
    >>> from custvalue.clv._math import mbgnbd
    >>> bool(mbgnbd.prob_alive(0.5, 5.0, 0.8, 2.5, [0], [0.0], [30.0])[0] < 1)
    True
    """
    x_, tx_, T_ = arrays(x, t_x, T)
    log_odds = np.log(a) - np.log(b + x_) + (r + x_) * (np.log(alpha + T_) - np.log(alpha + tx_))
    return np.asarray(expit(-log_odds), dtype=np.float64)


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
    """E[Y(t) | x, t_x, T] (Batislam et al. 2007).

    ``(a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)]
    * P(alive)``, evaluated as ``P(alive) * E_BG(r+x, alpha+T, a, b+x+1; t)``.
    """
    x_, tx_, T_, t_ = arrays(x, t_x, T, t)
    pa = prob_alive(r, alpha, a, b, x_, tx_, T_)
    return pa * expected_purchases_alive(r, alpha, a, b, x_, T_, t_)


def expected_purchases_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> Array:
    """E[Y(t) | alive at T, x, T] = ``E_BG(r+x, alpha+T, a, b+x+1; t)``, free of t_x.

    ``expected_purchases = prob_alive * expected_purchases_alive``.
    """
    x_, T_, t_ = arrays(x, T, t)
    return posterior_count(r, alpha, a, b, x_, T_, t_, 1.0)


def expected_purchases_new(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> Array:
    """E[X(t)] for a new customer: ``b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; z)]``.

    Evaluated as ``b/(a+b) * E_BG(r, alpha, a, b+1; t)`` (she survives time 0 with
    probability b/(a+b), after which p ~ Beta(a, b+1)).
    """
    t_ = np.asarray(t, dtype=np.float64)
    return np.asarray(b / (a + b) * bg_expected_count(r, alpha, a, b + 1.0, t_))


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
    """P(no purchase in (T, T+t] | history) = 1 - PA + PA ((alpha+T)/(alpha+T+t))^(r+x)."""
    x_, tx_, T_, t_ = arrays(x, t_x, T, t)
    pa = prob_alive(r, alpha, a, b, x_, tx_, T_)
    return (1.0 - pa) + pa * np.exp(-(r + x_) * np.log1p(t_ / (alpha + T_)))


def purchase_pmf_new(
    r: float, alpha: float, a: float, b: float, n: ArrayLike, t: ArrayLike
) -> Array:
    """P(X(t) = n) for a new customer.

    ``a/(a+b) [n == 0] + b/(a+b) pmf_BG(n; r, alpha, a, b+1)``: she drops out at time 0
    with probability E[p] = a/(a+b); otherwise she is a BG/NBD customer with
    p ~ Beta(a, b+1) (Fader, Hardie & Lee 2005 eq. 8 for pmf_BG).
    """
    n_, t_ = arrays(n, t)
    base = pmf_new_arrays(
        np.full(n_.shape, r), np.full(n_.shape, alpha), a, np.full(n_.shape, b + 1.0), n_, t_
    )
    return np.where(n_ == 0, a / (a + b), 0.0) + b / (a + b) * base


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
    """P(Y(t) = n | history) = [n == 0] (1 - PA) + PA pmf_BG(n; r+x, alpha+T, a, b+x+1)."""
    x_, tx_, T_, n_, t_ = arrays(x, t_x, T, n, t)
    pa = prob_alive(r, alpha, a, b, x_, tx_, T_)
    new = pmf_new_arrays(r + x_, alpha + T_, a, b + x_ + 1.0, n_, t_)
    return np.where(n_ == 0, 1.0 - pa, 0.0) + pa * new


def sample(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: ArrayLike,
    rng: np.random.Generator,
) -> tuple[Array, Array]:
    """Simulate (x, t_x): as BG/NBD but J = Geometric(p) - 1 >= 0 repeat purchases survive."""
    T_ = np.asarray(T, dtype=np.float64)
    n = T_.shape[0]
    lam = np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64)
    p = np.asarray(rng.beta(a, b, size=n), dtype=np.float64)
    J = rng.geometric(np.clip(p, 1e-300, 1.0), size=n) - 1
    return observe(lam, J, T_, rng)


def stay_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    t: ArrayLike,
) -> Array:
    """P(alive at T + t | alive at T, x, T): ``2F1(r + x, a; a + b + x + 1; -t / (alpha + T))``.

    As BG/NBD's, with the posterior ``p ~ Beta(a, b + x + 1)`` of a customer who survived
    x + 1 dropout chances (Batislam, Denizel & Filiztekin 2007: one right after the first
    purchase).
    """
    x_, T_, t_ = arrays(x, T, t)
    return _stay_alive(r, alpha, a, b, x_, T_, t_, 1.0)


def rates(
    r: float, alpha: float, a: float, b: float, n: int, rng: np.random.Generator
) -> dict[str, Array]:
    """Draw new customers' purchase rates and dropout probabilities (as BG/NBD's)."""
    return {
        "purchase_rate": np.asarray(rng.gamma(r, 1.0 / alpha, size=n), dtype=np.float64),
        "dropout_probability": np.asarray(rng.beta(a, b, size=n), dtype=np.float64),
    }
