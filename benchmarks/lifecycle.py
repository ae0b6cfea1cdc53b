"""Time lifecycle_stages and churn_status against customer_table, in one process.

Usage::

    python benchmarks/lifecycle.py                      # 1M and 10M transactions
    python benchmarks/lifecycle.py --sizes 1e6 --repeats 5

For each size, generates a seeded synthetic history with custvalue.datasets.make_transactions
(BG/NBD purchases at the CDNOW estimates, first purchases spread over the whole 78 weeks,
three product lines; about 2.8 rows per customer, so the number of customers is chosen to
give about the number of transactions asked for), then prints the median of ``--repeats``
wall-clock times, the peak memory each call allocates (tracemalloc, one extra run), and
the ratio of each time to customer_table's for

* a bare pandas groupby (count, first and last timestamp per customer) on the same rows,
  the floor any per-customer summary has to pay, and custvalue.customer_table,
* lifecycle_stages (rhythm method), explain_lifecycle, and the model method,
* churn_status (rhythm rule and fixed window).

Target (issue 9): lifecycle_stages and churn_status within 2x of customer_table at every size.
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

from custvalue import churn_status, customer_table, explain_lifecycle, lifecycle_stages
from custvalue.datasets import make_transactions

END = pd.Timestamp("1998-06-30")


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


def history(rows: int) -> pd.DataFrame:
    """About ``rows`` transactions (the customer count is scaled from a small pilot)."""

    def make(n: int) -> pd.DataFrame:
        return make_transactions(
            n,
            acquisition_end=END,
            product_lines=["mobile", "broadband", "tv"],
            random_state=0,
        )

    per_customer = len(make(20_000)) / 20_000
    return make(max(1, round(rows / per_customer)))


def run(rows: int, repeats: int, memory: bool) -> None:
    t0 = time.perf_counter()
    tx = history(rows)
    gen = time.perf_counter() - t0
    mem = int(tx.memory_usage(deep=True).sum())
    n_cust = tx["customer_id"].nunique()
    print(
        f"\n== {len(tx):,} transactions, {n_cust:,} customers "
        f"(generated in {gen:.1f} s; frame {mem / 2**20:.0f} MiB) =="
    )
    stages = lifecycle_stages(tx, observation_end=END)
    rng = np.random.default_rng(1)
    p_alive = pd.Series(rng.uniform(size=len(stages)), index=stages.index)
    expected = pd.Series(rng.gamma(1.0, 1.0, len(stages)), index=stages.index)
    del stages
    calls: dict[str, Callable[[], Any]] = {
        "bare groupby": lambda: tx.groupby("customer_id")["timestamp"].agg(["size", "min", "max"]),
        "customer_table": lambda: customer_table(tx, observation_end=END),
        "lifecycle_stages": lambda: lifecycle_stages(tx, observation_end=END),
        "explain_lifecycle": lambda: explain_lifecycle(tx, observation_end=END),
        "lifecycle (model)": lambda: lifecycle_stages(
            tx,
            observation_end=END,
            method="model",
            p_alive=p_alive,
            expected_purchases=expected,
            horizon=91.0,
        ),
        "churn_status": lambda: churn_status(tx, observation_end=END),
        "churn (window=91)": lambda: churn_status(tx, observation_end=END, window=91.0),
    }
    results = {}
    for name, fn in calls.items():
        results[name] = (_time(fn, repeats), _peak(fn) if memory else 0)
    table_s = results["customer_table"][0]
    print(f"{'':20s} {'median s':>9s} {'x table':>8s} {'peak MiB':>9s}")
    for name, (sec, peak) in results.items():
        print(f"{name:20s} {sec:9.3f} {sec / table_s:8.2f} {peak / 2**20:9.0f}")
    print("target: lifecycle_stages and churn_status <= 2.00 x table")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1e6,1e7", help="comma-separated transaction counts")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = ap.parse_args()
    for rows in (int(float(s)) for s in args.sizes.split(",")):
        run(rows, args.repeats, not args.no_memory)


if __name__ == "__main__":
    main()
