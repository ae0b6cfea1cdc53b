"""Benchmark: the whole core on 100M transactions with Dask, against pandas in the same run.

Three parts, in this order:

1. **Data** (once, cached). ``--rows`` synthetic transactions written as partitioned Parquet
   under ``--cache`` (a folder per row count and seed, with a ``manifest.json``; an existing
   folder whose manifest records the same rows, seed and format is reused). The log is
   generated block by block (3.6M customers, about 10M rows per block, from
   ``custvalue.datasets.make_transactions``: CDNOW BG/NBD purchases and Gamma-Gamma spend
   over 1997-01-01..1998-06-30, times with seconds, so about 1% of the rows are a second
   purchase by the same customer on the same day), so memory stays at one block. The files
   are time slices of ~``--file-rows`` rows each, as exports usually are: every block adds
   one row group to every file, so a customer's purchases span several files, and the
   slices cut at a second, not at midnight, so one customer's day can span two files. The
   last block is cut to whole rows in customer order so that there are exactly
   ``--rows`` rows.
2. **pandas** on the first ``--pandas-rows`` rows: the customers with the lowest ids whose
   rows add up to at most that many (whole customers, the same distribution as the whole
   log), cached once as one Parquet file next to the log. One process, one core.
3. **Dask** on the whole log, on ``distributed.LocalCluster(n_workers=2,
   threads_per_worker=1, memory_limit="3.9GiB")`` (the limits add up to 7.8 GiB, under
   the 8 GiB target) with spilling from 80% of the limit (Dask's default is 60%) and
   freed memory kept for the next task (``WORKER_MEMORY``), or on ``--scheduler ADDRESS``.

Both paths run the same steps: read the Parquet and build ``cv.customer_table`` (Dask:
one shuffle by customer; the table is persisted on the workers), fit ``BetaGeoModel`` and
``GammaGammaModel`` (on the repeat buyers), the 12-month CLV (monthly discounting, 1% a
month), RFM scores, ABC classes of the CLV, and write the customers (table + scores) as
Parquet. Each step prints its wall time, input transactions per second, per second per
core, and the peak resident memory: of the process (pandas), of the largest worker and
of all workers together (Dask; ``client.run`` samples every worker's RSS every 0.5 s in a
background thread). The last table gives the per-core throughput ratio Dask / pandas.

Targets (issue 12): 100M rows end to end with the workers' peak memory under 8 GiB, and
per-core throughput within 2x of pandas' (ratio >= 0.5).

Usage::

    python benchmarks/scale.py                          # 100M rows; pandas on 10M
    python benchmarks/scale.py --no-dask                # data and the pandas part only
    python benchmarks/scale.py --rows 2e7 --pandas-rows 5e6
    python benchmarks/scale.py --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

import custvalue as cv
from custvalue.datasets import make_transactions

FORMAT = 1  # bump when the generated data changes
BLOCK_CUSTOMERS = 3_600_000  # about 10M rows per generated block
OBSERVATION_END = "1998-06-30"  # make_transactions' default end: the log's last day
SCHEMA = pa.schema(
    [("customer_id", pa.int64()), ("timestamp", pa.timestamp("us")), ("amount", pa.float64())]
)
GIB = 2**30
# the local cluster's memory thresholds, as fractions of each worker's memory_limit
WORKER_MEMORY = {
    "distributed.worker.memory.target": 0.8,
    "distributed.worker.memory.spill": 0.85,
    "distributed.worker.memory.pause": 0.9,
    # glibc keeps freed memory for the next task instead of returning it at once (Dask's
    # default, 64 KiB, makes every large temporary array fault its pages in again)
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(1 << 30),
}


# --- 1. the data -------------------------------------------------------------------------


def _block(seed: int, k: int) -> pd.DataFrame:
    """Block ``k`` of the log: its own customers (ids offset by the block), sorted by time."""
    tx = make_transactions(BLOCK_CUSTOMERS, random_state=np.random.default_rng([seed, k]))
    tx["customer_id"] += k * BLOCK_CUSTOMERS
    return tx


def _first_rows_by_customer(tx: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first ``n`` rows in (customer, time) order, kept in time order."""
    order = np.argsort(tx["customer_id"].to_numpy(), kind="stable")  # time order within id
    keep = np.zeros(len(tx), dtype=bool)
    keep[order[:n]] = True
    return tx[keep]


def _micros(tx: pd.DataFrame) -> np.ndarray:
    return tx["timestamp"].to_numpy().view("int64")


