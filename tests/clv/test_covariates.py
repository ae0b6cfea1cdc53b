"""Time-invariant covariates: conventions of CLVTools / pymc-marketing, recovery, coverage,
the no-covariate limit, round trips, refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custvalue import (
    BetaGeoModel,
    DataValidationError,
    GammaGammaModel,
    GGompertzNBDModel,
    InsufficientDataError,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
    likelihood_ratio_test,
)

# the conventions (CLVTools' static covariates; pymc-marketing's BG/NBD and Pareto/NBD):
#   purchase:      alpha_i = alpha exp(-g . z)
#   BG dropout:    a_i = a exp(g_a . w),  b_i = b exp(g_b . w)
#   Pareto/GGompertz dropout: beta_i = beta exp(-g . w)
#   Gamma-Gamma spend:        gamma_i = gamma exp(g . z)
BG = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
PNBD = {"r": 0.8, "alpha": 5.0, "s": 0.6, "beta": 8.0}
GGOM = {"r": 1.5, "alpha": 5.0, "b": 0.05, "s": 1.0, "beta": 20.0}
COEFS_BG = {"purchase[channel]": 0.5, "dropout_a[age]": 0.3, "dropout_b[age]": -0.2}
COEFS_PN = {"purchase[channel]": 0.5, "dropout[age]": 0.4}


def _covariates(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float), "age": rng.normal(size=n)})


def _sim(cls, params, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    cov = _covariates(n, seed + 100)
    model = cls.from_params(**params)
    with_cov = any("[" in name for name in params)
    return model.sample(
        n, tenure=rng.uniform(30, 60, n), random_state=rng, covariates=cov if with_cov else None
    )


def _per_customer(model_cls, base, coefs, table):
    """The peer formulas: each customer's own parameters, by hand, in a no-covariate model."""
    z, w = table["channel"].to_numpy(), table["age"].to_numpy()
    rows = []
    for i in range(len(table)):
        p = dict(base)
        p["alpha"] = base["alpha"] * np.exp(-coefs["purchase[channel]"] * z[i])
        if "dropout[age]" in coefs:
            p["beta"] = base["beta"] * np.exp(-coefs["dropout[age]"] * w[i])
        else:
            p["a"] = base["a"] * np.exp(coefs["dropout_a[age]"] * w[i])
            p["b"] = base["b"] * np.exp(coefs["dropout_b[age]"] * w[i])
        rows.append(model_cls.from_params(**p))
    return rows


@pytest.mark.parametrize(
    "model_cls, base, coefs",
    [
        (BetaGeoModel, BG, COEFS_BG),
        (ModifiedBetaGeoModel, BG, COEFS_BG),
        (ParetoNBDModel, PNBD, COEFS_PN),
        (GGompertzNBDModel, GGOM, COEFS_PN),
    ],
)
def test_predictions_follow_the_peer_conventions(model_cls, base, coefs):
    table = _sim(model_cls, {**base, **coefs}, n=12, seed=3)
    model = model_cls.from_params(**base, **coefs)
    assert model.purchase_covariates == ["channel"] and model.dropout_covariates == ["age"]
    peers = _per_customer(model_cls, base, coefs, table)
    preds = {
        "prob_alive": model.prob_alive(table),
        "alive52": model.prob_alive(table, horizon=52.0),
        "ep": model.expected_purchases(table, horizon=26.0),
        "none": model.prob_no_purchase(table, horizon=26.0),
        "pmf": model.purchase_pmf(table, n=1, horizon=26.0),
        "ll": model.log_likelihood(table),
    }
    for i, peer in enumerate(peers):
        one = table.iloc[[i]][["n_repeat", "purchase_span", "tenure"]]
        ref = {
            "prob_alive": peer.prob_alive(one),
            "alive52": peer.prob_alive(one, horizon=52.0),
            "ep": peer.expected_purchases(one, horizon=26.0),
            "none": peer.prob_no_purchase(one, horizon=26.0),
            "pmf": peer.purchase_pmf(one, n=1, horizon=26.0),
            "ll": peer.log_likelihood(one),
        }
        for name, series in preds.items():
            assert series.iloc[i] == pytest.approx(ref[name].iloc[0], rel=1e-12, abs=1e-300)
    z = {"channel": 1.0, "age": -0.5}
    new = model.expected_purchases_new(horizon=[13.0, 52.0], covariates=z)
    peer_new = _per_customer(
        model_cls, base, coefs, pd.DataFrame({"channel": [1.0], "age": [-0.5]})
    )[0]
    np.testing.assert_allclose(new, peer_new.expected_purchases_new(horizon=[13.0, 52.0]))


