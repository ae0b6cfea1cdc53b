"""Each customer's purchase rhythm and the population rhythm (private).

:func:`purchase_rhythm` gives every customer a typical gap between purchases: their own,
or the population rhythm -- a median over all customers -- for those with too few gaps.
On a history split into parts (the partitions of a Dask frame, each holding
every purchase of its customers), each part gives a :class:`GapSample` -- value counts of
its customers' own rhythms in integer ticks (half ticks for medians), a few thousand
numbers at most -- and :func:`population_of` finds the median of all of them, the same
float as ``numpy.median`` on one history, with no conversion to time units and back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._rhythm import Center, History, all_gaps, own_rhythms
from .exceptions import InsufficientDataError

__all__ = ["GapSample", "Rhythm", "gap_sample", "population_of", "purchase_rhythm"]

_NO_RHYTHM = (
    "no customer has two distinct purchase periods, so no purchase rhythm can be "
    "measured; pass population_gap= (a typical gap between purchases, in time units)"
)


@dataclass(frozen=True)
class Rhythm:
    """Each customer's purchase rhythm, in ticks."""

    rhythm: np.ndarray  # typical gap per customer (own or population)
    own: np.ndarray  # bool: the rhythm is the customer's own (else the population's)
    prior: np.ndarray  # typical gap before the last gap (own or population)
    last_gap: np.ndarray  # NaN for single-period customers
    population: float


def purchase_rhythm(
    p: History,
    how: Center,
    min_gaps: int,
    population_gap: float | None,
    *,
    prior: bool = True,
) -> Rhythm:
    """Typical gap of every customer, with the population fallback (see lifecycle_stages).

    With ``prior=False`` only the rhythm is measured (``prior`` and ``last_gap`` of the
    result are then NaN).
    """
    k = p.n - 1  # gaps per customer
    own_r, prior_r, last_gap = own_rhythms(p, how, prior)
    own = k >= min_gaps
    if population_gap is not None:
        pop = float(population_gap)
    elif own.any():
        pop = float(np.median(own_r[own]))
    elif (k > 0).any():  # nobody has min_gaps gaps: the median of all gaps
        pop = float(np.median(all_gaps(p).astype(np.float64)))
    else:
        raise InsufficientDataError(_NO_RHYTHM)
    # too few gaps: the population rhythm, or the customer's own if that is slower (a
    # customer without gaps has a NaN own rhythm: fmax takes the population's)
    rhythm = np.fmax(own_r, pop)
    np.copyto(rhythm, own_r, where=own)
    if prior:
        prior_rhythm = np.fmax(prior_r, pop)
        np.copyto(prior_rhythm, prior_r, where=k - 1 >= min_gaps)  # gaps before the last
    else:
        prior_rhythm = last_gap
    with np.errstate(invalid="ignore"):
        uses_own = own | (own_r > pop)  # NaN compares False
    return Rhythm(
        rhythm=rhythm, own=uses_own, prior=prior_rhythm, last_gap=last_gap, population=pop
    )


Counts = tuple[np.ndarray, np.ndarray]  # distinct values (sorted) and how often each occurs


@dataclass(frozen=True)
class GapSample:
    """What the population rhythm needs from a part of the customers (value counts).

    ``own``: the own rhythms (ticks) of the customers with at least ``min_gaps`` gaps;
    ``gaps``: every gap, only when none of these customers has ``min_gaps`` gaps (the
    population rhythm then falls back to the median of all gaps, if nobody has).
    """

    own: Counts
    gaps: Counts


def gap_sample(p: History, how: Center, min_gaps: int, *, prior: bool = True) -> GapSample:
    """Return the :class:`GapSample` of the customers of ``p`` (as purchase_rhythm sees them)."""
    own = p.n - 1 >= min_gaps
    none = (np.empty(0), np.empty(0, dtype=np.int64))
    if not own.any():
        return GapSample(none, tuple(np.unique(all_gaps(p), return_counts=True)))  # type: ignore[arg-type]
    own_r = own_rhythms(p, how, prior)[0][own]
    return GapSample(tuple(np.unique(own_r, return_counts=True)), none)  # type: ignore[arg-type]


def _merged(counts: list[Counts]) -> Counts:
    """Add up value counts."""
    values, inverse = np.unique(np.concatenate([c[0] for c in counts]), return_inverse=True)
    n = np.zeros(values.size, dtype=np.int64)
    np.add.at(n, inverse, np.concatenate([c[1] for c in counts]))
    return values, n


def _median(counts: Counts) -> float:
    """``numpy.median`` of the values counted by ``counts`` (the same float, bit for bit)."""
    values, n = counts
    cum = np.cumsum(n)
    total = int(cum[-1])
    lo = values[np.searchsorted(cum, (total - 1) // 2, side="right")]
    if total % 2:
        return float(lo)
    hi = values[np.searchsorted(cum, total // 2, side="right")]
    # numpy.median takes the mean of the two middle values
    return float(np.mean(np.array([lo, hi], dtype=np.float64)))


def population_of(samples: list[GapSample]) -> float:
    """Return the population rhythm (ticks) of the customers whose samples are given.

    Equal, bit for bit, to the one :func:`purchase_rhythm` finds for the same customers in
    one history: the median of the own rhythms of the customers with ``min_gaps`` gaps, or,
    if nobody has, the median of every gap; InsufficientDataError without any gap.
    """
    own = [s.own for s in samples if s.own[0].size]
    if own:
        return _median(_merged(own))
    gaps = [s.gaps for s in samples if s.gaps[0].size]
    if gaps:
        return _median(_merged(gaps))
    raise InsufficientDataError(_NO_RHYTHM)
