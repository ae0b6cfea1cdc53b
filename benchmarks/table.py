"""Benchmark: customer_table vs a bare pandas groupby vs lifetimes, in one process.

For each size, generates a transaction log with ``make_transactions`` (CDNOW parameters,
about 36% as many customers as rows, times with seconds, amounts in cents) and, with
``--ids zipf``, replaces its customer ids by heavy-tailed ones (numpy ``zipf(1.6)``: a few
tens of thousands of customers at 10M rows, the largest holding ~40% of the rows), then times

* ``custvalue.customer_table`` (daily merge period, amounts), and with
  ``return_report=True`` (which also counts the exact duplicate rows),
* a bare pandas groupby per customer: min/max/count of the time, sum of the amount
  (inexact: no same-day merge, no repeat spend, no checks),
* ``lifetimes.utils.summary_data_from_transaction_data`` (daily, with monetary value),

and prints the median of ``--repeats`` runs, the ratios, and the peak memory each call
allocates (tracemalloc) relative to the input frame's memory.

Targets: customer_table no slower than the bare groupby on both id shapes and every size
(issue 9), >= 6x faster than lifetimes, peak memory <= 2.5x the input frame (issue 2).

Usage::

    python benchmarks/table.py                 # 1M and 10M rows, 3 repeats
    python benchmarks/table.py --quick         # 1M rows, lifetimes timed once
    python benchmarks/table.py --sizes 1e6 --repeats 5 --no-lifetimes
    python benchmarks/table.py --ids zipf --sizes 1e6,1e7,3e7 --no-lifetimes
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custvalue import customer_table
from custvalue.datasets import make_transactions


def _customers_for(rows: int) -> int:
    return max(1, int(rows * 0.36))


def _time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del out
    return peak


def transactions(rows: int, ids: str) -> pd.DataFrame:
    """The benchmark's log: CDNOW-like rows, with heavy-tailed ids when ``ids="zipf"``."""
    df = make_transactions(_customers_for(rows), random_state=2024)
    if ids == "zipf":
        rng = np.random.default_rng(2024)
        df["customer_id"] = rng.zipf(1.6, len(df)).astype("int64")
    return df


def run(rows: int, repeats: int, with_lifetimes: bool, lifetimes_repeats: int, ids: str) -> None:
    t0 = time.perf_counter()
    df = transactions(rows, ids)
    gen = time.perf_counter() - t0
    mem = int(df.memory_usage(deep=True).sum())
    n_cust = df["customer_id"].nunique()
    print(
        f"\n== {ids} ids: {len(df):,} transactions, {n_cust:,} customers "
        f"(generated in {gen:.1f} s; frame {mem / 2**20:.0f} MiB) =="
    )

    def ours() -> pd.DataFrame:
        return customer_table(df, amount_col="amount")

    def ours_report() -> Any:
        # the report counts exact duplicate rows: one more pass over the rows' hashes
        return customer_table(df, amount_col="amount", return_report=True)

    def bare() -> pd.DataFrame:
        return df.groupby("customer_id").agg(
            first=("timestamp", "min"),
            last=("timestamp", "max"),
            n=("timestamp", "count"),
            spend=("amount", "sum"),
        )

    results: dict[str, tuple[float, int]] = {}
    results["customer_table"] = (_time(ours, repeats), _peak(ours))
    results["table + report"] = (_time(ours_report, repeats), _peak(ours_report))
    results["bare groupby"] = (_time(bare, repeats), _peak(bare))
    if with_lifetimes:
        from lifetimes.utils import summary_data_from_transaction_data

        def lt() -> pd.DataFrame:
            return summary_data_from_transaction_data(
                df, "customer_id", "timestamp", monetary_value_col="amount", freq="D"
            )

        results["lifetimes"] = (_time(lt, lifetimes_repeats), _peak(lt))

    print(f"{'':16s} {'median s':>9s} {'peak MiB':>9s} {'peak/input':>11s}")
    for name, (sec, peak) in results.items():
        print(f"{name:16s} {sec:9.3f} {peak / 2**20:9.0f} {peak / mem:11.2f}")
    ct = results["customer_table"][0]
    bg = results["bare groupby"][0]
    print(f"customer_table / bare groupby time: {ct / bg:.2f}  (target <= 1)")
    print(f"table + report / bare groupby time: {results['table + report'][0] / bg:.2f}")
    if "lifetimes" in results:
        lt_s = results["lifetimes"][0]
        print(f"lifetimes / customer_table time:   {lt_s / ct:.1f}  (target >= 6)")
        print(f"lifetimes / bare groupby time:     {lt_s / bg:.1f}")
    print(
        f"customer_table peak / input frame: {results['customer_table'][1] / mem:.2f}"
        "  (target <= 2.5)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1e6,1e7", help="comma-separated row counts")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1M rows only, lifetimes timed once")
    ap.add_argument("--no-lifetimes", action="store_true")
    ap.add_argument(
        "--ids",
        choices=("cdnow", "zipf"),
        default="cdnow",
        help="customer ids: CDNOW-like (make_transactions) or heavy-tailed (zipf(1.6))",
    )
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.quick:
        sizes = [1_000_000]
    for rows in sizes:
        lt_rep = 1 if (args.quick or rows >= 5_000_000) else args.repeats
        run(rows, args.repeats, not args.no_lifetimes, lt_rep, args.ids)


if __name__ == "__main__":
    main()
