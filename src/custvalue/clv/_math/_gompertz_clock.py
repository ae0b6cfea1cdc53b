"""The Gompertz clock and the GGompertz/NBD likelihood integral (pandas-free).

Pieces of :mod:`.ggompertz`: the clock ``c(y) = (exp(b y) - 1) / b`` and its inverse, without
overflow for large ``b y``, and the integral

    integral_lo^hi (alpha + y)^-K exp(b y) (beta + c(y))^-(s+1) dy

by deterministic Gauss-Legendre quadrature in ``zeta = log((m + c(y)) / (m + c(lo)))``,
``m = min(alpha, beta, 1 / b)`` (see the docstring of :mod:`.ggompertz`), with the means under
its normalised integrand that the gradient needs. ``alpha`` and ``beta`` may be arrays (one
value per row); ``b`` and ``s`` are scalars.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import exprel

from ._quadrature import Quadrature, rule, unimodal

__all__ = ["clock", "log_beta_clock"]

Array = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]


def clock(y: ArrayLike, b: float) -> Array:
    """``c(y) = (exp(b y) - 1) / b``, ``y`` at ``b = 0``: the Gompertz clock."""
    yy = np.asarray(y, dtype=np.float64)
    return np.asarray(yy * exprel(b * yy), dtype=np.float64)


def _ell(w: Array, b: float) -> Array:
    """Return the inverse clock ``log1p(b w) / b`` (``w`` at b = 0)."""
    if b == 0.0:
        return w
    return np.asarray(np.log1p(b * w) / b, dtype=np.float64)


def _scale(alpha: Array, beta: Array, b: float) -> Array:
    m = np.minimum(alpha, beta)
    return m if b == 0.0 else np.minimum(m, 1.0 / b)


# --------------------------------------------------------------------------- the integral


def log_beta_clock(beta: ArrayLike, y: ArrayLike, b: float) -> Array:
    """``log(beta + c(y))`` without overflow: ``b y - log b + log1p((b beta - 1) e^-(b y))``."""
    be, yy = _arrays(beta, y)
    if b == 0.0:
        return np.asarray(np.log(be + yy), dtype=np.float64)
    z = b * yy
    with np.errstate(over="ignore"):
        direct = np.log(be + yy * exprel(np.minimum(z, 1.0)))
    far = z - np.log(b) + np.log1p((b * be - 1.0) * np.exp(-np.maximum(z, 1.0)))
    return np.asarray(np.where(z < 1.0, direct, far), dtype=np.float64)


def _ratios(L: Array, m: Array, beta: Array, b: Array) -> tuple[Array, Array, Array]:
    """Return three terms at ``w`` with ``log(m + w) = L``, without overflow for large ``L``.

    The terms: ``log(beta + w)``, ``(m + w) / (beta + w)`` and ``(m + w) / (1 + b w)``.
    """
    e = np.exp(-L)
    log_bw = L + np.log1p((beta - m) * e)
    return log_bw, 1.0 / (1.0 + (beta - m) * e), 1.0 / (b + (1.0 - b * m) * e)


def _b_of(b: Array | float) -> float:
    """Return the (common) b of a column of per-row values: b is a population constant."""
    return float(np.ravel(b)[0]) if np.ndim(b) else float(b)


def _ell_from_log(L: Array, m: Array, b: Array | float) -> Array:
    """``log1p(b w) / b`` (``w`` at b = 0) at ``w`` with ``log(m + w) = L``, without overflow."""
    bs = _b_of(b)
    top = float(np.max(L)) if np.size(L) else 0.0
    if bs == 0.0:
        return np.asarray(np.exp(L) - m, dtype=np.float64)
    if top < 700.0 and bs * np.exp(top) < 1e8:  # the usual case: plain log1p
        return np.asarray(np.log1p(bs * (np.exp(L) - m)) / bs, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # 1 + b w = b e^L + (1 - b m); for large b e^L in logs
        small = np.log1p(bs * (np.exp(np.minimum(L, 700.0)) - m)) / bs
        big = (np.log(bs) + L + np.log1p((1.0 - bs * m) * np.exp(-L) / bs)) / bs
        return np.asarray(np.where(bs * np.exp(np.minimum(L, 700.0)) < 1e8, small, big))


def _dead_f(
    z: Array, lbase: Array, m: Array, K: Array, alpha: Array, beta: Array, s1: Array, b: Array
) -> Array:
    L = lbase + z  # log(m + w)
    log_bw = L + np.log1p((beta - m) * np.exp(-L))
    return np.asarray(-K * np.log(alpha + _ell_from_log(L, m, b)) - s1 * log_bw + L)


def _dead_df(
    z: Array, lbase: Array, m: Array, K: Array, alpha: Array, beta: Array, s1: Array, b: Array
) -> Array:
    L = lbase + z
    _, m_over_bw, m_over_1bw = _ratios(L, m, beta, b)
    ell = _ell_from_log(L, m, b)
    return np.asarray(-K * m_over_1bw / (alpha + ell) - s1 * m_over_bw + 1.0)


_EASY_NODES = 24
"""Nodes of the one-panel rule where the log-integrand varies by at most 40 on the range."""
_EASY = rule(_EASY_NODES)


def _dead_integral(
    K: Array,
    alpha: Array,
    b: float,
    s: float,
    beta: Array,
    lo: Array,
    hi: Array,
    moments: bool = True,
) -> tuple[Array, dict[str, Array]]:
    """``integral_lo^hi (alpha + y)^-K exp(b y) (beta + c(y))^-(s+1) dy`` per row.

    Returns its log (``-inf`` where ``lo == hi``) and, with ``moments``, the means under the
    normalised integrand of ``log(alpha + y)``, ``1 / (alpha + y)``, ``log(beta + c(y))``,
    ``1 / (beta + c(y))``, ``y`` and ``(d c / d b) / (beta + c(y))`` (the gradient's pieces).

    In zeta the log-integrand's slope is within ``[-(K + s + 1), 1]`` (``m <= alpha, beta,
    1 / b`` bounds each ratio in it by 1), so where ``(K + s + 2) Z <= 40`` the integrand
    varies by at most ``e^40`` on the whole range and one 24-node Gauss-Legendre panel
    integrates it (``exp(-40 u)`` to 2e-14); the other rows get the mode-and-cut rule of
    :func:`~._quadrature.unimodal` (3 panels of 16 nodes each side).
    """
    K, alpha, beta, lo, hi = (v.ravel() for v in _arrays(K, alpha, beta, lo, hi))
    m = _scale(alpha, beta, b)
    lbase = log_beta_clock(m, lo, b)  # log(m + c(lo))
    Z = log_beta_clock(m, hi, b) - lbase
    n = K.shape[0]
    bb = np.full(n, float(b))
    s1 = np.full(n, s + 1.0)
    log_value = np.full(n, -np.inf)
    names = ("e_log_a", "e_inv_a", "e_log_b", "e_inv_b", "e_y", "e_dc")
    means = {k: np.zeros(n) for k in names} if moments else {}
    easy = (K + s + 2.0) * Z <= 40.0
    for rows in (np.flatnonzero(easy), np.flatnonzero(~easy)):
        if not rows.size:
            continue
        args = tuple(v[rows] for v in (lbase, m, K, alpha, beta, s1, bb))
        if easy[rows[0]]:
            x, w = _EASY
            nodes = Z[rows, None] * x[None, :]
            with np.errstate(all="ignore"):
                f = _dead_f(nodes, *(v[:, None] for v in args))
                top = np.max(f, axis=1)
                vals = np.exp(f - top[:, None]) * (Z[rows, None] * w[None, :])
            total = vals.sum(axis=1)
            pos = total > 0
            lv = np.full(rows.size, -np.inf)
            lv[pos] = top[pos] + np.log(total[pos])
            weights = np.zeros_like(vals)
            weights[pos] = vals[pos] / total[pos, None]
            quad = Quadrature(lv, nodes, weights)
        else:
            quad = unimodal(_dead_f, _dead_df, np.zeros(rows.size), Z[rows], args, n=16, panels=3)
        log_value[rows] = quad.log_value
        if not moments:
            continue
        # the zeta integral of exp(f) is the w integral, which is the y integral
        L = lbase[rows, None] + quad.nodes
        m2, be2, al2 = m[rows, None], beta[rows, None], alpha[rows, None]
        log_bw, _, _ = _ratios(L, m2, be2, bb[rows, None])
        y = _ell_from_log(L, m2, bb[rows, None])
        means["e_log_a"][rows] = quad.mean(np.log(al2 + y))
        means["e_inv_a"][rows] = quad.mean(1.0 / (al2 + y))
        means["e_log_b"][rows] = quad.mean(log_bw)
        means["e_inv_b"][rows] = quad.mean(np.exp(-log_bw))
        means["e_y"][rows] = quad.mean(y)
        means["e_dc"][rows] = quad.mean(_dclock_ratio(y, L, m2, be2, b))
    return log_value, means


def _dclock_ratio(y: Array, L: Array, m: Array, beta: Array, b: float) -> Array:
    """``(d c(y) / d b) / (beta + c(y))``, ``w = c(y)``, ``log(m + w) = L``.

    ``d c / d b = (y (1 + b w) - w) / b``; where ``b y`` is small that cancels, and the series
    ``y^2 (1/2 + b y / 3 + (b y)^2 / 8)`` is used instead.
    """
    e = np.exp(-L)
    denom = 1.0 + (beta - m) * e  # (beta + w) / (m + w)
    # the series where b y < 1e-3 (everywhere when b is 0 or tiny: the Pareto/NBD boundary)
    small = b * y < 1e-3
    if b == 0.0 or bool(np.all(small)):
        z = b * y
        return np.asarray(y * y * (0.5 + z / 3.0 + z * z / 8.0) * e / denom, dtype=np.float64)
    w_over = (1.0 - m * e) / denom  # w / (beta + w)
    one_bw_over = (b + (1.0 - b * m) * e) / denom  # (1 + b w) / (beta + w)
    out = (y * one_bw_over - w_over) / b
    if np.any(small):
        ys, zs = y[small], b * y[small]
        out[small] = ys * ys * (0.5 + zs / 3.0 + zs * zs / 8.0) * (e / denom)[small]
    return np.asarray(out, dtype=np.float64)
