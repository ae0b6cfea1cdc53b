"""The one profit formula (value = revenue x margin - cost) and its validating wrapper."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pandas as pd
import pytest

import custvalue._profit as profit_module
from custvalue import DataValidationError
from custvalue._profit import customer_value, profit


def _rev() -> pd.Series:
    return pd.Series([100.0, 50.0, 10.0], index=["a", "b", "c"])


def test_profit_formula_on_numbers_and_arrays() -> None:
    assert profit(100.0, margin=0.3, cost=10.0) == 20.0
    out = profit(np.array([100.0, 50.0]), margin=np.array([0.5, 0.2]), cost=5.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [45.0, 5.0])
    # only the cost is an array: still an array
    np.testing.assert_array_equal(profit(10.0, cost=np.array([1.0, 12.0])), [9.0, -2.0])


def test_revenue_mode_returns_revenue_bit_for_bit() -> None:
    rev = np.array([0.1, -0.0, 1e-300, 123456.789, 7.0])
    out = profit(rev)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out.view(np.int64), rev.view(np.int64))


def test_profit_body_uses_no_pandas() -> None:
    # the formula is pandas-free: the function body uses no pandas name
    src = inspect.getsource(profit_module.profit)
    names = {n.id for n in ast.walk(ast.parse(src.lstrip())) if isinstance(n, ast.Name)}
    assert "pd" not in names


def test_customer_value_is_profit_of_the_aligned_inputs() -> None:
    rev = _rev()
    margin = pd.Series([0.5, 0.2, 1.0], index=["c", "a", "b"])  # any order: aligned by id
    cost = pd.Series([1.0, 2.0, 3.0], index=["b", "c", "a"])
    out = customer_value(rev, margin=margin, cost=cost)
    # a: 100 * 0.2 - 3; b: 50 * 1.0 - 1; c: 10 * 0.5 - 2
    assert out.tolist() == [17.0, 49.0, 3.0]
    assert out.name == "value" and out.index.equals(rev.index)
    # a scalar cost applies to everyone
    assert customer_value(rev, cost=10.0).tolist() == [90.0, 40.0, 0.0]
    # a customer table: its total_spend
    table = pd.DataFrame({"total_spend": rev})
    assert customer_value(table, margin=0.5).tolist() == [50.0, 25.0, 5.0]


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.01, 2.0])
def test_margin_one_rule_for_scalars_and_series(bad: float) -> None:
    # 0 < margin <= 1, whether one rate for everyone or one per customer
    rev = _rev()
    with pytest.raises(ValueError, match="margin"):
        customer_value(rev, margin=bad)
    per_customer = pd.Series([0.5, bad, 0.5], index=rev.index)
    with pytest.raises(DataValidationError, match="margin") as err:
        customer_value(rev, margin=per_customer)
    assert "'b'" in str(err.value)


def test_margin_bounds_are_valid() -> None:
    rev = _rev()
    assert customer_value(rev, margin=1.0).tolist() == rev.tolist()
    tiny = pd.Series([1e-12, 1.0, 0.5], index=rev.index)
    assert customer_value(rev, margin=tiny).tolist() == [1e-10, 50.0, 5.0]


def test_cost_one_rule_for_scalars_and_series() -> None:
    rev = _rev()
    with pytest.raises(ValueError, match="cost"):
        customer_value(rev, cost=-1.0)
    with pytest.raises(DataValidationError, match="values must be >= 0"):
        customer_value(rev, cost=pd.Series([0.0, -1.0, 0.0], index=rev.index))
    with pytest.raises(DataValidationError, match="infinite values"):
        customer_value(rev, cost=pd.Series([0.0, np.inf, 0.0], index=rev.index))
    with pytest.raises(ValueError, match="finite"):
        customer_value(rev, cost=float("nan"))


def test_alignment_policy_exactly_the_customers_of_values() -> None:
    rev = _rev()
    with pytest.raises(DataValidationError) as err:
        customer_value(rev, cost=pd.Series([1.0, 1.0, 1.0, 1.0], index=["a", "b", "c", "z"]))
    assert "customers not in the table" in str(err.value) and "'z'" in str(err.value)
    with pytest.raises(DataValidationError) as err:
        customer_value(rev, margin=pd.Series([0.5, 0.5], index=["a", "b"]))
    assert "customers with no value" in str(err.value) and "'c'" in str(err.value)
    with pytest.raises(TypeError, match="Series"):
        customer_value(rev, margin=[0.5, 0.5, 0.5])  # type: ignore[arg-type]


def test_every_problem_in_one_error() -> None:
    rev = pd.Series([1.0, np.nan, 3.0], index=["a", "b", "c"])
    with pytest.raises(DataValidationError) as err:
        customer_value(
            rev,
            margin=pd.Series([0.5, 0.5, 1.5], index=rev.index),
            cost=pd.Series([-1.0, 0.0, 0.0], index=rev.index),
        )
    msg = str(err.value)
    assert "missing values" in msg and "margin" in msg and "cost" in msg


def test_broken_index_and_empty_values_raise() -> None:
    with pytest.raises(DataValidationError, match="duplicate customer ids"):
        customer_value(pd.Series([1.0, 2.0], index=["a", "a"]), margin=0.5)
    with pytest.raises(DataValidationError, match="no customers"):
        customer_value(pd.Series([], dtype="float64"))
    with pytest.raises(ValueError, match="total_spend"):
        customer_value(pd.DataFrame({"spend": [1.0]}))
