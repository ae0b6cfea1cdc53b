"""Tell a Dask collection from a pandas object without importing Dask (private).

The public functions accept Dask DataFrames (extra ``dask``) and hand them to
:mod:`custvalue._dask`; this test needs no import, so ``import custvalue`` never imports
Dask and a pandas call never pays for it.
"""

from __future__ import annotations

__all__ = ["is_dask"]


def is_dask(obj: object) -> bool:
    """Tell whether ``obj`` is a Dask collection (DataFrame, Series, ...)."""
    return type(obj).__module__.partition(".")[0] == "dask"
