"""ABC / Pareto: concentration curve, Gini, Pareto share, fixed and computed ABC classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue
from _segdata import hand_table
from custvalue import DataValidationError, abc_classes, concentration_curve, gini, pareto_share
from custvalue.abc import ABC_CLASSES, ABCLimits, abc_limits


def _s(values: list[float], prefix: str = "c") -> pd.Series:
    return pd.Series(values, index=[f"{prefix}{i}" for i in range(len(values))], dtype="float64")


# ----------------------------------------------------------------- concentration curve
def test_curve_hand_case() -> None:
    curve = concentration_curve(_s([1.0, 3.0, 6.0, 0.0]))
    np.testing.assert_allclose(curve["customer_share"], [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve["value_share"], [0, 0.6, 0.9, 1.0, 1.0])


def test_curve_is_concave_and_ends_at_one() -> None:
    rng = np.random.default_rng(1)
    curve = concentration_curve(_s(list(rng.lognormal(size=200))))
    y = curve["value_share"].to_numpy()
    assert y[0] == 0.0 and y[-1] == 1.0  # exact: the curve's end points are set, not summed
    assert np.all(np.diff(y, 2) <= 1e-12)  # slopes never increase


def test_gini_hand_cases() -> None:
    assert gini(_s([5.0] * 7)) == pytest.approx(0.0, abs=1e-15)
    # one customer holds everything: (n - 1) / n
    assert gini(_s([0.0, 0.0, 0.0, 0.0, 10.0])) == pytest.approx(0.8)
    # [1, 2, 3, 4]: 2 * (1 + 4 + 9 + 16) / (4 * 10) - 5 / 4 = 0.25
    assert gini(_s([4.0, 1.0, 3.0, 2.0])) == pytest.approx(0.25)


def test_gini_equals_one_minus_twice_lorenz_area() -> None:
    rng = np.random.default_rng(2)
    v = rng.gamma(0.5, size=500)
    curve = concentration_curve(_s(list(v)))
    # area between the ABC curve (descending order) and the diagonal is G / 2
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    assert gini(_s(list(v))) == pytest.approx(2 * area - 1, rel=1e-10)


def test_pareto_share_80_20_and_interpolation() -> None:
    assert pareto_share(_s([80.0, 5.0, 5.0, 5.0, 5.0]), top=0.2) == pytest.approx(0.8)
    # two customers 3 and 1: the top 25 % is half of the first customer -> 3/8
    assert pareto_share(_s([1.0, 3.0]), top=0.25) == pytest.approx(0.375)
    assert pareto_share(_s([1.0, 3.0]), top=0.0) == 0.0
    assert pareto_share(_s([1.0, 3.0]), top=1.0) == 1.0
    with pytest.raises(ValueError, match="top"):
        pareto_share(_s([1.0, 3.0]), top=1.5)


@pytest.mark.parametrize("func", [concentration_curve, gini, pareto_share])
def test_concentration_measures_reject_negative_and_nan(func) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataValidationError, match="negative values"):
        func(_s([3.0, -1.0]))
    with pytest.raises(DataValidationError, match="missing values"):
        func(_s([3.0, np.nan]))
    with pytest.raises(DataValidationError, match="not positive"):
        func(_s([0.0, 0.0]))


# ----------------------------------------------------------------- fixed ABC
def test_fixed_hand_case() -> None:
    v = _s([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])
    # cumulative share before each customer: 0, .6, .8, .9, .95, .98
    out = abc_classes(v)
    assert out.tolist() == ["A", "A", "B", "B", "C", "C"]
    assert out.name == "abc_class"
    assert list(out.cat.categories) == ["A", "B", "C"] and out.cat.ordered
    assert out.attrs == {}  # no side channel: the limits come from abc_limits
    limits = abc_limits(v)
    assert limits.method == "fixed" and limits.cutoffs == (0.8, 0.95)
    assert limits.a_min_value == 20.0
    assert limits.b_min_value == 5.0
    # A is 2 of 6 customers with 80 % of the value; A and B 4 of 6 with 95 %
    assert limits.a_limit == (2 / 6, 0.8) and limits.b_limit == (4 / 6, 0.95)
    assert limits.pareto_point is None and limits.ab_exchanged is None


def test_fixed_tie_block_inside_a_cutoff_goes_to_higher_class() -> None:
    # 40 | 20 20 20: the 50 % cutoff falls inside the block of 20s -> all A
    out = abc_classes(_s([20.0, 40.0, 20.0, 20.0]), cutoffs=(0.5, 0.9))
    assert out.tolist() == ["A", "A", "A", "A"]
    # 50 | 10 x 5: the 80 % cutoff falls inside the 10s -> every 10 is A
    assert set(abc_classes(_s([50.0] + [10.0] * 5))) == {"A"}
    # a cutoff exactly at a block start does not pull the block up; C empty but present
    out = abc_classes(_s([50.0] + [10.0] * 5), cutoffs=(0.5, 0.95))
    assert out.tolist() == ["A"] + ["B"] * 5
    assert list(out.cat.categories) == ["A", "B", "C"]


def test_zero_values_are_class_c() -> None:
    out = abc_classes(_s([10.0, 0.0, 5.0, 0.0]))
    assert out.iloc[1] == "C" and out.iloc[3] == "C"
    out = abc_classes(_s([10.0, 0.0, 5.0, 0.0]), method="computed")
    assert out.iloc[1] == "C" and out.iloc[3] == "C"


def test_negative_policy() -> None:
    v = _s([100.0, 50.0, -20.0, 10.0])
    with pytest.raises(DataValidationError, match="negative values"):
        abc_classes(v)
    # the others alone: 100, 50, 10 (total 160): shares before 0, 0.625, 0.9375
    out = abc_classes(v, negative="class_c")
    assert out.tolist() == ["A", "A", "C", "B"]
    assert abc_limits(v, negative="class_c").n_negative == 1
    with pytest.raises(ValueError, match="negative="):
        abc_classes(v, negative="drop")


def test_profit_mode_margin_and_cost() -> None:
    rev = _s([100.0, 90.0, 10.0])
    cost = pd.Series([80.0, 0.0, 0.0], index=rev.index[::-1])  # any order, aligned by id
    # profit = revenue * 1.0 - cost: c0 100, c1 90, c2 10 - 80 < 0
    out = abc_classes(rev, cost=cost, negative="class_c")
    assert out.loc["c2"] == "C"
    # margin 0.5 for everyone changes no class (scale invariance)
    assert abc_classes(rev, margin=0.5).tolist() == abc_classes(rev).tolist()
    # per-customer margins reorder customers
    m = pd.Series([0.1, 0.9, 0.9], index=rev.index)
    assert abc_classes(rev, margin=m, cutoffs=(0.5, 0.9)).loc["c1"] == "A"


def test_cost_and_margin_validation_lists_ids() -> None:
    rev = _s([100.0, 90.0, 10.0])
    cost = pd.Series([1.0, 2.0], index=["c0", "zz"])
    with pytest.raises(DataValidationError) as err:
        abc_classes(rev, cost=cost)
    msg = str(err.value)
    assert "customers with no value" in msg and "'c1'" in msg
    assert "customers not in the table" in msg and "'zz'" in msg
    with pytest.raises(DataValidationError, match="missing values"):
        abc_classes(rev, margin=pd.Series([0.1, np.nan, 0.2], index=rev.index))
    with pytest.raises(DataValidationError, match="values must be >= 0"):
        abc_classes(rev, cost=pd.Series([-1.0, 0.0, 0.0], index=rev.index))
    with pytest.raises(ValueError, match="margin"):
        abc_classes(rev, margin=1.5)


def test_bad_arguments() -> None:
    v = _s([3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="method"):
        abc_classes(v, method="kmeans")
    with pytest.raises(ValueError, match="increasing"):
        abc_classes(v, cutoffs=(0.9, 0.8))
    with pytest.raises(TypeError, match="Series"):
        abc_classes([3.0, 2.0])
    with pytest.raises(DataValidationError, match="duplicate customer ids"):
        abc_classes(pd.Series([1.0, 2.0], index=["a", "a"]))


# ----------------------------------------------------------------- computed ABC
def test_computed_hand_case() -> None:
    # 60 20 10 5 3 2 (total 100, n = 6, mean 16.7):
    # Pareto point: distances to (0,1) 0.188, 0.151, 0.26 -> x = 2/6 (0.333, 0.8)
    # break-even: values >= mean are 60, 20 -> x = 2/6, so A/B limit at 2/6
    # submarginal point, nearest (2/6, 1): 0.04, 0.0378, 0.114 -> x = 3/6 (0.5, 0.9)
    v = _s([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])
    res = abc_limits(v, method="computed")
    assert res.pareto_point == pytest.approx((1 / 3, 0.8))
    assert res.break_even_point == pytest.approx((1 / 3, 0.8))
    assert res.submarginal_point == pytest.approx((0.5, 0.9))
    assert not res.ab_exchanged
    out = abc_classes(v, method="computed")
    assert out.tolist() == ["A", "A", "B", "C", "C", "C"]
    assert res.a_limit == pytest.approx((1 / 3, 0.8)) and res.b_limit == pytest.approx((0.5, 0.9))


def test_computed_break_even_before_pareto_is_exchanged() -> None:
    # 100, 10, 9, ..., 1: only 100 is above the mean (15.5) -> break-even at x = 1/11,
    # left of the Pareto point, so the A/B limit is the break-even point.
    v = _s([100.0, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    res = abc_limits(v, method="computed")
    assert res.ab_exchanged
    assert res.break_even_point[0] == pytest.approx(1 / 11)
    assert res.ab_point == res.break_even_point
    assert res.a_min_value == 100.0


# cABCanalysis 1.0.1 (CRAN, Lötsch & Himmelspach 2026), tests/testthat/test-cABC_analysis.R:
# documented class memberships (1-based indices there, 0-based here). Zeros stand for the
# NA / non-numeric entries that package turns into 0. Only cases where no tie block is cut
# by a limit are used (there the package uses a majority vote, here the higher class).
@pytest.mark.parametrize(
    ("data", "a", "b", "c"),
    [
        ([10, 5, 0, 3, 0, 0], [0], [1], [2, 3, 4, 5]),  # "character input"
        ([10, 10, 10, 5, 5, 5, 1, 1, 1], [0, 1, 2], [3, 4, 5], [6, 7, 8]),  # "BC duplicates"
        ([100, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [0], None, None),  # "high value point"
        ([10, 0, 5, 7, 0, 3], [0, 3], [2], [1, 4, 5]),  # "input with NA values"
        ([1] * 13, list(range(13)), [], []),  # "identical values"
    ],
)
def test_computed_matches_cabcanalysis_documented_cases(
    data: list[float], a: list[int], b: list[int] | None, c: list[int] | None
) -> None:
    out = abc_classes(_s([float(x) for x in data]), method="computed").to_numpy()
    assert list(np.flatnonzero(out == "A")) == a
    if b is not None:
        assert list(np.flatnonzero(out == "B")) == b
    if c is not None:
        assert list(np.flatnonzero(out == "C")) == c


def test_computed_uniform_values_are_all_a() -> None:
    out = abc_classes(_s([7.0] * 50), method="computed")
    assert set(out) == {"A"}


def test_computed_exponential_sample_limits_in_range() -> None:
    rng = np.random.default_rng(3)
    v = _s(list(rng.exponential(size=5000)))
    res = abc_limits(v, method="computed")
    # break-even: the customers with value >= the mean, about exp(-1) = 36.8 % of them
    assert res.break_even_point[0] == pytest.approx(np.mean(v >= v.mean()), abs=1e-12)
    assert 0 < res.ab_point[0] <= res.submarginal_point[0] <= 1
    out = abc_classes(v, method="computed")
    assert (out == "A").mean() == pytest.approx(res.ab_point[0], abs=1e-12)


# ----------------------------------------------------------------- properties
values_st = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6)),
    min_size=1,
    max_size=40,
).filter(lambda v: sum(v) > 0)
ints_st = st.lists(st.integers(0, 10_000), min_size=1, max_size=40).filter(lambda v: sum(v) > 0)
method_st = st.sampled_from(["fixed", "computed"])


@settings(max_examples=80, deadline=None)
@given(values_st, method_st, st.integers(-20, 20))
def test_scaling_by_power_of_two_changes_no_class(v: list[float], method: str, k: int) -> None:
    s = _s(v)
    assert abc_classes(s * 2.0**k, method=method).tolist() == abc_classes(s, method=method).tolist()


@settings(max_examples=80, deadline=None)
@given(ints_st, method_st, st.integers(1, 1000))
def test_scaling_integer_amounts_changes_no_class(v: list[int], method: str, c: int) -> None:
    # e.g. dollars -> cents: integer sums are exact, so shares are identical
    s = _s([float(x) for x in v])
    assert abc_classes(s * c, method=method).tolist() == abc_classes(s, method=method).tolist()


@settings(max_examples=80, deadline=None)
@given(values_st, method_st, st.randoms(use_true_random=False))
def test_more_value_never_lower_class_and_order_free(v: list[float], method: str, rnd) -> None:  # type: ignore[no-untyped-def]
    s = _s(v)
    out = abc_classes(s, method=method)
    codes = out.cat.codes.to_numpy()
    arr = s.to_numpy()
    hi = arr[:, None] > arr[None, :]
    assert not np.any(hi & (codes[:, None] > codes[None, :]))
    eq = arr[:, None] == arr[None, :]
    assert not np.any(eq & (codes[:, None] != codes[None, :]))
    assert list(out.cat.categories) == list(ABC_CLASSES)
    perm = list(s.index)
    rnd.shuffle(perm)
    assert abc_classes(s.loc[perm], method=method).loc[s.index].tolist() == out.tolist()


def test_on_customer_table() -> None:
    table = hand_table()
    out = abc_classes(table)
    assert out.index.equals(table.index)
    # c10 (900) and c01 (2500) are the biggest spenders
    assert out.loc["c01"] == "A" and out.loc["c10"] == "A"
    assert out.loc["c12"] == "C"
    assert abc_classes(table, method="computed").loc["c01"] == "A"
    assert 0 < gini(table) < 1
    assert pareto_share(table, top=0.2) > 0.5
    assert len(concentration_curve(table)) == len(table) + 1


def test_public_api_and_module_import() -> None:
    import custvalue.abc as mod

    assert custvalue.abc_classes is mod.abc_classes
    assert "abc_classes" in custvalue.__all__


@pytest.mark.parametrize(
    "dtype", ["float64", "Float64", "Int64", "int64[pyarrow]", "double[pyarrow]"]
)
def test_dtype_backends_give_identical_classes(dtype: str) -> None:
    base = pd.Series([60, 20, 10, 5, 3, 2], index=pd.Index([9, 8, 7, 6, 5, 4], dtype="int64"))
    expected = abc_classes(base.astype("float64"), method="computed")
    out = abc_classes(base.astype(dtype), method="computed")
    assert out.tolist() == expected.tolist()
    assert out.index.equals(base.index) and out.index.dtype == base.index.dtype
    with pytest.raises(TypeError, match="numeric"):
        abc_classes(base.astype(str))


def test_concentration_shares_never_exceed_one() -> None:
    # many zeros at the end used to push the value share above 1 by rounding (1.3e-15)
    rng = np.random.default_rng(7)
    for _ in range(200):
        v = np.concatenate([rng.gamma(0.5, 30.0, 111).round(2), np.zeros(89)])
        curve = concentration_curve(pd.Series(v))
        share = curve["value_share"].to_numpy()
        assert share.max() == 1.0 and share[-1] == 1.0
        assert np.all(np.diff(share) >= 0)


# ----------------------------------------------------------------- limits and shims
def test_limits_are_what_the_classes_apply() -> None:
    rng = np.random.default_rng(4)
    v = _s(list(np.concatenate([rng.gamma(0.7, 50.0, 300).round(2), np.zeros(40)])))
    curve = concentration_curve(v)
    for method in ("fixed", "computed"):
        out = abc_classes(v, method=method)
        limits = abc_limits(v, method=method)
        assert isinstance(limits, ABCLimits)
        assert (out == "A").tolist() == (v >= limits.a_min_value).tolist()
        assert (out != "C").tolist() == (v >= limits.b_min_value).tolist()
        # a_limit and b_limit are vertices of the concentration curve (zeros included)
        for point, classes in ((limits.a_limit, {"A"}), (limits.b_limit, {"A", "B"})):
            k = int(out.isin(classes).sum())
            assert point[0] == curve["customer_share"].iloc[k]
            assert point[1] == curve["value_share"].iloc[k]
    computed = abc_limits(v, method="computed")
    # the paper's points are on the curve of the positive values: customer shares differ
    n_pos = int((v > 0).sum())
    assert computed.ab_point is not None
    assert computed.ab_point[0] == pytest.approx(computed.a_limit[0] * len(v) / n_pos)


def test_limits_as_dict_has_the_keys_attrs_had() -> None:
    # the 0.1 attrs["abc"] keys, for fixed and for computed limits
    v = _s([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])
    fixed = abc_limits(v).as_dict()
    assert {"method", "n_negative", "cutoffs", "a_min_value", "b_min_value"} <= set(fixed)
    computed = abc_limits(v, method="computed").as_dict()
    assert {
        "method",
        "n_negative",
        "a_min_value",
        "b_min_value",
        "pareto_point",
        "break_even_point",
        "submarginal_point",
        "ab_point",
        "ab_exchanged",
    } <= set(computed)
    assert computed["submarginal_point"] == pytest.approx((0.5, 0.9))


def test_old_calls_still_work_with_a_future_warning() -> None:
    v = _s([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])
    cost = pd.Series(1.0, index=v.index)
    expected = abc_classes(v, method="computed")
    with pytest.warns(FutureWarning, match=r"write abc_classes\(values, method=\.\.\.\)"):
        assert abc_classes(v, "computed").tolist() == expected.tolist()
    with pytest.warns(FutureWarning, match="method, cutoffs by keyword"):
        assert abc_classes(v, "fixed", (0.5, 0.9)).tolist() == ["A", "B", "B", "C", "C", "C"]
    with pytest.warns(FutureWarning, match="'cost_to_serve' was renamed 'cost'"):
        old = abc_classes(v, cost_to_serve=cost)
    assert old.tolist() == abc_classes(v, cost=cost).tolist()
    with pytest.warns(FutureWarning, match="pass top by keyword"):
        assert pareto_share(v, 0.5) == pareto_share(v, top=0.5)
    for func in (concentration_curve, gini, abc_limits):
        with pytest.warns(FutureWarning, match="write cost=... instead"):
            func(v, cost_to_serve=cost)
    with pytest.raises(TypeError, match="pass only cost="):
        abc_classes(v, cost=cost, cost_to_serve=cost)


def test_computed_abc_names_of_0_1_still_work() -> None:
    v = _s([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])
    with pytest.warns(FutureWarning, match="renamed ABCLimits"):
        from custvalue.abc import ComputedABC
    assert ComputedABC is ABCLimits
    from custvalue.abc import computed_abc

    with pytest.warns(FutureWarning, match=r"abc_limits\(values, method='computed'\)"):
        res = computed_abc(v)
    assert res == abc_limits(v, method="computed")
    with pytest.raises(AttributeError, match="no attribute"):
        custvalue.abc.nothing  # noqa: B018


def test_scalar_cost_is_one_amount_for_everyone() -> None:
    rev = _s([100.0, 90.0, 10.0])
    same = pd.Series(20.0, index=rev.index)
    assert abc_classes(rev, cost=20.0, negative="class_c").tolist() == (
        abc_classes(rev, cost=same, negative="class_c").tolist()
    )
    with pytest.raises(ValueError, match="cost"):
        abc_classes(rev, cost=-1.0)


def test_margin_rule_is_one_for_scalars_and_series() -> None:
    rev = _s([100.0, 90.0, 10.0])
    with pytest.raises(ValueError, match="margin"):
        abc_classes(rev, margin=0.0)
    with pytest.raises(DataValidationError, match="margin"):
        abc_classes(rev, margin=pd.Series([0.5, 1.5, 0.5], index=rev.index))
    with pytest.raises(DataValidationError, match="margin"):
        abc_classes(rev, margin=pd.Series([0.5, -0.5, 0.5], index=rev.index))
