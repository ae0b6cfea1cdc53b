"""Narrow unit tests of the CLV arithmetic with a closed-form stand-in purchase model.

The stand-in (a Poisson process that never stops, rate per customer) makes every expected
value exact, so discounting, periods, margins and costs can be checked to rounding error.
Tests with real fitted models are in test_value.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError
from custvalue.clv.value import (
    customer_lifetime_value,
    discount_schedule,
    historical_value,
    total_value,
)


class ConstantRate:
    """E[purchases in (T, T + t]] = rate * t with rate = (n_repeat + 1) / (tenure + 1)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        self.calls.append(len(table))
        rate = (table["n_repeat"] + 1.0) / (table["tenure"] + 1.0)
        return (rate * horizon).rename("expected_purchases")


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_repeat": [0, 3, 3, 10],
            "purchase_span": [0.0, 10.0, 10.0, 30.0],
            "tenure": [20.0, 30.0, 30.0, 39.0],
            "total_spend": [10.0, 80.0, 60.0, 500.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )


def _rate(table: pd.DataFrame) -> np.ndarray:
    return ((table["n_repeat"] + 1.0) / (table["tenure"] + 1.0)).to_numpy()


def test_schedule_whole_periods() -> None:
    s = discount_schedule(12.0, period_length=3.0, discount_rate=0.1)
    assert s["end"].tolist() == [3.0, 6.0, 9.0, 12.0]
    assert s["fraction"].tolist() == [1.0, 1.0, 1.0, 1.0]
    np.testing.assert_allclose(s["discount_factor"], 1.1 ** -np.arange(1, 5), rtol=1e-15)


def test_schedule_partial_last_period() -> None:
    s = discount_schedule(10.0, period_length=4.0, discount_rate=0.1)
    assert s["end"].tolist() == [4.0, 8.0, 10.0]
    np.testing.assert_allclose(s["fraction"], [1.0, 1.0, 0.5])
    np.testing.assert_allclose(s["discount_factor"].iloc[-1], 1.1**-2.5, rtol=1e-15)


def test_schedule_tolerates_float_rounding() -> None:
    # 52 / 12 * 12 is not exactly 52 in floating point; still 12 whole periods
    s = discount_schedule(52.0, period_length=52.0 / 12.0, discount_rate=0.01)
    assert len(s) == 12
    assert s["end"].iloc[-1] == 52.0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"horizon": 0.0}, ValueError),
        ({"horizon": -1.0}, ValueError),
        ({"horizon": float("inf")}, ValueError),
        ({"period_length": 0.0}, ValueError),
        ({"discount_rate": -0.01}, ValueError),
        ({"discount_rate": float("nan")}, ValueError),
        ({"discount_rate": True}, TypeError),
        ({"horizon": "52"}, TypeError),
    ],
)
def test_bad_schedule_arguments_raise(
    table: pd.DataFrame, kwargs: dict[str, object], error: type[Exception]
) -> None:
    args: dict[str, object] = {"horizon": 12.0, "period_length": 4.0, "discount_rate": 0.0}
    args.update(kwargs)
    with pytest.raises(error):
        customer_lifetime_value(ConstantRate(), 10.0, table, **args)  # type: ignore[arg-type]


def test_clv_closed_form(table: pd.DataFrame) -> None:
    d, p, k = 0.02, 4.0, 6
    clv = customer_lifetime_value(
        ConstantRate(), 25.0, table, horizon=p * k, period_length=p, discount_rate=d, margin=0.4
    )
    annuity = sum((1 + d) ** -j for j in range(1, k + 1))
    expected = _rate(table) * p * annuity * 25.0 * 0.4
    np.testing.assert_allclose(clv.to_numpy(), expected, rtol=1e-13)
    assert clv.name == "clv"
    assert clv.index.equals(table.index)


def test_cost_to_serve_subtracts_its_present_value(table: pd.DataFrame) -> None:
    kw = {"horizon": 10.0, "period_length": 4.0, "discount_rate": 0.05}
    base = customer_lifetime_value(ConstantRate(), 25.0, table, **kw)
    cost = pd.Series([1.0, 2.0, 3.0, 4.0], index=table.index)
    with_cost = customer_lifetime_value(ConstantRate(), 25.0, table, cost_to_serve=cost, **kw)
    pv = 1.05**-1 + 1.05**-2 + 0.5 * 1.05**-2.5  # two full periods and half a period
    np.testing.assert_allclose((base - with_cost).to_numpy(), cost.to_numpy() * pv, rtol=1e-13)


