"""The predictions peers have: future P(alive), grids, alive paths, per-customer
log-likelihoods, draws of latent rates."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from custvalue import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_table,
)
from custvalue.clv._math import bgnbd as bgnbd_math
from custvalue.clv._math import mbgnbd as mbgnbd_math

from .lifetimes_oracle import lifetimes_module, quiet

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL05 CDNOW BG/NBD fit
PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # FHL05b Pareto/NBD fit
BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # FHS10 table 2


def _table(rows):
    return pd.DataFrame(
        rows,
        columns=["n_repeat", "purchase_span", "tenure"],
        index=pd.Index(range(len(rows)), name="customer_id"),
    )


# ----------------------------------------------------------------------------- future P(alive)


@pytest.mark.parametrize(
    "params",
    [
        (0.243, 4.414, 0.793, 2.426),  # CDNOW
        (5.0, 1.0, 0.01, 0.5),  # tiny a: a long left tail in logit(p)
        (0.2, 3.0, 0.05, 0.06),  # tiny a and b
        (20.0, 0.1, 30.0, 40.0),  # large parameters
        (0.5, 50.0, 3.0, 0.1),  # r > a + b - ... mode close to p = 1
    ],
)
def test_bg_stay_alive_matches_mpmath_hypergeometric(params):
    # E_p[(1 + p t / (alpha + T))^-(r + x)], p ~ Beta(a, b + x) is
    # 2F1(r + x, a; a + b + x; -t / (alpha + T)) (Euler's integral), evaluated by mpmath
    r, alpha, a, b = params
    x = np.array([0.0, 1.0, 7.0, 60.0, 1e5])
    T = np.array([0.5, 39.0, 10.0, 300.0, 31.0])
    for t in (0.01, 52.0, 5000.0):
        ours = bgnbd_math.stay_alive(r, alpha, a, b, x, T, t)
        mb = mbgnbd_math.stay_alive(r, alpha, a, b, x, T, t)
        for i in range(x.size):
            with mpmath.workdps(30):
                z = -mpmath.mpf(t) / (alpha + T[i])
                ref = float(mpmath.hyp2f1(r + x[i], a, a + b + x[i], z))
                ref_m = float(mpmath.hyp2f1(r + x[i], a, a + b + x[i] + 1, z))
            assert ours[i] == pytest.approx(ref, rel=1e-8, abs=1e-300)
            assert mb[i] == pytest.approx(ref_m, rel=1e-8, abs=1e-300)


def test_prob_alive_horizon_zero_is_prob_alive():
    table = _table([(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.857, 31.0)])
    for model in (BetaGeoModel.from_params(**BG), ParetoNBDModel.from_params(**PNBD)):
        pd.testing.assert_series_equal(
            model.prob_alive(table, horizon=0.0), model.prob_alive(table)
        )


def test_prob_alive_decreases_with_horizon():
    table = _table([(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.857, 31.0)])
    for model in (
        BetaGeoModel.from_params(**BG),
        ModifiedBetaGeoModel.from_params(**BG),
        ParetoNBDModel.from_params(**PNBD),
    ):
        curves = np.column_stack(
            [model.prob_alive(table, horizon=h).to_numpy() for h in (0, 1, 13, 52, 520)]
        )
        assert np.all(np.diff(curves, axis=1) < 0)
        assert np.all((curves >= 0) & (curves <= 1))


@pytest.mark.parametrize("model_cls, params", [(BetaGeoModel, BG), (ParetoNBDModel, PNBD)])
def test_future_alive_averages_to_the_unconditional_probability(model_cls, params):
    # Law of total probability: over the customers of the population, the mean of
    # P(alive at T + t | history to T) is P(alive at T + t) of a new customer, which is
    # E_p[(1 + p (T + t) / alpha)^-r] = 2F1(r, a; a + b; -(T + t) / alpha) for BG/NBD
    # (FHL05, dropout after purchases) and (beta / (beta + T + t))^s for Pareto/NBD
    # (exponential lifetimes, Gamma(s, beta) rates). The sample mean has Monte Carlo error.
    model = model_cls.from_params(**params)
    T, t = 39.0, 52.0
    sim = model.sample(200_000, tenure=T, random_state=7)
    mean = float(model.prob_alive(sim, horizon=t).mean())
    if model_cls is BetaGeoModel:
        ref = float(
            mpmath.hyp2f1(
                params["r"], params["a"], params["a"] + params["b"], -(T + t) / params["alpha"]
            )
        )
    else:
        ref = (params["beta"] / (params["beta"] + T + t)) ** params["s"]
    assert mean == pytest.approx(ref, abs=4e-3)


def test_pareto_future_alive_closed_form():
    # given alive at T, mu ~ Gamma(s, beta + T): P(alive at T + t) = E[exp(-mu t)]
    model = ParetoNBDModel.from_params(**PNBD)
    table = _table([(26, 30.857, 31.0)])
    factor = ((PNBD["beta"] + 31.0) / (PNBD["beta"] + 31.0 + 52.0)) ** PNBD["s"]
    assert model.prob_alive(table, horizon=52.0).iloc[0] == pytest.approx(
        model.prob_alive(table).iloc[0] * factor, rel=1e-14
    )


def test_bgbb_future_alive_matches_lifetimes(donations):
    lt = lifetimes_module()
    fitter = lt.BetaGeoBetaBinomFitter()
    fitter.params_ = pd.Series({"alpha": 1.204, "beta": 0.75, "gamma": 0.657, "delta": 2.783})
    ours = BetaGeoBetaBinomModel.from_params(**BGBB)
    for m in (0, 1, 5):
        theirs = quiet(
            fitter.conditional_probability_alive,
            m + 1,  # lifetimes counts from opportunity n; ours from n + 1 (FHS10 eq. 11)
            donations["n_repeat"],
            donations["purchase_span"],
            donations["tenure"],
        )
        np.testing.assert_allclose(
            ours.prob_alive(donations, horizon=m), np.asarray(theirs, float), rtol=1e-10
        )


@pytest.fixture(scope="module")
def donations():
    from custvalue.datasets import load_donations

    return load_donations()


# ----------------------------------------------------------------------------- grids


def test_grids_equal_predictions_on_the_same_cells():
    for model in (BetaGeoModel.from_params(**BG), ParetoNBDModel.from_params(**PNBD)):
        xs, spans = [0, 1, 5, 30], [0.0, 10.0, 38.0, 39.0, 40.0]
        pa = model.prob_alive_grid(n_repeat=xs, purchase_span=spans, tenure=39.0)
        ep = model.expected_purchases_grid(
            n_repeat=xs, purchase_span=spans, tenure=39.0, horizon=26.0
        )
        pa52 = model.prob_alive_grid(n_repeat=xs, purchase_span=spans, tenure=39.0, horizon=52)
        assert pa.shape == (4, 5) and list(pa.index) == xs and list(pa.columns) == spans
        for x in xs:
            for s in spans:
                if s > 39.0 or (x == 0 and s > 0):
                    assert np.isnan(pa.loc[x, s]) and np.isnan(ep.loc[x, s])
                    continue
                one = _table([(x, s, 39.0)])
                assert pa.loc[x, s] == pytest.approx(model.prob_alive(one).iloc[0], rel=1e-14)
                assert pa52.loc[x, s] == pytest.approx(
                    model.prob_alive(one, horizon=52).iloc[0], rel=1e-14
                )
                assert ep.loc[x, s] == pytest.approx(
                    model.expected_purchases(one, horizon=26.0).iloc[0], rel=1e-14
                )


def test_bgbb_grid_counts_opportunities():
    model = BetaGeoBetaBinomModel.from_params(**BGBB)
    grid = model.prob_alive_grid(n_repeat=range(7), purchase_span=range(7), tenure=6)
    # x <= t_x, and x = 0 only with t_x = 0
    assert np.isnan(grid.loc[3, 2]) and np.isnan(grid.loc[0, 4])
    # FHS10 / Hardie's BG/BB spreadsheet: P(alive) at n = 6 of (0, 0), (2, 4), (6, 6)
    assert round(grid.loc[0, 0], 2) == 0.11
    assert round(grid.loc[2, 4], 2) == 0.59
    assert round(grid.loc[6, 6], 2) == 0.93
    with pytest.raises(ValueError, match="whole"):
        model.prob_alive_grid(n_repeat=[0, 1], purchase_span=[0.5], tenure=6)


def test_grid_input_errors():
    model = BetaGeoModel.from_params(**BG)
    with pytest.raises(ValueError, match="n_repeat"):
        model.prob_alive_grid(n_repeat=[0, 1.5], purchase_span=[0], tenure=39)
    with pytest.raises(ValueError, match="purchase_span"):
        model.prob_alive_grid(n_repeat=[0], purchase_span=[-1.0], tenure=39)
    with pytest.raises(ValueError, match="tenure"):
        model.prob_alive_grid(n_repeat=[0], purchase_span=[0.0], tenure=0)


# ----------------------------------------------------------------------------- alive paths


def test_alive_path_equals_prob_alive_of_the_table_at_each_date():
    from custvalue.datasets import load_cdnow

    tx = load_cdnow(subset="sample")
    model = BetaGeoModel.from_params(**BG)
    times = ["1997-02-15", "1997-06-30", "1997-09-30", "1998-06-30"]
    path = model.prob_alive_path(tx, times=times, time_unit="W", amount_col="amount")
    assert path.shape == (tx["customer_id"].nunique(), 4)
    assert path.columns.name == "time"
    for tau in times:
        table = customer_table(tx[tx["timestamp"] <= tau], observation_end=tau, time_unit="W")
        expected = model.prob_alive(table)
        col = path[pd.Timestamp(tau)]
        pd.testing.assert_series_equal(
            col.loc[expected.index], expected, check_names=False, rtol=1e-13, atol=0
        )
        # customers who had not bought yet: NaN
        later = col.index.difference(expected.index)
        assert col.loc[later].isna().all()


def test_alive_path_reads_transactions_like_customer_table():
    model = BetaGeoModel.from_params(**BG)
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "timestamp": ["2024-01-01", "2024-01-01", "2024-01-09", "2024-01-03", "2024-03-01"],
            "amount": [5.0, 5.0, 7.0, 1.0, 2.0],
        }
    )
    path = model.prob_alive_path(tx, times=["2024-02-01"], time_unit="W", after_end="drop")
    table = customer_table(tx, observation_end="2024-02-01", time_unit="W", after_end="drop")
    np.testing.assert_allclose(path.iloc[:, 0].to_numpy(), model.prob_alive(table).to_numpy())
    # rows after the latest time raise by default, as in customer_table
    with pytest.raises(Exception, match="after"):
        model.prob_alive_path(tx, times=["2024-02-01"], time_unit="W")
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.prob_alive_path(tx, times=["2024-02-01"], time_units="W")  # type: ignore[call-arg]


def test_alive_path_refused_for_bgbb():
    model = BetaGeoBetaBinomModel.from_params(**BGBB)
    tx = pd.DataFrame({"customer_id": [1], "timestamp": ["2024-01-01"]})
    with pytest.raises(ValueError, match="opportunities"):
        model.prob_alive_path(tx, times=["2024-02-01"])


# ----------------------------------------------------------------------------- log-likelihood


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_log_likelihood_sums_to_loglik(model_cls, cdnow_cal):
    model = model_cls().fit(cdnow_cal)
    ll = model.log_likelihood(cdnow_cal)
    assert ll.name == "log_likelihood" and ll.index.equals(cdnow_cal.index)
    assert float(ll.sum()) == pytest.approx(model.loglik_, rel=1e-12)


def test_log_likelihood_with_weights_and_given_parameters(donations):
    model = BetaGeoBetaBinomModel().fit(donations, weights=donations["count"])
    ll = model.log_likelihood(donations)
    assert float(ll @ donations["count"]) == pytest.approx(model.loglik_, rel=1e-12)
    # at given parameters: FHS10 eq. (5) for one pattern, by hand
    given = BetaGeoBetaBinomModel.from_params(**BGBB)
    one = _table([(0, 0, 6)])
    a, b, g, d = BGBB.values()
    by_hand = np.exp(betaln(a, b + 6) - betaln(a, b) + betaln(g, d + 6) - betaln(g, d))
    by_hand += sum(
        np.exp(betaln(a, b + i) - betaln(a, b) + betaln(g + 1, d + i) - betaln(g, d))
        for i in range(6)
    )
    assert given.log_likelihood(one).iloc[0] == pytest.approx(np.log(by_hand), rel=1e-12)


def test_gamma_gamma_log_likelihood(cdnow_repeat):
    model = GammaGammaModel().fit(cdnow_repeat)
    assert float(model.log_likelihood(cdnow_repeat).sum()) == pytest.approx(
        model.loglik_, rel=1e-12
    )


# ----------------------------------------------------------------------------- latent rates


def test_sample_rates_follow_the_mixing_distributions():
    n = 400_000
    bg = BetaGeoModel.from_params(**BG).sample_rates(n, random_state=3)
    assert list(bg.columns) == ["purchase_rate", "dropout_probability"]
    # Gamma(r, rate alpha): mean r / alpha, variance r / alpha^2; Beta(a, b): mean a / (a + b)
    assert bg["purchase_rate"].mean() == pytest.approx(BG["r"] / BG["alpha"], rel=0.01)
    assert bg["purchase_rate"].var() == pytest.approx(BG["r"] / BG["alpha"] ** 2, rel=0.03)
    assert bg["dropout_probability"].mean() == pytest.approx(
        BG["a"] / (BG["a"] + BG["b"]), rel=0.01
    )
    pn = ParetoNBDModel.from_params(**PNBD).sample_rates(n, random_state=3)
    assert list(pn.columns) == ["purchase_rate", "dropout_rate"]
    assert pn["dropout_rate"].mean() == pytest.approx(PNBD["s"] / PNBD["beta"], rel=0.01)
    bb = BetaGeoBetaBinomModel.from_params(**BGBB).sample_rates(n, random_state=3)
    assert list(bb.columns) == ["transaction_probability", "dropout_probability"]
    assert bb["dropout_probability"].mean() == pytest.approx(0.657 / (0.657 + 2.783), rel=0.01)


def test_sample_rates_deterministic_and_validated():
    model = BetaGeoModel.from_params(**BG)
    a = model.sample_rates(10, random_state=5)
    np.random.seed(0)  # noqa: NPY002 - the global RNG must not matter
    b = model.sample_rates(10, random_state=5)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="n_customers"):
        model.sample_rates(0)
    with pytest.raises(ValueError, match="no covariates"):
        model.sample_rates(3, covariates={"x": 1.0})
