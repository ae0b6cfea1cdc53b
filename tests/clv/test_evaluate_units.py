"""Narrow unit tests of the holdout bookkeeping with a closed-form stand-in model.

The stand-in predicts 0.5 purchases per time unit for everyone, so every prediction, metric
and group mean is known exactly. Tests with real fitted models are in test_evaluate.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError
from custvalue.clv.evaluate import evaluate_holdout, tracking_series


class HalfPerUnit:
    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        return pd.Series(0.5 * horizon, index=table.index, name="expected_purchases")

    def expected_purchases_new(self, *, horizon: float | np.ndarray) -> float | np.ndarray:
        return 0.5 * np.asarray(horizon, dtype=float) if np.ndim(horizon) else 0.5 * float(horizon)


@pytest.fixture
def cal() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_repeat": [0, 0, 1, 8, 12],
            "purchase_span": [0.0, 0.0, 2.0, 9.0, 9.5],
            "tenure": [10.0, 10.0, 10.0, 10.0, 10.0],
            "holdout_purchases": [0, 1, 2, 4, 6],
            "holdout_length": [4.0] * 5,
        },
        index=pd.Index([10, 11, 12, 13, 14], name="customer_id"),
    )


def test_metrics_exact(cal: pd.DataFrame) -> None:
    ev = evaluate_holdout(HalfPerUnit(), cal)
    err = np.array([2.0, 1.0, 0.0, -2.0, -4.0])  # predicted 2 each
    assert ev.metrics["mae"] == pytest.approx(np.mean(np.abs(err)))
    assert ev.metrics["rmse"] == pytest.approx(np.sqrt(np.mean(err**2)))
    assert ev.metrics["bias"] == pytest.approx(np.mean(err))
    assert ev.metrics["total_actual"] == 13.0
    assert ev.metrics["total_predicted"] == 10.0
    assert ev.customers["error"].tolist() == err.tolist()
    assert ev.tracking is None


def test_by_n_repeat_top_code(cal: pd.DataFrame) -> None:
    table = evaluate_holdout(HalfPerUnit(), cal, top_code=3).by_n_repeat
    assert table.index.tolist() == ["0", "1", "2", "3+"]
    assert table["n_customers"].tolist() == [2, 1, 0, 2]
    assert table.loc["0", "actual"] == 0.5
    assert table.loc["3+", "actual"] == 5.0
    assert np.isnan(table.loc["2", "actual"])  # empty group: undefined mean


def test_separate_holdout_equals_joined(cal: pd.DataFrame) -> None:
    joined = evaluate_holdout(HalfPerUnit(), cal)
    facts = cal[["holdout_purchases", "holdout_length"]].iloc[::-1]  # order must not matter
    separate = evaluate_holdout(HalfPerUnit(), cal.drop(columns=list(facts.columns)), facts)
    pd.testing.assert_series_equal(joined.metrics, separate.metrics)
    pd.testing.assert_frame_equal(joined.customers, separate.customers)


def test_holdout_ids_must_match(cal: pd.DataFrame) -> None:
    facts = cal[["holdout_purchases", "holdout_length"]]
    facts = pd.concat(
        [
            facts.iloc[1:],
            pd.DataFrame({"holdout_purchases": [1], "holdout_length": [4.0]}, index=[99]),
        ]
    )
    with pytest.raises(DataValidationError) as info:
        evaluate_holdout(HalfPerUnit(), cal.drop(columns=list(facts.columns)), facts)
    rules = {f.rule: f.examples for f in info.value.failures}
    assert rules["calibration customers without holdout facts"] == (10,)
    assert rules["holdout customers not in the calibration table"] == (99,)


def test_missing_holdout_columns_raise(cal: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="holdout_purchases"):
        evaluate_holdout(HalfPerUnit(), cal.drop(columns=["holdout_purchases"]))


def test_bad_holdout_values_raise(cal: pd.DataFrame) -> None:
    bad = cal.assign(holdout_purchases=[0.5, -1, 2, 4, 6])
    with pytest.raises(DataValidationError) as info:
        evaluate_holdout(HalfPerUnit(), bad)
    assert {f.rule for f in info.value.failures} == {"negative counts", "non-integer counts"}


def test_not_a_purchase_model() -> None:
    with pytest.raises(TypeError, match="expected_purchases"):
        evaluate_holdout(object(), pd.DataFrame())


def _tracking_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    cal = pd.DataFrame(
        {
            "first_purchase": pd.to_datetime(["2024-01-01", "2024-01-03"]),
            "tenure": [4.0, 2.0],
            "holdout_length": [3.0, 3.0],
        },
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "a"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",  # same day: merged with the first purchase
                    "2024-01-02 00:00",
                    "2024-01-03 00:00",
                    "2024-01-07 00:00",  # last day of the holdout (day 6 after the origin)
                    "2024-01-06 00:00",
                ]
            ),
        }
    )
    return cal, tx


def test_tracking_counts_and_predictions() -> None:
    cal, tx = _tracking_inputs()
    out = tracking_series(HalfPerUnit(), cal, tx)
    # calibration end = day 4 (its whole day included), holdout 3 days -> 8 daily steps
    assert out["end"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    # repeats: a on day 1 and day 5, b on day 6 (its first purchase is day 2)
    assert out["actual"].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    expected_cum = [0.5 * (e + max(e - 2.0, 0.0)) for e in out["end"]]
    np.testing.assert_allclose(out["predicted_cumulative"], expected_cum)
    assert out["holdout"].tolist() == [False] * 5 + [True] * 3


def test_tracking_rejects_foreign_customers_and_early_purchases() -> None:
    cal, tx = _tracking_inputs()
    extra = pd.concat(
        [tx, pd.DataFrame({"customer_id": ["zz"], "timestamp": pd.to_datetime(["2024-01-02"])})]
    )
    with pytest.raises(DataValidationError, match="not in the calibration table"):
        tracking_series(HalfPerUnit(), cal, extra)
    early = tx.assign(
        timestamp=tx["timestamp"].where(tx["customer_id"] != "b", pd.Timestamp("2024-01-01"))
    )
    with pytest.raises(DataValidationError, match="before the customer's first_purchase"):
        tracking_series(HalfPerUnit(), cal, early)


def test_tracking_refuses_purchases_after_the_end() -> None:
    cal, tx = _tracking_inputs()
    with pytest.raises(DataValidationError, match="give holdout facts"):
        tracking_series(HalfPerUnit(), cal.drop(columns=["holdout_length"]), tx)


def test_tracking_needs_datetimes() -> None:
    # ISO strings are read now (as customer_table reads them); a boolean column is not a time
    cal, tx = _tracking_inputs()
    with pytest.raises(TypeError, match="datetime64"):
        tracking_series(HalfPerUnit(), cal, tx.assign(timestamp=tx["customer_id"] == "a"))


def test_evaluate_with_transactions_attaches_tracking() -> None:
    cal, tx = _tracking_inputs()
    cal = cal.assign(n_repeat=[2, 0], purchase_span=[1.0, 0.0], holdout_purchases=[1, 1])
    ev = evaluate_holdout(HalfPerUnit(), cal, transactions=tx)
    assert ev.tracking is not None
    assert ev.tracking["actual_cumulative"].iloc[-1] == 3.0
