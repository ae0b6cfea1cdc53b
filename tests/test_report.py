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
    rep = segment_report(t, _abc(["A", "A", "C"], ["a", "b", "c"]), profit, lang="en")
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
