"""One vocabulary in clv: the horizon is ``horizon`` (keyword-only) everywhere, every parameter
after the data argument is keyword-only, and the old call forms keep working for now with a
FutureWarning naming the new spelling (issue 9 item 4).

Reference values: the published CDNOW BG/NBD fit (Fader, Hardie & Lee 2005), as in the
docstring examples.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import custvalue as cv
from custvalue.clv import value as value_module

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture
def bg() -> cv.BetaGeoModel:
    return cv.BetaGeoModel.from_params(**BG)


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        index=pd.Index([1, 2], name="customer_id"),
    )


@pytest.mark.parametrize(
    ("method", "old_args", "old_kwargs", "new_kwargs"),
    [
        ("expected_purchases", (52.0,), {}, {"horizon": 52.0}),
        ("expected_purchases", (), {"t": 52.0}, {"horizon": 52.0}),
        ("prob_no_purchase", (52.0,), {}, {"horizon": 52.0}),
        ("prob_no_purchase", (), {"t": 52.0}, {"horizon": 52.0}),
        ("purchase_pmf", (1, 52.0), {}, {"n": 1, "horizon": 52.0}),
        ("purchase_pmf", (1,), {"t": 52.0}, {"n": 1, "horizon": 52.0}),
    ],
)
def test_old_horizon_spellings_warn_and_agree(bg, table, method, old_args, old_kwargs, new_kwargs):
    new = getattr(bg, method)(table, **new_kwargs)
    with pytest.warns(FutureWarning, match=r"BetaGeoModel\." + method + r".*horizon=") as rec:
        old = getattr(bg, method)(table, *old_args, **old_kwargs)
    assert len(rec) == 1
    pd.testing.assert_series_equal(old, new)


def test_new_customer_methods(bg):
    assert isinstance(bg.expected_purchases_new(horizon=52), float)
    assert isinstance(bg.expected_purchases_new(horizon=np.float64(52)), float)
    out = bg.expected_purchases_new(horizon=[13, 52])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert bg.expected_purchases_new(horizon=np.array(52.0)).shape == ()  # array in, array out
    with pytest.warns(FutureWarning, match="horizon="):
        assert bg.expected_purchases_new(52) == bg.expected_purchases_new(horizon=52)
    with pytest.warns(FutureWarning, match="horizon="):
        assert bg.expected_purchases_new(t=52) == bg.expected_purchases_new(horizon=52)
    assert isinstance(bg.purchase_pmf_new(1, horizon=52), float)
    with pytest.warns(FutureWarning, match="horizon="):
        old = bg.purchase_pmf_new([0, 1], 52)
    np.testing.assert_array_equal(old, bg.purchase_pmf_new([0, 1], horizon=52))


def test_other_keyword_only_parameters_keep_their_positional_form(bg):
    with pytest.warns(FutureWarning, match="tenure="):
        old = bg.sample(20, 39.0, random_state=1)
    pd.testing.assert_frame_equal(old, bg.sample(20, tenure=39.0, random_state=1))
    bgbb = cv.BetaGeoBetaBinomModel.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    with pytest.warns(FutureWarning, match="tenure="):
        bgbb.sample(5, 6, random_state=0)
    fitted = cv.BetaGeoModel().fit(bg.sample(500, tenure=39.0, random_state=2))
    with pytest.warns(FutureWarning, match="alpha="):
        old_table = fitted.param_table(0.1)
    pd.testing.assert_frame_equal(old_table, fitted.param_table(alpha=0.1))
    with pytest.warns(FutureWarning, match="period_length=..., discount_rate="):
        old_schedule = value_module.discount_schedule(104, 13, 0.03)
    pd.testing.assert_frame_equal(
        old_schedule, value_module.discount_schedule(104, period_length=13, discount_rate=0.03)
    )


def test_ambiguous_or_excess_arguments_raise(bg, table):
    with pytest.raises(TypeError, match="both 't' and 'horizon'"):
        bg.expected_purchases(table, t=1.0, horizon=2.0)
    with pytest.raises(TypeError, match="multiple values"):
        bg.expected_purchases(table, 1.0, horizon=2.0)
    with pytest.raises(TypeError, match="positional"):
        bg.expected_purchases(table, 1.0, 2.0)


class _OldProtocol:
    """A user's stand-in model written for the old protocol: horizons by position."""

    def expected_purchases(self, table: pd.DataFrame, t: float) -> pd.Series:
        return pd.Series(0.1 * t, index=table.index)

    def expected_purchases_new(self, t: float | np.ndarray) -> float | np.ndarray:
        return 0.1 * np.asarray(t, dtype=float)


def test_models_of_the_old_protocol_still_work_with_a_warning(table):
    with pytest.warns(
        FutureWarning, match=r"define it as expected_purchases\(\.\.\., \*, horizon\)"
    ):
        clv = cv.customer_lifetime_value(
            _OldProtocol(), 10.0, table, horizon=4, period_length=4, discount_rate=0.0
        )
    np.testing.assert_allclose(clv.to_numpy(), 0.1 * 4 * 10.0)
    holdout = table.assign(holdout_purchases=[0, 1], holdout_length=[39.0, 39.0])
    with pytest.warns(FutureWarning, match="horizon"):
        ev = cv.evaluate_holdout(_OldProtocol(), holdout)
    assert ev.customers["predicted"].tolist() == pytest.approx([3.9, 3.9])


def _keyword_only_after(fn: object, n_positional: int) -> list[str]:
    """Parameters that can still be passed by position beyond the first ``n_positional``."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    positional = [
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return positional[n_positional:]


@pytest.mark.parametrize(
    ("fn", "data_args"),
    [
        (cv.BetaGeoModel.fit, 1),
        (cv.BetaGeoModel.prob_alive, 1),
        (cv.BetaGeoModel.expected_purchases, 1),
        (cv.BetaGeoModel.expected_purchases_alive, 2),
        (cv.BetaGeoModel.prob_no_purchase, 1),
        (cv.BetaGeoModel.purchase_pmf, 1),
        (cv.BetaGeoModel.expected_purchases_new, 0),
        (cv.BetaGeoModel.purchase_pmf_new, 1),
        (cv.BetaGeoModel.sample, 1),
        (cv.BetaGeoModel.param_table, 0),
        (cv.BetaGeoBetaBinomModel.sample, 1),
        (cv.GammaGammaModel.fit, 1),
        (cv.GammaGammaModel.expected_spend, 1),
        (cv.GammaGammaModel.sample, 1),
        (cv.customer_lifetime_value, 3),
        (cv.clv_interval, 3),
        (cv.total_value, 3),
        (value_module.historical_value, 1),
        (value_module.discount_schedule, 1),
        (cv.clv.tracking_series, 3),
        (cv.clv.compare_models, 3),  # models, calibration and holdout tables: data
        (cv.evaluate_holdout, 3),
    ],
)
def test_parameters_after_the_data_are_keyword_only(fn, data_args):
    assert _keyword_only_after(fn, data_args) == []


def test_horizon_is_the_one_name_of_the_horizon():
    for name in (
        "expected_purchases",
        "prob_no_purchase",
        "purchase_pmf",
        "expected_purchases_new",
    ):
        params = inspect.signature(getattr(cv.ParetoNBDModel, name)).parameters
        assert params["horizon"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert "t" not in params, name
    assert "horizon" in inspect.signature(cv.customer_lifetime_value).parameters