def _generate(folder: Path, rows: int, seed: int, file_rows: int) -> dict[str, Any]:
    data = folder / "transactions"
    data.mkdir(parents=True)
    n_files = max(1, round(rows / file_rows))
    writers = [pq.ParquetWriter(data / f"part-{i:05d}.parquet", SCHEMA) for i in range(n_files)]
    file_rows_written = [0] * n_files
    blocks: list[dict[str, int]] = []
    bounds: np.ndarray | None = None
    written = 0
    try:
        while written < rows:
            k = len(blocks)
            tx = _block(seed, k)
            if len(tx) > rows - written:
                tx = _first_rows_by_customer(tx, rows - written)
            micros = _micros(tx)
            if bounds is None:  # time slices of equal expected size, cut at whole seconds
                q = np.quantile(micros, np.arange(1, n_files) / n_files)
                bounds = (np.floor(q / 1e6) * 1e6).astype("int64")
            cuts = [0, *np.searchsorted(micros, bounds, side="left").tolist(), len(tx)]
            for i in range(n_files):
                part = tx.iloc[cuts[i] : cuts[i + 1]]
                if len(part):
                    writers[i].write_table(
                        pa.Table.from_pandas(part, schema=SCHEMA, preserve_index=False)
                    )
                    file_rows_written[i] += len(part)
            ids = tx["customer_id"]
            blocks.append(
                {
                    "first_id": int(ids.min()),
                    "last_id": int(ids.max()),
                    "customers": int(ids.nunique()),
                    "rows": len(tx),
                }
            )
            written += len(tx)
            print(f"  block {k}: {written:,} / {rows:,} rows", flush=True)
    finally:
        for w in writers:
            w.close()
    return {
        "files": [f"part-{i:05d}.parquet" for i in range(n_files)],
        "file_rows": file_rows_written,
        "blocks": blocks,
        "customers": sum(b["customers"] for b in blocks),
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ensure_data(cache: Path, rows: int, seed: int, file_rows: int) -> tuple[Path, dict[str, Any]]:
    """Return the folder of the cached log (generating it first if needed) and its manifest."""
    folder = cache / f"rows{rows}-seed{seed}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("rows"), manifest.get("seed"), manifest.get("format")) == (
            rows,
            seed,
            FORMAT,
        ):
            print(
                f"data: cached {folder} ({rows:,} rows, {len(manifest['files'])} files, "
                f"{manifest['bytes'] / GIB:.2f} GiB; generated in {manifest['seconds']:.0f} s)"
            )
            return folder, manifest
    print(f"data: generating {rows:,} transactions into {folder}", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".tmp-rows{rows}-seed{seed}"
    shutil.rmtree(tmp, ignore_errors=True)  # a previous run cut off while generating
    t0 = time.perf_counter()
    manifest = {"rows": rows, "seed": seed, "format": FORMAT, "start": "1997-01-01"}
    manifest |= {"observation_end": OBSERVATION_END, "block_customers": BLOCK_CUSTOMERS}
    manifest |= _generate(tmp, rows, seed, file_rows)
    manifest["seconds"] = time.perf_counter() - t0
    manifest["bytes"] = _size(tmp)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(folder, ignore_errors=True)  # a folder without a matching manifest
    tmp.rename(folder)
    print(
        f"data: {rows:,} rows, {manifest['customers']:,} customers, "
        f"{len(manifest['files'])} files, {manifest['bytes'] / GIB:.2f} GiB, "
        f"generated in {manifest['seconds']:.0f} s"
    )
    return folder, manifest


def first_rows(folder: Path, manifest: dict[str, Any], n: int) -> Path:
    """Return a Parquet file of the lowest-id customers whose rows add up to at most ``n``."""
    path = folder / "subsets" / f"first{n}.parquet"
    if path.exists():
        return path
    t0 = time.perf_counter()
    need, last_id = 0, 0
    for b in manifest["blocks"]:  # the blocks that hold the first n rows in id order
        need += b["rows"]
        last_id = b["last_id"]
        if need >= n:
            break
    dataset = pads.dataset(folder / "transactions", format="parquet")
    tx = dataset.to_table(filter=pads.field("customer_id") <= last_id).to_pandas()
    ids = tx["customer_id"].to_numpy()
    per_id = np.bincount(ids - ids.min())
    cutoff = ids.min() + np.searchsorted(np.cumsum(per_id), n, side="right") - 1
    tx = tx[ids <= cutoff].reset_index(drop=True)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tx.to_parquet(tmp, index=False)
    tmp.rename(path)
    print(f"pandas input: {len(tx):,} rows cached in {time.perf_counter() - t0:.0f} s")
    return path


# --- memory and time -----------------------------------------------------------------------


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


@dataclass
class PeakMemory:
    """Peak resident memory, sampled every ``interval`` seconds in a background thread.

    ``probe`` returns the current RSS of each process watched (one, or every worker).
    """

    probe: Callable[[], dict[str, int]]
    interval: float = 0.5
    each: int = 0  # largest single process since the last reset
    total: int = 0  # largest sum over the processes since the last reset
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        rss = self.probe()
        with self._lock:
            self.each = max(self.each, *rss.values())
            self.total = max(self.total, sum(rss.values()))

    def reset(self) -> tuple[int, int]:
        """Return the peaks (single, sum) since the last reset and start again."""
        self.sample()
        with self._lock:
            peaks = (self.each, self.total)
            self.each = self.total = 0
        return peaks

    @contextmanager
    def running(self) -> Iterator[PeakMemory]:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


@dataclass
class Step:
    name: str
    seconds: float
    peak_each: int
    peak_total: int


def timed(steps: list[Step], mem: PeakMemory, name: str, fn: Callable[[], Any]) -> Any:
    mem.reset()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    each, total = mem.reset()
    steps.append(Step(name, seconds, each, total))
    return out


STEP_NAMES = (
    "read + customer_table",
    "fit BG/NBD",
    "fit Gamma-Gamma",
    "CLV 12 months",
    "RFM scores",
    "ABC classes",
    "write customers",
)


def _clv(bg: Any, gg: Any, table: Any) -> Any:
    return cv.customer_lifetime_value(
        bg, gg, table, horizon=52.0, period_length=52.0 / 12, discount_rate=0.01
    )


def _customers(table: Any, clv: Any, rfm: Any, abc: Any) -> Any:
    # assign, not join: on Dask, columns of frames with the same known divisions are put
    # side by side partition by partition (frames with unknown divisions would be shuffled)
    return table.assign(clv=clv, abc_class=abc, **{c: rfm[c] for c in rfm.columns})


def _table_options() -> dict[str, Any]:
    return {"amount_col": "amount", "time_unit": "W", "observation_end": OBSERVATION_END}


# --- 2. pandas ------------------------------------------------------------------------------


def _read_one_thread(path: Path) -> pd.DataFrame:
    # pyarrow reads with a thread per core by default; the pandas path is one core
    return pq.read_table(path, use_threads=False).to_pandas(use_threads=False)


def pandas_path(path: Path, out: Path) -> tuple[int, int, list[Step]]:
    """Run every step with pandas on one file; return rows, customers and the steps."""
    steps: list[Step] = []
    mem = PeakMemory(lambda: {"process": _rss()})
    with mem.running():
        table = timed(
            steps,
            mem,
            STEP_NAMES[0],
            lambda: cv.customer_table(_read_one_thread(path), **_table_options()),
        )
        bg = timed(steps, mem, STEP_NAMES[1], lambda: cv.BetaGeoModel().fit(table))
        gg = timed(
            steps,
            mem,
            STEP_NAMES[2],
            lambda: cv.GammaGammaModel().fit(table[table["n_repeat"] > 0]),
        )
        clv = timed(steps, mem, STEP_NAMES[3], lambda: _clv(bg, gg, table))
        rfm = timed(steps, mem, STEP_NAMES[4], lambda: cv.rfm_scores(table))
        abc = timed(steps, mem, STEP_NAMES[5], lambda: cv.abc_classes(clv))
        timed(
            steps,
            mem,
            STEP_NAMES[6],
            lambda: _customers(table, clv, rfm, abc).to_parquet(out / "customers-pandas.parquet"),
        )
    rows = pq.ParquetFile(path).metadata.num_rows
    return rows, len(table), steps


# --- 3. Dask ----------------------------------------------------------------------------------


def dask_path(
    data: Path, out: Path, scheduler: str | None
) -> tuple[int, dict[str, Any], list[Step]]:
    """Run every step with Dask on the whole folder; return cores, cluster facts and steps."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, wait

    if scheduler is None:
        # spill at 80% of the limit, not Dask's default 60%: the persisted steps (table,
        # CLV, scores: about 4.5 GB at 36M customers) then stay in memory
        with dask.config.set(WORKER_MEMORY):
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="3.9GiB")
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        nthreads = client.nthreads()
        cores = sum(nthreads.values())
        mem = PeakMemory(lambda: client.run(_rss))
        steps: list[Step] = []

        def persisted(obj: Any) -> Any:
            obj = obj.persist()
            wait(obj)
            return obj

        def table_step() -> Any:
            ddf = dd.read_parquet(str(data))
            try:
                table = cv.customer_table(ddf, **_table_options())
            except TypeError as exc:  # before issue 12's Dask API lands
                raise SystemExit(
                    f"customer_table does not take a Dask DataFrame yet ({exc}); run with --no-dask"
                ) from exc
            return persisted(table), ddf.npartitions

        with mem.running():
            table, partitions = timed(steps, mem, STEP_NAMES[0], table_step)
            bg = timed(steps, mem, STEP_NAMES[1], lambda: cv.BetaGeoModel().fit(table))
            gg = timed(
                steps,
                mem,
                STEP_NAMES[2],
                lambda: cv.GammaGammaModel().fit(table[table["n_repeat"] > 0]),
            )
            # each step is timed by persisting its result, and the next steps build on it;
            # the table's divisions are known (integer ids are cut into id ranges), so the
            # persisted columns are put side by side partition by partition, no shuffle
            clv = timed(steps, mem, STEP_NAMES[3], lambda: persisted(_clv(bg, gg, table)))
            rfm = timed(steps, mem, STEP_NAMES[4], lambda: persisted(cv.rfm_scores(table)))
            abc = timed(steps, mem, STEP_NAMES[5], lambda: persisted(cv.abc_classes(clv)))
            timed(
                steps,
                mem,
                STEP_NAMES[6],
                lambda: _customers(table, clv, rfm, abc).to_parquet(str(out / "customers-dask")),
            )
            facts = {
                "workers": len(nthreads),
                "partitions": partitions,
                "customers": int(table.shape[0].compute()),
            }
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return cores, facts, steps


# --- printing --------------------------------------------------------------------------------


def _print_steps(title: str, rows: int, cores: int, steps: list[Step], single: str) -> None:
    print(f"\n== {title} ==")
    print(
        f"{'step':24s} {'s':>8s} {'rows/s':>12s} {'rows/s/core':>12s} "
        f"{'peak ' + single:>14s} {'peak all':>9s}"
    )
    for s in [*steps, Step("total", sum(x.seconds for x in steps), 0, 0)]:
        each = max(x.peak_each for x in steps) if s.name == "total" else s.peak_each
        total = max(x.peak_total for x in steps) if s.name == "total" else s.peak_total
        rate = rows / s.seconds
        print(
            f"{s.name:24s} {s.seconds:8.2f} {rate:12,.0f} {rate / cores:12,.0f} "
            f"{each / GIB:10.2f} GiB {total / GIB:5.2f} GiB"
        )


def _print_ratios(
    dask_rows: int, cores: int, dask_steps: list[Step], pd_rows: int, pd_steps: list[Step]
) -> None:
    print("\n== per-core throughput, Dask / pandas (target >= 0.5: within 2x) ==")
    print(f"{'step':24s} {'Dask rows/s/core':>17s} {'pandas rows/s':>14s} {'ratio':>7s}")
    pairs = [*zip(dask_steps, pd_steps, strict=True)]
    total = (
        Step("end to end", sum(d.seconds for d, _ in pairs), 0, 0),
        Step("end to end", sum(p.seconds for _, p in pairs), 0, 0),
    )
    for d, p in [*pairs, total]:
        dr = dask_rows / d.seconds / cores
        pr = pd_rows / p.seconds
        print(f"{d.name:24s} {dr:17,.0f} {pr:14,.0f} {dr / pr:7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", default="1e8", help="transactions in the log (default 100M)")
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path("~/.cache/custvalue-bench/scale").expanduser(),
        help="folder of the generated logs (default ~/.cache/custvalue-bench/scale)",
    )
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--file-rows", default="3e6", help="rows per Parquet file (about)")
    ap.add_argument(
        "--pandas-rows", default="1e7", help="rows for the pandas path (0: skip it; default 10M)"
    )
    ap.add_argument("--no-dask", action="store_true", help="data and the pandas path only")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: local)")
    ap.add_argument("--out", type=Path, help="keep the customers written here (default: temp)")
    args = ap.parse_args()
    rows, pandas_rows = int(float(args.rows)), int(float(args.pandas_rows))
    folder, manifest = ensure_data(args.cache, rows, args.seed, int(float(args.file_rows)))

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        pd_result = None
        if pandas_rows:
            path = first_rows(folder, manifest, pandas_rows)
            pd_rows, pd_customers, pd_steps = pandas_path(path, out)
            pd_result = (pd_rows, pd_steps)
            _print_steps(
                f"pandas: {pd_rows:,} transactions, {pd_customers:,} customers, one process",
                pd_rows,
                1,
                pd_steps,
                "process",
            )
        if not args.no_dask:
            cores, facts, dask_steps = dask_path(folder / "transactions", out, args.scheduler)
            _print_steps(
                f"Dask: {rows:,} transactions, {facts['customers']:,} customers, "
                f"{facts['partitions']} partitions, {facts['workers']} workers, {cores} threads",
                rows,
                cores,
                dask_steps,
                "worker",
            )
            peak = max(s.peak_total for s in dask_steps)
            print(f"peak memory of all workers: {peak / GIB:.2f} GiB (target < 8 GiB)")
            if pd_result is not None:
                _print_ratios(rows, cores, dask_steps, *pd_result)


if __name__ == "__main__":
    main()
