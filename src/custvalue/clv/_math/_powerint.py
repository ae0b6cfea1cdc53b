"""The power integral of the Pareto/NBD family, by fixed Gauss-Legendre quadrature (pandas-free).

Every Gaussian hypergeometric term of the Pareto/NBD expressions (Fader & Hardie 2005, "A Note
on Deriving the Pareto/NBD Model and Related Expressions", eq. 16-23) is the integral

    I(a, b; lo, hi) = integral_lo^hi (alpha + y)^-a (beta + y)^-b dy,

computed in log space by fixed Gauss-Legendre quadrature after the substitution
``zeta = log((m + y) / (m + lo))``, ``m = min(alpha, beta)``. In ``zeta`` the integrand is
``exp(-K zeta) (1 + E exp(-zeta))^-p`` (``K = a + b - 1``,
``E = |alpha - beta| / (m + lo)``, ``p`` the exponent of the larger of alpha, beta), which
is log-concave with slope between ``-K`` and ``-K + p``; the range is cut where the
integrand has fallen by ``exp(-36)`` (analytic bounds from log-concavity), and 32 nodes on
the remaining range (16 where a Bernstein-ellipse bound shows the integrand is smooth
enough; 8 on short, nearly flat ranges) give ~1e-13 relative accuracy for ``x`` up to 1e5,
``t_x == T``, ``t_x = 0`` and ``alpha`` above, below or equal to ``beta`` (checked against
mpmath in the tests). The endpoints do not depend on the parameters, so gradients are
integrals of the same integrand times d log(integrand) / d theta, taken at the same nodes,
and so is the exact Hessian (second moments of those derivatives at the same nodes).

``alpha`` and ``beta`` may be arrays (one value per row: the covariate models), broadcast
with the other arguments; a row's result depends only on that row's values.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "N_NODES",
    "N_NODES_EASY",
    "N_NODES_SMOOTH",
    "PAIRS",
    "Integral",
    "log_power_integral",
    "log_power_integral_cov",
]

FloatArray = NDArray[np.float64]

N_NODES = 32
"""Gauss-Legendre nodes used for the integral I(a, b; lo, hi)."""

_BLOCK = 512  # rows per quadrature block
_CUT = 36.0  # integrand range cut where it has fallen below exp(-_CUT) of its maximum

N_NODES_EASY = 16
"""Nodes used where the integrand is provably smooth on its range (see ``_easy_rows``)."""


def _rule(n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [0, 1], and weights * nodes."""
    x, w = np.polynomial.legendre.leggauss(n)
    nodes, weights = (x + 1.0) / 2.0, w / 2.0
    return nodes, weights, weights * nodes


N_NODES_SMOOTH = 8
"""Nodes used where the integrand is nearly flat on a short range (see ``_eight_node_rows``)."""

_RULE = _rule(N_NODES)
_RULE_EASY = _rule(N_NODES_EASY)
_RULE_SMOOTH = _rule(N_NODES_SMOOTH)
_NODES, _WEIGHTS, _WEIGHTS_X = _RULE


class Integral(NamedTuple):
    """log I and, optionally, the integrand-weighted means needed for gradients."""

    log_value: FloatArray
    mean_log_a: FloatArray  # E[log(alpha + y)] under the normalised integrand
    mean_inv_a: FloatArray  # E[1 / (alpha + y)]
    mean_log_b: FloatArray  # E[log(beta + y)]
    mean_inv_b: FloatArray  # E[1 / (beta + y)]


def log_power_integral(
    a: FloatArray,
    b: FloatArray,
    alpha: float | FloatArray,
    beta: float | FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    moments: bool = False,
) -> Integral:
    """Log of integral_lo^hi (alpha + y)^-a (beta + y)^-b dy, elementwise.

    Requires a, b > 0, a + b > 1, alpha, beta > 0 and 0 <= lo <= hi. Where lo == hi the
    log value is -inf and the means are 0. This integral is the 2F1 term of FH05
    eq. (18)-(21) (likelihood) written without the hypergeometric function.
    """
    return log_power_integral_cov(a, b, alpha, beta, lo, hi, moments)[0]


