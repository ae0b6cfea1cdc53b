"""MBG/NBD and Gamma-Gamma formulas: analytic gradients vs finite differences, limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from custvalue.clv._math import bgnbd, gammagamma, mbgnbd


def _fd(loglik, params, data, h=1e-4):
    """Five-point central differences in log(theta - lower), divided by d theta / d u."""
    out = []
    for k in range(len(params)):

        def f(step, k=k):
            p = list(params)
            p[k] *= np.exp(step)
            return loglik(*p, *data)

        out.append((-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h) / params[k])
    return np.stack(out, axis=1)


MBG_DATA = (
    np.array([0.0, 1.0, 2.0, 7.0, 26.0]),
    np.array([0.0, 3.0, 30.43, 20.0, 30.857]),
    np.array([38.86, 10.0, 38.86, 20.0, 31.0]),
)


@pytest.mark.parametrize(
    "params", [(0.52, 6.18, 0.89, 1.61), (1.0, 2.0, 1.0, 1.0), (5.0, 0.5, 3.0, 0.2)]
)
def test_mbgnbd_gradient(params):
    ll, g = mbgnbd.loglik_grad(*params, *MBG_DATA)
    np.testing.assert_allclose(ll, mbgnbd.loglik(*params, *MBG_DATA))
    np.testing.assert_allclose(g, _fd(mbgnbd.loglik, params, MBG_DATA), rtol=1e-6, atol=1e-8)


@settings(max_examples=50, deadline=None)
@given(
    x=st.integers(1, 500),
    m=st.floats(0.01, 1e4),
    p=st.floats(0.05, 50.0),
    q=st.floats(1.01, 50.0),
    gamma=st.floats(0.01, 1e3),
)
def test_gammagamma_gradient(x, m, p, q, gamma):
    data = (np.array([float(x)]), np.array([m]))
    _ll, g = gammagamma.loglik_grad(p, q, gamma, *data)
    # finite differences carry rounding noise ~1e-12 * (size of the terms of ll) / theta; the
    # terms (not ll itself, which can be small by cancellation) set the scale
    px = p * x
    terms = (px + q) * (1.0 + abs(np.log(gamma + x * m))) + abs(float(gammaln(px + q)))
    noise = 1e-11 * terms / min(p, q, gamma)
    np.testing.assert_allclose(
        g, _fd(gammagamma.loglik, (p, q, gamma), data), rtol=1e-5, atol=max(1e-7, noise)
    )


def test_gammagamma_density_integrates_to_one():
    # f(m_x) of Fader & Hardie (2013) eq. 4 is a density in m for each x
    from scipy.integrate import quad

    for x in (1.0, 3.0, 20.0):
        total, _ = quad(
            lambda m, x=x: float(np.exp(gammagamma.loglik(6.25, 3.74, 15.44, [x], [m])[0])),
            0,
            np.inf,
        )
        assert total == pytest.approx(1.0, abs=1e-8)


def test_mbgnbd_prob_alive_matches_odds():
    pa = mbgnbd.prob_alive(0.5, 5.0, 0.8, 2.5, [0.0, 3.0], [0.0, 10.0], [30.0, 30.0])
    odds = np.array([0.8 / 2.5 * (35.0 / 5.0) ** 0.5, 0.8 / 5.5 * (35.0 / 15.0) ** 3.5])
    np.testing.assert_allclose(pa, 1 / (1 + odds), rtol=1e-14)


def test_mbgnbd_reduces_to_bgnbd_after_survival():
    # conditional on surviving time 0, MBG/NBD is BG/NBD with b + 1 (expected purchases)
    t = np.array([5.0, 52.0])
    np.testing.assert_allclose(
        mbgnbd.expected_purchases_new(0.5, 5.0, 0.8, 2.5, t),
        2.5 / 3.3 * bgnbd.expected_purchases_new(0.5, 5.0, 0.8, 3.5, t),
        rtol=1e-14,
    )


def test_no_runtime_warnings_at_extremes():
    x = np.array([0.0, 1e5])
    tx = np.array([0.0, 3650.0])
    T = np.array([1e-9, 3650.0])
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        mbgnbd.loglik_grad(0.5, 5.0, 1.0, 1.0, x, tx, T)
        mbgnbd.expected_purchases(0.5, 5.0, 1.0, 1.0, x, tx, T, 365.0)
        mbgnbd.purchase_pmf(0.5, 5.0, 1.0, 1.0, x, tx, T, 0.0, 0.0)
        gammagamma.loglik_grad(6.0, 1.0 + 1e-12, 15.0, np.array([1.0, 1e5]), np.array([1e-3, 1e6]))
        gammagamma.expected_spend(
            6.0, 1.0 + 1e-12, 15.0, np.array([0.0, 1e5]), np.array([np.nan, 1e6])
        )


@pytest.mark.parametrize("module", [bgnbd, mbgnbd], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize(
    "params", [(0.243, 4.414, 0.793, 2.426), (1.0, 1.0, 1.0, 1.0), (5.0, 0.5, 3.0, 0.2)]
)
def test_aggregated_equals_weighted_rows(module, params):
    x = np.array([0.0, 0.0, 1.0, 2.0, 5.0, 5.0, 1e5])
    tx = np.array([0.0, 0.0, 1.0, 3.0, 4.0, 6.0, 3650.0])
    T = np.array([3.0, 7.0, 8.0, 9.0, 9.0, 9.0, 3650.0])
    c = np.array([2.0, 1.0, 3.0, 1.0, 4.0, 2.0, 1.0])
    ll, g = module.loglik_grad(*params, x, tx, T)
    for order in (np.arange(7), np.arange(7)[::-1]):  # sorted by x, and not
        L, G = module.weighted_loglik_grad(
            *params, module.prepare(x[order], tx[order], T[order], c[order])
        )
        assert pytest.approx(c @ ll, rel=1e-13) == L
        np.testing.assert_allclose(G, c @ g, rtol=1e-12)


def test_gammagamma_aggregated_equals_weighted_rows():
    x = np.array([1.0, 1.0, 2.0, 5.0, 5.0, 100.0])
    m = np.array([3.0, 4.0, 5.0, 10.0, 20.0, 7.0])
    c = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 1.0])
    for params in ((6.25, 3.74, 15.44), (0.5, 1.001, 1e3)):
        ll, g = gammagamma.loglik_grad(*params, x, m)
        L, G = gammagamma.weighted_loglik_grad(*params, gammagamma.prepare(x, m, c))
        assert pytest.approx(c @ ll, rel=1e-13) == L
        np.testing.assert_allclose(G, c @ g, rtol=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    module=st.sampled_from([bgnbd, mbgnbd]),
    r=st.floats(0.01, 30.0),
    alpha=st.floats(0.01, 1e3),
    a=st.floats(0.01, 30.0),
    b=st.floats(0.01, 30.0),
    x=st.integers(0, 100_000),
    frac=st.floats(0.0, 1.0),
    T=st.floats(1e-3, 1e4),
    t=st.floats(0.0, 1e4),
)
def test_predictions_finite_and_in_range(module, r, alpha, a, b, x, frac, T, t):
    # PROMISES 7: for every valid input 0 <= P(alive) <= 1, expected purchases finite >= 0
    xs = np.array([float(x)])
    txs = np.array([0.0 if x == 0 else frac * T])
    Ts = np.array([T])
    pa = module.prob_alive(r, alpha, a, b, xs, txs, Ts)
    assert 0.0 <= pa[0] <= 1.0
    ey = module.expected_purchases(r, alpha, a, b, xs, txs, Ts, t)
    assert np.isfinite(ey[0]) and ey[0] >= 0.0
    pn = module.prob_no_purchase(r, alpha, a, b, xs, txs, Ts, t)
    assert 0.0 <= pn[0] <= 1.0 + 1e-12
    new = module.expected_purchases_new(r, alpha, a, b, t)
    assert np.isfinite(new) and new >= 0.0
