"""The one distinct-rows / row-key kernel.

Every "which rows are the same" question of custvalue goes through here: compressing a
customer table into distinct ``(n_repeat, purchase_span, tenure)`` rows with counts (model
fits), evaluating a costly prediction once per distinct row (Pareto/NBD, the CLV curve),
and integer keys of ``(customer code, period)`` pairs (the transaction reader). The keys themselves and the
pandas-free coding helpers live in :mod:`._rowkey` (re-exported here).

API
---
:func:`row_key`
    An exact int64 key of integer (or whole-number) columns: equal rows have equal keys and
    keys sort like the rows (lexicographic). Mixed radix of the column codes, with the one
    overflow fallback: when the product of the column sizes would reach ``2**62``, the
    partial key is first relabelled to the dense codes of its distinct values.
:func:`distinct_rows`
    Distinct rows of any numeric columns, with counts (summed weights) and the inverse map.
    The order of the distinct rows depends only on the set of rows, never on their input
    order or their multiplicities, so shuffling the input or collapsing duplicates into
    weights gives identical results bit for bit.
:func:`distinct_rows_if_worth`
    The same for predictions (any order), or None when the rows are mostly distinct (a
    cheap estimate on a sample drawn by value): deduplicating would not pay.
:func:`stable_order`
    A stable argsort of integer keys (e.g. times in seconds) through the packed sort.
:func:`value_codes`, :func:`run_starts`
    Pandas-free helpers (``clv/_math`` uses these): codes of one column, and the starts of
    the runs of equal rows in sorted columns.

How it is fast
--------------
* Whole numbers in a short range (counts, period numbers, codes) are their own codes.
* Other columns with few distinct values (at most 2**18, estimated on a sample drawn by
  value, so the estimate depends only on the set of values) are coded by
  ``pandas.factorize``: numpy has no hash table, and ``np.unique`` needs an argsort for the
  inverse (10M rows: 0.65 s against 0.07 s, measured). This is the only use of pandas
  here, imported where it is used; ``clv/_math`` calls only the pandas-free functions.
* Columns with many distinct values (continuous spans) would make that hash table miss the
  cache (10M rows: 1.8 s per column, 29x the time of 1M). Their rows are hashed to 64 bits
  and the hash prefixes sorted with the row positions packed into one int64 (``np.sort``
  of int64 is vectorised; ``argsort`` is 5x slower); rare collisions are resolved by
  comparing rows.
* Integer keys are grouped by ``bincount`` over their range when it is short, else by the
  same packed sort.

All functions take 1-D arrays of equal length; float columns must be free of NaN (callers
validate first); ``-0.0`` and ``0.0`` are the same value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._rowkey import (
    KEY_LIMIT,
    IntArray,
    RowKey,
    dense_key,
    packed_sort,
    row_key,
    run_starts,
    stable_order,
    value_codes,
    whole_range,
)

__all__ = [
    "BlockGroups",
    "DistinctRows",
    "RowKey",
    "block_groups",
    "distinct_rows",
    "distinct_rows_if_worth",
    "row_key",
    "run_starts",
    "stable_order",
    "value_codes",
]


_HASH_MAX = 1 << 18  # estimated distinct values above which a column is hashed, not coded
_SAMPLE_BITS = 6  # the value-drawn sample keeps values whose hash ends in 6 zero bits
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class DistinctRows:
    """The distinct rows of some columns.

    Attributes
    ----------
    columns : tuple of numpy.ndarray
        The distinct rows, one array per input column (values as in the input).
    counts : numpy.ndarray of float64
        Number of rows (or summed weights) per distinct row.
    inverse : numpy.ndarray of intp or None
        For every input row, the position of its distinct row (None when not asked for):
        ``columns[j][inverse] == cols[j]``.
    """

    columns: tuple[NDArray[Any], ...]
    counts: NDArray[np.float64]
    inverse: NDArray[np.intp] | None


@dataclass(frozen=True)
class BlockGroups:
    """How to sum a per-row quantity per group, block of rows by block (pandas-free).

    Built once by :func:`block_groups` (e.g. when a fit prepares its data) and used at
    every evaluation: where the codes are sorted, each run of equal codes is summed by
    ``np.add.reduceat`` (pairwise summation, ~1e-16 relative); otherwise by ``np.bincount``
    (sequential, ~1e-15 on 1e5 rows).

    Attributes
    ----------
    block : int
        Rows per block.
    n_groups : int
        Number of groups.
    starts : tuple
        Per block, the run starts (sorted codes) or None (bincount).
    codes : tuple
        Per block, the group of each run (sorted codes) or of each row.
    """

    block: int
    n_groups: int
    starts: tuple[NDArray[np.intp] | None, ...]
    codes: tuple[IntArray, ...]

    def add(self, out: NDArray[np.float64], b: int, values: NDArray[np.float64]) -> None:
        """Add the per-group sums of block ``b``'s ``values`` to ``out`` (in place).

        Parameters
        ----------
        out : numpy.ndarray
            Accumulator, one entry per group.
        b : int
            Block number.
        values : numpy.ndarray
            The quantity, one value per row of the block.
        """
        starts = self.starts[b]
        if starts is None:
            out += np.bincount(self.codes[b], weights=values, minlength=self.n_groups)
        else:
            out[self.codes[b]] += np.add.reduceat(values, starts)


def block_groups(codes: IntArray, n_groups: int, *, block: int) -> BlockGroups:
    """Plan the per-group sums of a per-row quantity in blocks of ``block`` rows.

    Parameters
    ----------
    codes : numpy.ndarray of int
        Group of each row, ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups.
    block : int
        Rows per block.

    Returns
    -------
    BlockGroups
        The plan.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rows import block_groups
    >>> plan = block_groups(np.array([0, 0, 2, 2]), 3, block=3)
    >>> out = np.zeros(3)
    >>> plan.add(out, 0, np.array([1.0, 2.0, 4.0]))
    >>> plan.add(out, 1, np.array([8.0]))
    >>> out.tolist()
    [3.0, 0.0, 12.0]
    """
    sorted_codes = bool(np.all(codes[1:] >= codes[:-1]))
    starts: list[NDArray[np.intp] | None] = []
    groups: list[IntArray] = []
    for lo in range(0, codes.shape[0], block):
        cb = codes[lo : lo + block]
        if sorted_codes:
            s = run_starts(cb)
            starts.append(s)
            groups.append(cb[s])
        else:
            starts.append(None)
            groups.append(cb)
    return BlockGroups(block, int(n_groups), tuple(starts), tuple(groups))


def _cheap_whole_reject(col: NDArray[Any]) -> bool:
    """Tell whether a strided sample already shows non-whole values (skips the full check)."""
    sample = col[:: max(1, col.shape[0] // 4096)]
    with np.errstate(invalid="ignore"):
        return col.dtype.kind == "f" and not np.array_equal(sample, np.floor(sample))


def _bits(col: NDArray[Any]) -> NDArray[np.uint64]:
    """64-bit patterns of the values, equal for equal values (-0.0 is 0.0)."""
    if col.dtype.kind == "f":
        return (np.asarray(col, dtype=np.float64) + 0.0).view(np.uint64)
    return np.asarray(col, dtype=np.int64).view(np.uint64)


def _mix(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64's finaliser (a bijection of 64-bit words), in place."""
    h ^= h >> np.uint64(30)
    h *= _M2
    h ^= h >> np.uint64(27)
    h *= _M3
    h ^= h >> np.uint64(31)
    return h


