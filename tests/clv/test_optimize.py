"""The solver pieces: the one Newton routine, the subset warm start, the result object."""

from __future__ import annotations

import numpy as np
import pytest

from custvalue.clv._newton import newton, remaining_step
from custvalue.clv._optimize import OptimResult, subset, subset_start


def _noisy_quadratic(h: float, offset: float, noise: float):
    """f(u) = offset + h u^2 / 2 plus deterministic rounding-like noise; exact gradient."""

    def fun(u: np.ndarray) -> tuple[float, np.ndarray]:
        jitter = noise * np.sin(1e9 * float(u[0]))  # a function of u, not of the call
        return offset + 0.5 * h * float(u @ u) + jitter, h * u

    return fun


@pytest.mark.parametrize("hessian", ["central", "forward"])
def test_newton_converges_where_the_objective_noise_hides_the_decrease(hessian):
    # the gradient is above the noise floor (3.6e-7 > 1e-7) but the decrease a Newton step
    # promises (~3e-13) is below the objective's noise (~4e-14 * 4.3): the gradient decides
    fun = _noisy_quadratic(0.45, 4.3, 4e-14 * 4.3)
    u0 = np.array([3.6e-7 / 0.45])
    res = newton(fun, u0, hessian=hessian, target=1e-10, floor=1e-7, max_steps=30)
    assert res.converged and res.grad_norm <= 1e-10


def test_newton_fixed_hessian_stalls_and_exact_uses_bhhh():
    fun = _noisy_quadratic(2.0, 1.0, 0.0)
    slow = newton(
        fun,
        np.array([1.0]),
        hessian=np.array([[20.0]]),
        target=1e-12,
        floor=0.0,
        max_steps=15,
        step_target=None,
        stall=0.7,
    )
    assert slow.n_iter == 1 and not slow.converged  # 10x too stiff: the rate is 0.9 > 0.7

    def exact(u):  # an indefinite Hessian far from the optimum: the BHHH matrix steps
        f, g = fun(u)
        return f, g, np.array([[-1.0]]), np.array([[2.0]])

    res = newton(exact, np.array([1.0]), hessian="exact", target=1e-12, floor=0.0, max_steps=5)
    assert res.grad_norm < 1e-12


def test_remaining_step_ignores_singular_directions():
    hess = np.diag([1.0, 1e-13])
    step = remaining_step(hess, np.array([1e-3, 1e-9]))
    assert step is not None and step.tolist() == pytest.approx([-1e-3, 0.0])
    assert remaining_step(np.full((2, 2), np.nan), np.zeros(2)) is None


def test_subset_keeps_heavy_rows_and_reweights_the_light_ones():
    counts = np.ones(100)
    counts[[3, 50]] = 500.0
    idx, sub = subset(counts, 8)
    assert {3, 50} <= set(idx.tolist())
    assert sub[idx == 3][0] == 500.0 and sub[idx == 0][0] == 8.0
    # deterministic, and the subset's total estimates the full total
    again, _ = subset(counts, 8)
    np.testing.assert_array_equal(idx, again)
    assert sub.sum() == pytest.approx(counts.sum(), rel=0.05)
    assert subset(np.full(10, 5.0), 2) is not None
    heavy = np.r_[np.ones(10), np.full(9, 100.0)]
    assert subset(heavy, 2) is None  # the subset would keep more than half the rows


def test_subset_start_returns_the_solvers_optimum():
    cols = (np.arange(40_000, dtype=float),)
    counts = np.ones(40_000)
    seen = {}

    def solve(sub_cols, sub_counts, u):
        seen["rows"] = sub_cols[0].shape[0]
        return u + 1.0, None, 3

    start = subset_start(cols, counts, np.zeros(2), rows=10_000, solve=solve)
    assert start is not None and start.u.tolist() == [1.0, 1.0] and start.n_iter == 3
    assert seen["rows"] == start.rows == 10_000
    assert subset_start(cols, counts, np.zeros(2), rows=10_000, solve=lambda *a: None) is None


def test_optim_result_builds_fit_info():
    res = OptimResult(
        u=np.zeros(2),
        loglik=-1.0,
        grad_norm=1e-12,
        hess=np.eye(2),
        n_iter=3,
        n_fev=5,
        n_newton=2,
        optimizer="Newton (exact Hessian)",
        message="converged",
        warm_rows=10,
    )
    info = res.fit_info(7)
    assert info == {
        "optimizer": "Newton (exact Hessian)",
        "status": 0,
        "success": True,
        "message": "converged",
        "n_iter": 3,
        "n_fev": 5,
        "n_newton": 2,
        "grad_norm": 1e-12,
        "warm_start_rows": 10,
        "loglik": -1.0,
        "n_distinct": 7,
    }
