"""Time every segmentation function on synthetic customers (default 1,000,000).

Run: ``python benchmarks/segments.py [n_customers]``. Prints the best of three wall-clock
times per call and, as a yardstick, the ratio to a bare pandas baseline in the same run
(a sort + cumulative sum of the values, the least any value-ranking must do).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custvalue import (
    abc_classes,
    concentration_curve,
    gini,
    pareto_share,
    pyramid_tiers,
    rfm_scores,
    rfm_segments,
    rfm_thresholds,
    segment_report,
    value_matrix,
)
from custvalue.labels import display


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_purchases = 1 + rng.negative_binomial(1, 0.3, size=n)
    spend = np.round(n_purchases * rng.gamma(2.0, 20.0, size=n), 2)
    tenure = rng.uniform(1.0, 78.0, size=n)
    span = np.where(n_purchases > 1, tenure * rng.uniform(size=n), 0.0)
    index = pd.Index(np.arange(n, dtype="int64") * 7 + 11, name="customer_id")
    return pd.DataFrame(
        {
            "n_purchases": n_purchases,
            "time_since_last": np.round(tenure - span, 3),
            "total_spend": spend,
        },
        index=index,
    )


def main(n: int) -> None:
    table = synthetic(n)
    values = table["total_spend"]
    rng = np.random.default_rng(1)
    cost = pd.Series(rng.gamma(2.0, 10.0, size=n), index=table.index)
    future = pd.Series(rng.gamma(1.0, 50.0, size=n), index=table.index)
    scores = rfm_scores(table)
    thresholds = rfm_thresholds(table)
    abc = abc_classes(values)

    def baseline() -> None:
        s = values.sort_values(ascending=False)
        (s.cumsum() / s.sum()).to_numpy()

    base = best_of(baseline)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("concentration_curve", lambda: concentration_curve(values)),
        ("gini", lambda: gini(values)),
        ("pareto_share", lambda: pareto_share(values, top=0.2)),
        ("abc_classes fixed", lambda: abc_classes(values)),
        ("abc_classes computed", lambda: abc_classes(values, method="computed")),
        (
            "abc_classes profit (cost)",
            lambda: abc_classes(values, cost=cost, negative="class_c"),
        ),
        ("rfm_scores quantile", lambda: rfm_scores(table)),
        (
            "rfm_scores fixed",
            lambda: rfm_scores(table, method="fixed", thresholds=thresholds),
        ),
        ("rfm_segments common", lambda: rfm_segments(scores)),
        ("rfm_segments cn8", lambda: rfm_segments(scores, scheme="cn8")),
        ("pyramid_tiers vip", lambda: pyramid_tiers(values)),
        (
            "pyramid_tiers metals (cost)",
            lambda: pyramid_tiers(values, scheme="metals", cost=cost),
        ),
        (
            "pyramid_tiers by value",
            lambda: pyramid_tiers(values, by="value", shares=(0.3, 0.3, 0.2)),
        ),
        ("value_matrix", lambda: value_matrix(values, future, cost=cost)),
        ("segment_report", lambda: segment_report(table, abc)),
        ("labels.display zh", lambda: display(abc, lang="zh")),
    ]
    print(f"custvalue segmentation on {n:,} customers (best of 3)")
    print(f"{'baseline: pandas sort + cumsum':32s} {base:8.3f} s")
    for name, fn in cases:
        t = best_of(fn)
        print(f"{name:32s} {t:8.3f} s   {t / base:6.1f} x baseline")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
