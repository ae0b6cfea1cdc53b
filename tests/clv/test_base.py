"""Tests of the shared estimator plumbing (clv/_base.py), through BetaGeoModel and a toy model."""

from __future__ import annotations

import json
import pickle
import types
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from custvalue import (
    BetaGeoModel,
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    InsufficientDataError,
    NotFittedError,
)
from custvalue.clv._base import _BaseModel

from .clv_data import small_bgnbd_table


def test_max_iter_one_raises_convergence_error_and_prints_nothing(cdnow_cal, capfd):
    with pytest.raises(ConvergenceError) as err:
        BetaGeoModel(max_iter=1).fit(cdnow_cal)
    msg = str(err.value)
    assert "BG/NBD" in msg and "BFGS" in msg
    assert "max_iter" in msg and "iteration" in msg
    assert "gradient norm" in msg
    out, errout = capfd.readouterr()
    assert out == "" and errout == ""


def test_fit_reports_convergence(cdnow_cal, capfd):
    m = BetaGeoModel().fit(cdnow_cal)
    info = m.fit_info_
    assert info["success"] is True
    assert {"optimizer", "status", "message", "n_iter", "n_fev", "grad_norm", "loglik"} <= set(info)
    assert info["grad_norm"] <= m.tol
    assert info["loglik"] == pytest.approx(m.loglik_)
    # 2,357 customers compress to far fewer distinct (x, t_x, T) rows
    assert info["n_distinct"] < 1100
    assert capfd.readouterr() == ("", "")


def test_not_fitted_error_names_model_and_fix():
    table = small_bgnbd_table()
    m = BetaGeoModel()
    for call in (
        lambda: m.prob_alive(table),
        lambda: m.expected_purchases(table, horizon=10),
        lambda: m.expected_purchases_new(horizon=10),
        lambda: m.param_table(),
        lambda: m.to_dict(),
        lambda: m.sample(5, tenure=10.0, random_state=0),
    ):
        with pytest.raises(NotFittedError) as err:
            call()
        assert "BetaGeoModel" in str(err.value)
        assert ".fit(table)" in str(err.value) and "from_params" in str(err.value)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_penalizer_raises_at_fit(bad):
    # scikit-learn's rule: the constructor stores hyperparameters verbatim, fit validates
    model = BetaGeoModel(penalizer=bad)
    assert model.penalizer is bad
    with pytest.raises(ValueError, match="penalizer"):
        model.fit(small_bgnbd_table())


def test_bad_max_iter_and_tol_raise_at_fit():
    table = small_bgnbd_table()
    with pytest.raises(ValueError, match="max_iter"):
        BetaGeoModel(max_iter=0).fit(table)
    with pytest.raises(ValueError, match="max_iter"):
        BetaGeoModel(max_iter=2.5).fit(table)
    with pytest.raises(ValueError, match="tol"):
        BetaGeoModel(tol=0.0).fit(table)


