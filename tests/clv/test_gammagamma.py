"""GammaGammaModel: published CDNOW estimates, validation, q -> 1 and agreement with lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError, GammaGammaModel, InsufficientDataError

from .lifetimes_oracle import lifetimes_module, quiet


@pytest.fixture(scope="module")
def fitted(cdnow_repeat):
    return GammaGammaModel().fit(cdnow_repeat)


def test_cdnow_published_estimates(fitted, cdnow_repeat):
    # Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4), and Fader & Hardie (2013) note,
    # CDNOW 1/10 sample, 946 repeat buyers: p = 6.25, q = 3.74, gamma = 15.44.
    assert len(cdnow_repeat) == 946
    assert round(fitted.params_["p"], 2) == 6.25
    assert round(fitted.params_["q"], 2) == 3.74
    assert round(fitted.params_["gamma"], 2) == 15.44


def test_matches_lifetimes(fitted, cdnow_repeat, cdnow_cal):
    lt = lifetimes_module()
    ref = quiet(
        lt.GammaGammaFitter().fit, cdnow_repeat["n_repeat"], cdnow_repeat["mean_repeat_spend"]
    )
    for ours, theirs in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert fitted.params_[ours] == pytest.approx(ref.params_[theirs], rel=1e-4)
    np.testing.assert_allclose(
        fitted.expected_spend(cdnow_repeat),
        quiet(
            ref.conditional_expected_average_profit,
            cdnow_repeat["n_repeat"],
            cdnow_repeat["mean_repeat_spend"],
        ),
        rtol=1e-4,
    )


def test_expected_spend_for_non_repeaters_is_population_mean(fitted, cdnow_cal):
    es = fitted.expected_spend(cdnow_cal)
    assert es.index.equals(cdnow_cal.index) and es.name == "expected_spend"
    zero = cdnow_cal["n_repeat"] == 0
    p, q, g = (fitted.params_[k] for k in ("p", "q", "gamma"))
    np.testing.assert_allclose(es[zero], p * g / (q - 1))
    assert fitted.mean_spend() == pytest.approx(p * g / (q - 1))
    assert (es > 0).all() and np.isfinite(es).all()


def test_fit_refuses_non_repeaters_and_bad_spend(cdnow_cal):
    with pytest.raises(DataValidationError) as err:
        GammaGammaModel().fit(cdnow_cal)
    assert "table[table.n_repeat > 0]" in str(err.value)
    bad = pd.DataFrame({"n_repeat": [1, 2, 3], "mean_repeat_spend": [10.0, 0.0, -5.0]})
    with pytest.raises(DataValidationError) as err2:
        GammaGammaModel().fit(bad)
    assert err2.value.failures[0].count == 2
    nan = pd.DataFrame({"n_repeat": [1, 2], "mean_repeat_spend": [10.0, np.nan]})
    with pytest.raises(DataValidationError, match="missing"):
        GammaGammaModel().fit(nan)


def test_insufficient_data():
    same = pd.DataFrame({"n_repeat": np.arange(1, 21), "mean_repeat_spend": 10.0})
    with pytest.raises(InsufficientDataError, match="distinct"):
        GammaGammaModel().fit(same)
    with pytest.raises(InsufficientDataError, match="at least"):
        GammaGammaModel().fit(same.iloc[:3].assign(mean_repeat_spend=[1.0, 2.0, 3.0]))


def test_q_must_exceed_one():
    with pytest.raises(ValueError, match="q"):
        GammaGammaModel.from_params(p=1.0, q=1.0, gamma=1.0)
    near = GammaGammaModel.from_params(p=2.0, q=1.0 + 1e-12, gamma=5.0)
    table = pd.DataFrame({"n_repeat": [0, 1, 100], "mean_repeat_spend": [np.nan, 3.0, 4.0]})
    es = near.expected_spend(table)
    assert np.isfinite(es).all() and (es > 0).all()
    # for q -> 1 the repeat buyers' expectations have finite limits p (gamma + x m) / (p x)
    np.testing.assert_allclose(es.iloc[1:], [(5.0 + 3.0) / 1.0, (5.0 + 400.0) / 100.0])


def test_heavy_tailed_spend_fits_with_q_above_one():
    # nu ~ Gamma(q = 1.2): mean spend barely finite; the fit stays in q > 1 by construction
    truth = GammaGammaModel.from_params(p=3.0, q=1.2, gamma=10.0)
    table = truth.sample(np.tile(np.arange(1, 6), 400), random_state=3)
    model = GammaGammaModel().fit(table)
    assert model.params_["q"] > 1.0
    assert np.isfinite(model.expected_spend(table)).all()


def test_sample_validates_and_is_deterministic():
    m = GammaGammaModel.from_params(p=6.0, q=4.0, gamma=15.0)
    a = m.sample([1, 2, 3], random_state=0)
    pd.testing.assert_frame_equal(a, m.sample([1, 2, 3], random_state=0))
    assert (a["mean_repeat_spend"] > 0).all()
    with pytest.raises(ValueError):
        m.sample([0, 1], random_state=0)


@pytest.mark.slow
def test_parameter_recovery():
    truth = {"p": 5.0, "q": 3.0, "gamma": 20.0}
    table = GammaGammaModel.from_params(**truth).sample(
        np.tile(np.arange(1, 11), 2000), random_state=31
    )
    model = GammaGammaModel().fit(table)
    pt = model.param_table(alpha=0.001)
    for name, value in truth.items():
        assert pt.loc[name, "lower"] < value < pt.loc[name, "upper"], name
        assert model.params_[name] == pytest.approx(value, rel=0.15)
