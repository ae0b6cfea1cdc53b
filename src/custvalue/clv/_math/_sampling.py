"""Purchase times and amounts drawn from the models' own generative processes (pandas-free).

The purchase models' ``sample(*params, T, rng) -> (x, t_x)`` draw each customer's number of
repeat purchases ``x`` and the time ``t_x`` of the last one. In the Poisson-process models
(BG/NBD, MBG/NBD, Pareto/NBD) the repeat purchases are the events of a Poisson process in an
active window, so given ``x`` and ``t_x`` the other ``x - 1`` purchase times are independent
uniforms on ``(0, t_x)``: :func:`repeat_times` draws them, which turns the models' summary
simulation into a transaction log. :func:`gamma_gamma_amounts` draws the value of every
purchase from the Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM and CLV", Journal of
Marketing Research 42(4), appendix).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["gamma_gamma_amounts", "repeat_times"]

Array = NDArray[np.float64]


def repeat_times(
    x: ArrayLike, t_x: ArrayLike, rng: np.random.Generator
) -> tuple[NDArray[np.intp], Array]:
    """Draw the times of every customer's repeat purchases, given their number and the last.

    For customer ``i`` the times are ``t_x[i] * S_j / S_x`` (``j = 1 .. x[i]``), ``S_j`` the
    partial sums of ``x[i]`` standard exponentials: the first ``x - 1`` are the order
    statistics of ``x - 1`` uniforms on ``(0, t_x)`` and the last is exactly ``t_x``.

    Parameters
    ----------
    x : array-like of int, shape (n,)
        Repeat purchases per customer (>= 0).
    t_x : array-like, shape (n,)
        Time of the last repeat purchase (any value where ``x == 0``).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    customer : numpy.ndarray of intp
        For each purchase, the position of its customer (non-decreasing).
    times : numpy.ndarray
        Purchase times, increasing within each customer.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv._math._sampling import repeat_times
    >>> who, when = repeat_times([2, 0, 3], [5.0, 0.0, 1.0], np.random.default_rng(0))
    >>> who.tolist(), bool(when[1] == 5.0 and when[-1] == 1.0)
    ([0, 0, 2, 2, 2], True)
    """
    k = np.asarray(x, dtype=np.int64)
    tx = np.asarray(t_x, dtype=np.float64)
    n = k.shape[0]
    customer = np.repeat(np.arange(n, dtype=np.intp), k)
    total = int(k.sum())
    if total == 0:
        return customer, np.zeros(0)
    partial = np.cumsum(rng.standard_exponential(total))
    has = k > 0
    kh = k[has]
    ends = np.cumsum(kh)
    before = np.zeros(kh.shape[0])
    before[1:] = partial[ends[:-1] - 1]
    last = partial[ends - 1] - before  # S_x of each customer
    # per-customer values repeated over her purchases (sequential, unlike a gather)
    times = partial - np.repeat(before, kh)
    times /= np.repeat(last, kh)
    times *= np.repeat(tx[has], kh)
    times[ends - 1] = tx[has]  # exactly t_x, whatever the rounding of the sums
    return customer, times


def gamma_gamma_amounts(
    p: float,
    q: float,
    gamma: float,
    n_purchases: ArrayLike,
    rng: np.random.Generator,
) -> tuple[Array, NDArray[np.intp]]:
    """Draw the value of every purchase from the Gamma-Gamma model.

    Each customer has ``nu ~ Gamma(q, rate gamma)``; each of her purchases is worth
    ``z ~ Gamma(p, rate nu)`` (Fader, Hardie & Lee 2005, appendix; Fader & Hardie 2013,
    eqs. 1-2).

    Parameters
    ----------
    p, q, gamma : float
        Gamma-Gamma parameters (``gamma`` in money units).
    n_purchases : array-like of int, shape (n,)
        Purchases per customer (>= 0).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    amounts : numpy.ndarray
        One value per purchase, customer by customer.
    customer : numpy.ndarray of intp
        For each purchase, the position of its customer.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv._math._sampling import gamma_gamma_amounts
    >>> z, who = gamma_gamma_amounts(6.25, 3.74, 15.44, [2, 1], np.random.default_rng(0))
    >>> who.tolist(), bool((z > 0).all())
    ([0, 0, 1], True)
    """
    k = np.asarray(n_purchases, dtype=np.int64)
    nu = np.asarray(rng.gamma(q, 1.0 / gamma, size=k.shape[0]), dtype=np.float64)
    customer = np.repeat(np.arange(k.shape[0], dtype=np.intp), k)
    amounts = rng.gamma(p, 1.0, size=customer.shape[0])
    amounts /= np.repeat(nu, k)
    return np.asarray(amounts, dtype=np.float64), customer
