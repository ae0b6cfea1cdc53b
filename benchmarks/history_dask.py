"""Benchmark: lifecycle stages and churn on Dask against pandas, in the same run.

Generated transactions with product lines (``custvalue.datasets.make_transactions``, CDNOW
BG/NBD purchases, about 2.8 rows per customer), rows in random order, cut into
``--partitions`` row chunks (so customers are split over partitions). For each function
the pandas call and the Dask call (computed; synchronous scheduler, one core, and the
threaded scheduler) are timed, with the customer table on both paths for reference, and
the results are checked to be equal. Prints wall times and the Dask / pandas ratio.

Usage::

    python benchmarks/history_dask.py                 # about 2M rows
    python benchmarks/history_dask.py --customers 200000 --partitions 4
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd

import custvalue as cv
from custvalue.datasets import make_transactions

KW: dict[str, Any] = {"amount_col": "amount", "time_unit": "W"}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=720_000)
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()
    tx = make_transactions(args.customers, product_lines=4, random_state=1)
    tx = tx.sample(frac=1.0, random_state=2).reset_index(drop=True)
    d = dd.from_pandas(tx, npartitions=args.partitions, sort=False).persist()
    print(f"{len(tx):,} rows, {args.customers:,} customers, {args.partitions} partitions")
    calls: dict[str, Callable[[Any], Any]] = {
        "customer_table": lambda t: cv.customer_table(t, **KW),
        "lifecycle_stages": lambda t: cv.lifecycle_stages(t, **KW),
        "explain_lifecycle": lambda t: cv.explain_lifecycle(t, **KW),
        "churn_status": lambda t: cv.churn_status(t, **KW),
    }
    print(
        f"{'function':<20}{'pandas s':>10}{'dask 1 core s':>15}{'ratio':>8}"
        f"{'dask threads s':>16}{'ratio':>8}"
    )
    for name, call in calls.items():
        tp, want = _timed(lambda call=call: call(tx))
        with dask.config.set(scheduler="synchronous"):
            ts, got = _timed(lambda call=call: call(d).compute())
        with dask.config.set(scheduler="threads"):
            tt, _ = _timed(lambda call=call: call(d).compute())
        got = got.sort_index()
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want, check_exact=True)
        else:
            pd.testing.assert_series_equal(got, want, check_exact=True)
        print(f"{name:<20}{tp:>10.2f}{ts:>15.2f}{ts / tp:>8.2f}{tt:>16.2f}{tt / tp:>8.2f}")


if __name__ == "__main__":
    main()