def log_power_integral_cov(
    a: FloatArray,
    b: FloatArray,
    alpha: float | FloatArray,
    beta: float | FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    moments: bool = False,
    second: bool = False,
) -> tuple[Integral, FloatArray | None]:
    """Compute :func:`log_power_integral` and, optionally, covariances under its integrand.

    With ``moments`` and ``second``, also the covariance (4, 4, ...) under the normalised
    integrand of (log(alpha + y), 1 / (alpha + y), log(beta + y), 1 / (beta + y)) (else
    None).
    """
    scalar = np.ndim(alpha) == 0 and np.ndim(beta) == 0
    a, b, lo, hi, al, be = np.broadcast_arrays(
        np.asarray(a, float),
        np.asarray(b, float),
        np.asarray(lo, float),
        np.asarray(hi, float),
        np.asarray(alpha, float),
        np.asarray(beta, float),
    )
    shape = a.shape
    a, b, lo, hi, al, be = (v.ravel() for v in (a, b, lo, hi, al, be))
    if scalar:  # one pair (alpha, beta) for every row
        m: float | FloatArray = min(float(alpha), float(beta))
        big: bool | NDArray[np.bool_] = bool(float(alpha) >= float(beta))
        gap: float | FloatArray = abs(float(alpha) - float(beta))
        p = a if big else b  # exponent of the factor with the larger constant
    else:
        m = np.minimum(al, be)
        big = al >= be
        gap = np.abs(al - be)
        p = np.where(big, a, b)
    K = a + b - 1.0
    base = m + lo
    E = gap / base
    Z = np.log1p((hi - lo) / base)
    pos = Z > 0

    # Log-concavity in zeta gives two cut points, whichever is nearer:
    # slope at 0 is -kappa0 (and only falls), and beyond zeta1 = log(2 p E / K) the
    # slope is below -K / 2.
    frac = E / (1.0 + E)
    kappa0 = K - p * frac
    with np.errstate(divide="ignore"):
        zeta1 = np.maximum(0.0, np.log(2.0 * p * E / K))
        cut1 = np.where(kappa0 > 0, _CUT / np.where(kappa0 > 0, kappa0, 1.0), np.inf)
    ZT = np.minimum(np.minimum(Z, cut1), zeta1 + 2.0 * _CUT / K)
    # mode of the integrand in zeta (interior only when kappa0 < 0, i.e. p > K)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_mode = np.where(kappa0 < 0, np.log(E * (p - K) / np.where(kappa0 < 0, K, 1.0)), 0.0)
    z_mode = np.clip(np.where(np.isfinite(z_mode), z_mode, 0.0), 0.0, ZT)

    phi_mode = -K * z_mode - p * np.log1p(E * np.exp(-z_mode))
    total = np.empty(a.shape)
    second = second and moments
    sums = np.zeros((18 if second else 4, a.size)) if moments else None
    easy = _easy_rows(ZT, K, p, E)
    smooth = easy & _eight_node_rows(ZT, K, p, E)
    for rule, rows in (
        (_RULE_SMOOTH, np.flatnonzero(smooth)),
        (_RULE_EASY, np.flatnonzero(easy & ~smooth)),
        (_RULE, np.flatnonzero(~easy)),
    ):
        # Blocks of rows keep the (rows x nodes) temporaries in cache; each is vectorised.
        for lo_i in range(0, rows.size, _BLOCK):
            ix = rows[lo_i : lo_i + _BLOCK]
            tb, sb = _quadrature_block(
                rule, ZT[ix], K[ix], p[ix], E[ix], phi_mode[ix], moments, second
            )
            total[ix] = tb
            if sums is not None and sb is not None:
                sums[:, ix] = sb
    log_value = np.full(a.shape, -np.inf)
    log_value[pos] = -K[pos] * np.log(base[pos]) + phi_mode[pos] + np.log(ZT[pos] * total[pos])
    if sums is None:
        z0 = np.zeros(shape)
        return Integral(log_value.reshape(shape), z0, z0, z0, z0), None

    # log(m + y) = log(m + lo) + zeta ; log(M + y) = log(m + y) + log1p(E exp(-zeta))
    inv_total = np.zeros(a.shape)
    inv_total[pos] = 1.0 / total[pos]
    mean_log_small = np.log(base) + ZT * sums[0] * inv_total
    mean_log_large = mean_log_small + sums[1] * inv_total
    mean_inv_small = sums[2] * inv_total / base
    mean_inv_large = sums[3] * inv_total / base
    if scalar:
        if big:
            out = (mean_log_large, mean_inv_large, mean_log_small, mean_inv_small)
        else:
            out = (mean_log_small, mean_inv_small, mean_log_large, mean_inv_large)
    else:
        out = (
            np.where(big, mean_log_large, mean_log_small),
            np.where(big, mean_inv_large, mean_inv_small),
            np.where(big, mean_log_small, mean_log_large),
            np.where(big, mean_inv_small, mean_inv_large),
        )
    cov = None
    if second:
        # Covariances of q (see ``_second_sums``): q = (log(small + y), log(large + y),
        # (small + y)^-1 base, (large + y)^-1 base) up to constants, permuted to
        # (log(alpha + y), 1/(alpha + y), log(beta + y), 1/(beta + y)) and rescaled.
        mean_q = sums[4:8] * inv_total
        inv_base = 1.0 / base
        orders = ((1, 3, 0, 2), (0, 2, 1, 3))  # alpha the larger constant, or beta
        covs = []
        for order in orders if not scalar else (orders[0] if big else orders[1],):
            rescale = [inv_base if q >= 2 else None for q in order]
            c4 = np.empty((4, 4, a.size))
            for i, j in PAIRS:
                qi, qj = order[i], order[j]
                lo_q, hi_q = min(qi, qj), max(qi, qj)
                c = sums[8 + PAIRS.index((lo_q, hi_q))] * inv_total - mean_q[qi] * mean_q[qj]
                for sc in (rescale[i], rescale[j]):
                    if sc is not None:
                        c = c * sc
                c4[i, j] = c
                c4[j, i] = c
            covs.append(c4)
        cov = covs[0] if scalar else np.where(big, covs[0], covs[1])
    return (
        Integral(log_value.reshape(shape), *(o.reshape(shape) for o in out)),
        None if cov is None else cov.reshape((4, 4, *shape)),
    )


