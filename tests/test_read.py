"""The reader's newer rules: quantity x price, cancellations, counted duplicates, vanishing
customers, cancelled periods, Arrow frames, the recorded merge period, one error for all."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import custvalue as cv
from custvalue import DataValidationError
from custvalue.datasets import make_transactions


def _retail() -> pd.DataFrame:
    """A small retail export: invoices with lines, one cancelled line (prefix 'C')."""
    return pd.DataFrame(
        {
            "Customer": [1, 1, 1, 1, 2, 2],
            "Invoice": ["100", "100", "C101", "102", "103", "103"],
            "When": pd.to_datetime(
                [
                    "2024-01-01 10:00",
                    "2024-01-01 10:00",
                    "2024-01-03 09:00",
                    "2024-01-10 12:00",
                    "2024-01-05 08:00",
                    "2024-01-05 08:00",
                ]
            ),
            "Qty": [2, 1, -1, 3, 1, 4],
            "Price": [5.0, 10.0, 10.0, 2.0, 7.5, 1.25],
            "Item": ["a", "b", "b", "a", "c", "d"],
        }
    )


READ = {"customer_col": "Customer", "time_col": "When"}


def test_quantity_times_price_is_the_amount() -> None:
    tx = _retail().query("not Invoice.str.startswith('C')")
    t = cv.customer_table(tx, quantity_col="Qty", price_col="Price", **READ)
    # independent computation: sum of quantity x price per customer
    expected = (tx["Qty"] * tx["Price"]).groupby(tx["Customer"]).sum()
    pd.testing.assert_series_equal(
        t["total_spend"], expected.rename("total_spend"), check_names=False
    )
    assert t.loc[1, "n_purchases"] == 2  # two days, the 2 lines of invoice 100 merge


def test_cancellations_are_never_purchases() -> None:
    tx = _retail()
    opts = {**READ, "quantity_col": "Qty", "price_col": "Price", "invoice_col": "Invoice"}
    with pytest.raises(DataValidationError, match="cancellations") as err:
        cv.customer_table(tx, cancel_prefix="C", **opts)
    assert "refunds='drop' or refunds='net'" in str(err.value)
    t, rep = cv.customer_table(tx, cancel_prefix="C", refunds="net", return_report=True, **opts)
    # the cancellation (-10) nets against invoice 100 (day 1): still 2 purchase days
    assert t.loc[1, "n_purchases"] == 2
    assert t.loc[1, "total_spend"] == pytest.approx(10 + 10 - 10 + 6)
    assert (rep.cancellations, rep.refunds_netted) == (1, 1)
    t, rep = cv.customer_table(tx, cancel_prefix="C", refunds="drop", return_report=True, **opts)
    assert t.loc[1, "total_spend"] == pytest.approx(26.0)
    assert (rep.refund, rep.cancellations) == (1, 1)
    assert rep.rows_used + rep.rows_dropped == rep.rows_in


def test_cancellations_without_amounts_do_not_count_as_purchases() -> None:
    tx = _retail()
    tx.loc[2, "When"] = pd.Timestamp("2024-01-20")  # the cancellation alone on its day
    opts = {**READ, "invoice_col": "Invoice", "cancel_prefix": "C"}
    with pytest.raises(DataValidationError, match="refunds='drop'"):
        cv.customer_table(tx, **opts)
    t, rep = cv.customer_table(tx, refunds="drop", return_report=True, **opts)
    assert t.loc[1, "n_purchases"] == 2  # 2024-01-01 and 2024-01-10, not 2024-01-20
    assert rep.refund == 1


def test_positive_cancellations_raise() -> None:
    tx = _retail()
    tx.loc[2, "Qty"] = 1  # a cancellation with a positive amount: its sign is not guessed
    with pytest.raises(DataValidationError, match="positive amount"):
        cv.customer_table(
            tx,
            quantity_col="Qty",
            price_col="Price",
            invoice_col="Invoice",
            cancel_prefix="C",
            refunds="net",
            **READ,
        )


def test_exact_duplicates_are_counted_by_default() -> None:
    tx = _retail().query("not Invoice.str.startswith('C')")
    doubled = pd.concat([tx, tx.iloc[[0, 3]]], ignore_index=True)
    _, rep = cv.customer_table(
        doubled, quantity_col="Qty", price_col="Price", return_report=True, **READ
    )
    assert rep.duplicate_kept == 2 and rep.duplicate == 0
    # rows equal in customer, time and amount but not in every column are not duplicates:
    # the two lines of invoice 103 differ in Item (same amount 5.0 after a price change)
    same = tx.copy()
    same.loc[same.index[-1], ["Qty", "Price"]] = [1, 7.5]
    _, rep = cv.customer_table(
        same, quantity_col="Qty", price_col="Price", return_report=True, **READ
    )
    assert rep.duplicate_kept == 0
    _, rep = cv.customer_table(
        doubled,
        quantity_col="Qty",
        price_col="Price",
        duplicates="drop",
        return_report=True,
        **READ,
    )
    assert (rep.duplicate, rep.duplicate_kept) == (2, 0)


def test_duplicate_count_matches_pandas_on_generated_data() -> None:
    tx = make_transactions(300, random_state=5)
    extra = tx.sample(40, random_state=1)
    log = pd.concat([tx, extra, extra.iloc[:7]], ignore_index=True)
    _, rep = cv.customer_table(log, amount_col="amount", return_report=True)
    assert rep.duplicate_kept == int(log.duplicated().sum()) == 47


def test_customers_who_vanish_after_the_end_are_counted() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-03-01", "2024-03-02"]),
        }
    )
    t, rep = cv.customer_table(
        tx, observation_end="2024-01-31", after_end="drop", return_report=True
    )
    assert list(t.index) == [1, 2]
    assert (rep.after_end, rep.customers_after_end) == (2, 1)
    assert (rep.customers_in, rep.customers, rep.customers_dropped) == (3, 2, 1)


def test_a_fully_refunded_day_is_not_a_purchase_occasion() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 2],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-05", "2024-01-09", "2024-01-01", "2024-01-02"]
            ),
            "amount": [30.0, 20.0, -20.0, 15.0, 10.0, -12.0],
        }
    )
    t, rep = cv.customer_table(tx, amount_col="amount", refunds="net", return_report=True)
    # customer 1: 5 January nets to 0 -> not a purchase; 1 and 9 January remain
    assert t.loc[1, "n_purchases"] == 2
    assert t.loc[1, "purchase_span"] == 8.0
    assert t.loc[1, "total_spend"] == 45.0
    assert t.loc[1, "mean_repeat_spend"] == 15.0
    # customer 2: the only purchase day nets to -2 -> no purchase left, counted
    assert 2 not in t.index
    assert rep.periods_netted_out == 2
    assert rep.customers_dropped == 1
    assert rep.rows_used + rep.rows_dropped == rep.rows_in


def test_partly_refunded_first_day_keeps_its_net_spend() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-04"]),
            "amount": [30.0, -10.0, 5.0],
        }
    )
    t = cv.customer_table(tx, amount_col="amount", refunds="net")
    assert (t.loc[1, "n_purchases"], t.loc[1, "total_spend"]) == (2, 25.0)
    assert t.loc[1, "mean_repeat_spend"] == 5.0


class _ArrowOnly:
    """A frame of another library: it only exports Arrow data (as polars does)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


