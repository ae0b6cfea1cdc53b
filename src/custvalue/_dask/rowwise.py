"""Per-customer functions on a Dask table: the pandas function on every partition.

Predictions, CLV and the row-wise segmentation functions are elementwise in the customers
(given the fitted parameters, or given a global statistic computed first), so each partition
gets exactly the values pandas gives its rows. The result is lazy (``map_partitions``, its
``meta`` found by calling the function on a one-row stand-in of the table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

__all__ = ["map_rows", "stand_in"]


def stand_in(meta: Any) -> Any:
    """Return a one-row frame like ``meta`` whose numbers are 1 (valid for every rule)."""
    one = meta._meta_nonempty if hasattr(meta, "_meta_nonempty") else meta
    one = one.iloc[:1].copy()
    if isinstance(one, pd.Series):
        if pd.api.types.is_numeric_dtype(one.dtype) and not pd.api.types.is_bool_dtype(one.dtype):
            one[:] = 1
        return one
    for c in one.columns:
        dtype = one[c].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            one[c] = (
                np.ones(1, dtype=np.float64).astype(dtype) if isinstance(dtype, np.dtype) else 1
            )
    return one


def map_rows(
    fn: Callable[..., Any], table: Any, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> Any:
    """Return ``fn(partition, *args, **kwargs)`` on every partition of ``table`` (lazy)."""
    if not isinstance(table, dd.DataFrame | dd.Series):
        raise TypeError(f"a Dask table must be a Dask DataFrame or Series, got {type(table)}")
    meta = fn(stand_in(table), *args, **kwargs).iloc[:0]
    return table.map_partitions(fn, *args, **kwargs, meta=meta)
