"""BG/BB math: mpmath references, gradients, the gamma = 1 limit, invariants.

References use the beta-function sums of Fader, Hardie & Shang (2010), Marketing Science
29(6): likelihood eq. (5), P(alive) eq. (11), conditional expectation eq. (13) with the sum
over future opportunities written out term by term, new-customer pmf eq. (7).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv._math import bgbb as B

PUB = (1.204, 0.750, 0.657, 2.783)


def _mp_parts(al, be, ga, de, x, tx, n):
    al, be, ga, de = (mp.mpf(v) for v in (al, be, ga, de))
    b0 = mp.beta(al, be) * mp.beta(ga, de)
    alive = mp.beta(al + x, be + n - x) * mp.beta(ga, de + n) / b0
    dead = mp.fsum(
        mp.beta(al + x, be + tx - x + i) * mp.beta(ga + 1, de + tx + i) / b0 for i in range(n - tx)
    )
    return alive, dead


def mp_loglik(*args):
    with mp.workdps(40):
        alive, dead = _mp_parts(*args)
        return float(mp.log(alive + dead))


def mp_expected(al, be, ga, de, x, tx, n, ns):
    with mp.workdps(40):
        alive, dead = _mp_parts(al, be, ga, de, x, tx, n)
        al_, be_, ga_, de_ = (mp.mpf(v) for v in (al, be, ga, de))
        s = mp.fsum(mp.beta(ga_, de_ + n + k) / mp.beta(ga_, de_) for k in range(1, ns + 1))
        return float(mp.beta(al_ + x + 1, be_ + n - x) / mp.beta(al_, be_) * s / (alive + dead))


POINTS = [
    (*PUB, 0, 0, 6),
    (*PUB, 2, 4, 6),
    (*PUB, 6, 6, 6),
    (0.05, 30.0, 0.02, 80.0, 1, 1, 300),
    (40.0, 0.1, 5.0, 0.05, 250, 300, 300),
    (1.0, 1.0, 1.0, 1.0, 10, 150, 400),
]


@pytest.mark.parametrize("point", POINTS)
def test_loglik_and_prob_alive_match_mpmath(point):
    assert B.loglik(*point)[0] == pytest.approx(mp_loglik(*point), rel=1e-12, abs=1e-12)
    with mp.workdps(40):
        _al, _be, ga, de, _x, _tx, n = point
        alive, dead = _mp_parts(*point)
        ref = float(alive * (mp.mpf(de) + n) / (mp.mpf(ga) + de + n) / (alive + dead))
    assert float(B.prob_alive(*point)) == pytest.approx(ref, rel=1e-11)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("ns", [1, 5, 40])
def test_expected_purchases_match_mpmath(point, ns):
    got = float(B.expected_purchases(*point, ns))
    assert got == pytest.approx(mp_expected(*point, ns), rel=1e-10)


@pytest.mark.parametrize("gamma", [1.0, 1.0 + 1e-12, 1.0 - 1e-7, 1.0 + 0.009, 1.011, 0.5, 3.0])
def test_expected_purchases_through_gamma_one(gamma):
    point = (1.2, 0.75, gamma, 2.8, 3, 5, 6)
    got = float(B.expected_purchases(*point, 30))
    assert got == pytest.approx(mp_expected(*point, 30), rel=1e-12)
    new = float(B.expected_purchases_new(1.2, 0.75, gamma, 2.8, 30))
    assert new == pytest.approx(mp_expected(1.2, 0.75, gamma, 2.8, 0, 0, 0, 30), rel=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 40, 300).astype(float)
    tx = np.floor(rng.uniform(0, 1, 300) * (n + 1))
    x = np.where(tx > 0, np.floor(rng.uniform(0, 1, 300) * tx) + 1, 0)
    x = np.minimum(x, tx)
    theta = np.array([1.3, 0.8, 0.6, 2.5])
    _, g = B.loglik_grad(*theta, x, tx, n)
    for k in range(4):
        h = 1e-6 * theta[k]
        up, dn = theta.copy(), theta.copy()
        up[k] += h
        dn[k] -= h
        fd = (B.loglik(*up, x, tx, n) - B.loglik(*dn, x, tx, n)) / (2 * h)
        np.testing.assert_allclose(g[:, k], fd, rtol=1e-6, atol=1e-8)


def test_new_customer_pmf_by_simulation():
    rng = np.random.default_rng(7)
    x, t_x = B.sample(*PUB, np.full(300_000, 6), rng)
    assert np.all((x <= t_x) & ((x == 0) == (t_x == 0)))
    observed = np.bincount(x.astype(int), minlength=7) / x.size
    np.testing.assert_allclose(B.purchase_pmf_new(*PUB, np.arange(7), 6), observed, atol=3e-3)


@settings(max_examples=60, deadline=None)
@given(
    params=st.tuples(*[st.floats(0.01, 50.0)] * 4),
    n=st.integers(1, 200),
    u=st.floats(0, 1),
    v=st.floats(0, 1),
    ns=st.integers(0, 50),
)
def test_outputs_in_range(params, n, u, v, ns):
    tx = int(u * n)
    x = 0 if tx == 0 else 1 + int(v * (tx - 1))
    ll, g = B.loglik_grad(*params, x, tx, n)
    assert np.isfinite(ll).all() and ll[0] <= 1e-12 and np.isfinite(g).all()
    pa = float(B.prob_alive(*params, x, tx, n))
    pn = float(B.prob_no_purchase(*params, x, tx, n, ns))
    ep = float(B.expected_purchases(*params, x, tx, n, ns))
    assert 0 <= pa <= 1 and 0 <= pn <= 1 and 0 <= ep <= ns + 1e-9
    pmf = B.purchase_pmf(*params, x, tx, n, np.arange(ns + 1), ns)
    assert pmf.sum() == pytest.approx(1.0, rel=1e-9)
    assert float(pmf[0]) == pytest.approx(pn, rel=1e-9, abs=1e-12)
