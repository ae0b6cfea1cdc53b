"""The objective the CLV solver minimises, built from a model's formulas (pandas-free).

The optimiser works on ``u = log(theta - lower)`` and minimises

    f(u) = -(sum_i c_i ll_i) / sum_i c_i + penalizer * sum_{shape params} u_j^2

over the compressed data (distinct rows ``i`` with counts ``c_i``). :class:`Problem` holds a
model's pieces; :func:`objective` and :func:`objective_hess` turn them into functions of ``u``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Problem",
    "fd_hessian",
    "objective",
    "objective_hess",
    "problem_from_math",
]

Array = NDArray[np.float64]
Columns = tuple[Array, ...]
Objective = Callable[[Array], tuple[float, Array]]
"""``u -> (f, gradient)``: the minimised objective and its gradient in ``u``."""
ObjectiveHess = Callable[[Array], tuple[float, Array, Array, Array]]
"""``u -> (f, gradient, Hessian, BHHH matrix)`` in ``u``."""

U_BOUND = 45.0
"""``|log(theta - lower)|`` beyond this means the parameter ran to 0 or infinity."""
BAD = 1e300
"""Objective value standing in for "not finite"."""


@dataclass(frozen=True)
class Problem:
    """What the solver needs from a model.

    Parameters
    ----------
    name : str
        Model for messages, e.g. ``"BG/NBD (BetaGeoModel)"``.
    param_names : tuple of str
        Natural parameters, in the order of the math functions.
    lower : numpy.ndarray
        Lower end of each parameter's range (``theta = lower + exp(u)``).
    shape : numpy.ndarray of bool
        The penalised (unit-free) parameters.
    penalizer : float
        Weight of the penalty.
    prepare : callable
        ``prepare(columns, counts) -> data``, once per (sub)set of rows.
    weighted : callable
        ``weighted(theta, data) -> (sum c ll, sum c grad)`` in natural parameters.
    weighted_hess : callable or None
        ``weighted_hess(theta, columns, counts) -> (sum c ll, sum c grad, sum c hess,
        sum c grad grad^T)``, when the math provides the exact Hessian.
    """

    name: str
    param_names: tuple[str, ...]
    lower: Array
    shape: NDArray[np.bool_]
    penalizer: float
    prepare: Callable[[Columns, Array], Any]
    weighted: Callable[[Array, Any], tuple[float, Array]]
    weighted_hess: Callable[[Array, Columns, Array], tuple[float, Array, Array, Array]] | None = (
        None
    )
    free: NDArray[np.bool_] | None = None
    """Parameters on the whole real line (covariate coefficients): ``theta = u`` there."""

    def natural(self, u: Array) -> Array:
        """Natural parameters ``lower + exp(u)`` (``u`` itself for the free ones)."""
        if self.free is None:
            return np.asarray(self.lower + np.exp(u), dtype=np.float64)
        return np.asarray(np.where(self.free, u, self.lower + np.exp(u)), dtype=np.float64)

    def jacobian(self, u: Array) -> Array:
        """``d theta / d u`` per parameter: ``exp(u)``, or 1 for the free ones."""
        if self.free is None:
            return np.asarray(np.exp(u), dtype=np.float64)
        return np.asarray(np.where(self.free, 1.0, np.exp(u)), dtype=np.float64)

    def curvature(self, u: Array) -> Array:
        """``d2 theta / d u2`` per parameter: ``exp(u)``, or 0 for the free ones."""
        if self.free is None:
            return np.asarray(np.exp(u), dtype=np.float64)
        return np.asarray(np.where(self.free, 0.0, np.exp(u)), dtype=np.float64)

    def penalty(self, u: Array) -> float:
        """Compute the penalty term of the objective at ``u``."""
        if not self.penalizer:
            return 0.0
        return float(self.penalizer) * float(np.sum(u[self.shape] ** 2))


def problem_from_math(
    math_module: Any,
    *,
    name: str,
    param_names: tuple[str, ...],
    lower: tuple[float, ...],
    shape_params: tuple[str, ...],
    penalizer: float,
    hessian: bool,
    free: tuple[bool, ...] | None = None,
) -> Problem:
    """Build the :class:`Problem` of a model whose formulas are in ``math_module``.

    The module's ``prepare(*columns, counts)`` and ``weighted_loglik_grad(*params, prepared)``
    (sums over the rows) are used when it has both, else its per-row
    ``loglik_grad(*params, *columns)``; with ``hessian``, its
    ``weighted_loglik_grad_hess(*params, *columns, counts)``.

    Parameters
    ----------
    math_module : module or namespace
        The model's pandas-free formulas.
    name : str
        Model for messages.
    param_names : tuple of str
        Natural parameters, in the order of the math functions.
    lower : tuple of float
        Lower end of each parameter's range.
    shape_params : tuple of str
        The penalised (unit-free) parameters.
    penalizer : float
        Weight of the penalty.
    hessian : bool
        Use the module's exact Hessian.
    free : tuple of bool, optional
        Parameters on the whole real line (``theta = u``); default none.

    Returns
    -------
    Problem
        The solver's view of the model.
    """
    aggregated = hasattr(math_module, "weighted_loglik_grad") and hasattr(math_module, "prepare")

    def prepare(cols: Columns, counts: Array) -> Any:
        if aggregated:
            return math_module.prepare(*cols, counts)
        return cols, counts

    def weighted(theta: Array, prepared: Any) -> tuple[float, Array]:
        params = (float(v) for v in theta)
        if aggregated:
            ll, grad = math_module.weighted_loglik_grad(*params, prepared)
            return float(ll), np.asarray(grad, dtype=np.float64)
        cols, counts = prepared
        ll_rows, grad_rows = math_module.loglik_grad(*params, *cols)
        return float(np.einsum("i,i->", counts, ll_rows)), np.asarray(
            np.einsum("i,ij->j", counts, grad_rows), dtype=np.float64
        )

    def weighted_hess(
        theta: Array, cols: Columns, counts: Array
    ) -> tuple[float, Array, Array, Array]:
        ll, g, h, opg = math_module.weighted_loglik_grad_hess(
            *(float(v) for v in theta), *cols, counts
        )
        return (
            float(ll),
            np.asarray(g, np.float64),
            np.asarray(h, np.float64),
            np.asarray(opg, np.float64),
        )

    return Problem(
        name=name,
        param_names=param_names,
        lower=np.asarray(lower, dtype=np.float64),
        shape=np.array([n in shape_params for n in param_names]),
        penalizer=float(penalizer),
        prepare=prepare,
        weighted=weighted,
        weighted_hess=weighted_hess if hessian else None,
        free=None if free is None or not any(free) else np.asarray(free, dtype=bool),
    )


def objective(problem: Problem, cols: Columns, counts: Array) -> Objective:
    """Build the objective ``u -> (f, gradient)`` on the given rows.

    Parameters
    ----------
    problem : Problem
        The model's pieces.
    cols : tuple of numpy.ndarray
        Data columns (distinct rows).
    counts : numpy.ndarray
        Weight of each row (> 0).

    Returns
    -------
    callable
        ``f(u)`` and its gradient; ``(1e300, 0)`` where it is not finite or ``|u|`` exceeds
        :data:`U_BOUND` (the optimiser may probe far-out parameters; over- and underflow
        there must not surface as warnings).
    """
    prepared = problem.prepare(cols, counts)
    total = float(counts.sum())

    def fun(u: Array) -> tuple[float, Array]:
        if not np.all(np.abs(u) <= U_BOUND):
            return BAD, np.zeros_like(u)
        with np.errstate(all="ignore"):
            ll, grad = problem.weighted(problem.natural(u), prepared)
            f = -float(ll) / total
            gu = (-np.asarray(grad, dtype=np.float64) / total) * problem.jacobian(u)
            if problem.penalizer:
                f += problem.penalty(u)
                gu = gu + np.where(problem.shape, 2.0 * problem.penalizer * u, 0.0)
        if not (math.isfinite(f) and np.all(np.isfinite(gu))):
            return BAD, np.zeros_like(u)
        return f, gu

    return fun


def objective_hess(problem: Problem, cols: Columns, counts: Array) -> ObjectiveHess:
    """Build the objective with its exact Hessian and BHHH matrix in ``u``.

    With ``theta = lower + exp(u)`` and ``J = diag(exp(u))`` the Hessian in ``u`` is
    ``J H J + diag(g * exp(u))``; both matrices are those of the minimised objective (mean
    negative log-likelihood plus penalty).

    Parameters
    ----------
    problem : Problem
        The model's pieces; ``problem.weighted_hess`` must be set.
    cols : tuple of numpy.ndarray
        Data columns (distinct rows).
    counts : numpy.ndarray
        Weight of each row.

    Returns
    -------
    callable
        ``u -> (f, gradient, Hessian, BHHH)``; non-finite values come back as ``1e300`` and
        NaN matrices.
    """
    weighted_hess = problem.weighted_hess
    if weighted_hess is None:
        raise ValueError(f"{problem.name}: the model has no exact Hessian")
    total = float(counts.sum())
    pen = float(problem.penalizer)

    def fun(u: Array) -> tuple[float, Array, Array, Array]:
        k = u.shape[0]
        bad = (BAD, np.zeros(k), np.full((k, k), np.nan), np.full((k, k), np.nan))
        if not np.all(np.abs(u) <= U_BOUND):
            return bad
        with np.errstate(all="ignore"):
            ll, g, h, opg = weighted_hess(problem.natural(u), cols, counts)
            jac = problem.jacobian(u)
            f = -float(ll) / total
            gu = -np.asarray(g) * jac / total
            hu = -np.asarray(h) * np.outer(jac, jac) / total + np.diag(
                -np.asarray(g) * problem.curvature(u) / total
            )
            bu = np.asarray(opg) * np.outer(jac, jac) / total
            if pen:
                f += problem.penalty(u)
                gu = gu + np.where(problem.shape, 2.0 * pen * u, 0.0)
                extra = np.diag(np.where(problem.shape, 2.0 * pen, 0.0))
                hu = hu + extra
                bu = bu + extra
        if not (
            math.isfinite(f)
            and np.all(np.isfinite(gu))
            and np.all(np.isfinite(hu))
            and np.all(np.isfinite(bu))
        ):
            return bad
        return f, gu, hu, bu

    return fun


def fd_hessian(fun: Objective, u: Array, g0: Array | None = None) -> Array:
    """Finite differences of the analytic gradient, symmetrised.

    Parameters
    ----------
    fun : callable
        The objective.
    u : numpy.ndarray
        Point.
    g0 : numpy.ndarray, optional
        The gradient at ``u``: forward differences (step 1e-5, error ~1e-5 relative, half the
        evaluations) from it; central differences (step 1e-4, error ~1e-8 relative) without.

    Returns
    -------
    numpy.ndarray
        The ``(k, k)`` Hessian.
    """
    k = u.shape[0]
    h = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        if g0 is None:
            e[j] = 1e-4
            h[:, j] = (fun(u + e)[1] - fun(u - e)[1]) / 2e-4
        else:
            e[j] = 1e-5
            h[:, j] = (fun(u + e)[1] - g0) / 1e-5
    return np.asarray(0.5 * (h + h.T))