@pytest.mark.parametrize("wrap", [lambda t: t, _ArrowOnly], ids=["pyarrow", "arrow-export"])
def test_arrow_exportable_frames_are_read_like_pandas(wrap) -> None:  # type: ignore[no-untyped-def]
    tx = make_transactions(50, random_state=2)
    got = cv.customer_table(
        wrap(pa.Table.from_pandas(tx, preserve_index=False)), amount_col="amount"
    )
    want = cv.customer_table(tx, amount_col="amount")
    # Arrow ids keep their Arrow dtype (PROMISES: containers are interchangeable)
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_other_objects_name_what_is_accepted() -> None:
    with pytest.raises(TypeError, match=r"pandas DataFrame .* Arrow .* got builtins\.dict"):
        cv.customer_table({"customer_id": [1]})  # type: ignore[arg-type]


def test_the_table_records_its_merge_period() -> None:
    tx = make_transactions(20, random_state=1)
    t = cv.customer_table(tx, time_unit="W", period="D")
    assert t.attrs["merge_period"] == {"period": "D", "time_unit": "W", "min_gap": 1 / 7}
    t = cv.customer_table(tx, time_unit="D", period="M")
    assert t.attrs["merge_period"]["min_gap"] == 28.0
    # the recorded gap is a true lower bound: n_repeat * min_gap <= purchase_span
    for period in ("D", "W", "M", "Q"):
        t = cv.customer_table(tx, time_unit="D", period=period)
        gap = t.attrs["merge_period"]["min_gap"]
        assert (t["n_repeat"] * gap <= t["purchase_span"] + 1e-9).all()


def test_every_problem_is_reported_at_once_with_customer_ids() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", None, "c", "d"],
            "timestamp": ["01/02/2024", "2024-01-03", "2024-01-04", None],
            "amount": [1.0, 2.0, float("nan"), 4.0],
        }
    )
    with pytest.raises(DataValidationError) as err:
        cv.customer_table(tx, amount_col="amount")
    rules = {f.rule.split(",")[0].split(" (")[0]: f for f in err.value.failures}
    assert set(rules) == {
        "time strings that are not ISO 8601",
        "missing customer ids",
        "missing times",
        "missing amounts",
    }
    # examples are customer ids (for a missing id: the row's time), never row positions
    assert rules["time strings that are not ISO 8601"].examples == ("a",)
    assert "'01/02/2024'" in rules["time strings that are not ISO 8601"].rule
    assert rules["missing amounts"].examples == ("c",)
    assert rules["missing times"].examples == ("d",)
    assert rules["missing customer ids"].examples == ("2024-01-03",)


def test_missing_columns_name_the_option_and_a_close_match() -> None:
    tx = _retail()
    with pytest.raises(DataValidationError) as err:
        cv.customer_table(tx, customer_col="customer", time_col="When", amount_col="amount")
    msg = str(err.value)
    assert "missing column 'customer' (customer_col='customer'); did you mean 'Customer'?" in msg
    assert "missing column 'amount' (amount_col='amount')" in msg


@pytest.mark.parametrize(
    ("end", "match"),
    [
        ("2024-13-45", "not a valid date"),
        ("31/01/2024", "not ISO 8601"),
        ("yesterday", "not ISO 8601"),
    ],
)
def test_a_bad_observation_end_gets_our_message(end: str, match: str) -> None:
    tx = _retail()
    with pytest.raises(ValueError, match=match):
        cv.customer_table(tx, observation_end=end, **READ)


def test_a_bad_observation_end_with_a_format() -> None:
    tx = _retail()
    with pytest.raises(ValueError, match=r"does not match time_format='%d/%m/%Y'"):
        cv.customer_table(tx, observation_end="2024/01/31", time_format="%d/%m/%Y", **READ)
