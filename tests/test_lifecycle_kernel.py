"""The purchase-rhythm kernel of lifecycle stages and churn against plain definitions.

custvalue._rhythm computes per-customer medians with one sort of (run, value) keys and
index arithmetic (one or two gaps from the span of the run, without a sort), and window
counts from run layouts. Each is held here to
the plain computation it replaces: numpy's median per group, the gaps before the last one,
counting in a Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue._rhythm as rh
from custvalue import churn_status, explain_lifecycle, lifecycle_stages
from custvalue._population import purchase_rhythm
from custvalue._read import read_options

START = pd.Timestamp("2024-01-01")

runs = st.lists(st.lists(st.integers(0, 60), min_size=0, max_size=9), min_size=1, max_size=30)


def _plain(groups: list[list[int]], how: str) -> np.ndarray:
    f = np.median if how == "median" else np.mean
    return np.array([f(g) if g else np.nan for g in groups], dtype=np.float64)


@settings(max_examples=150, deadline=None)
@given(runs, st.sampled_from(["median", "mean"]))
def test_run_center_is_the_plain_median_or_mean(groups: list[list[int]], how: str) -> None:
    values = np.array([v for g in groups for v in g], dtype=np.int64)
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    got = rh.run_center(values, counts, how)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, _plain(groups, how))


def test_run_center_with_keys_too_wide_for_one_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    groups = [[5, 1, 9, 3], [], [2], [7, 7, 1], [4, 8]]
    values = np.array([v for g in groups for v in g], dtype=np.int64)
    counts = np.array([len(g) for g in groups])
    monkeypatch.setattr(rh, "_KEY_LIMIT", 1)  # forces the lexsort route
    np.testing.assert_array_equal(rh.run_center(values, counts, "median"), _plain(groups, "median"))


def _history(days: dict[str, list[int]]) -> rh.History:
    tx = pd.DataFrame(
        [(c, START + pd.Timedelta(days=d)) for c, ds in days.items() for d in ds],
        columns=["customer_id", "timestamp"],
    )
    opts = read_options({}, rh.read_history)
    return rh.read_history(
        tx, "test", product_col=None, need_spend=False, observation_end=None, opts=opts
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 300), min_size=1, max_size=12), min_size=1, max_size=12),
    st.sampled_from(["median", "mean"]),
    st.integers(0, 2**16),
)
def test_gap_center_is_the_plain_center_of_the_gaps(
    days: list[set[int]], how: str, seed: int
) -> None:
    # runs laid end to end, and a selection of them
    period = np.concatenate([np.array(sorted(ds), dtype=np.int64) for ds in days])
    n = np.array([len(ds) for ds in days])
    start = np.cumsum(n) - n
    f = np.median if how == "median" else np.mean
    plain = [f(np.diff(sorted(ds))) if len(ds) > 1 else np.nan for ds in days]
    np.testing.assert_array_equal(rh.gap_center(period, start, n, how), plain)  # type: ignore[arg-type]
    pick = np.random.default_rng(seed).random(len(days)) < 0.5
    got = rh.gap_center(period, start, n, how, select=pick)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, np.array(plain)[pick])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 300), min_size=1, max_size=12), min_size=2, max_size=12),
    st.sampled_from(["median", "mean"]),
)
def test_prior_rhythm_and_last_gap_are_the_plain_ones(days: list[set[int]], how: str) -> None:
    hist = {f"c{i:02d}": sorted(ds) for i, ds in enumerate(days)}
    p = _history(hist)
    r = purchase_rhythm(p, how, 1, 7.0)  # type: ignore[arg-type]
    f = np.median if how == "median" else np.mean
    for i, cust in enumerate(p.ids):
        g = np.diff(hist[cust])
        assert r.rhythm[i] == (f(g) if g.size else 7.0)
        # the gaps before the last one decide "reactivated"; none: the population's
        assert r.prior[i] == (f(g[:-1]) if g.size > 1 else 7.0)
        assert (r.last_gap[i] == g[-1]) if g.size else np.isnan(r.last_gap[i])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.integers(0, 200), min_size=1, max_size=10), min_size=1, max_size=10))
def test_window_counts_are_the_plain_counts(days: list[set[int]]) -> None:
    hist = {f"c{i:02d}": sorted(ds) for i, ds in enumerate(days)}
    p = _history(hist)
    rng = np.random.default_rng(len(days))
    w = rng.uniform(1, 120, len(p.ids))
    recent, earlier = rh.window_pair(p, w, None)
    spend = rng.uniform(0, 10, p.age.size)
    s_recent, s_earlier = rh.window_pair(p, w, spend)
    for i in range(len(p.ids)):
        ages = p.age[p.first[i] : p.last[i] + 1]
        sp = spend[p.first[i] : p.last[i] + 1]
        assert recent[i] == np.sum(ages < w[i])
        assert earlier[i] == np.sum((ages >= w[i]) & (ages < 2 * w[i]))
        assert s_recent[i] == pytest.approx(sp[ages < w[i]].sum())
        assert s_earlier[i] == pytest.approx(sp[(ages >= w[i]) & (ages < 2 * w[i])].sum())
    np.testing.assert_array_equal(rh.window_sums(p, w, None, None), recent)
    np.testing.assert_array_equal(rh.window_sums(p, 2 * w, w, None), earlier)


def test_ids_coded_out_of_order_give_the_same_results() -> None:
    # string ids are coded in order of appearance, not of the ids: the history is then
    # re-sorted in id order (the other path keeps the reader's order); both must agree
    rng = np.random.default_rng(3)
    n = 3_000
    cust = rng.integers(0, 400, n)
    tx = pd.DataFrame(
        {
            "customer_id": cust,
            "timestamp": START + pd.to_timedelta(rng.integers(0, 200, n), "D"),
            "product": rng.choice(["a", "b", "c"], n),
            "amount": rng.uniform(1, 20, n).round(2),
        }
    )
    as_str = tx.assign(customer_id=[f"id{c:04d}" for c in cust])
    for kw in ({}, {"trend_on": "spend", "amount_col": "amount"}, {"rhythm": "mean"}):
        a = explain_lifecycle(tx, **kw)  # type: ignore[arg-type]
        b = explain_lifecycle(as_str, **kw)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
        )
    c1, c2 = churn_status(tx), churn_status(as_str)
    assert c1["churn_status"].tolist() == c2["churn_status"].tolist()
    assert c1["dropped_lines"].tolist() == c2["dropped_lines"].tolist()
    stages = lifecycle_stages(as_str)
    assert list(stages.index) == sorted(stages.index)


def test_dropped_lines_beyond_the_bit_mask_path() -> None:
    # more than 16 product lines: the dropped lines are cut from the sorted pairs instead
    lines = [f"line{i:02d}" for i in range(20)]
    rows = [("a", d, "line00") for d in range(0, 101, 10)]
    rows += [("a", d, ln) for ln in lines[1:] for d in range(0, 41, 10)]  # 19 lines dropped
    rows += [("b", d, ln) for ln in lines for d in range(0, 101, 10)]
    tx = pd.DataFrame(
        [(c, START + pd.Timedelta(days=d), p) for c, d, p in rows],
        columns=["customer_id", "timestamp", "product"],
    )
    out = churn_status(tx)
    assert out.loc["a", "dropped_lines"] == tuple(lines[1:])
    assert out.loc["a", "n_dropped_lines"] == 19
    assert out.loc["b", "dropped_lines"] == ()