def test_get_and_set_params_follow_the_constructor_signature():
    m = BetaGeoModel(penalizer=0.1, initial_params={"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0})
    assert list(m.get_params()) == [
        "penalizer",
        "max_iter",
        "tol",
        "initial_params",
        "purchase_covariates",
        "dropout_covariates",
    ]
    assert m.set_params(tol=1e-6, max_iter=50) is m
    assert m.get_params()["tol"] == 1e-6 and m.max_iter == 50
    with pytest.raises(ValueError, match="valid"):
        m.set_params(learning_rate=0.1)
    assert repr(BetaGeoModel()) == (
        "BetaGeoModel(penalizer=0.0, max_iter=1000, tol=1e-07, initial_params=None, "
        "purchase_covariates=None, dropout_covariates=None)"
    )


def test_constructor_is_keyword_only():
    with pytest.raises(TypeError):
        BetaGeoModel(0.1)  # type: ignore[misc]


def test_fit_collects_all_validation_failures():
    table = small_bgnbd_table()
    bad = table.copy()
    bad.iloc[0, bad.columns.get_loc("n_repeat")] = -1
    bad["purchase_span"] = bad["purchase_span"].astype(float)
    bad.iloc[1, bad.columns.get_loc("purchase_span")] = np.nan
    bad.iloc[2, bad.columns.get_loc("purchase_span")] = 1e6  # > tenure
    with pytest.raises(DataValidationError) as err:
        BetaGeoModel().fit(bad)
    rules = {f.rule for f in err.value.failures}
    assert {"negative counts", "missing values", "purchase_span > tenure"} <= rules
    assert "c0000" in str(err.value)


def test_predict_validates_table_and_horizon():
    table = small_bgnbd_table()
    m = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    with pytest.raises(DataValidationError):
        m.prob_alive(table.assign(tenure=-1.0))
    for t in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="horizon must"):
            m.expected_purchases(table, horizon=t)
    with pytest.raises(ValueError):
        m.expected_purchases_new(horizon=[-1.0])
    with pytest.raises(ValueError, match="n must"):
        m.purchase_pmf(table, n=1.5, horizon=10.0)
    with pytest.raises(TypeError):
        m.prob_alive(table.to_numpy())  # type: ignore[arg-type]


def test_weights_validation():
    table = small_bgnbd_table()
    n = len(table)
    m = BetaGeoModel()
    with pytest.raises(DataValidationError, match="negative weights"):
        m.fit(table, weights=np.r_[-1.0, np.ones(n - 1)])
    with pytest.raises(DataValidationError, match="missing values"):
        m.fit(table, weights=np.r_[np.nan, np.ones(n - 1)])
    with pytest.raises(DataValidationError, match="every weight is 0"):
        m.fit(table, weights=np.zeros(n))
    with pytest.raises(ValueError, match="one number per customer"):
        m.fit(table, weights=np.ones(n - 1))
    with pytest.raises(ValueError, match="index"):
        m.fit(table, weights=pd.Series(np.ones(n)))


def test_zero_weight_rows_do_not_enter_the_fit():
    table = small_bgnbd_table()
    w = np.ones(len(table))
    w[:50] = 0.0
    a = BetaGeoModel().fit(table, weights=w)
    b = BetaGeoModel().fit(table.iloc[50:])
    assert a.params_ == pytest.approx(b.params_, rel=1e-9)
    assert a.n_customers_ == len(table) - 50


def test_insufficient_data():
    table = small_bgnbd_table()
    with pytest.raises(InsufficientDataError, match="at least"):
        BetaGeoModel().fit(table.iloc[:5])
    no_repeat = table.assign(n_repeat=0, purchase_span=0.0)
    with pytest.raises(InsufficientDataError, match="no customer made a repeat purchase"):
        BetaGeoModel().fit(no_repeat)
    same = pd.DataFrame({"n_repeat": [2] * 20, "purchase_span": [3.0] * 20, "tenure": [9.0] * 20})
    with pytest.raises(InsufficientDataError, match="same history"):
        BetaGeoModel().fit(same)


def test_json_round_trip(cdnow_cal):
    m = BetaGeoModel().fit(cdnow_cal)
    d = json.loads(json.dumps(m.to_dict()))
    assert d["model"] == "BetaGeoModel" and d["n_customers"] == 2357
    back = BetaGeoModel.from_dict(d)
    assert back.params_ == m.params_
    assert back.loglik_ == m.loglik_
    pd.testing.assert_frame_equal(back.cov_, m.cov_)
    pd.testing.assert_frame_equal(back.param_table(), m.param_table())
    via_params = BetaGeoModel.from_params(**d["params"])
    pd.testing.assert_series_equal(
        via_params.expected_purchases(cdnow_cal, horizon=39.0),
        m.expected_purchases(cdnow_cal, horizon=39.0),
    )
    assert via_params.loglik_ is None and np.isnan(via_params.aic_)
    with pytest.raises(ValueError, match="describes"):
        BetaGeoModel.from_dict({**d, "model": "GammaGammaModel"})


def test_from_params_checks_names_and_values():
    with pytest.raises(ValueError, match="missing"):
        BetaGeoModel.from_params(r=1.0, alpha=1.0, a=1.0)
    with pytest.raises(ValueError, match="unknown"):
        BetaGeoModel.from_params(r=1.0, alpha=1.0, a=1.0, b=1.0, s=1.0)
    with pytest.raises(ValueError, match="alpha"):
        BetaGeoModel.from_params(r=1.0, alpha=0.0, a=1.0, b=1.0)


def test_param_table_and_information_criteria(cdnow_cal):
    m = BetaGeoModel().fit(cdnow_cal)
    pt = m.param_table(alpha=0.05)
    assert list(pt.columns) == ["estimate", "std_error", "lower", "upper"]
    assert list(pt.index) == ["r", "alpha", "a", "b"]
    assert (pt["lower"] < pt["estimate"]).all() and (pt["estimate"] < pt["upper"]).all()
    assert (pt["lower"] > 0).all()
    wide = m.param_table(alpha=0.01)
    assert (wide["upper"] > pt["upper"]).all()
    assert np.allclose(pt["std_error"] ** 2, np.diag(m.cov_))
    assert m.aic_ == pytest.approx(8 - 2 * m.loglik_)
    assert m.bic_ == pytest.approx(4 * np.log(2357) - 2 * m.loglik_)
    with pytest.raises(ValueError):
        m.param_table(alpha=1.5)


def test_pickle_is_small_and_has_no_data(cdnow_cal):
    m = BetaGeoModel().fit(cdnow_cal)
    blob = pickle.dumps(m)
    assert len(blob) < 4000
    back = pickle.loads(blob)
    assert back.params_ == m.params_


# --------------------------------------------------------------- a toy model for the base
def _toy_loglik_grad(mu: float, sigma: float, y: np.ndarray):
    """Log-normal-ish toy: y ~ Normal(log mu, sigma); grads w.r.t. (mu, sigma)."""
    z = (y - np.log(mu)) / sigma
    ll = -0.5 * z**2 - np.log(sigma)
    g = np.stack([z / sigma / mu, (z**2 - 1.0) / sigma], axis=1)
    return ll, g


def _flat_loglik_grad(mu: float, sigma: float, y: np.ndarray):
    """Depends on mu * sigma only: a ridge of maxima, singular Hessian."""
    ll, g = _toy_loglik_grad(mu * sigma, 1.0, y)
    gp = g[:, 0]
    return ll, np.stack([gp * sigma, gp * mu], axis=1)


class _Toy(_BaseModel):
    _model_name: ClassVar[str] = "Toy"
    _param_names: ClassVar[tuple[str, ...]] = ("mu", "sigma")
    _shape_params: ClassVar[tuple[str, ...]] = ("sigma",)
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0)
    _columns: ClassVar[tuple[str, ...]] = ("y",)
    _math = types.SimpleNamespace(loglik_grad=_toy_loglik_grad)  # type: ignore[assignment]

    def _validate(self, table, what, *, fitting):
        return (table["y"].to_numpy(dtype=float),)