def _spread(col: NDArray[Any], *, exact: bool = True) -> NDArray[np.uint64]:
    """Multiply the values' bit patterns by an odd constant: their top bits are well mixed.

    With ``exact=False`` ``-0.0`` and ``0.0`` may differ (enough for drawing a sample).
    """
    if exact or col.dtype.kind != "f":
        bits = _bits(col)
    else:
        bits = np.asarray(col, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        return bits * _M1


def _estimated_distinct(col: NDArray[Any], spread: NDArray[np.uint64]) -> int:
    """Estimate the distinct values of a column on a sample of 1 in 64 drawn by value.

    The sample keeps the values whose ``spread`` starts with 6 zero bits. It is drawn by value, so the estimate depends only on the set of values, not on
    their order or multiplicity.
    """
    picked = col[spread < np.uint64(1 << (64 - _SAMPLE_BITS))]
    if picked.dtype.kind == "f":
        picked = picked + 0.0
    return int(np.unique(picked).shape[0]) << _SAMPLE_BITS


def _codes(
    col: NDArray[Any], span: tuple[int, int] | None, *, sort: bool = True
) -> tuple[IntArray, NDArray[Any]]:
    """Sorted codes of a column and the values they stand for.

    Whole numbers in a short range (``span``): their offset from the minimum. Otherwise
    ``pandas.factorize`` (for columns with few distinct values; see the module docstring).
    """
    if span is not None:
        lo, hi = span
        return (col - lo).astype(np.int64), np.arange(lo, hi + 1).astype(col.dtype)
    import pandas as pd  # only here: the O(n) hash table numpy lacks (module docstring)

    codes, uniques = pd.factorize(col, sort=sort)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques)


