"""Lifecycle stages and churn of a Dask DataFrame of transactions, exact for any partitioning.

The transactions go through pass 1 and the one cut by customer of :mod:`.table`
(validation merged over the partitions, the global observation end); each output
partition, its customers' rows in input order, is read into a purchase history by the one
reader.
The rules are per customer except for one global statistic, the **population rhythm** (a
median over all customers, :mod:`custvalue._population`): every partition gives the value
counts of its customers' own rhythms in integer ticks, their median is the pandas one bit
for bit, and it reaches the per-partition rules in ticks (never through ``population_gap``,
whose conversion from time units is not exact). Product lines need nothing global: a
partition's lines are a subset of all lines, sorted the same way.

One graph, computed lazily (on the pieces pass 1 kept): the histories (kept until the population rhythm
is known), then the rules per partition. ``p_alive`` and ``expected_purchases`` (pandas or
Dask Series on the customer index) are cut by customer the same way, so each
partition gets exactly its customers' values, whatever their own partitioning.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed, delayed

from .._churn import churn_args, churn_frame, read_churn_history
from .._dispatch import is_dask
from .._population import gap_sample, population_of
from .._rhythm import History, empty_history
from .._stages import StageArgs, decide, explained, read_stage_history, stage_args
from ..exceptions import DataValidationError
from .table import (
    ByCustomer,
    by_customer,
    cut,
    empty_index,
    empty_rows,
    join,
    raise_no_purchases,
)

__all__ = ["churn_status", "explain_lifecycle", "lifecycle_stages"]

_KEY = "__custvalue_customer__"
_VALUE = "__custvalue_value__"
_NO_PURCHASES = "no purchase rows left"


def _arguments(fn: Callable[..., Any], transactions: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return the call's arguments by name, defaults filled in (``options``: the reading options)."""
    bound = inspect.signature(fn).bind(transactions, **kwargs)
    bound.apply_defaults()
    args = dict(bound.arguments)
    del args["transactions"]
    return args


def _refuse(name: str, args: dict[str, Any], flag: str, instead: str) -> None:
    """Refuse a deprecated flag with a Dask frame (say what to call instead)."""
    if args.pop(flag, False):
        raise TypeError(f"{name}: {flag}=True is not supported with a Dask DataFrame; {instead}")


def _read(df: pd.DataFrame, read: Callable[..., History], end: Any) -> History | None:
    """Read one output partition's purchase history (None: no customer with a purchase)."""
    if not len(df):
        return None
    try:
        return read(df, observation_end=end)
    except DataValidationError as err:
        # the other partitions hold purchases (pass 1 found some): this one has none left
        if err.failures[0].rule.startswith(_NO_PURCHASES):
            return None
        raise


def _sample(p: History | None, how: Any, min_gaps: int, prior: bool) -> Any:
    """Return one partition's part of the population rhythm (None without customers)."""
    return None if p is None else gap_sample(p, how, min_gaps, prior=prior)


def _population(samples: list[Any]) -> float:
    """Return the population rhythm (ticks) of all the partitions' customers."""
    return population_of([s for s in samples if s is not None])


def _aligned(series: Any, name: str, by: ByCustomer, customer_col: Any, what: str) -> list[Any]:
    """Cut a per-customer Series like the transactions: one pandas Series per partition.

    A pandas or Dask Series on the customer index is cut by customer exactly as the
    transactions were (same hash of the same ids, cast to the id column's dtype), so
    partition ``i`` holds the values of partition ``i``'s customers (and any id the
    transactions lack lands somewhere, where the pandas check reports it).
    """
    n = by.npartitions
    if series is None:
        return [None] * n
    _check_series(series, name, what)
    if isinstance(series, pd.Series):
        series = dd.from_pandas(series, npartitions=1, sort=False)
    frame = series.to_frame(name=_VALUE).reset_index()
    frame = frame.rename(columns={frame.columns[0]: _KEY})
    dtype = by.meta[customer_col].dtype
    if frame._meta[_KEY].dtype != dtype:
        frame[_KEY] = frame[_KEY].astype(dtype)
    cuts = [delayed(cut, nout=n)(p, _KEY, n, by.splitters) for p in frame.to_delayed()]
    meta = series._meta
    return [
        delayed(_series)(
            delayed(join)(*[c[j] for c in cuts]), meta.name, meta.index.name, meta.index.dtype
        )
        for j in range(n)
    ]