class _Flat(_Toy):
    _math = types.SimpleNamespace(loglik_grad=_flat_loglik_grad)  # type: ignore[assignment]


def test_toy_model_recovers_closed_form_mle():
    y = np.random.default_rng(0).normal(1.0, 2.0, 500)
    m = _Toy().fit(pd.DataFrame({"y": y}))
    assert m.params_["mu"] == pytest.approx(np.exp(y.mean()), rel=1e-8)
    assert m.params_["sigma"] == pytest.approx(y.std(), rel=1e-8)
    # standard error of log(mu) = sigma / sqrt(n)
    se_log_mu = np.sqrt(m.cov_.loc["mu", "mu"]) / m.params_["mu"]
    assert se_log_mu == pytest.approx(y.std() / np.sqrt(500), rel=1e-4)


def test_penalizer_shrinks_shape_params_only():
    y = np.random.default_rng(0).normal(1.0, 4.0, 50)
    free = _Toy().fit(pd.DataFrame({"y": y}))
    pen = _Toy(penalizer=1.0).fit(pd.DataFrame({"y": y}))
    assert abs(np.log(pen.params_["sigma"])) < abs(np.log(free.params_["sigma"]))
    # mu is a scale parameter: not penalised, and its MLE does not depend on sigma
    assert pen.params_["mu"] == pytest.approx(free.params_["mu"], rel=1e-8)