# --------------------------------------------------------------------------- distinct rows


def distinct_rows(
    *cols: ArrayLike,
    weights: ArrayLike | None = None,
    inverse: bool = True,
    canonical: bool = True,
) -> DistinctRows:
    """Find the distinct rows of equally long columns, with counts and the inverse map.

    Parameters
    ----------
    *cols : array-like, 1-D
        Numeric columns of equal length, without NaN.
    weights : array-like, optional
        Weight of each row; ``counts`` then sums them (default: every row counts 1).
    inverse : bool, default True
        Also return, for every row, the position of its distinct row.
    canonical : bool, default True
        Order the distinct rows as a function of the set of rows (what a fit needs for
        identical sums under shuffling); ``False`` allows any order, a little faster
        (predictions, where only the inverse map matters).

    Returns
    -------
    DistinctRows
        ``columns``, ``counts`` and ``inverse`` (or None). The order of the
        distinct rows depends only on the set of distinct rows: lexicographic when every
        column has few distinct values, else by a hash of the row.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rows import distinct_rows
    >>> d = distinct_rows(np.array([1.0, 0.0, 1.0, 1.0]), np.array([2.0, 0.0, 2.0, 3.0]))
    >>> [c.tolist() for c in d.columns], d.counts.tolist()
    ([[0.0, 1.0, 1.0], [0.0, 2.0, 3.0]], [1.0, 2.0, 1.0])
    >>> d.inverse.tolist()
    [1, 0, 1, 2]
    """
    arrays = tuple(np.asarray(c) for c in cols)
    if not arrays:
        raise ValueError("distinct_rows needs at least one column")
    n = arrays[0].shape[0]
    if any(a.shape != (n,) for a in arrays):
        raise ValueError("distinct_rows: the columns must be 1-D and of equal length")
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if n == 0:
        return DistinctRows(arrays, np.zeros(0), np.zeros(0, dtype=np.intp) if inverse else None)
    out = _distinct(arrays, w, inverse, canonical, None)
    assert out is not None
    return out


def distinct_rows_if_worth(*cols: ArrayLike, fraction: float = 0.5) -> DistinctRows | None:
    """Find the distinct rows (any order, with the inverse map) unless they are too many.

    What a prediction needs: :func:`distinct_rows` with ``canonical=False``, or None when
    one column alone has more than ``fraction`` times as many distinct values as there are
    rows (estimated on a sample of 1 in 64 values drawn by value), so that
    deduplicating would not pay.

    Parameters
    ----------
    *cols : array-like, 1-D
        Numeric columns of equal length, without NaN.
    fraction : float, default 0.5
        Share of distinct rows above which None is returned.

    Returns
    -------
    DistinctRows or None
        The distinct rows, or None.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._rows import distinct_rows_if_worth
    >>> distinct_rows_if_worth(np.arange(100_000) % 7).counts.shape
    (7,)
    >>> distinct_rows_if_worth(np.random.default_rng(0).uniform(size=100_000)) is None
    True
    """
    arrays = tuple(np.asarray(c) for c in cols)
    if not arrays or any(a.shape != arrays[0].shape or a.ndim != 1 for a in arrays):
        raise ValueError("distinct_rows_if_worth: give 1-D columns of equal length")
    n = arrays[0].shape[0]
    if n == 0:
        return DistinctRows(arrays, np.zeros(0), np.zeros(0, dtype=np.intp))
    return _distinct(arrays, None, True, False, fraction if n >= 1 << 12 else None)


