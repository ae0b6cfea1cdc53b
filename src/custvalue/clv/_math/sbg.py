"""Shifted-beta-geometric (sBG) formulas for contractual customers (pandas-free).

Model (Fader & Hardie 2007, "How to project customer retention", Journal of Interactive
Marketing 21(1), 76-90; FH07 below): at the end of each period an active customer renews her
contract with probability ``1 - theta`` (cancels with probability ``theta``), her own
``theta`` fixed over time, and ``theta ~ Beta(alpha, beta)`` across customers. A customer's
lifetime ``T`` (periods paid for, ``T >= 1``) is shifted-geometric, so across customers

    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),   t = 1, 2, ...
    S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta),

and the retention rate from period t - 1 to t is ``r(t) = S(t) / S(t-1) = (beta + t - 1) /
(alpha + beta + t - 1)``, rising with t: the survivors are the low-``theta`` customers.

Data per customer: ``tenure`` n (whole periods as a customer) and ``churned`` (the contract
ended after those n periods: ``T = n``; or it is still running: ``T > n``). A customer still
active after n periods has the posterior ``theta ~ Beta(alpha, beta + n)``.

Value (Fader & Hardie 2010, "Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity", Marketing Science 29(1), 85-93; FH10). With a payment at the start
of every period and a discount rate d per period (``z = 1 / (1 + d)``):

    DEL(d) = sum_{t >= 0} S(t) z^t = 2F1(1, beta; alpha + beta; z)

for a customer just acquired (her first payment now), and for one active after n periods,
just before her n-th renewal decision,

    DERL(d | n) = sum_{k >= 0} S(n + 1 + k) / S(n) z^k
                = (beta + n) / (alpha + beta + n) 2F1(1, beta + n + 1; alpha + beta + n + 1; z).

Both series have terms ``(B)_k / (C)_k z^k``, positive and falling by at least ``z`` from one
to the next, so they are summed directly (no hypergeometric routine), in blocks of terms,
until the remainder ``term z / (1 - z)`` is below 1e-16 of the sum. At d = 0 they are the
expected numbers of payments, ``(alpha + beta - 1) / (alpha - 1)`` and ``(beta + n) / (alpha -
1)`` (infinite for alpha <= 1: the mean lifetime of the beta-geometric is infinite then).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma

__all__ = [
    "discounted_lifetime",
    "discounted_residual_lifetime",
    "expected_lifetime",
    "expected_residual_lifetime",
    "loglik",
    "loglik_grad",
    "rates",
    "retention_rate",
    "sample",
    "survival",
]

Array = NDArray[np.float64]

_BLOCK = 4096  # terms per block of the series
MAX_TERMS = 20_000_000
"""The series stop here; at 1e-16 relative accuracy that is a discount rate of ~2e-6."""


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]


def loglik(alpha: float, beta: float, tenure: ArrayLike, churned: ArrayLike) -> Array:
    """Per-customer log-likelihood: log P(T = n) if churned, log S(n) if still active (FH07).

    Examples
    --------
    >>> from custvalue.clv._math.sbg import loglik
    >>> loglik(0.704, 1.182, [1, 7], [1.0, 0.0]).round(4)
    array([-0.9854, -1.4311])
    """
    return loglik_grad(alpha, beta, tenure, churned)[0]


def loglik_grad(
    alpha: float, beta: float, tenure: ArrayLike, churned: ArrayLike
) -> tuple[Array, Array]:
    """Per-customer log-likelihood and its gradient in (alpha, beta).

    Churned: ``B(alpha + 1, beta + n - 1) / B(alpha, beta)``; active: ``B(alpha, beta + n) /
    B(alpha, beta)``; the derivatives are digamma differences.
    """
    n, c = (v.ravel() for v in _arrays(tenure, churned))
    dead = c > 0
    base = betaln(alpha, beta)
    a1 = np.where(dead, alpha + 1.0, alpha)
    b1 = np.where(dead, beta + n - 1.0, beta + n)
    ll = betaln(a1, b1) - base
    d_ab = digamma(alpha + beta)
    d_all = digamma(a1 + b1)
    grad = np.empty((n.size, 2))
    grad[:, 0] = digamma(a1) - d_all - digamma(alpha) + d_ab
    grad[:, 1] = digamma(b1) - d_all - digamma(beta) + d_ab
    return np.asarray(ll, dtype=np.float64), grad


def survival(alpha: float, beta: float, t: ArrayLike) -> Array:
    """S(t) = B(alpha, beta + t) / B(alpha, beta): the share of a cohort active after t periods.

    Examples
    --------
    >>> from custvalue.clv._math.sbg import survival
    >>> survival(0.704, 1.182, [0, 1, 7]).round(3)
    array([1.   , 0.627, 0.239])
    """
    tt = np.asarray(t, dtype=np.float64)
    return np.asarray(np.exp(betaln(alpha, beta + tt) - betaln(alpha, beta)), dtype=np.float64)


def retention_rate(alpha: float, beta: float, t: ArrayLike) -> Array:
    """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1 (FH07)."""
    tt = np.asarray(t, dtype=np.float64)
    return np.asarray((beta + tt - 1.0) / (alpha + beta + tt - 1.0), dtype=np.float64)


def _ratio_series(B: Array, C: Array, z: float) -> Array:
    """sum_{k >= 0} (B)_k / (C)_k z^k for each (B, C), 0 < z < 1, C > B > 0 (see the docstring)."""
    B, C = (v.ravel() for v in np.broadcast_arrays(B, C))
    total = np.zeros(B.shape)
    log_term = np.zeros(B.shape)  # log of the term at the start of the block
    done = np.zeros(B.shape, dtype=bool)
    log_z = np.log(z)
    tail = z / (1.0 - z)
    k0 = 0
    ks = np.arange(_BLOCK, dtype=np.float64)
    while not np.all(done) and k0 < MAX_TERMS:
        live = np.flatnonzero(~done)
        kk = k0 + ks[None, :]
        # log term_k relative to the block start: cumulative log((B + j) / (C + j)) + log z
        steps = np.log((B[live, None] + kk) / (C[live, None] + kk)) + log_z
        logs = log_term[live, None] + np.concatenate(
            [np.zeros((live.size, 1)), np.cumsum(steps[:, :-1], axis=1)], axis=1
        )
        total[live] += np.exp(logs).sum(axis=1)
        log_term[live] = logs[:, -1] + steps[:, -1]
        done[live] = np.exp(log_term[live]) * tail <= 1e-16 * total[live]
        k0 += _BLOCK
    if not np.all(done):
        raise ValueError(
            f"the discount rate {1.0 / z - 1.0:.3g} per period is too small for the series "
            f"({MAX_TERMS:,} terms); give discount_rate=0 for the undiscounted value or a rate "
            "of at least 1e-5 per period"
        )
    return total


def _check_rate(discount_rate: float) -> float:
    d = float(discount_rate)
    if not np.isfinite(d) or d < 0:
        raise ValueError(f"discount_rate must be a finite number >= 0, got {discount_rate!r}")
    return d


def discounted_lifetime(alpha: float, beta: float, discount_rate: float) -> float:
    """DEL(d) of a customer just acquired, first payment now (FH10): ``2F1(1, beta; alpha+beta; z)``.

    Examples
    --------
    >>> from custvalue.clv._math.sbg import discounted_lifetime
    >>> round(discounted_lifetime(0.668, 3.806, 0.10), 3)
    5.923
    """
    d = _check_rate(discount_rate)
    if d == 0.0:
        return expected_lifetime(alpha, beta)
    return float(_ratio_series(np.array([beta]), np.array([alpha + beta]), 1.0 / (1.0 + d))[0])


def discounted_residual_lifetime(
    alpha: float, beta: float, tenure: ArrayLike, discount_rate: float
) -> Array:
    """DERL(d | n) of customers active after ``tenure`` periods (FH10; see the docstring).

    Computed once per distinct tenure.
    """
    d = _check_rate(discount_rate)
    n = np.asarray(tenure, dtype=np.float64)
    if d == 0.0:
        return expected_residual_lifetime(alpha, beta, n)
    uniq, inv = np.unique(n.ravel(), return_inverse=True)
    series = _ratio_series(beta + uniq + 1.0, alpha + beta + uniq + 1.0, 1.0 / (1.0 + d))
    vals = (beta + uniq) / (alpha + beta + uniq) * series
    return np.asarray(vals[inv].reshape(n.shape), dtype=np.float64)


def expected_lifetime(alpha: float, beta: float) -> float:
    """E[T] = (alpha + beta - 1) / (alpha - 1) periods of a new customer (inf for alpha <= 1)."""
    return float((alpha + beta - 1.0) / (alpha - 1.0)) if alpha > 1.0 else float("inf")


def expected_residual_lifetime(alpha: float, beta: float, tenure: ArrayLike) -> Array:
    """Return expected further payments of a customer active after n periods: (beta + n) / (alpha - 1).

    ``sum_{k >= 1} S(n + k) / S(n) = E[(1 - theta) / theta]`` under the posterior
    Beta(alpha, beta + n); infinite for alpha <= 1.
    """
    n = np.asarray(tenure, dtype=np.float64)
    if alpha <= 1.0:
        return np.full(n.shape, np.inf)
    return np.asarray((beta + n) / (alpha - 1.0), dtype=np.float64)


def sample(
    alpha: float, beta: float, periods: Array, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Draw (tenure, churned) of customers observed for ``periods`` periods since acquisition.

    ``theta ~ Beta(alpha, beta)``, ``T ~ Geometric(theta)`` (>= 1): churned with tenure T if
    T <= periods, else still active with tenure ``periods``.
    """
    theta = rng.beta(alpha, beta, size=periods.shape)
    T = rng.geometric(np.clip(theta, 1e-300, 1.0), size=periods.shape).astype(np.float64)
    churned = periods >= T
    return np.where(churned, T, periods), churned.astype(np.float64)


def rates(alpha: float, beta: float, n: int, rng: np.random.Generator) -> dict[str, Array]:
    """Draw new customers' churn probabilities per period, ``theta ~ Beta(alpha, beta)``."""
    return {"churn_probability": np.asarray(rng.beta(alpha, beta, size=n), dtype=np.float64)}
