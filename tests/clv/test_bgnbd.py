"""BetaGeoModel (BG/NBD): published CDNOW reference values and model-level behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import BetaGeoModel

# Fader, Hardie & Lee (2005), Marketing Science 24(2), section 5 (CDNOW 1/10 sample, weeks,
# calibration weeks 1-39): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_LL = -9582.4


@pytest.fixture(scope="module")
def fitted(cdnow_cal):
    return BetaGeoModel().fit(cdnow_cal)


def test_cdnow_published_estimates(fitted):
    for name, value in CDNOW_PARAMS.items():
        assert round(fitted.params_[name], 3) == value
    assert round(fitted.loglik_, 1) == CDNOW_LL
    assert fitted.n_customers_ == 2357


def test_cdnow_new_customer_expectation(fitted):
    # R BTYD walkthrough / FHL (2005) fig. and Hardie's spreadsheet: E[X(52)] = 1.444
    assert round(fitted.expected_purchases_new(horizon=52.0), 3) == 1.444


def test_cdnow_conditional_expectations(fitted):
    table = pd.DataFrame(
        {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    # R BTYD walkthrough (bgnbd.ConditionalExpectedTransactions): E[Y(39)] = 1.226 for
    # (x=2, t_x=30.43, T=38.86); E[Y(52)] = 25.757 and P(alive) = 0.9689 for (26, 30.857, 31).
    assert round(fitted.expected_purchases(table, horizon=39.0)["a"], 3) == 1.226
    assert round(fitted.expected_purchases(table, horizon=52.0)["b"], 3) == 25.757
    assert round(fitted.prob_alive(table)["b"], 4) == 0.9689


def test_predictions_are_named_series_on_the_index(fitted, cdnow_cal):
    for name, s in {
        "prob_alive": fitted.prob_alive(cdnow_cal),
        "expected_purchases": fitted.expected_purchases(cdnow_cal, horizon=10.0),
        "prob_no_purchase": fitted.prob_no_purchase(cdnow_cal, horizon=10.0),
        "purchase_pmf": fitted.purchase_pmf(cdnow_cal, n=1, horizon=10.0),
    }.items():
        assert isinstance(s, pd.Series) and s.name == name
        assert s.index.equals(cdnow_cal.index)
        assert np.isfinite(s).all() and (s >= 0).all()


def test_horizon_zero(fitted, cdnow_cal):
    # exactly 0: at t = 0, z = 0 and both parts of the bracket, -expm1(0) and 2F1 - 1 (its
    # power series in z), are exactly 0
    assert (fitted.expected_purchases(cdnow_cal, horizon=0.0) == 0).all()
    np.testing.assert_allclose(fitted.prob_no_purchase(cdnow_cal, horizon=0.0), 1.0)
    assert fitted.expected_purchases_new(horizon=0.0) == 0.0


def test_pmf_sums_to_one_and_matches_expectation(fitted, cdnow_cal):
    rows = cdnow_cal.iloc[[0, 5, 17, 100]]
    total = sum(fitted.purchase_pmf(rows, n=k, horizon=20.0) for k in range(400))
    np.testing.assert_allclose(total, 1.0, rtol=1e-10)
    mean = sum(k * fitted.purchase_pmf(rows, n=k, horizon=20.0) for k in range(400))
    np.testing.assert_allclose(mean, fitted.expected_purchases(rows, horizon=20.0), rtol=1e-9)
    np.testing.assert_allclose(
        fitted.purchase_pmf(rows, n=0, horizon=20.0),
        fitted.prob_no_purchase(rows, horizon=20.0),
        rtol=1e-12,
    )
    new = fitted.purchase_pmf_new(np.arange(600), horizon=30.0)
    assert new.sum() == pytest.approx(1.0, abs=1e-10)
    assert (np.arange(600) * new).sum() == pytest.approx(
        fitted.expected_purchases_new(horizon=30.0), rel=1e-9
    )


def test_expected_purchases_new_vectorised(fitted):
    ts = np.array([0.0, 1.0, 52.0, 1e4])
    out = fitted.expected_purchases_new(horizon=ts)
    assert out.shape == (4,)
    assert out[2] == pytest.approx(fitted.expected_purchases_new(horizon=52.0))
    assert np.all(np.diff(out) > 0)


def test_extreme_customers_finite_and_in_range():
    m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    table = pd.DataFrame(
        {
            "n_repeat": [0, 1e5, 1e5, 50, 3],
            "purchase_span": [0.0, 3650.0, 10.0, 20.0, 1e-9],
            "tenure": [1e-6, 3650.0, 3650.0, 20.0, 1e4],
        }
    )
    pa = m.prob_alive(table)
    assert ((pa >= 0) & (pa <= 1)).all()
    # x = 0 is alive with probability exactly 1 (no dropout before a repeat purchase)
    assert pa.iloc[0] == 1.0 and pa.iloc[1] > 0.999 and pa.iloc[2] < 1e-12
    ey = m.expected_purchases(table, horizon=365.0)
    assert np.isfinite(ey).all() and (ey >= 0).all()
    # ~27 purchases a day, surely alive: about 1e4 purchases a year, a few percent fewer
    # because dropout (p ~ a / (b + x) per purchase) can still happen within the year
    assert 9000 < ey.iloc[1] < 1e4
    pn = m.prob_no_purchase(table, horizon=365.0)
    assert ((pn >= 0) & (pn <= 1)).all()


@pytest.mark.parametrize("a,b", [(1.0, 2.0), (0.8, 1.0), (1.0, 1.0)])
def test_removable_singularities_are_continuous(a, b):
    table = pd.DataFrame(
        {"n_repeat": [0, 1, 4], "purchase_span": [0.0, 5.0, 9.0], "tenure": [10.0] * 3}
    )
    at = BetaGeoModel.from_params(r=0.5, alpha=3.0, a=a, b=b)
    near = BetaGeoModel.from_params(r=0.5, alpha=3.0, a=a * (1 + 1e-7), b=b * (1 + 1e-7))
    for f in (
        lambda m: m.expected_purchases(table, horizon=20.0),
        lambda m: m.prob_alive(table),
        lambda m: pd.Series([m.expected_purchases_new(horizon=20.0)]),
    ):
        np.testing.assert_allclose(f(at), f(near), rtol=1e-6)


def test_sample_shape_and_determinism():
    m = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    a = m.sample(100, tenure=30.0, random_state=3)
    b = m.sample(100, tenure=30.0, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["n_repeat", "purchase_span", "tenure"]
    assert a["n_repeat"].dtype == np.int64
    assert (a["purchase_span"] <= a["tenure"]).all()
    assert ((a["n_repeat"] == 0) == (a["purchase_span"] == 0)).all()
    assert not a.equals(m.sample(100, tenure=30.0, random_state=4))


def test_matches_lifetimes(fitted, cdnow_cal):
    # lifetimes' BetaGeoFitter maximises the same likelihood; agreement to 1e-4 relative.
    from .lifetimes_oracle import lifetimes_module, quiet

    lt = lifetimes_module()
    x, tx, T = (cdnow_cal[c] for c in ("n_repeat", "purchase_span", "tenure"))
    ref = quiet(lt.BetaGeoFitter().fit, x, tx, T)
    for name in ("r", "alpha", "a", "b"):
        assert fitted.params_[name] == pytest.approx(ref.params_[name], rel=1e-4)
    np.testing.assert_allclose(
        fitted.expected_purchases(cdnow_cal, horizon=39.0),
        quiet(ref.conditional_expected_number_of_purchases_up_to_time, 39.0, x, tx, T),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        fitted.prob_alive(cdnow_cal), quiet(ref.conditional_probability_alive, x, tx, T), rtol=1e-4
    )
    for n in range(4):
        assert fitted.purchase_pmf_new(n, horizon=39.0) == pytest.approx(
            float(quiet(ref.probability_of_n_purchases_up_to_time, 39.0, n)), rel=1e-4
        )


def test_days_instead_of_weeks(cdnow_cal):
    # PROMISES 10: the same data in days rescale alpha by 7 and nothing else
    weeks = BetaGeoModel().fit(cdnow_cal)
    days = BetaGeoModel().fit(
        cdnow_cal.assign(
            purchase_span=cdnow_cal["purchase_span"] * 7, tenure=cdnow_cal["tenure"] * 7
        )
    )
    assert days.params_["alpha"] == pytest.approx(7 * weeks.params_["alpha"], rel=1e-8)
    for k in ("r", "a", "b"):
        assert days.params_[k] == pytest.approx(weeks.params_[k], rel=1e-8)
    # the likelihood is a density of the x purchase times: each changes by a Jacobian of 1/7
    n_events = cdnow_cal["n_repeat"].sum()
    assert days.loglik_ == pytest.approx(weeks.loglik_ - n_events * np.log(7), rel=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_parameter_recovery(seed):
    truth = {"r": 0.6, "alpha": 8.0, "a": 0.7, "b": 2.0}
    rng = np.random.default_rng(seed)
    table = BetaGeoModel.from_params(**truth).sample(
        40_000, tenure=rng.uniform(10.0, 80.0, 40_000), random_state=rng
    )
    model = BetaGeoModel().fit(table)
    pt = model.param_table(alpha=0.001)
    for name, value in truth.items():
        assert pt.loc[name, "lower"] < value < pt.loc[name, "upper"], name
        assert model.params_[name] == pytest.approx(value, rel=0.15)
