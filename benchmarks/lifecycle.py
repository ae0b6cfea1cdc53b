"""Time lifecycle_stages and churn_status on about a million customers.

Usage: python benchmarks/lifecycle.py [n_customers]

Generates a seeded synthetic history (a few transactions per customer over two years,
three product lines), then prints wall-clock timings of

* a bare pandas groupby (count, first and last timestamp per customer) on the same rows,
  the floor any per-customer summary has to pay,
* lifecycle_stages (rhythm method), with explain=True, and the model method,
* churn_status (rhythm rule and fixed window),

and the ratio of each to the bare groupby.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from custvalue import churn_status, lifecycle_stages


def generate(n_customers: int, random_state: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(random_state)
    n = rng.geometric(0.2, n_customers)  # up to 5 purchases per customer on average
    cust = np.repeat(np.arange(n_customers, dtype=np.int64), n)
    first = rng.integers(0, 730, n_customers)
    gap = rng.gamma(2.0, 20.0, n_customers)  # typical gap per customer, days
    steps = rng.exponential(gap[cust])
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    cs = np.cumsum(steps)
    offs = cs - np.repeat(cs[start], n)
    day = first[cust] + offs
    keep = day < 730.0  # purchases after the observation end are not seen
    cust, day = cust[keep], day[keep]
    ts = np.datetime64("2022-01-01") + (day * 86400).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "customer_id": cust,
            "timestamp": ts,
            "amount": rng.gamma(2.0, 20.0, cust.size),
            "product": rng.choice(np.array(["mobile", "broadband", "tv"]), cust.size),
        }
    )


def timed(label: str, fn, base: float | None = None):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    ratio = f"  ({dt / base:.1f}x groupby)" if base else ""
    print(f"{label:<44s} {dt:7.2f} s{ratio}")
    return out, dt


def main() -> None:
    n_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tx, _ = timed("generate", lambda: generate(n_customers))
    print(f"{len(tx):,} transactions, {tx['customer_id'].nunique():,} customers")
    end = pd.Timestamp("2024-01-01")

    _, base = timed(
        "bare pandas groupby (size, min, max time)",
        lambda: tx.groupby("customer_id")["timestamp"].agg(["size", "min", "max"]),
    )
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
            horizon=90.0,
        ),
        base,
    )
    status, _ = timed("churn_status (rhythm)", lambda: churn_status(tx, observation_end=end), base)
    timed(
        "churn_status (window=90)",
        lambda: churn_status(tx, observation_end=end, window=90.0),
        base,
    )
    print()
    print(stages.value_counts().to_string())
    print(status["churn_status"].value_counts().to_string())


if __name__ == "__main__":
    main()
