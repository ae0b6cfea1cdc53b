"""The reader's fast kernel keeps the plain definitions (custvalue._read.rows / .periods).

The kernel sorts each purchase row once, on ``(customer, period) key << b | hash(time,
amount)``, to find both the distinct purchase periods and the rows that may repeat an
earlier one; candidates are compared in full, so the ``duplicate_kept`` count is exact.
These tests hold every path of that kernel (the folded hash, the separate hash when the key
leaves too few spare bits, a hash so poor that every row is a candidate, rows set aside by
a policy) to the plain definition: rows identical in every column to an earlier row, among
the rows left after the ``missing`` policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue._read.periods as periods
import custvalue._read.rows as rows_mod
from custvalue import customer_table
from custvalue._calendar import period_numbers

START = pd.Timestamp("2020-01-01")


def _log(
    n: int, seed: int, *, zipf: bool = False, dup_share: float = 0.05, extra: bool = False
) -> pd.DataFrame:
    """A log with exact duplicate rows and near-duplicates (same customer, time, amount)."""
    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.6, n) if zipf else rng.integers(0, n // 3 + 1, n)
    tx = pd.DataFrame(
        {
            "customer_id": ids.astype("int64"),
            # few distinct seconds and cents: many rows share customer, time and amount
            "timestamp": START + pd.to_timedelta(rng.integers(0, 30 * 86400 // 600, n) * 600, "s"),
            "amount": rng.integers(1, 5, n).astype("float64"),
        }
    )
    if extra:  # a column that tells some same-(customer, time, amount) rows apart
        tx["store"] = rng.integers(0, 2, n)
    copies = tx.iloc[rng.choice(n, int(n * dup_share), replace=False)]
    tx = pd.concat([tx, copies], ignore_index=True)
    return tx.iloc[rng.permutation(len(tx))].reset_index(drop=True)


def _reference_count(tx: pd.DataFrame) -> int:
    return int(tx.duplicated(keep="first").sum())


def _counted(tx: pd.DataFrame, **kw: object) -> int:
    _, report = customer_table(tx, amount_col="amount", return_report=True, **kw)  # type: ignore[call-overload]
    return int(report.duplicate_kept)


@pytest.mark.parametrize("zipf", [False, True])
@pytest.mark.parametrize("extra", [False, True])
def test_duplicate_count_is_exact(zipf: bool, extra: bool) -> None:
    tx = _log(20_000, 1, zipf=zipf, extra=extra)
    assert _counted(tx) == _reference_count(tx) > 0


def test_duplicate_count_without_amounts_and_for_clean_data() -> None:
    tx = _log(5_000, 2)
    _, report = customer_table(tx.drop(columns="amount"), return_report=True)
    assert report.duplicate_kept == _reference_count(tx.drop(columns="amount"))
    clean = tx.drop_duplicates()
    assert _counted(clean) == 0


def test_rows_set_aside_by_a_policy_are_counted_too() -> None:
    # duplicates among rows after the end, refunds and dropped zero amounts still count
    tx = _log(6_000, 3)
    late = tx.iloc[:300].assign(timestamp=START + pd.Timedelta(days=40))
    refunds = tx.iloc[300:600].assign(amount=-1.0)
    zeros = tx.iloc[600:900].assign(amount=0.0)
    messy = pd.concat(
        [tx, late, late.iloc[:50], refunds, refunds.iloc[:40], zeros, zeros.iloc[:30]]
    )
    messy = messy.reset_index(drop=True)
    expected = _reference_count(messy)
    end = START + pd.Timedelta(days=31)
    for refunds_policy in ("drop", "net"):
        got = _counted(
            messy,
            observation_end=end,
            after_end="drop",
            refunds=refunds_policy,
            zero_amounts="drop",
        )
        assert got == expected


def test_missing_rows_are_not_counted() -> None:
    tx = _log(3_000, 4)
    holes = tx.iloc[:20].assign(amount=np.nan)
    messy = pd.concat([tx, holes, holes], ignore_index=True)
    expected = _reference_count(messy.dropna())
    assert _counted(messy, missing="drop") == expected


def test_the_separate_hash_path_gives_the_same_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # when the key leaves too few spare bits, the time/amount hash gets its own sort
    tx = _log(20_000, 5, zipf=True)
    monkeypatch.setattr(periods, "_MIN_HASH_BITS", 65)
    assert _counted(tx) == _reference_count(tx)


def test_a_hash_without_information_still_gives_the_exact_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every row of a customer's period is then a candidate: only the full comparison decides
    tx = _log(4_000, 6, extra=True)
    ref = customer_table(tx, amount_col="amount")
    monkeypatch.setattr(
        periods, "_time_amount_hash", lambda t, amt: np.zeros(t.size, dtype=np.uint64)
    )
    table, report = customer_table(tx, amount_col="amount", return_report=True)
    assert report.duplicate_kept == _reference_count(tx)
    pd.testing.assert_frame_equal(table, ref)


def test_a_key_overflow_in_the_reader_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    tx = _log(3_000, 7)
    ref = customer_table(tx, amount_col="amount")

    def overflow(*args: object, **kwargs: object) -> None:
        raise OverflowError

    monkeypatch.setattr(rows_mod, "layout", overflow)
    table, report = customer_table(tx, amount_col="amount", return_report=True)
    assert report.duplicate_kept == _reference_count(tx)
    pd.testing.assert_frame_equal(table, ref)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 8),
)
def test_duplicate_count_property(data: list[tuple[int, int, int]], n_copies: int) -> None:
    c, d, a = zip(*data, strict=True)
    tx = pd.DataFrame(
        {
            "customer_id": np.array(c, dtype="int64"),
            "timestamp": START + pd.to_timedelta(np.array(d) * 3600, "s"),
            "amount": np.array(a, dtype="float64") + 1.0,
        }
    )
    tx = pd.concat([tx, tx.iloc[:n_copies]], ignore_index=True)
    assert _counted(tx) == _reference_count(tx)


def test_tables_are_the_same_with_and_without_the_duplicate_count() -> None:
    # return_report=True reuses the reader's sorted keys (the sort that counts duplicates);
    # without a report nothing is counted and the table kernel finds the distinct periods
    # itself; duplicates="drop" (nothing to drop here) too: the same table, bit for bit
    tx = _log(20_000, 8, zipf=True).drop_duplicates()
    with_report, report = customer_table(tx, amount_col="amount", time_unit="W", return_report=True)
    plain = customer_table(tx, amount_col="amount", time_unit="W")
    drop = customer_table(tx, amount_col="amount", time_unit="W", duplicates="drop")
    pd.testing.assert_frame_equal(plain, with_report)
    pd.testing.assert_frame_equal(plain, drop)
    assert report.duplicate_kept == 0


@pytest.mark.parametrize("zipf", [False, True])
def test_the_flag_table_and_the_sort_find_the_same_periods(
    zipf: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # few customers with many rows: the distinct periods come from a table of flags; many
    # customers: from a sort. Forcing either path gives the same table.
    tx = _log(20_000, 9, zipf=zipf)
    kw = dict(amount_col="amount", refunds="net")
    tx.loc[::50, "amount"] = -1.0  # refunds netted against the periods found
    ref = customer_table(tx, **kw)  # type: ignore[call-overload]
    monkeypatch.setattr(periods, "_distinct_sorted", _sorted_only)
    pd.testing.assert_frame_equal(customer_table(tx, **kw), ref)  # type: ignore[call-overload]
    monkeypatch.setattr(periods, "_distinct_sorted", _flags_only)
    pd.testing.assert_frame_equal(customer_table(tx, **kw), ref)  # type: ignore[call-overload]


def _sorted_only(key: np.ndarray, lay: periods.Layout) -> np.ndarray:
    key.sort()
    return key[periods.run_starts(key)]


def _flags_only(key: np.ndarray, lay: periods.Layout) -> np.ndarray:
    seen = np.zeros(lay.n_codes * lay.span, dtype=bool)
    seen[key] = True
    return np.flatnonzero(seen).astype(np.int64)


def test_a_report_needs_the_duplicate_count() -> None:
    from custvalue._read import read_options, read_transactions, rows_report

    tx = _log(1_000, 10)
    opts = read_options({"amount_col": "amount"}, customer_table)
    rows = read_transactions(tx, opts, what="test", observation_end=None, count_duplicates=False)
    with pytest.raises(RuntimeError, match="without counting duplicates"):
        rows_report(rows, 1, {})


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
@pytest.mark.parametrize("period", ["s", "min", "h", "D", "W"])
def test_fixed_period_numbers_match_numpy_casts(unit: str, period: str) -> None:
    # the integer floor division of the fast path gives NumPy's cast results, before 1970,
    # on period boundaries and for NaT
    rng = np.random.default_rng(0)
    scale = {"ns": 10**9, "us": 10**6, "ms": 10**3, "s": 1}[unit]
    secs = rng.integers(-3 * 10**9, 3 * 10**9, 5_000)
    v = secs * scale + rng.integers(-2, 3, secs.size)
    v[:4] = [0, -1, 86400 * scale, -86400 * scale]
    t = v.astype(f"datetime64[{unit}]")
    t[7] = np.datetime64("NaT")
    if period == "W":
        expected = (t.astype("datetime64[D]").view("int64") + 3) // 7
    else:
        np_unit = {"s": "s", "min": "m", "h": "h", "D": "D"}[period]
        expected = t.astype(f"datetime64[{np_unit}]").view("int64")
    np.testing.assert_array_equal(period_numbers(t, period), expected)
