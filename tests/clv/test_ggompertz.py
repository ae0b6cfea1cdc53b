"""GGompertzNBDModel: the published CDNOW fit, the formulas against mpmath, the b = 0 boundary."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pandas as pd
import pytest

from custvalue import (
    ConvergenceError,
    GGompertzNBDModel,
    ParetoNBDModel,
    likelihood_ratio_test,
)
from custvalue.clv._math import ggompertz as G
from custvalue.clv._math import paretonbd as P

# Bemmaor & Glady (2012), Management Science 58(5), table 2 (p. 1018), GGompertz/NBD on the
# CDNOW 1/10 sample (weeks, calibration to 1997-09-30): r = 0.553, alpha = 10.578,
# b = 0.0002, s = 0.603, beta = 0.0026, LL = -9594.98. CLVTools' tests
# (tests/testthat/test_correctness_ggomnbd.R) pin its own estimate on the same data:
# r = 0.55313, alpha = 10.5758, b = 0.0000011, s = 0.60682, beta = 0.000013,
# LL = -9594.9762. Both b are 0 to the digits printed: the maximum is the boundary b = 0,
# where the model is Pareto/NBD (FHL05b: r = 0.553, alpha = 10.578, s = 0.606).
BG12_LL = -9594.98
CLVTOOLS_LL = -9594.9762


@pytest.fixture(scope="module")
def fitted(cdnow_cal):
    return GGompertzNBDModel().fit(cdnow_cal)


def test_cdnow_reaches_the_published_log_likelihood(fitted):
    assert round(fitted.loglik_, 2) == BG12_LL
    assert round(fitted.loglik_, 4) == CLVTOOLS_LL
    assert fitted.fit_info_["success"] is True
    assert fitted.n_customers_ == 2357


def test_cdnow_estimates_are_on_the_boundary(fitted, cdnow_cal):
    p = fitted.params_
    assert round(p["r"], 3) == 0.553 and round(p["alpha"], 3) == 10.578  # BG12 table 2
    assert p["b"] == 0.0 and fitted.fit_info_["boundary"] == ["b"]  # BG12: 0.0002
    # s: BG12 0.603 (at b = 0.0002), CLVTools 0.60682, Pareto/NBD 0.606
    assert abs(p["s"] - 0.603) < 0.005 and abs(p["s"] - 0.60682) < 0.001
    assert fitted.fit_info_["score_b"] < 0  # the likelihood falls into b > 0
    pareto = ParetoNBDModel().fit(cdnow_cal)
    for name in ("r", "alpha", "s", "beta"):
        assert p[name] == pytest.approx(pareto.params_[name], rel=1e-12)
    # b has no standard error on its boundary; the others have Pareto/NBD's
    tab = fitted.param_table()
    assert np.isnan(tab.loc["b", "std_error"]) and np.isnan(tab.loc["b", "upper"])
    np.testing.assert_allclose(
        tab.loc[["r", "alpha", "s", "beta"], "std_error"],
        pareto.param_table()["std_error"],
        rtol=1e-10,
    )
    test = likelihood_ratio_test(pareto, fitted)
    assert test.statistic == 0.0 and test.p_value == 1.0 and test.boundary == ("b",)


def test_boundary_fit_round_trips(fitted, cdnow_cal):
    again = GGompertzNBDModel.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert again.params_ == fitted.params_
    pd.testing.assert_series_equal(again.prob_alive(cdnow_cal), fitted.prob_alive(cdnow_cal))


# ----------------------------------------------------------------------------- the formulas


def _bg12_loglik(r, alpha, b, s, beta_bg, x, t_x, T):
    """BG12 eq. (5) in the paper's parametrisation, by mpmath quadrature (CLVTools' tests
    transcribe the same expression from the authors' Matlab code)."""
    with mpmath.workdps(30):
        K = r + x
        l1 = (
            mpmath.loggamma(K)
            - mpmath.loggamma(r)
            + r * (mpmath.log(alpha) - mpmath.log(alpha + T))
            - x * mpmath.log(alpha + T)
            + s * (mpmath.log(beta_bg) - mpmath.log(beta_bg - 1 + mpmath.e ** (b * T)))
        )
        if t_x < T:
            integral = mpmath.quad(
                lambda y: (
                    (y + alpha) ** (-K)
                    * (beta_bg + mpmath.e ** (b * y) - 1) ** (-(s + 1))
                    * mpmath.e ** (b * y)
                ),
                # break points every (alpha + t_x) / K near t_x, where a large r + x puts
                # the mass, then geometrically to T, and every 1 / (2 b) over the range
                # where the Gompertz factor (scale 1 / b) still matters
                sorted(
                    {t_x, T}
                    | {min(T, t_x + j / (2.0 * b)) for j in range(1, 1 + min(200, int(80 / s)))}
                    | {
                        min(T, t_x + (alpha + t_x) / K * 2.0**k)
                        for k in range(
                            -2, int(mpmath.log(1 + (T - t_x) * K / (alpha + t_x), 2)) + 2
                        )
                    }
                ),
            )
            l2 = (
                mpmath.loggamma(K)
                - mpmath.loggamma(r)
                + mpmath.log(b)
                + r * mpmath.log(alpha)
                + mpmath.log(s)
                + s * mpmath.log(beta_bg)
                + mpmath.log(integral)
            )
            return float(mpmath.log(mpmath.e**l1 + mpmath.e**l2)), float(
                mpmath.e**l1 / (mpmath.e**l1 + mpmath.e**l2)
            )
        return float(l1), 1.0


