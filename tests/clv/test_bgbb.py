"""BetaGeoBetaBinomModel: the published donations fit, validation of discrete data, lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _tolerance import summation_tolerance
from custvalue import BetaGeoBetaBinomModel, DataValidationError
from custvalue.clv._math import bgbb as bgbb_math
from custvalue.datasets import load_donations

from .lifetimes_oracle import lifetimes_module, quiet

# Fader, Hardie & Shang (2010), Marketing Science 29(6), table 2 (11,104 donors of the 1995
# cohort, six yearly opportunities): alpha = 1.204, beta = 0.750, gamma = 0.657,
# delta = 2.783, LL = -33,225.6.
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LL = -33225.6


@pytest.fixture(scope="module")
def donations():
    return load_donations()


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinomModel().fit(donations, weights=donations["count"])


def test_donations_published_estimates(fitted):
    for name, value in PUBLISHED.items():
        # delta is 2.7837 here: it rounds to 2.784, the paper prints 2.783
        assert fitted.params_[name] == pytest.approx(value, abs=1.1e-3)
    assert round(fitted.loglik_, 1) == PUBLISHED_LL
    assert fitted.n_customers_ == 11104


def test_prob_alive_published(fitted):
    # FHS10 / Hardie's BG/BB spreadsheet (Fader, Hardie & Shang 2010, Marketing Science 29(6)): P(alive in 2002) for
    # (x, t_x) = (0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93, with n = 6.
    table = pd.DataFrame(
        {"n_repeat": [0, 2, 6], "purchase_span": [0, 4, 6], "tenure": [6, 6, 6]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    pa = fitted.prob_alive(table)
    assert [round(v, 2) for v in pa] == [0.11, 0.59, 0.93]


def test_predictions_consistent(fitted, donations):
    ep = fitted.expected_purchases(donations, horizon=5)
    pn = fitted.prob_no_purchase(donations, horizon=5)
    pm = [fitted.purchase_pmf(donations, n=k, horizon=5) for k in range(6)]
    np.testing.assert_allclose(sum(pm), 1.0, rtol=1e-12)
    np.testing.assert_allclose(pm[0], pn, rtol=1e-12)
    np.testing.assert_allclose(sum(k * p for k, p in enumerate(pm)), ep, rtol=1e-12)
    assert (fitted.prob_alive(donations).between(0, 1)).all()


def test_new_customer_pmf_matches_expectation(fitted):
    pmf = fitted.purchase_pmf_new(np.arange(7), horizon=6)
    assert pmf.sum() == pytest.approx(1.0, rel=1e-12)
    assert (np.arange(7) * pmf).sum() == pytest.approx(
        fitted.expected_purchases_new(horizon=6), rel=1e-12
    )
    # fitted model reproduces the observed distribution of repeat donations (FHS10 fig. 3)
    d = load_donations()
    observed = d.groupby("n_repeat")["count"].sum().to_numpy() / d["count"].sum()
    np.testing.assert_allclose(pmf, observed, atol=0.01)


def test_rejects_non_integer_and_inconsistent_rows():
    bad = pd.DataFrame(
        {
            "n_repeat": [1, 3, 2, 0],
            "purchase_span": [2.5, 2, 3, 0],
            "tenure": [6, 6, 5.5, 6],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as err:
        BetaGeoBetaBinomModel().fit(bad)
    msg = str(err.value)
    assert "non-integer opportunity index" in msg and "'a'" in msg
    assert "n_repeat > purchase_span" in msg and "'b'" in msg
    assert "non-integer number of opportunities" in msg and "'c'" in msg


def test_horizon_must_be_whole(fitted, donations):
    with pytest.raises(ValueError, match="whole"):
        fitted.expected_purchases(donations, horizon=2.5)
    with pytest.raises(ValueError, match="whole"):
        fitted.expected_purchases_new(horizon=[1, 2.5])


def test_lifetimes_differential(fitted, donations):
    """lifetimes' BetaGeoBetaBinomFitter on the same aggregated data reaches the same fit."""
    lt = lifetimes_module()
    f = lt.BetaGeoBetaBinomFitter()
    quiet(
        f.fit,
        donations["n_repeat"],
        donations["purchase_span"],
        donations["tenure"],
        weights=donations["count"],
    )
    theirs = dict(zip(["alpha", "beta", "gamma", "delta"], f.params_.to_numpy(), strict=True))
    for name, value in theirs.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3)
    # Where the two differ, ours is not a worse maximum of the same likelihood. Both
    # log-likelihoods are float sums over the 22 weighted rows, taken in different orders
    # (the fit's compressed rows vs this dot product; they differ by ~3e-11), of terms
    # computed from betaln and log (within 12 u of mpmath at both parameter sets): each
    # sum gets its rounding bound, allowing 32 u per term (u = 2**-53).
    data = [donations[c].to_numpy(dtype=float) for c in ("n_repeat", "purchase_span", "tenure")]
    counts = donations["count"].to_numpy(dtype=float)
    per_row = bgbb_math.loglik(*theirs.values(), *data)
    theirs_ll = float(per_row @ counts)
    rounding = 2 * summation_tolerance(per_row, counts, term_ulps=32)
    assert fitted.loglik_ >= theirs_ll - rounding
    ours = BetaGeoBetaBinomModel.from_params(**theirs)
    pa = quiet(
        f.conditional_probability_alive,
        1,
        donations["n_repeat"],
        donations["purchase_span"],
        donations["tenure"],
    )
    np.testing.assert_allclose(ours.prob_alive(donations), np.asarray(pa, float), rtol=1e-8)
    ep = quiet(
        f.conditional_expected_number_of_purchases_up_to_time,
        5,
        donations["n_repeat"],
        donations["purchase_span"],
        donations["tenure"],
    )
    np.testing.assert_allclose(
        ours.expected_purchases(donations, horizon=5), np.asarray(ep, float), rtol=1e-8
    )


@pytest.mark.slow
def test_parameter_recovery():
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    for seed in (0, 1):
        table = BetaGeoBetaBinomModel.from_params(**truth).sample(
            20000, tenure=6, random_state=seed
        )
        tab = BetaGeoBetaBinomModel().fit(table).param_table(alpha=0.001)
        for name, value in truth.items():
            assert tab.loc[name, "lower"] < value < tab.loc[name, "upper"], (seed, name)
