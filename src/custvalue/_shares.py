"""Shares above each customer, the kernel of the tier and class limits (ties kept together).

Every limit of :mod:`custvalue.abc` and :mod:`custvalue.pyramid` is read against one of two
shares: the share of the total value held by customers with a strictly larger value, or the
share of customers with a strictly larger value. Because both count only *strictly* larger
values, equal values always get the same share, and a limit that falls inside a block of
equal values never splits it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_before_share", "value_before_share"]


def value_before_share(sorted_desc: np.ndarray) -> np.ndarray:
    """For values sorted descending, the share of the total held by strictly larger values.

    Equal values get the same share (the share before their tie block), so a class limit
    that falls inside a tie block never splits it.

    Parameters
    ----------
    sorted_desc : numpy.ndarray
        Non-negative values sorted largest first, with a positive total.

    Returns
    -------
    numpy.ndarray
        Shares (float64) in [0, 1), one per value, in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._shares import value_before_share
    >>> value_before_share(np.array([5.0, 3.0, 1.0, 1.0])).tolist()
    [0.0, 0.5, 0.8, 0.8]
    """
    n = sorted_desc.size
    csum = np.cumsum(sorted_desc)
    total = csum[-1]
    # start of each tie block
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_desc[1:], sorted_desc[:-1], out=starts[1:])
    block_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    before = np.where(block_start > 0, csum[block_start - 1], 0.0)
    return np.asarray(before / total, dtype="float64")


def rank_before_share(values: np.ndarray) -> np.ndarray:
    """Per customer (input order), the share of customers with a strictly larger value.

    Parameters
    ----------
    values : numpy.ndarray
        Finite values, in any order.

    Returns
    -------
    numpy.ndarray
        Shares (float64) in [0, 1), one per value, in input order.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._shares import rank_before_share
    >>> rank_before_share(np.array([1.0, 5.0, 3.0, 5.0])).tolist()
    [0.75, 0.0, 0.5, 0.0]
    """
    n = values.size
    # number of values strictly greater than v = n - (number of values <= v); the queries
    # are made in sorted order (cache-friendly) and scattered back
    order = np.argsort(values)
    sorted_asc = values[order]
    n_le = np.searchsorted(sorted_asc, sorted_asc, side="right")
    out = np.empty(n, dtype="float64")
    out[order] = (n - n_le) / n
    return out
