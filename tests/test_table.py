"""customer_table on small hand-computed logs; policies (promises 2, 5); dates (promise 4)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from custvalue import DataValidationError, TableReport, customer_table, split_calibration_holdout
from custvalue._schema import HOLDOUT_COLUMNS, TABLE_COLUMNS


def _tx(ids, times, amounts=None, **extra) -> pd.DataFrame:
    d = {"customer_id": ids, "timestamp": pd.to_datetime(times, format="ISO8601")}
    if amounts is not None:
        d["amount"] = amounts
    d.update(extra)
    return pd.DataFrame(d)


# ----------------------------------------------------------------------------- by hand


def test_cdnow_convention_first_day_tenure() -> None:
    # DOMAIN.md / Fader, Hardie & Lee (2005) CDNOW setup: a customer first seen on
    # 1 January 1997 with calibration ending 30 September 1997 has T = 39 - 1/7 = 38.857
    # weeks (272 days / 7).
    tx = _tx([1, 1, 1], ["1997-01-01", "1997-01-01 18:00", "1997-02-12"], [10.0, 5.0, 20.0])
    t = customer_table(tx, amount_col="amount", observation_end="1997-09-30", time_unit="W")
    row = t.loc[1]
    assert row["tenure"] == pytest.approx(272 / 7)
    assert row["tenure"] == pytest.approx(38.857, abs=5e-4)
    # two purchases on 1 January merge into one; the repeat is on day 43 -> t_x = 42/7
    assert row["n_purchases"] == 2
    assert row["n_repeat"] == 1
    assert row["purchase_span"] == pytest.approx(6.0)
    assert row["time_since_last"] == pytest.approx(272 / 7 - 6.0)
    # amounts within a day are summed: first period 15, repeat 20
    assert row["total_spend"] == 35.0
    assert row["mean_spend"] == 17.5
    assert row["mean_repeat_spend"] == 20.0
    assert row["first_purchase"] == pd.Timestamp("1997-01-01")
    assert row["last_purchase"] == pd.Timestamp("1997-02-12")


def test_schema_dtypes_and_order() -> None:
    tx = _tx([3, 1, 2, 1], ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"], [1.0] * 4)
    t = customer_table(tx, amount_col="amount")
    assert tuple(t.columns) == TABLE_COLUMNS
    assert t.index.name == "customer_id"
    assert list(t.index) == [1, 2, 3]
    assert t["n_purchases"].dtype == np.int64
    assert t["n_repeat"].dtype == np.int64
    for c in ("purchase_span", "tenure", "time_since_last", "total_spend", "mean_spend"):
        assert t[c].dtype == np.float64, c
    assert t["first_purchase"].dtype == "datetime64[us]"
    # default observation end = the latest time in the log (2020-01-04)
    assert t["tenure"].tolist() == [2.0, 1.0, 3.0]


def test_without_amounts_spend_columns_are_nan() -> None:
    tx = _tx([1, 1], ["2020-01-01", "2020-01-05"])
    t = customer_table(tx)
    assert tuple(t.columns) == TABLE_COLUMNS
    assert t[["total_spend", "mean_spend", "mean_repeat_spend"]].isna().all().all()
    assert t.loc[1, "n_repeat"] == 1


def test_mean_repeat_spend_nan_without_repeat() -> None:
    tx = _tx([1, 2, 2], ["2020-01-01", "2020-01-01", "2020-01-03"], [5.0, 4.0, 6.0])
    t = customer_table(tx, amount_col="amount")
    assert np.isnan(t.loc[1, "mean_repeat_spend"])  # undefined, never 0
    assert t.loc[1, "mean_spend"] == 5.0
    assert t.loc[2, "mean_repeat_spend"] == 6.0


def test_period_and_time_unit_are_separate() -> None:
    tx = _tx([1, 1, 1], ["2020-01-06 09:00", "2020-01-12 20:00", "2020-01-13"])
    # weeks start on Monday: 6 Jan (Mon) and 12 Jan (Sun) are one week, 13 Jan the next
    w = customer_table(tx, period="W", time_unit="D")
    assert w.loc[1, "n_purchases"] == 2
    assert w.loc[1, "purchase_span"] == 7.0
    assert w.loc[1, "first_purchase"] == pd.Timestamp("2020-01-06")
    d = customer_table(tx, period="D", time_unit="h")
    assert d.loc[1, "n_purchases"] == 3
    assert d.loc[1, "purchase_span"] == 7 * 24.0
    h = customer_table(tx, period="h", time_unit="D")
    assert h.loc[1, "purchase_span"] == pytest.approx(7 - 9 / 24)


def test_monthly_periods() -> None:
    tx = _tx([1, 1], ["2020-01-15", "2020-01-31"])
    t = customer_table(tx, period="M", observation_end="2020-03-10")
    assert t.loc[1, "n_purchases"] == 1
    assert t.loc[1, "first_purchase"] == pd.Timestamp("2020-01-01")
    assert t.loc[1, "tenure"] == 60.0  # 1 Jan -> 1 Mar 2020 (leap year)
    q = customer_table(tx, period="Q", observation_end="2020-07-01")
    assert q.loc[1, "tenure"] == 182.0  # 1 Jan -> 1 Jul 2020


def test_observation_end_is_inclusive_of_its_period() -> None:
    tx = _tx([1, 1], ["2020-01-01", "2020-01-10 15:00"])
    t = customer_table(tx, observation_end=pd.Timestamp("2020-01-10"))
    assert t.loc[1, "n_purchases"] == 2
    assert t.loc[1, "tenure"] == 9.0


def test_time_since_last_is_tenure_minus_span() -> None:
    tx = _tx([1, 1, 2], ["2020-01-01", "2020-01-04", "2020-01-02"])
    t = customer_table(tx, observation_end="2020-01-11", time_unit="W")
    # exact: the table computes time_since_last as this very subtraction
    assert (t["time_since_last"] == t["tenure"] - t["purchase_span"]).all()


# ----------------------------------------------------------------------------- policies


def test_missing_ids_and_times_raise_by_default() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([1, None, 2], dtype="Int64"),
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", None]),
        }
    )
    with pytest.raises(DataValidationError) as err:
        customer_table(tx)
    msg = str(err.value)
    assert "missing customer ids" in msg and "missing times" in msg
    assert "'customer_id'" in msg and "'timestamp'" in msg
    assert len(err.value.failures) == 2
    t, rep = customer_table(tx, missing="drop", return_report=True)
    assert list(t.index) == [1]
    assert (rep.missing_id, rep.missing_time, rep.rows_used, rep.rows_in) == (1, 1, 1, 3)


def test_nan_amount_never_becomes_zero() -> None:
    tx = _tx([1, 1, 2], ["2020-01-01", "2020-01-02", "2020-01-01"], [10.0, np.nan, 3.0])
    with pytest.raises(DataValidationError, match="missing amounts") as err:
        customer_table(tx, amount_col="amount")
    assert err.value.failures[0].examples == (1,)
    t, rep = customer_table(tx, amount_col="amount", missing="drop", return_report=True)
    assert rep.missing_amount == 1
    # the NaN row is not a purchase worth 0: customer 1 has one purchase, spend 10
    assert t.loc[1, "n_purchases"] == 1
    assert t.loc[1, "total_spend"] == 10.0


def test_infinite_amount_always_raises() -> None:
    tx = _tx([1], ["2020-01-01"], [np.inf])
    with pytest.raises(DataValidationError, match="infinite"):
        customer_table(tx, amount_col="amount", missing="drop")


def test_refund_policies() -> None:
    tx = _tx(
        [1, 1, 1, 2, 2],
        ["2020-01-01", "2020-01-05", "2020-01-06", "2020-01-01", "2020-01-03"],
        [100.0, 50.0, -30.0, -5.0, 8.0],
    )
    with pytest.raises(DataValidationError, match="negative amounts") as err:
        customer_table(tx, amount_col="amount")
    assert err.value.failures[0].count == 2
    t, rep = customer_table(tx, amount_col="amount", refunds="drop", return_report=True)
    assert rep.refund == 2
    assert t.loc[1, "total_spend"] == 150.0
    # net: the refund on 6 Jan is not a purchase; it reduces the 5 Jan purchase
    t, rep = customer_table(tx, amount_col="amount", refunds="net", return_report=True)
    assert t.loc[1, "n_purchases"] == 2
    assert t.loc[1, "total_spend"] == 120.0
    assert t.loc[1, "mean_repeat_spend"] == 20.0
    assert t.loc[1, "last_purchase"] == pd.Timestamp("2020-01-05")
    # customer 2's refund comes before any purchase: nothing to net, dropped and counted
    assert rep.unmatched_refund == 1 and rep.refunds_netted == 1
    assert t.loc[2, "total_spend"] == 8.0
    assert rep.rows_used == 4


def test_refund_on_first_day_nets_first_period() -> None:
    tx = _tx([1, 1, 1], ["2020-01-01", "2020-01-01 12:00", "2020-01-09"], [40.0, -10.0, 7.0])
    t = customer_table(tx, amount_col="amount", refunds="net")
    assert t.loc[1, "total_spend"] == 37.0
    assert t.loc[1, "mean_repeat_spend"] == 7.0
    assert t.loc[1, "n_purchases"] == 2


def test_zero_amount_policies() -> None:
    tx = _tx([1, 1], ["2020-01-01", "2020-01-02"], [0.0, 4.0])
    t, rep = customer_table(tx, amount_col="amount", return_report=True)
    assert t.loc[1, "n_purchases"] == 2 and rep.zero_amount_kept == 1
    t, rep = customer_table(tx, amount_col="amount", zero_amounts="drop", return_report=True)
    assert t.loc[1, "n_purchases"] == 1 and rep.zero_amount == 1
    with pytest.raises(DataValidationError, match="zero amounts"):
        customer_table(tx, amount_col="amount", zero_amounts="raise")


def test_after_end_policy() -> None:
    tx = _tx([1, 1, 2], ["2020-01-01", "2020-02-01", "2020-03-01"])
    with pytest.raises(DataValidationError, match="after observation_end") as err:
        customer_table(tx, observation_end="2020-01-31")
    assert err.value.failures[0].count == 2
    assert err.value.failures[0].examples == (1, 2)
    t, rep = customer_table(tx, observation_end="2020-01-31", after_end="drop", return_report=True)
    assert list(t.index) == [1]  # customer 2 is gone: a reported drop
    assert rep.after_end == 2 and rep.customers == 1


def test_duplicate_policy_uses_every_column() -> None:
    tx = _tx(
        [1, 1, 1],
        ["2020-01-01", "2020-01-01", "2020-01-01"],
        [5.0, 5.0, 5.0],
        order_id=[10, 10, 11],
    )
    t = customer_table(tx, amount_col="amount")
    assert t.loc[1, "total_spend"] == 15.0  # kept by default (declared)
    t, rep = customer_table(tx, amount_col="amount", duplicates="drop", return_report=True)
    assert rep.duplicate == 1
    assert t.loc[1, "total_spend"] == 10.0  # order 11 is a different purchase


def test_all_failures_reported_at_once() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([1, None, 2, 3], dtype="Int64"),
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", None]),
            "amount": [np.nan, 1.0, -2.0, 1.0],
        }
    )
    with pytest.raises(DataValidationError) as err:
        customer_table(tx, amount_col="amount")
    rules = " | ".join(f.rule for f in err.value.failures)
    for word in ("missing customer ids", "missing times", "missing amounts", "negative"):
        assert word in rules


def test_report_accounting_and_fields() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([1, None, 2, 2, 3, 3], dtype="Int64"),
            "timestamp": pd.to_datetime(
                ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-03", "2020-02-10", None]
            ),
            "amount": [1.0, 1.0, 2.0, 2.0, 3.0, 4.0],
        }
    )
    t, rep = customer_table(
        tx,
        amount_col="amount",
        observation_end="2020-01-31",
        after_end="drop",
        duplicates="drop",
        missing="drop",
        return_report=True,
    )
    assert isinstance(rep, TableReport)
    assert rep.dropped == {"missing_id": 1, "missing_time": 1, "duplicate": 1, "after_end": 1}
    assert rep.rows_used + rep.rows_dropped == rep.rows_in == 6
    assert rep.customers == len(t) == 2
    assert rep.observation_end == pd.Timestamp("2020-01-31")
    with pytest.raises(AttributeError):
        rep.rows_in = 3  # type: ignore[misc]


def test_nothing_left_raises() -> None:
    tx = _tx([1], ["2020-02-01"])
    with pytest.raises(DataValidationError, match="no purchase rows"):
        customer_table(tx, observation_end="2020-01-01", after_end="drop")


# ----------------------------------------------------------------------------- bad input


def test_not_a_frame_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame"):
        customer_table({"customer_id": [1], "timestamp": ["2020-01-01"]})  # type: ignore[call-overload]


def test_empty_frame_and_missing_columns() -> None:
    with pytest.raises(DataValidationError, match="empty"):
        customer_table(pd.DataFrame({"customer_id": [], "timestamp": []}))
    with pytest.raises(DataValidationError, match="missing column"):
        customer_table(_tx([1], ["2020-01-01"]), amount_col="price")


def test_invalid_options_list_choices() -> None:
    tx = _tx([1], ["2020-01-01"])
    with pytest.raises(ValueError, match="choose one of"):
        customer_table(tx, time_unit="M")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="choose one of"):
        customer_table(tx, refunds="ignore")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="needs amount_col"):
        customer_table(tx, refunds="net")


# ----------------------------------------------------------------------------- dates


def test_integer_times_need_a_unit() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": [0, 3]})
    with pytest.raises(ValueError, match="integer_time_unit"):
        customer_table(tx)
    t = customer_table(tx, integer_time_unit="D")
    assert t.loc[1, "first_purchase"] == pd.Timestamp("1970-01-01")
    assert t.loc[1, "purchase_span"] == 3.0
    s = customer_table(tx.assign(timestamp=[0, 3 * 86400]), integer_time_unit="s")
    assert s.equals(t)


def test_integer_yyyymmdd_with_format() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": [19970101, 19970108]})
    t = customer_table(tx, time_format="%Y%m%d", time_unit="W")
    assert t.loc[1, "purchase_span"] == 1.0
    assert t.loc[1, "first_purchase"] == pd.Timestamp("1997-01-01")


def test_float_times_raise() -> None:
    tx = pd.DataFrame({"customer_id": [1], "timestamp": [1.5]})
    with pytest.raises(TypeError, match="float"):
        customer_table(tx, integer_time_unit="D")


def test_ambiguous_date_strings_raise() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": ["01/02/2020", "03/02/2020"]})
    with pytest.raises(DataValidationError, match="time_format"):
        customer_table(tx)
    dmy = customer_table(tx, time_format="%d/%m/%Y")
    assert dmy.loc[1, "first_purchase"] == pd.Timestamp("2020-02-01")
    assert dmy.loc[1, "purchase_span"] == 2.0
    mdy = customer_table(tx, time_format="%m/%d/%Y")
    assert mdy.loc[1, "purchase_span"] == 60.0


def test_unparseable_with_format_raises() -> None:
    tx = pd.DataFrame({"customer_id": [1, 2], "timestamp": ["2020-01-01", "yesterday"]})
    with pytest.raises(DataValidationError, match="not ISO 8601"):
        customer_table(tx)
    with pytest.raises(DataValidationError, match="do not match time_format"):
        customer_table(tx, time_format="%Y-%m-%d")


def test_iso_strings_equal_datetimes() -> None:
    times = ["2020-01-01", "2020-01-03T10:00", "2020-01-09 08:30:00"]
    a = customer_table(pd.DataFrame({"customer_id": [1, 1, 2], "timestamp": times}))
    b = customer_table(_tx([1, 1, 2], times))
    pd.testing.assert_frame_equal(a, b)


def test_mixed_tz_strings_raise() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "timestamp": ["2020-01-01T10:00+01:00", "2020-01-02T10:00"]}
    )
    with pytest.raises(DataValidationError, match="tz-aware and naive"):
        customer_table(tx, tz="UTC")


def test_mixed_tz_objects_raise() -> None:
    times = [dt.datetime(2020, 1, 1, 10), dt.datetime(2020, 1, 2, 10, tzinfo=dt.UTC)]
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": pd.Series(times, dtype=object)})
    with pytest.raises(DataValidationError, match="tz-aware and naive"):
        customer_table(tx, tz="UTC")


def test_tz_aware_needs_explicit_tz_and_is_converted() -> None:
    times = pd.to_datetime(["2020-01-01T23:30Z", "2020-01-02T01:00Z"])
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": times})
    with pytest.raises(ValueError, match="tz="):
        customer_table(tx)
    utc = customer_table(tx, tz="UTC")
    assert utc.loc[1, "n_purchases"] == 2
    # 23:30 UTC on 1 Jan is 08:30 on 2 Jan in Tokyo: both purchases fall on one local day
    tokyo = customer_table(tx, tz="Asia/Tokyo")
    assert tokyo.loc[1, "n_purchases"] == 1
    assert tokyo.loc[1, "first_purchase"] == pd.Timestamp("2020-01-02")
    # offsets in ISO strings are honoured the same way
    s = customer_table(
        pd.DataFrame(
            {"customer_id": [1, 1], "timestamp": ["2020-01-01T23:30Z", "2020-01-02T01:00+00:00"]}
        ),
        tz="Asia/Tokyo",
    )
    pd.testing.assert_frame_equal(s, tokyo)


def test_naive_times_with_tz_raise() -> None:
    with pytest.raises(ValueError, match="naive"):
        customer_table(_tx([1], ["2020-01-01"]), tz="UTC")


def test_tz_aware_observation_end_needs_tz() -> None:
    tx = _tx([1], ["2020-01-01"])
    with pytest.raises(ValueError, match="tz-aware"):
        customer_table(tx, observation_end=pd.Timestamp("2020-02-01", tz="UTC"))
    with pytest.raises(ValueError, match="ISO 8601"):
        customer_table(tx, observation_end="02/01/2020")


# ----------------------------------------------------------------------------- holdout


def test_split_calibration_holdout_by_hand() -> None:
    tx = _tx(
        ["a", "a", "a", "a", "b", "c"],
        [
            "2020-01-01",
            "2020-01-05",
            "2020-01-20",
            "2020-01-20 18:00",
            "2020-01-15",
            "2020-01-08",
        ],
        [10.0, 20.0, 5.0, 6.0, 3.0, 4.0],
    )
    t, rep = split_calibration_holdout(
        tx,
        calibration_end="2020-01-10",
        observation_end="2020-01-31",
        amount_col="amount",
        return_report=True,
    )
    assert tuple(t.columns) == TABLE_COLUMNS + HOLDOUT_COLUMNS
    # b's first purchase is in the holdout: left out (BTYD convention), rows counted
    assert list(t.index) == ["a", "c"]
    assert rep.holdout_only == 1 and rep.rows_used == 5
    a = t.loc["a"]
    assert (a["n_repeat"], a["tenure"], a["mean_repeat_spend"]) == (1, 9.0, 20.0)
    assert a["holdout_purchases"] == 1  # two holdout rows on one day
    assert a["holdout_spend"] == 11.0
    assert t["holdout_length"].tolist() == [21.0, 21.0]
    assert t.loc["c", "holdout_purchases"] == 0
    assert t.loc["c", "holdout_spend"] == 0.0


def test_split_calibration_end_must_precede_end() -> None:
    with pytest.raises(ValueError, match="before"):
        split_calibration_holdout(_tx([1], ["2020-01-01"]), calibration_end="2020-01-01")


def test_split_report_and_net_refunds_per_window() -> None:
    tx = _tx(
        [1, 1, 1, 1, 2],
        ["2020-01-01", "2020-01-03", "2020-01-15", "2020-01-16", "2020-01-20"],
        [50.0, -10.0, 30.0, -5.0, -3.0],
    )
    t, rep = split_calibration_holdout(
        tx,
        calibration_end="2020-01-10",
        amount_col="amount",
        refunds="net",
        return_report=True,
    )
    assert rep.calibration_end == pd.Timestamp("2020-01-10")
    assert rep.observation_end == pd.Timestamp("2020-01-20")
    # the calibration refund nets the first purchase; the holdout refund the holdout spend
    assert t.loc[1, "total_spend"] == 40.0
    assert t.loc[1, "holdout_spend"] == 25.0
    assert t.loc[1, "holdout_purchases"] == 1
    # customer 2 only has a holdout refund: not in calibration, counted
    assert rep.holdout_only == 1 and rep.refunds_netted == 2
    assert rep.rows_used + rep.rows_dropped == rep.rows_in == 5


def test_unsupported_column_dtypes_are_type_errors() -> None:
    tx = _tx([1], ["2020-01-01"], amount=["12.5"])
    with pytest.raises(TypeError, match="numeric"):
        customer_table(tx, amount_col="amount")
    cat = pd.DataFrame({"customer_id": [1], "timestamp": pd.Categorical(["2020-01-01"])})
    with pytest.raises(TypeError, match="accepted"):
        customer_table(cat)


def test_nullable_integer_ids_with_missing_values_keep_dtype() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([5, None, 6, 5], dtype="Int64"),
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-04"]),
        }
    )
    t, rep = customer_table(tx, missing="drop", return_report=True)
    assert t.index.dtype == "Int64"
    assert t.index.tolist() == [5, 6]
    assert rep.missing_id == 1


def test_invalid_iso_dates_raise() -> None:
    tx = pd.DataFrame({"customer_id": [1, 2], "timestamp": ["2020-01-01", "2020-13-45"]})
    with pytest.raises(DataValidationError, match="invalid dates") as err:
        customer_table(tx)
    # the examples are customer ids; the offending value is quoted in the rule
    assert err.value.failures[0].examples == (2,)
    assert "'2020-13-45'" in err.value.failures[0].rule


def test_integer_observation_end_follows_the_time_options() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": [19970101, 19970108]})
    t = customer_table(tx, time_format="%Y%m%d", observation_end=19970930, time_unit="W")
    assert t.loc[1, "tenure"] == pytest.approx(272 / 7)
    days = pd.DataFrame({"customer_id": [1], "timestamp": [10]})
    assert customer_table(days, integer_time_unit="D", observation_end=17).loc[1, "tenure"] == 7
    with pytest.raises(ValueError, match="integer_time_unit"):
        customer_table(_tx([1], ["2020-01-01"]), observation_end=5)