@pytest.mark.parametrize(
    "model_cls, base, zeros",
    [
        (
            BetaGeoModel,
            BG,
            {"purchase[channel]": 0.0, "dropout_a[age]": 0.0, "dropout_b[age]": 0.0},
        ),
        (ParetoNBDModel, PNBD, {"purchase[channel]": 0.0, "dropout[age]": 0.0}),
        (GGompertzNBDModel, GGOM, {"purchase[channel]": 0.0, "dropout[age]": 0.0}),
    ],
)
def test_zero_coefficients_are_the_model_without_covariates(model_cls, base, zeros):
    table = _sim(model_cls, base, n=300, seed=5)
    table = table.join(_covariates(len(table), 9))
    plain = model_cls.from_params(**base)
    cov = model_cls.from_params(**base, **zeros)
    for fn in (
        lambda m: m.prob_alive(table),
        lambda m: m.prob_alive(table, horizon=10.0),
        lambda m: m.expected_purchases(table, horizon=10.0),
        lambda m: m.prob_no_purchase(table, horizon=10.0),
        lambda m: m.log_likelihood(table),
    ):
        np.testing.assert_allclose(fn(cov), fn(plain), rtol=1e-13)


def test_gamma_gamma_spend_covariates():
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.integers(1, 10, n)
    cov = pd.DataFrame({"vip": rng.integers(0, 2, n).astype(bool)})
    truth = GammaGammaModel.from_params(p=6.0, q=3.5, gamma=15.0, **{"spend[vip]": 0.4})
    sim = truth.sample(x, random_state=2, covariates=cov)
    fit = GammaGammaModel(spend_covariates=["vip"]).fit(sim)
    tab = fit.param_table(alpha=0.001)
    for name, value in truth.params_.items():
        assert tab.loc[name, "lower"] < value < tab.loc[name, "upper"], name
    # gamma_i = gamma exp(0.4 vip): the expected spend scales with gamma_i
    peer = GammaGammaModel.from_params(p=6.0, q=3.5, gamma=15.0 * np.exp(0.4))
    vip = sim[sim["vip"] == 1].iloc[:5]
    np.testing.assert_allclose(truth.expected_spend(vip), peer.expected_spend(vip), rtol=1e-13)
    assert truth.mean_spend(covariates={"vip": 1}) == pytest.approx(peer.mean_spend())
    with pytest.raises(ValueError, match="covariates"):
        truth.mean_spend()


@pytest.mark.parametrize(
    "model_cls, params",
    [
        (BetaGeoModel, {**BG, **COEFS_BG}),
        (ParetoNBDModel, {**PNBD, **COEFS_PN}),
    ],
)
def test_recovery_round_trip_and_nested_test(model_cls, params):
    table = _sim(model_cls, params, n=6000, seed=11)
    model = model_cls(purchase_covariates=["channel"], dropout_covariates=["age"])
    fit = model.fit(table)
    assert list(fit.params_) == list(params)
    tab = fit.param_table(alpha=0.001)  # 99.9% intervals: several parameters, one draw
    for name, value in params.items():
        assert tab.loc[name, "lower"] < value < tab.loc[name, "upper"], name
    assert np.isfinite(tab["std_error"]).all()
    assert float(fit.log_likelihood(table).sum()) == pytest.approx(fit.loglik_, rel=1e-10)
    again = model_cls.from_dict(json.loads(json.dumps(fit.to_dict())))
    assert again.params_ == fit.params_ and again.dropout_covariates == ["age"]
    pd.testing.assert_series_equal(again.prob_alive(table), fit.prob_alive(table))
    same = model_cls.from_params(**fit.params_)
    pd.testing.assert_series_equal(same.prob_alive(table), fit.prob_alive(table))
    plain = model_cls().fit(table)
    test = likelihood_ratio_test(plain, fit)
    assert test.df == len(params) - len(plain.params_) and test.p_value < 1e-6
    # CLV reads the covariates too (the factorised shortcut does not apply)
    clv = customer_lifetime_value(
        fit, 30.0, table.iloc[:50], horizon=52.0, period_length=4.0, discount_rate=0.01
    )
    assert np.isfinite(clv).all() and (clv > 0).all()


