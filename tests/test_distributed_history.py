"""Lifecycle stages and churn on Dask equal pandas, for any partitioning (issue 12).

Generated transactions with product lines (custvalue.datasets.make_transactions, with
duplicate and refund rows) are shuffled and cut into 1, 3 and 7 row chunks, so most
customers' and most days' rows spread over several partitions (as in
tests/test_distributed.py). Stages, their explanation and the churn status must equal the
pandas results exactly (values, categories, dtypes): the population rhythm is a median over
all customers, computed from the partitions' value counts in ticks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue as cv
from custvalue import DataValidationError, InsufficientDataError
from custvalue._population import gap_sample, population_of, purchase_rhythm
from custvalue._read import read_options
from custvalue._rhythm import read_history
from custvalue.datasets import make_transactions

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from _dask_parts import PARTS, chunks, local, synchronous  # noqa: E402, F401 (after the skip; the autouse fixture)

KW: dict[str, Any] = {"amount_col": "amount", "time_unit": "W", "refunds": "net"}
START = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    log = make_transactions(
        1500, product_lines=4, faults={"duplicates": 0.02, "refunds": 0.03}, random_state=12
    )
    return log.sample(frac=1.0, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module")
def pandas_table(tx: pd.DataFrame) -> pd.DataFrame:
    return cv.customer_table(tx, **KW)


@pytest.fixture(scope="module")
def bg(pandas_table: pd.DataFrame) -> Any:
    return cv.BetaGeoModel().fit(pandas_table)


def assert_same(got: Any, want: Any) -> None:
    assert type(got).__module__.startswith("dask")
    # the lazy object announces the dtypes it computes
    meta = got._meta
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_series_equal(meta.dtypes, want.dtypes)
    else:
        assert meta.dtype == want.dtype
    assert meta.index.dtype == want.index.dtype and meta.index.name == want.index.name
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(local(got), want, check_exact=True)
    else:
        pd.testing.assert_series_equal(local(got), want, check_exact=True)


def test_chunks_split_customers(tx: pd.DataFrame) -> None:
    parts = [p.compute() for p in chunks(tx, 7).partitions]
    spread = pd.concat([p[["customer_id"]].assign(part=i) for i, p in enumerate(parts)])
    assert (spread.groupby("customer_id")["part"].nunique() > 1).mean() > 0.3


@pytest.mark.parametrize("n", PARTS)
def test_stages_equal_pandas(tx: pd.DataFrame, n: int) -> None:
    d = chunks(tx, n)
    calls = {
        "default": {},
        "mean_min_gaps": {"rhythm": "mean", "min_gaps": 3},
        "given_gap_window": {"population_gap": 3.0, "window": 10.0},
        "day_periods": {"period": "W", "time_unit": "D", "trend_ratio": 1.2},
    }
    for name, extra in calls.items():
        kw = {**KW, **extra}
        assert_same(cv.lifecycle_stages(d, **kw), cv.lifecycle_stages(tx, **kw)), name
    kw = {**KW, "trend_on": "spend"}
    want = cv.explain_lifecycle(tx, **kw)
    assert_same(cv.explain_lifecycle(d, **kw), want)
    # the population rhythm decides many customers: a wrong one would show
    assert (want["rhythm_source"] == "population").sum() > 100
    assert set(want["lifecycle_stage"]) >= {"new", "growing", "mature", "declining", "churned"}


@pytest.mark.parametrize("n", PARTS)
def test_churn_equal_pandas(tx: pd.DataFrame, n: int) -> None:
    d = chunks(tx, n)
    for extra in ({}, {"rhythm": "mean", "min_line_purchases": 1}, {"window": 12.0}):
        kw = {**KW, **extra}
        want = cv.churn_status(tx, **kw)
        assert_same(cv.churn_status(d, **kw), want)
        assert (want["churn_status"] == "partial_churn").any()


@pytest.mark.parametrize("n", PARTS)
def test_model_inputs_dask_or_pandas(
    tx: pd.DataFrame, pandas_table: pd.DataFrame, bg: Any, n: int
) -> None:
    d = chunks(tx, n)
    table = cv.customer_table(d, **KW)
    alive, expected = bg.prob_alive(pandas_table), bg.expected_purchases(pandas_table, horizon=8.0)
    kw = {**KW, "method": "model", "horizon": 8.0}
    want = cv.explain_lifecycle(tx, p_alive=alive, expected_purchases=expected, **kw)
    lazy = {
        "p_alive": bg.prob_alive(table),
        "expected_purchases": bg.expected_purchases(table, horizon=8.0),
    }
    assert_same(cv.explain_lifecycle(d, **lazy, **kw), want)
    # pandas Series, in any order
    shuffled = {"p_alive": alive.sample(frac=1.0, random_state=1), "expected_purchases": expected}
    assert_same(cv.explain_lifecycle(d, **shuffled, **kw), want)
    want_churn = cv.churn_status(tx, p_alive=alive, **KW)
    assert_same(cv.churn_status(d, p_alive=lazy["p_alive"], **KW), want_churn)


def _error(fn: Any, *args: Any, **kwargs: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        out = fn(*args, **kwargs)
        if hasattr(out, "compute"):
            out.compute()
    return info.value


@pytest.mark.parametrize("n", PARTS)
@pytest.mark.parametrize("case", ["bad_rows", "missing_lines", "no_rhythm", "missing_p_alive"])
def test_errors_equal_pandas(tx: pd.DataFrame, bg: Any, n: int, case: str) -> None:
    log, kw = tx, dict(KW)
    fns: list[Any] = [cv.churn_status]
    if case == "bad_rows":
        log = tx.copy()
        rows = np.random.default_rng(5).choice(len(log), 40, replace=False)
        log.loc[log.index[rows[:20]], "timestamp"] = pd.NaT
        log.loc[log.index[rows[20:]], "amount"] = np.inf
        fns.append(cv.lifecycle_stages)
    elif case == "missing_lines":
        log = tx.copy()
        log.loc[log.index[::50], "product"] = np.nan
    elif case == "no_rhythm":  # one purchase period per customer: no gap anywhere
        log = tx.assign(timestamp=pd.Timestamp("1997-03-01"))
        fns.append(cv.explain_lifecycle)
    else:
        table = cv.customer_table(tx, **KW)
        kw["p_alive"] = bg.prob_alive(table).drop(table.index[[4, 900]])
        fns.append(cv.lifecycle_stages)
        kw_stages = {**kw, "method": "model"}
    for fn in fns:
        call = kw_stages if case == "missing_p_alive" and fn is not cv.churn_status else kw
        want = _error(fn, log, **call)
        got = _error(fn, chunks(log, n), **call)
        assert type(got) is type(want), fn.__name__
        if case != "missing_p_alive" or n == 1:
            assert str(got) == str(want), fn.__name__
        if isinstance(want, DataValidationError):
            assert isinstance(got, DataValidationError)
            assert got.failures[0].rule == want.failures[0].rule
    if case == "no_rhythm":
        assert isinstance(want, InsufficientDataError)


def test_unsupported_arguments_say_what_is_supported(tx: pd.DataFrame) -> None:
    d = chunks(tx, 3)
    with pytest.raises(TypeError, match="prospects are not supported"):
        cv.lifecycle_stages(d, prospects=["x"], **KW)
    with pytest.raises(TypeError, match="explain_lifecycle"):
        cv.lifecycle_stages(d, explain=True, **KW)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="return_report=True"):
        cv.churn_status(d, return_report=True, **KW)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pandas or Dask Series"):
        cv.lifecycle_stages(d, method="model", p_alive=np.ones(3), **KW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs p_alive"):  # argument checks stay eager
        cv.lifecycle_stages(d, method="model", **KW)


def test_docstrings_carry_the_dask_note() -> None:
    for fn in (cv.lifecycle_stages, cv.explain_lifecycle, cv.churn_status):
        assert "Accepts a Dask DataFrame" in (fn.__doc__ or ""), fn.__name__


# the population rhythm of parts of the customers is that of all of them, bit for bit

histories = st.lists(st.sets(st.integers(0, 400), min_size=1, max_size=9), min_size=1, max_size=25)


def _history(days: list[set[int]]) -> Any:
    log = pd.DataFrame(
        [(i, START + pd.Timedelta(days=d)) for i, ds in enumerate(days) for d in sorted(ds)],
        columns=["customer_id", "timestamp"],
    )
    opts = read_options({"time_unit": "W"}, read_history)
    end = START + pd.Timedelta(days=401)
    return read_history(
        log, "test", product_col=None, need_spend=False, observation_end=end, opts=opts
    )


@settings(max_examples=150, deadline=None)
@given(
    histories,
    st.integers(1, 4),
    st.sampled_from(["median", "mean"]),
    st.integers(1, 3),
    st.booleans(),
)
def test_population_of_parts_is_the_whole_one(
    days: list[set[int]], n_parts: int, how: str, min_gaps: int, prior: bool
) -> None:
    cut = np.array_split(np.arange(len(days)), n_parts)
    parts = [_history([days[i] for i in c]) for c in cut if c.size]
    whole = _history(days)
    try:
        want = purchase_rhythm(whole, how, min_gaps, None, prior=prior).population  # type: ignore[arg-type]
    except InsufficientDataError:
        with pytest.raises(InsufficientDataError):
            population_of([gap_sample(p, how, min_gaps, prior=prior) for p in parts])  # type: ignore[arg-type]
        return
    got = population_of([gap_sample(p, how, min_gaps, prior=prior) for p in parts])  # type: ignore[arg-type]
    assert got == want  # exactly: the same float


@pytest.mark.parametrize("kind", ["str", "category", "Int64"])
def test_id_types_and_model_alignment(tx: pd.DataFrame, kind: str) -> None:
    ids = tx["customer_id"]
    converted = {
        "str": ids.map(lambda i: f"c{i}"),
        "category": ids.astype("category"),
        "Int64": ids.astype("Int64"),
    }[kind]
    d = chunks(tx.assign(customer_id=converted), 5)
    log = d.compute()  # as Dask holds it (dataframe.convert-string)
    table = cv.customer_table(log, **KW)
    bg = cv.BetaGeoModel().fit(table)
    kw = {**KW, "duplicates": "drop"}  # every column travels through the shuffle
    want = cv.churn_status(log, p_alive=bg.prob_alive(table), **kw)
    lazy_alive = bg.prob_alive(cv.customer_table(d, **KW))  # its own shuffle of the ids
    assert_same(cv.churn_status(d, p_alive=lazy_alive, **kw), want)
    want_stages = cv.lifecycle_stages(log, method="model", p_alive=bg.prob_alive(table), **KW)
    got = cv.lifecycle_stages(d, method="model", p_alive=bg.prob_alive(table), **KW)
    assert_same(got, want_stages)