def test_singular_hessian_warns_and_gives_nan_errors():
    y = np.random.default_rng(0).normal(1.0, 1.0, 200)
    with pytest.warns(ConvergenceWarning, match="singular"):
        m = _Flat().fit(pd.DataFrame({"y": y}))
    assert m.cov_.isna().all().all()
    assert m.param_table()["std_error"].isna().all()
    assert m.params_["mu"] * m.params_["sigma"] == pytest.approx(np.exp(y.mean()), rel=1e-6)


def _runaway_loglik_grad(mu: float, sigma: float, y: np.ndarray):
    """Increasing in mu without bound: the maximum is at mu = infinity."""
    ll = -1.0 / mu - (sigma - 1.0) ** 2 + 0.0 * y
    g = np.stack([np.full_like(y, 1.0 / mu**2), np.full_like(y, -2.0 * (sigma - 1.0))], axis=1)
    return ll, g


class _Runaway(_Toy):
    _math = types.SimpleNamespace(loglik_grad=_runaway_loglik_grad)  # type: ignore[assignment]


def test_runaway_parameter_names_cause(capfd):
    y = np.random.default_rng(0).normal(1.0, 1.0, 50)
    with pytest.raises(ConvergenceError) as err:
        _Runaway().fit(pd.DataFrame({"y": y}))
    msg = str(err.value)
    assert "Toy" in msg and "['mu']" in msg and "penalizer" in msg
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("model_cls", [BetaGeoModel, "GammaGammaModel"])
def test_large_data_path_agrees_with_small_data_path(model_cls, monkeypatch):
    # above _WARM_MIN_ROWS distinct rows, the fit starts from a subset fit and iterates
    # Newton steps with the subset's Hessian; it must land on the same optimum
    import custvalue
    import custvalue.clv._optimize as optimize

    cls = getattr(custvalue, model_cls) if isinstance(model_cls, str) else model_cls
    if cls is BetaGeoModel:
        truth = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
        rng = np.random.default_rng(0)
        table = truth.sample(60_000, tenure=rng.uniform(20.0, 40.0, 60_000), random_state=rng)
    else:
        truth = cls.from_params(p=6.0, q=3.5, gamma=15.0)
        table = truth.sample(np.tile(np.arange(1, 7), 10_000), random_state=1)
    large = cls().fit(table)
    assert large.fit_info_["warm_start_rows"] > 0
    monkeypatch.setattr(optimize, "WARM_MIN_ROWS", 10**9)
    small = cls().fit(table)
    assert small.fit_info_["warm_start_rows"] == 0
    for name, value in small.params_.items():
        assert large.params_[name] == pytest.approx(value, rel=1e-8)
    assert large.loglik_ == pytest.approx(small.loglik_, rel=1e-12)
    np.testing.assert_allclose(large.cov_, small.cov_, rtol=1e-3)


def test_large_data_max_iter_one_still_raises():
    truth = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    rng = np.random.default_rng(0)
    table = truth.sample(60_000, tenure=rng.uniform(20.0, 40.0, 60_000), random_state=rng)
    with pytest.raises(ConvergenceError, match="max_iter"):
        BetaGeoModel(max_iter=1).fit(table)


def _nan_loglik_grad(mu: float, sigma: float, y: np.ndarray):
    return np.full_like(y, np.nan), np.zeros((y.shape[0], 2))


class _NaNModel(_Toy):
    _math = types.SimpleNamespace(loglik_grad=_nan_loglik_grad)  # type: ignore[assignment]


def test_non_finite_objective_is_reported_as_such():
    y = np.random.default_rng(0).normal(1.0, 1.0, 50)
    with pytest.raises(ConvergenceError) as err:
        _NaNModel().fit(pd.DataFrame({"y": y}))
    msg = str(err.value)
    assert "not finite" in msg and "not a matter of adding a penalizer" in msg
