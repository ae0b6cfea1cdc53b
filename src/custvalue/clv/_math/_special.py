"""Shared special functions for the BG/NBD family, evaluated where the textbook forms break.

The central quantity is the expected number of purchases of a "fresh" BG/NBD customer,

    E(r, alpha, a, b; t) = E[(1 - exp(-lambda p t)) / p],
    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b),

which Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
24(2), give in eq. (9) as

    (a + b - 1) / (a - 1) * [1 - (alpha / (alpha + t))**r * 2F1(r, b; a + b - 1; z)],
    z = t / (alpha + t).

Written that way it has a removable singularity at ``a = 1``, a pole of 2F1 at
``a + b - 1 = 0``, and a 2F1 that overflows for large ``r`` and ``b`` (a customer with
n_repeat ~ 1e5) while being multiplied by an underflowing power.  The conditional
expectations of BG/NBD (eq. 10) and MBG/NBD (Batislam, Denizel & Filiztekin 2007) are the same
function at updated parameters, so one robust evaluation serves all of them.

Evaluation used here (derivation in the docstring of :func:`bg_expected_count`):

1. Euler's transformation 2F1(A, B; C; z) = (1 - z)**(C - A - B) 2F1(C - A, C - B; C; z)
   (Abramowitz & Stegun 15.3.3) turns the bracket into
   ``1 - (1 - z)**(a - 1) * 2F1(a + b - 1 - r, a - 1; a + b - 1; z)``: the parameters
   ``a + b - 1 - r`` and ``a - 1`` no longer grow with the customer's history and the 2F1
   stays O(1), so nothing overflows.
2. ``a = 1``: the bracket vanishes like (a - 1); near it the function is evaluated by
   six-point Lagrange interpolation in ``a`` on nodes 1 +/- k * 0.005 (k = 1, 2, 3), where
   the closed form is well conditioned (interpolation error ~ 0.005**6).
3. ``r + 1 - a`` within 1e-3 of an integer: the transformed 2F1 is in the logarithmic case
   of its connection formula at z = 1, where scipy's hyp2f1 returns NaN or loses digits; the
   function is interpolated in ``r`` from nodes 0.005-0.015 away.
4. ``a + b - 1 < 0.5``: the Beta mixture identity
   B(a, b) E_{a,b} = B(a, b + 1) E_{a,b+1} + B(a + 1, b) E_{a+1,b}
   (from p**(a-1) (1-p)**(b-1) = p**(a-1) (1-p)**b + p**a (1-p)**(b-1)) raises
   ``a + b - 1`` by one before the closed form is used.

Tested against mpmath (quadrature of the defining integral) at extreme points in
``tests/clv/test_math_special.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import hyp2f1

__all__ = ["bg_expected_count"]

_A_DELTA = 0.005
_NODES = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
_C_MIN = 0.5
_R_DELTA = 1e-3
_Z_SERIES = 0.25


def _hyp2f1_minus_one(
    a1: NDArray[np.float64], a2: Any, c: NDArray[np.float64], z: NDArray[np.float64]
) -> NDArray[np.float64]:
    """2F1(a1, a2; c; z) - 1 summed term by term (z <= 0.25: at most ~30 terms to 1e-17)."""
    term = np.ones_like(z)
    total = np.zeros_like(z)
    for k in range(200):
        term = term * (a1 + k) * (a2 + k) / ((c + k) * (k + 1.0)) * z
        total += term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    return total


def _closed_form(
    r: NDArray[np.float64],
    alpha: NDArray[np.float64],
    a: Any,
    b: NDArray[np.float64],
    t: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Euler-transformed eq. (9); needs |a - 1| >= ~1e-3 and a + b - 1 > 0."""
    c = a + b - 1.0
    d = c - r
    z = t / (alpha + t)
    log1mz = -np.log1p(t / alpha)  # log(1 - z), exact for large t / alpha
    # 1 - (1-z)^(a-1) F = -expm1((a-1) log(1-z)) - (1-z)^(a-1) (F - 1); F - 1 by its power
    # series where z is small (there F - 1 is far below the rounding error of F itself)
    fm1 = np.empty_like(z)
    low = z <= _Z_SERIES
    if np.any(low):
        fm1[low] = _hyp2f1_minus_one(d[low], _take(a, low) - 1.0, c[low], z[low])
    high = ~low
    if np.any(high):
        fm1[high] = hyp2f1(d[high], _take(a, high) - 1.0, c[high], z[high]) - 1.0
    power = np.exp((a - 1.0) * log1mz)
    bracket = -np.expm1((a - 1.0) * log1mz) - power * fm1
    return np.asarray(c / (a - 1.0) * bracket, dtype=np.float64)


def _lagrange_weights(at: NDArray[np.float64], nodes: NDArray[np.float64]) -> list[Any]:
    """Weights of the Lagrange polynomial through ``nodes`` evaluated at ``at``."""
    weights = []
    for j in range(nodes.shape[-1]):
        w: Any = 1.0
        for k in range(nodes.shape[-1]):
            if k != j:
                w = w * (at - nodes[..., k]) / (nodes[..., j] - nodes[..., k])
        weights.append(w)
    return weights


