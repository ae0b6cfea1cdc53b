"""What the Dask test suites share: the synchronous scheduler, row chunks, local results.

Imported only by tests that have already skipped themselves without Dask
(``pytest.importorskip("dask")``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

PARTS = (1, 3, 7)


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    """Run every test of the importing module on Dask's synchronous scheduler."""
    with dask.config.set(scheduler="synchronous"):
        yield


def chunks(tx: pd.DataFrame, n: int) -> Any:
    """Cut ``tx`` into ``n`` row chunks in its order (customers and days split over them)."""
    return dd.from_pandas(tx, npartitions=n, sort=False)


def local(obj: Any) -> Any:
    """Computed, in the pandas order (Dask results are partitioned by customer hash)."""
    return obj.compute().sort_index()