def _easy_rows(ZT: FloatArray, K: FloatArray, p: FloatArray, E: FloatArray) -> NDArray[np.bool_]:
    """Rows on which the 16-node rule is as accurate as the 32-node one (~1e-15).

    On [0, ZT] the log-integrand -K zeta - p log1p(E exp(-zeta)) is analytic except at
    zeta = log E +- i pi. Gauss-Legendre with n nodes then errs by about rho^(-2n), rho the
    Bernstein-ellipse parameter of that singularity for the interval; the exponential and
    the log1p factor also vary by at most K ZT and p E / (1 + E) ZT over the range. Rows
    with rho >= 4 and both variations <= 6 get 16 nodes (rho^-32 < 1e-19,
    3^32 / 32! < 1e-20); all others get 32. Where ZT <= 1.05 the singularity is at least
    2 pi / ZT > 5.98 half-lengths off the range, so rho > 12 without computing it.
    """
    ok = (E > 0) & (ZT > 1.05)
    rho = np.full(ZT.shape, np.inf)  # alpha == beta (no singularity) or short range
    if np.any(ok):
        half = 0.5 * ZT[ok]
        z0 = (np.log(E[ok]) - half) / half + 1j * (np.pi / half)
        with np.errstate(all="ignore"):  # far-away singularities overflow to rho = inf: easy
            w = z0 + np.sqrt(z0 - 1.0) * np.sqrt(z0 + 1.0)
            rho_ok = np.abs(w)
            rho_ok = np.maximum(rho_ok, 1.0 / rho_ok)
        rho[ok] = np.where(np.isnan(rho_ok), 0.0, rho_ok)  # undecided: use 32 nodes
    return np.asarray(
        (ZT <= 0) | ((rho >= 4.0) & (K * ZT <= 6.0) & (p * E / (1.0 + E) * ZT <= 6.0)),
        dtype=bool,
    )


