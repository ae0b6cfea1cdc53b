"""segment_report: per-segment counts, shares and values, stable rows, display labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _segdata import hand_table
from custvalue import (
    DataValidationError,
    abc_classes,
    pyramid_tiers,
    rfm_scores,
    rfm_segments,
    segment_report,
)


def _abc(codes: list[str], index: list[str]) -> pd.Series:
    cat = pd.Categorical(codes, categories=["A", "B", "C"], ordered=True)
    return pd.Series(cat, index=index, name="abc_class")


def test_hand_case_with_empty_segment() -> None:
    t = pd.DataFrame({"total_spend": [60.0, 30.0, 10.0]}, index=["a", "b", "c"])
    rep = segment_report(t, _abc(["C", "A", "A"], ["c", "a", "b"]))  # labels in any order
    assert list(rep.index) == ["A", "B", "C"] and rep.index.name == "abc_class"
    assert rep["n_customers"].tolist() == [2, 0, 1]
    np.testing.assert_allclose(rep["customer_share"], [2 / 3, 0, 1 / 3])
    np.testing.assert_allclose(rep["total_value"], [90.0, 0.0, 10.0])
    np.testing.assert_allclose(rep["value_share"], [0.9, 0.0, 0.1])
    assert rep["mean_value"].iloc[0] == 45.0 and np.isnan(rep["mean_value"].iloc[1])


def test_value_series_and_languages() -> None:
    t = pd.DataFrame({"total_spend": [60.0, 30.0, 10.0]}, index=["a", "b", "c"])
    profit = pd.Series([10.0, 20.0, -5.0], index=["c", "b", "a"], name="profit")
    rep = segment_report(t, _abc(["A", "A", "C"], ["a", "b", "c"]), value=profit, lang="en")
    assert list(rep.index) == ["Class A", "Class B", "Class C"]
    np.testing.assert_allclose(rep["total_value"], [15.0, 0.0, 10.0])
    zh = segment_report(t, _abc(["A", "A", "C"], ["a", "b", "c"]), lang="zh")
    assert list(zh.index) == ["A类客户", "B类客户", "C类客户"]
    with pytest.raises(ValueError, match="lang"):
        segment_report(t, _abc(["A", "A", "C"], ["a", "b", "c"]), lang="fr")


def test_misaligned_or_missing_labels_raise() -> None:
    t = pd.DataFrame({"total_spend": [60.0, 30.0]}, index=["a", "b"])
    with pytest.raises(DataValidationError) as err:
        segment_report(t, _abc(["A", "B"], ["a", "z"]))
    assert "'b'" in str(err.value) and "'z'" in str(err.value)
    with pytest.raises(DataValidationError, match="missing labels"):
        segment_report(t, _abc(["A", None], ["a", "b"]))  # type: ignore[list-item]
    with pytest.raises(DataValidationError, match="missing values"):
        segment_report(t.assign(total_spend=[1.0, np.nan]), _abc(["A", "B"], ["a", "b"]))
    with pytest.raises(TypeError, match="categorical"):
        segment_report(t, pd.Series(["A", "B"], index=["a", "b"]))


def test_on_customer_table_every_category_in_order() -> None:
    table = hand_table()
    for labels in (
        abc_classes(table),
        rfm_segments(rfm_scores(table)),
        pyramid_tiers(table),
    ):
        rep = segment_report(table, labels)
        assert list(rep.index) == list(labels.cat.categories)
        assert rep["n_customers"].sum() == len(table)
        assert rep["customer_share"].sum() == pytest.approx(1.0)
        assert rep["value_share"].sum() == pytest.approx(1.0)
        assert rep["total_value"].sum() == pytest.approx(table["total_spend"].sum())


# ----------------------------------------------------------------- CDNOW and generated data
@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    from custvalue import customer_table
    from custvalue.datasets import load_cdnow

    # the 2,357-customer sample, daily merge, weekly durations, as in the literature (docs/domain.md, "CDNOW")
    tx = load_cdnow(subset="sample")
    return customer_table(tx, amount_col="amount", time_unit="W", observation_end="1998-06-30")


def _check_segmentation(table: pd.DataFrame, labels: pd.Series) -> None:
    assert isinstance(labels.dtype, pd.CategoricalDtype) and labels.cat.ordered
    assert not labels.isna().any()
    assert labels.index.equals(table.index)
    rep = segment_report(table, labels)
    assert list(rep.index) == list(labels.cat.categories)
    assert rep["n_customers"].sum() == len(table)
    assert rep["value_share"].sum() == pytest.approx(1.0)
    assert list(segment_report(table, labels, lang="zh").columns) == list(rep.columns)


def test_every_function_on_cdnow(cdnow: pd.DataFrame) -> None:
    from custvalue import concentration_curve, gini, pareto_share, value_matrix
    from custvalue.abc import abc_limits

    assert len(cdnow) == 2357
    fixed = abc_classes(cdnow)
    _check_segmentation(cdnow, fixed)
    # the fixed A class is the smallest top group reaching 80 % of the spend
    rep = segment_report(cdnow, fixed)
    assert rep.loc["A", "value_share"] >= 0.8
    top_a = cdnow["total_spend"][fixed == "A"]
    assert (top_a.sum() - top_a.min()) / cdnow["total_spend"].sum() < 0.8
    computed = abc_classes(cdnow, method="computed")
    _check_segmentation(cdnow, computed)
    limits = abc_limits(cdnow, method="computed")
    assert limits.ab_point is not None and limits.submarginal_point is not None
    assert 0 < limits.ab_point[0] <= limits.submarginal_point[0] < 1
    assert 0 < gini(cdnow) < 1
    assert pareto_share(cdnow, top=0.2) == pytest.approx(
        float(np.interp(0.2, *concentration_curve(cdnow).to_numpy().T))
    )
    scores = rfm_scores(cdnow)
    # most CDNOW customers bought once: they all share the lowest F score
    assert (scores["f_score"][cdnow["n_purchases"] == 1] == 1).all()
    for scheme in ("common", "cn8"):
        _check_segmentation(cdnow, rfm_segments(scores, scheme=scheme))
    tiers = pyramid_tiers(cdnow)
    _check_segmentation(cdnow, tiers)
    counts = tiers.value_counts(sort=False)
    assert counts["vip"] / len(cdnow) == pytest.approx(0.01, abs=0.005)
    assert counts["small"] / len(cdnow) == pytest.approx(0.80, abs=0.01)
    cost = pd.Series(5.0, index=cdnow.index)
    _check_segmentation(cdnow, pyramid_tiers(cdnow, scheme="metals", cost=cost))
    vm = value_matrix(cdnow["total_spend"], cdnow["mean_spend"], cost=cost)
    _check_segmentation(cdnow, vm)


def test_every_function_on_generated_data() -> None:
    from custvalue import customer_table, value_matrix
    from custvalue.datasets import make_transactions

    tx = make_transactions(1500, product_lines=3, random_state=7)
    table = customer_table(tx, amount_col="amount", time_unit="W", observation_end="1998-06-30")
    for labels in (
        abc_classes(table),
        abc_classes(table, method="computed", margin=0.3),
        rfm_segments(rfm_scores(table)),
        rfm_segments(rfm_scores(table, n_bins=3), scheme="cn8", n_bins=3),
        pyramid_tiers(table, by="value", shares=(0.3, 0.3, 0.2)),
        value_matrix(table["total_spend"], table["n_purchases"].astype(float)),
    ):
        _check_segmentation(table, labels)


def test_value_series_with_duplicate_ids_raises() -> None:
    t = pd.DataFrame({"total_spend": [1.0, 2.0]}, index=["a", "b"])
    dup = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "b"])
    with pytest.raises(DataValidationError, match="duplicate customer ids"):
        segment_report(t, _abc(["A", "B"], ["a", "b"]), value=dup)


def test_value_series_alignment_policy_and_positional_shim() -> None:
    t = pd.DataFrame({"total_spend": [60.0, 30.0, 10.0]}, index=["a", "b", "c"])
    labels = _abc(["A", "A", "C"], ["a", "b", "c"])
    extra = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "z"], name="clv")
    with pytest.raises(DataValidationError, match="customers not in the table") as err:
        segment_report(t, labels, value=extra)
    assert "'z'" in str(err.value) and "'clv'" in str(err.value)
    with pytest.raises(DataValidationError, match="customers with no value") as err:
        segment_report(t, labels, value=extra.iloc[:2])
    assert "'c'" in str(err.value)
    profit = pd.Series([10.0, 20.0, -5.0], index=["c", "b", "a"], name="profit")
    with pytest.warns(FutureWarning, match=r"write segment_report\(table, labels, value=\.\.\.\)"):
        old = segment_report(t, labels, profit)
    pd.testing.assert_frame_equal(old, segment_report(t, labels, value=profit))
