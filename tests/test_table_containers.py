"""Containers are interchangeable (promise 14); customer identity is preserved (promise 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from custvalue import customer_table
from custvalue.datasets import make_transactions

IDS = [7, 3, 7, 9, 3, 7]
TIMES = ["2021-03-01", "2021-03-02", "2021-03-05 12:00", "2021-03-06", "2021-03-02", "2021-03-09"]
AMOUNTS = [1.5, 2.0, 3.25, 4.0, 0.5, 6.0]


def _frame(backend: str) -> pd.DataFrame:
    ts = pd.to_datetime(TIMES, format="ISO8601")
    if backend == "numpy":
        return pd.DataFrame(
            {
                "customer_id": np.array(IDS, dtype="int64"),
                "timestamp": ts.as_unit("ns"),
                "amount": np.array(AMOUNTS),
            }
        )
    if backend == "nullable":
        return pd.DataFrame(
            {
                "customer_id": pd.array(IDS, dtype="Int64"),
                "timestamp": ts,
                "amount": pd.array(AMOUNTS, dtype="Float64"),
            }
        )
    return pd.DataFrame(
        {
            "customer_id": pd.array(IDS, dtype=pd.ArrowDtype(pa.int64())),
            "timestamp": pd.Series(ts).astype(pd.ArrowDtype(pa.timestamp("ms"))),
            "amount": pd.array(AMOUNTS, dtype=pd.ArrowDtype(pa.float64())),
        }
    )


def _assert_same_values(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    """Identical columns, dtypes and bits; the index holds the same ids (its dtype follows
    the input, promise 6). Bits are identical by construction: the rows come in the same
    order and every backend is read into the same int64/float64 arrays before arithmetic."""
    assert got.index.tolist() == ref.index.tolist()
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), ref.reset_index(drop=True), check_exact=True
    )


@pytest.mark.parametrize("backend", ["nullable", "pyarrow"])
def test_backends_give_identical_tables(backend: str) -> None:
    ref = customer_table(_frame("numpy"), amount_col="amount", time_unit="W")
    got = customer_table(_frame(backend), amount_col="amount", time_unit="W")
    # values and columns identical; only the index dtype follows the input (promise 6)
    _assert_same_values(got, ref)
    assert list(got.index) == [3, 7, 9]


@pytest.mark.parametrize("backend", ["nullable", "pyarrow"])
def test_backends_identical_on_generated_data(backend: str) -> None:
    tx = make_transactions(300, random_state=5)
    conv = {
        "nullable": {"customer_id": "Int64", "amount": "Float64"},
        "pyarrow": {
            "customer_id": pd.ArrowDtype(pa.int64()),
            "timestamp": pd.ArrowDtype(pa.timestamp("us")),
            "amount": pd.ArrowDtype(pa.float64()),
        },
    }[backend]
    ref = customer_table(tx, amount_col="amount", time_unit="W")
    got = customer_table(tx.astype(conv), amount_col="amount", time_unit="W")
    _assert_same_values(got, ref)


def test_arrow_string_times_and_ids() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(["x", "y", "x"], dtype=pd.ArrowDtype(pa.string())),
            "timestamp": pd.array(
                ["2021-01-01", "2021-01-02", "2021-01-04"], dtype=pd.ArrowDtype(pa.string())
            ),
        }
    )
    t = customer_table(tx)
    assert t.index.dtype == tx["customer_id"].dtype
    assert t.loc["x", "purchase_span"] == 3.0


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([2**63 - 1, 2**63 - 2, 2**63 - 1], dtype="int64"),
        pd.Series([2**64 - 1, 2**63, 2**64 - 1], dtype="uint64"),
        pd.Series([-(2**63), 2**63 - 1, -(2**63)], dtype="Int64"),
        pd.Series(["b", "a", "b"], dtype="str"),
        pd.Series(["b", "a", "b"], dtype=object),
        pd.Series(["b", "a", "b"], dtype="string"),
        pd.Series(["b", "a", "b"], dtype=pd.ArrowDtype(pa.string())),
        pd.Series(["b", "a", "b"], dtype=pd.CategoricalDtype(["b", "a", "z"])),
        pd.Series([10, 20, 10], dtype=pd.ArrowDtype(pa.uint32())),
    ],
    ids=lambda s: str(s.dtype),
)
def test_ids_round_trip_with_dtype(ids: pd.Series) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03"]),
        }
    )
    t = customer_table(tx)
    assert t.index.dtype == ids.dtype
    assert set(t.index) == set(ids)
    assert t.loc[ids[0], "n_purchases"] == 2
    assert t.loc[ids[1], "n_purchases"] == 1
    if isinstance(ids.dtype, pd.CategoricalDtype):
        assert list(t.index) == ["b", "a"]  # sorted in category order
    else:
        assert list(t.index) == sorted(set(ids))


def test_mixed_type_ids_raise() -> None:
    tx = pd.DataFrame(
        {"customer_id": pd.Series([1, "1", 2], dtype=object), "timestamp": ["2021-01-01"] * 3}
    )
    with pytest.raises(TypeError, match="mixes value types"):
        customer_table(tx)


def test_unsupported_id_dtype_raises() -> None:
    tx = pd.DataFrame({"customer_id": [True, False], "timestamp": ["2021-01-01"] * 2})
    with pytest.raises(TypeError, match="boolean"):
        customer_table(tx)


def test_column_names_never_clash() -> None:
    # user columns named like our outputs or like helper names are just data
    tx = pd.DataFrame(
        {
            "n_purchases": [1, 1, 2],
            "first_purchase": pd.to_datetime(["2021-01-01", "2021-01-03", "2021-01-02"]),
            "key": [5.0, 6.0, 7.0],
            "code": ["a", "b", "c"],
            "customer_id": [99, 99, 99],  # an unrelated column with the default name
        }
    )
    before = tx.copy()
    t = customer_table(tx, customer_col="n_purchases", time_col="first_purchase", amount_col="key")
    assert list(t.index) == [1, 2]
    assert t.loc[1, "n_purchases"] == 2
    assert t.loc[1, "total_spend"] == 11.0
    pd.testing.assert_frame_equal(tx, before)  # input untouched


def test_non_string_column_labels() -> None:
    tx = pd.DataFrame({0: [1, 1], 1: pd.to_datetime(["2021-01-01", "2021-01-02"]), 2: [1.0, 2.0]})
    t = customer_table(tx, customer_col=0, time_col=1, amount_col=2)
    assert t.loc[1, "total_spend"] == 3.0


def test_output_index_is_input_ids_minus_reported_drops() -> None:
    tx = make_transactions(400, random_state=11, faults={"missing_amount": 0.2})
    t, rep = customer_table(tx, amount_col="amount", missing="drop", return_report=True)
    kept = tx.loc[tx["amount"].notna(), "customer_id"].unique()
    assert set(t.index) == set(kept)
    assert rep.customers == len(kept) < tx["customer_id"].nunique()
