"""The Dask path equals the pandas path, for any partitioning (issue 12).

Generated transactions (custvalue.datasets.make_transactions, with duplicate and refund rows)
are shuffled, then cut into row chunks: every chunk holds rows of many customers and days, and
most customers' rows, and most days' rows, spread over several partitions. The table, the
split, their reports, the scores and the segments must equal pandas exactly; fitted
parameters to rtol 1e-8 (they are in fact equal: the fit runs on the same distinct rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import custvalue as cv
from custvalue import DataValidationError
from custvalue.datasets import make_transactions

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from _dask_parts import PARTS, chunks, local, synchronous  # noqa: E402, F401 (after the skip; the autouse fixture)

KW: dict[str, Any] = {"amount_col": "amount", "time_unit": "W", "refunds": "net"}
CAL_END = "1997-09-30"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    log = make_transactions(1500, faults={"duplicates": 0.02, "refunds": 0.03}, random_state=12)
    # rows in random order: the chunks split customers and days
    return log.sample(frac=1.0, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module")
def pandas_table(tx: pd.DataFrame) -> pd.DataFrame:
    return cv.customer_table(tx, **KW)


@pytest.fixture(scope="module")
def models(pandas_table: pd.DataFrame) -> tuple[Any, Any]:
    bg = cv.BetaGeoModel().fit(pandas_table)
    gg = cv.GammaGammaModel().fit(pandas_table[pandas_table["n_repeat"] > 0])
    return bg, gg


def test_chunks_split_customers_and_days(tx: pd.DataFrame) -> None:
    d = chunks(tx, 7)
    parts = [p.compute() for p in d.partitions]
    in_parts = pd.concat([p[["customer_id"]].assign(part=i) for i, p in enumerate(parts)])
    spread = in_parts.groupby("customer_id")["part"].nunique()
    days = pd.concat(
        [p["timestamp"].dt.floor("D").to_frame().assign(part=i) for i, p in enumerate(parts)]
    )
    assert (spread > 1).mean() > 0.3
    assert (days.groupby("timestamp")["part"].nunique() > 1).mean() > 0.3


@pytest.mark.parametrize("n", PARTS)
def test_table_and_report(tx: pd.DataFrame, n: int) -> None:
    expected, report = cv.customer_table(tx, return_report=True, **KW)
    lazy = cv.customer_table(chunks(tx, n), **KW)
    assert isinstance(lazy, dd.DataFrame)
    pd.testing.assert_frame_equal(local(lazy), expected, check_exact=True)
    table, got = cv.customer_table(chunks(tx, n), return_report=True, **KW)
    pd.testing.assert_frame_equal(local(table), expected, check_exact=True)
    assert got == report
    assert report.refunds_netted > 0 and report.duplicate_kept > 0  # the faults are there


@pytest.mark.parametrize("n", PARTS)
def test_table_given_end_and_policies(tx: pd.DataFrame, n: int) -> None:
    kw = {**KW, "duplicates": "drop", "after_end": "drop", "period": "W", "time_unit": "D"}
    end = "1998-03-31"
    expected, report = cv.customer_table(tx, observation_end=end, return_report=True, **kw)
    table, got = cv.customer_table(chunks(tx, n), observation_end=end, return_report=True, **kw)
    pd.testing.assert_frame_equal(local(table), expected, check_exact=True)
    assert got == report
    assert report.after_end > 0 and report.duplicate > 0


@pytest.mark.parametrize("n", PARTS)
def test_split_and_report(tx: pd.DataFrame, n: int) -> None:
    expected, report = cv.split_calibration_holdout(
        tx, calibration_end=CAL_END, return_report=True, **KW
    )
    split, got = cv.split_calibration_holdout(
        chunks(tx, n), calibration_end=CAL_END, return_report=True, **KW
    )
    pd.testing.assert_frame_equal(local(split), expected, check_exact=True)
    assert got == report
    lazy = cv.split_calibration_holdout(chunks(tx, n), calibration_end=CAL_END, **KW)
    pd.testing.assert_frame_equal(local(lazy), expected, check_exact=True)


@pytest.mark.parametrize("n", PARTS)
def test_fits(tx: pd.DataFrame, pandas_table: pd.DataFrame, models: Any, n: int) -> None:
    table = cv.customer_table(chunks(tx, n), **KW).persist()
    bg, gg = models
    got_bg = cv.BetaGeoModel().fit(table)
    got_gg = cv.GammaGammaModel().fit(table[table["n_repeat"] > 0])
    for want, got in ((bg, got_bg), (gg, got_gg)):
        assert got.n_customers_ == want.n_customers_
        names = list(want.params_)
        np.testing.assert_allclose(
            [got.params_[k] for k in names], [want.params_[k] for k in names], rtol=1e-8
        )
        assert got.loglik_ == pytest.approx(want.loglik_, rel=1e-10)


@pytest.mark.parametrize("n", PARTS)
def test_scores(tx: pd.DataFrame, pandas_table: pd.DataFrame, models: Any, n: int) -> None:
    table = cv.customer_table(chunks(tx, n), **KW).persist()
    bg, gg = models

    def clv(t: Any) -> Any:
        return cv.customer_lifetime_value(
            bg, gg, t, horizon=52, period_length=4.0, discount_rate=0.01, margin=0.3
        )

    scores = {
        "prob_alive": lambda t: bg.prob_alive(t),
        "expected_purchases": lambda t: bg.expected_purchases(t, horizon=12.0),
        "expected_spend": lambda t: gg.expected_spend(t),
        "clv": clv,
    }
    for name, score in scores.items():
        got = score(table)
        assert isinstance(got, dd.Series), name
        pd.testing.assert_series_equal(local(got), score(pandas_table), check_exact=True)


@pytest.mark.parametrize("n", PARTS)
def test_segments(tx: pd.DataFrame, pandas_table: pd.DataFrame, models: Any, n: int) -> None:
    table = cv.customer_table(chunks(tx, n), **KW).persist()
    bg, gg = models

    def future(t: Any) -> Any:
        return cv.customer_lifetime_value(
            bg, gg, t, horizon=52, period_length=4.0, discount_rate=0.01
        )

    segments = {
        "abc": lambda t: cv.abc_classes(t),
        "abc_computed": lambda t: cv.abc_classes(
            t, method="computed", margin=0.3, cost=2.0, negative="class_c"
        ),
        "pyramid": lambda t: cv.pyramid_tiers(t),
        "pyramid_value": lambda t: cv.pyramid_tiers(t, by="value", shares=(0.5, 0.3, 0.15)),
        "rfm": lambda t: cv.rfm_scores(t, cell=True),
        "rfm_segments": lambda t: cv.rfm_segments(cv.rfm_scores(t)),
        "value_matrix": lambda t: cv.value_matrix(t, future(t), cost=1.0),
    }
    for name, segment in segments.items():
        want, got = segment(pandas_table), segment(table)
        assert type(got).__module__.startswith("dask"), name
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(local(got), want, check_exact=True)
        else:
            pd.testing.assert_series_equal(local(got), want, check_exact=True)
    assert cv.abc_limits(table) == cv.abc_limits(pandas_table)
    assert cv.rfm_thresholds(table) == cv.rfm_thresholds(pandas_table)


def _error(fn: Any, *args: Any, **kwargs: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        out = fn(*args, **kwargs)
        if hasattr(out, "compute"):
            out.compute()
    return info.value


def bad_log(tx: pd.DataFrame) -> pd.DataFrame:
    bad = tx.copy()
    rng = np.random.default_rng(5)
    rows = rng.choice(len(bad), 40, replace=False)
    bad.loc[bad.index[rows[:20]], "timestamp"] = pd.NaT
    bad.loc[bad.index[rows[20:]], "amount"] = np.inf
    return bad


@pytest.mark.parametrize("n", PARTS)
@pytest.mark.parametrize(
    "case",
    ["bad_rows", "refunds", "after_end", "missing_column", "calibration_end", "no_valid_time"],
)
def test_errors_equal_pandas(tx: pd.DataFrame, n: int, case: str) -> None:
    kw: dict[str, Any] = dict(KW)
    log = tx
    fn: Any = cv.customer_table
    if case == "bad_rows":
        log = bad_log(tx)
    elif case == "refunds":
        kw["refunds"] = "raise"
    elif case == "after_end":
        kw["observation_end"] = "1998-01-31"
    elif case == "missing_column":
        kw["amount_col"] = "amt"
    elif case == "calibration_end":
        fn = cv.split_calibration_holdout
        kw["calibration_end"] = "1999-01-01"
    else:
        log = tx.assign(timestamp=pd.NaT)
    want = _error(fn, log, **kw)
    got = _error(fn, chunks(log, n), **kw)
    assert type(got) is type(want)
    assert str(got) == str(want)
    if isinstance(want, DataValidationError):
        assert [(f.column, f.count) for f in got.failures] == [
            (f.column, f.count) for f in want.failures
        ]


def test_partition_without_valid_times_is_checked_in_full(tx: pd.DataFrame) -> None:
    # one chunk has no readable time (and a positive-amount cancellation ... here: zero
    # amounts refused): its other rules are still checked, as pandas checks every row
    log = tx.copy()
    log.loc[log.index[:50], "timestamp"] = pd.NaT
    log.loc[log.index[10], "amount"] = 0.0
    kw = {**KW, "missing": "drop", "zero_amounts": "raise"}
    want = _error(cv.customer_table, log, **kw)
    got = _error(
        cv.customer_table, dd.from_pandas(log, npartitions=len(log) // 50, sort=False), **kw
    )
    assert str(got) == str(want)


@pytest.mark.parametrize("n", PARTS)
def test_fit_errors_equal_pandas(pandas_table: pd.DataFrame, n: int) -> None:
    bad = pandas_table.copy()
    bad.iloc[[3, 700], bad.columns.get_loc("purchase_span")] = -1.0
    bad.iloc[[5], bad.columns.get_loc("n_repeat")] = -2
    want = _error(cv.BetaGeoModel().fit, bad)
    got = _error(cv.BetaGeoModel().fit, dd.from_pandas(bad, npartitions=n))
    assert str(got) == str(want)
    gg_want = _error(cv.GammaGammaModel().fit, pandas_table)  # n_repeat == 0 rows
    gg_got = _error(cv.GammaGammaModel().fit, dd.from_pandas(pandas_table, npartitions=n))
    assert str(gg_got) == str(gg_want)


def test_results_are_lazy(tx: pd.DataFrame, models: Any) -> None:
    bg, _ = models
    table = cv.customer_table(chunks(tx, 3), **KW)
    assert isinstance(table, dd.DataFrame)
    assert isinstance(bg.prob_alive(table), dd.Series)
    assert list(table.columns) == list(cv.customer_table(tx, **KW).columns)


@pytest.mark.parametrize("kind", ["str", "Int64", "category", "sparse"])
def test_id_types(tx: pd.DataFrame, kind: str) -> None:
    ids = tx["customer_id"]
    converted = {
        "str": ids.map(lambda i: f"c{i}"),
        "Int64": ids.astype("Int64"),
        "category": ids.astype("category"),
        "sparse": ids * 1000,  # factorised, not offset
    }[kind]
    d = chunks(tx.assign(customer_id=converted), 3)
    # Dask may convert string columns (dataframe.convert-string): compare with pandas on
    # the frame Dask holds
    expected = cv.customer_table(d.compute(), **KW)
    pd.testing.assert_frame_equal(local(cv.customer_table(d, **KW)), expected, check_exact=True)


@pytest.mark.parametrize("n", PARTS)
def test_integer_ids_come_back_in_id_order(tx: pd.DataFrame, n: int) -> None:
    # integer ids are cut into id ranges (quantiles of a sample of every partition), so the
    # partitions, computed in order, are the pandas table in its order, not only its rows;
    # the ranges hold about as many rows each
    table = cv.customer_table(chunks(tx, n), **KW)
    parts = [p.compute() for p in table.partitions]
    pd.testing.assert_frame_equal(pd.concat(parts), cv.customer_table(tx, **KW), check_exact=True)
    if n > 1:
        rows = [int(p["n_purchases"].sum()) for p in parts]
        assert max(rows) < 2 * sum(rows) / n
    # so the divisions are known, and hold: partition i's ids are in [div_i, div_i+1)
    assert table.known_divisions
    divs = table.divisions
    for i, p in enumerate(parts):
        assert p.index.min() >= divs[i]
        assert p.index.max() < divs[i + 1] or (i == len(parts) - 1 and p.index.max() <= divs[-1])
    # columns of results computed separately are put side by side without a shuffle
    persisted = table.persist()
    bg = cv.BetaGeoModel().fit(persisted)
    alive = bg.prob_alive(persisted).persist()
    both = persisted.assign(p_alive=alive)
    tasks = {(k[0] if isinstance(k, tuple) else k) for k in both.__dask_graph__()}
    assert not [t for t in tasks if "shuffle" in t], tasks
    assert both.npartitions == table.npartitions
    pd.testing.assert_series_equal(
        local(both["p_alive"]), bg.prob_alive(cv.customer_table(tx, **KW)).rename("p_alive")
    )


def test_one_customer_with_most_rows(tx: pd.DataFrame) -> None:
    # the id ranges come from quantiles of a sample: with one customer holding most rows,
    # several quantiles are that id, and the table has fewer partitions than the input
    heavy = pd.concat([tx, tx.assign(customer_id=tx["customer_id"].iloc[0])] * 3)
    heavy = heavy.sample(frac=1.0, random_state=1).reset_index(drop=True)
    table = cv.customer_table(chunks(heavy, 7), **KW)
    assert table.known_divisions and table.npartitions < 7
    pd.testing.assert_frame_equal(local(table), cv.customer_table(heavy, **KW), check_exact=True)


def test_unreadable_time_strings_are_one_rule(tx: pd.DataFrame) -> None:
    log = tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S").astype(object))
    log.loc[log.index[::97], "timestamp"] = "03/01/1997"
    want = _error(cv.customer_table, log, **KW)
    got = _error(cv.customer_table, chunks(log, 7), **KW)
    assert isinstance(got, DataValidationError) and isinstance(want, DataValidationError)
    assert [(f.column, f.count, f.examples) for f in got.failures] == [
        (f.column, f.count, f.examples) for f in want.failures
    ]


@pytest.mark.parametrize("kind", ["tz", "integer", "iso"])
def test_time_types(tx: pd.DataFrame, kind: str) -> None:
    t = tx["timestamp"]
    if kind == "tz":
        log, kw = tx.assign(timestamp=t.dt.tz_localize("UTC")), {"tz": "Asia/Shanghai"}
    elif kind == "integer":
        days = (t - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
        log, kw = tx.assign(timestamp=days), {"integer_time_unit": "D"}
    else:
        log, kw = tx.assign(timestamp=t.dt.strftime("%Y-%m-%dT%H:%M:%S")), {}
    d = chunks(log, 7)
    expected, report = cv.customer_table(d.compute(), return_report=True, **KW, **kw)
    table, got = cv.customer_table(d, return_report=True, **KW, **kw)
    pd.testing.assert_frame_equal(local(table), expected, check_exact=True)
    assert got == report


@pytest.mark.parametrize(
    "model_cls", [cv.ParetoNBDModel, cv.ModifiedBetaGeoModel, cv.GGompertzNBDModel]
)
def test_every_purchase_model_predicts_the_same_bits(model_cls: type) -> None:
    # a customer's prediction must not depend on the rows around it: the quadrature's
    # per-row sums are row sums, not BLAS products (which sum the last rows of a block in
    # another order: on this log, one Pareto/NBD P(alive) differed by an ulp before)
    log = make_transactions(3000, random_state=3).sort_values("timestamp", kind="stable")
    table = cv.customer_table(log, amount_col="amount", time_unit="W")
    lazy = cv.customer_table(chunks(log, 5), amount_col="amount", time_unit="W")
    model = model_cls().fit(table)
    for name in ("prob_alive", "expected_purchases"):
        kw = {"horizon": 52.0} if name == "expected_purchases" else {}
        expected = getattr(model, name)(table, **kw)
        got = local(getattr(model, name)(lazy, **kw))
        pd.testing.assert_series_equal(got, expected, check_exact=True)


def test_rfm_data_errors_read_as_pandas() -> None:
    # on Dask the whole table is checked once, by the thresholds; the message is rfm_scores'
    t = pd.DataFrame(
        {
            "time_since_last": [1.0, -5.0, 5.0, np.nan],
            "n_purchases": [6, 2, 1, 1],
            "total_spend": [300.0, 80.0, 20.0, 10.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as on_pandas:
        cv.rfm_scores(t)
    with pytest.raises(DataValidationError) as on_dask:
        cv.rfm_scores(dd.from_pandas(t, npartitions=2))
    assert str(on_dask.value) == str(on_pandas.value)
    with pytest.raises(ValueError, match="n_bins"):
        cv.rfm_scores(dd.from_pandas(t, npartitions=2), n_bins=1)


def test_the_shared_fixture_sets_the_synchronous_scheduler() -> None:
    assert dask.config.get("scheduler") == "synchronous"


@pytest.mark.parametrize("seed", range(24))
def test_rfm_cut_points_are_exact_order_statistics(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the Dask cut points come from a sample of each partition and the values between two
    # sampled ones; with 4 samples per partition every rank falls in a wide bracket, and
    # heavy ties (few distinct values) put ranks inside tie blocks and at their edges
    from custvalue._dask import order

    monkeypatch.setattr(order, "_SAMPLE", 4)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    distinct = int(rng.integers(1, 30))
    t = pd.DataFrame(
        {
            "time_since_last": rng.integers(0, distinct, n).astype(float),
            "n_purchases": rng.integers(1, 1 + distinct, n),
            "total_spend": rng.choice(rng.normal(50, 30, distinct), n),
        },
        index=pd.Index(np.arange(n), name="customer_id"),
    )
    for n_bins in (2, 3, 5, 7):
        want = cv.rfm_thresholds(t, n_bins=n_bins)
        for parts in (1, 4, 9):
            d = dd.from_pandas(t.sample(frac=1.0, random_state=seed), npartitions=parts)
            assert cv.rfm_thresholds(d, n_bins=n_bins) == want


def _classes_both(values: pd.Series, n: int, fn: Any = None) -> tuple[Any, Any]:
    """The pandas result (or error) and the Dask one, for ``values`` cut into ``n`` parts."""
    fn = fn or cv.abc_classes
    d = dd.from_pandas(values, npartitions=n, sort=False)
    try:  # (pandas on the Series Dask holds: Dask may convert string ids)
        want: Any = fn(d.compute())
    except DataValidationError as err:
        want = err
    try:
        got: Any = fn(d).compute()
    except DataValidationError as err:
        got = err
    return want, got


@pytest.mark.parametrize("ids", ["int", "str", "unsorted"])
def test_value_classes_on_any_ids(ids: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the classes' limits come from the values alone when every partition passes the
    # checks and no id can be in two partitions (sorted integer ranges, or distinct hashes):
    # the customers are not gathered with their ids
    from custvalue._dask import segments

    def gathered(*args: Any) -> None:
        raise AssertionError("gathered the customers with their ids")

    monkeypatch.setattr(segments, "_local", gathered)
    rng = np.random.default_rng(5)
    n = 3000
    index = {
        "int": pd.Index(np.arange(n)),
        "str": pd.Index([f"c{i}" for i in range(n)], dtype=object),
        "unsorted": pd.Index(rng.permutation(n)),
    }[ids]
    values = pd.Series(np.round(rng.gamma(0.5, 40.0, n), 1), index=index, name="clv")
    for fn in (cv.abc_classes, cv.pyramid_tiers):
        want, got = _classes_both(values, 4, fn)
        pd.testing.assert_series_equal(got, want, check_exact=True)
        lazy = fn(dd.from_pandas(values, npartitions=4, sort=False))
        assert lazy._meta.index.dtype == got.index.dtype  # the meta carries the ids' index


def test_value_classes_report_what_pandas_reports() -> None:
    # ids repeated across partitions, a negative value, a partition whose own total is zero
    # (fine for the whole table): the errors and the result are those of pandas
    base = pd.Series([5.0, 3.0, 0.0, 0.0, 2.0, 8.0], index=list("abcdef"), name="v")
    dup = base.set_axis(list("abcabc"))
    want, got = _classes_both(dup, 2)
    assert isinstance(want, DataValidationError) and "duplicate" in str(want)
    assert str(got) == str(want)
    neg = base.copy()
    neg.iloc[4] = -1.0
    want, got = _classes_both(neg, 3)
    assert isinstance(want, DataValidationError)
    assert str(got) == str(want)
    want, got = _classes_both(base, 3)  # the second partition holds only zeros
    pd.testing.assert_series_equal(got, want, check_exact=True)
