"""ShiftedBetaGeoModel and subscription_table: the published cohort fits, the value formulas,
the table from dates."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from custvalue import (
    DataValidationError,
    InsufficientDataError,
    ShiftedBetaGeoModel,
    subscription_table,
)

# Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
# Marketing 21(1), table 1: % of the 1,000 customers of each cohort still active at years
# 0-7, and the maximum-likelihood sBG fits on years 1-7: regular alpha = 0.704,
# beta = 1.182; high end alpha = 0.668, beta = 3.806 (the same values, with
# log-likelihoods -1680.27 and -1611.16, are reproduced in the public notebook
# github.com/abdullahau/customer-analytics). The regular cohort loses 36.9% in year 1,
# alpha / (alpha + beta) = 0.373; the high-end one 13.1%, 0.149.
REGULAR = [100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]
HIGH_END = [100.0, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1]


def _cohort(percent, customers=1000):
    alive = np.round(np.asarray(percent) / 100 * customers).astype(int)
    years = len(alive) - 1
    return pd.DataFrame(
        {
            "tenure": [*list(range(1, years + 1)), years],
            "churned": [True] * years + [False],
            "count": [*list(alive[:-1] - alive[1:]), alive[-1]],
        }
    )


@pytest.mark.parametrize(
    "percent, alpha, beta, loglik",
    [(REGULAR, 0.704, 1.182, -1680.27), (HIGH_END, 0.668, 3.806, -1611.16)],
    ids=["regular", "high end"],
)
def test_reproduces_the_published_cohort_fits(percent, alpha, beta, loglik):
    cohort = _cohort(percent)
    model = ShiftedBetaGeoModel().fit(cohort, weights=cohort["count"])
    assert round(model.params_["alpha"], 3) == alpha
    assert round(model.params_["beta"], 3) == beta
    assert round(model.loglik_, 2) == loglik
    assert model.n_customers_ == 1000 and model.fit_info_["success"] is True
    # the same fit from one row per customer
    rows = cohort.loc[cohort.index.repeat(cohort["count"])].drop(columns="count")
    again = ShiftedBetaGeoModel().fit(rows.reset_index(drop=True))
    assert again.params_ == model.params_


def test_fitted_survival_tracks_the_published_curve():
    cohort = _cohort(REGULAR)
    model = ShiftedBetaGeoModel().fit(cohort, weights=cohort["count"])
    fitted = model.survival(range(8)).to_numpy() * 100
    assert np.max(np.abs(fitted - np.array(REGULAR))) < 1.5  # FH07 figure 3: a close fit


def test_curves_and_closed_forms():
    a, b = 0.704, 1.182
    model = ShiftedBetaGeoModel.from_params(alpha=a, beta=b)
    t = np.arange(0, 30)
    surv = model.survival(t).to_numpy()
    np.testing.assert_allclose(surv, np.exp(betaln(a, b + t) - betaln(a, b)), rtol=1e-14)
    ret = model.retention_rate(t[1:]).to_numpy()
    np.testing.assert_allclose(ret, surv[1:] / surv[:-1], rtol=1e-12)
    assert np.all(np.diff(ret) > 0)  # FH07: retention rises as the churners leave
    assert model.expected_lifetime() == np.inf  # alpha <= 1
    other = ShiftedBetaGeoModel.from_params(alpha=1.5, beta=3.0)
    # E[T] = sum_t S(t) = E[1 / theta] under Beta(alpha, beta), by mpmath quadrature
    with mpmath.workdps(20):
        mean_inv = mpmath.quad(
            lambda th: th ** (1.5 - 2) * (1 - th) ** (3.0 - 1), [0, 1]
        ) / mpmath.beta(1.5, 3.0)
    assert other.expected_lifetime() == pytest.approx(float(mean_inv), rel=1e-10)


@pytest.mark.parametrize("d", [0.0, 0.001, 0.01, 0.1, 1.0])
def test_discounted_lifetimes_match_the_hypergeometric_forms(d):
    # Fader & Hardie (2010), Marketing Science 29(1): DEL = 2F1(1, beta; alpha+beta; 1/(1+d));
    # DERL after n periods = B(alpha, beta+n+1)/B(alpha, beta+n) 2F1(1, beta+n+1;
    # alpha+beta+n+1; 1/(1+d)); mpmath evaluates them
    a, b = 1.3, 3.806
    model = ShiftedBetaGeoModel.from_params(alpha=a, beta=b)
    subs = pd.DataFrame({"tenure": [0, 1, 5, 40], "churned": [False] * 4})
    derl = model.discounted_residual_lifetime(subs, discount_rate=d).to_numpy()
    z = 1 / (1 + d)
    with mpmath.workdps(30):
        ref_del = float(mpmath.hyp2f1(1, b, a + b, z))
        ref = [
            float((b + n) / (a + b + n) * mpmath.hyp2f1(1, b + n + 1, a + b + n + 1, z))
            for n in (0, 1, 5, 40)
        ]
    assert model.discounted_lifetime(discount_rate=d) == pytest.approx(ref_del, rel=1e-12)
    np.testing.assert_allclose(derl, ref, rtol=1e-12)
    if d == 0.0:  # undiscounted: the expected numbers of payments
        np.testing.assert_allclose(derl, model.expected_residual_lifetime(subs), rtol=1e-14)


def test_existing_customers():
    model = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
    subs = pd.DataFrame(
        {"tenure": [3, 3, 0], "churned": [False, True, False]},
        index=pd.Index(["x", "y", "z"], name="customer_id"),
    )
    pa = model.prob_active(subs, horizon=4)
    s = model.survival([3, 7, 4]).to_numpy()
    assert pa["x"] == pytest.approx(s[1] / s[0], rel=1e-13) and pa["y"] == 0.0
    assert pa["z"] == pytest.approx(s[2], rel=1e-13)  # tenure 0: a new customer
    value = model.customer_value(
        subs, amount=pd.Series([10.0, 10.0, 20.0], index=subs.index), discount_rate=0.1
    )
    derl = model.discounted_residual_lifetime(subs, discount_rate=0.1)
    np.testing.assert_allclose(value, [10 * derl["x"], 0.0, 20 * derl["z"]])
    # a new customer pays now, then is a tenure-0 customer deciding her first renewal:
    # DEL = 1 + DERL(n = 0) / (1 + d)
    assert model.new_customer_value(amount=1.0, discount_rate=0.1) == pytest.approx(
        1.0 + derl["z"] / 1.1, rel=1e-12
    )


def test_simulation_recovers_the_parameters():
    truth = ShiftedBetaGeoModel.from_params(alpha=0.7, beta=1.2)
    sim = truth.sample(
        20_000, periods=np.tile([3, 6, 12], 20_000 // 3 + 1)[:20_000], random_state=2
    )
    fit = ShiftedBetaGeoModel().fit(sim)
    tab = fit.param_table(alpha=0.001)
    for name, value in truth.params_.items():
        assert tab.loc[name, "lower"] < value < tab.loc[name, "upper"]
    assert float(fit.log_likelihood(sim).sum()) == pytest.approx(fit.loglik_, rel=1e-12)
    again = ShiftedBetaGeoModel.from_dict(json.loads(json.dumps(fit.to_dict())))
    assert again.params_ == fit.params_


def test_bad_tables_are_refused_with_every_problem():
    bad = pd.DataFrame(
        {"tenure": [1.5, -1, 0, 2], "churned": [0, 0, 1, 2]},
        index=pd.Index(list("abcd"), name="customer_id"),
    )
    with pytest.raises(DataValidationError) as err:
        ShiftedBetaGeoModel().fit(bad)
    msg = str(err.value)
    assert "non-integer" in msg and "negative" in msg and "tenure 0" in msg and "flag" in msg
    with pytest.raises(InsufficientDataError, match="no customer churned"):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"tenure": range(1, 20), "churned": False}))
    with pytest.raises(DataValidationError, match="missing column"):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"tenure": [1, 2]}))


# ----------------------------------------------------------------------------- subscription_table


def test_subscription_table_counts_periods_from_each_start():
    subs = pd.DataFrame(
        {
            "customer_id": [3, 1, 2, 4, 5],
            "start": ["2024-01-15", "2024-01-31", "2023-03-01", "2024-05-10", "2024-02-29"],
            "end": ["2024-04-15", None, "2024-03-20", "2024-08-01", "2024-03-28"],
        }
    )
    out = subscription_table(subs, observation_end="2024-06-30")
    assert list(out.index) == [1, 2, 3, 4, 5] and out.index.dtype == subs["customer_id"].dtype
    # 1: 31 Jan + 5 months = 30 Jun (clipped), still running: 5 whole months
    # 2: ended 20 Mar 2024, 12 full months plus part of the 13th
    # 3: ended exactly 3 months after the start
    # 4: ends after observation_end: still running then, 1 whole month (10 May - 10 Jun)
    # 5: 29 Feb + 1 month = 29 Mar > 28 Mar: churned during its first month
    assert out["tenure"].tolist() == [5, 13, 3, 1, 1]
    assert out["churned"].tolist() == [False, True, True, False, True]
    years = subscription_table(subs, observation_end="2024-06-30", period="Y")
    assert years["tenure"].tolist() == [0, 2, 1, 0, 1]
    weeks = subscription_table(subs, observation_end="2024-06-30", period="W")
    assert weeks.loc[3, "tenure"] == 13  # 91 days: 13 weeks exactly
    model = ShiftedBetaGeoModel.from_params(alpha=0.7, beta=1.2)
    assert model.prob_active(out, horizon=1).loc[[2, 3, 5]].eq(0).all()


def test_subscription_table_refuses_bad_rows():
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "start": ["2024-01-01", "2024-02-01", "2024-05-01", "2024-09-01"],
            "end": [None, None, "2024-04-01", None],
        }
    )
    with pytest.raises(DataValidationError) as err:
        subscription_table(subs, observation_end="2024-06-30")
    msg = str(err.value)
    assert "duplicate customer ids" in msg and "end not after start" in msg
    assert "after observation_end" in msg
    with pytest.raises(ValueError, match="period"):
        subscription_table(subs.iloc[2:3], observation_end="2024-06-30", period="X")
    with pytest.raises(DataValidationError, match="missing column"):
        subscription_table(subs.rename(columns={"end": "stop"}), observation_end="2024-06-30")
