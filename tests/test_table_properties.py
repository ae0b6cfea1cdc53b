"""Property-based tests of customer_table (promises 2, 5, 6, 10).

A plain pandas reference implementation (clear, slow) states what the table must contain;
hypothesis generates logs, with and without injected faults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import customer_table

START = pd.Timestamp("2020-01-01")
SETTINGS = settings(max_examples=60, deadline=None)

rows = st.lists(
    st.tuples(
        st.integers(0, 7),  # customer
        st.integers(0, 40 * 86400),  # seconds after START
        st.integers(1, 500),  # whole-dollar amounts: sums are exact in any order
    ),
    min_size=1,
    max_size=60,
)


def _frame(data: list[tuple[int, int, int]]) -> pd.DataFrame:
    c, s, a = zip(*data, strict=True)
    return pd.DataFrame(
        {
            "customer_id": np.array(c, dtype="int64"),
            "timestamp": START + pd.to_timedelta(np.array(s), unit="s"),
            "amount": np.array(a, dtype="float64"),
        }
    )


def _reference(tx: pd.DataFrame, end: pd.Timestamp, unit_days: float = 1.0) -> pd.DataFrame:
    """Daily merge, durations in units of ``unit_days`` days, by plain pandas."""
    d = tx.assign(day=tx["timestamp"].dt.floor("D"))
    per = d.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    g = per.groupby("customer_id")
    out = pd.DataFrame(
        {
            "first_purchase": g["day"].min(),
            "last_purchase": g["day"].max(),
            "n_purchases": g.size(),
            "total_spend": g["amount"].sum(),
        }
    )
    first_spend = per[per["day"] == per["customer_id"].map(out["first_purchase"])].set_index(
        "customer_id"
    )["amount"]
    out["n_repeat"] = out["n_purchases"] - 1
    days = pd.Timedelta(days=1)
    out["purchase_span"] = (out["last_purchase"] - out["first_purchase"]) / days / unit_days
    out["tenure"] = (end.floor("D") - out["first_purchase"]) / days / unit_days
    out["time_since_last"] = out["tenure"] - out["purchase_span"]
    out["mean_spend"] = out["total_spend"] / out["n_purchases"]
    rep = out["total_spend"] - first_spend
    out["mean_repeat_spend"] = (rep / out["n_repeat"]).where(out["n_repeat"] > 0)
    return out


def _check_against_reference(t: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert t.index.tolist() == ref.index.tolist()
    for col in ("n_purchases", "n_repeat"):
        assert (t[col].to_numpy() == ref[col].to_numpy()).all(), col
    for col in ("first_purchase", "last_purchase"):
        assert (t[col].to_numpy() == ref[col].to_numpy()).all(), col
    for col in (
        "purchase_span",
        "tenure",
        "time_since_last",
        "total_spend",
        "mean_spend",
        "mean_repeat_spend",
    ):
        np.testing.assert_allclose(
            t[col].to_numpy(), ref[col].to_numpy(), rtol=1e-12, equal_nan=True, err_msg=col
        )


@SETTINGS
@given(rows)
def test_matches_plain_pandas_reference(data: list[tuple[int, int, int]]) -> None:
    tx = _frame(data)
    t = customer_table(tx, amount_col="amount", time_unit="W")
    _check_against_reference(t, _reference(tx, tx["timestamp"].max(), unit_days=7.0))


@SETTINGS
@given(rows)
def test_invariants(data: list[tuple[int, int, int]]) -> None:
    t = customer_table(_frame(data), amount_col="amount", time_unit="W")
    assert (t["purchase_span"] >= 0).all()
    assert (t["purchase_span"] <= t["tenure"]).all()
    # exact: the table computes time_since_last as this very subtraction
    assert (t["time_since_last"] == t["tenure"] - t["purchase_span"]).all()
    assert (t["n_repeat"] == t["n_purchases"] - 1).all()
    assert (t["n_purchases"] >= 1).all()
    assert ((t["n_repeat"] == 0) == t["mean_repeat_spend"].isna()).all()
    assert ((t["n_repeat"] == 0) <= (t["purchase_span"] == 0)).all()
    assert (t["first_purchase"] <= t["last_purchase"]).all()


@SETTINGS
@given(rows, st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(data: list[tuple[int, int, int]], rnd) -> None:  # type: ignore[no-untyped-def]
    tx = _frame(data)
    perm = list(range(len(tx)))
    rnd.shuffle(perm)
    a = customer_table(tx, amount_col="amount")
    b = customer_table(tx.iloc[perm], amount_col="amount")
    # bit-identical because the amounts are whole dollars: spend is summed in row order, so
    # with cents a shuffle can move total_spend by an ulp
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@SETTINGS
@given(rows, st.sampled_from(["str", "far_int", "near_max", "category"]))
def test_relabelling_ids_changes_only_labels(data: list[tuple[int, int, int]], kind: str) -> None:
    tx = _frame(data)
    # an order-preserving relabelling, so the sorted tables line up row by row
    relabel = {
        "str": lambda c: pd.Series([f"cust-{i:03d}" for i in c], dtype="str"),
        "far_int": lambda c: pd.Series(c * 10**12 - 5 * 10**17, dtype="int64"),  # hashed path
        "near_max": lambda c: pd.Series(2**63 - 1 - (7 - c), dtype="int64"),
        "category": lambda c: pd.Series(c.astype(str)).astype("category"),
    }[kind]
    new_ids = relabel(tx["customer_id"].to_numpy())
    tx2 = tx.assign(customer_id=new_ids.to_numpy())
    tx2["customer_id"] = tx2["customer_id"].astype(new_ids.dtype)
    a = customer_table(tx, amount_col="amount")
    b = customer_table(tx2, amount_col="amount")
    assert b.index.dtype == new_ids.dtype
    expected_labels = relabel(a.index.to_numpy())
    assert b.index.tolist() == expected_labels.tolist()
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
    )


def _sometimes_missing(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    """About one value in eight is missing."""
    return st.tuples(st.integers(0, 7), values).map(lambda kv: None if kv[0] == 0 else kv[1])


faulty_rows = st.lists(
    st.tuples(
        _sometimes_missing(st.integers(0, 5)),  # missing id
        _sometimes_missing(st.integers(0, 30 * 86400)),  # missing time; some after the end
        _sometimes_missing(st.integers(-50, 500)),  # missing, negative, zero amounts
    ),
    min_size=1,
    max_size=50,
)


@SETTINGS
@given(faulty_rows, st.integers(0, 5), st.booleans())
def test_row_accounting_with_injected_faults(
    data: list[tuple[int | None, int | None, int | None]], n_dup: int, drop_zero: bool
) -> None:
    c, s, a = zip(*data, strict=True)
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(list(c), dtype="Int64"),
            "timestamp": [START + pd.Timedelta(seconds=x) if x is not None else pd.NaT for x in s],
            "amount": pd.array(list(a), dtype="Float64"),
        }
    )
    tx = pd.concat([tx, tx.iloc[: min(n_dup, len(tx))]], ignore_index=True)  # exact duplicates
    end = START + pd.Timedelta(days=20)
    try:
        t, rep = customer_table(
            tx,
            amount_col="amount",
            observation_end=end,
            missing="drop",
            refunds="drop",
            zero_amounts="drop" if drop_zero else "keep",
            duplicates="drop",
            after_end="drop",
            return_report=True,
        )
    except ValueError as err:  # nothing usable left is a loud error, never an empty table
        assert "no purchase rows" in str(err)
        return
    assert rep.rows_in == len(tx)
    assert rep.rows_used + rep.rows_dropped == rep.rows_in
    # independent count of the usable rows
    ok = tx["customer_id"].notna() & tx["timestamp"].notna() & tx["amount"].notna()
    ok &= ~tx.duplicated(keep="first")
    ok &= tx["timestamp"].dt.floor("D") <= end
    ok &= tx["amount"] >= 0
    if drop_zero:
        ok &= tx["amount"] != 0
    ok = ok.fillna(False).astype(bool)
    assert rep.rows_used == int(ok.sum())
    clean = tx[ok].astype({"customer_id": "int64", "amount": "float64"})
    _check_against_reference(t, _reference(clean, end))
    assert rep.customers == len(t) == clean["customer_id"].nunique()