@pytest.mark.parametrize(
    "params",
    [
        (0.553, 10.578, 0.05, 0.606, 11.669),
        (0.553, 10.578, 0.5, 0.606, 30.0),
        (2.0, 0.5, 0.01, 3.0, 0.2),
        (0.3, 0.05, 0.2, 2.0, 5.0),
        (1.0, 1.0, 5.0, 1.0, 1.0),  # hazard growing fast
    ],
)
def test_loglik_and_prob_alive_match_the_paper_formula(params):
    r, alpha, b, s, beta = params
    x = np.array([0, 2, 10, 100, 1000, 3])
    t_x = np.array([0.0, 30.43, 5.0, 1.0, 0.5, 38.86])
    T = np.array([38.86, 38.86, 38.86, 300.0, 30.0, 38.86])
    ll = G.loglik(r, alpha, b, s, beta, x, t_x, T)
    pa = G.prob_alive(r, alpha, b, s, beta, x, t_x, T)
    for i in range(x.size):
        # the paper's beta is b times ours
        ref_ll, ref_pa = _bg12_loglik(r, alpha, b, s, b * beta, x[i], t_x[i], T[i])
        assert ll[i] == pytest.approx(ref_ll, rel=1e-11, abs=1e-11)
        assert pa[i] == pytest.approx(ref_pa, rel=1e-10, abs=1e-300)


def test_b_zero_is_pareto_nbd():
    x = np.array([0, 2, 26, 1000])
    t_x = np.array([0.0, 30.43, 30.857, 10.0])
    T = np.array([38.86, 38.86, 31.0, 31.0])
    th = (0.553, 10.578, 0.606, 11.669)
    np.testing.assert_allclose(
        G.loglik(th[0], th[1], 0.0, th[2], th[3], x, t_x, T), P.loglik(*th, x, t_x, T), rtol=1e-12
    )
    np.testing.assert_allclose(
        G.expected_purchases(th[0], th[1], 0.0, th[2], th[3], x, t_x, T, 52.0),
        P.expected_purchases(*th, x, t_x, T, 52.0),
        rtol=1e-11,
    )
    np.testing.assert_allclose(
        G.prob_no_purchase(th[0], th[1], 0.0, th[2], th[3], x, t_x, T, 20.0),
        P.prob_no_purchase(*th, x, t_x, T, 20.0),
        rtol=1e-11,
    )


def test_gradient_matches_finite_differences():
    x = np.array([0, 2, 10, 1, 5.0])
    t_x = np.array([0, 30.43, 5, 38.86, 1])
    T = np.array([38.86, 38.86, 38.86, 38.86, 20])
    for theta in [(0.553, 10.578, 0.05, 0.606, 11.669), (2.0, 3.0, 0.3, 1.5, 4.0)]:
        _, g = G.loglik_grad(*theta, x, t_x, T)
        for j in range(5):
            h = 1e-6 * theta[j]
            up, dn = list(theta), list(theta)
            up[j] += h
            dn[j] -= h
            num = (G.loglik(*up, x, t_x, T) - G.loglik(*dn, x, t_x, T)) / (2 * h)
            np.testing.assert_allclose(g[:, j], num, rtol=1e-6, atol=1e-7)


def test_new_customer_expectation_matches_the_paper_formula():
    # BG12 (and CLVTools' ggomnbd_expectation): E[X(t)] = r/alpha [S(t) t + b s beta^s
    # integral_0^t tau exp(b tau) (beta + exp(b tau) - 1)^-(s+1) d tau], paper's beta
    r, alpha, b, s, beta = 0.6, 8.0, 0.08, 1.0, 12.0
    bb = b * beta
    for t in (0.5, 13.0, 52.0, 200.0):
        with mpmath.workdps(30):
            surv = (bb / (bb + mpmath.e ** (b * t) - 1)) ** s
            integral = mpmath.quad(
                lambda u: u * mpmath.e ** (b * u) * (bb + mpmath.e ** (b * u) - 1) ** (-(s + 1)),
                [0, t],
            )
            ref = float(r / alpha * (surv * t + b * s * bb**s * integral))
        assert G.expected_purchases_new(r, alpha, b, s, beta, t) == pytest.approx(ref, rel=1e-11)


