"""Customer pyramid tiers (VIP and metals schemes) and the value matrix."""

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


# ----------------------------------------------------------------- vip scheme
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
    with pytest.raises(ValueError, match="'vip' scheme only"):
        pyramid_tiers(v, scheme="metals", prospects=["z"])


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


def test_negative_policy_vip() -> None:
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


# ----------------------------------------------------------------- metals scheme
def test_metals_lead_is_negative_profit() -> None:
    v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    cost = pd.Series(20.0, index=v.index)
    # profit 480, 70, 20, -10, -15: the loss-makers are lead, zero-profit would be iron
    out = pyramid_tiers(v, scheme="metals", cost=cost, shares=(0.2, 0.2))
    assert out.tolist() == ["platinum", "gold", "iron", "lead", "lead"]
    assert list(out.cat.categories) == ["platinum", "gold", "iron", "lead"]
    # revenue only: no one costs more than they bring
    assert "lead" not in set(pyramid_tiers(v, scheme="metals"))
    zero = pyramid_tiers(pd.Series([5.0, 0.0]), scheme="metals", shares=(0.3, 0.2))
    assert zero.tolist() == ["platinum", "iron"]


def test_metals_defaults_5_15_rest() -> None:
    out = pyramid_tiers(_s(list(np.arange(1, 101, dtype=float))), scheme="metals")
    assert out.value_counts(sort=False).tolist() == [5, 15, 80, 0]


# ----------------------------------------------------------------- properties
vals_st = st.lists(st.integers(0, 1000).map(float), min_size=1, max_size=40)
scheme_st = st.sampled_from(["vip", "metals"])
by_st = st.sampled_from(["customers", "value"])


@settings(max_examples=60, deadline=None)
@given(vals_st, scheme_st, by_st, st.integers(1, 1000), st.randoms(use_true_random=False))
def test_pyramid_properties(v: list[float], scheme: str, by: str, c: int, rnd) -> None:  # type: ignore[no-untyped-def]
    s = _s(v)
    shares = (0.1, 0.2, 0.3) if scheme == "vip" else (0.1, 0.3)
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
    out = value_matrix(cur, fut, cost=cost, current_top=0.2, future_top=0.4)
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
    with pytest.raises(DataValidationError, match="customers with no value") as err:
        value_matrix(cur, pd.Series([1.0], index=["a"]))
    assert "'b'" in str(err.value)
    # one alignment policy: an extra customer raises too, it is not ignored
    with pytest.raises(DataValidationError, match="customers not in the table") as err:
        value_matrix(cur, pd.Series([1.0, 2.0, 3.0], index=["a", "b", "z"]))
    assert "'z'" in str(err.value)
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
    metals = pyramid_tiers(table, scheme="metals", cost=cost)
    assert metals.loc["c12"] == "lead"  # spent 5, costs 50
    vm = value_matrix(table["total_spend"], table["n_purchases"] * table["mean_spend"], cost=cost)
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


# ----------------------------------------------------------------- renames and shims
def test_default_scheme_is_vip() -> None:
    v = _s([5.0, 3.0, 1.0])
    assert pyramid_tiers(v).tolist() == pyramid_tiers(v, scheme="vip").tolist()
    assert list(PYRAMID_SCHEMES) == ["vip", "metals"]
    with pytest.raises(TypeError):
        PYRAMID_SCHEMES["gems"] = ("ruby",)  # type: ignore[index]


@pytest.mark.parametrize(("old", "new"), [("seeds", "vip"), ("zrl", "metals")])
def test_old_scheme_names_work_with_a_future_warning(old: str, new: str) -> None:
    v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    cost = pd.Series(20.0, index=v.index)
    expected = pyramid_tiers(v, scheme=new, cost=cost, negative="lowest")
    with pytest.warns(FutureWarning) as record:
        out = pyramid_tiers(v, scheme=old, cost=cost, negative="lowest")
    assert out.tolist() == expected.tolist()
    assert list(out.cat.categories) == list(PYRAMID_SCHEMES[new])
    msg = str(record[0].message)
    assert f"write scheme={new!r} instead" in msg and "removed in 0.4" in msg
    assert old not in msg  # the message names only the scheme's name of today


def test_no_user_visible_text_names_the_old_vip_scheme() -> None:
    import custvalue
    import custvalue.abc
    import custvalue.labels
    import custvalue.pyramid
    import custvalue.report
    import custvalue.rfm

    texts = [m.__doc__ or "" for m in (custvalue, custvalue.pyramid, custvalue.labels)]
    for mod in (custvalue, custvalue.abc, custvalue.pyramid, custvalue.rfm, custvalue.report):
        texts += [getattr(mod, name).__doc__ or "" for name in mod.__all__]
    assert not [t for t in texts if "seeds" in t.lower()]
    with pytest.raises(ValueError) as err:
        pyramid_tiers(_s([1.0]), scheme="diamond")
    assert "seeds" not in str(err.value) and "'vip', 'metals'" in str(err.value)


def test_cost_renamed_and_positional_cost_with_a_future_warning() -> None:
    cur = pd.Series([900.0, 50.0, 40.0, 30.0, 5.0], index=list("abcde"))
    fut = pd.Series([800.0, 700.0, 30.0, 20.0, 1.0], index=list("abcde"))
    cost = pd.Series([100.0, 10.0, 10.0, 10.0, 25.0], index=list("abcde"))
    expected = value_matrix(cur, fut, cost=cost).tolist()
    with pytest.warns(
        FutureWarning, match=r"write value_matrix\(current_value, future_value, cost=\.\.\.\)"
    ):
        assert value_matrix(cur, fut, cost).tolist() == expected
    with pytest.warns(FutureWarning, match="'cost_to_serve' was renamed 'cost'"):
        assert value_matrix(cur, fut, cost_to_serve=cost).tolist() == expected
    with pytest.warns(FutureWarning, match="'cost_to_serve' was renamed 'cost'"):
        old = pyramid_tiers(cur, scheme="metals", cost_to_serve=cost)
    assert old.tolist() == pyramid_tiers(cur, scheme="metals", cost=cost).tolist()
    # a scalar cost is one amount for everyone
    assert value_matrix(cur, fut, cost=20.0).tolist() == (
        value_matrix(cur, fut, cost=pd.Series(20.0, index=cur.index)).tolist()
    )
