"""The one Newton routine of the CLV solver, and its BFGS fallback (pandas-free)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import minimize

from ._problem import BAD, Array, Objective, ObjectiveHess, fd_hessian

__all__ = ["BFGSResult", "NewtonResult", "bfgs", "newton", "remaining_step"]

STEP_ACCEPT = 1e-4
"""Largest Newton step (in ``u``) left at an accepted point."""


HessianRule = Literal["exact", "forward", "central"] | Array
"""How :func:`newton` gets its Hessian: from the objective (``"exact"``), by forward or
central finite differences of the gradient, or a fixed matrix."""


@dataclass(frozen=True)
class NewtonResult:
    """Where :func:`newton` stopped.

    Attributes
    ----------
    u, f, g : numpy.ndarray, float, numpy.ndarray
        Point, objective and gradient.
    hess : numpy.ndarray or None
        The last Hessian used and ``hess_at`` the point where it was evaluated.
    n_iter, n_fev : int
        Steps taken and objective evaluations (finite differences included).
    converged : bool
        The gradient target was reached.
    """

    u: Array
    f: float
    g: Array
    hess: Array | None
    hess_at: Array | None
    n_iter: int
    n_fev: int
    converged: bool

    @property
    def grad_norm(self) -> float:
        """Largest absolute gradient component."""
        return float(np.max(np.abs(self.g)))


def _newton_step(h: Array, b: Array | None, g: Array) -> Array | None:
    """Solve for the Newton step ``-h^{-1} g`` by Cholesky.

    With the BHHH matrix ``b`` where ``h`` is not positive definite; None when neither is.
    """
    for m in (h, b):
        if m is None:
            continue
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            continue
        return np.asarray(-np.linalg.solve(chol.T, np.linalg.solve(chol, g)))
    return None


def _noise_level_step(f: float, f_new: float, gn: float, g_new: Array) -> bool:
    """Accept a step where the objective's rounding noise hides its (tiny) decrease.

    Near the optimum a Newton step lowers ``f`` by about ``g H^-1 g / 2``, far below the
    rounding error of a sum over many rows (~1e-14 relative). There the gradient is the
    reliable signal: a step is taken if ``f`` stays within 1e-14 relative and the gradient
    does not double, or ``f`` stays within 1e-12 relative and the gradient at least halves.
    """
    gn_new = float(np.max(np.abs(g_new)))
    return (f_new <= f + 1e-14 * abs(f) and gn_new < 2.0 * gn) or (
        f_new <= f + 1e-12 * abs(f) and gn_new <= 0.5 * gn
    )


def newton(
    fun: Objective | ObjectiveHess,
    u: Array,
    *,
    hessian: HessianRule,
    target: float,
    floor: float,
    max_steps: int,
    step_target: float | None = STEP_ACCEPT * 1e-2,
    stall: float | None = None,
) -> NewtonResult:
    """Line-searched Newton iterations, the one Newton routine of the solver.

    Each step is ``-H^{-1} g``, at most a factor ``e**2`` per parameter, shortened by
    halving until the Armijo condition holds; below the gradient norm ``floor`` (the
    rounding-noise regime near the optimum) the gradient decides instead
    (``_noise_level_step``), and so it does wherever the decrease the step promises is below
    the objective's rounding noise (1e-12 relative). Iterations stop once the gradient norm
    is at most ``target`` and the Newton step left (from the last Hessian, identified
    directions only) is at most ``step_target``; when no step is accepted; when neither the
    Hessian nor the BHHH matrix is positive definite; after ``max_steps`` steps; or
    (``stall``) when a step shrinks the gradient norm by less than that factor (a fixed
    Hessian converges linearly: a slow rate means it is not accurate enough).

    Parameters
    ----------
    fun : callable
        The objective; with ``hessian="exact"`` it also returns the Hessian and the BHHH
        matrix (used where the Hessian is not positive definite, e.g. far from the optimum).
    u : numpy.ndarray
        Start.
    hessian : {"exact", "forward", "central"} or numpy.ndarray
        Where the Hessian comes from (a matrix: fixed for every step).
    target : float
        Gradient norm to reach.
    floor : float
        Gradient norm below which rounding noise dominates (see above).
    max_steps : int
        Step limit.
    step_target : float or None, default ``STEP_ACCEPT / 100``
        Largest Newton step left at a converged point; None: the gradient alone decides.
    stall : float, optional
        Stop when a step shrinks the gradient norm by less than this factor.

    Returns
    -------
    NewtonResult
        The last point reached (the caller decides whether it is good enough); ``hess`` is
        the last Hessian evaluated and ``hess_at`` where (None for a fixed matrix).
    """
    exact = isinstance(hessian, str) and hessian == "exact"
    fixed = None if isinstance(hessian, str) else np.asarray(hessian, dtype=np.float64)

    def evaluate(v: Array) -> tuple[float, Array, Array | None, Array | None]:
        out = fun(v)
        if exact:
            f_, g_, h_, b_ = out  # type: ignore[misc]
            return float(f_), g_, h_, b_
        f_, g_ = out  # type: ignore[misc]
        return float(f_), g_, None, None

    f, g, h, b = evaluate(u)
    n_fev = 1
    hess: Array | None = fixed
    hess_at: Array | None = None
    if exact:
        hess, hess_at = h, u
    if f >= BAD:
        return NewtonResult(u, f, g, None, None, 0, n_fev, False)
    it = 0
    while True:
        gn = float(np.max(np.abs(g)))
        if gn <= target:
            if step_target is None or hess is None:
                return NewtonResult(u, f, g, hess, hess_at, it, n_fev, True)
            left = remaining_step(hess, g)
            if left is None or float(np.max(np.abs(left))) <= step_target:
                return NewtonResult(u, f, g, hess, hess_at, it, n_fev, True)
        if it >= max_steps:
            break
        if not exact and fixed is None:
            hess = fd_hessian(fun, u, g if hessian == "forward" else None)  # type: ignore[arg-type]
            hess_at = u
            n_fev += u.shape[0] if hessian == "forward" else 2 * u.shape[0]
        assert hess is not None
        step = _newton_step(hess, b if exact else None, g)
        if step is None:
            break
        big = float(np.max(np.abs(step)))
        if big > 2.0:  # at most a factor e**2 per parameter per step
            step *= 2.0 / big
        slope = float(g @ step)
        lam = 1.0
        for _ in range(30):
            u_new = u + lam * step
            f_new, g_new, h_new, b_new = evaluate(u_new)
            n_fev += 1
            # below the gradient norm ``floor``, or where the decrease the step promises is
            # below the objective's rounding noise, the gradient decides
            noisy = gn <= floor or -slope * lam <= 1e-12 * abs(f)
            if f_new < BAD and (
                f_new <= f + 1e-4 * lam * slope
                or (noisy and _noise_level_step(f, f_new, gn, g_new))
            ):
                break
            lam *= 0.5
        else:
            break
        it += 1
        gn_new = float(np.max(np.abs(g_new)))
        u, f, g, h, b = u_new, f_new, g_new, h_new, b_new
        if exact:
            hess, hess_at = h, u
        if stall is not None and gn_new > stall * gn:
            break
    return NewtonResult(u, f, g, hess, hess_at, it, n_fev, False)


def remaining_step(hess: Array, g: Array) -> Array | None:
    """Compute the Newton step ``-H^{-1} g`` restricted to the identified directions.

    Directions whose eigenvalue is at most 1e-10 of the largest are left out (they are the
    singular ones, reported by missing standard errors).

    Parameters
    ----------
    hess : numpy.ndarray
        Hessian of the objective in ``u``.
    g : numpy.ndarray
        Gradient.

    Returns
    -------
    numpy.ndarray or None
        The step; None when the Hessian is not finite or has no positive eigenvalue.
    """
    if not np.all(np.isfinite(hess)):
        return None
    eigval, eigvec = np.linalg.eigh(hess)
    if not eigval[-1] > 0:
        return None
    ok = eigval > 1e-10 * eigval[-1]
    v = eigvec[:, ok]
    return np.asarray(-(v @ ((v.T @ g) / eigval[ok])), dtype=np.float64)


@dataclass(frozen=True)
class BFGSResult:
    """scipy's BFGS outcome: point, iterations, evaluations, status and message."""

    u: Array
    n_iter: int
    n_fev: int
    status: int
    message: str
    f: float = field(default=math.nan)


def bfgs(fun: Objective, u0: Array, *, gtol: float, max_iter: int) -> BFGSResult:
    """Scipy's BFGS with the analytic gradient, stopping at the gradient norm ``gtol``.

    Parameters
    ----------
    fun : callable
        The objective.
    u0 : numpy.ndarray
        Start.
    gtol : float
        Gradient norm (max-abs) to reach.
    max_iter : int
        Iteration limit.

    Returns
    -------
    BFGSResult
        The end point and scipy's report.
    """
    res = minimize(
        fun,
        u0,
        jac=True,
        method="BFGS",
        options={"maxiter": max(int(max_iter), 1), "gtol": float(gtol), "norm": np.inf},
    )
    return BFGSResult(
        np.asarray(res.x, dtype=np.float64),
        int(res.nit),
        int(res.nfev),
        int(res.status),
        str(res.message),
        float(res.fun),
    )
