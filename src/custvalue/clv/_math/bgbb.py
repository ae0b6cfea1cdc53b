"""BG/BB formulas (pandas-free).

Model (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting", Marketing Science 29(6), FHS10 below): at each of ``n`` discrete
opportunities an alive customer transacts with probability ``p ~ Beta(alpha, beta)``; before
each opportunity an alive customer drops out with probability ``theta ~ Beta(gamma, delta)``.
Data per customer: ``x`` transactions, ``t_x`` the opportunity of the last one (0 when
none) and ``n`` opportunities observed.

All beta-function ratios are evaluated with ``betaln``; the sum over dropout opportunities
in the likelihood is a padded 2-D array reduced with log-sum-exp. Gradients use
d betaln(a, b) / da = digamma(a) - digamma(a + b).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma, gammaln

from ..._rowkey import row_key, value_codes

__all__ = [
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
]

FloatArray = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(v, dtype=float) for v in np.broadcast_arrays(*values)]


def _dbeta(a: FloatArray | float, b: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """Partial derivatives of betaln(a, b) in a and in b."""
    dab = digamma(np.add(a, b))
    return digamma(a) - dab, digamma(b) - dab


def loglik_grad(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Per-customer BG/BB log-likelihood and its gradient in (alpha, beta, gamma, delta).

    FHS10 eq. (5): L = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
    + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
    B(gamma+1, delta+t_x+i)/B(gamma,delta).

    Returns
    -------
    ll : numpy.ndarray, shape (k,)
    grad : numpy.ndarray, shape (k, 4)

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import loglik_grad
    >>> ll, g = loglik_grad(1.204, 0.750, 0.657, 2.783, [0, 6], [0, 6], [6, 6])
    >>> [round(float(v), 4) for v in ll]
    [-1.1673, -2.1822]
    """
    x, t_x, n = (v.ravel() for v in _arrays(x, t_x, n))
    k = x.size
    # column 0: alive through n; columns 1..: dropped out just after opportunity t_x + i
    width = int(np.max(n - t_x)) if k else 0
    i = np.arange(width, dtype=float)[None, :]
    valid = i < (n - t_x)[:, None]
    a_p = np.concatenate(
        [(alpha + x)[:, None], np.broadcast_to((alpha + x)[:, None], (k, width))], 1
    )
    b_p = np.concatenate([(beta + n - x)[:, None], beta + (t_x - x)[:, None] + i], 1)
    a_t = np.concatenate([np.full((k, 1), gamma), np.full((k, width), gamma + 1.0)], 1)
    b_t = np.concatenate([(delta + n)[:, None], delta + t_x[:, None] + i], 1)
    mask = np.concatenate([np.ones((k, 1), bool), valid], 1)
    logt = betaln(a_p, b_p) + betaln(a_t, b_t)
    logt = np.where(mask, logt, -np.inf)
    top = logt.max(axis=1)
    w = np.exp(logt - top[:, None])
    tot = w.sum(axis=1)
    w /= tot[:, None]
    log_sum = top + np.log(tot)
    ll = log_sum - betaln(alpha, beta) - betaln(gamma, delta)

    da_p, db_p = _dbeta(a_p, b_p)
    da_t, db_t = _dbeta(a_t, b_t)
    d0a, d0b = _dbeta(alpha, beta)
    d0g, d0d = _dbeta(gamma, delta)
    grad = np.empty((k, 4))
    grad[:, 0] = (w * np.where(mask, da_p, 0.0)).sum(1) - d0a
    grad[:, 1] = (w * np.where(mask, db_p, 0.0)).sum(1) - d0b
    grad[:, 2] = (w * np.where(mask, da_t, 0.0)).sum(1) - d0g
    grad[:, 3] = (w * np.where(mask, db_t, 0.0)).sum(1) - d0d
    return ll, grad


def loglik(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> FloatArray:
    """Per-customer BG/BB log-likelihood, FHS10 eq. (5).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import loglik
    >>> round(float(loglik(1.204, 0.750, 0.657, 2.783, 0, 0, 6)[0]), 4)
    -1.1673
    """
    return loglik_grad(alpha, beta, gamma, delta, x, t_x, n)[0]


def _log_alive_term(
    alpha: float, beta: float, gamma: float, delta: float, x: FloatArray, n: FloatArray, ahead: int
) -> FloatArray:
    """Log of B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+ahead)/B(gamma,delta)."""
    out = (
        betaln(alpha + x, beta + n - x)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n + ahead)
        - betaln(gamma, delta)
    )
    return np.asarray(out, dtype=np.float64)


