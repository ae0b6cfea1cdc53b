"""Differential tests against lifetimes' summary_data_from_transaction_data (test-only oracle).

Identical after renaming wherever lifetimes is right; each place we differ on purpose has a
test below saying why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError, customer_table, from_lifetimes, to_lifetimes
from custvalue.datasets import make_transactions

lifetimes_utils = pytest.importorskip("lifetimes.utils")
summary = lifetimes_utils.summary_data_from_transaction_data


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Same customers; counts and durations bit-identical; mean spend to rounding."""
    lt = to_lifetimes(ours)
    assert lt.index.tolist() == theirs.index.sort_values().tolist()
    theirs = theirs.loc[lt.index]
    # exact: both compute whole numbers of days (hours, weeks) and divide once by the same
    # multiplier (7 for weeks of days), a correctly rounded division of the same numbers
    for col in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(lt[col].to_numpy(), theirs[col].to_numpy(), err_msg=col)
    if "monetary_value" in theirs:
        # summation order differs (we sum rows, lifetimes sums day totals): rounding only
        np.testing.assert_allclose(
            lt["monetary_value"].to_numpy(), theirs["monetary_value"].to_numpy(), rtol=1e-12
        )


def test_cdnow_all_customers_daily(cdnow_transactions: pd.DataFrame) -> None:
    tx = cdnow_transactions
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount")
    ours = customer_table(tx, amount_col="amount")
    assert len(ours) == len(theirs) == 23570
    _compare(ours, theirs)


def test_cdnow_all_customers_weeks_of_days(cdnow_transactions: pd.DataFrame) -> None:
    # the published CDNOW convention: merge per day, measure in weeks (days / 7), i.e.
    # lifetimes' freq="D", freq_multiplier=7; calibration end 1997-09-30
    tx = cdnow_transactions
    theirs = summary(
        tx,
        "customer_id",
        "timestamp",
        monetary_value_col="amount",
        observation_period_end="1997-09-30",
        freq="D",
        freq_multiplier=7,
    )
    ours, rep = customer_table(
        tx,
        amount_col="amount",
        observation_end="1997-09-30",
        time_unit="W",
        after_end="drop",
        return_report=True,
    )
    _compare(ours, theirs)
    assert len(ours) == 23570
    assert rep.after_end > 0  # lifetimes drops these rows without a word; we count them


def test_cdnow_weekly_periods(cdnow_transactions: pd.DataFrame) -> None:
    # lifetimes' freq="W" merges per calendar week (ending Sunday), as period="W" does
    tx = cdnow_transactions
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount", freq="W")
    ours = customer_table(tx, amount_col="amount", period="W", time_unit="W")
    _compare(ours, theirs)


@pytest.mark.parametrize(("freq", "period"), [("D", "D"), ("h", "h")])
def test_generated_data(freq: str, period: str) -> None:
    tx = make_transactions(3000, random_state=42)
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount", freq=freq)
    ours = customer_table(tx, amount_col="amount", period=period, time_unit=period)  # type: ignore[call-overload]
    _compare(ours, theirs)
    # intra-day times exist, so the daily merge really merges something
    assert (ours["n_purchases"] < tx.groupby("customer_id").size().loc[ours.index]).any()


def test_generated_string_ids_and_observation_end() -> None:
    tx = make_transactions(2000, random_state=7)
    tx["customer_id"] = "c" + tx["customer_id"].astype("str")
    end = "1998-01-31"
    theirs = summary(
        tx, "customer_id", "timestamp", monetary_value_col="amount", observation_period_end=end
    )
    ours = customer_table(tx, amount_col="amount", observation_end=end, after_end="drop")
    _compare(ours, theirs)


def test_from_lifetimes_round_trip(cdnow_transactions: pd.DataFrame) -> None:
    tx = cdnow_transactions
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount")
    ours = customer_table(tx, amount_col="amount")
    back = from_lifetimes(theirs).loc[ours.index]
    cols = ["n_purchases", "n_repeat", "purchase_span", "tenure", "time_since_last"]
    pd.testing.assert_frame_equal(back[cols], ours[cols], check_index_type=False)
    np.testing.assert_allclose(
        back["mean_repeat_spend"].to_numpy(), ours["mean_repeat_spend"].to_numpy(), rtol=1e-12
    )


# ----------------------------------------------------------------------------- on purpose