@pytest.mark.slow
def test_standard_errors_cover_at_the_stated_rate():
    # 30 simulated data sets of 2,000 BG/NBD customers with one purchase and one dropout
    # covariate: the 90% Wald intervals of the 7 parameters should cover the truth about
    # 90% of the time. 210 intervals: coverage between 0.84 and 0.96 (binomial, > 99%).
    params = {**BG, **COEFS_BG}
    hits = []
    for seed in range(30):
        table = _sim(BetaGeoModel, params, n=2000, seed=1000 + seed)
        fit = BetaGeoModel(purchase_covariates=["channel"], dropout_covariates=["age"]).fit(table)
        tab = fit.param_table(alpha=0.10)
        hits += [tab.loc[k, "lower"] < v < tab.loc[k, "upper"] for k, v in params.items()]
    coverage = float(np.mean(hits))
    assert 0.84 <= coverage <= 0.96, coverage


def test_covariate_rows_are_part_of_the_row_key():
    table = _sim(BetaGeoModel, {**BG, **COEFS_BG}, n=800, seed=2)
    fit = BetaGeoModel(purchase_covariates=["channel"], dropout_covariates=["age"]).fit(table)
    plain_rows = table[["n_repeat", "purchase_span", "tenure"]].drop_duplicates().shape[0]
    assert fit.fit_info_["n_distinct"] == table.drop_duplicates().shape[0] >= plain_rows
    reps = np.random.default_rng(0).integers(1, 4, len(table))
    expanded = table.loc[table.index.repeat(reps)].reset_index(drop=True)
    a = BetaGeoModel(purchase_covariates=["channel"], dropout_covariates=["age"]).fit(expanded)
    b = BetaGeoModel(purchase_covariates=["channel"], dropout_covariates=["age"]).fit(
        table, weights=reps
    )
    assert a.params_ == b.params_


def test_bad_covariates_are_refused():
    table = _sim(BetaGeoModel, {**BG, **COEFS_BG}, n=200, seed=4)
    model = BetaGeoModel(purchase_covariates=["channel"], dropout_covariates=["age"])
    with pytest.raises(DataValidationError, match="missing covariate column"):
        model.fit(table.drop(columns="age"))
    text = table.assign(channel=np.where(table["channel"] > 0, "web", "shop"))
    with pytest.raises(DataValidationError, match="get_dummies"):
        model.fit(text)
    holes = table.copy()
    holes.loc[holes.index[:3], "age"] = np.nan
    with pytest.raises(DataValidationError, match="missing values"):
        model.fit(holes)
    with pytest.raises(InsufficientDataError, match="single value"):
        BetaGeoModel(purchase_covariates=["one"]).fit(table.assign(one=1.0))
    with pytest.raises(ValueError, match="own data columns"):
        BetaGeoModel(purchase_covariates=["n_repeat"]).fit(table)
    with pytest.raises(TypeError, match="list of column names"):
        BetaGeoModel(purchase_covariates="channel").fit(table)  # type: ignore[arg-type]
    fitted = model.fit(table)
    with pytest.raises(ValueError, match="pass covariates"):
        fitted.expected_purchases_new(horizon=10.0)
    with pytest.raises(ValueError, match="misses"):
        fitted.expected_purchases_new(horizon=10.0, covariates={"channel": 1.0})
    with pytest.raises(ValueError, match="no covariates"):
        BetaGeoModel.from_params(**BG).expected_purchases_new(horizon=1.0, covariates={"x": 1})
    with pytest.raises(ValueError, match="come together"):
        BetaGeoModel.from_params(**BG, **{"dropout_a[age]": 0.1})
    assert fitted.expected_purchases_alive([1], [30.0], horizon=[10.0]) is None
