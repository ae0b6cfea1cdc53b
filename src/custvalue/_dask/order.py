"""Exact order statistics of Dask columns, without gathering them: the RFM cut points.

``lower_edges`` finds, for each column and each rank ``K``, the smallest value with at least
``K`` values strictly below it, in two passes over the partitions (each returning a few
thousand numbers per partition):

1. every partition sends its size and a sample of its sorted values at evenly spaced
   positions, its smallest and largest value included (:func:`sample`). A sampled value's
   position bounds how many of the partition's values lie below any value; summed over
   the partitions, these bounds put each rank in a bracket between two sampled values
   that holds about two sample steps of values per partition at most;
2. every partition sends, per bracket, how many of its values lie below it and the values
   inside it; sorted in the client, the value at each rank is read off exactly.

Nothing is approximated: the sample only decides how much the last pass moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from dask.base import compute
from dask.delayed import delayed

__all__ = ["lower_edges", "sample"]

_SAMPLE = 1024  # sampled positions per partition and column

Columns = Callable[[Any], dict[str, np.ndarray]]
Bracket = tuple[float, float]


def _positions(size: int) -> np.ndarray:
    """Return the sampled positions in a sorted partition of ``size`` values (ends included)."""
    return np.unique(np.linspace(0, size - 1, min(size, _SAMPLE)).astype(np.intp))


def sample(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pass 1 on one partition: the sorted values of each column at :func:`_positions`."""
    return {name: np.sort(v)[_positions(v.size)] if v.size else v for name, v in arrays.items()}


def _bounds(
    cands: np.ndarray, samples: Sequence[np.ndarray], sizes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the number of values below each candidate, summed over the partitions.

    In a partition whose sorted values ``s`` have ``s[pos[i - 1]] < c <= s[pos[i]]``, the
    values at positions up to ``pos[i - 1]`` are below ``c`` and those from ``pos[i]`` on
    are not (below the smallest: none; above the largest: all).
    """
    low = np.zeros(cands.size, dtype=np.int64)
    high = np.zeros(cands.size, dtype=np.int64)
    for s, size in zip(samples, sizes, strict=True):
        if not size:
            continue
        pos = np.concatenate([[-1], _positions(size), [size]])  # pos[i] for i = -1 .. m
        i = np.searchsorted(s, cands, side="left")  # sampled values below each candidate
        low += pos[i] + 1  # pos[i - 1] + 1 (none: 0)
        high += np.minimum(pos[i + 1], size)  # pos[i] (all: size)
    return low, high


def _bracketed(
    part: Any, columns: Columns, brackets: dict[str, list[Bracket]]
) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Pass 2: per column and bracket ``[lo, hi]``, the count below ``lo`` and the values inside."""
    out: dict[str, list[tuple[int, np.ndarray]]] = {}
    for name, v in columns(part).items():
        out[name] = [
            (int(np.count_nonzero(v < lo)), v[(v >= lo) & (v <= hi)]) for lo, hi in brackets[name]
        ]
    return out


def _edge(g: np.ndarray, idx: int) -> float:
    """Return the lower edge for the value at ``idx`` of the sorted bracket values ``g``."""
    value = g[idx]
    if idx > 0 and g[idx - 1] == value:
        # the value ties with the one before it: fewer than the rank are below it, so the
        # edge is the next larger value (inside the bracket, or none: inf)
        nxt = g[np.searchsorted(g, value, side="right") :]
        return float(nxt[0]) if nxt.size else np.inf
    return float(value)


def lower_edges(
    parts: Sequence[Any],
    columns: Columns,
    samples: Sequence[dict[str, np.ndarray]],
    sizes: Sequence[int],
    ranks: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per column, for each rank ``K``, the smallest value with ``>= K`` values below it.

    Parameters
    ----------
    parts : sequence of Delayed
        The partitions (``ddf.to_delayed()``).
    columns : callable
        Maps a partition to ``{name: float64 array}`` (no missing values), the same names
        for every partition.
    samples : sequence of dict
        :func:`sample` of ``columns`` of each partition (pass 1, run by the caller with its
        checks of the partition).
    sizes : sequence of int
        Number of values of each partition.
    ranks : ndarray of int64
        The ranks ``K_j``.

    Returns
    -------
    dict
        ``{name: array}`` of the edges, ``inf`` where no value has ``K_j`` values below it.
    """
    n = int(sum(sizes))
    names = list(samples[0])
    brackets: dict[str, list[Bracket]] = {}
    where: dict[str, list[int]] = {}  # per rank: its bracket (-1: no value, the edge is inf)
    for k in names:
        cands = np.unique(np.concatenate([s[k] for s in samples]))
        low, high = _bounds(cands, [s[k] for s in samples], sizes)
        brackets[k], where[k] = [], []
        for rank in ranks:
            if rank >= n:
                where[k].append(-1)
                continue
            # lo: the last candidate with at most `rank` values below it for sure (the
            # smallest value has none); hi: the first with more than `rank` for sure
            i_lo = int(np.searchsorted(high, rank, side="right")) - 1
            i_hi = int(np.searchsorted(low, rank, side="right"))
            b = (float(cands[i_lo]), float(cands[i_hi]) if i_hi < cands.size else np.inf)
            if b not in brackets[k]:
                brackets[k].append(b)
            where[k].append(brackets[k].index(b))
    got = compute(*[delayed(_bracketed)(p, columns, brackets) for p in parts])
    edges: dict[str, np.ndarray] = {}
    for k in names:
        e = np.full(len(ranks), np.inf)
        for j, (rank, at) in enumerate(zip(ranks, where[k], strict=True)):
            if at < 0:
                continue
            below = sum(x[k][at][0] for x in got)
            g = np.sort(np.concatenate([x[k][at][1] for x in got]))
            # `below` values are below lo, and g holds the values from lo on, sorted
            e[j] = _edge(g, int(rank) - below)
        edges[k] = e
    return edges