def _regular_r(
    r: NDArray[np.float64],
    alpha: NDArray[np.float64],
    a: Any,
    b: NDArray[np.float64],
    t: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Evaluate the closed form, interpolated in r where r + 1 - a is (nearly) an integer.

    There the Euler-transformed 2F1 has c - A - B = r + 1 - a integer, the logarithmic case
    of its z -> 1 connection formula, which scipy's hyp2f1 returns as NaN (exactly) or
    inaccurately (within ~1e-6). The function is analytic in r, so it is interpolated from
    six nodes 0.005-0.015 away from the degenerate point.
    """
    shift = r + 1.0 - a
    dist = shift - np.round(shift)
    bad = np.abs(dist) < _R_DELTA
    if not np.any(bad):
        return _closed_form(r, alpha, a, b, t)
    out = np.empty(r.shape, dtype=np.float64)
    good = ~bad
    if np.any(good):
        out[good] = _closed_form(r[good], alpha[good], _take(a, good), b[good], t[good])
    centre = r[bad] - dist[bad]
    nodes = centre[:, None] + _A_DELTA * _NODES[None, :]
    weights = _lagrange_weights(r[bad], nodes)
    acc = np.zeros(centre.shape, dtype=np.float64)
    for j, w in enumerate(weights):
        acc += w * _closed_form(nodes[:, j], alpha[bad], _take(a, bad), b[bad], t[bad])
    out[bad] = acc
    return out


def _take(a: Any, mask: NDArray[np.bool_]) -> Any:
    """``a[mask]`` for a per-row parameter, ``a`` itself for a scalar."""
    return a[mask] if np.ndim(a) else a


def _regular_c(
    r: NDArray[np.float64],
    alpha: NDArray[np.float64],
    a: float,
    b: NDArray[np.float64],
    t: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Evaluate the closed form, interpolated across the removable singularity a = 1."""
    if abs(a - 1.0) >= _A_DELTA:
        return _regular_r(r, alpha, a, b, t)
    nodes = 1.0 + _A_DELTA * _NODES
    out = np.zeros(np.shape(r), dtype=np.float64)
    for w, aj in zip(_lagrange_weights(np.asarray(a), nodes), nodes, strict=True):
        out += float(w) * _regular_r(r, alpha, float(aj), b, t)
    return out


def bg_expected_count(
    r: ArrayLike, alpha: ArrayLike, a: ArrayLike, b: ArrayLike, t: ArrayLike
) -> NDArray[np.float64]:
    r"""Compute the expected purchases in (0, t] of a customer alive at 0 (BG/NBD dynamics).

    ``E[(1 - exp(-lambda p t)) / p]`` with ``lambda ~ Gamma(r, alpha)`` (rate alpha) and
    ``p ~ Beta(a, b)``: Fader, Hardie & Lee (2005), Marketing Science 24(2), eq. (9).
    With ``r + x, alpha + T, a, b + x`` it is the numerator of their eq. (10).

    Finite and accurate for every ``r, alpha, a, b > 0`` and ``t >= 0``: see the module
    docstring for the transformations used at ``a = 1``, ``a + b <= 1`` and for large
    ``r`` and ``b``.

    Parameters
    ----------
    r, alpha : array_like
        Gamma shape and rate of the purchase rate (broadcast together with ``b`` and ``t``).
    a : float or array_like
        First Beta parameter of the dropout probability (a scalar, or one per element).
    b : array_like
        Second Beta parameter.
    t : array_like
        Horizon lengths, >= 0.

    Returns
    -------
    numpy.ndarray
        The expectation, broadcast shape of the array inputs.

    Examples
    --------
    >>> from custvalue.clv._math._special import bg_expected_count
    >>> round(float(bg_expected_count(0.243, 4.414, 0.793, 2.426, 52.0)), 3)
    1.446
    """
    if np.ndim(a):
        return _expected_count_rows(r, alpha, a, b, t)
    r_, alpha_, b_, t_ = (
        np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(r, alpha, b, t)
    )
    a = float(a)  # type: ignore[arg-type]
    out = np.empty(r_.shape, dtype=np.float64)
    small = (a + b_ - 1.0) < _C_MIN
    big = ~small
    if np.any(big):
        out[big] = _regular_c(r_[big], alpha_[big], a, b_[big], t_[big])
    if np.any(small):
        rs, als, bs, ts = r_[small], alpha_[small], b_[small], t_[small]
        w = bs / (a + bs)
        out[small] = w * bg_expected_count(rs, als, a, bs + 1.0, ts) + (
            1.0 - w
        ) * bg_expected_count(rs, als, a + 1.0, bs, ts)
    return out


def _expected_count_rows(
    r: ArrayLike, alpha: ArrayLike, a: ArrayLike, b: ArrayLike, t: ArrayLike
) -> NDArray[np.float64]:
    """:func:`bg_expected_count` with one ``a`` per row (models with covariates on a).

    The same evaluation, row by row: the closed form away from ``a = 1``, the six-point
    interpolation in ``a`` within 0.005 of it, the Beta mixture identity where
    ``a + b - 1 < 0.5``.
    """
    r_, alpha_, a_, b_, t_ = (
        np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(r, alpha, a, b, t)
    )
    out = np.empty(r_.shape, dtype=np.float64)
    small = (a_ + b_ - 1.0) < _C_MIN
    near = ~small & (np.abs(a_ - 1.0) < _A_DELTA)
    far = ~small & ~near
    if np.any(far):
        out[far] = _regular_r(r_[far], alpha_[far], a_[far], b_[far], t_[far])
    if np.any(near):
        nodes = 1.0 + _A_DELTA * _NODES
        acc = np.zeros(int(near.sum()), dtype=np.float64)
        for w, aj in zip(_lagrange_weights(a_[near], nodes), nodes, strict=True):
            acc += w * _regular_r(r_[near], alpha_[near], float(aj), b_[near], t_[near])
        out[near] = acc
    if np.any(small):
        rs, als, as_, bs, ts = r_[small], alpha_[small], a_[small], b_[small], t_[small]
        w = bs / (as_ + bs)
        out[small] = w * _expected_count_rows(rs, als, as_, bs + 1.0, ts) + (
            1.0 - w
        ) * _expected_count_rows(rs, als, as_ + 1.0, bs, ts)
    return out