def _distinct(
    arrays: tuple[NDArray[Any], ...],
    w: NDArray[np.float64] | None,
    inverse: bool,
    canonical: bool,
    fraction: float | None,
) -> DistinctRows | None:
    """Take one of the two paths of :func:`distinct_rows` (None when over ``fraction``)."""
    n = arrays[0].shape[0]
    spans = [None if _cheap_whole_reject(a) else whole_range(a) for a in arrays]
    estimates = [
        _estimated_distinct(a, _spread(a, exact=False)) if span is None else _span_size(span)
        for a, span in zip(arrays, spans, strict=True)
    ]
    if fraction is not None and max(estimates) > fraction * n:
        return None
    many = any(span is None and e > _HASH_MAX for span, e in zip(spans, estimates, strict=True))
    if many:
        return _by_hash(arrays, w, inverse)
    coded = [_codes(a, span, sort=canonical) for a, span in zip(arrays, spans, strict=True)]
    return _by_key(arrays, coded, w, inverse, canonical)


def _span_size(span: tuple[int, int]) -> int:
    """Count the values ``lo .. hi`` of a whole-number column (bounds its distinct values)."""
    return span[1] - span[0] + 1


def _by_key(
    arrays: tuple[NDArray[Any], ...],
    coded: list[tuple[IntArray, NDArray[Any]]],
    w: NDArray[np.float64] | None,
    want_inverse: bool,
    canonical: bool = True,
) -> DistinctRows:
    """Distinct rows through an exact key (lexicographic order when ``canonical``)."""
    n = arrays[0].shape[0]
    key = coded[0][0]
    size = max(int(coded[0][1].shape[0]), 1)
    relabelled = False
    for codes, values in coded[1:]:
        k = max(int(values.shape[0]), 1)
        if size * k >= KEY_LIMIT:
            key, size = dense_key(key, size)
            relabelled = True
        key = key * np.int64(k)
        key += codes
        size *= k
    keys: IntArray | None = None
    labels: IntArray | None = None
    if not want_inverse and not relabelled and size > n + 1024:
        # a fit: the distinct keys and their counts, no inverse; a sort of the keys alone
        # (no permutation) when every row counts 1, else the packed sort and pairwise sums
        if w is None:
            sorted_key = np.sort(key)
            starts = run_starts(sorted_key)
            keys = sorted_key[starts]
            counts = np.diff(starts, append=n).astype(np.float64)
        else:
            order, sorted_key = packed_sort(key, size)
            if order is None:
                order = np.argsort(key, kind="stable")
                sorted_key = key[order]
            starts = run_starts(sorted_key)
            keys = sorted_key[starts]
            counts = np.asarray(np.add.reduceat(w[order], starts), dtype=np.float64)
        n_groups = keys.shape[0]
    elif size <= n + 1024:  # group by bincount over the key range: O(n + size)
        per_key = np.bincount(key, minlength=size)
        present = per_key > 0
        label = np.cumsum(present) - 1
        labels = np.asarray(label[key], dtype=np.int64)
        n_groups = int(label[-1]) + 1
        keys = np.flatnonzero(present)
        if w is None:
            counts = np.asarray(per_key[present], dtype=np.float64)
        else:
            counts = np.asarray(np.bincount(labels, weights=w, minlength=n_groups), np.float64)
    elif canonical:
        labels, n_groups = dense_key(key, size)
        counts = np.asarray(np.bincount(labels, weights=w, minlength=n_groups), np.float64)
    else:  # any order: the hash table groups the keys without a sort
        import pandas as pd  # the O(n) hash table numpy lacks (module docstring)

        codes_, uniq = pd.factorize(key)
        labels, n_groups = np.asarray(codes_, dtype=np.int64), len(uniq)
        counts = np.asarray(np.bincount(labels, weights=w, minlength=n_groups), np.float64)
    if relabelled or keys is None:
        assert labels is not None
        rep = np.empty(n_groups, dtype=np.intp)
        rep[labels] = np.arange(n, dtype=np.intp)  # any row of a group: they are equal
        columns = tuple(a[rep] for a in arrays)
    else:  # decode the mixed-radix keys of the distinct rows
        out = []
        rest = keys
        for _, values in coded[::-1]:
            k = max(int(values.shape[0]), 1)
            out.append(values[rest % k])
            rest = rest // k
        columns = tuple(out[::-1])
    inverse = np.asarray(labels, dtype=np.intp) if want_inverse and labels is not None else None
    return DistinctRows(columns, counts, inverse)


