"""Benchmark: the whole analysis (cv.analyze, then the files and the report) on a large log.

Generates a transaction log with ``make_transactions`` (CDNOW parameters, about 36% as many
customers as rows), then runs ``custvalue.analyze`` with a 39-week holdout, writes the
customer files and the HTML report, and prints each step's time, its share of the total,
and the process's peak resident memory against the input frame's size.

Usage::

    python benchmarks/analyze.py              # 10M rows
    python benchmarks/analyze.py --rows 1e6
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import custvalue as cv
from custvalue.datasets import make_transactions


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", default="1e7", help="approximate number of transactions")
    args = ap.parse_args()
    rows = int(float(args.rows))
    t0 = time.perf_counter()
    tx = make_transactions(max(1, int(rows * 0.36)), random_state=2024)
    gen = time.perf_counter() - t0
    mem = tx.memory_usage(deep=True).sum() / 2**20
    base = _peak_mib()
    print(
        f"{len(tx):,} transactions, {tx['customer_id'].nunique():,} customers "
        f"(generated in {gen:.1f} s; frame {mem:.0f} MiB; process at {base:.0f} MiB)"
    )
    steps: dict[str, float] = {}

    def on_step(name: str, seconds: float) -> None:
        steps[name] = seconds

    t0 = time.perf_counter()
    a = cv.analyze(
        tx,
        amount_col="amount",
        time_unit="W",
        holdout_length=39.0,
        observation_end="1998-06-30",
        on_step=on_step,
    )
    with tempfile.TemporaryDirectory() as folder:
        t1 = time.perf_counter()
        a.save(folder, report=False)
        steps["write customers and models"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        a.to_html(Path(folder) / "report.html")
        steps["write the report"] = time.perf_counter() - t1
    total = time.perf_counter() - t0
    print(f"{'step':44s} {'s':>8s} {'share':>7s}")
    for name, sec in steps.items():
        print(f"{name:44s} {sec:8.2f} {sec / total:7.1%}")
    print(f"{'total':44s} {total:8.2f}")
    peak = _peak_mib()
    print(
        f"peak resident memory {peak:.0f} MiB ({peak / mem:.1f}x the input frame; "
        f"{peak - base:.0f} MiB above the process before the analysis)"
    )
    print(f"chosen model: {a.reason}")


if __name__ == "__main__":
    main()
