"""Exact order statistics of Dask columns, without gathering them: the RFM cut points.

``lower_edges`` finds, for each column and each rank ``K``, the smallest value with at least
``K`` values strictly below it, in three passes over the partitions (each returning a few
thousand numbers per partition):

1. every partition sends its count and a sample of its sorted values at evenly spaced
   positions (its smallest and largest value included);
2. every partition counts its values below each sampled value; summed, these give the
   global number of values below each candidate, so each rank falls between two
   consecutive candidates (the bracket holds at most one sample step of values per
   partition);
3. every partition sends its values inside the brackets; sorted in the client, the value
   at each rank is read off exactly.

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


def sample(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pass 1 on one partition: the sorted values of each column at evenly spaced positions."""
    out: dict[str, np.ndarray] = {}
    for name, v in arrays.items():
        if not v.size:
            out[name] = v
            continue
        s = np.sort(v)
        pos = np.unique(np.linspace(0, s.size - 1, min(s.size, _SAMPLE)).astype(np.intp))
        out[name] = s[pos]
    return out


def _below(part: Any, columns: Columns, cands: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pass 2: per column, the number of values strictly below each candidate."""
    out: dict[str, np.ndarray] = {}
    for name, v in columns(part).items():
        c = cands[name]
        # searchsorted(c, v, "right") = candidates <= v; a value is below c[i] iff that is <= i
        hist = np.bincount(np.searchsorted(c, v, side="right"), minlength=c.size + 1)
        out[name] = np.cumsum(hist[:-1])
    return out


def _inside(
    part: Any, columns: Columns, brackets: dict[str, list[tuple[float, float]]]
) -> dict[str, list[np.ndarray]]:
    """Pass 3: per column and bracket ``[lo, hi]``, the values inside it."""
    out: dict[str, list[np.ndarray]] = {}
    for name, v in columns(part).items():
        out[name] = [v[(v >= lo) & (v <= hi)] for lo, hi in brackets[name]]
    return out


def lower_edges(
    parts: Sequence[Any],
    columns: Columns,
    samples: Sequence[dict[str, np.ndarray]],
    n: int,
    ranks: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per column, for each rank ``K < n``, the smallest value with ``>= K`` values below it.

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
    n : int
        Number of values of each column over all partitions.
    ranks : ndarray of int64
        Non-decreasing ranks ``K_j``.

    Returns
    -------
    dict
        ``{name: array}`` of the edges, ``inf`` where no value has ``K_j`` values below it.
    """
    names = list(samples[0])
    cands = {k: np.unique(np.concatenate([s[k] for s in samples])) for k in names}
    below_parts = compute(*[delayed(_below)(p, columns, cands) for p in parts])
    below = {k: np.sum([b[k] for b in below_parts], axis=0) for k in names}
    # each rank's bracket: the last candidate with at most K values below it, to the next
    brackets: dict[str, list[tuple[float, float]]] = {}
    where: dict[str, list[tuple[int, int]]] = {}  # per rank: (bracket, values below lo)
    for k in names:
        c, b = cands[k], below[k]
        brackets[k], where[k] = [], []
        for rank in ranks:
            if rank >= n:
                where[k].append((-1, 0))
                continue
            i = int(np.searchsorted(b, rank, side="right")) - 1  # b[0] = 0: the minimum
            lo, hi = float(c[i]), float(c[i + 1]) if i + 1 < c.size else np.inf
            if (lo, hi) not in brackets[k]:
                brackets[k].append((lo, hi))
            where[k].append((brackets[k].index((lo, hi)), int(b[i])))
    inside = compute(*[delayed(_inside)(p, columns, brackets) for p in parts])
    edges: dict[str, np.ndarray] = {}
    for k in names:
        got = [np.sort(np.concatenate([x[k][j] for x in inside])) for j in range(len(brackets[k]))]
        e = np.full(len(ranks), np.inf)
        for j, (rank, (at, base)) in enumerate(zip(ranks, where[k], strict=True)):
            if at < 0:
                continue
            g = got[at]
            idx = int(rank) - base  # the values of g are >= lo, and `base` values are below lo
            value = g[idx]
            if idx > 0 and g[idx - 1] == value:
                # value ties with the one before it: fewer than `rank` values are below it, so
                # the edge is the next larger value (inside the bracket, or none: inf)
                nxt = g[np.searchsorted(g, value, side="right") :]
                if nxt.size:
                    e[j] = nxt[0]
            else:
                e[j] = value
        edges[k] = e
    return edges