def test_mean_repeat_spend_nan_where_lifetimes_writes_zero(
    cdnow_transactions: pd.DataFrame,
) -> None:
    # Differs on purpose: with no repeat purchase the mean repeat spend is undefined.
    # lifetimes writes 0 (a spend nobody made); we write NaN (promise 5) and convert
    # only in to_lifetimes / from_lifetimes.
    tx = cdnow_transactions
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount")
    ours = customer_table(tx, amount_col="amount")
    no_repeat = ours["n_repeat"] == 0
    assert no_repeat.sum() > 10000
    assert ours.loc[no_repeat, "mean_repeat_spend"].isna().all()
    assert (theirs.loc[ours.index[no_repeat], "monetary_value"] == 0).all()
    assert ours.loc[~no_repeat, "mean_repeat_spend"].notna().all()


def test_nan_amounts_lifetimes_counts_as_zero_we_refuse() -> None:
    # Differs on purpose: lifetimes' groupby sum turns a missing amount into 0.
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-09"]),
            "amount": [10.0, np.nan, 20.0],
        }
    )
    theirs = summary(tx, "customer_id", "timestamp", monetary_value_col="amount")
    assert theirs.loc[1, "monetary_value"] == 10.0  # (0 + 20) / 2: the NaN became 0
    with pytest.raises(DataValidationError, match="missing amounts"):
        customer_table(tx, amount_col="amount")
    ours = customer_table(tx, amount_col="amount", missing="drop")
    assert ours.loc[1, "mean_repeat_spend"] == 20.0


def test_integer_dates_lifetimes_reads_as_nanoseconds_we_refuse() -> None:
    # Differs on purpose: lifetimes passes 19970101 to pd.to_datetime, which reads it as
    # nanoseconds since 1970, so every purchase lands on 1 January 1970.
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": [19970101, 19970301]})
    theirs = summary(tx, "customer_id", "timestamp")
    assert theirs.loc[1, "frequency"] == 0  # two purchases two months apart, merged
    with pytest.raises(ValueError, match="integer_time_unit"):
        customer_table(tx)
    ours = customer_table(tx, time_format="%Y%m%d")
    assert ours.loc[1, "n_repeat"] == 1
    assert ours.loc[1, "purchase_span"] == 59.0


def test_split_matches_calibration_and_holdout_data() -> None:
    from custvalue import split_calibration_holdout
    from custvalue.datasets import load_cdnow

    tx = load_cdnow(subset="sample")
    theirs = lifetimes_utils.calibration_and_holdout_data(
        tx,
        "customer_id",
        "timestamp",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="amount",
    )
    ours = split_calibration_holdout(
        tx,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        time_unit="W",
        amount_col="amount",
    )
    cal = theirs[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
    _compare(ours, cal.rename(columns=lambda c: c.removesuffix("_cal")))
    theirs = theirs.loc[ours.index]
    np.testing.assert_array_equal(ours["holdout_purchases"], theirs["frequency_holdout"])
    # whole days divided once by 7 on both sides: bit-identical
    np.testing.assert_array_equal(ours["holdout_length"], theirs["duration_holdout"])
    # lifetimes' holdout monetary value averages raw rows (not merged days, unlike its
    # calibration column), so the comparable quantity is the holdout sum
    rows = tx[tx["timestamp"] > "1997-09-30"].groupby("customer_id").size()
    rows = rows.reindex(ours.index, fill_value=0)
    np.testing.assert_allclose(
        ours["holdout_spend"], theirs["monetary_value_holdout"] * rows, rtol=1e-12, atol=1e-9
    )


def test_from_lifetimes_validates_and_to_lifetimes_needs_columns() -> None:
    bad = pd.DataFrame({"frequency": [1.5, -1.0], "recency": [1.0, 0.0], "T": [2.0, 2.0]})
    with pytest.raises(DataValidationError) as err:
        from_lifetimes(bad)
    rules = {f.rule for f in err.value.failures}
    assert rules == {"negative counts", "non-integer counts"}
    with pytest.raises(DataValidationError, match="missing lifetimes column"):
        from_lifetimes(pd.DataFrame({"frequency": [1.0]}))
    with pytest.raises(DataValidationError, match="missing column"):
        to_lifetimes(pd.DataFrame({"n_repeat": [1]}))
    # a zero monetary value of a repeat buyer is real data and stays 0
    ok = from_lifetimes(
        pd.DataFrame(
            {
                "frequency": [1.0, 0.0],
                "recency": [1.0, 0.0],
                "T": [2.0, 2.0],
                "monetary_value": [0.0, 0.0],
            }
        )
    )
    assert ok["mean_repeat_spend"].iloc[0] == 0.0
    assert np.isnan(ok["mean_repeat_spend"].iloc[1])