def prob_alive(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> FloatArray:
    """P(alive at opportunity n + 1 | x, t_x, n), FHS10 eq. (11).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import prob_alive
    >>> pa = prob_alive(1.204, 0.750, 0.657, 2.783, [0, 2, 6], [0, 4, 6], 6)
    >>> [round(float(v), 2) for v in pa]
    [0.11, 0.59, 0.93]
    """
    x, t_x, n = _arrays(x, t_x, n)
    shape = x.shape
    ll = loglik(alpha, beta, gamma, delta, x, t_x, n)
    out = np.exp(_log_alive_term(alpha, beta, gamma, delta, x.ravel(), n.ravel(), 1) - ll)
    return np.minimum(out, 1.0).reshape(shape)


def _survival_sum(gamma: float, delta: float, start: FloatArray, m: FloatArray) -> FloatArray:
    """sum_{k=1}^{m} B(gamma, delta + start + k) / B(gamma, delta), elementwise.

    Closed form (telescoping, FHS10 eq. (13)): with Q(d) = Gamma(d + 1) / Gamma(gamma + d),
    sum_{k=1}^m Gamma(d0+k)/Gamma(gamma+d0+k) = (Q(d0) - Q(d0 + m)) / (gamma - 1),
    d0 = delta + start. The removable singularity at gamma = 1 is avoided by summing the
    terms directly when |gamma - 1| < 0.01 (one column per unique (start, m)).
    """
    start, m = _arrays(start, m)
    shape = start.shape
    start, m = start.ravel(), m.ravel()
    d0 = delta + start
    log_norm = betaln(gamma, delta) - gammaln(gamma)  # log(Gamma(delta)/Gamma(gamma+delta))
    if abs(gamma - 1.0) >= 0.01:
        log_q0 = gammaln(d0 + 1.0) - gammaln(gamma + d0)
        log_q1 = gammaln(d0 + m + 1.0) - gammaln(gamma + d0 + m)
        # (Q0 - Q1) / (gamma - 1) with the sign of gamma - 1 (Q decreasing iff gamma > 1)
        diff = np.exp(log_q0) * -np.expm1(log_q1 - log_q0)
        out = diff / (gamma - 1.0) / np.exp(log_norm)
        return np.asarray(out.reshape(shape), dtype=np.float64)
    inv, ukeys = value_codes(row_key(start, m).key)
    rep = np.empty(ukeys.shape[0], dtype=np.intp)
    rep[inv] = np.arange(start.shape[0])  # a row of each distinct (start, m)
    keys = np.stack([start[rep], m[rep]], 1)
    top = int(keys[:, 1].max()) if keys.size else 0
    kk = np.arange(1, top + 1, dtype=float)[None, :]
    terms = np.exp(
        gammaln(delta + keys[:, :1] + kk) - gammaln(gamma + delta + keys[:, :1] + kk) - log_norm
    )
    terms = np.where(kk <= keys[:, 1:2], terms, 0.0)
    return np.asarray(terms.sum(axis=1)[inv.ravel()].reshape(shape), dtype=np.float64)


def expected_purchases(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
    n_star: ArrayLike,
) -> FloatArray:
    """E[X(n, n + n*) | x, t_x, n]: expected transactions in the next n* opportunities.

    FHS10 eq. (13): 1/L B(alpha+x+1, beta+n-x)/B(alpha,beta) sum_{k=1}^{n*}
    B(gamma, delta+n+k)/B(gamma,delta), the sum in closed form (see ``_survival_sum``).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import expected_purchases
    >>> round(float(expected_purchases(1.204, 0.750, 0.657, 2.783, 6, 6, 6, 5)[()]), 3)
    3.752
    """
    x, t_x, n, ns = _arrays(x, t_x, n, n_star)
    shape = x.shape
    x, t_x, n, ns = (v.ravel() for v in (x, t_x, n, ns))
    ll = loglik(alpha, beta, gamma, delta, x, t_x, n)
    log_p = betaln(alpha + x + 1.0, beta + n - x) - betaln(alpha, beta)
    out = np.exp(log_p - ll) * _survival_sum(gamma, delta, n, ns)
    return np.asarray(out.reshape(shape), dtype=np.float64)


def expected_purchases_alive(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    n: ArrayLike,
    n_star: ArrayLike,
) -> FloatArray:
    """E[X(n, n + n*) | alive at opportunity n + 1, x, n]: eq. (13) over eq. (11), free of t_x.

    The ratio of FHS10 eq. (13) to eq. (11): B(alpha+x+1, beta+n-x) / B(alpha+x, beta+n-x)
    = (alpha+x)/(alpha+beta+n) times sum_{k=1}^{n*} B(gamma, delta+n+k) / B(gamma, delta+n+1),
    so ``expected_purchases = prob_alive * expected_purchases_alive``.

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import expected_purchases_alive, prob_alive
    >>> e = expected_purchases_alive(1.204, 0.750, 0.657, 2.783, 6, 6, 5)
    >>> round(float(prob_alive(1.204, 0.750, 0.657, 2.783, 6, 6, 6)[()] * e[()]), 3)
    3.752
    """
    x, n, ns = _arrays(x, n, n_star)
    survive = np.exp(betaln(gamma, delta) - betaln(gamma, delta + n + 1.0))
    out = (alpha + x) / (alpha + beta + n) * survive * _survival_sum(gamma, delta, n, ns)
    return np.asarray(out, dtype=np.float64)


def expected_purchases_new(
    alpha: float, beta: float, gamma: float, delta: float, n: ArrayLike
) -> FloatArray:
    """E[X(n)] for a new customer over n opportunities, FHS10 eq. (9).

    alpha/(alpha+beta) sum_{k=1}^{n} B(gamma, delta+k)/B(gamma,delta).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import expected_purchases_new
    >>> round(float(expected_purchases_new(1.204, 0.750, 0.657, 2.783, 6)), 3)
    2.22
    """
    nn = np.asarray(n, dtype=float)
    return alpha / (alpha + beta) * _survival_sum(gamma, delta, np.zeros(nn.shape), nn)


def prob_no_purchase(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
    n_star: ArrayLike,
) -> FloatArray:
    """P(no transaction in opportunities n+1..n+n* | x, t_x, n).

    A customer with history (x, t_x, n) makes a first future transaction at opportunity
    n + j with probability (1/L) B(alpha+x+1, beta+n-x+j-1)/B(alpha,beta)
    B(gamma, delta+n+j)/B(gamma,delta) (alive through n + j, no transaction at n+1..n+j-1,
    one at n + j; the beta integrals as in FHS10 eq. (11)-(13)). The result is one minus
    the sum of these over j = 1..n*.

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import prob_no_purchase
    >>> round(float(prob_no_purchase(1.204, 0.750, 0.657, 2.783, 0, 0, 6, 1)[()]), 3)
    0.984
    """
    x, t_x, n, ns = _arrays(x, t_x, n, n_star)
    shape = x.shape
    x, t_x, n, ns = (v.ravel() for v in (x, t_x, n, ns))
    ll = loglik(alpha, beta, gamma, delta, x, t_x, n)
    width = int(np.max(ns)) if ns.size else 0
    j = np.arange(1, width + 1, dtype=float)[None, :]
    log_first = (
        betaln(alpha + x[:, None] + 1.0, beta + (n - x)[:, None] + j - 1.0)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n[:, None] + j)
        - betaln(gamma, delta)
        - ll[:, None]
    )
    first = np.where(j <= ns[:, None], np.exp(log_first), 0.0).sum(axis=1)
    return np.asarray(np.clip(1.0 - first, 0.0, 1.0).reshape(shape), dtype=np.float64)


