"""The factorisation hook: E[Y(t) | x, t_x, T] = P(alive) * g(x, T, t).

Models opt in through the ``expected_purchases_alive`` method of the purchase-model protocol
(``FactorisedPurchaseModel`` in custvalue.clv.value; their math module's
``expected_purchases_alive``); ``customer_lifetime_value`` uses the protocol, never a list of
class names or a private hook. Published parameters: BG/NBD and Pareto/NBD CDNOW fits (Fader, Hardie & Lee
2005; R BTYD walkthrough), BG/BB donations fit (Fader, Hardie & Shang 2010).
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue as cv
from custvalue.clv import _present_value as value_module
from custvalue.clv._math import bgnbd as bgnbd_math
from custvalue.clv._present_value import purchase_present_value
from custvalue.clv.value import discount_schedule

MODELS: dict[str, tuple[str, dict[str, float]]] = {
    "bgnbd": ("BetaGeoModel", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    # illustrative MBG/NBD parameters (inputs only, not reference values)
    "mbgnbd": ("ModifiedBetaGeoModel", {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    "paretonbd": ("ParetoNBDModel", {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
}
BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


def _model(key: str) -> Any:
    name, params = MODELS[key]
    return getattr(cv, name).from_params(**params)


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(sorted(MODELS)),
    x=st.integers(0, 300),
    frac=st.floats(0.0, 1.0),
    T=st.floats(0.5, 200.0),
    t=st.floats(0.0, 300.0),
)
def test_continuous_models_factorise(key: str, x: int, frac: float, T: float, t: float) -> None:
    model = _model(key)
    t_x = 0.0 if x == 0 else frac * T
    table = pd.DataFrame({"n_repeat": [x], "purchase_span": [t_x], "tenure": [T]})
    curve = model.expected_purchases_alive([x], [T], horizon=[t])
    assert curve.shape == (1, 1)
    product = model.prob_alive(table).iloc[0] * curve[0, 0]
    expected = model.expected_purchases(table, horizon=t).iloc[0]
    assert product == pytest.approx(expected, rel=1e-12, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), data=st.data(), n_star=st.integers(0, 40))
def test_bgbb_factorises(n: int, data: st.DataObject, n_star: int) -> None:
    model = cv.BetaGeoBetaBinomModel.from_params(**BGBB)
    x = data.draw(st.integers(0, n))
    t_x = 0 if x == 0 else data.draw(st.integers(x, n))
    table = pd.DataFrame({"n_repeat": [x], "purchase_span": [float(t_x)], "tenure": [float(n)]})
    curve = model.expected_purchases_alive([x], [n], horizon=[n_star])
    product = model.prob_alive(table).iloc[0] * curve[0, 0]
    expected = model.expected_purchases(table, horizon=n_star).iloc[0]
    assert product == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_curve_shape_and_horizon_checks() -> None:
    model = _model("bgnbd")
    out = model.expected_purchases_alive(
        np.array([0.0, 2.0, 26.0]), np.array([38.86, 38.86, 31.0]), horizon=[1, 39]
    )
    assert out.shape == (3, 2)
    assert np.all(np.diff(out, axis=1) > 0)  # more purchases over a longer horizon
    with pytest.raises(ValueError, match="horizon must be"):
        model.expected_purchases_alive([0.0], [10.0], horizon=[-1.0])
    bgbb = cv.BetaGeoBetaBinomModel.from_params(**BGBB)
    with pytest.raises(ValueError, match="whole number of opportunities"):
        bgbb.expected_purchases_alive([1.0], [6.0], horizon=[1.5])
    with pytest.raises(cv.NotFittedError, match="not fitted"):
        cv.BetaGeoModel().expected_purchases_alive([0.0], [1.0], horizon=[1.0])


def _table() -> pd.DataFrame:
    sim = _model("bgnbd").sample(
        500, tenure=np.repeat([39.0, 30.0, 20.0, 10.0], 125), random_state=4
    )
    return sim.assign(purchase_span=np.round(sim["purchase_span"], 1))


class _NoHookMath(types.ModuleType):
    """The BG/NBD math module without expected_purchases_alive: a model that has not opted in."""

    def __getattr__(self, name: str) -> Any:
        if name == "expected_purchases_alive":
            raise AttributeError(name)
        return getattr(bgnbd_math, name)


class _NotFactorised(cv.BetaGeoModel):
    _math = _NoHookMath("bgnbd_without_hook")


class _CountingModel(cv.BetaGeoModel):
    """Counts calls of the hook and of expected_purchases (the generic path's call)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hook_calls = 0
        self.generic_calls = 0

    def expected_purchases_alive(self, n_repeat: Any, tenure: Any, *, horizon: Any) -> Any:
        self.hook_calls += 1
        return super().expected_purchases_alive(n_repeat, tenure, horizon=horizon)

    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        self.generic_calls += 1
        return super().expected_purchases(table, horizon=horizon)


def test_a_model_opts_in_through_the_hook_not_its_name() -> None:
    table = _table()
    sched = discount_schedule(52.0, period_length=52 / 12, discount_rate=0.01)
    params = MODELS["bgnbd"][1]
    reference = purchase_present_value(_model("bgnbd"), table, sched, "test", fast=False)

    counting = _CountingModel.from_params(**params)
    fast = purchase_present_value(counting, table, sched, "test")
    assert counting.hook_calls == 1 and counting.generic_calls == 0
    np.testing.assert_allclose(fast, reference, rtol=1e-12)

    opted_out = _NotFactorised.from_params(**params)
    assert opted_out.expected_purchases_alive([0.0], [1.0], horizon=[1.0]) is None
    slow = purchase_present_value(opted_out, table, sched, "test")
    np.testing.assert_allclose(slow, reference, rtol=1e-14)


def test_curve_blocks_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long schedules are evaluated in blocks of period ends; the result does not depend on it."""
    table = _table()
    sched = discount_schedule(260.0, period_length=1.0, discount_rate=0.002)
    for key in sorted(MODELS):
        model = _model(key)
        whole = purchase_present_value(model, table, sched, "test")
        with monkeypatch.context() as m:
            m.setattr(value_module, "_CURVE_BLOCK", 7)
            blocks = purchase_present_value(model, table, sched, "test")
        np.testing.assert_allclose(blocks, whole, rtol=1e-13)
        slow = purchase_present_value(model, table, sched, "test", fast=False)
        np.testing.assert_allclose(whole, slow, rtol=1e-10)
