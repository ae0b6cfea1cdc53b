"""BG/NBD formulas (clv/_math/bgnbd.py): gradients, limits and identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv._math import bgnbd

PARAMS = (0.243, 4.414, 0.793, 2.426)
X = np.array([0.0, 1.0, 2.0, 7.0, 26.0, 1e5])
TX = np.array([0.0, 3.0, 30.43, 20.0, 30.857, 3650.0])
T = np.array([38.86, 10.0, 38.86, 20.0, 31.0, 3650.0])


def _fd_grad(params, x, t_x, T, h=1e-4):
    """Five-point central differences in log-parameters (error ~h**4), divided by theta."""
    out = np.empty((x.shape[0], len(params)))
    for k in range(len(params)):

        def f(step, k=k):
            p = list(params)
            p[k] *= np.exp(step)
            return bgnbd.loglik(*p, x, t_x, T)

        d = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
        out[:, k] = d / params[k]
    return out


@pytest.mark.parametrize(
    "params", [PARAMS, (1.0, 2.0, 1.0, 1.0), (5.0, 0.5, 3.0, 0.2), (0.05, 100.0, 0.1, 30.0)]
)
def test_gradient_matches_finite_differences(params):
    ll, g = bgnbd.loglik_grad(*params, X, TX, T)
    np.testing.assert_allclose(ll, bgnbd.loglik(*params, X, TX, T))
    fd = _fd_grad(params, X, TX, T)
    np.testing.assert_allclose(g, fd, rtol=2e-5, atol=1e-6 * np.abs(fd).max())


@settings(max_examples=50, deadline=None)
@given(
    x=st.integers(0, 200),
    frac=st.floats(0.0, 1.0),
    T_=st.floats(0.1, 500.0),
    r=st.floats(0.05, 20.0),
    a=st.floats(0.05, 20.0),
    b=st.floats(0.05, 20.0),
)
def test_gradient_random(x, frac, T_, r, a, b):
    t_x = 0.0 if x == 0 else frac * T_
    xs, txs, Ts = np.array([float(x)]), np.array([t_x]), np.array([T_])
    params = (r, 3.0, a, b)
    _, g = bgnbd.loglik_grad(*params, xs, txs, Ts)
    fd = _fd_grad(params, xs, txs, Ts)
    np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-6)


def test_likelihood_is_a_distribution_over_histories():
    # For T fixed, P(x = 0) = ll(x = 0) and sum over x of the density over t_x integrates
    # to 1. Check the x = 0 term against eq. (8): P(X(T) = 0).
    p0 = np.exp(bgnbd.loglik(*PARAMS, [0.0], [0.0], [25.0]))
    assert p0[0] == pytest.approx(bgnbd.purchase_pmf_new(*PARAMS, [0.0], 25.0)[0], rel=1e-12)


def test_prob_alive_limits():
    pa = bgnbd.prob_alive(*PARAMS, X, TX, T)
    assert pa[0] == 1.0  # exactly: x = 0 is set to 1, no dropout before a repeat purchase
    assert np.all((pa >= 0) & (pa <= 1))
    # t_x == T: the odds are a / (b + x - 1)
    assert pa[3] == pytest.approx(1 / (1 + 0.793 / (2.426 + 6.0)), rel=1e-12)


def test_no_runtime_warnings_at_extremes():
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        bgnbd.loglik_grad(*PARAMS, X, TX, T)
        bgnbd.expected_purchases(*PARAMS, X, TX, T, 365.0)
        bgnbd.prob_no_purchase(*PARAMS, X, TX, T, 365.0)
        bgnbd.purchase_pmf(*PARAMS, X, TX, T, 0.0, 365.0)
        bgnbd.purchase_pmf_new(*PARAMS, np.arange(5.0), 0.0)
