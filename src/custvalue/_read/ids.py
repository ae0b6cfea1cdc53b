"""Customer ids: the accepted types, and their coding as dense int64 codes.

Ids keep their values and dtype: the codes index back into the ids (``Ids.ordered``), so the
output index of every function that reads transactions is the input ids, sorted, minus the
reported drops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Ids", "check_ids", "code_ids"]

_SAMPLE = 4096  # ids looked at first to tell dense ids from spread-out ones


def check_ids(ids: pd.Series, column: Any) -> None:
    """Refuse id dtypes that cannot be customer ids (bool, float-like objects, mixed types)."""
    dtype = ids.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        ids = pd.Series(dtype.categories)
        dtype = ids.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"customer column {column!r} is boolean; ids must be integers or strings")
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return
    if pd.api.types.is_string_dtype(dtype):
        kind = pd.api.types.infer_dtype(ids, skipna=True)
        if kind in ("string", "empty", "integer", "bytes"):
            return
        raise TypeError(
            f"customer column {column!r} mixes value types ({kind}); use one type for all ids "
            "(e.g. convert them all to str)"
        )
    raise TypeError(
        f"customer column {column!r} has dtype {ids.dtype}; accepted: integer (NumPy, nullable "
        "or Arrow), string (object, str, string, Arrow) or categorical ids"
    )


@dataclass
class Ids:
    """Customer ids as int64 codes (-1 where missing).

    Dense integer ids (range at most twice the row count) are coded as ``id - base``
    without hashing; other ids go through ``pandas.factorize``.
    """

    codes: np.ndarray
    n_codes: int
    uniques: pd.Index | None  # factorize path: id of each code
    base: int = 0  # dense path: id = code + base
    dtype: Any = None  # dense path: the id dtype
    maybe_missing: bool = True  # False: no code is -1 (known without a pass over the codes)

    def ordered(self, present: np.ndarray) -> tuple[np.ndarray, pd.Index]:
        """Codes of the given customers in id order, and their ids as an Index."""
        if self.uniques is None:
            vals = present.astype("int64") + self.base
            if isinstance(self.dtype, np.dtype):
                return present, pd.Index(vals.astype(self.dtype))
            return present, pd.Index(pd.array(vals, dtype=self.dtype))
        order = present[np.argsort(self.uniques[present], kind="stable")]
        return order, self.uniques[order]


def code_ids(ids: pd.Series) -> Ids:
    """Code ids as int64 (-1 where missing): dense integer ids by offset, others by factorize."""
    dtype = ids.dtype
    n = len(ids)
    # NumPy integers cannot be missing
    numpy_int = isinstance(dtype, np.dtype) and dtype.kind in "iu"
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        unsigned = pd.api.types.is_unsigned_integer_dtype(dtype)
        top = ids.max() if unsigned else 0
        if not unsigned or (not pd.isna(top) and top < 2**63):
            na = ids.isna().to_numpy() if not isinstance(dtype, np.dtype) else None
            vals = ids.to_numpy(dtype="int64", na_value=0)
            if na is not None and na.all():
                return Ids(np.full(n, -1, dtype="int64"), 0, None, 0, dtype)
            valid = vals if na is None or not na.any() else vals[~na]
            if _maybe_dense(valid, n):
                lo, hi = int(valid.min()), int(valid.max())
                if hi - lo < max(2 * n, 1024):
                    codes = vals - lo
                    if na is not None:
                        codes[na] = -1
                    return Ids(codes, hi - lo + 1, None, lo, dtype, na is not None)
    codes, uniques = pd.factorize(ids)
    return Ids(
        codes.astype("int64", copy=False), len(uniques), uniques, maybe_missing=not numpy_int
    )


def _maybe_dense(valid: np.ndarray, n: int) -> bool:
    """Whether the ids may span fewer than ``max(2 n, 1024)`` values (a sample's range says no).

    The range of an even sample of the ids is at most theirs: when it is already too wide,
    the full minimum and maximum (two passes) are not needed.
    """
    step = max(1, valid.size // _SAMPLE)
    sample = valid[::step]
    return bool(int(sample.max()) - int(sample.min()) < max(2 * n, 1024))