def _by_hash(
    arrays: tuple[NDArray[Any], ...], w: NDArray[np.float64] | None, want_inverse: bool
) -> DistinctRows:
    """Distinct rows through a sort of 64-bit row hashes (hash order; exact)."""
    n = arrays[0].shape[0]
    h = _spread(arrays[0])
    with np.errstate(over="ignore"):
        _mix(h)
        for a in arrays[1:]:
            h ^= _spread(a)
            _mix(h)
    idx_bits = max(1, (n - 1).bit_length())
    prefix_bits = 63 - idx_bits
    if prefix_bits < 16:  # more than 2**47 rows: a plain lexicographic sort
        order = np.lexsort(arrays[::-1])
        cols = [np.take(a, order) for a in arrays]
    else:
        h >>= np.uint64(64 - prefix_bits)
        packed, sorted_prefix = packed_sort(h.view(np.int64), 1 << prefix_bits)
        del h
        assert packed is not None
        order = packed
        cols = [np.take(a, order) for a in arrays]
        same = _same_as_previous(cols)
        collide = np.flatnonzero(~same & (sorted_prefix[1:] == sorted_prefix[:-1]))
        if collide.shape[0]:  # different rows share a hash prefix (about n**2 / 2**64 pairs)
            _resolve_collisions(order, sorted_prefix, cols, collide)
    same = _same_as_previous(cols)
    # without a repeated row, every row starts a group
    starts = np.flatnonzero(np.concatenate(([True], ~same))) if bool(same.any()) else np.arange(n)
    if starts.shape[0] == n:
        counts = np.ones(n) if w is None else np.take(w, order)
        columns = tuple(cols)
    else:
        counts = (
            np.diff(starts, append=n).astype(np.float64)
            if w is None
            else np.add.reduceat(np.take(w, order), starts)
        )
        columns = tuple(c[starts] for c in cols)
    inv = None
    if want_inverse:
        inv = np.empty(n, dtype=np.intp)
        if starts.shape[0] == n:
            inv[order] = np.arange(n, dtype=np.intp)
        else:
            group = np.zeros(n, dtype=np.intp)
            group[starts[1:]] = 1
            inv[order] = np.cumsum(group)
    return DistinctRows(columns, np.asarray(counts, dtype=np.float64), inv)


def _same_as_previous(cols: list[NDArray[Any]]) -> NDArray[np.bool_]:
    """For positions 1..n-1: the row equals the previous one."""
    same = cols[0][1:] == cols[0][:-1]
    for c in cols[1:]:
        same &= c[1:] == c[:-1]
    return np.asarray(same)


def _resolve_collisions(
    order: NDArray[np.intp],
    prefix_sorted: NDArray[np.int64],
    cols: list[NDArray[Any]],
    collide: NDArray[np.intp],
) -> None:
    """Reorder, in place, the runs of equal hash prefix that hold different rows.

    Within such a run the rows are sorted lexicographically (a stable sort, so equal rows
    keep their input order): equal rows become adjacent and the order stays a function of
    the rows alone. ``order`` and the sorted columns ``cols`` are updated together.
    """
    for v in np.unique(prefix_sorted[collide]):
        lo = int(np.searchsorted(prefix_sorted, v, side="left"))
        hi = int(np.searchsorted(prefix_sorted, v, side="right"))
        within = np.lexsort([c[lo:hi] for c in cols[::-1]])
        order[lo:hi] = order[lo:hi][within]
        for c in cols:
            c[lo:hi] = c[lo:hi][within]
