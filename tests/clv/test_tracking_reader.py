"""tracking_series reads transactions with customer_table's reader: same periods, same options.

The actual series is a fact of the data, so it must agree with the calibration/holdout table
built from the same transactions with the same options: at the calibration end it has counted
every calibration repeat purchase (sum of ``n_repeat``), at the series end every repeat
purchase (plus ``holdout_purchases``), for every merge period, weeks and months included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError, customer_table, split_calibration_holdout
from custvalue.clv.evaluate import evaluate_holdout, tracking_series


class HalfPerUnit:
    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        return pd.Series(0.5 * horizon, index=table.index, name="expected_purchases")

    def expected_purchases_new(self, *, horizon: float | np.ndarray) -> float | np.ndarray:
        return 0.5 * np.asarray(horizon, dtype=float) if np.ndim(horizon) else 0.5 * float(horizon)


def _log(seed: int = 7, n: int = 80) -> pd.DataFrame:
    """Purchases of n customers in 2023: first purchases in January-March, then a few more
    at random days and hours (several in the same day, week or month)."""
    rng = np.random.default_rng(seed)
    ids, times = [], []
    start = np.datetime64("2023-01-01T00:00", "m")
    for c in range(n):
        first = rng.integers(0, 90 * 24 * 60)
        k = int(rng.integers(0, 12))
        later = first + rng.integers(0, 365 * 24 * 60 - first, size=k)
        for m in (first, *later):
            ids.append(1000 + c)
            times.append(start + np.timedelta64(int(m), "m"))
    return pd.DataFrame({"customer_id": ids, "timestamp": pd.to_datetime(np.array(times))})


CAL_END = "2023-06-30"
OBS_END = "2023-12-31"


@pytest.mark.parametrize(
    ("period", "time_unit", "step"), [("W", "W", 1.0), ("M", "D", 1.0), ("D", "W", 1 / 7)]
)
def test_actual_series_matches_the_table(period: str, time_unit: str, step: float) -> None:
    tx = _log()
    opts: dict[str, Any] = {"period": period, "time_unit": time_unit}
    cal = split_calibration_holdout(tx, calibration_end=CAL_END, observation_end=OBS_END, **opts)
    out = tracking_series(HalfPerUnit(), cal, tx, step=step, **opts)
    total = int(cal["n_repeat"].sum() + cal["holdout_purchases"].sum())
    assert out["actual_cumulative"].iloc[-1] == total
    assert out["actual"].sum() == total
    cal_steps = out.loc[~out["holdout"]]
    assert cal_steps["actual_cumulative"].iloc[-1] == cal["n_repeat"].sum()
    # the last step ends where the observation window ends: the end of December 2023's
    # period, which for days, (Monday) weeks and months alike is 2024-01-01
    days = (pd.Timestamp("2024-01-01") - cal["first_purchase"].min()) / pd.Timedelta(days=1)
    assert out["end"].iloc[-1] == pytest.approx(days / (7.0 if time_unit == "W" else 1.0))


def test_weekly_periods_start_on_monday() -> None:
    """period="W" merges Monday-Sunday weeks (pandas W-SUN periods), as customer_table does."""
    tx = _log(seed=3)
    cal = split_calibration_holdout(
        tx, calibration_end=CAL_END, observation_end=OBS_END, period="W", time_unit="W"
    )
    out = tracking_series(HalfPerUnit(), cal, tx, period="W", time_unit="W")
    # independent count: distinct (customer, Monday week) pairs after each first week
    week = tx["timestamp"].dt.to_period("W-SUN").dt.start_time
    assert (week.dt.day_of_week == 0).all()
    pairs = pd.DataFrame({"c": tx["customer_id"], "w": week}).drop_duplicates()
    first = pairs.groupby("c")["w"].transform("min")
    repeat_weeks = pairs.loc[pairs["w"] > first, "w"]
    origin = week.min()
    step_of = ((repeat_weeks - origin) / pd.Timedelta(weeks=1)).astype(int) + 1
    expected = step_of.value_counts().reindex(out.index, fill_value=0)
    np.testing.assert_array_equal(out["actual"].to_numpy(), expected.to_numpy(dtype=float))
    assert out["end"].iloc[0] == 1.0  # the origin is a Monday: steps are whole weeks


def test_iso_strings_and_integer_times_give_the_same_series() -> None:
    tx = _log(seed=11)
    tx["timestamp"] = tx["timestamp"].dt.floor("D")
    cal = split_calibration_holdout(
        tx, calibration_end=CAL_END, observation_end=OBS_END, time_unit="W"
    )
    base = tracking_series(HalfPerUnit(), cal, tx, time_unit="W")
    iso = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y-%m-%d"))
    days = tx.assign(timestamp=(tx["timestamp"] - pd.Timestamp("1970-01-01")).dt.days)
    ymd = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y%m%d").astype("int64"))
    variants = [
        tracking_series(HalfPerUnit(), cal, iso, time_unit="W"),
        tracking_series(HalfPerUnit(), cal, days, time_unit="W", integer_time_unit="D"),
        tracking_series(HalfPerUnit(), cal, ymd, time_unit="W", time_format="%Y%m%d"),
    ]
    for other in variants:
        pd.testing.assert_frame_equal(other, base)
    with pytest.raises(ValueError, match="integer_time_unit"):
        tracking_series(HalfPerUnit(), cal, days, time_unit="W")


def test_tz_aware_times_are_converted_as_in_the_table() -> None:
    tx = _log(seed=5)
    aware = tx.assign(
        timestamp=tx["timestamp"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC")
    )
    cal = split_calibration_holdout(
        aware, calibration_end=CAL_END, observation_end=OBS_END, tz="Asia/Shanghai"
    )
    out = tracking_series(HalfPerUnit(), cal, aware, tz="Asia/Shanghai")
    naive = tracking_series(HalfPerUnit(), cal, tx)
    pd.testing.assert_frame_equal(out, naive)
    with pytest.raises(ValueError, match="tz"):
        tracking_series(HalfPerUnit(), cal, aware)


def test_row_policies_and_report() -> None:
    tx = _log(seed=13)
    cal = split_calibration_holdout(tx, calibration_end=CAL_END, observation_end=OBS_END)
    extra = pd.DataFrame(
        {
            "customer_id": [1000, 1001, None],
            "timestamp": pd.to_datetime(["2024-02-01", None, "2023-05-01"]),
        }
    )
    messy = pd.concat([tx, extra], ignore_index=True)
    messy["customer_id"] = messy["customer_id"].astype("Int64")
    with pytest.raises(DataValidationError) as info:
        tracking_series(HalfPerUnit(), cal, messy)
    assert {f.rule.split(" (")[0] for f in info.value.failures} == {
        "missing customer ids",
        "missing times",
    }
    with pytest.raises(DataValidationError, match="after the end of the series"):
        tracking_series(HalfPerUnit(), cal, messy, missing="drop")
    out = tracking_series(HalfPerUnit(), cal, messy, missing="drop", after_end="drop")
    pd.testing.assert_frame_equal(out, tracking_series(HalfPerUnit(), cal, tx))
    # the rows dropped are those customer_table drops and counts, read the same way
    _, report = customer_table(
        messy, missing="drop", after_end="drop", observation_end=OBS_END, return_report=True
    )
    assert (report.missing_id, report.missing_time, report.after_end) == (1, 1, 1)
    assert report.rows_used == len(tx)
    assert report.rows_used + report.rows_dropped == len(messy)


def test_amount_policies_follow_the_table() -> None:
    """A refund is not a purchase when the table was built with a refund policy."""
    tx = _log(seed=17).assign(amount=10.0)
    refund = tx.iloc[[0]].assign(timestamp=pd.Timestamp("2023-11-15"), amount=-10.0)
    log = pd.concat([tx, refund], ignore_index=True)
    opts: dict[str, Any] = {"amount_col": "amount", "refunds": "drop"}
    cal = split_calibration_holdout(log, calibration_end=CAL_END, observation_end=OBS_END, **opts)
    out = tracking_series(HalfPerUnit(), cal, log, **opts)
    total = cal["n_repeat"].sum() + cal["holdout_purchases"].sum()
    assert out["actual_cumulative"].iloc[-1] == total
    _, report = customer_table(log, observation_end=OBS_END, return_report=True, **opts)
    assert report.refund == 1
    with pytest.raises(DataValidationError, match="refunds"):
        tracking_series(HalfPerUnit(), cal, log, amount_col="amount")
    ev = evaluate_holdout(HalfPerUnit(), cal, transactions=log, **opts)
    assert ev.tracking is not None
    assert ev.tracking["actual_cumulative"].iloc[-1] == total


def test_transactions_must_match_the_table() -> None:
    tx = _log(seed=19)
    cal = split_calibration_holdout(tx, calibration_end=CAL_END, observation_end=OBS_END)
    # a customer whose first purchase is missing from the log
    first_rows = tx.groupby("customer_id")["timestamp"].idxmin()
    with pytest.raises(DataValidationError, match="without a purchase in their first_purchase"):
        tracking_series(HalfPerUnit(), cal, tx.drop(index=first_rows.iloc[:2]))
    # a daily table read with weekly periods: first_purchase is not a week start
    with pytest.raises(DataValidationError, match="not the start of a period='W' period"):
        tracking_series(HalfPerUnit(), cal, tx, period="W")
    with pytest.raises(ValueError, match="period"):
        tracking_series(HalfPerUnit(), cal, tx, period="fortnight")  # type: ignore[arg-type]
