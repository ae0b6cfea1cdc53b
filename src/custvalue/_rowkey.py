"""Exact integer keys of rows and the pandas-free coding helpers.

:func:`row_key`
    An exact int64 key of integer (or whole-number) columns: equal rows have equal keys and
    keys sort like the rows (lexicographic). Mixed radix of the column codes, with the one
    overflow fallback: when the product of the column sizes would reach ``2**62``, the
    partial key is first relabelled to the dense codes of its distinct values.
:func:`stable_order`
    A stable argsort of integer keys (e.g. times in seconds) through the packed sort.
:func:`value_codes`, :func:`run_starts`
    Codes of one column, and the starts of the runs of equal rows in sorted columns
    (``clv/_math`` uses these).

Nothing here imports pandas. :mod:`._rows` builds the distinct rows on these keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "KEY_LIMIT",
    "IntArray",
    "RowKey",
    "dense_key",
    "packed_sort",
    "row_key",
    "run_starts",
    "stable_order",
    "value_codes",
    "whole_range",
]

IntArray = NDArray[np.int64]

_DENSE_RANGE = 1 << 20  # whole numbers spanning fewer values than this are their own codes
KEY_LIMIT = 1 << 62  # keys stay below this (int64 arithmetic never overflows)


@dataclass(frozen=True)
class RowKey:
    """An exact integer key of rows.

    Attributes
    ----------
    key : numpy.ndarray of int64
        One key per row, in ``[0, size)``; equal rows have equal keys and keys sort like the
        rows (lexicographically, first column first).
    size : int
        Upper bound of the keys (at most ``2**62``).
    """

    key: IntArray
    size: int


# --------------------------------------------------------------------------- pandas-free


def run_starts(*sorted_cols: NDArray[Any]) -> NDArray[np.intp]:
    """Positions where a run of equal rows starts, in columns sorted together.

    Parameters
    ----------
    *sorted_cols : numpy.ndarray
        Columns of equal length whose rows are sorted (equal rows adjacent).

    Returns
    -------
    numpy.ndarray of intp
        Start of every run; ``0`` first (empty for empty input).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rows import run_starts
    >>> run_starts(np.array([1, 1, 2, 5, 5, 5])).tolist()
    [0, 2, 3]
    """
    n = sorted_cols[0].shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in sorted_cols:
        new[1:] |= c[1:] != c[:-1]
    return np.flatnonzero(new)


def whole_range(col: NDArray[Any]) -> tuple[int, int] | None:
    """``(min, max)`` when the column holds whole numbers in a short range.

    Short: fewer than 2**20 values, or (integer dtypes: codes, period numbers) fewer than
    four per row.
    """
    n = col.shape[0]
    if n == 0:
        return None
    if col.dtype.kind in "iub":
        lo, hi = int(col.min()), int(col.max())
        return (lo, hi) if hi - lo < max(_DENSE_RANGE, 4 * n) else None
    if col.dtype.kind != "f":
        return None
    lo_f, hi_f = float(col.min()), float(col.max())
    if not (math.isfinite(lo_f) and math.isfinite(hi_f)) or hi_f - lo_f >= _DENSE_RANGE:
        return None
    with np.errstate(invalid="ignore"):
        if not np.array_equal(col, np.floor(col)):
            return None
    return int(lo_f), int(hi_f)


def value_codes(col: ArrayLike) -> tuple[IntArray, NDArray[Any]]:
    """Sorted codes of one column: ``col == uniques[codes]``, ``uniques`` increasing.

    Pandas-free. Whole numbers in a short range are coded by their offset (no sort); other
    values by ``np.unique``.

    Parameters
    ----------
    col : array-like, 1-D
        Numeric values (no NaN).

    Returns
    -------
    codes : numpy.ndarray of int64
        Code of each value, ``0 .. len(uniques) - 1``.
    uniques : numpy.ndarray
        The distinct values, increasing.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rowkey import value_codes
    >>> codes, uniques = value_codes(np.array([3.0, 1.0, 3.0, 7.0]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1, 2], [1.0, 3.0, 7.0])
    """
    arr = np.asarray(col)
    span = whole_range(arr)
    if span is not None:
        lo, hi = span
        off = (arr - lo).astype(np.int64)
        present = np.bincount(off, minlength=hi - lo + 1) > 0
        label = np.cumsum(present) - 1
        uniques = (np.flatnonzero(present) + lo).astype(arr.dtype)
        return np.asarray(label[off], dtype=np.int64), uniques
    uniques, inverse = np.unique(arr, return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).reshape(arr.shape), uniques


# --------------------------------------------------------------------------- keys


def dense_key(key: IntArray, size: int) -> tuple[IntArray, int]:
    """Relabel keys in ``[0, size)`` to the dense codes of their distinct values (same order)."""
    n = key.shape[0]
    if n == 0:
        return key, 0
    if size <= n + 1024:  # bincount over the key range: O(n + size)
        present = np.bincount(key, minlength=size) > 0
        label = np.cumsum(present) - 1
        return np.asarray(label[key], dtype=np.int64), int(present.sum())
    order, sorted_key = packed_sort(key, size)
    if order is None:
        uniq, inverse = np.unique(key, return_inverse=True)
        return np.asarray(inverse, dtype=np.int64), int(uniq.shape[0])
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    labels = np.cumsum(new) - 1
    out = np.empty(n, dtype=np.int64)
    out[order] = labels
    return out, int(labels[-1]) + 1


def packed_sort(key: IntArray, size: int) -> tuple[NDArray[np.intp] | None, IntArray]:
    """Sort non-negative keys below ``size`` and return ``(order, sorted keys)``.

    The keys and the row positions are packed into one int64 (key above, position below),
    so one vectorised ``np.sort`` gives both and ties keep their input order. Returns
    ``(None, key)`` when they do not fit in 63 bits.
    """
    n = key.shape[0]
    idx_bits = max(1, (n - 1).bit_length())
    key_bits = max(1, (max(size, 1) - 1).bit_length())
    if idx_bits + key_bits > 63:
        return None, key
    packed = np.left_shift(key, idx_bits)
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    mask = np.int64((1 << idx_bits) - 1)
    order = np.asarray(packed & mask, dtype=np.intp)
    return order, np.right_shift(packed, idx_bits)


def stable_order(key: ArrayLike) -> NDArray[np.intp]:
    """Return the stable sorting permutation of integer keys (ties keep their input order).

    The keys, shifted to start at 0, and the row positions are packed into one int64 and
    sorted with ``np.sort`` (a vectorised sort; ``np.argsort(kind="stable")`` of 10M keys is
    about 9x slower); when they do not fit in 63 bits this is ``np.argsort(kind="stable")``.

    Parameters
    ----------
    key : array-like of int, 1-D
        The sort keys.

    Returns
    -------
    numpy.ndarray of intp
        ``key[order]`` is sorted; equal keys appear in their input order.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rowkey import stable_order
    >>> stable_order(np.array([30, 10, 30, 20])).tolist()
    [1, 3, 0, 2]
    """
    k = np.asarray(key, dtype=np.int64)
    if k.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    lo, hi = int(k.min()), int(k.max())
    order, _ = packed_sort(k - lo, hi - lo + 1)
    if order is None:
        return np.asarray(np.argsort(k, kind="stable"), dtype=np.intp)
    return order


def row_key(*cols: ArrayLike) -> RowKey:
    """Compute an exact int64 key of rows of integer (or whole-number) columns.

    Equal rows get equal keys and keys sort like the rows (lexicographically, first column
    first). Each column is coded by its offset from its minimum (whole numbers in a range
    below 2**20) or by its sorted distinct values; the codes are combined in mixed radix.
    The one overflow fallback: before the product of the sizes reaches ``2**62``, the key of
    the columns so far is relabelled to the dense codes of its distinct values (at most one
    per row), which keeps it exact.

    Parameters
    ----------
    *cols : array-like, 1-D
        Columns of equal length: integer codes (e.g. customer codes and period numbers) or
        any numeric values without NaN.

    Returns
    -------
    RowKey
        ``key`` (int64, in ``[0, size)``) and ``size``.

    Examples
    --------
    Keys of (customer code, period number) pairs:

    >>> import numpy as np
    >>> from custvalue._rowkey import row_key
    >>> k = row_key(np.array([0, 0, 1, 0]), np.array([730, 731, 730, 730]))
    >>> k.key.tolist(), k.size
    ([0, 1, 2, 0], 4)
    """
    arrays = [np.asarray(c) for c in cols]
    if not arrays:
        raise ValueError("row_key needs at least one column")
    n = arrays[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for arr in arrays:
        if arr.shape != (n,):
            raise ValueError("row_key: the columns must be 1-D and of equal length")
        span = whole_range(arr)
        if span is not None:
            codes, k = (arr - span[0]).astype(np.int64), span[1] - span[0] + 1
        else:
            codes, uniques = value_codes(arr)
            k = max(int(uniques.shape[0]), 1)
        if size * k >= KEY_LIMIT:
            key, size = dense_key(key, size)
        key = key * np.int64(k) + codes
        size *= k
    return RowKey(key, size)
