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

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

__all__ = ["expected_spend", "loglik", "loglik_grad", "sample"]

Array = NDArray[np.float64]


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
    g = np.empty(x_.shape + (3,), dtype=np.float64)
    g[:, 0] = x_ * (dpq - digamma(px) + np.log(x_) + np.log(m_) - lgxm)
    g[:, 1] = dpq - digamma(q) + np.log(gamma) - lgxm
    g[:, 2] = q / gamma - (px + q) / (gamma + x_ * m_)
    return np.asarray(ll, dtype=np.float64), g


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