def _check_series(series: Any, name: str, what: str) -> None:
    """Refuse a per-customer argument that is not a pandas or Dask Series."""
    if series is None or isinstance(series, pd.Series):
        return
    if not (is_dask(series) and isinstance(series, dd.Series)):
        raise TypeError(
            f"{what}: with a Dask DataFrame, {name} must be a pandas or Dask Series indexed "
            f"by customer id (e.g. a prediction on the Dask customer table), got "
            f"{type(series).__name__}"
        )


def _series(part: pd.DataFrame, name: Any, index_name: Any, index_dtype: Any) -> pd.Series:
    """Return the per-customer Series of one partition, as the caller gave it (name, index)."""
    index = pd.Index(part[_KEY], name=index_name)
    if index.dtype != index_dtype:
        index = index.astype(index_dtype)
    return pd.Series(part[_VALUE].to_numpy(), index=index, name=name)


def _stages_part(
    p: History | None,
    a: StageArgs,
    population: float | None,
    p_alive: pd.Series | None,
    expected: pd.Series | None,
    explain: bool,
    like: Any,
) -> Any:
    """Decide the stages (or explain them) of one partition."""
    if p is None:
        return like
    s = decide(p, a, p_alive=p_alive, expected_purchases=expected, population_ticks=population)
    return explained(s) if explain else s.stages


def _empty_series(like: Any) -> Any:
    """Return an empty model Series like the caller's (for the result's meta)."""
    if like is None:
        return None
    meta = like._meta if is_dask(like) else like
    return meta.iloc[:0].astype("float64")


def _prepare(
    transactions: Any, what: str, opts: Any, observation_end: Any, extra: Any = None
) -> tuple[Any, ByCustomer, pd.Index]:
    """Pass 1 and the cut; the end, the output partitions and the (empty) index."""
    end, parts, by = by_customer(transactions, opts, what, observation_end, extra=extra)
    if sum(p.get("kept", 0) for p in parts) == 0:  # no purchase row anywhere: pandas' error
        raise_no_purchases(by, (opts, end, what, None), empty_rows(by.meta, opts, end), parts)
    return end, by, empty_index(transactions._meta, opts, end, what)


def _stages(
    fn: Callable[..., Any], transactions: Any, kwargs: dict[str, Any], explain: bool
) -> Any:
    """lifecycle_stages / explain_lifecycle of a Dask DataFrame (lazy)."""
    name = fn.__name__
    args = _arguments(fn, transactions, kwargs)
    _refuse(name, args, "explain", "call explain_lifecycle(...) with the same arguments")
    _refuse(
        name,
        args,
        "return_report",
        "customer_table(transactions, return_report=True, ...) with the same reading "
        "options reads the same rows and returns the same report",
    )
    if args.pop("prospects") is not None:
        raise TypeError(
            f"{name}: prospects are not supported with a Dask DataFrame (they are appended "
            "after all buyers, in the order given); compute the stages, then add the "
            "prospects to the computed result"
        )
    alive, expected = args.pop("p_alive"), args.pop("expected_purchases")
    _check_series(alive, "p_alive", name)
    _check_series(expected, "expected_purchases", name)
    a = stage_args(
        name,
        p_alive=alive,
        expected_purchases=expected,
        options=args.pop("options"),
        func=fn,
        **args,
    )
    what = f"{name}: transactions"
    end, by, index = _prepare(transactions, what, a.opts, a.observation_end)

    empty = empty_history(index, a.opts, spend=a.trend_on == "spend")
    like = _stages_part(empty, a, 1.0, _empty_series(alive), _empty_series(expected), explain, None)

    def read(df: pd.DataFrame, observation_end: Any) -> History:
        return read_stage_history(df, a, observation_end=observation_end)

    histories = [delayed(_read)(part, read, end) for part in by.parts]
    population: Delayed | None = None
    if a.population_gap is None:
        samples = [delayed(_sample)(h, a.rhythm, a.min_gaps, True) for h in histories]
        population = delayed(_population)(samples)
    cust = a.opts.customer_col
    alives = _aligned(alive, "p_alive", by, cust, name)
    expecteds = _aligned(expected, "expected_purchases", by, cust, name)
    outs = [
        delayed(_stages_part)(h, a, population, al, ex, explain, like)
        for h, al, ex in zip(histories, alives, expecteds, strict=True)
    ]
    if explain:  # an empty column of strings is object; with strings pandas may infer more
        strings = pd.DataFrame({"s": np.array(["own"], dtype=object)})["s"].dtype
        like = like.astype({"rhythm_source": strings})
    return _collection(outs, like)


