"""Customer pyramid tiers (seeds, Zeithaml-Rust-Lemon) and the value matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _segdata import hand_table
from custvalue import DataValidationError, pyramid_tiers, value_matrix
from custvalue.pyramid import PYRAMID_SCHEMES, VALUE_CLASSES


def _s(values: list[float]) -> pd.Series:
    return pd.Series(values, index=[f"c{i:03d}" for i in range(len(values))], dtype="float64")


# ----------------------------------------------------------------- seeds scheme
def test_default_shares_give_1_4_15_80_percent() -> None:
    v = _s(list(np.arange(100, 0, -1, dtype=float)))
    out = pyramid_tiers(v)
    counts = out.value_counts(sort=False)
    # Curry & Curry customer pyramid: top 1 %, big 4 %, medium 15 %, small 80 %
    assert counts.tolist() == [1, 4, 15, 80, 0]
    assert list(out.cat.categories) == ["vip", "major", "ordinary", "small", "potential"]
    assert out.cat.ordered and out.name == "pyramid_tier"
    assert out.iloc[0] == "vip" and out.iloc[-1] == "small"


def test_hand_case_with_prospects() -> None:
    v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    out = pyramid_tiers(v, shares=(0.2, 0.2, 0.2), prospects=["p1", "p2"])
    assert out.tolist() == ["vip", "major", "ordinary", "small", "small", "potential", "potential"]
    assert list(out.index) == ["a", "b", "c", "d", "e", "p1", "p2"]


def test_prospects_must_not_have_values() -> None:
    v = pd.Series([5.0, 1.0], index=["a", "b"])
    with pytest.raises(DataValidationError, match="also have values"):
        pyramid_tiers(v, prospects=["b", "z"])
    with pytest.raises(ValueError, match="seeds"):
        pyramid_tiers(v, scheme="zrl", prospects=["z"])


def test_by_value_shares() -> None:
    v = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], index=list("abcde"))
    # value share before each: 0, .5, .8, .9, .96; limits .5, .8, .9
    out = pyramid_tiers(v, by="value", shares=(0.5, 0.3, 0.1))
    assert out.tolist() == ["vip", "major", "ordinary", "small", "small"]
    with pytest.raises(ValueError, match="no published default"):
        pyramid_tiers(v, by="value")


def test_tie_block_on_a_limit_stays_together() -> None:
    # 10 customers, VIP share 10 %: the two top customers tie -> both VIP
    v = _s([9.0, 9.0, 5, 4, 3, 2, 1, 1, 1, 1])
    out = pyramid_tiers(v, shares=(0.1, 0.2, 0.3))
    assert out.iloc[0] == out.iloc[1] == "vip"
    assert (out.iloc[6:] == out.iloc[6]).all()


def test_negative_policy_seeds() -> None:
    v = pd.Series([10.0, -5.0, 3.0], index=list("abc"))
    with pytest.raises(DataValidationError, match="negative values"):
        pyramid_tiers(v)
    out = pyramid_tiers(v, negative="lowest", shares=(0.5, 0.2, 0.2))
    assert out.tolist() == ["vip", "small", "major"]


def test_shares_validation() -> None:
    v = _s([3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="needs 3 shares"):
        pyramid_tiers(v, shares=(0.1, 0.2))
    with pytest.raises(ValueError, match="at most 1"):
        pyramid_tiers(v, shares=(0.5, 0.4, 0.2))
    with pytest.raises(ValueError, match="scheme"):
        pyramid_tiers(v, scheme="diamond")


# ----------------------------------------------------------------- zrl scheme
def test_zrl_lead_is_negative_profit() -> None:
    v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    cost = pd.Series(20.0, index=v.index)
    # profit 480, 70, 20, -10, -15: the loss-makers are lead, zero-profit would be iron
    out = pyramid_tiers(v, scheme="zrl", cost_to_serve=cost, shares=(0.2, 0.2))
    assert out.tolist() == ["platinum", "gold", "iron", "lead", "lead"]
    assert list(out.cat.categories) == ["platinum", "gold", "iron", "lead"]
    # revenue only: no one costs more than they bring
    assert "lead" not in set(pyramid_tiers(v, scheme="zrl"))
    zero = pyramid_tiers(pd.Series([5.0, 0.0]), scheme="zrl", shares=(0.3, 0.2))
    assert zero.tolist() == ["platinum", "iron"]


def test_zrl_defaults_5_15_rest() -> None:
    out = pyramid_tiers(_s(list(np.arange(1, 101, dtype=float))), scheme="zrl")
    assert out.value_counts(sort=False).tolist() == [5, 15, 80, 0]


# ----------------------------------------------------------------- properties
vals_st = st.lists(st.integers(0, 1000).map(float), min_size=1, max_size=40)
scheme_st = st.sampled_from(["seeds", "zrl"])
by_st = st.sampled_from(["customers", "value"])


@settings(max_examples=60, deadline=None)
@given(vals_st, scheme_st, by_st, st.integers(1, 1000), st.randoms(use_true_random=False))
def test_pyramid_properties(v: list[float], scheme: str, by: str, c: int, rnd) -> None:  # type: ignore[no-untyped-def]
    s = _s(v)
    shares = (0.1, 0.2, 0.3) if scheme == "seeds" else (0.1, 0.3)
    if by == "value" and s.sum() == 0:
        with pytest.raises(DataValidationError):
            pyramid_tiers(s, scheme=scheme, by=by, shares=shares)
        return
    out = pyramid_tiers(s, scheme=scheme, by=by, shares=shares)
    assert list(out.cat.categories) == list(PYRAMID_SCHEMES[scheme])
    codes = out.cat.codes.to_numpy()
    arr = s.to_numpy()
    assert not np.any((arr[:, None] > arr[None, :]) & (codes[:, None] > codes[None, :]))
    assert not np.any((arr[:, None] == arr[None, :]) & (codes[:, None] != codes[None, :]))
    # scaling by a positive constant (integer amounts: exact) changes no tier
    scaled = pyramid_tiers(s * c, scheme=scheme, by=by, shares=shares)
    assert scaled.tolist() == out.tolist()
    perm = list(s.index)
    rnd.shuffle(perm)
    again = pyramid_tiers(s.loc[perm], scheme=scheme, by=by, shares=shares)
    assert again.loc[s.index].tolist() == out.tolist()


# ----------------------------------------------------------------- value matrix
def test_value_matrix_hand_case() -> None:
    cur = pd.Series([900.0, 50.0, 40.0, 30.0, 5.0], index=list("abcde"))
    fut = pd.Series([800.0, 700.0, 30.0, 20.0, 1.0], index=list("abcde"))
    cost = pd.Series([100.0, 10.0, 10.0, 10.0, 25.0], index=list("abcde"))
    out = value_matrix(cur, fut, cost, current_top=0.2, future_top=0.4)
    # profit 800, 40, 30, 20, -20; high current: a; high future: a, b
    assert out.tolist() == ["most_valuable", "most_growable", "maintain", "maintain", "below_zero"]
    assert list(out.cat.categories) == list(VALUE_CLASSES)
    assert out.name == "value_class" and out.cat.ordered


def test_value_matrix_loss_maker_with_high_future_is_growable() -> None:
    cur = pd.Series([-10.0, 100.0, 1.0])
    fut = pd.Series([1000.0, 5.0, 2.0])
    out = value_matrix(cur, fut, current_threshold=50.0, future_threshold=500.0)
    assert out.tolist() == ["most_growable", "most_valuable", "maintain"]
    out = value_matrix(cur, fut, current_threshold=50.0, future_threshold=5000.0)
    assert out.tolist() == ["below_zero", "most_valuable", "maintain"]


def test_value_matrix_alignment_and_nan() -> None:
    cur = pd.Series([1.0, 2.0], index=["a", "b"])
    with pytest.raises(DataValidationError, match="missing here"):
        value_matrix(cur, pd.Series([1.0], index=["a"]))
    with pytest.raises(DataValidationError, match="missing values"):
        value_matrix(cur, pd.Series([1.0, np.nan], index=["a", "b"]))
    # future values in another order are aligned by id
    out = value_matrix(cur, pd.Series([9.0, 1.0], index=["b", "a"]), future_top=0.5)
    # b: top current value -> most valuable; a: neither high -> maintain
    assert out.tolist() == ["maintain", "most_valuable"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 500), st.integers(0, 500)), min_size=1, max_size=30))
def test_value_matrix_categories_complete_and_rules_hold(rows) -> None:  # type: ignore[no-untyped-def]
    cur = _s([float(a) for a, _ in rows])
    fut = _s([float(b) for _, b in rows])
    out = value_matrix(cur, fut)
    assert list(out.cat.categories) == list(VALUE_CLASSES)
    assert not out.isna().any()
    # below zero only for loss-makers; most valuable never a loss-maker
    assert (cur[out == "below_zero"] < 0).all()
    assert (cur[out == "most_valuable"] >= 0).all()


def test_on_customer_table() -> None:
    table = hand_table()
    out = pyramid_tiers(table, shares=(0.1, 0.2, 0.3), prospects=["p1"])
    assert out.loc["c01"] == "vip" and out.loc["p1"] == "potential"
    cost = pd.Series(50.0, index=table.index)
    zrl = pyramid_tiers(table, scheme="zrl", cost_to_serve=cost)
    assert zrl.loc["c12"] == "lead"  # spent 5, costs 50
    vm = value_matrix(table["total_spend"], table["n_purchases"] * table["mean_spend"], cost)
    assert vm.loc["c01"] == "most_valuable" and vm.loc["c12"] == "below_zero"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-50, 500), st.integers(0, 500)), min_size=1, max_size=30),
    st.integers(1, 100),
    st.randoms(use_true_random=False),
)
def test_value_matrix_scale_and_order_free(rows, c: int, rnd) -> None:  # type: ignore[no-untyped-def]
    cur = _s([float(a) for a, _ in rows])
    fut = _s([float(b) for _, b in rows])
    out = value_matrix(cur, fut)
    assert value_matrix(cur * c, fut * c).tolist() == out.tolist()
    perm = list(cur.index)
    rnd.shuffle(perm)
    assert value_matrix(cur.loc[perm], fut).loc[cur.index].tolist() == out.tolist()