def test_model_called_on_distinct_rows_once_per_period() -> None:
    n = 1000
    big = pd.DataFrame(
        {
            "n_repeat": np.tile([0, 1, 2, 5], n // 4),
            "purchase_span": np.tile([0.0, 3.0, 6.0, 9.0], n // 4),
            "tenure": np.full(n, 10.0),
        }
    )
    model = ConstantRate()
    clv = customer_lifetime_value(model, 2.0, big, horizon=12, period_length=1, discount_rate=0.0)
    assert model.calls == [4] * 12
    np.testing.assert_allclose(clv.to_numpy(), _rate(big) * 12 * 2.0, rtol=1e-13)


def test_margin_and_spend_series_align_by_id(table: pd.DataFrame) -> None:
    margin = pd.Series([0.1, 0.2, 0.3, 0.4], index=["d", "c", "b", "a"])  # shuffled order
    spend = pd.Series([10.0, 20.0, 30.0, 40.0], index=table.index)
    clv = customer_lifetime_value(
        ConstantRate(), spend, table, horizon=4, period_length=4, discount_rate=0.0, margin=margin
    )
    expected = _rate(table) * 4 * spend.to_numpy() * np.array([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(clv.to_numpy(), expected, rtol=1e-13)


def test_margin_missing_customers_raise(table: pd.DataFrame) -> None:
    margin = pd.Series([0.1, 0.2], index=["a", "b"])
    with pytest.raises(DataValidationError, match="no value for these customers") as info:
        customer_lifetime_value(
            ConstantRate(), 1.0, table, horizon=4, period_length=4, discount_rate=0, margin=margin
        )
    assert info.value.failures[0].examples == ("c", "d")


def test_nan_spend_raises(table: pd.DataFrame) -> None:
    spend = pd.Series([1.0, np.nan, 2.0, 0.0], index=table.index)
    with pytest.raises(DataValidationError) as info:
        customer_lifetime_value(
            ConstantRate(), spend, table, horizon=4, period_length=4, discount_rate=0
        )
    rules = {f.rule for f in info.value.failures}
    assert rules == {"missing values", "values must be > 0"}


def test_not_a_model_raises(table: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="expected_purchases"):
        customer_lifetime_value(
            object(),
            1.0,
            table,
            horizon=4,
            period_length=4,  # type: ignore[arg-type]
            discount_rate=0,
        )
    with pytest.raises(TypeError, match="spend_model"):
        customer_lifetime_value(
            ConstantRate(),
            "ten",
            table,
            horizon=4,
            period_length=4,  # type: ignore[arg-type]
            discount_rate=0,
        )


def test_historical_value(table: pd.DataFrame) -> None:
    hv = historical_value(table, margin=0.5, cost_to_serve=2.0, period_length=10.0)
    expected = table["total_spend"] * 0.5 - 2.0 * table["tenure"] / 10.0
    np.testing.assert_allclose(hv.to_numpy(), expected.to_numpy(), rtol=1e-15)
    assert hv.name == "historical_value"
    with pytest.raises(ValueError, match="period_length"):
        historical_value(table, cost_to_serve=2.0)


def test_total_value_is_the_sum(table: pd.DataFrame) -> None:
    out = total_value(
        ConstantRate(),
        5.0,
        table,
        horizon=8,
        period_length=4,
        discount_rate=0.01,
        margin=0.3,
        cost_to_serve=0.5,
    )
    np.testing.assert_allclose(out["total_value"], out["historical_value"] + out["clv"])
    assert list(out.columns) == ["historical_value", "clv", "total_value"]


def test_inputs_not_mutated(table: pd.DataFrame) -> None:
    before = table.copy()
    customer_lifetime_value(
        ConstantRate(), 5.0, table, horizon=8, period_length=4, discount_rate=0.01
    )
    pd.testing.assert_frame_equal(table, before)
