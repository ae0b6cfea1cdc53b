"""lifecycle_stages and churn_status read transactions exactly as customer_table does.

One reader (custvalue.table) for every function that takes a transaction log: the same
ids, the same time parsing, the same periods and the same row policies and report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import (
    DataValidationError,
    churn_status,
    customer_table,
    explain_lifecycle,
    lifecycle_stages,
)

START = pd.Timestamp("2024-01-01")
END = START + pd.Timedelta(days=100)

# the histories of test_lifecycle.py (stages checked by hand there)
HISTORIES = {
    "mature": list(range(0, 101, 10)),
    "churned": list(range(0, 51, 10)),
    "new": [95],
    "growing": [*range(0, 81, 10), 84, 88, 92, 96, 100],
    "declining": [*range(0, 81, 5), 90, 100],
    "reactivated": [*range(0, 51, 10), 95],
}
STAGES = {k: k for k in HISTORIES}


def make_tx(days: dict[object, list[int]], product: bool = False) -> pd.DataFrame:
    rows = [(c, START + pd.Timedelta(days=d), 1.0) for c, ds in days.items() for d in ds]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    if product:
        tx["product"] = np.where(tx.index % 3 == 0, "tv", "mobile")
    return tx


def reference() -> pd.Series:
    out = lifecycle_stages(make_tx(HISTORIES), observation_end=END)
    assert out.to_dict() == STAGES  # the hand-checked stages
    return out


# ------------------------------------------------------------------ same customer index


@pytest.mark.parametrize("kind", ["int", "Int64", "str", "category", "sparse", "near 2**63"])
def test_customer_index_is_the_customer_tables(kind: str) -> None:
    tx = make_tx(HISTORIES, product=True)
    names = sorted(HISTORIES, reverse=True)  # ids not in the order of first appearance
    ints = tx["customer_id"].map({c: i for i, c in enumerate(names)}).astype("int64")
    ids = {
        "int": ints,
        "Int64": ints.astype("Int64"),
        "str": tx["customer_id"].astype("str"),
        "category": tx["customer_id"].astype(pd.CategoricalDtype(names)),
        "sparse": ints * 10**12 + 7,
        "near 2**63": ints + (2**63 - 100),
    }[kind]
    tx = tx.assign(customer_id=ids)
    table = customer_table(tx, observation_end=END)
    stages = lifecycle_stages(tx, observation_end=END)
    churn = churn_status(tx, observation_end=END)
    for got in (stages.index, churn.index):
        assert got.equals(table.index)
        assert got.dtype == table.index.dtype
    # same stages whatever the ids look like
    labels = dict(zip(ids, make_tx(HISTORIES)["customer_id"], strict=True))
    assert {labels[i]: s for i, s in stages.items()} == STAGES


# ------------------------------------------------------------------ time inputs


def test_iso_strings_give_the_same_stages() -> None:
    ref = reference()
    tx = make_tx(HISTORIES)
    iso = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    pd.testing.assert_series_equal(lifecycle_stages(iso, observation_end="2024-04-10"), ref)
    # day/month order is given, never guessed
    dmy = tx.assign(timestamp=tx["timestamp"].dt.strftime("%d/%m/%Y"))
    with pytest.raises(DataValidationError, match="time_format"):
        lifecycle_stages(dmy, observation_end=END)
    got = lifecycle_stages(dmy, observation_end="10/04/2024", time_format="%d/%m/%Y")
    pd.testing.assert_series_equal(got, ref)


def test_integer_times_need_and_use_a_unit() -> None:
    ref = reference()
    tx = make_tx(HISTORIES)
    days = (tx["timestamp"] - pd.Timestamp("1970-01-01")).dt.days.astype("int64")
    as_int = tx.assign(timestamp=days)
    with pytest.raises(ValueError, match="integer_time_unit"):
        lifecycle_stages(as_int)
    end = int((END - pd.Timestamp("1970-01-01")).days)
    got = lifecycle_stages(as_int, observation_end=end, integer_time_unit="D")
    pd.testing.assert_series_equal(got, ref)
    secs = tx.assign(timestamp=days * 86400)
    got = lifecycle_stages(secs, observation_end=end * 86400, integer_time_unit="s")
    pd.testing.assert_series_equal(got, ref)
    # yyyymmdd integers with a format
    ymd = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y%m%d").astype("int64"))
    got = lifecycle_stages(ymd, observation_end=20240410, time_format="%Y%m%d")
    pd.testing.assert_series_equal(got, ref)


def test_monthly_periods() -> None:
    # one purchase a month (on varying days) for a year, then silence from March 2025;
    # another customer every month until the end
    dates = {
        "steady": [f"2024-{m:02d}-{d:02d}" for m, d in zip(range(1, 13), [3, 28] * 6, strict=True)]
        + ["2025-01-15", "2025-02-01", "2025-03-09", "2025-04-20", "2025-05-02"],
        "gone": [f"2024-{m:02d}-10" for m in range(1, 13)] + ["2024-12-30"],
    }
    tx = pd.DataFrame(
        [(c, pd.Timestamp(d)) for c, ds in dates.items() for d in ds],
        columns=["customer_id", "timestamp"],
    )
    end = "2025-05-31"
    ex = explain_lifecycle(tx, observation_end=end, period="M")
    table = customer_table(tx, observation_end=end, period="M")
    # durations between month starts, in days, as in the customer table (whole days both
    # ways, so bit-identical)
    np.testing.assert_array_equal(ex["tenure"], table["tenure"])
    np.testing.assert_array_equal(ex["time_since_last"], table["time_since_last"])
    # both buy once a month: rhythm = the median month length between month starts (31
    # days: Jan, Mar, May, Jul, Aug, Oct, Dec outnumber the 30-day and February gaps)
    assert ex.loc["steady", "rhythm"] == 31.0
    assert ex.loc["gone", "rhythm"] == 31.0
    # "gone" merged two December purchases into one period and has been silent since
    # 2024-12-01: 151 days > 3 * 31
    assert ex.loc["gone", "time_since_last"] == 151.0
    assert ex["lifecycle_stage"].to_dict() == {"steady": "mature", "gone": "churned"}
    # the same history read by days: the two December purchases are two periods
    by_day = explain_lifecycle(tx, observation_end=end)
    assert by_day.loc["gone", "time_since_last"] == 152.0


# ------------------------------------------------------------------ row policies


def test_refund_policies_are_applied_and_counted() -> None:
    ref = reference()
    tx = make_tx(HISTORIES)
    refunds = pd.DataFrame(
        {
            "customer_id": ["mature", "churned", "new"],
            "timestamp": [END, END, START],  # "new" refunds before its first purchase
            "amount": [-1.0, -0.5, -1.0],
        }
    )
    with_refunds = pd.concat([tx, refunds], ignore_index=True)
    with pytest.raises(DataValidationError, match="negative amounts"):
        lifecycle_stages(with_refunds, amount_col="amount", observation_end=END)
    kw = dict(amount_col="amount", observation_end=END)
    got = lifecycle_stages(with_refunds, refunds="drop", **kw)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(got, ref)  # a refund is not a purchase
    _, report = customer_table(with_refunds, refunds="drop", return_report=True, **kw)  # type: ignore[call-overload]
    assert report.refund == 3 and report.rows_used == len(tx)
    assert report.customers == len(HISTORIES) and report.rows_in == len(with_refunds)
    # netted: spend of the latest purchase period at or before the refund
    ex = explain_lifecycle(with_refunds, refunds="net", trend_on="spend", **kw)  # type: ignore[arg-type]
    _, report = customer_table(with_refunds, refunds="net", return_report=True, **kw)  # type: ignore[call-overload]
    plain = explain_lifecycle(tx, amount_col="amount", observation_end=END, trend_on="spend")
    assert report.refunds_netted == 2 and report.unmatched_refund == 1
    assert ex.loc["mature", "recent"] == plain.loc["mature", "recent"] - 1.0
    # "churned" (rhythm 10 days, window 40) last bought on day 50: its refund on day 100
    # nets against day 50, which lies in the earlier window (20, 60], not the recent one
    assert ex.loc["churned", "earlier"] == plain.loc["churned", "earlier"] - 0.5
    assert ex.loc["churned", "recent"] == plain.loc["churned", "recent"]


def test_after_end_duplicates_and_missing_rows_are_dropped_and_counted() -> None:
    ref = reference()
    tx = make_tx(HISTORIES)
    late = tx.iloc[:2].assign(timestamp=[END + pd.Timedelta(days=3), END + pd.Timedelta(days=9)])
    holes = pd.DataFrame(
        {"customer_id": [None, "mature"], "timestamp": [END, pd.NaT], "amount": [1.0, 1.0]}
    )
    messy = pd.concat([tx, tx.iloc[:4], late, holes], ignore_index=True)
    with pytest.raises(DataValidationError) as err:
        lifecycle_stages(messy, observation_end=END)
    assert len(err.value.failures) == 3  # missing id, missing time, after the end
    kw = dict(observation_end=END, after_end="drop", duplicates="drop", missing="drop")
    got = lifecycle_stages(messy, **kw)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(got, ref)
    _, report = customer_table(messy, return_report=True, **kw)  # type: ignore[call-overload]
    assert report.dropped == {"missing_id": 1, "missing_time": 1, "duplicate": 4, "after_end": 2}
    assert report.rows_used == len(tx) and report.rows_in == len(messy)


def test_churn_status_reads_like_the_table() -> None:
    tx = make_tx(HISTORIES, product=True)
    ref = churn_status(tx, observation_end=END)
    assert ref.index.equals(customer_table(tx, observation_end=END).index)
    # ISO strings and a dropped late row give the same result
    iso = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y-%m-%d"))
    late = iso.iloc[:3].assign(timestamp="2024-05-01", product="radio")
    messy = pd.concat([iso, late], ignore_index=True)
    got = churn_status(messy, observation_end="2024-04-10", after_end="drop")
    pd.testing.assert_frame_equal(got, ref)
    with pytest.warns(FutureWarning, match="customer_table"):
        _, report = churn_status(
            messy,
            observation_end="2024-04-10",
            after_end="drop",
            return_report=True,  # type: ignore[arg-type]
        )
    _, t_report = customer_table(
        messy, observation_end="2024-04-10", after_end="drop", return_report=True
    )
    assert report == t_report and report.after_end == 3
    # missing product lines raise whatever the missing policy says
    holes = tx.astype({"product": object})
    holes.loc[5, "product"] = None
    for missing in ("raise", "drop"):
        with pytest.raises(DataValidationError, match="missing product lines"):
            churn_status(holes, observation_end=END, missing=missing)  # type: ignore[arg-type]
    # amounts follow the table's policies too
    refund = tx.iloc[:1].assign(amount=-1.0)
    with pytest.raises(DataValidationError, match="negative amounts"):
        churn_status(pd.concat([tx, refund]), amount_col="amount", observation_end=END)


def test_time_unit_choices_are_the_tables() -> None:
    tx = make_tx(HISTORIES)
    for bad in ({"time_unit": "7D"}, {"period": "2D"}, {"refunds": "keep"}):
        with pytest.raises(ValueError, match="choose one of"):
            lifecycle_stages(tx, **bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="choose one of"):
            churn_status(tx.assign(product="x"), **bad)  # type: ignore[arg-type]


# ------------------------------------------------------------------ row accounting


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(HISTORIES)), st.integers(0, 130)), max_size=12),
    st.lists(st.sampled_from(["none_id", "nat", "dup", "refund", "zero"]), max_size=6),
)
def test_every_row_is_used_or_counted(extra: list[tuple[str, int]], faults: list[str]) -> None:
    tx = make_tx(HISTORIES)
    more = pd.DataFrame(
        {
            "customer_id": [c for c, _ in extra],
            "timestamp": [START + pd.Timedelta(days=d) for _, d in extra],
            "amount": 2.0,
        }
    ).astype(tx.dtypes.to_dict())
    tx = pd.concat([tx, more], ignore_index=True).astype({"customer_id": object})
    for i, fault in enumerate(faults):
        row = tx.iloc[[i]].copy()
        if fault == "none_id":
            row["customer_id"] = None
        elif fault == "nat":
            row["timestamp"] = pd.NaT
        elif fault == "refund":
            row["amount"] = -3.0
        elif fault == "zero":
            row["amount"] = 0.0
        tx = pd.concat([tx, row], ignore_index=True)
    kw = dict(
        amount_col="amount",
        observation_end=END,
        after_end="drop",
        duplicates="drop",
        missing="drop",
        refunds="drop",
        zero_amounts="drop",
    )
    # the deprecated report of lifecycle_stages is the table's: the warning says so
    with pytest.warns(FutureWarning, match=r"customer_table\(transactions, return_report=True"):
        stages, report = lifecycle_stages(tx, return_report=True, **kw)  # type: ignore[arg-type]
    table, t_report = customer_table(tx, return_report=True, **kw)  # type: ignore[call-overload]
    assert report.rows_used + report.rows_dropped == report.rows_in == len(tx)
    assert report == t_report  # the very same rows are used and dropped
    assert stages.index.equals(table.index)
