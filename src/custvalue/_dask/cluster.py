"""The Dask scheduler of ``custvalue analyze --engine dask`` (private; extra ``dask``)."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["parquet_input", "scheduler"]


def parquet_input(path: str) -> str:
    """Check that ``path`` is a Parquet file, a folder of them, or a glob that matches some.

    Returns the path as given (``dask.dataframe.read_parquet`` reads all three); raises
    ValueError saying what was found otherwise.
    """
    p = Path(path)
    if p.is_dir():
        if not any(p.rglob("*.parquet")) and not any(p.rglob("*.pq")):
            raise ValueError(f"{path} is a folder without .parquet files")
        return path
    if p.is_file():
        if not p.name.lower().endswith((".parquet", ".pq")):
            raise ValueError(
                f"--engine dask reads Parquet (a file, a folder or a glob); {p.name} is not "
                "a .parquet file: convert it, or use the default --engine pandas"
            )
        return path
    if glob.has_magic(path):
        if not glob.glob(path, recursive=True):
            raise ValueError(f"no file matches {path}")
        return path
    raise ValueError(f"{path} does not exist")


@contextlib.contextmanager
def scheduler(address: str | None) -> Iterator[Any]:
    """Run the block on a Dask cluster: a new local one (``None``) or the one at ``address``.

    The local cluster has one single-threaded worker process per core (the kernels are
    numpy code that holds the GIL between calls) and no dashboard; it is closed after the
    block.
    """
    from distributed import Client, LocalCluster

    if address is None:
        n = max(1, os.cpu_count() or 1)
        with (
            LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):
            yield client
    else:
        with Client(address) as client:
            yield client