def test_counts_are_a_distribution_consistent_with_the_expectations():
    th = (0.6, 8.0, 0.08, 1.0, 12.0)
    n = np.arange(400)
    new = G.purchase_pmf_new(*th, n, 52.0)
    assert new.sum() == pytest.approx(1.0, abs=1e-10)
    assert float(n @ new) == pytest.approx(float(G.expected_purchases_new(*th, 52.0)), rel=1e-9)
    hist = [(0, 0.0, 38.86), (2, 30.43, 38.86), (12, 38.0, 39.0)]
    for x, t_x, T in hist:
        p = G.purchase_pmf(*th, x, t_x, T, n, 26.0)
        assert p.sum() == pytest.approx(1.0, abs=1e-10)
        assert float(n @ p) == pytest.approx(
            float(G.expected_purchases(*th, x, t_x, T, 26.0)), rel=1e-9
        )
        assert p[0] == pytest.approx(float(G.prob_no_purchase(*th, x, t_x, T, 26.0)), rel=1e-10)


def test_simulation_matches_the_expectation():
    model = GGompertzNBDModel.from_params(r=0.6, alpha=8.0, b=0.08, s=1.0, beta=12.0)
    sim = model.sample(200_000, tenure=52.0, random_state=3)
    # E[X(52)] of a new customer; Monte Carlo standard error ~ sd / sqrt(n) ~ 0.004
    assert sim["n_repeat"].mean() == pytest.approx(
        model.expected_purchases_new(horizon=52.0), abs=0.015
    )
    # survival: P(alive at 52) averaged over the histories is S(52)
    surv = float(G.survival(0.08, 1.0, 12.0, 52.0))
    assert float(model.prob_alive(sim).mean()) == pytest.approx(surv, abs=4e-3)


# ----------------------------------------------------------------------------- fitting


def test_interior_fit_recovers_a_rising_hazard():
    truth = {"r": 1.5, "alpha": 5.0, "b": 0.06, "s": 1.5, "beta": 30.0}
    rng = np.random.default_rng(4)
    model = GGompertzNBDModel.from_params(**truth)
    table = model.sample(10_000, tenure=rng.uniform(40.0, 80.0, 10_000), random_state=rng)
    fit = GGompertzNBDModel().fit(table)
    assert fit.fit_info_["boundary"] == []
    # Pareto/NBD has no maximum on these data (its s and beta run off), or its boundary
    # point is left by a rising likelihood
    score = fit.fit_info_["score_b"]
    assert score is None or score > 0
    tab = fit.param_table(alpha=0.001)  # 99.9% intervals: five parameters, one draw
    for name, value in truth.items():
        assert tab.loc[name, "lower"] < value < tab.loc[name, "upper"], name
    pareto = ParetoNBDModel(penalizer=0.01).fit(table)
    assert fit.loglik_ > pareto.loglik_


def test_max_iter_one_raises(cdnow_cal):
    with pytest.raises(ConvergenceError):
        GGompertzNBDModel(max_iter=1).fit(cdnow_cal)


def test_b_is_allowed_at_zero_but_not_below():
    GGompertzNBDModel.from_params(r=0.5, alpha=10.0, b=0.0, s=0.6, beta=11.0)
    with pytest.raises(ValueError, match="b"):
        GGompertzNBDModel.from_params(r=0.5, alpha=10.0, b=-0.1, s=0.6, beta=11.0)
    with pytest.raises(ValueError, match="beta"):
        GGompertzNBDModel.from_params(r=0.5, alpha=10.0, b=0.1, s=0.6, beta=0.0)


def test_large_data_searches_the_interior_on_a_subset(cdnow_cal, fitted, monkeypatch):
    # above WARM_MIN_ROWS distinct rows, with the likelihood falling into b > 0 at the
    # boundary, the interior search runs on a subset first; on CDNOW it finds nothing better
    # and the result is the same boundary fit
    import custvalue.clv._optimize as optimize

    monkeypatch.setattr(optimize, "WARM_MIN_ROWS", 200)
    monkeypatch.setattr(optimize, "WARM_ROWS", 300)
    large = GGompertzNBDModel().fit(cdnow_cal)
    assert large.fit_info_["boundary"] == ["b"] and "subset" in large.fit_info_["message"]
    for name, value in fitted.params_.items():
        assert large.params_[name] == pytest.approx(value, rel=1e-8, abs=1e-300)
