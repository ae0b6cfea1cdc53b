"""Lifecycle stages: hand-checked histories, model-based variant, invariants, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import (
    BetaGeoModel,
    DataValidationError,
    InsufficientDataError,
    customer_table,
    explain_lifecycle,
    lifecycle_stages,
)
from custvalue.datasets import make_transactions
from custvalue.lifecycle import LIFECYCLE_STAGES

START = pd.Timestamp("2024-01-01")


def make_tx(days: dict[object, list[int]], amounts: dict[object, list[float]] | None = None):
    """One row per purchase on START + day; optional amounts per customer."""
    rows = []
    for cust, ds in days.items():
        amts = amounts[cust] if amounts is not None else [1.0] * len(ds)
        rows += [(cust, START + pd.Timedelta(days=d), a) for d, a in zip(ds, amts, strict=True)]
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


END = START + pd.Timedelta(days=100)

# Every history is built so that its stage follows from the documented rules by hand;
# the population rhythm is 10 days (median of the own rhythms 10, 10, 10, 10, 5).
HISTORIES = {
    # gaps of 10 throughout: r = 10, W = 40; 4 purchase days in (60, 100] and 4 in (20, 60]
    "mature": list(range(0, 101, 10)),
    # gaps of 10 until day 50, then silent for 50 > 3 * 10 days
    "churned": list(range(0, 51, 10)),
    # one purchase 5 days ago: population rhythm 10, tenure 5 < 2 * W = 80
    "new": [95],
    # eight gaps of 10, then five gaps of 4 (median 10, W = 40): recent window (60, 100]
    # holds 7 purchase days, the earlier (20, 60] holds 4, and 7 >= 1.5 * 4
    "growing": [*range(0, 81, 10), 84, 88, 92, 96, 100],
    # sixteen gaps of 5, then two of 10 (median 5, W = 20): recent (80, 100] holds 2,
    # earlier (60, 80] holds 4, and 4 >= 1.5 * 2
    "declining": [*range(0, 81, 5), 90, 100],
    # gaps of 10 until day 50, silent 45 days (> 3 * 10), bought again on day 95;
    # current rhythm median(10, 10, 10, 10, 10, 45) = 10, 5 days since the last purchase
    "reactivated": [*range(0, 51, 10), 95],
}


def test_each_stage_by_hand() -> None:
    tx = make_tx(HISTORIES)
    out = lifecycle_stages(tx, observation_end=END, prospects=["prospect", "mature"])
    expected = {**{k: k for k in HISTORIES}, "prospect": "prospect"}
    assert out.to_dict() == expected
    assert out.name == "lifecycle_stage"
    assert list(out.cat.categories) == list(LIFECYCLE_STAGES)
    assert out.cat.ordered
    # buyers sorted by id, prospects appended in the order given
    assert list(out.index) == [*sorted(HISTORIES), "prospect"]
    assert out.index.name == "customer_id"


def test_explain_shows_the_numbers_behind_each_stage() -> None:
    tx = make_tx(HISTORIES)
    ex = explain_lifecycle(tx, observation_end=END)
    assert ex.loc["mature", ["rhythm", "window", "recent", "earlier"]].tolist() == [
        10.0,
        40.0,
        4.0,
        4.0,
    ]
    assert ex.loc["new", "rhythm_source"] == "population"
    assert ex.loc["new", "rhythm"] == 10.0
    assert ex.loc["churned", "time_since_last"] == 50.0
    assert ex.loc["reactivated", ["last_gap", "prior_rhythm"]].tolist() == [45.0, 10.0]
    assert ex.loc["growing", ["recent", "earlier"]].tolist() == [7.0, 4.0]
    assert ex.loc["declining", ["rhythm", "recent", "earlier"]].tolist() == [5.0, 2.0, 4.0]
    assert (ex["lifecycle_stage"] == lifecycle_stages(tx, observation_end=END)).all()


def test_index_is_named_customer_id_and_joins_the_table() -> None:
    # the index is the table's (name included) whatever the input column is called
    tx = make_tx(HISTORIES).rename(columns={"customer_id": "client"})
    table = customer_table(tx, customer_col="client", observation_end=END)
    stages = lifecycle_stages(tx, customer_col="client", observation_end=END)
    assert stages.index.name == table.index.name == "customer_id"
    assert stages.index.equals(table.index)
    joined = table.join(stages)
    assert joined["lifecycle_stage"].to_dict() == {k: k for k in HISTORIES}
    ex = explain_lifecycle(tx, customer_col="client", observation_end=END, prospects=["p"])
    assert ex.index.name == "customer_id" and list(ex.index) == [*table.index, "p"]


def test_explain_true_is_deprecated_and_returns_explain_lifecycle() -> None:
    tx = make_tx(HISTORIES)
    ref = explain_lifecycle(tx, observation_end=END, window=30.0)
    with pytest.warns(FutureWarning, match=r"explain=True.*deprecated.*explain_lifecycle"):
        old = lifecycle_stages(tx, observation_end=END, window=30.0, explain=True)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(old, ref)


def test_return_report_is_deprecated_and_points_to_the_table() -> None:
    tx = make_tx(HISTORIES)
    stages = lifecycle_stages(tx, observation_end=END)
    _, t_report = customer_table(tx, observation_end=END, return_report=True)
    with pytest.warns(FutureWarning, match=r"return_report=True.*deprecated.*customer_table"):
        got, report = lifecycle_stages(tx, observation_end=END, return_report=True)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(got, stages)
    assert report == t_report
    # both deprecated flags: both warnings, the explained frame and the report
    with pytest.warns(FutureWarning) as record:
        ex, report = lifecycle_stages(
            tx,
            observation_end=END,
            explain=True,  # type: ignore[arg-type]
            return_report=True,  # type: ignore[arg-type]
        )
    assert len(record) == 2
    pd.testing.assert_frame_equal(ex, explain_lifecycle(tx, observation_end=END))
    assert report == t_report


def test_new_uses_the_shorter_of_own_and_population_window() -> None:
    # population rhythm 10 days (median of 10, 10, 10, 30, 2), population window 40.
    # "slow" buys every 30 days (W = 120): 90 days after its first purchase it is no longer
    # new (90 >= 2 * 40) but its own windows do not fit (90 < 240): mature, although its
    # earlier window is empty. "fast" buys every 2 days (W = 8), then daily for the last
    # 4 days: not new after 16 days, so the burst shows: (92, 100] holds 6 purchase days,
    # (84, 92] holds 4, and 6 >= 1.5 * 4.
    days = {
        **{f"s{i}": list(range(0, 101, 10)) for i in range(3)},
        "slow": [10, 40, 70, 100],
        "fast": [*range(60, 97, 2), 97, 98, 99, 100],
    }
    ex = explain_lifecycle(make_tx(days), observation_end=END)
    assert ex.loc["slow", ["rhythm", "window", "tenure"]].tolist() == [30.0, 120.0, 90.0]
    assert ex.loc["slow", "lifecycle_stage"] == "mature"
    assert ex.loc["fast", ["rhythm", "window", "recent", "earlier"]].tolist() == [2, 8, 6, 4]
    assert ex.loc["fast", "lifecycle_stage"] == "growing"
    # the same "fast" history 10 days after its first purchase is new (10 < 2 * 8)
    young = {**days, "fast": [90, 92, 94, 96, 98, 100]}
    assert lifecycle_stages(make_tx(young), observation_end=END)["fast"] == "new"


def test_time_unit_relabels_inputs_and_outputs() -> None:
    tx = make_tx(HISTORIES)
    days = explain_lifecycle(tx, observation_end=END)
    weeks = explain_lifecycle(tx, observation_end=END, time_unit="W")
    assert weeks.loc["mature", "rhythm"] == pytest.approx(10 / 7)
    assert weeks.loc["churned", "time_since_last"] == pytest.approx(50 / 7)
    assert weeks["lifecycle_stage"].equals(days["lifecycle_stage"])
    # a fixed window of 2 weeks is a fixed window of 14 days
    a = lifecycle_stages(tx, observation_end=END, window=2.0, time_unit="W")
    b = lifecycle_stages(tx, observation_end=END, window=14.0)
    assert a.equals(b)


def test_churn_factor_and_population_gap_are_overridable() -> None:
    tx = make_tx(HISTORIES)
    # silence of 50 days is churn at k=3 (50 > 30) but not at k=6 (50 <= 60)
    loose = lifecycle_stages(tx, observation_end=END, churn_factor=6.0)
    assert loose["churned"] != "churned"
    # a single purchase 5 days ago is churned if the population gap is 1 day (5 > 3)
    strict = lifecycle_stages(tx, observation_end=END, population_gap=1.0)
    assert strict["new"] == "churned"


def test_min_gaps_decides_own_versus_population_rhythm() -> None:
    # "x" has a single gap of 2 days; with min_gaps=2 it uses the population rhythm (10),
    # so 20 days of silence is not churn; with min_gaps=1 its own rhythm (2) makes it churn.
    days = {"steady": list(range(0, 101, 10)), "x": [78, 80]}
    tx = make_tx(days)
    assert lifecycle_stages(tx, observation_end=END)["x"] != "churned"
    assert lifecycle_stages(tx, observation_end=END, min_gaps=1)["x"] == "churned"


def test_few_gaps_use_the_slower_of_own_and_population_rhythm() -> None:
    # population rhythm 10. "pair" bought twice 60 days apart, last 30 days ago: its own
    # gap (60) is slower than the population's, so 30 days of silence is not churn (<= 180).
    # "triple" bought every 40 days: its last gap (40) is judged against the slower of its
    # single earlier gap (40) and the population (10), so it is not a reactivation.
    days = {
        **{f"s{i}": list(range(0, 101, 10)) for i in range(3)},
        "pair": [10, 70],
        "triple": [20, 60, 100],
    }
    ex = explain_lifecycle(make_tx(days), observation_end=END)
    assert ex.loc["pair", ["rhythm", "rhythm_source"]].tolist() == [60.0, "own"]
    assert ex.loc["pair", "lifecycle_stage"] != "churned"
    assert ex.loc["triple", "prior_rhythm"] == 40.0
    assert ex.loc["triple", "lifecycle_stage"] != "reactivated"
    # a fast pair is held to the population rhythm: 35 days of silence > 3 * 10
    fast = {**days, "pair": [64, 65]}
    assert lifecycle_stages(make_tx(fast), observation_end=END)["pair"] == "churned"


def test_fixed_window() -> None:
    # with a fixed 10-day window, "growing" compares (90, 100] = 3 days with (80, 90] = 2
    tx = make_tx(HISTORIES)
    ex = explain_lifecycle(tx, observation_end=END, window=10.0)
    assert (ex["window"].dropna() == 10.0).all()
    assert ex.loc["growing", ["recent", "earlier"]].tolist() == [3.0, 2.0]
    assert ex.loc["growing", "lifecycle_stage"] == "growing"  # 3 >= 1.5 * 2
    assert ex.loc["mature", "lifecycle_stage"] == "mature"  # 1 vs 1


def test_trend_on_spend() -> None:
    # same purchase days as "mature" but the last four purchases are three times larger
    days = {"m": list(range(0, 101, 10)), "n": list(range(0, 101, 10))}
    amounts = {"m": [10.0] * 7 + [30.0] * 4, "n": [10.0] * 11}
    tx = make_tx(days, amounts)
    by_count = lifecycle_stages(tx, observation_end=END)
    by_spend = lifecycle_stages(tx, observation_end=END, amount_col="amount", trend_on="spend")
    assert by_count.tolist() == ["mature", "mature"]
    assert by_spend.tolist() == ["growing", "mature"]  # 120 >= 1.5 * 40


def test_mean_rhythm_option() -> None:
    # the rate doubled 40 days ago: the median gap (5) sees a steady customer at the new
    # rate; the mean gap (100 / 14) spans the change, so the windows show growth
    days = {"c": [*range(0, 61, 10), *range(65, 101, 5)]}
    tx = make_tx(days)
    assert lifecycle_stages(tx, observation_end=END)["c"] == "mature"
    assert lifecycle_stages(tx, observation_end=END, rhythm="mean")["c"] == "growing"


def test_same_day_purchases_count_once() -> None:
    tx = make_tx(HISTORIES)
    doubled = pd.concat([tx, tx.assign(timestamp=tx["timestamp"] + pd.Timedelta(hours=5))])
    once = lifecycle_stages(tx, observation_end=END)
    # the end includes its whole day, so the 05:00 purchases on the end day are in
    pd.testing.assert_series_equal(lifecycle_stages(doubled, observation_end=END), once)
    assert once.to_dict() == {k: k for k in HISTORIES}


def test_weekly_periods_start_on_monday() -> None:
    # 2024-01-07 is a Sunday and 2024-01-08 a Monday: two weekly periods, one gap of 1 week
    tx = make_tx({"a": [6, 7], "b": [0, 7, 14, 21]})
    ex = explain_lifecycle(tx, period="W", time_unit="W", min_gaps=1)
    assert ex.loc["a", "last_gap"] == 1.0
    # Monday 2024-01-01 and Sunday 2024-01-07 are the same week: one purchase period
    tx = make_tx({"a": [0, 6], "b": [0, 7, 14, 21]})
    ex = explain_lifecycle(tx, period="W")
    assert np.isnan(ex.loc["a", "last_gap"])


# ------------------------------------------------------------------- model-based variant


def test_model_method_uses_p_alive_and_expected_trend() -> None:
    tx = make_tx(HISTORIES)
    ids = sorted(HISTORIES)
    p_alive = pd.Series(0.9, index=ids)
    p_alive["mature"] = 0.2  # the model thinks this steady buyer has left
    out = lifecycle_stages(tx, observation_end=END, method="model", p_alive=p_alive)
    assert out["mature"] == "churned"
    # the rhythm rule's churned customer is alive for the model -> falls to the next rules
    assert out["churned"] != "churned"
    assert out["growing"] == "growing"  # no expected purchases: history windows decide

    # expected purchases over the next 40 days vs purchase days in the last 40
    observed = {"mature": 4, "growing": 7, "declining": 6}
    expected = pd.Series(4.0, index=ids)
    expected["mature"] = 1.0  # 4 >= 1.5 * 1 -> declining
    expected["declining"] = 9.0  # 9 >= 1.5 * 6 -> growing
    expected["growing"] = 7.0  # equal -> mature
    ex = explain_lifecycle(
        tx,
        observation_end=END,
        method="model",
        p_alive=pd.Series(0.9, index=ids),
        expected_purchases=expected,
        horizon=40.0,
    )
    assert {k: ex.loc[k, "observed"] for k in observed} == observed
    assert ex.loc["mature", "lifecycle_stage"] == "declining"
    assert ex.loc["declining", "lifecycle_stage"] == "growing"
    assert ex.loc["growing", "lifecycle_stage"] == "mature"
    # an expected count must also differ from the observed one by a whole purchase:
    # 0.9 expected after none observed is not growth, 1.0 is
    sparse = make_tx({**HISTORIES, "one": [10]})  # 90 days ago: not new, none observed
    ids1 = sorted([*HISTORIES, "one"])
    for value, stage in ((0.9, "mature"), (1.0, "growing")):
        exp1 = pd.Series(4.0, index=ids1)
        exp1["one"] = value
        got = lifecycle_stages(
            sparse,
            observation_end=END,
            method="model",
            p_alive=pd.Series(0.9, index=ids1),
            expected_purchases=exp1,
            horizon=40.0,
        )
        assert got["one"] == stage


def test_model_series_must_cover_every_customer() -> None:
    tx = make_tx(HISTORIES)
    partial = pd.Series(0.9, index=["mature", "new"])
    with pytest.raises(DataValidationError) as err:
        lifecycle_stages(tx, observation_end=END, method="model", p_alive=partial)
    text = str(err.value)
    assert "customers with no value (never filled)" in text and "'churned'" in text
    bad = pd.Series(1.5, index=sorted(HISTORIES))
    with pytest.raises(DataValidationError, match="values must be <= 1"):
        lifecycle_stages(tx, observation_end=END, method="model", p_alive=bad)


def test_model_series_with_an_extra_customer_raise() -> None:
    # one alignment policy (custvalue._validation.check_aligned): the Series cover exactly
    # the customers with a purchase; an extra id (a prospect scored by the model, or a
    # customer from another extract) raises instead of being silently ignored
    tx = make_tx(HISTORIES)
    full = pd.Series(0.9, index=sorted(HISTORIES))
    extra = pd.concat([full, pd.Series(0.9, index=["someone-else"])])
    kw = dict(observation_end=END, method="model", prospects=["someone-else"])
    with pytest.raises(DataValidationError, match="customers not in the table") as err:
        lifecycle_stages(tx, p_alive=extra, **kw)  # type: ignore[arg-type]
    assert err.value.failures[0].examples == ("someone-else",)
    with pytest.raises(DataValidationError, match=r"expected_purchases.*customers not in"):
        lifecycle_stages(
            tx,
            p_alive=full,
            expected_purchases=extra * 2,
            horizon=40.0,
            **kw,  # type: ignore[arg-type]
        )
    # the same Series without the extra id (any order) is accepted
    out = lifecycle_stages(tx, p_alive=full.iloc[::-1], **kw)  # type: ignore[arg-type]
    assert out["someone-else"] == "prospect"


def test_model_argument_errors() -> None:
    tx = make_tx(HISTORIES)
    with pytest.raises(ValueError, match="needs p_alive"):
        lifecycle_stages(tx, method="model")
    with pytest.raises(ValueError, match="only with method='model'"):
        lifecycle_stages(tx, p_alive=pd.Series(0.5, index=sorted(HISTORIES)))
    with pytest.raises(ValueError, match="needs horizon"):
        lifecycle_stages(
            tx,
            method="model",
            p_alive=pd.Series(0.5, index=sorted(HISTORIES)),
            expected_purchases=pd.Series(1.0, index=sorted(HISTORIES)),
        )
    with pytest.raises(ValueError, match="choose one of"):
        lifecycle_stages(tx, method="magic")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- bad input


def test_invalid_transactions_are_reported_together() -> None:
    tx = make_tx(HISTORIES)
    tx.loc[0, "customer_id"] = None
    tx.loc[1, "timestamp"] = pd.NaT
    with pytest.raises(DataValidationError) as err:
        lifecycle_stages(tx, observation_end=END)
    assert len(err.value.failures) == 2
    # the rules of the shared transaction reader (custvalue.table), with their policy hint
    rules = sorted(f.rule for f in err.value.failures)
    assert rules[0].startswith("missing customer ids")
    assert rules[1].startswith("missing times")


def test_rows_after_observation_end_raise() -> None:
    tx = make_tx(HISTORIES)
    with pytest.raises(DataValidationError, match="after observation_end"):
        lifecycle_stages(tx, observation_end=START + pd.Timedelta(days=90))
    # the end's own day is included
    ts = tx["timestamp"]
    late = tx.assign(timestamp=ts.where(ts < END, END + pd.Timedelta(hours=23)))
    assert lifecycle_stages(late, observation_end=END).equals(
        lifecycle_stages(tx, observation_end=END)
    )


def test_strings_are_not_parsed_as_dates() -> None:
    tx = make_tx(HISTORIES)
    tx["timestamp"] = tx["timestamp"].dt.strftime("%d/%m/%Y")
    # day/month strings are never guessed (ISO 8601 strings, or time_format, are read)
    with pytest.raises(DataValidationError, match="pass time_format"):
        lifecycle_stages(tx)


def test_missing_columns_empty_and_mixed_ids() -> None:
    tx = make_tx(HISTORIES)
    with pytest.raises(DataValidationError, match="missing column"):
        lifecycle_stages(tx, customer_col="client")
    with pytest.raises(DataValidationError, match="empty"):
        lifecycle_stages(tx.iloc[:0])
    mixed = tx.astype({"customer_id": object})
    mixed.loc[0, "customer_id"] = 7
    with pytest.raises(TypeError, match="mixes value types"):
        lifecycle_stages(mixed)
    with pytest.raises(DataValidationError, match="duplicate ids"):
        lifecycle_stages(tx, prospects=["p", "p"])


def test_tz_aware_times_need_an_explicit_tz() -> None:
    tx = make_tx(HISTORIES)
    aware = tx.assign(timestamp=tx["timestamp"].dt.tz_localize("Asia/Shanghai"))
    with pytest.raises(ValueError, match="pass tz="):
        lifecycle_stages(aware, observation_end=END)
    with pytest.raises(ValueError, match="nothing to convert"):
        lifecycle_stages(tx, observation_end=END, tz="UTC")
    with pytest.raises(ValueError, match="tz-aware but the times are naive"):
        lifecycle_stages(tx, observation_end=END.tz_localize("UTC"))
    ref = lifecycle_stages(tx, observation_end=END)
    assert lifecycle_stages(aware, observation_end=END, tz="Asia/Shanghai").equals(ref)
    # the same instants seen from UTC fall on the previous day (Shanghai midnight = 16:00
    # UTC), i.e. every purchase shifts by one day; the stages do not change
    utc = lifecycle_stages(aware, observation_end=END.tz_localize("Asia/Shanghai"), tz="UTC")
    assert utc.equals(ref)


def test_no_repeat_buyer_needs_population_gap() -> None:
    tx = make_tx({"a": [1], "b": [5]})
    with pytest.raises(InsufficientDataError, match="population_gap"):
        lifecycle_stages(tx, observation_end=END)
    out = lifecycle_stages(tx, observation_end=END, population_gap=30.0)
    assert out.tolist() == ["churned", "churned"]  # 99 and 95 days > 3 * 30


def test_spend_trend_needs_valid_amounts() -> None:
    tx = make_tx(HISTORIES)
    with pytest.raises(ValueError, match="needs amount_col"):
        lifecycle_stages(tx, trend_on="spend")
    tx.loc[3, "amount"] = -5.0
    with pytest.raises(DataValidationError, match="negative amounts"):
        lifecycle_stages(tx, amount_col="amount", trend_on="spend", observation_end=END)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"churn_factor": 0},
        {"window_factor": -1.0},
        {"trend_ratio": 0.5},
        {"min_gaps": 0},
        {"window": float("nan")},
        {"time_unit": "ME"},  # months have no fixed length
    ],
)
def test_bad_arguments_raise(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        lifecycle_stages(make_tx(HISTORIES), **kwargs)


def test_id_dtypes_and_time_backends_give_the_same_stages() -> None:
    tx = make_tx({i: HISTORIES[k] for i, k in enumerate(sorted(HISTORIES))})
    ref = lifecycle_stages(tx, observation_end=END)
    for dtype in ("Int64", "int64", "category", "uint64", "int32"):
        got = lifecycle_stages(tx.astype({"customer_id": dtype}), observation_end=END)
        assert got.tolist() == ref.tolist()
        assert str(got.index.dtype) == dtype
    sparse = tx.assign(customer_id=tx["customer_id"] * 10**12)  # ids far apart: hashed
    got = lifecycle_stages(sparse, observation_end=END)
    assert got.tolist() == ref.tolist() and list(got.index) == [i * 10**12 for i in ref.index]
    arrow = tx.astype({"timestamp": "timestamp[us][pyarrow]"})
    assert lifecycle_stages(arrow, observation_end=END).tolist() == ref.tolist()
    big = tx.assign(customer_id=tx["customer_id"].astype("int64") + (2**63 - 100))
    out = lifecycle_stages(big, observation_end=END)
    assert out.index.max() == 2**63 - 100 + 5 and out.index.dtype == np.int64


# ------------------------------------------------------------------------ properties


@st.composite
def histories(draw: st.DrawFn) -> tuple[pd.DataFrame, int, list[str]]:
    n = draw(st.integers(1, 8))
    days: dict[object, list[int]] = {"anchor": [0, 7, 14]}  # somebody has a rhythm
    for i in range(n):
        days[f"c{i}"] = draw(st.lists(st.integers(0, 200), min_size=1, max_size=15))
    end = max(max(d) for d in days.values()) + draw(st.integers(0, 60))
    prospects = draw(st.lists(st.sampled_from(["p1", "p2", "c0", "anchor"]), unique=True))
    return make_tx(days), end, prospects


SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(histories(), st.randoms(use_true_random=False))
def test_properties(case: tuple[pd.DataFrame, int, list[str]], rnd) -> None:
    tx, end, prospects = case
    end_ts = START + pd.Timedelta(days=end)
    out = lifecycle_stages(tx, observation_end=end_ts, prospects=prospects)
    # categories complete and ordered
    assert list(out.cat.categories) == list(LIFECYCLE_STAGES) and out.cat.ordered
    # every id exactly once; prospects without purchases appear only as prospect
    buyers = set(tx["customer_id"])
    assert out.index.is_unique
    assert set(out.index) == buyers | set(prospects)
    assert (out[out.index.isin(buyers)] != "prospect").all()
    assert (out[~out.index.isin(buyers)] == "prospect").all()

    # shuffling rows changes nothing
    order = list(range(len(tx)))
    rnd.shuffle(order)
    shuffled = lifecycle_stages(tx.iloc[order], observation_end=end_ts, prospects=prospects)
    pd.testing.assert_series_equal(shuffled, out)

    # stretching time (every gap and the end scaled by 2 or 4) keeps rhythm-relative stages
    for factor in (2, 4):
        stretched = tx.assign(timestamp=START + (tx["timestamp"] - START) * factor)
        got = lifecycle_stages(
            stretched, observation_end=START + pd.Timedelta(days=end * factor), prospects=prospects
        )
        pd.testing.assert_series_equal(got, out)

    # relabelling ids changes nothing but the labels
    relabel = {c: f"z{i}" for i, c in enumerate(sorted(set(tx["customer_id"]), reverse=True))}
    renamed = lifecycle_stages(
        tx.assign(customer_id=tx["customer_id"].map(relabel)), observation_end=end_ts
    )
    plain = out[out.index.isin(list(relabel))]
    assert renamed[plain.index.map(relabel)].tolist() == plain.tolist()

    # the time unit only relabels durations
    weeks = lifecycle_stages(tx, observation_end=end_ts, prospects=prospects, time_unit="W")
    pd.testing.assert_series_equal(weeks, out)


# ------------------------------------------------------------------ generated data


def test_generated_data_covers_the_stages() -> None:
    tx = make_transactions(3000, acquisition_end="1998-06-30", random_state=3)
    ex = explain_lifecycle(tx, prospects=["lead-1"])
    stages = ex["lifecycle_stage"]
    counts = stages.value_counts()
    assert len(stages) == tx["customer_id"].nunique() + 1
    for stage in LIFECYCLE_STAGES:
        assert counts[stage] > 0, stage
    # the rules, re-checked on the numbers they were computed from (whole days here, the
    # durations the rules compared, so these comparisons are exact)
    buyers = ex[stages != "prospect"]
    churned = buyers["time_since_last"] > 3 * buyers["rhythm"]
    assert (churned == (buyers["lifecycle_stage"] == "churned")).all()
    new = buyers["lifecycle_stage"] == "new"
    assert (buyers.loc[new, "tenure"] < 2 * buyers.loc[new, "window"]).all()
    trend = buyers["lifecycle_stage"].isin(["growing", "declining"])
    assert (buyers.loc[trend, "tenure"] >= 2 * buyers.loc[trend, "window"]).all()


def test_durations_agree_with_the_customer_table() -> None:
    tx = make_transactions(1000, random_state=4)
    for period, unit in (("D", "D"), ("D", "W"), ("W", "W"), ("h", "D")):
        ex = explain_lifecycle(tx, period=period, time_unit=unit)
        table = customer_table(tx, period=period, time_unit=unit)
        np.testing.assert_allclose(ex["time_since_last"], table["time_since_last"], rtol=1e-12)
        np.testing.assert_allclose(ex["tenure"], table["tenure"], rtol=1e-12)
        assert ex.index.equals(table.index)


def test_model_variant_with_a_fitted_bgnbd(cdnow_transactions: pd.DataFrame) -> None:
    # stages from P(alive) of a BG/NBD model fitted on the CDNOW log (weeks)
    tx = cdnow_transactions
    table = customer_table(tx, observation_end="1998-06-30", time_unit="W")
    model = BetaGeoModel().fit(table)
    p_alive = model.prob_alive(table)
    expected = model.expected_purchases(table, horizon=13.0)
    ex = explain_lifecycle(
        tx,
        observation_end="1998-06-30",
        time_unit="W",
        method="model",
        p_alive=p_alive,
        expected_purchases=expected,
        horizon=13.0,
    )
    assert len(ex) == 23_570
    assert ((ex["lifecycle_stage"] == "churned") == (ex["p_alive"] < 0.5)).all()
    counts = ex["lifecycle_stage"].value_counts()
    assert counts[["churned", "mature", "declining", "reactivated"]].gt(0).all()
    rhythm = lifecycle_stages(tx, observation_end="1998-06-30")
    # the two methods agree on most customers declared churned by the model
    both = (rhythm == "churned") & (ex["lifecycle_stage"] == "churned")
    assert both.sum() > 0.8 * (ex["lifecycle_stage"] == "churned").sum()
