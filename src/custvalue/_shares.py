"""Shares above each customer and the computed ABC points: the kernels of the limits.

Every limit of :mod:`custvalue.abc` and :mod:`custvalue.pyramid` is read against one of two
shares: the share of the total value held by customers with a strictly larger value, or the
share of customers with a strictly larger value. Because both count only *strictly* larger
values, equal values always get the same share, and a limit that falls inside a block of
equal values never splits it. :func:`computed_points` finds the limits of the computed ABC
analysis on the same sorted values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["computed_points", "rank_before_share", "value_before_share"]


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
    # before[i]: the running sum up to (not including) position i
    before = np.empty(n, dtype="float64")
    before[0] = 0.0
    np.cumsum(sorted_desc[:-1], out=before[1:])
    total = before[-1] + sorted_desc[-1]  # (the cumulative sum's last step)
    # start of each tie block
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_desc[1:], sorted_desc[:-1], out=starts[1:])
    if not starts.all():
        # inside a tie block, the sum before the block: the running sums never decrease
        # (the values are >= 0), so the latest block start's is the largest so far
        np.maximum.accumulate(np.where(starts, before, 0.0), out=before)
    before /= total
    return before


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


def computed_points(sorted_desc: np.ndarray) -> dict[str, Any]:
    """Find the set limits of the computed ABC analysis; values sorted descending, >= 0.

    Ultsch & Lötsch (2015), PLoS One 10(6) e0129767, section "Computed ABC analysis":
    the ABC curve plots effort (share of items, largest first) against yield (share of the
    total). The Pareto point is the curve point nearest (0, 1); the break-even point is
    where the slope dABC/dx equals 1; the A/B limit is the one of the two with the smaller
    effort; the submarginal point, nearest (B_x, 1) with B_x the effort of the other one,
    is the B/C limit. As in the paper and the R packages, the curve is drawn over the
    positive values only (zero values are class C). Here the curve is the empirical one (its
    points at k/n, no spline smoothing). On it the slope of the segment ending at item k is
    ``v_(k) / mean(v)``, so the break-even point is the last item with ``v >= mean``. Ties
    in the distances are resolved towards the smaller effort.
    """
    s = sorted_desc[: np.count_nonzero(sorted_desc > 0)]  # the positive values, a prefix
    n = s.size
    total = s.sum()
    x = np.arange(1, n + 1, dtype="float64") / n
    y = np.cumsum(s) / total
    y[-1] = 1.0
    i_pareto = int(np.argmin(x * x + (1.0 - y) ** 2))
    # slope of the segment ending at item k is s[k] * n / total; break-even: last item
    # whose segment slope is >= 1 (the curve is concave, slopes never increase)
    i_be = int(np.searchsorted(-s * n, -total, side="right")) - 1
    i_be = max(i_be, 0)
    exchanged = i_be < i_pareto
    i_ab = min(i_pareto, i_be)
    i_b = max(i_pareto, i_be)
    i_sub = int(np.argmin((x - x[i_b]) ** 2 + (1.0 - y) ** 2))
    i_sub = max(i_sub, i_ab)
    return {
        "a_min_value": float(s[i_ab]),
        "b_min_value": float(s[i_sub]),
        "pareto_point": (float(x[i_pareto]), float(y[i_pareto])),
        "break_even_point": (float(x[i_be]), float(y[i_be])),
        "submarginal_point": (float(x[i_sub]), float(y[i_sub])),
        "ab_point": (float(x[i_ab]), float(y[i_ab])),
        "ab_exchanged": bool(exchanged),
    }
