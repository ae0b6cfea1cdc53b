"""Is the point the solver reached a maximum? Acceptance checks, diagnosis, covariance.

Whatever ``tol`` is, a result is accepted only when it is an interior maximum (pandas-free):

* no parameter ran to the bounds of ``u`` or more than ``e**18`` off its data-scaled start
  value (:data:`RUNAWAY`);
* the gradient norm is at most the (capped) ``tol``;
* the Newton step left at the point, on the identified directions of the Hessian, is at most
  ``STEP_ACCEPT`` (1e-4 in ``u``): the parameters are within 0.01% of the local maximum;
* no parameter more than ``e**7`` off its start (:data:`DRIFT`) lies along a direction where
  the likelihood still rises or is flat.

Failures raise :class:`~custvalue.exceptions.ConvergenceError` naming the model, the
optimiser, its message and the likely cause.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..exceptions import ConvergenceError, ConvergenceWarning
from ._newton import STEP_ACCEPT, remaining_step
from ._problem import U_BOUND, Array, Objective, Problem, fd_hessian

__all__ = ["check_optimum", "covariance", "fail", "flat_cause"]

RUNAWAY = 18.0
"""A parameter more than ``e**18`` (~7e7) times its data-scaled start value has run away."""
DRIFT = 7.0
"""A parameter ``e**7`` (~1100) times off its data-scaled start value is drifting."""


def fail(name: str, optimizer: str, message: str, cause: str, n_iter: int, gn: float) -> Any:
    return ConvergenceError(
        f"{name} did not converge: optimiser {optimizer} reported {message!r} after "
        f"{n_iter} iteration(s), gradient norm {gn:.3g}. Likely cause: {cause}"
    )


def _where(problem: Problem, u: Array) -> str:
    """Describe the parameters at ``u`` for a message."""
    theta = problem.natural(u)
    return ", ".join(f"{n}={v:.4g}" for n, v in zip(problem.param_names, theta, strict=True))


def flat_cause(problem: Problem, fun: Objective, u: Array, u_ref: Array, tol: float) -> str:
    """Explain a stop short of ``tol``: name the parameters along the flattest direction.

    Parameters
    ----------
    problem : Problem
        The model's pieces (names, ranges).
    fun : callable
        The objective.
    u : numpy.ndarray
        Where the solver stopped.
    u_ref : numpy.ndarray
        The data-scaled start values in ``u``.
    tol : float
        The tolerance that was not reached.

    Returns
    -------
    str
        The likely cause, for the ConvergenceError message.
    """
    names = problem.param_names
    where = _where(problem, u)
    drifting = [n for n, d in zip(names, np.abs(u - u_ref), strict=True) if d > DRIFT]
    if drifting:
        return (
            f"parameter(s) {drifting} are drifting towards 0 or infinity (reached {where}): "
            "the data do not identify the model; try a penalizer > 0 (e.g. 0.01) or more "
            "customers"
        )
    hess = fd_hessian(fun, u)
    if np.all(np.isfinite(hess)):
        eigval, eigvec = np.linalg.eigh(hess)
        if eigval[0] < 1e-4 * max(abs(eigval[-1]), 1e-300):
            flat = [n for n, c in zip(names, eigvec[:, 0], strict=True) if abs(c) > 0.3]
            return (
                f"the likelihood is flat along a combination of {flat} (reached {where}): "
                "the data do not identify the model (typically parameters drifting to "
                "infinity together); try a penalizer > 0 (e.g. 0.01) or more customers"
            )
    grad_norm = float(np.max(np.abs(fun(u)[1])))
    return (
        f"the gradient norm {grad_norm:.3g} exceeds tol={tol} at {where}: the likelihood is "
        "ill-conditioned near the optimum; try a penalizer > 0 or check the data"
    )


def check_optimum(
    problem: Problem,
    u: Array,
    u_ref: Array,
    g: Array,
    hess: Array,
    *,
    optimizer: str,
    message: str,
    n_iter: int,
    tol: float,
    fun: Objective,
) -> None:
    """Raise ConvergenceError unless ``u`` is an interior maximum (see the module docstring)."""
    names = problem.param_names
    gn = float(np.max(np.abs(g)))
    name = problem.name
    at_bound = (np.abs(u) >= U_BOUND - 1e-6) | (np.abs(u - u_ref) > RUNAWAY)
    if np.any(at_bound):
        bad = [n for n, b in zip(names, at_bound, strict=True) if b]
        raise fail(
            name,
            optimizer,
            message,
            f"parameter(s) {bad} ran to 0 or infinity: the data do not identify the model; "
            "try a penalizer > 0 (e.g. 0.01) or more customers",
            n_iter,
            gn,
        )
    if gn > tol:
        raise fail(name, optimizer, message, flat_cause(problem, fun, u, u_ref, tol), n_iter, gn)
    step = remaining_step(hess, g)
    drift = np.abs(u - u_ref) > DRIFT
    if step is not None and float(np.max(np.abs(step))) > STEP_ACCEPT:
        moving = np.abs(step) > STEP_ACCEPT
        drifting = [n for n, d, m in zip(names, drift, moving, strict=True) if d and m]
        if drifting:
            raise fail(
                name,
                optimizer,
                message,
                f"parameter(s) {drifting} are drifting towards 0 or infinity (reached "
                f"{_where(problem, u)}; the likelihood still rises that way): the data do not "
                "identify the model; try a penalizer > 0 (e.g. 0.01) or more customers",
                n_iter,
                gn,
            )
        along = [n for n, m in zip(names, moving, strict=True) if m]
        raise fail(
            name,
            optimizer,
            message,
            f"the optimiser stopped short of the maximum (a Newton step of "
            f"{float(np.max(np.abs(step))):.3g} in log-parameters remains, along {along}, at "
            f"{_where(problem, u)}); lower tol (the default is 1e-7) or raise max_iter; if "
            "that does not help, the data may not identify the model: try a penalizer > 0 "
            "(e.g. 0.01) or more customers",
            n_iter,
            gn,
        )
    if np.all(np.isfinite(hess)):
        eigval, eigvec = np.linalg.eigh(hess)
        singular = eigval <= 1e-10 * max(float(eigval[-1]), 1e-300)
        for j in np.flatnonzero(singular):
            along = np.abs(eigvec[:, j]) > 0.3
            drifting = [n for n, d, a in zip(names, drift, along, strict=True) if d and a]
            if drifting:
                raise fail(
                    name,
                    optimizer,
                    message,
                    f"the likelihood is flat along a combination of {drifting}, which are "
                    f"drifting towards 0 or infinity (reached {_where(problem, u)}): the data "
                    "do not identify the model; try a penalizer > 0 (e.g. 0.01) or more "
                    "customers",
                    n_iter,
                    gn,
                )


def covariance(
    hess_u: Array, u: Array, total: float, model_name: str, jac: Array | None = None
) -> Array:
    """Compute the delta-method covariance of the natural parameters from the Hessian in u.

    The Hessian (the solver's: exact, central differences of the analytic gradient, or the
    last Newton step's when that step was below 1e-5 in u, which changes it by ~1e-5
    relative) is that of the objective actually minimised (penalty included), times
    ``sum(weights)``.

    Parameters
    ----------
    hess_u : numpy.ndarray
        Hessian of the mean objective in ``u`` at the optimum.
    u : numpy.ndarray
        The optimum in ``u`` (``theta = lower + exp(u)``).
    total : float
        Sum of the weights (customers).
    model_name : str
        For the warning.
    jac : numpy.ndarray, optional
        ``d theta / d u`` at ``u``; default ``exp(u)`` (every parameter ``lower + exp(u)``).

    Returns
    -------
    numpy.ndarray
        The covariance; NaN (with a ConvergenceWarning) when the Hessian is singular or not
        positive definite.
    """
    hess = hess_u * total
    k = u.shape[0]
    ok = bool(np.all(np.isfinite(hess)))
    if ok:
        eig = np.linalg.eigvalsh(hess)
        ok = bool(eig[0] > 1e-10 * max(eig[-1], 1e-300))
    if not ok:
        warnings.warn(
            f"{model_name}: the Hessian of the log-likelihood is singular or not positive "
            "definite at the estimate; standard errors are set to NaN (the data barely "
            "identify some parameter; consider a penalizer)",
            ConvergenceWarning,
            stacklevel=4,
        )
        return np.full((k, k), np.nan)
    if jac is None:
        jac = np.exp(u)
    return np.asarray(np.linalg.inv(hess) * np.outer(jac, jac))
