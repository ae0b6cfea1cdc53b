"""The customer table and the calibration/holdout split of a Dask DataFrame.

Exact for any partitioning, in two passes over the input:

1. **validation** (eager, one ``dask.compute``): every input partition goes through the one
   reader (:func:`custvalue._read.read_rows`) with the caller's ``observation_end``; their
   failures are merged into one :class:`DataValidationError` shaped like the pandas one
   (:mod:`.checks`), and, without an ``observation_end``, the latest time of each partition
   gives the global end (every rule but "after the end" is row-wise, and none is after the
   latest time); integer ids also send a sample, whose quantiles become the id ranges of
   the output partitions;
2. **the table** (lazy): the pandas kernel (:mod:`custvalue._build`) runs with the global
   end on each output partition, which holds every row of its customers in input order (so
   a customer's rows are read in the order pandas reads them: sums are the same to the last
   bit).

The rows travel once, in pass 2: each input partition is cut into one piece per output
partition by its customer ids (:func:`buckets`: integer ids by the ranges of pass 1, so a
partition's ids stay dense and are coded without hashing; other ids by a hash), with a
stable sort of the piece numbers, so each piece keeps the partition's row order; output
partition ``j`` joins the ``j``-th pieces in partition order, which is the input order of
its customers' rows. Only the reader's columns travel.

The report (``return_report=True``) is the sum of the partitions' reports, computed in the
same pass as the table: the table is then persisted (computed into memory, or onto the
cluster's workers) with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import compute, persist
from dask.delayed import Delayed, delayed

from .._build import calibration_period, split_rows, table_rows
from .._calendar import period_numbers
from .._read import Ids, ReadOptions, Rows, TableReport, no_purchases
from .._read.rows import read_rows
from .._read.times import end_value, time_values
from .._validation import Checks
from ..exceptions import DataValidationError, ValidationFailure
from .checks import merge_failures, raise_merged

__all__ = [
    "ByCustomer",
    "buckets",
    "by_customer",
    "cut",
    "dask_split",
    "dask_table",
    "empty_index",
    "empty_rows",
    "join",
    "raise_no_purchases",
]

# an end after every valid time: flags no row "after the end" (used only to complete the
# checks of a partition whose own times are all missing or unreadable)
_LATE = np.datetime64("2262-01-01")
_NO_VALID_TIMES = "no valid times"  # the reader's rule when every time is missing
_SAMPLE = 1024  # ids sampled per input partition for the id ranges of the output

Extra = Mapping[Any, str] | None  # further columns read with the rows (product lines)


def _check_part(
    df: pd.DataFrame, opts: ReadOptions, end: Any, what: str, extra: Extra
) -> dict[str, Any]:
    """Pass 1 on one input partition: the reader's failures, and its latest time."""
    if not len(df):
        return {"n": 0}
    try:  # (the ids are coded in pass 2, per output partition)
        rows = read_rows(df, opts, end, what, extra, count_duplicates=False, code_customers=False)
    except DataValidationError as err:
        early = list(err.failures)
        if end is not None:
            return {"n": len(df), "early": early, "full": early, "valid": True}
        t = time_values(df[opts.time_col], opts.time_col, opts, Checks(""), None)
        try:  # the rules a partition without a valid time did not reach
            read_rows(df, opts, _LATE, what, extra, count_duplicates=False, code_customers=False)
            full: list[ValidationFailure] = []
        except DataValidationError as err2:
            full = list(err2.failures)
        valid = not bool(np.isnat(t).all())
        return {"n": len(df), "early": early, "full": full, "valid": valid}
    return {
        "n": len(df),
        "latest": rows.end_ts,
        "kept": int(rows.codes.size + rows.r_codes.size),
        "counts": rows.counts,
        "valid": True,
        "full": [],
        "ids": _id_sample(df[opts.customer_col]),
    }


def _integer_ids(ids: Any) -> bool:
    """Whether ids are integers (NumPy, nullable or Arrow; not categorical)."""
    dtype = ids.dtype
    return bool(pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype))


