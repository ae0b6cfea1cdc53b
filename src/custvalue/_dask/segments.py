"""Segmentation of a Dask table: a global statistic computed once, applied per partition.

ABC classes, pyramid tiers and value-matrix classes depend on a customer's value and on the
sorted values of everyone (cumulative shares, ranks). The value column (one number per
customer) is computed once and the pandas function runs on it (its validation, its errors);
its classes are monotone in the value with ties together, so they are read back as value
thresholds (the smallest value of each class) and applied to every partition: each customer
gets exactly the pandas class. RFM quantile scores are the fixed scores at
:func:`custvalue.rfm_thresholds` of the whole table (the identity rfm_thresholds documents),
found from the exact order statistics of the partitions (:mod:`.order`: two passes, a few
thousand values per partition travel, not the columns).

The table is read twice (the column, then the classes): persist a table that comes from a
lazy pipeline (``table = table.persist()``) before segmenting it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import compute
from dask.delayed import delayed

from .._dispatch import is_dask
from .._profit import customer_value
from .._rfm_rules import DIMS, checked, cut_ranks, recency_cuts, score_arrays
from .._schema import TOTAL_SPEND
from .._shares import rank_before_share
from .._validation import categorical
from ..exceptions import DataValidationError
from .checks import raise_merged
from .order import lower_edges, sample
from .rowwise import stand_in

__all__ = [
    "abc_classes",
    "abc_limits",
    "concentration_curve",
    "gini",
    "pareto_share",
    "pyramid_tiers",
    "rfm_scores",
    "rfm_segments",
    "rfm_thresholds",
    "value_matrix",
]


def _no_series(fname: str, kwargs: dict[str, Any], *names: str) -> None:
    """Refuse per-customer arguments other than the table (they would need aligning)."""
    for n in names:
        v = kwargs.get(n)
        if isinstance(v, pd.Series | pd.DataFrame) or is_dask(v):
            raise TypeError(
                f"{fname}: with a Dask table, {n} must be a number; for one value per "
                f"customer, compute the per-customer value first (a column of the table) "
                "and pass that as the values"
            )


def _projected(values: Any, columns: list[str]) -> Any:
    """Select the columns of ``values`` a function reads (all of them if one is missing)."""
    if isinstance(values, dd.DataFrame) and all(c in values.columns for c in columns):
        return values[columns]
    return values


def _local(values: Any, columns: list[str] | None = None) -> Any:
    """Compute the per-customer input of a global statistic, in the client.

    The partitions travel to the client one by one and are joined there: ``.compute()``
    would first join them on one worker, which then holds every customer's values beside
    its share of a persisted table (at 36M customers it ran out of memory).
    """
    projected = _projected(values, columns or [TOTAL_SPEND])
    parts = [p for p in compute(*projected.to_delayed()) if len(p)]
    return pd.concat(parts) if parts else projected._meta


def _computed(fn: Callable[..., Any], values: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` on the computed per-customer values (a summary, not per customer)."""
    _no_series(fn.__name__, kwargs, "margin", "cost")
    return fn(_local(values), *args, **kwargs)


concentration_curve = gini = pareto_share = abc_limits = _computed


def _classes_part(
    part: Any, codes: np.ndarray, mins: np.ndarray, like: pd.Series, margin: Any, cost: Any
) -> pd.Series:
    """Classes of one partition from the classes' smallest values (``mins``, best first)."""
    if not len(part):
        return like.set_axis(part.index)
    v = customer_value(part, margin=margin, cost=cost, what=str(like.name)).to_numpy()
    # class k: the first whose smallest value is <= v (mins decrease with k)
    k = mins.size - np.searchsorted(mins[::-1], v, side="right")
    c = codes[np.minimum(k, codes.size - 1)]
    return categorical(c, list(like.cat.categories), part.index, str(like.name))