def _pmf_alive(
    alpha: FloatArray,
    beta: FloatArray,
    gamma: float,
    delta: FloatArray,
    x: FloatArray,
    n: FloatArray,
) -> FloatArray:
    """P(x transactions in n opportunities) for a customer alive at 0, elementwise.

    Same as :func:`purchase_pmf_new` with per-row alpha, beta, delta, x and n.
    """
    alpha, beta, delta, xx, nf = (v.ravel() for v in _arrays(alpha, beta, delta, x, n))

    def log_choose(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.asarray(gammaln(a + 1.0) - gammaln(b + 1.0) - gammaln(a - b + 1.0), np.float64)

    norm = betaln(alpha, beta) + betaln(gamma, delta)
    ok0 = xx <= nf
    x0 = np.where(ok0, xx, 0.0)
    first = np.where(
        ok0,
        np.exp(
            log_choose(nf, x0)
            + betaln(alpha + x0, beta + nf - x0)
            + betaln(gamma, delta + nf)
            - norm
        ),
        0.0,
    )
    width = int(nf.max()) if nf.size else 0
    i = np.arange(width, dtype=float)[None, :]
    xc = xx[:, None]
    ok = (i >= xc) & (i < nf[:, None])
    ic = np.where(ok, i, xc)  # placeholder where the term is absent
    terms = np.exp(
        log_choose(ic, xc)
        + betaln(alpha[:, None] + xc, beta[:, None] + ic - xc)
        + betaln(gamma + 1.0, delta[:, None] + ic)
        - norm[:, None]
    )
    return np.asarray(first + np.where(ok, terms, 0.0).sum(axis=1))


def purchase_pmf(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
    k: ArrayLike,
    n_star: ArrayLike,
) -> FloatArray:
    """P(X(n, n + n*) = k | x, t_x, n): k transactions in the next n* opportunities.

    A customer who dropped out before opportunity n + 1 makes none; one alive through n
    (probability B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma,delta+n)/B(gamma,delta) / L, the
    first term of FHS10 eq. (5) over L) is a new customer with the posterior
    p ~ Beta(alpha + x, beta + n - x), theta ~ Beta(gamma, delta + n), so FHS10 eq. (7)
    applies with those parameters.

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import purchase_pmf
    >>> p = purchase_pmf(1.204, 0.750, 0.657, 2.783, 3, 5, 6, range(6), 5)
    >>> round(float(p.sum()), 12)
    1.0
    """
    x, t_x, n, kk, ns = _arrays(x, t_x, n, k, n_star)
    shape = x.shape
    x, t_x, n, kk, ns = (v.ravel() for v in (x, t_x, n, kk, ns))
    ll = loglik(alpha, beta, gamma, delta, x, t_x, n)
    p_alive_n = np.minimum(np.exp(_log_alive_term(alpha, beta, gamma, delta, x, n, 0) - ll), 1.0)
    cond = _pmf_alive(alpha + x, beta + n - x, gamma, delta + n, kk, ns)
    out = np.where(kk == 0, 1.0 - p_alive_n, 0.0) + p_alive_n * cond
    return np.asarray(out.reshape(shape), dtype=np.float64)


def purchase_pmf_new(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, n: ArrayLike
) -> FloatArray:
    """P(X(n) = x) for a new customer over n opportunities, FHS10 eq. (7).

    C(n,x) B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
    + sum_{i=x}^{n-1} C(i,x) B(alpha+x, beta+i-x)/B(alpha,beta) B(gamma+1, delta+i)/B(gamma,delta).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import purchase_pmf_new
    >>> round(float(purchase_pmf_new(1.204, 0.750, 0.657, 2.783, range(7), 6).sum()), 12)
    1.0
    """
    xx, nn = _arrays(x, n)
    shape = xx.shape
    one = np.ones(xx.size)
    return _pmf_alive(alpha * one, beta * one, gamma, delta * one, xx, nn).reshape(shape)


def sample(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    n: ArrayLike,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Draw (x, t_x) for customers with n opportunities from the BG/BB model.

    p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta); the customer is alive at opportunity
    t with probability (1 - theta)^t and, while alive, transacts with probability p.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv._math.bgbb import sample
    >>> x, t_x = sample(1.2, 0.75, 0.66, 2.8, np.full(4, 6), np.random.default_rng(0))
    >>> bool(np.all(x <= t_x))
    True
    """
    nn = np.asarray(n, dtype=np.int64)
    size = nn.shape
    p = rng.beta(alpha, beta, size=size)
    theta = rng.beta(gamma, delta, size=size)
    alive_for = rng.geometric(theta) - 1  # opportunities survived before dropping out
    horizon = np.minimum(alive_for, nn)
    top = int(nn.max()) if nn.size else 0
    t = np.arange(1, top + 1)[None, :]
    buys = (rng.random((nn.size, top)) < p.reshape(-1, 1)) & (t <= horizon.reshape(-1, 1))
    x = buys.sum(axis=1).astype(float)
    last = np.where(buys.any(axis=1), top - np.argmax(buys[:, ::-1], axis=1), 0).astype(float)
    return x.reshape(size), last.reshape(size)


def stay_alive(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    n: ArrayLike,
    m: ArrayLike,
) -> FloatArray:
    """P(alive at opportunity n + 1 + m | alive at n + 1, x, n).

    A customer alive at opportunity n + 1 has the posterior dropout probability
    theta ~ Beta(gamma, delta + n + 1), so surviving m more opportunities has probability
    ``B(gamma, delta + n + 1 + m) / B(gamma, delta + n + 1)`` (FHS10, eq. 11 and A10; times
    :func:`prob_alive` it is lifetimes' ``conditional_probability_alive`` with
    ``m_periods_in_future = m + 1``).

    Examples
    --------
    >>> from custvalue.clv._math.bgbb import stay_alive
    >>> round(float(stay_alive(1.204, 0.750, 0.657, 2.783, 2, 6, 5)), 4)
    0.7595
    """
    _x, n_, m_ = _arrays(x, n, m)
    out = betaln(gamma, delta + n_ + 1.0 + m_) - betaln(gamma, delta + n_ + 1.0)
    return np.asarray(np.exp(out), dtype=np.float64)


def rates(
    alpha: float, beta: float, gamma: float, delta: float, n: int, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """Draw new customers' transaction and dropout probabilities per opportunity.

    ``p ~ Beta(alpha, beta)``, ``theta ~ Beta(gamma, delta)`` (FHS10, section 2).
    """
    return {
        "transaction_probability": np.asarray(rng.beta(alpha, beta, size=n), dtype=np.float64),
        "dropout_probability": np.asarray(rng.beta(gamma, delta, size=n), dtype=np.float64),
    }