def _id_sample(ids: pd.Series) -> np.ndarray | None:
    """Integer ids at evenly spaced rows, sorted, with the smallest and the largest.

    None for other ids (they are hashed).
    """
    if not _integer_ids(ids):
        return None
    v = ids.dropna().to_numpy(dtype=np.int64)
    if not v.size:
        return v
    step = max(1, v.size // _SAMPLE)
    return np.sort(np.concatenate([v[::step], [v.min(), v.max()]]))


def _splitters(parts: list[dict[str, Any]], n: int) -> np.ndarray | None:
    """Id limits of at most ``n`` output partitions with about as many rows each.

    For integer ids: the smallest and largest id, and between them the distinct quantiles
    of the partitions' samples (the first id of each output partition but the first).
    """
    samples: list[np.ndarray] = []
    for p in parts:
        if p["n"]:
            if p.get("ids") is None:
                return None
            samples.append(p["ids"])
    if not samples:
        return None
    merged: np.ndarray = np.sort(np.concatenate(samples))
    if not merged.size:
        return None
    inner = np.unique(merged[(np.arange(1, n) * merged.size) // n])
    inner = inner[(inner > merged[0]) & (inner <= merged[-1])]
    return np.concatenate([[merged[0]], inner, [merged[-1]]])


def _check_meta(
    ddf: dd.DataFrame, opts: ReadOptions, observation_end: Any, what: str, extra: Extra
) -> None:
    """Raise the column and label problems (the same in every partition) from the meta."""
    # the reader finds them on the (empty) meta, and on an empty meta it then reports an
    # empty frame
    try:
        read_rows(ddf._meta, opts, observation_end, what, extra, count_duplicates=False)
    except DataValidationError as err:
        if err.failures[0].count != 0 or err.failures[0].column is not None:
            raise


def _end_of(
    ddf: dd.DataFrame,
    opts: ReadOptions,
    observation_end: Any,
    what: str,
    extra: Extra,
    parts: list[dict[str, Any]],
) -> Any:
    """Raise what pandas would raise on the whole frame; return the end used."""
    filled = [p for p in parts if p["n"]]
    if not filled:
        read_rows(ddf._meta, opts, observation_end, what, extra)  # raises: no transactions
    if observation_end is None and not any(p["valid"] for p in filled):
        # no valid time anywhere: pandas stops where the partitions stopped, and says
        # "no valid times" only when every time is missing
        failures = merge_failures(p["early"] for p in filled)
        every = all(any(f.rule == _NO_VALID_TIMES for f in p["early"]) for p in filled)
        if not every:
            failures = [f for f in failures if f.rule != _NO_VALID_TIMES]
        raise DataValidationError(what, failures)
    raise_merged(what, (p["full"] for p in filled))
    end = observation_end
    if end is None:
        end = max(p["latest"] for p in filled).to_datetime64()
    return end


def buckets(ids: pd.Series, n: int, splitters: np.ndarray | None) -> np.ndarray:
    """Output partition of each row, from its customer id alone.

    Integer ids go by range (``splitters``: the smallest id, the first id of partitions
    1..n-1, the largest id), so each partition holds a range of ids (dense ids stay dense,
    coded without hashing); other ids by a hash, modulo ``n``. The same id (of the same
    dtype) gets the same partition wherever it is read; missing integer ids go to partition
    0 (an id outside the limits, in a Series aligned with the table, to the first or last).
    """
    if splitters is not None and _integer_ids(ids):
        v = ids.to_numpy(dtype=np.int64, na_value=np.iinfo(np.int64).min)
        inner = splitters[1:-1]
        return np.searchsorted(inner, v, side="right")
    h = pd.util.hash_pandas_object(ids, index=False).to_numpy()
    out: np.ndarray = (h % np.uint64(n)).astype(np.intp)
    return out


def cut(
    df: pd.DataFrame, on: Any, n: int, splitters: np.ndarray | None = None
) -> tuple[pd.DataFrame, ...]:
    """Cut a frame into ``n`` pieces by customer (:func:`buckets`), each in row order."""
    if not len(df):
        return (df.reset_index(drop=True),) * n
    b = buckets(df[on], n, splitters)
    small = np.uint8 if n <= 256 else np.uint16 if n <= 65536 else np.intp
    order = np.argsort(b.astype(small, copy=False), kind="stable")  # (a radix sort)
    edges = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(b, minlength=n), out=edges[1:])
    taken = df.take(order).set_axis(pd.RangeIndex(len(df)))
    return tuple(taken.iloc[edges[j] : edges[j + 1]] for j in range(n))


def join(*pieces: pd.DataFrame) -> pd.DataFrame:
    """Join the pieces of one output partition, in partition order (the input's order)."""
    filled = [p for p in pieces if len(p)]
    if not filled:
        return pieces[0]
    if len(filled) == 1:
        return filled[0].reset_index(drop=True)
    return pd.concat(filled, ignore_index=True)


@dataclass
class ByCustomer:
    """The transactions as output partitions: every row of a customer in one, in input order.

    ``parts`` are Delayed pandas frames (of the columns of ``meta``).
    """

    parts: list[Delayed]
    meta: pd.DataFrame
    splitters: np.ndarray | None  # the id ranges (:func:`buckets`)

    def divisions(self, index_dtype: Any) -> tuple[Any, ...] | None:
        """Dask divisions of a result on these customers (ids by range, signed integers)."""
        if self.splitters is None or not pd.api.types.is_signed_integer_dtype(index_dtype):
            return None
        return tuple(int(x) for x in self.splitters)

    @property
    def npartitions(self) -> int:
        """Number of output partitions."""
        return len(self.parts)


def by_customer(
    transactions: Any,
    opts: ReadOptions,
    what: str,
    observation_end: Any,
    *,
    extra: Extra = None,
    every_column: bool = False,
) -> tuple[Any, list[dict[str, Any]], ByCustomer]:
    """Pass 1 (validation, the end, the id ranges), and the output partitions (lazy).

    Returns the end, the partitions' pass-1 results and the output partitions (as many as
    the input has), cut by customer in pass 2 (:func:`cut`). Only the reader's columns (and ``extra``) travel, unless
    ``every_column`` or exact duplicates are dropped (they compare every column).
    """
    if not isinstance(transactions, dd.DataFrame):
        raise TypeError(f"{what} must be a Dask DataFrame here, got {type(transactions)}")
    _check_meta(transactions, opts, observation_end, what, extra)
    parts = list(
        compute(
            *[
                delayed(_check_part)(p, opts, observation_end, what, extra)
                for p in transactions.to_delayed()
            ]
        )
    )
    end = _end_of(transactions, opts, observation_end, what, extra, parts)
    ddf = transactions
    if not (every_column or opts.duplicates == "drop"):
        cols = list(opts.columns)
        ddf = transactions[cols + [c for c in (extra or {}) if c not in cols]]
    splitters = _splitters(parts, transactions.npartitions)
    n = transactions.npartitions if splitters is None else splitters.size - 1
    cuts = [delayed(cut, nout=n)(p, opts.customer_col, n, splitters) for p in ddf.to_delayed()]
    out = [delayed(join)(*[c[j] for c in cuts]) for j in range(n)]
    return end, parts, ByCustomer(out, ddf._meta.reset_index(drop=True), splitters)


def empty_rows(meta: pd.DataFrame, opts: ReadOptions, end: Any) -> Rows:
    """Rows with no purchase, for the empty table (the meta of the result)."""
    col = meta[opts.customer_col]
    e = np.empty(0, dtype=np.int64)
    integer = pd.api.types.is_integer_dtype(col.dtype)
    if integer and not isinstance(col.dtype, pd.CategoricalDtype):
        ids = Ids(e, 1, None, 0, col.dtype)  # (one code without purchases: numpy's
    else:  # bincount of nothing gives integers)
        ids = Ids(e, 1, pd.Index(pd.factorize(col)[1]))
    amounts = opts.amount_col is not None or opts.quantity_col is not None
    end64 = end_value(end, opts)
    return Rows(
        codes=e.copy(),
        per=e.copy(),
        amt=np.empty(0) if amounts else None,
        r_codes=e.copy(),
        r_per=e.copy(),
        r_amt=np.empty(0),
        ids=ids,
        end_per=int(period_numbers(np.array([end64]), opts.period)[0]),
        end_ts=pd.Timestamp(end64),
        counts={"duplicate_kept": 0},
        rows_in=0,
        customers_in=0,
        opts=opts,
    )


def _kernel(
    df: pd.DataFrame,
    opts: ReadOptions,
    end: Any,
    what: str,
    calibration_end: Any,
    report: bool,
    meta_rows: Rows,
) -> tuple[pd.DataFrame, TableReport | None]:
    """Pass 2 on one output partition: the pandas kernel."""
    rows = read_rows(df, opts, end, what, count_duplicates=report) if len(df) else _copy(meta_rows)
    if calibration_end is None:
        return table_rows(rows, what, report=report, allow_empty=True)
    return split_rows(rows, what, calibration_end, report=report, allow_empty=True)


def _table_only(df: pd.DataFrame, *args: Any) -> pd.DataFrame:
    """Pass 2 without the report: the table of one output partition."""
    opts, end, what, calibration_end, meta_rows = args
    return _kernel(df, opts, end, what, calibration_end, False, meta_rows)[0]


def _sum_reports(a: TableReport, b: TableReport) -> TableReport:
    """Add two partitions' reports (ends are the same)."""
    da, db = a.as_dict(), b.as_dict()
    keep = ("observation_end", "calibration_end")
    return TableReport(**{k: da[k] if k in keep else da[k] + db[k] for k in da})


def _build(
    transactions: Any,
    opts: ReadOptions,
    what: str,
    observation_end: Any,
    calibration_end: Any,
    return_report: bool,
) -> Any:
    """Return the table (or split) of a Dask DataFrame, with its report if asked."""
    end, parts, by = by_customer(
        transactions, opts, what, observation_end, every_column=return_report
    )
    meta_rows = empty_rows(transactions._meta, opts, end)
    if calibration_end is not None:  # pandas checks it after the rows, so here too
        calibration_period(calibration_end, opts, meta_rows.end_per, meta_rows.end_ts)
    if calibration_end is None:
        meta, _ = table_rows(_copy(meta_rows), what, report=False, allow_empty=True)
    else:
        meta, _ = split_rows(
            _copy(meta_rows), what, calibration_end, report=False, allow_empty=True
        )
    args = (opts, end, what, calibration_end)
    if not return_report:
        if sum(p.get("kept", 0) for p in parts) == 0:
            raise_no_purchases(by, args, meta_rows, parts)
        tables = [delayed(_table_only)(p, *args, meta_rows) for p in by.parts]
        return dd.from_delayed(
            tables, meta=meta, divisions=by.divisions(meta.index.dtype), verify_meta=False
        )
    outs = [delayed(_kernel, nout=2)(p, *args, True, meta_rows) for p in by.parts]
    outs = list(persist(*outs))  # one run: the tables stay, the reports come back
    tables = dd.from_delayed(
        [o[0] for o in outs], meta=meta, divisions=by.divisions(meta.index.dtype), verify_meta=False
    )
    rep: TableReport = reduce(_sum_reports, compute(*[o[1] for o in outs]))
    if rep.customers == 0:
        raise no_purchases(what, _counts(rep, parts))
    return tables, rep


def _copy(rows: Rows) -> Rows:
    """Copy the empty rows (the kernel releases the arrays it takes)."""
    return Rows(**{**rows.__dict__, "counts": dict(rows.counts)})


def _counts(rep: TableReport, parts: list[dict[str, Any]]) -> dict[str, int]:
    """Return the reader's counts of the report, in the reader's order (for the message)."""
    names = next((list(p["counts"]) for p in parts if "counts" in p), [])
    names += ["refunds_netted", "unmatched_refund", "periods_netted_out"]
    d = rep.as_dict()
    return {k: d[k] for k in names if k in d}


def raise_no_purchases(
    by: ByCustomer, args: tuple[Any, ...], meta_rows: Rows, parts: list[dict[str, Any]]
) -> None:
    """No purchase row is left: raise the pandas error with the exact counts (computed)."""
    reps = compute(*[delayed(_kernel, nout=2)(p, *args, True, meta_rows)[1] for p in by.parts])
    raise no_purchases(args[2], _counts(reduce(_sum_reports, reps), parts))


def dask_table(
    transactions: Any, opts: ReadOptions, observation_end: Any, return_report: bool
) -> Any:
    """:func:`custvalue.customer_table` of a Dask DataFrame."""
    what = "customer_table: transactions"
    return _build(transactions, opts, what, observation_end, None, return_report)


def dask_split(
    transactions: Any,
    opts: ReadOptions,
    calibration_end: Any,
    observation_end: Any,
    return_report: bool,
) -> Any:
    """:func:`custvalue.split_calibration_holdout` of a Dask DataFrame."""
    what = "split_calibration_holdout: transactions"
    return _build(transactions, opts, what, observation_end, calibration_end, return_report)


def empty_index(meta: pd.DataFrame, opts: ReadOptions, end: Any, what: str) -> pd.Index:
    """Return the (empty) customer index of the table of transactions like ``meta``."""
    empty, _ = table_rows(_copy(empty_rows(meta, opts, end)), what, report=False, allow_empty=True)
    return empty.index
