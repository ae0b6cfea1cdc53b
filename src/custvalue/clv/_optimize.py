"""The maximum-likelihood solver of the CLV models (pandas-free).

A model hands over a :class:`Problem` (its log-likelihood pieces and parameter ranges) and the
compressed data (distinct rows and their counts); :func:`minimise` returns an
:class:`OptimResult` or raises :class:`~custvalue.exceptions.ConvergenceError`.

The objective is that of :mod:`custvalue.clv._problem`; the Newton routine and the BFGS
fallback are in :mod:`custvalue.clv._newton`.

Strategy
--------
* Models whose math provides the exact Hessian: line-searched Newton iterations with it
  (about 10 evaluations; three or four from a warm start).
* Otherwise BFGS (scipy) with analytic gradients, then Newton polishing with the
  finite-difference Hessian of the analytic gradient; from a warm start, Newton iterations
  with the subset's (fixed) Hessian replace BFGS.

On many distinct rows both paths start from the optimum on a deterministic subset of them
(:func:`subset_start`, the one warm start), fitted by the path's own method: about
:data:`WARM_ROWS` rows above :data:`WARM_MIN_ROWS` (BFGS path), or 1/8 of the rows (itself
started from 1/8 of those, ...) once that is at least 500 (exact-Hessian path).

All Newton iterations are one routine, :func:`~custvalue.clv._newton.newton`, with the
Hessian as a parameter (exact, fixed or finite differences).

Acceptance
----------
Whatever ``tol`` is, a result is accepted only when it is a maximum
(:mod:`custvalue.clv._acceptance`): ``tol`` (capped at :data:`TOL_CAP`) can make the solver
stop earlier; it never weakens those checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._acceptance import check_optimum, fail
from ._newton import bfgs, newton
from ._problem import (
    BAD,
    U_BOUND,
    Array,
    Columns,
    Objective,
    Problem,
    fd_hessian,
    objective,
    objective_hess,
    problem_from_math,
)

__all__ = [
    "OptimResult",
    "Problem",
    "minimise",
    "problem_from_math",
]

TOL_CAP = 1e-3
"""``tol`` above this acts as this: the solver never stops at a coarser gradient."""
HESS_REUSE = 1e-5
"""A finite-difference Hessian from a point this close (in ``u``) is reused for the errors."""
WARM_MIN_ROWS = 50_000
"""Distinct rows above which the fit starts from a subset fit (:func:`subset_start`)."""
WARM_ROWS = 10_000
"""About this many distinct rows in the subset."""
EXACT_WARM_FACTOR = 8
"""The exact-Hessian path starts from a subset of 1 / 8 of the rows (itself started from 1/8
of its rows, and so on) ..."""
EXACT_WARM_MIN = 500
"""... when that subset has at least 500 rows."""


@dataclass(frozen=True)
class OptimResult:
    """The optimum reached and how.

    Attributes
    ----------
    u : numpy.ndarray
        Optimum in ``u = log(theta - lower)``.
    loglik : float
        Weighted log-likelihood at ``u`` (penalty removed).
    grad_norm : float
        Largest absolute gradient component of the objective at ``u``.
    hess : numpy.ndarray
        Hessian of the objective in ``u`` at ``u`` (exact, or finite differences).
    n_iter : int
        Iterations (BFGS and Newton steps, subsets included).
    n_fev : int
        Objective evaluations on the full data.
    n_newton : int
        Newton steps on the full data.
    optimizer : str
        The path taken, e.g. ``"Newton (exact Hessian)"``.
    message : str
        How it ended.
    status : int
        0 when converged (scipy's convention).
    warm_rows : int
        Distinct rows of the subset that gave the start values (0: no subset).
    """

    u: Array
    loglik: float
    grad_norm: float
    hess: Array
    n_iter: int
    n_fev: int
    n_newton: int
    optimizer: str
    message: str
    status: int = 0
    warm_rows: int = 0

    def fit_info(self, n_distinct: int) -> dict[str, Any]:
        """Build the ``fit_info_`` dictionary of a fitted model.

        Parameters
        ----------
        n_distinct : int
            Distinct rows the fit ran on.

        Returns
        -------
        dict
            ``optimizer``, ``status``, ``success``, ``message``, ``n_iter``, ``n_fev``,
            ``n_newton``, ``grad_norm``, ``warm_start_rows``, ``loglik`` and ``n_distinct``.
        """
        return {
            "optimizer": self.optimizer,
            "status": self.status,
            "success": True,
            "message": self.message,
            "n_iter": self.n_iter,
            "n_fev": self.n_fev,
            "n_newton": self.n_newton,
            "grad_norm": self.grad_norm,
            "warm_start_rows": self.warm_rows,
            "loglik": self.loglik,
            "n_distinct": int(n_distinct),
        }


# --------------------------------------------------------------------------- subsets


@dataclass(frozen=True)
class SubsetStart:
    """Start values from a fit on a deterministic subset of the distinct rows.

    Attributes
    ----------
    u : numpy.ndarray
        The subset optimum.
    hess : numpy.ndarray or None
        The subset objective's Hessian there, when the solver computed it.
    n_iter : int
        Iterations spent on the subsets.
    rows : int
        Distinct rows of the (largest) subset.
    """

    u: Array
    hess: Array | None
    n_iter: int
    rows: int


Solve = Callable[[Columns, Array, Array], tuple[Array, Array | None, int] | None]
"""``solve(columns, counts, u_start) -> (u, Hessian or None, iterations)`` or None."""


def subset(counts: Array, factor: int) -> tuple[NDArray[np.intp], Array] | None:
    """Draw a deterministic subset of about 1 / ``factor`` of the rows, with its counts.

    Rows with a count of at least ``factor`` times the mean count are all kept (there are at
    most ``1 / factor`` of them); of the others every ``factor``-th (in their given order: no
    randomness) is kept with its count times ``factor``, so that the subset's mean
    log-likelihood estimates the full one.

    Parameters
    ----------
    counts : numpy.ndarray
        Weight of each distinct row.
    factor : int
        Thinning factor (>= 2).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        Row positions and their counts; None when the heavy rows alone are more than half.
    """
    n = counts.shape[0]
    heavy = counts >= factor * float(np.mean(counts))
    light = np.flatnonzero(~heavy)[::factor]
    idx = np.sort(np.concatenate([np.flatnonzero(heavy), light]))
    if idx.shape[0] > n // 2:
        return None
    return idx, np.where(heavy[idx], counts[idx], counts[idx] * factor)


def subset_start(
    cols: Columns,
    counts: Array,
    u0: Array,
    *,
    rows: int,
    solve: Solve,
    inner_min: int | None = None,
) -> SubsetStart | None:
    """Start values from the optimum on a subset of about ``rows`` distinct rows.

    The one warm start of both solver paths: the rows are thinned by :func:`subset` with
    the factor ``len(counts) // rows``, the subset is fitted by ``solve`` and its optimum
    (sampling error: a gradient of ~1e-3 on the full data) starts the full fit, which then
    needs a few evaluations (three or four for Newton with the exact Hessian). With
    ``inner_min`` the subset is itself started from a subset of 1/8 of its rows while that
    has at least ``inner_min`` rows, so the iterations far from the optimum run on few rows.
    Measured: the exact-Hessian path is fastest from 1/8 of the rows with inner subsets
    (Pareto/NBD, 1M distinct rows: 5.2 s, against 6.0 s from one subset of 10k rows; 43k
    rows: 0.16 s against 0.20 s); the BFGS path from one level of about 10k rows (BG/NBD,
    1M distinct rows: 0.90 s against 1.0 s with 1/8 and inner subsets), because its
    subset fit also needs a finite-difference Hessian.

    Parameters
    ----------
    cols : tuple of numpy.ndarray
        Data columns (distinct rows).
    counts : numpy.ndarray
        Weight of each row.
    u0 : numpy.ndarray
        Start of the (smallest) subset fit.
    rows : int
        About how many distinct rows the subset has.
    solve : callable
        Fits a subset from a start.
    inner_min : int, optional
        Smallest inner subset (no inner subsets by default).

    Returns
    -------
    SubsetStart or None
        None when the subset cannot be drawn, or its fit fails or ends near the bounds of
        ``u``.
    """
    picked = subset(counts, max(2, counts.shape[0] // rows))
    if picked is None:
        return None
    idx, sub_counts = picked
    sub_cols = tuple(c[idx] for c in cols)
    start, n_inner = u0, 0
    if inner_min is not None and idx.shape[0] // EXACT_WARM_FACTOR >= inner_min:
        inner = subset_start(
            sub_cols,
            sub_counts,
            u0,
            rows=idx.shape[0] // EXACT_WARM_FACTOR,
            solve=solve,
            inner_min=inner_min,
        )
        if inner is not None:
            start, n_inner = inner.u, inner.n_iter
    res = solve(sub_cols, sub_counts, start)
    if res is None or not bool(np.all(np.abs(res[0]) < U_BOUND - 1.0)):
        return None
    u, hess, n_iter = res
    return SubsetStart(u, hess, n_iter + n_inner, int(idx.shape[0]))


# --------------------------------------------------------------------------- the solver


def minimise(
    problem: Problem,
    cols: Columns,
    counts: Array,
    *,
    u0: Array,
    u_ref: Array,
    tol: float,
    max_iter: int,
) -> OptimResult:
    """Minimise the objective over ``u`` and check that the result is a maximum.

    Parameters
    ----------
    problem : Problem
        The model's pieces.
    cols : tuple of numpy.ndarray
        Data columns (distinct rows).
    counts : numpy.ndarray
        Weight of each row (> 0).
    u0 : numpy.ndarray
        Start values in ``u``.
    u_ref : numpy.ndarray
        The data-scaled start values in ``u`` (reference for runaway parameters).
    tol : float
        Stopping tolerance on the gradient norm (capped at :data:`TOL_CAP`).
    max_iter : int
        Iteration limit; reaching it raises ConvergenceError.

    Returns
    -------
    OptimResult
        The accepted optimum.

    Raises
    ------
    ConvergenceError
        No maximum was reached; the message names the optimiser and the likely cause.
    """
    tol = min(float(tol), TOL_CAP)
    fun = objective(problem, cols, counts)
    if problem.weighted_hess is not None:
        done = _exact_path(problem, cols, counts, fun, u0, u_ref, tol, max_iter)
        if done is not None:
            return done
    return _bfgs_path(problem, cols, counts, fun, u0, u_ref, tol, max_iter)


def _bfgs_path(
    problem: Problem,
    cols: Columns,
    counts: Array,
    fun: Objective,
    u0: Array,
    u_ref: Array,
    tol: float,
    max_iter: int,
) -> OptimResult:
    """BFGS (or, on many rows, Newton with a subset's Hessian), then Newton polishing."""
    n = counts.shape[0]
    large = n > WARM_MIN_ROWS
    n_iter = n_fev = status = warm_rows = 0
    optimizer = "BFGS + Newton"
    message = ""
    u: Array | None = None
    if large:
        warm = subset_start(cols, counts, u0, rows=WARM_ROWS, solve=_bfgs_solver(problem, max_iter))
        if warm is not None and warm.hess is not None:
            warm_rows = warm.rows
            fixed = newton(
                fun,
                warm.u,
                hessian=warm.hess,
                target=tol,
                floor=math.inf,
                max_steps=15,
                step_target=None,
                stall=0.7,
            )
            n_iter += warm.n_iter + fixed.n_iter
            n_fev += fixed.n_fev
            if fixed.grad_norm <= tol:
                u = fixed.u
                optimizer = "BFGS on a subset + Newton"
                message = "converged: Newton iterations with the subset's Hessian"
            else:
                u0 = fixed.u
    if u is None:
        res = bfgs(fun, u0, gtol=tol, max_iter=max(int(max_iter) - n_iter, 1))
        u = res.u
        n_iter += res.n_iter
        n_fev += res.n_fev
        status = res.status
        message = res.message
        f, g = fun(u)
        gn = float(np.max(np.abs(g)))
        if f >= BAD or not math.isfinite(f):
            raise fail(
                problem.name,
                "BFGS",
                message,
                "the log-likelihood is not finite at the parameters reached; check the data "
                "for extreme values (it is not a matter of adding a penalizer)",
                n_iter,
                gn,
            )
        if res.status == 1 or n_iter >= int(max_iter):  # BFGS: 1 = maxiter reached
            raise fail(
                problem.name,
                "BFGS",
                message,
                f"the iteration limit max_iter={max_iter} was reached; raise max_iter",
                n_iter,
                gn,
            )
    # Newton polishing with the finite-difference Hessian of the analytic gradient
    polish = newton(
        fun,
        u,
        hessian="forward" if large else "central",
        target=tol * 1e-3,
        floor=tol,
        max_steps=30,
    )
    n_fev += polish.n_fev
    u = polish.u
    hess = polish.hess
    if (
        hess is None
        or polish.hess_at is None
        or float(np.max(np.abs(u - polish.hess_at))) >= HESS_REUSE
    ):
        hess = fd_hessian(fun, u)
    check_optimum(
        problem,
        u,
        u_ref,
        polish.g,
        hess,
        optimizer="BFGS",
        message=message,
        n_iter=n_iter,
        tol=tol,
        fun=fun,
    )
    return OptimResult(
        u=u,
        loglik=-(polish.f - problem.penalty(u)) * float(counts.sum()),
        grad_norm=polish.grad_norm,
        hess=hess,
        n_iter=n_iter,
        n_fev=n_fev,
        n_newton=polish.n_iter,
        optimizer=optimizer,
        message=message,
        status=status,
        warm_rows=warm_rows,
    )


def _bfgs_solver(problem: Problem, max_iter: int) -> Solve:
    """Build the subset solver of the BFGS path: BFGS to 1e-6, then the FD Hessian."""

    def solve(cols: Columns, counts: Array, u_start: Array) -> tuple[Array, Array, int] | None:
        sub = objective(problem, cols, counts)
        res = bfgs(sub, u_start, gtol=1e-6, max_iter=max_iter)
        if not (
            res.status == 0
            and math.isfinite(res.f)
            and res.f < BAD
            and bool(np.all(np.abs(res.u) < U_BOUND - 1.0))
            and res.n_iter < int(max_iter)
        ):
            return None
        hess = fd_hessian(sub, res.u)
        if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess)[0] <= 0:
            return None
        return res.u, hess, res.n_iter

    return solve


def _exact_solver(problem: Problem, tol: float, max_iter: int) -> Solve:
    """Build the subset solver of the exact-Hessian path: Newton to a gradient of 1e-4.

    The subset optimum is only a start: its sampling error (gradient ~1e-3 on the full
    data) dwarfs 1e-4.
    """

    def solve(cols: Columns, counts: Array, u_start: Array) -> tuple[Array, None, int] | None:
        sub = objective_hess(problem, cols, counts)
        res = newton(
            sub,
            u_start,
            hessian="exact",
            target=1e-4,
            floor=tol,
            max_steps=max_iter,
            step_target=None,
        )
        if not (res.converged or res.grad_norm <= tol):
            return None
        return res.u, None, res.n_iter

    return solve


def _exact_path(
    problem: Problem,
    cols: Columns,
    counts: Array,
    fun: Objective,
    u0: Array,
    u_ref: Array,
    tol: float,
    max_iter: int,
) -> OptimResult | None:
    """Newton with the exact Hessian from a subset start (or from ``u0``); None if it fails."""
    fun_h = objective_hess(problem, cols, counts)
    start = None
    n = counts.shape[0]
    if n // EXACT_WARM_FACTOR >= EXACT_WARM_MIN:
        # Newton with the exact Hessian pays for a subset start sooner than BFGS does
        solve = _exact_solver(problem, tol, max_iter)
        rows = n // EXACT_WARM_FACTOR
        start = subset_start(cols, counts, u0, rows=rows, solve=solve, inner_min=EXACT_WARM_MIN)
    attempts = [(u0, 0)] if start is None else [(start.u, start.rows), (u0, 0)]
    optimizer = "Newton (exact Hessian)"
    message = "converged: Newton iterations with the exact Hessian"
    for u_start, rows in attempts:
        res = newton(
            fun_h, u_start, hessian="exact", target=tol * 1e-3, floor=tol, max_steps=max_iter
        )
        if res.grad_norm > tol or res.hess is None or res.f >= BAD:
            continue
        check_optimum(
            problem,
            res.u,
            u_ref,
            res.g,
            res.hess,
            optimizer=optimizer,
            message=message,
            n_iter=res.n_iter,
            tol=tol,
            fun=fun,
        )
        return OptimResult(
            u=res.u,
            loglik=-(res.f - problem.penalty(res.u)) * float(counts.sum()),
            grad_norm=res.grad_norm,
            hess=res.hess,
            n_iter=res.n_iter,
            n_fev=res.n_fev,
            n_newton=res.n_iter,
            optimizer=optimizer,
            message=message,
            warm_rows=rows,
        )
    return None
