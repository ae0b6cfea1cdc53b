"""Deterministic quadrature of unimodal integrands in log space (pandas-free).

Several model quantities are integrals with no closed form that scipy evaluates reliably
(GGompertz/NBD's likelihood, Bemmaor & Glady 2012; the BG/NBD probability of staying alive,
a Gaussian hypergeometric function of negative argument). They are computed here the way
the Pareto/NBD terms are (:mod:`._powerint`): row by row, vectorised, with fixed
Gauss-Legendre rules on a range cut where the integrand has fallen by ``exp(-CUT)`` from its
maximum, in a variable chosen by the caller to keep the integrand smooth.

:func:`unimodal` takes the log-integrand ``f(v)`` and its derivative ``f'(v)`` on
``[lo, hi]`` (per row). It finds the mode by bisection on the sign of ``f'`` (the integrand
must rise then fall; a mode at either end is fine), the two cut points by bisection on ``f``,
and applies an ``n``-node Gauss-Legendre rule on each side of the mode. It returns the log of
the integral and the nodes and normalised weights, so that callers can take the mean of any
function under the normalised integrand at the same nodes (the gradients of a likelihood).
With ``CUT = 40`` the integrand varies by at most ``e**40`` on each side, where 32 nodes
integrate ``exp(-40 u)`` to 1e-14 relative; accuracy for each use is checked against mpmath
in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["CUT", "Quadrature", "bisect", "rule", "unimodal"]

Array = NDArray[np.float64]

CUT = 40.0
"""The range is cut where the integrand has fallen below ``exp(-CUT)`` of its maximum."""
_ITER = 26  # bisection steps: 2**-26 of the bracket (mode and cuts need no more)


def rule(n: int) -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1.0) / 2.0, w / 2.0


_RULES = {n: rule(n) for n in (16, 24, 32, 48, 64)}


class Quadrature(NamedTuple):
    """An integral per row: its log, and the nodes with normalised weights (rows, nodes)."""

    log_value: Array
    nodes: Array
    weights: Array

    def mean(self, values: Array) -> Array:
        """Mean of ``values`` (rows, nodes) under the normalised integrand, per row."""
        return np.asarray(np.einsum("ij,ij->i", self.weights, values), dtype=np.float64)


def bisect(left_of: Callable[[Array], NDArray[np.bool_]], lo: Array, hi: Array) -> Array:
    """Vectorised bisection: the point where ``left_of`` turns from True to False."""
    a, b = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    for _ in range(_ITER):
        mid = 0.5 * (a + b)
        go_right = left_of(mid)
        a = np.where(go_right, mid, a)
        b = np.where(go_right, b, mid)
    return 0.5 * (a + b)


_ROWS = 2048  # rows per block: the (rows x nodes) temporaries stay in cache


def unimodal(
    f: Callable[..., Array],
    df: Callable[..., Array],
    lo: Array,
    hi: Array,
    params: tuple[Array, ...] = (),
    *,
    n: int = 32,
    panels: int = 1,
) -> Quadrature:
    """Integrate ``exp(f(v, *params))`` over ``[lo, hi]`` per row (``f`` rises, then falls).

    ``f(v, *params)`` and ``df(v, *params)`` take ``v`` of shape (rows, k) and the row
    parameters as columns (rows, 1), and return shape (rows, k). Rows with ``lo == hi``
    get ``log_value = -inf`` and zero weights. Rows are processed in blocks, so the
    temporaries stay small whatever the number of rows.

    Parameters
    ----------
    f, df : callable
        Log-integrand and its derivative in ``v``.
    lo, hi : numpy.ndarray, shape (rows,)
        Integration range (finite, ``lo <= hi``).
    params : tuple of numpy.ndarray, shape (rows,)
        Row parameters handed to ``f`` and ``df``.
    n : int
        Gauss-Legendre nodes per panel (16, 24, 32, 48 or 64).
    panels : int
        Panels on each side of the mode, their widths doubling away from it (the first
        ``1 / (2**panels - 1)`` of the side): for integrands whose log falls slowly far
        from the mode but bends sharply near it.

    Returns
    -------
    Quadrature
        Log of the integral, the ``2 n panels`` nodes per row and their weights, normalised
        to sum to 1.
    """
    lo = np.asarray(lo, dtype=np.float64).ravel()
    hi = np.asarray(hi, dtype=np.float64).ravel()
    rows = lo.shape[0]
    cols = [np.broadcast_to(np.asarray(p, dtype=np.float64).ravel(), (rows,)) for p in params]
    k = 2 * n * panels
    log_value = np.full(rows, -np.inf)
    nodes = np.empty((rows, k))
    weights = np.zeros((rows, k))
    for start in range(0, rows, _ROWS):
        blk = slice(start, start + _ROWS)
        pb = tuple(c[blk][:, None] for c in cols)
        log_value[blk], nodes[blk], weights[blk] = _block(f, df, lo[blk], hi[blk], pb, n, panels)
    return Quadrature(log_value, nodes, weights)


def _block(
    f: Callable[..., Array],
    df: Callable[..., Array],
    lo: Array,
    hi: Array,
    pb: tuple[Array, ...],
    n: int,
    panels: int,
) -> tuple[Array, Array, Array]:
    """:func:`unimodal` on one block of rows."""
    rows = lo.shape[0]
    x, w = _RULES[n]
    edges = (2.0 ** np.arange(panels + 1) - 1.0) / (2.0**panels - 1.0)  # 0 .. 1, doubling

    def f1(v: Array) -> Array:
        return np.asarray(f(v[:, None], *pb)[:, 0], dtype=np.float64)

    def rising(v: Array) -> NDArray[np.bool_]:
        return np.asarray(df(v[:, None], *pb)[:, 0] > 0)

    with np.errstate(all="ignore"):
        mode = np.where(rising(hi), hi, np.where(rising(lo), bisect(rising, lo, hi), lo))
        f_mode = f1(mode)
        floor = f_mode - CUT
        left = np.where(f1(lo) >= floor, lo, bisect(lambda v: f1(v) < floor, lo, mode))
        right = np.where(f1(hi) >= floor, hi, bisect(lambda v: f1(v) >= floor, mode, hi))
        starts, widths = [], []
        for sign, side in ((-1.0, mode - left), (1.0, right - mode)):
            for j in range(panels):
                a = mode + sign * side * edges[j]
                b = mode + sign * side * edges[j + 1]
                starts.append(np.minimum(a, b))
                widths.append(np.abs(b - a))
        start = np.stack(starts, axis=1)  # (rows, 2 panels)
        width = np.stack(widths, axis=1)
        nodes = (start[:, :, None] + width[:, :, None] * x[None, None, :]).reshape(rows, -1)
        wts = (width[:, :, None] * w[None, None, :]).reshape(rows, -1)
        vals = np.exp(f(nodes, *pb) - f_mode[:, None]) * wts
        total = vals.sum(axis=1)
        pos = total > 0
        log_value = np.full(rows, -np.inf)
        log_value[pos] = f_mode[pos] + np.log(total[pos])
        weights = np.zeros_like(vals)
        weights[pos] = vals[pos] / total[pos, None]
    return log_value, nodes, weights