def _value_part(
    part: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[bool, np.ndarray, Any]:
    """Check one partition with the pandas function; return its raw values and id summary.

    Returns whether the pandas function accepts the partition, the values as given (the
    margin and cost are applied later, on all of them) and what tells whether its ids can
    repeat another partition's: ``("range", first, last)`` for strictly increasing integer
    ids, else ``("hash", hashes)``.
    """
    ok = True
    if len(part):
        try:  # (a TypeError, the same in every partition, is the pandas one)
            fn(part, *args, **kwargs)
        except DataValidationError:
            ok = False
    raw = part[TOTAL_SPEND] if isinstance(part, pd.DataFrame) else part
    values = raw.to_numpy(dtype="float64", na_value=np.nan)
    if not len(part):
        return ok, values, None
    index = part.index
    if (
        pd.api.types.is_integer_dtype(index.dtype)
        and index.is_monotonic_increasing
        and index.is_unique
    ):
        return ok, values, ("range", index[0], index[-1])
    return ok, values, ("hash", pd.util.hash_pandas_object(index, index=False).to_numpy())


def _disjoint(ids: list[Any]) -> bool:
    """Whether no customer id can be in two partitions (from the partitions' id summaries)."""
    ids = [i for i in ids if i is not None]
    kinds = {i[0] for i in ids}
    if kinds == {"range"}:
        spans = sorted((i[1], i[2]) for i in ids)
        return all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    if kinds == {"hash"}:  # equal ids have equal hashes: distinct hashes, distinct ids
        h = np.sort(np.concatenate([i[1] for i in ids]))
        return not bool(np.any(h[1:] == h[:-1]))
    return not ids


def _class_limits(
    fn: Callable[..., Any], values: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Return the pandas classes' categories (``like``), codes and smallest values.

    The fast way: every partition is checked by the pandas function (in parallel) and sends
    its raw values; when every partition passes and no id can repeat across partitions, the
    pandas function runs once in the client on all the values (in partition order, on a
    plain position index: the ids are not needed for the classes). Otherwise, or when that
    call raises, the customers are gathered with their ids and the pandas function raises
    (or returns) exactly what it does on them.
    """
    margin, cost = kwargs.get("margin"), kwargs.get("cost")
    parts = compute(*[delayed(_value_part)(p, fn, args, kwargs) for p in values.to_delayed()])
    if all(p[0] for p in parts) and _disjoint([p[2] for p in parts]):
        v = np.concatenate([p[1] for p in parts])
        name = values.name if isinstance(values, dd.Series) else TOTAL_SPEND
        local: Any = pd.Series(v, index=pd.RangeIndex(v.size), name=name)
        try:
            full = fn(local, *args, **kwargs)
        except DataValidationError:
            local = None
    else:
        local = None
    if local is None:  # the exact pandas error (or result), on the customers with their ids
        local = _local(values)
        full = fn(local, *args, **kwargs)
    value = customer_value(local, margin=margin, cost=cost, what=fn.__name__).to_numpy()
    by_code = pd.Series(value).groupby(full.cat.codes.to_numpy()).min()
    codes, mins = by_code.index.to_numpy(), by_code.to_numpy()
    if np.any(np.diff(mins) >= 0):  # pragma: no cover - the classes are monotone
        raise AssertionError(f"{fn.__name__}: classes not monotone in the value")
    return full.iloc[:0].set_axis(values._meta.index[:0]), codes, mins  # the ids' index


def _by_value(fn: Callable[..., Any], values: Any, *args: Any, **kwargs: Any) -> Any:
    """Classes of ``fn`` (monotone in the value) on a Dask table, per partition.

    The values are read twice (the limits, then the classes): they are persisted first,
    so a lazy value (a CLV from its model) is computed once.
    """
    _no_series(fn.__name__, kwargs, "margin", "cost", "prospects")
    if kwargs.get("prospects") is not None:
        raise TypeError(f"{fn.__name__}: prospects are not supported with a Dask table")
    values = _projected(values, [TOTAL_SPEND]).persist()
    like, codes, mins = _class_limits(fn, values, args, kwargs)
    margin, cost = kwargs.get("margin"), kwargs.get("cost")
    return values.map_partitions(_classes_part, codes, mins, like, margin, cost, meta=like)


abc_classes = pyramid_tiers = _by_value


def _threshold(values: np.ndarray, top: float) -> float:
    """Smallest value of the top share ``top`` of customers (ties together)."""
    return float(values[rank_before_share(values) < top].min())


def _matrix_part(cur: Any, fut: Any, fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Value classes of one partition at the global thresholds."""
    if not len(cur):
        return kwargs["like"].set_axis(cur.index)
    return fn(cur, fut, **{k: v for k, v in kwargs.items() if k != "like"})


def value_matrix(
    fn: Callable[..., Any], current_value: Any, future_value: Any, **kwargs: Any
) -> Any:
    """Value classes of a Dask table: the top shares as global thresholds, per partition."""
    _no_series(fn.__name__, kwargs, "cost")
    if not is_dask(future_value) or future_value.npartitions != current_value.npartitions:
        raise TypeError(
            "value_matrix: with a Dask current_value, future_value must be a Dask Series "
            "partitioned like it (e.g. a prediction on the same table)"
        )
    cur, fut = compute(_projected(current_value, [TOTAL_SPEND]), future_value)
    full = fn(cur, fut, **kwargs)  # validation and errors of the whole table
    p = customer_value(cur, cost=kwargs.get("cost"), what=fn.__name__).to_numpy()
    f = fut.reindex(cur.index).to_numpy(dtype="float64")
    at = dict(kwargs)
    if at.get("current_threshold") is None:
        at["current_threshold"] = _threshold(p, float(at.get("current_top", 0.2)))
    if at.get("future_threshold") is None:
        at["future_threshold"] = _threshold(f, float(at.get("future_top", 0.2)))
    like = full.iloc[:0]
    return current_value.map_partitions(
        _matrix_part, future_value, fn, {**at, "like": like}, meta=like, align_dataframes=False
    )


def _rfm_arrays(part: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the ranked values of one partition (R negated: larger is better)."""
    arrays = {d: part[c].to_numpy(dtype="float64", na_value=np.nan) for d, c in DIMS}
    arrays["r"] = -arrays["r"]
    return arrays


def _rfm_first_pass(
    part: pd.DataFrame, n_bins: int, what: str
) -> tuple[int, list[Any], dict[str, np.ndarray]]:
    """Check one partition; return its size, its failures and a sample of its values."""
    if not len(part):
        return 0, [], {}
    try:
        score_arrays(part, n_bins, what)
    except DataValidationError as err:
        return len(part), list(err.failures), {}
    return len(part), [], sample(_rfm_arrays(part))


def _rfm_cuts(table: Any, n_bins: Any, what: str) -> dict[str, tuple[float, ...]]:
    """Return the pandas cut points of a whole Dask table, from exact order statistics.

    The checks run per partition and are merged as one pandas call reports them; column
    and dtype problems are found on the (empty) meta first.
    """
    cols = [c for _, c in DIMS]
    table = _projected(table, cols)
    try:
        n_bins, _ = score_arrays(table._meta, n_bins, what)
    except DataValidationError as err:  # on the meta, only "the table is empty" is fine
        if err.failures[0].count != 0 or err.failures[0].column is not None:
            raise
    parts = table.to_delayed()
    first = compute(*[delayed(_rfm_first_pass)(p, n_bins, what) for p in parts])
    n = sum(f[0] for f in first)
    if n == 0:
        score_arrays(table._meta, n_bins, what)  # raises: the table is empty
    raise_merged(checked(what), (f[1] for f in first))
    filled = [i for i, f in enumerate(first) if f[0]]
    edges = lower_edges(
        [parts[i] for i in filled],
        _rfm_arrays,
        [first[i][2] for i in filled],
        [first[i][0] for i in filled],
        cut_ranks(n, int(n_bins)),
    )
    return {
        "r": recency_cuts(edges["r"]),
        "f": tuple(float(x) for x in edges["f"]),
        "m": tuple(float(x) for x in edges["m"]),
    }


def rfm_thresholds(fn: Callable[..., Any], table: Any, **kwargs: Any) -> Any:
    """RFM thresholds of a Dask table: exact order statistics, no column gathered."""
    return _rfm_cuts(table, kwargs.get("n_bins", 5), "rfm_thresholds")


def _scores_part(part: Any, fn: Callable[..., Any], kwargs: dict[str, Any], like: Any) -> Any:
    """Scores (or segments) of one partition."""
    return fn(part, **kwargs) if len(part) else like.set_axis(part.index)


def rfm_scores(fn: Callable[..., Any], table: Any, **kwargs: Any) -> Any:
    """RFM scores of a Dask table: quantile scores as fixed scores at global thresholds."""
    cols = [c for _, c in DIMS]
    at = dict(kwargs)
    one = stand_in(_projected(table, cols))
    if at.get("method", "quantile") == "quantile":
        fn(one, **kwargs)  # the argument checks, before any work
        at["thresholds"] = _rfm_cuts(table, at.get("n_bins", 5), "rfm_scores")
        at["method"] = "fixed"
    like = fn(one, **at).iloc[:0]
    return table.map_partitions(_scores_part, fn, at, like, meta=like)


def rfm_segments(fn: Callable[..., Any], scores: Any, **kwargs: Any) -> Any:
    """RFM segments of Dask scores: row-wise."""
    like = fn(stand_in(scores), **kwargs).iloc[:0]
    return scores.map_partitions(_scores_part, fn, kwargs, like, meta=like)
