"""The rules of the RFM scores: the checks of the table, the rank scores and their cut points.

One definition for the pandas functions of :mod:`custvalue.rfm` and for the Dask path, which
finds the same cut points from order statistics of the whole table (:func:`cut_ranks`)
without gathering it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._schema import N_PURCHASES, TIME_SINCE_LAST, TOTAL_SPEND
from ._validation import Checks, check_columns, check_frame, check_scalar, numeric_array

__all__ = [
    "DIMS",
    "checked",
    "cut_ranks",
    "fixed_scores",
    "quantile_scores",
    "rank_scores",
    "recency_cuts",
    "score_arrays",
]

DIMS = (("r", TIME_SINCE_LAST), ("f", N_PURCHASES), ("m", TOTAL_SPEND))


def cut_ranks(n: int, n_bins: int) -> np.ndarray:
    """Return ``K_j`` (j = 1..n_bins-1): the score is ``> j`` exactly when ``below >= K_j``.

    With ``score = 1 + min(floor(n_bins * below / m), n_bins - 1)`` and ``m = max(n - 1, 1)``,
    ``score >= j + 1`` if and only if ``n_bins * below >= j * m``, i.e. ``below >= K_j =
    ceil(j * m / n_bins)``. The lower edge ``t_j`` is then the smallest value with at least
    ``K_j`` values strictly below it (``inf`` when there is none).
    """
    m = max(n - 1, 1)
    j = np.arange(1, n_bins, dtype=np.int64)
    return -((-j * m) // n_bins)


def rank_scores(v: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank-based scores 1..n_bins, larger value -> higher score, ties kept together.

    A customer's score is ``1 + min(floor(n_bins * below / (n - 1)), n_bins - 1)``, with
    ``below`` the number of customers with a strictly smaller value (``below / (n - 1)`` is
    SQL's PERCENT_RANK, in pandas ``(rank(method="min") - 1) / (n - 1)``); integer
    arithmetic, so no rounding. Returns the scores and the lower-edge thresholds ``t_j``
    (j = 1..n_bins-1) such that ``score = 1 + #{j: v >= t_j}``.
    """
    n = v.size
    uniq, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    score_u = 1 + np.minimum((n_bins * below) // max(n - 1, 1), n_bins - 1)
    thresholds = np.full(n_bins - 1, np.inf)
    # t_j = smallest value whose score is >= j + 1 (the first with below >= K_j)
    pos = np.searchsorted(below, cut_ranks(n, n_bins), side="left")
    ok = pos < uniq.size
    thresholds[ok] = uniq[pos[ok]]
    return score_u[inverse].astype("int64"), thresholds


def recency_cuts(lower_edges_of_negated: np.ndarray) -> tuple[float, ...]:
    """Turn lower edges on ``-time_since_last`` into increasing upper edges on the time."""
    return tuple(float(-x) + 0.0 for x in lower_edges_of_negated[::-1])


def fixed_scores(v: np.ndarray, t: np.ndarray, reverse: bool, n_bins: int) -> np.ndarray:
    """Scores 1..n_bins of ``v`` against the cut points ``t`` (R: ``reverse``)."""
    if reverse:
        # bins (-inf, t1], (t1, t2], ... -> scores n_bins .. 1
        return (n_bins - np.searchsorted(t, v, side="left")).astype("int64")
    # bins [-inf, t1), [t1, t2), ... -> scores 1 .. n_bins
    return (1 + np.searchsorted(t, v, side="right")).astype("int64")


def checked(what: str) -> str:
    """Return the subject of the table's validation errors (``"rfm_scores: customer table"``)."""
    return f"{what}: customer table"


def score_arrays(table: Any, n_bins: Any, what: str) -> tuple[int, dict[str, np.ndarray]]:
    """Validate the table and ``n_bins``; return ``n_bins`` and the R, F, M value arrays."""
    check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
    n = int(check_scalar("n_bins", n_bins, minimum=2, integer=True))
    checks = Checks(checked(what), ids=table.index)
    if not check_columns(
        table, [c for _, c in DIMS], checks, "build the table with custvalue.customer_table"
    ):
        checks.raise_if_failed()
    if len(table) == 0:
        checks.add(None, "the table is empty", 0)
        checks.raise_if_failed()
    arrays = {d: numeric_array(table[c], c, checks) for d, c in DIMS}
    with np.errstate(invalid="ignore"):
        checks.rows(arrays["r"] < 0, TIME_SINCE_LAST, "negative durations")
        checks.rows(arrays["f"] < 0, N_PURCHASES, "negative counts")
    checks.raise_if_failed()
    return n, arrays


def quantile_scores(
    arrays: dict[str, np.ndarray], n_bins: int
) -> tuple[dict[str, np.ndarray], dict[str, tuple[float, ...]]]:
    """Rank-based scores and the cut points that reproduce them with fixed scoring."""
    scores: dict[str, np.ndarray] = {}
    cuts: dict[str, tuple[float, ...]] = {}
    for d, _ in DIMS:
        v = arrays[d]
        if d == "r":
            s, t = rank_scores(-v, n_bins)
            cuts[d] = recency_cuts(t)
        else:
            s, t = rank_scores(v, n_bins)
            cuts[d] = tuple(float(x) for x in t)
        scores[d] = s
    return scores, cuts