def _collection(outs: list[Delayed], like: Any) -> Any:
    """Return the lazy result from the partitions' results, with exactly the pandas dtypes.

    (Dask's string conversion is not applied: it would turn object columns -- the tuples
    of dropped product lines -- into strings; strings are as pandas makes them.)
    """
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(outs, meta=like, verify_meta=False)


def lifecycle_stages(fn: Callable[..., Any], transactions: Any, **kwargs: Any) -> Any:
    """:func:`custvalue.lifecycle_stages` of a Dask DataFrame (a lazy Dask Series)."""
    return _stages(fn, transactions, kwargs, explain=False)


def explain_lifecycle(fn: Callable[..., Any], transactions: Any, **kwargs: Any) -> Any:
    """:func:`custvalue.explain_lifecycle` of a Dask DataFrame (a lazy Dask DataFrame)."""
    return _stages(fn, transactions, kwargs, explain=True)


def _churn_part(
    p: History | None, a: Any, population: float | None, p_alive: pd.Series | None, like: Any
) -> Any:
    """Decide the churn status of one partition."""
    if p is None:
        return like
    return churn_frame(p, a, p_alive=p_alive, population_ticks=population)


def churn_status(fn: Callable[..., Any], transactions: Any, **kwargs: Any) -> Any:
    """:func:`custvalue.churn_status` of a Dask DataFrame (a lazy Dask DataFrame)."""
    name = fn.__name__
    args = _arguments(fn, transactions, kwargs)
    _refuse(
        name,
        args,
        "return_report",
        "customer_table(transactions, return_report=True, ...) with the same reading "
        "options reads the same rows and returns the same report",
    )
    alive = args.pop("p_alive")
    _check_series(alive, "p_alive", name)
    a = churn_args(options=args.pop("options"), func=fn, **args)
    what = f"{name}: transactions"
    extra = {a.product_col: "product lines"}
    end, by, index = _prepare(transactions, what, a.opts, a.observation_end, extra)

    empty = empty_history(index, a.opts, lines=a.product_col)
    like = _churn_part(empty, a, 1.0, _empty_series(alive), None)

    def read(df: pd.DataFrame, observation_end: Any) -> History:
        return read_churn_history(df, a, observation_end=observation_end)

    histories = [delayed(_read)(part, read, end) for part in by.parts]
    population: Delayed | None = None
    if a.needs_population:
        samples = [delayed(_sample)(h, a.rhythm, a.min_gaps, False) for h in histories]
        population = delayed(_population)(samples)
    alives = _aligned(alive, "p_alive", by, a.opts.customer_col, name)
    outs = [
        delayed(_churn_part)(h, a, population, al, like)
        for h, al in zip(histories, alives, strict=True)
    ]
    return _collection(outs, like)