def _eight_node_rows(
    ZT: FloatArray, K: FloatArray, p: FloatArray, E: FloatArray
) -> NDArray[np.bool_]:
    """Rows (of the 16-node ones) on which 8 nodes are as accurate (~1e-17 relative).

    As in ``_easy_rows``: the singularities zeta = log E +- i pi lie at imaginary distance
    pi from the range, i.e. at least 2 pi / ZT >= 5.98 half-lengths when ZT <= 1.05, so the
    Bernstein-ellipse parameter is rho >= 5.98 + sqrt(1 + 5.98^2) > 12 and the error of 8
    nodes is about rho^-16 < 1e-17; the variations K ZT and p E / (1 + E) ZT of the two
    factors are at most 2, for which 8-node Gauss-Legendre errs by about
    2^17 (8!)^4 / (17 (16!)^3) < 3e-18 on exp(c t), |c| <= 1, t in [-1, 1].
    """
    return np.asarray((ZT <= 1.05) & (K * ZT <= 2.0) & (p * E / (1.0 + E) * ZT <= 2.0), dtype=bool)


def _quadrature_block(
    rule: tuple[FloatArray, FloatArray, FloatArray],
    ZT: FloatArray,
    K: FloatArray,
    p: FloatArray,
    E: FloatArray,
    phi_mode: FloatArray,
    moments: bool,
    second: bool = False,
) -> tuple[FloatArray, FloatArray | None]:
    """Gauss-Legendre sums of exp(phi(zeta) - phi(mode)) on [0, ZT] for a block of rows.

    Returns the plain sum and, with ``moments``, the sums weighted by zeta / ZT,
    log1p(E u), u and u / (1 + E u) (u = exp(-zeta)), shape (4, rows); with ``second``
    also the 14 sums of ``_second_sums`` (rows 4..17).
    """
    nodes, weights, weights_x = rule
    u = np.multiply.outer(-ZT, nodes)
    expo = u * K[:, None]  # -K zeta
    np.exp(u, out=u)  # u = exp(-zeta) = (m + lo) / (m + y)
    eu = u * E[:, None]
    l1p = np.log1p(eu)  # log((M + y) / (m + y))
    expo -= l1p * p[:, None]
    expo -= phi_mode[:, None]
    e = np.exp(expo, out=expo)
    # a per-row sum, not a BLAS product: BLAS sums the last rows of a block in another
    # order, so a customer's value would depend on the rows around it (a Dask partition)
    total = (e * weights).sum(axis=1)
    if not moments:
        return total, None
    sums = np.empty((18 if second else 4, ZT.size))
    if second:
        _second_sums(e, weights, np.multiply.outer(ZT, nodes), u, eu, l1p, E, sums[4:])
    sums[0] = e @ weights_x
    l1p *= e
    sums[1] = l1p @ weights
    e *= u
    sums[2] = e @ weights
    eu += 1.0
    e /= eu
    sums[3] = e @ weights
    return total, sums


PAIRS = [(i, j) for i in range(4) for j in range(i, 4)]


def _second_sums(
    e: FloatArray,
    weights: FloatArray,
    zeta: FloatArray,
    u: FloatArray,
    eu: FloatArray,
    l1p: FloatArray,
    E: FloatArray,
    out: FloatArray,
) -> None:
    """Weighted sums for second derivatives, written into ``out`` (14, rows).

    ``e`` is the integrand at the nodes, ``weights`` the quadrature weights. With
    q = (zeta, zeta + log1p(E u) - log1p(E), u - 1, u / (1 + E u) - 1 / (1 + E)), i.e.
    log(small + y), log(large + y), (small + y)^-1 and (large + y)^-1 up to their values at
    y = lo and the factor 1 / (small + lo) of the last two (so that the covariances taken
    from these sums do not cancel), ``out`` holds sum w e q_i (4 rows) and
    sum w e q_i q_j for i <= j (10 rows, in ``PAIRS`` order).
    """
    Ec = E[:, None]
    q1 = l1p - np.log1p(Ec)
    q1 += zeta
    q2 = u - 1.0
    q3 = q2 / ((1.0 + eu) * (1.0 + Ec))
    q = (zeta, q1, q2, q3)
    f = np.empty((14, *e.shape))
    for i in range(4):
        np.multiply(q[i], e, out=f[i])  # e q_i
    for k, (i, j) in enumerate(PAIRS):
        np.multiply(f[i], q[j], out=f[4 + k])  # e q_i q_j
    np.matmul(f, weights, out=out)
