"""Pareto/NBD math: mpmath reference points at extreme inputs, gradients, invariants.

References are computed here with mpmath at 50 digits from the closed forms of Fader &
Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions": the
likelihood integral as (alpha+t)^-(K)/K 2F1(s+1, K; K+1; (alpha-beta)/(alpha+t)) differences
(eq. 18-20, K = r+s+x; mpmath's 2F1 handles every argument), the conditional expectation
(eq. 22) and direct numerical integration for the pmf.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv._math import _powerint as powerint
from custvalue.clv._math import paretonbd as P

# (r, alpha, s, beta, x, t_x, T): alpha > beta, alpha < beta, alpha = beta, x = 0, x = 1e5,
# t_x == T, tiny and huge constants.
POINTS = [
    (0.553, 10.578, 0.606, 11.669, 0, 0.0, 38.86),
    (0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86),
    (0.553, 10.578, 0.606, 11.669, 100_000, 10.0, 38.86),
    (0.553, 10.578, 0.606, 11.669, 100_000, 38.86, 38.86),
    (0.553, 10.578, 0.606, 11.669, 3, 38.86, 38.86),
    (0.3, 10.0, 0.3, 0.01, 0, 0.0, 1000.0),
    (0.3, 0.01, 0.3, 10.0, 0, 0.0, 1000.0),
    (0.1, 100.0, 0.1, 0.001, 0, 0.0, 50.0),
    (0.5, 1.0, 2.0, 100.0, 5, 1.0, 10000.0),
    (2.0, 5.0, 1.0, 5.0, 1, 0.5, 10000.0),
    (0.0374, 0.0415, 1.8174, 2.9709, 0, 0.0, 172.92),
    (1.134, 0.0975, 2.6279, 106.545, 439, 0.0058, 23.8785),
    (37.39, 2.671, 8.525, 0.0767, 2362, 0.2052, 51.49),
]


def _mp_terms(r, a, s, b, x, tx, T):
    r, a, s, b, x, tx, T = (mp.mpf(v) for v in (r, a, s, b, x, tx, T))
    K = r + s + x

    def F(t):
        return (a + t) ** (-K) / K * mp.hyp2f1(s + 1, K, K + 1, (a - b) / (a + t), maxterms=10**6)

    integral = F(tx) - F(T) if tx < T else mp.mpf(0)
    alive = (a + T) ** (-(r + x)) * (b + T) ** (-s)
    return alive, s * integral


def _mp_loglik(r, a, s, b, x, tx, T):
    alive, dead = _mp_terms(r, a, s, b, x, tx, T)
    r_, a_, s_, b_ = (mp.mpf(v) for v in (r, a, s, b))
    return (
        mp.loggamma(r_ + x)
        - mp.loggamma(r_)
        + r_ * mp.log(a_)
        + s_ * mp.log(b_)
        + mp.log(alive + dead)
    )


def mp_loglik(r, a, s, b, x, tx, T):
    with mp.workdps(50):
        return float(_mp_loglik(r, a, s, b, x, tx, T))


def mp_prob_alive(r, a, s, b, x, tx, T):
    with mp.workdps(50):
        alive, dead = _mp_terms(r, a, s, b, x, tx, T)
        return float(alive / (alive + dead))


@pytest.mark.parametrize("point", POINTS)
def test_loglik_matches_mpmath(point):
    ll = P.loglik(*point[:4], *point[4:])[0]
    ref = mp_loglik(*point)
    assert ll == pytest.approx(ref, rel=1e-12, abs=1e-11)


@pytest.mark.parametrize("point", POINTS)
def test_prob_alive_matches_mpmath(point):
    pa = P.prob_alive(*point)
    ref = mp_prob_alive(*point)
    assert float(pa) == pytest.approx(ref, rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("point", POINTS[:10])
def test_gradient_matches_mpmath_derivative(point):
    _, grad = P.loglik_grad(*point[:4], *point[4:])
    for k in range(4):

        def f(v, k=k):
            p = list(point)
            p[k] = v
            return _mp_loglik(*p)

        with mp.workdps(50):
            ref = float(mp.diff(f, mp.mpf(point[k])))
        assert grad[0, k] == pytest.approx(ref, rel=1e-9, abs=1e-10)


def test_gradient_matches_finite_differences_on_a_grid():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 30, 200).astype(float)
    T = rng.uniform(1, 60, 200)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 200), 0.0)
    theta = np.array([0.7, 3.0, 1.3, 20.0])
    _, g = P.loglik_grad(*theta, x, t_x, T)
    for k in range(4):
        h = 1e-5 * theta[k]
        up, dn = theta.copy(), theta.copy()
        up[k] += h
        dn[k] -= h
        fd = (P.loglik(*up, x, t_x, T) - P.loglik(*dn, x, t_x, T)) / (2 * h)
        np.testing.assert_allclose(g[:, k], fd, rtol=1e-6, atol=1e-7)


def mp_expected(r, a, s, b, x, tx, T, t):
    with mp.workdps(50):
        pa = mp.mpf(mp_prob_alive(r, a, s, b, x, tx, T))
        r, a, s, b, x, T, t = (mp.mpf(v) for v in (r, a, s, b, x, T, t))
        if s == 1:
            core = (b + T) * mp.log((b + T + t) / (b + T))
        else:
            core = (b + T) / (s - 1) * (1 - ((b + T) / (b + T + t)) ** (s - 1))
        return float(pa * (r + x) / (a + T) * core)


@pytest.mark.parametrize("s", [1.0, 1.0 + 1e-9, 1.0 - 1e-9, 1.0 + 1e-4, 0.606, 3.0])
def test_expected_purchases_at_and_near_s_equal_one(s):
    point = (0.553, 10.578, s, 11.669, 4, 20.0, 38.86)
    got = float(P.expected_purchases(*point, 52.0))
    assert got == pytest.approx(mp_expected(*point, 52.0), rel=1e-12)
    new = float(P.expected_purchases_new(0.553, 10.578, s, 11.669, 52.0))
    assert new == pytest.approx(mp_expected(0.553, 10.578, s, 11.669, 0, 0, 0, 52.0), rel=1e-12)


def mp_pmf_new(r, a, s, b, n, t):
    with mp.workdps(30):
        r, a, s, b, t = (mp.mpf(v) for v in (r, a, s, b, t))
        c = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * a**r
        alive = t**n * (a + t) ** (-(r + n)) * (b / (b + t)) ** s

        def f(u):
            return u**n * (a + u) ** (-(r + n)) * (b + u) ** (-(s + 1))

        pts = sorted({mp.mpf(0), min(a, b) / 10, min(a, b), t / 2, t} - {mp.mpf(-1)})
        pts = [p for p in pts if p <= t]
        return float(c * (alive + s * b**s * mp.quad(f, pts)))


@pytest.mark.parametrize(
    ("params", "t"),
    [((0.553, 10.578, 0.606, 11.669), 52.0), ((0.3, 0.01, 2.0, 100.0), 1000.0)],
)
def test_pmf_new_matches_mpmath(params, t):
    ns = np.array([0, 1, 2, 5, 20])
    got = P.purchase_pmf_new(*params, ns, t)
    ref = [mp_pmf_new(*params, int(n), t) for n in ns]
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_prob_no_purchase_by_simulation():
    # Monte Carlo of the generative model conditional on the history is hard; instead check
    # the unconditional special case (x = 0, t_x = T = 0: a brand-new customer) against
    # simulation, and the identity P(no purchase in t) = P(Y(t) = 0).
    params = (0.553, 10.578, 0.606, 11.669)
    rng = np.random.default_rng(3)
    x, _ = P.sample(*params, np.full(400_000, 20.0), rng)
    p = float(P.prob_no_purchase(*params, 0, 0.0, 0.0, 20.0))
    assert p == pytest.approx(float(np.mean(x == 0)), abs=3e-3)
    assert p == pytest.approx(float(P.purchase_pmf_new(*params, 0, 20.0)), rel=1e-12)
    cond = P.prob_no_purchase(*params, [0, 2, 26], [0.0, 30.43, 30.857], [38.86, 38.86, 31.0], 10.0)
    pmf0 = P.purchase_pmf(*params, [0, 2, 26], [0.0, 30.43, 30.857], [38.86, 38.86, 31.0], 0, 10.0)
    np.testing.assert_allclose(cond, pmf0, rtol=1e-12)


positive = st.floats(0.01, 50.0)


@settings(max_examples=60, deadline=None)
@given(
    r=positive,
    alpha=positive,
    s=positive,
    beta=positive,
    x=st.integers(0, 10**5),
    frac=st.floats(0.0, 1.0),
    T=st.floats(0.01, 1e4),
    t=st.floats(0.0, 1e3),
)
def test_outputs_finite_and_in_range(r, alpha, s, beta, x, frac, T, t):
    t_x = 0.0 if x == 0 else frac * T
    ll, g = P.loglik_grad(r, alpha, s, beta, x, t_x, T)
    assert np.isfinite(ll).all() and np.isfinite(g).all()
    pa = float(P.prob_alive(r, alpha, s, beta, x, t_x, T))
    pn = float(P.prob_no_purchase(r, alpha, s, beta, x, t_x, T, t))
    ep = float(P.expected_purchases(r, alpha, s, beta, x, t_x, T, t))
    assert 0.0 <= pa <= 1.0 and 0.0 <= pn <= 1.0
    assert np.isfinite(ep) and ep >= 0.0
    assert pn >= 1.0 - pa - 1e-12  # dead customers never buy


def test_sixteen_node_rows_agree_with_thirty_two_nodes(monkeypatch):
    # Rows that _easy_rows sends to the 16-node rule must match the 32-node rule to ~1e-14.
    rng = np.random.default_rng(11)
    n = 400
    x = np.floor(np.exp(rng.uniform(0, np.log(60), n))) * (rng.random(n) < 0.8)
    T = np.exp(rng.uniform(0, np.log(500), n))
    t_x = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    params = [(0.553, 10.578, 0.606, 11.669), (0.2, 0.5, 2.0, 40.0), (3.0, 40.0, 0.3, 0.2)]
    for r, alpha, s, beta in params:
        mixed = P._log_power_integral(r + x, s + 1.0 + 0 * x, alpha, beta, t_x, T, moments=True)
        with monkeypatch.context() as m:
            m.setattr(powerint, "_easy_rows", lambda ZT, *a: np.zeros(ZT.shape, dtype=bool))
            full = P._log_power_integral(r + x, s + 1.0 + 0 * x, alpha, beta, t_x, T, moments=True)
        for a_, b_ in zip(mixed, full, strict=True):
            np.testing.assert_allclose(a_, b_, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "params",
    [
        (0.553, 10.578, 0.606, 11.669),  # alpha < beta
        (0.2, 0.5, 2.0, 40.0),
        (3.0, 40.0, 0.3, 0.2),  # alpha > beta
        (0.5, 7.0, 1.0, 7.0),  # alpha == beta
    ],
)
def test_exact_hessian_matches_finite_differences_of_the_gradient(params):
    # weighted_loglik_grad_hess: value and gradient equal loglik_grad's summed; the Hessian
    # equals central differences of the (analytic) gradient, on rows with x = 0, large x,
    # t_x == T, t_x == 0 and tiny/huge T.
    rng = np.random.default_rng(5)
    n = 300
    x = np.floor(np.exp(rng.uniform(0, np.log(2000), n))) * (rng.random(n) < 0.7)
    T = np.exp(rng.uniform(np.log(0.1), np.log(1000), n))
    t_x = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    t_x[:10] = T[:10]
    c = rng.integers(1, 5, n).astype(float)
    ll, g, h, opg = P.weighted_loglik_grad_hess(*params, x, t_x, T, c)
    ll_rows, g_rows = P.loglik_grad(*params, x, t_x, T)
    assert ll == pytest.approx(float(c @ ll_rows), rel=1e-14)
    np.testing.assert_allclose(g, c @ g_rows, rtol=1e-12, atol=1e-10 * np.abs(g).max())
    np.testing.assert_allclose(opg, (g_rows * c[:, None]).T @ g_rows, rtol=1e-12)
    theta = np.array(params)
    fd = np.empty((4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-5 * theta[j]
        plus = c @ P.loglik_grad(*(theta + step), x, t_x, T)[1]
        minus = c @ P.loglik_grad(*(theta - step), x, t_x, T)[1]
        fd[:, j] = (plus - minus) / (2.0 * step[j])
    # exact: the Hessian is filled symmetrically (hess[i, j] = hess[j, i] = the same sum)
    np.testing.assert_allclose(h, h.T, rtol=0, atol=0)
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())


def test_eight_node_rows_agree_with_thirty_two_nodes(monkeypatch):
    # Rows that _eight_node_rows sends to the 8-node rule (short, nearly flat ranges) must
    # match the 32-node rule: values and means to ~1e-14, the covariances behind the exact
    # Hessian to ~1e-10 of their scale.
    rng = np.random.default_rng(12)
    n = 400
    x = np.floor(np.exp(rng.uniform(0, np.log(8), n))) * (rng.random(n) < 0.7)
    T = np.exp(rng.uniform(np.log(0.5), np.log(60), n))
    t_x = np.where(x > 0, T * rng.uniform(0.3, 1, n), 0.0)
    params = [(0.553, 10.578, 0.606, 11.669), (0.5, 30.0, 0.8, 9.0), (1.5, 5.0, 0.3, 5.0)]
    for r, alpha, s, beta in params:
        a, b = r + x, s + 1.0 + 0 * x
        mixed, cov_mixed = P._log_power_integral_cov(a, b, alpha, beta, t_x, T, True, True)
        K = a + b - 1.0
        base = min(alpha, beta) + t_x
        E = abs(alpha - beta) / base
        ZT = np.log1p((T - t_x) / base)  # no cut applies on these short ranges
        p = a if alpha >= beta else b
        assert np.mean(P._eight_node_rows(ZT, K, p, E)) > 0.3
        with monkeypatch.context() as m:
            m.setattr(powerint, "_easy_rows", lambda ZT, *a: np.zeros(ZT.shape, dtype=bool))
            full, cov_full = P._log_power_integral_cov(a, b, alpha, beta, t_x, T, True, True)
        for a_, b_ in zip(mixed, full, strict=True):
            np.testing.assert_allclose(a_, b_, rtol=1e-13, atol=1e-13)
        assert cov_mixed is not None and cov_full is not None
        for i in range(4):
            for j in range(4):
                scale = np.sqrt(np.abs(cov_full[i, i] * cov_full[j, j])) + 1e-300
                np.testing.assert_array_less(
                    np.abs(cov_mixed[i, j] - cov_full[i, j]) / scale, 1e-10
                )
