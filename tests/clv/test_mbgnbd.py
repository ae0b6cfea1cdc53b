"""ModifiedBetaGeoModel (MBG/NBD): behaviour, limits and agreement with lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _tolerance import summation_tolerance
from custvalue import ConvergenceError, ModifiedBetaGeoModel

from .lifetimes_oracle import lifetimes_module, quiet


@pytest.fixture(scope="module")
def fitted(cdnow_cal):
    return ModifiedBetaGeoModel().fit(cdnow_cal)


def test_cdnow_fit_matches_lifetimes(fitted, cdnow_cal):
    # lifetimes' ModifiedBetaGeoFitter maximises the same likelihood (Batislam et al. 2007);
    # it stops less tightly, so agreement is to ~1e-5 in the parameters.
    lt = lifetimes_module()
    ref = quiet(
        lt.ModifiedBetaGeoFitter().fit,
        cdnow_cal["n_repeat"],
        cdnow_cal["purchase_span"],
        cdnow_cal["tenure"],
    )
    for name in ("r", "alpha", "a", "b"):
        assert fitted.params_[name] == pytest.approx(ref.params_[name], rel=1e-4)
    theirs = ModifiedBetaGeoModel.from_params(**{k: ref.params_[k] for k in fitted.params_})
    x, tx, T = (cdnow_cal[c].to_numpy(float) for c in ("n_repeat", "purchase_span", "tenure"))
    their_rows = theirs._math.loglik(*theirs._theta(), x, tx, T)
    # ours is not a worse maximum beyond rounding: the two are float sums of the same
    # likelihood (2,357 rows here, ~1,000 compressed rows in the fit; they differ by ~2e-11)
    # of terms within 8 u of mpmath; each sum gets its bound, allowing 32 u per term
    rounding = 2 * summation_tolerance(their_rows, term_ulps=32)
    assert fitted.loglik_ >= float(their_rows.sum()) - rounding
    np.testing.assert_allclose(
        fitted.expected_purchases(cdnow_cal, horizon=39.0),
        quiet(ref.conditional_expected_number_of_purchases_up_to_time, 39.0, x, tx, T),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        fitted.prob_alive(cdnow_cal),
        quiet(ref.conditional_probability_alive, x, tx, T),
        rtol=1e-4,
    )
    assert fitted.expected_purchases_new(horizon=52.0) == pytest.approx(
        quiet(ref.expected_number_of_purchases_up_to_time, 52.0), rel=1e-4
    )
    for n in range(4):
        assert fitted.purchase_pmf_new(n, horizon=39.0) == pytest.approx(
            float(quiet(ref.probability_of_n_purchases_up_to_time, 39.0, n)), rel=1e-4
        )


def test_cdnow_loglik_close_to_bgnbd(fitted):
    # MBG/NBD nests no model here, but on CDNOW its fit is as good as BG/NBD's (-9582.4,
    # Fader, Hardie & Lee 2005); lifetimes gives -9582.1 for MBG/NBD on the same data.
    assert fitted.loglik_ == pytest.approx(-9582.14, abs=0.01)


def test_non_repeaters_can_be_inactive(fitted):
    table = pd.DataFrame({"n_repeat": [0, 0], "purchase_span": [0.0, 0.0], "tenure": [1.0, 38.0]})
    pa = fitted.prob_alive(table)
    assert 0 < pa.iloc[1] < pa.iloc[0] < 1


def test_pmf_consistency(fitted, cdnow_cal):
    rows = cdnow_cal.iloc[[0, 3, 40]]
    total = sum(fitted.purchase_pmf(rows, n=k, horizon=15.0) for k in range(300))
    np.testing.assert_allclose(total, 1.0, rtol=1e-10)
    mean = sum(k * fitted.purchase_pmf(rows, n=k, horizon=15.0) for k in range(300))
    np.testing.assert_allclose(mean, fitted.expected_purchases(rows, horizon=15.0), rtol=1e-9)
    new = fitted.purchase_pmf_new(np.arange(500), horizon=25.0)
    assert new.sum() == pytest.approx(1.0, abs=1e-10)
    assert (np.arange(500) * new).sum() == pytest.approx(
        fitted.expected_purchases_new(horizon=25.0), rel=1e-9
    )


def test_extreme_customers():
    m = ModifiedBetaGeoModel.from_params(r=0.5, alpha=5.0, a=1.0, b=1.0)
    table = pd.DataFrame(
        {
            "n_repeat": [0, 1e5, 1e5, 3],
            "purchase_span": [0.0, 3650.0, 1.0, 5.0],
            "tenure": [1e-6, 3650.0, 3650.0, 5.0],
        }
    )
    for s in (m.prob_alive(table), m.prob_no_purchase(table, horizon=365.0)):
        assert ((s >= 0) & (s <= 1)).all()
    ey = m.expected_purchases(table, horizon=365.0)
    assert np.isfinite(ey).all() and (ey >= 0).all()
    assert 9000 < ey.iloc[1] <= 1e4


def test_unidentified_data_raise_with_cause():
    # 400 customers (seed 0) whose MLE runs a and b to infinity together (degenerate Beta)
    rng = np.random.default_rng(0)
    truth = ModifiedBetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    table = truth.sample(400, tenure=rng.uniform(20.0, 40.0, 400), random_state=rng)
    with pytest.raises(ConvergenceError) as err:
        ModifiedBetaGeoModel().fit(table)
    msg = str(err.value)
    assert "MBG/NBD" in msg and "'a'" in msg and "'b'" in msg and "penalizer" in msg
    pen = ModifiedBetaGeoModel(penalizer=0.01).fit(table)
    assert pen.fit_info_["success"] is True


@pytest.mark.slow
def test_parameter_recovery():
    truth = {"r": 0.6, "alpha": 8.0, "a": 0.7, "b": 2.0}
    rng = np.random.default_rng(21)
    table = ModifiedBetaGeoModel.from_params(**truth).sample(
        40_000, tenure=rng.uniform(10.0, 80.0, 40_000), random_state=rng
    )
    model = ModifiedBetaGeoModel().fit(table)
    pt = model.param_table(alpha=0.001)
    for name, value in truth.items():
        assert pt.loc[name, "lower"] < value < pt.loc[name, "upper"], name
