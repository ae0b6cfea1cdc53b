"""How far two floating-point sums of the same quantity may differ by rounding alone.

Two code paths that add the same terms in a different order (a dot product vs ``np.sum`` vs
``einsum``, compressed vs raw rows, two libraries) get results that differ in the last bits.
A test comparing such sums needs a tolerance, and the tolerance should say where it comes
from rather than be a guessed ``1e-9``.

The bound used here is the standard one for recursive summation and dot products, Higham,
*Accuracy and Stability of Numerical Algorithms* (2nd ed., SIAM 2002), eqs. (3.5) and (4.4):
for n terms and unit roundoff ``u = eps / 2``,

    |fl(sum_i w_i t_i) - sum_i w_i t_i| <= gamma_n * sum_i |w_i t_i|,   gamma_n = n u / (1 - n u).

It holds for every order of summation (pairwise, blocked, BLAS with FMA), which is exactly
the point: it bounds the difference between two orders without knowing either.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2.0


def gamma_n(n: int) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: relative error bound of a float64 sum of n
    non-negative terms (or of n rounded operations), in any order.

    Examples
    --------
    >>> gamma_n(12) < 13 * UNIT_ROUNDOFF
    True
    """
    return n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF)


def summation_tolerance(
    terms: ArrayLike, weights: ArrayLike | None = None, *, term_ulps: float = 0.0
) -> float:
    """Bound on the rounding error of the float64 sum ``sum_i w_i t_i``.

    Parameters
    ----------
    terms : array-like
        The summed terms ``t_i`` (any shape; flattened).
    weights : array-like, optional
        Weights ``w_i`` of a weighted sum (a dot product); default all 1.
    term_ulps : float, default 0
        When the terms are themselves computed (log-likelihood contributions from
        ``betaln``, ``log`` or quadrature), a bound on the relative error of each term in
        units of ``u``; it adds ``term_ulps * u * sum |w_i t_i|``. 0 for exact inputs.

    Returns
    -------
    float
        ``(gamma_n + term_ulps * u) * sum_i |w_i t_i|`` with ``n`` the number of terms.
        To compare two computed sums of the same quantity, add the two bounds.

    Examples
    --------
    Two orders of the same sum (they differ in the last bits) are each within the bound of
    the exact sum, so within twice the bound of each other:

    >>> t = np.random.default_rng(0).normal(size=10_000)
    >>> pairwise, left_to_right = float(np.sum(t)), sum(t.tolist())
    >>> abs(pairwise - left_to_right) <= 2 * summation_tolerance(t)
    True
    """
    t = np.asarray(terms, dtype=np.float64).ravel()
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != t.shape:
        raise ValueError(f"weights has {w.size} values for {t.size} terms")
    return float((gamma_n(t.size) + term_ulps * UNIT_ROUNDOFF) * np.sum(np.abs(w * t)))
