"""RFM scores (rank-based and fixed) and segment schemes (common, cn8, user rules)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _segdata import hand_table
from custvalue import DataValidationError, rfm_scores, rfm_segments
from custvalue._schema import N_PURCHASES, TIME_SINCE_LAST, TOTAL_SPEND
from custvalue.rfm import CN8_SEGMENTS, COMMON_SEGMENTS, check_rules, rfm_thresholds


def _table(r: list[float], f: list[int], m: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {TIME_SINCE_LAST: r, N_PURCHASES: f, TOTAL_SPEND: m},
        index=pd.Index([f"c{i}" for i in range(len(r))], name="customer_id"),
    )


def _all_cells(n_bins: int) -> pd.DataFrame:
    cells = list(itertools.product(range(1, n_bins + 1), repeat=3))
    return pd.DataFrame(cells, columns=["r_score", "f_score", "m_score"])


# ----------------------------------------------------------------- scores
def test_scores_hand_case() -> None:
    t = _table([1.0, 5.0, 5.0, 30.0], [6, 2, 1, 1], [300.0, 80.0, 20.0, 10.0])
    s = rfm_scores(t, n_bins=4)
    # score = 1 + min(floor(4 * below / 3), 3), below = customers strictly worse
    # R (reversed): 30 days -> below 0 -> 1; the two 5-day customers: below 1 -> 2;
    # 1 day: below 3 -> 1 + min(4, 3) = 4
    assert s["r_score"].tolist() == [4, 2, 2, 1]
    # F: the two single buyers -> 1; 2 purchases: below 2 -> 1 + floor(8 / 3) = 3; 6 -> 4
    assert s["f_score"].tolist() == [4, 3, 1, 1]
    assert s["m_score"].tolist() == [4, 3, 2, 1]
    assert all(s[c].dtype == np.int64 for c in s.columns)
    assert s.attrs == {}  # no side channel: the cut points come from rfm_thresholds
    th = rfm_thresholds(t, n_bins=4)
    # F lower edges: score 2 (empty) and 3 from 2 purchases, 4 from 6
    assert th["f"] == (2.0, 2.0, 6.0)
    # R upper edges in days: score 4 up to 1 day, 3 (empty) up to 1 day, 2 up to 5 days
    assert th["r"] == (1.0, 1.0, 5.0)


def test_distinct_values_give_equal_bins_and_top_score_to_the_best() -> None:
    t = _table([float(x) for x in range(10)], list(range(1, 11)), [float(x) for x in range(10)])
    s = rfm_scores(t)
    assert s["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert s["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # three customers, five scores: 1, 3, 5 (the best customer gets the top score)
    s3 = rfm_scores(_table([1.0, 2.0, 3.0], [1, 2, 3], [1.0, 2.0, 3.0]))
    assert s3["m_score"].tolist() == [1, 3, 5]


def test_heavy_ties_keep_equal_scores_and_leave_gaps() -> None:
    # 70 % bought once: all get F = 1; 2 purchases: below 7 -> 1 + floor(35 / 9) = 4
    t = _table([1.0] * 10, [1] * 7 + [2, 3, 4], [1.0] * 10)
    s = rfm_scores(t)
    assert s["f_score"].tolist() == [1] * 7 + [4, 5, 5]
    # one value for everyone: everyone gets 1
    assert set(s["m_score"]) == {1} and set(s["r_score"]) == {1}


def test_cell_column() -> None:
    t = _table([1.0, 5.0], [3, 1], [10.0, 1.0])
    s = rfm_scores(t, n_bins=2, cell=True)
    assert s["rfm_cell"].tolist() == ["222", "111"]
    with pytest.raises(ValueError, match="n_bins <= 9"):
        rfm_scores(t, n_bins=10, cell=True)


def test_fixed_thresholds_hand_case() -> None:
    t = _table([3.0, 10.0, 40.0, 90.0], [1, 2, 5, 9], [10.0, 50.0, 100.0, 1000.0])
    th = {"r": [7, 30, 60, 80], "f": [2, 3, 5, 8], "m": [20, 50, 100, 500]}
    s = rfm_scores(t, method="fixed", thresholds=th)
    # R: <=7 -> 5, (7,30] -> 4, (30,60] -> 3, (80, inf) -> 1
    assert s["r_score"].tolist() == [5, 4, 3, 1]
    # F/M lower edges inclusive: 2 -> 2, 5 -> 4, 9 -> 5; 50 -> 3, 100 -> 4, 1000 -> 5
    assert s["f_score"].tolist() == [1, 2, 4, 5]
    assert s["m_score"].tolist() == [1, 3, 4, 5]


def test_fixed_argument_errors() -> None:
    t = _table([3.0], [1], [10.0])
    with pytest.raises(ValueError, match="needs thresholds"):
        rfm_scores(t, method="fixed")
    with pytest.raises(ValueError, match="cut points"):
        rfm_scores(t, method="fixed", thresholds={"r": [1], "f": [1], "m": [1]})
    with pytest.raises(ValueError, match="non-decreasing"):
        rfm_scores(t, n_bins=3, method="fixed", thresholds={"r": [2, 1], "f": [1, 2], "m": [1, 2]})
    with pytest.raises(ValueError, match="only with method='fixed'"):
        rfm_scores(t, thresholds={"r": [1], "f": [1], "m": [1]})
    with pytest.raises(ValueError, match="method"):
        rfm_scores(t, method="kmeans")


def test_validation_collects_all_failures() -> None:
    t = _table([np.nan, -1.0], [1, -2], [10.0, 5.0])
    with pytest.raises(DataValidationError) as err:
        rfm_scores(t)
    msg = str(err.value)
    assert "missing values" in msg and "negative durations" in msg and "negative counts" in msg
    with pytest.raises(DataValidationError, match="missing column"):
        rfm_scores(t.drop(columns=[TOTAL_SPEND]))
    with pytest.raises(DataValidationError, match="empty"):
        rfm_scores(t.iloc[:0])


tables_st = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 30).map(float), min_size=n, max_size=n),
        st.lists(st.integers(1, 8), min_size=n, max_size=n),
        st.lists(st.integers(0, 500).map(float), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(tables_st, st.integers(2, 7))
def test_scores_monotone_ties_equal_and_thresholds_round_trip(data, n_bins: int) -> None:  # type: ignore[no-untyped-def]
    t = _table(*data)
    s = rfm_scores(t, n_bins=n_bins)
    for col, score, sign in (
        (TIME_SINCE_LAST, "r_score", -1),
        (N_PURCHASES, "f_score", 1),
        (TOTAL_SPEND, "m_score", 1),
    ):
        v = sign * t[col].to_numpy(dtype=float)
        sc = s[score].to_numpy()
        assert sc.min() >= 1 and sc.max() <= n_bins
        assert not np.any((v[:, None] > v[None, :]) & (sc[:, None] < sc[None, :]))
        assert not np.any((v[:, None] == v[None, :]) & (sc[:, None] != sc[None, :]))
    # the returned cut points reproduce the scores with method="fixed"
    again = rfm_scores(
        t, n_bins=n_bins, method="fixed", thresholds=rfm_thresholds(t, n_bins=n_bins)
    )
    pd.testing.assert_frame_equal(again, s, check_like=False)
    # shuffling rows and scaling spend (cents) change nothing
    perm = t.sample(frac=1.0, random_state=0)
    perm[TOTAL_SPEND] = perm[TOTAL_SPEND] * 100
    pd.testing.assert_frame_equal(rfm_scores(perm, n_bins=n_bins).loc[t.index], s)


# ----------------------------------------------------------------- schemes
# the documented (R, FM) grid of the common scheme, FM = round-half-up((F + M) / 2)
COMMON_GRID = {
    5: ["new", "potential_loyalist", "loyal", "champions", "champions"],
    4: ["promising", "potential_loyalist", "loyal", "champions", "champions"],
    3: ["about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "at_risk"],
    1: ["lost", "lost", "at_risk", "cant_lose_them", "cant_lose_them"],
}


def test_common_scheme_exhaustive_exclusive_and_matches_grid() -> None:
    cells = _all_cells(5)
    seg = rfm_segments(cells, scheme="common")
    assert not seg.isna().any()
    assert list(seg.cat.categories) == list(COMMON_SEGMENTS)
    assert set(seg) == set(COMMON_SEGMENTS)  # every segment reachable
    fm = (cells["f_score"] + cells["m_score"] + 1) // 2
    expected = [COMMON_GRID[r][k - 1] for r, k in zip(cells["r_score"], fm, strict=True)]
    assert seg.tolist() == expected


def test_common_scheme_needs_five_scores() -> None:
    with pytest.raises(ValueError, match="n_bins=5"):
        rfm_segments(_all_cells(4), scheme="common", n_bins=4)


@pytest.mark.parametrize("n_bins", [2, 3, 5, 7])
def test_cn8_exhaustive_and_exclusive(n_bins: int) -> None:
    cells = _all_cells(n_bins)
    seg = rfm_segments(cells, scheme="cn8", n_bins=n_bins)
    assert not seg.isna().any()
    assert list(seg.cat.categories) == list(CN8_SEGMENTS)
    assert set(seg) == set(CN8_SEGMENTS)
    mean = (n_bins + 1) / 2  # mean score over all cells
    r_hi = cells["r_score"] > mean
    f_hi = cells["f_score"] > mean
    m_hi = cells["m_score"] > mean
    # standard mapping: important = M high; value = R&F high, development = R high F low,
    # retention = R low F high, win-back = R&F low
    assert (seg[r_hi & f_hi & m_hi] == "important_value").all()
    assert (seg[r_hi & ~f_hi & m_hi] == "important_development").all()
    assert (seg[~r_hi & f_hi & m_hi] == "important_retention").all()
    assert (seg[~r_hi & ~f_hi & m_hi] == "important_winback").all()
    assert (seg[r_hi & f_hi & ~m_hi] == "general_value").all()
    assert (seg[r_hi & ~f_hi & ~m_hi] == "general_development").all()
    assert (seg[~r_hi & f_hi & ~m_hi] == "general_retention").all()
    assert (seg[~r_hi & ~f_hi & ~m_hi] == "general_winback").all()


def test_cn8_compares_to_the_mean_of_the_customers_given() -> None:
    s = pd.DataFrame({"r_score": [5, 4, 1], "f_score": [1, 1, 1], "m_score": [2, 2, 2]})
    # R mean 3.33: 5 and 4 high; F and M equal for everyone -> never above the mean -> low
    assert rfm_segments(s, scheme="cn8").tolist() == [
        "general_development",
        "general_development",
        "general_winback",
    ]


def test_user_rules_tuple_and_frame() -> None:
    rules = [
        ("top", (2, 2), (2, 2), (1, 2)),
        ("rest", (1, 1), (1, 2), (1, 2)),
        ("rest", (2, 2), (1, 1), (1, 2)),
    ]
    assert check_rules(rules, n_bins=2) == ["top", "rest"]
    cells = _all_cells(2)
    seg = rfm_segments(cells, scheme=rules, n_bins=2)
    assert list(seg.cat.categories) == ["top", "rest"]
    assert (seg == "top").sum() == 2
    frame = pd.DataFrame({"segment": ["hi_r", "lo_r"], "r_min": [2, np.nan], "r_max": [np.nan, 1]})
    seg = rfm_segments(cells, scheme=frame, n_bins=2)
    assert (seg == "hi_r").tolist() == (cells["r_score"] == 2).tolist()


def test_user_rules_overlap_and_gap_list_cells() -> None:
    overlap = [("a", (1, 2), (1, 2), (1, 2)), ("b", (2, 2), (2, 2), (2, 2))]
    with pytest.raises(ValueError, match=r"1 cell\(s\) \(r,f,m\) with several segments: \(2,2,2\)"):
        check_rules(overlap, n_bins=2)
    gap = [("a", (1, 1), (1, 2), (1, 2))]
    with pytest.raises(ValueError, match=r"4 cell\(s\) \(r,f,m\) with no segment: \(2,1,1\)"):
        rfm_segments(_all_cells(2), scheme=gap, n_bins=2)
    with pytest.raises(ValueError, match="unknown rule columns"):
        check_rules(pd.DataFrame({"segment": ["a"], "x_min": [1]}), n_bins=2)


def test_segments_validate_scores() -> None:
    with pytest.raises(DataValidationError, match=r"scores outside 1\.\.5"):
        rfm_segments(pd.DataFrame({"r_score": [6], "f_score": [1], "m_score": [1]}))
    with pytest.raises(DataValidationError, match="missing column"):
        rfm_segments(pd.DataFrame({"r_score": [1]}))
    with pytest.raises(ValueError, match="scheme"):
        rfm_segments(_all_cells(5), scheme="cn9")


def test_n_bins_is_an_argument_never_read_from_the_scores() -> None:
    t = _table([1.0, 2.0, 3.0], [1, 2, 3], [1.0, 2.0, 3.0])
    s = rfm_scores(t, n_bins=3)
    # scores R 3,2,1; F 1,2,3; M 1,2,3; means 2 (a score of 2 is not above the mean)
    seg = rfm_segments(s, scheme="cn8", n_bins=3)
    assert seg.tolist() == ["general_development", "general_winback", "important_retention"]
    # cn8 compares scores to their mean, so the score range does not change it
    assert rfm_segments(s, scheme="cn8").tolist() == seg.tolist()
    # the 5-score common scheme refuses n_bins=3
    with pytest.raises(ValueError, match="n_bins=5"):
        rfm_segments(s, scheme="common", n_bins=3)
    # attrs are ignored, whatever they hold
    s.attrs["rfm"] = {"n_bins": 3}
    assert rfm_segments(s).tolist() == rfm_segments(s.copy()).tolist()
    # scores above n_bins raise
    with pytest.raises(DataValidationError, match=r"scores outside 1..5"):
        rfm_segments(rfm_scores(t, n_bins=7))


def test_on_customer_table() -> None:
    table = hand_table()
    s = rfm_scores(table, cell=True)
    assert s.index.equals(table.index)
    seg = rfm_segments(s)
    assert seg.name == "rfm_segment" and seg.index.equals(table.index)
    # c01: bought 5 days before the end, 5 purchases, the largest spend -> champion
    assert seg.loc["c01"] == "champions"
    # c07 / c12: one small purchase long ago
    assert seg.loc["c12"] in {"lost", "hibernating"}
    cn8 = rfm_segments(s, scheme="cn8")
    assert cn8.loc["c01"] == "important_value"


def test_empty_scores_raise() -> None:
    empty = pd.DataFrame({"r_score": [], "f_score": [], "m_score": []}, dtype="int64")
    with pytest.raises(DataValidationError, match="no customers"):
        rfm_segments(empty, scheme="cn8")


def test_negative_spend_is_ranked() -> None:
    t = _table([1.0, 2.0, 3.0], [1, 1, 1], [-10.0, 0.0, 25.0])
    assert rfm_scores(t)["m_score"].tolist() == [1, 3, 5]


# ----------------------------------------------------------------- thresholds and shims
def test_thresholds_score_new_customers_against_a_reference() -> None:
    ref = _table([1.0, 5.0, 5.0, 30.0], [6, 2, 1, 1], [300.0, 80.0, 20.0, 10.0])
    th = rfm_thresholds(ref, n_bins=4)
    assert th == {"r": (1.0, 1.0, 5.0), "f": (2.0, 2.0, 6.0), "m": (20.0, 80.0, 300.0)}
    new = _table([0.5, 10.0], [3, 1], [500.0, 15.0])
    s = rfm_scores(new, n_bins=4, method="fixed", thresholds=th)
    # 0.5 days <= 1 -> R 4; 10 days > 5 -> R 1; 3 purchases >= 2 -> F 3; 500 >= 300 -> M 4
    assert s["r_score"].tolist() == [4, 1]
    assert s["f_score"].tolist() == [3, 1]
    assert s["m_score"].tolist() == [4, 1]
    # cut points for 4 scores used with the default n_bins: the message says what to pass
    with pytest.raises(ValueError, match="pass n_bins=4"):
        rfm_scores(new, method="fixed", thresholds=th)
    with pytest.raises(TypeError, match="mapping"):
        rfm_scores(new, n_bins=4, method="fixed", thresholds=[1.0, 2.0, 3.0])  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="missing column"):
        rfm_thresholds(ref.drop(columns=[N_PURCHASES]))


def test_old_positional_calls_still_work_with_a_future_warning() -> None:
    t = _table([1.0, 5.0, 5.0, 30.0], [6, 2, 1, 1], [300.0, 80.0, 20.0, 10.0])
    with pytest.warns(FutureWarning, match=r"write rfm_scores\(table, n_bins=\.\.\.\)"):
        old = rfm_scores(t, 4)
    pd.testing.assert_frame_equal(old, rfm_scores(t, n_bins=4))
    th = rfm_thresholds(t, n_bins=4)
    with pytest.warns(FutureWarning, match="n_bins, method, thresholds by keyword"):
        old = rfm_scores(t, 4, "fixed", th)
    pd.testing.assert_frame_equal(old, rfm_scores(t, n_bins=4))
    s = rfm_scores(t)
    with pytest.warns(FutureWarning, match="pass scheme by keyword"):
        assert rfm_segments(s, "cn8").tolist() == rfm_segments(s, scheme="cn8").tolist()
    rules = [("best", (2, 2), (1, 2), (1, 2)), ("rest", (1, 1), (1, 2), (1, 2))]
    with pytest.warns(FutureWarning, match="pass n_bins by keyword"):
        assert check_rules(rules, 2) == ["best", "rest"]
