"""Time lifecycle_stages and churn_status on about a million customers.

Usage: python benchmarks/lifecycle.py [n_customers]

Generates a seeded synthetic history with custvalue.datasets.make_transactions (BG/NBD
purchases at the CDNOW estimates, first purchases spread over the whole 78 weeks, three
product lines; about 2.8 rows per customer), then prints wall-clock timings of

* a bare pandas groupby (count, first and last timestamp per customer) on the same rows,
  the floor any per-customer summary has to pay, and custvalue.customer_table,
* lifecycle_stages (rhythm method), with explain=True, and the model method,
* churn_status (rhythm rule and fixed window),

and the ratio of each to the bare groupby.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from custvalue import churn_status, customer_table, lifecycle_stages
from custvalue.datasets import make_transactions


def timed(label: str, fn, base: float | None = None):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    ratio = f"  ({dt / base:.1f}x groupby)" if base else ""
    print(f"{label:<44s} {dt:7.2f} s{ratio}")
    return out, dt


def main() -> None:
    n_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tx, _ = timed(
        "generate (make_transactions)",
        lambda: make_transactions(
            n_customers,
            acquisition_end="1998-06-30",
            product_lines=["mobile", "broadband", "tv"],
            random_state=0,
        ),
    )
    print(f"{len(tx):,} transactions, {tx['customer_id'].nunique():,} customers")
    end = pd.Timestamp("1998-06-30")

    _, base = timed(
        "bare pandas groupby (size, min, max time)",
        lambda: tx.groupby("customer_id")["timestamp"].agg(["size", "min", "max"]),
    )
    timed("customer_table", lambda: customer_table(tx, observation_end=end), base)
    stages, _ = timed(
        "lifecycle_stages (rhythm)",
        lambda: lifecycle_stages(tx, observation_end=end),
        base,
    )
    timed(
        "lifecycle_stages (rhythm, explain=True)",
        lambda: lifecycle_stages(tx, observation_end=end, explain=True),
        base,
    )
    rng = np.random.default_rng(1)
    p_alive = pd.Series(rng.uniform(size=len(stages)), index=stages.index)
    expected = pd.Series(rng.gamma(1.0, 1.0, len(stages)), index=stages.index)
    timed(
        "lifecycle_stages (model, expected purchases)",
        lambda: lifecycle_stages(
            tx,
            observation_end=end,
            method="model",
            p_alive=p_alive,
            expected_purchases=expected,
            horizon=91.0,
        ),
        base,
    )
    status, _ = timed("churn_status (rhythm)", lambda: churn_status(tx, observation_end=end), base)
    timed(
        "churn_status (window=91)",
        lambda: churn_status(tx, observation_end=end, window=91.0),
        base,
    )
    print()
    print(stages.value_counts().to_string())
    print(status["churn_status"].value_counts().to_string())


if __name__ == "__main__":
    main()
