"""Purchase histories and purchase rhythms, shared by lifecycle stages and churn (private).

:func:`read_history` reads a transaction log with custvalue's one reader (the rules of
:func:`custvalue.customer_table`) and its one kernel (the same distinct purchase periods,
refunds netted the same way) and lays the distinct purchase periods out customer by
customer (and, with product lines, customer-line pair by pair); :func:`purchase_rhythm`
measures each customer's typical gap between purchases; :func:`window_sums` counts (or
sums) purchase periods inside per-customer windows.

Durations are integer *ticks* (:func:`custvalue._calendar.period_ticks`): one per period for
fixed periods, one per day for months, quarters and years. Every comparison between them is
exact; ``tick`` converts them to time units only at the boundary.

Every array is laid out in runs (one customer's periods, oldest first, then the next
customer's), so per-customer results come from run boundaries and one sort at most, never
from a search per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._calendar import period_ticks
from ._read import (
    ReadOptions,
    TableReport,
    no_purchases,
    period_spend,
    purchase_periods,
    read_transactions,
    refund_counts,
    rows_report,
    run_starts,
)
from ._schema import CUSTOMER_ID
from .exceptions import InsufficientDataError

__all__ = [
    "Center",
    "History",
    "Lines",
    "Rhythm",
    "purchase_rhythm",
    "run_center",
    "read_history",
    "window_pair",
    "window_sums",
]

Center = Literal["median", "mean"]

_KEY_LIMIT = 2**62


@dataclass(frozen=True)
class Lines:
    """Distinct (customer, product line, period) purchases, in runs per (customer, line).

    Pairs are sorted by customer, then line; the periods of a pair are
    ``period[start[i]:start[i] + n[i]]``, oldest first.
    """

    cust: np.ndarray  # customer code of each pair
    line: np.ndarray  # line code of each pair (position in ``labels``)
    start: np.ndarray  # index of the pair's first period
    n: np.ndarray  # periods of the pair
    period: np.ndarray  # int64 start of each period, in ticks
    age: np.ndarray  # float64 ticks from the period start to the observation end's
    labels: pd.Index  # product lines, sorted


@dataclass(frozen=True)
class History:
    """Distinct purchase periods, in runs per customer (oldest first).

    Position ``c`` of ``ids`` is customer code ``c``; arrays named per period have one
    entry per distinct (customer, period), arrays named per customer one per customer.
    """

    ids: pd.Index  # customer ids as customer_table gives them; position = customer code
    code: np.ndarray  # int64 customer code per period (non-decreasing)
    period: np.ndarray  # int64 start of the period, in ticks
    age: np.ndarray  # float64 ticks from the period start to the observation end's
    spend: np.ndarray | None  # float64 sum of amounts per period (refunds netted)
    first: np.ndarray  # index of each customer's first period
    last: np.ndarray  # index of each customer's last period
    n: np.ndarray  # periods per customer
    lines: Lines | None
    tick: float  # length of one tick in time units
    report: TableReport


def _runs(sorted_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and length of each run of equal values in a sorted array."""
    start = np.flatnonzero(run_starts(sorted_codes))
    n = np.empty_like(start)
    n[:-1] = start[1:] - start[:-1]
    if n.size:
        n[-1] = sorted_codes.size - start[-1]
    return start, n


def _ages(ticks: np.ndarray, end_tick: int) -> np.ndarray:
    """Ticks from each period start to the observation end's, as float64."""
    return np.subtract(end_tick, ticks, dtype=np.float64)


def read_history(
    transactions: object,
    what: str,
    *,
    product_col: Any,
    need_spend: bool,
    observation_end: Any,
    opts: ReadOptions,
) -> History:
    """Read ``transactions`` as :func:`custvalue.customer_table` does and lay them out.

    The reader, its options, row policies, ids and purchase periods are the table's (the
    same kernel, refunds netted the same way); the customers are the table's, in its order.
    With ``product_col`` the distinct purchase periods of every (customer, line) pair are
    laid out too.
    """
    rows = read_transactions(
        transactions,
        opts,
        what=f"{what}: transactions",
        extra_cols=None if product_col is None else {product_col: "product lines"},
        observation_end=observation_end,
    )
    codes, rel, amount = rows.codes, rows.per, rows.amt
    if codes.size == 0:
        raise no_purchases(f"{what}: transactions", rows.counts)
    n_codes = rows.ids.n_codes
    periods = purchase_periods(
        codes,
        rel,  # becomes the relative period, in place
        amount,
        rows.r_codes,
        rows.r_per,
        rows.r_amt,
        n_codes,
        distinct=rows.distinct,
    )
    if not periods.key.size:
        raise no_purchases(f"{what}: transactions", {**rows.counts, **refund_counts(periods)})
    span, pmin = periods.span, periods.pmin
    old_code = periods.key // span
    first, n = _runs(old_code)
    present = old_code[first]  # customers left with a purchase period (after netting)
    order, ids = rows.ids.ordered(present)
    ids = ids.rename(CUSTOMER_ID)
    n_cust = len(ids)
    rank = np.full(n_codes, -1, dtype=np.int64)
    rank[order] = np.arange(n_cust)
    # codes in id order, exactly customer_table's index; when the coding already follows
    # the ids (dense integer ids, sorted labels) no re-sorting is needed
    in_order = bool(np.all(order[1:] > order[:-1]))
    spend = None
    if need_spend and amount is not None:
        spend = period_spend(periods, codes, rel, amount, rows.r_amt)
    # the keys are not needed any more: they become the period numbers, in place
    key = periods.key if periods.key.flags.writeable else periods.key.copy()
    np.remainder(key, span, out=key)
    code = np.take(rank, old_code, mode="clip")  # codes are in range
    del old_code
    if not in_order:
        key += code * span
        if spend is None:
            key.sort()
        else:
            perm = np.argsort(key)
            key, spend = key[perm], spend[perm]
            del perm
        np.floor_divide(key, span, out=code)
        np.remainder(key, span, out=key)
        first, n = _runs(code)
    key += pmin
    ticks, tick = period_ticks(key, opts.period, opts.time_unit)
    del key
    end_tick = int(period_ticks(np.array([rows.end_per]), opts.period, opts.time_unit)[0][0])

    lines = None
    if product_col is not None:
        lcodes, labels = rows.extra[0]
        lines = _lines(codes, rel, lcodes, labels, periods, rank, in_order, opts, end_tick)
    report = rows_report(rows, n_cust, refund_counts(periods))
    return History(
        ids=ids,
        code=code,
        period=ticks,
        age=_ages(ticks, end_tick),
        spend=spend,
        first=first,
        last=first + n - 1,
        n=n,
        lines=lines,
        tick=tick,
        report=report,
    )


def _lines(
    codes: np.ndarray,
    rel: np.ndarray,
    lcodes: np.ndarray,
    labels: pd.Index,
    periods: Any,
    rank: np.ndarray,
    in_order: bool,
    opts: ReadOptions,
    end_tick: int,
) -> Lines:
    """Distinct (customer, line, period) purchases of the purchase rows, in pair runs."""
    span = periods.span
    n_lines = max(len(labels), 1)
    if (rank.size * n_lines) * span >= _KEY_LIMIT:
        raise OverflowError(
            f"{rank.size:,} customers times {n_lines:,} product lines times {span:,} periods "
            "do not fit integer keys; use a coarser period"
        )
    pair = codes * n_lines
    pair += lcodes
    if periods.removed.size:  # rows of cancelled periods buy no line
        row_key = codes * span + rel
        pos = np.searchsorted(periods.removed, row_key)
        pos[pos == periods.removed.size] = 0
        live = periods.removed[pos] != row_key
        del row_key, pos
        pair, prow = pair[live], rel[live]
    else:
        prow = rel
    key = pair * span
    key += prow
    del pair, prow
    key.sort()
    key = key[run_starts(key)]
    if not in_order:  # customers renumbered in id order: sort the pairs again
        pair_id = key // span
        key -= pair_id * span  # the relative period
        cust, line = np.divmod(pair_id, n_lines)
        del pair_id
        key += (np.take(rank, cust, mode="clip") * n_lines + line) * span
        del cust, line
        key.sort()
    pair_id = key // span
    start, n = _runs(pair_id)
    pair_id = pair_id[start]  # from here on, one entry per pair
    cust, line = np.divmod(pair_id, n_lines)
    del pair_id
    if in_order:
        cust = np.take(rank, cust, mode="clip")
    # the period of each row: key % span + pmin, in place (fixed periods tick per period)
    np.remainder(key, span, out=key)
    key += periods.pmin
    ticks, _ = period_ticks(key, opts.period, opts.time_unit)
    del key
    return Lines(
        cust=cust,
        line=line,
        start=start,
        n=n,
        period=ticks,
        age=_ages(ticks, end_tick),
        labels=labels,
    )


def run_center(values: np.ndarray, counts: np.ndarray, how: Center) -> np.ndarray:
    """Median or mean of non-negative integer ``values`` laid out in runs of ``counts``.

    Run ``i`` is the next ``counts[i]`` values; an empty run gets NaN. Runs of one or two
    values need no sort (their median is their mean); the longer runs are sorted together,
    with the run number in the high bits of one integer key.
    """
    out = np.full(counts.size, np.nan)
    if not values.size:
        return out
    has = np.flatnonzero(counts)
    c = counts[has]
    end = np.cumsum(c)
    start = end - c
    if how == "mean":
        out[has] = np.add.reduceat(values.astype(np.float64), start) / c
        return out
    out[has] = (values[start] + values[end - 1]) * 0.5  # the longer runs are overwritten
    long_ = c > 2
    if not long_.any():
        return out
    cl = c[long_]
    v = _sorted_within(values[np.repeat(long_, c)], cl)
    end = np.cumsum(cl)
    s = end - cl
    out[has[long_]] = (v[s + (cl - 1) // 2] + v[s + cl // 2]) * 0.5
    return out


def _sorted_within(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``values`` (laid out in runs of ``counts``, none empty) sorted within each run."""
    bits = max(int(values.max()).bit_length(), 1)
    if counts.size << bits >= _KEY_LIMIT:
        run = np.repeat(np.arange(counts.size), counts)
        return values[np.lexsort((values, run))].astype(np.int64)
    key = np.repeat(np.arange(counts.size, dtype=np.int64) << bits, counts)
    key |= values
    key.sort()
    key &= (1 << bits) - 1
    return key


@dataclass(frozen=True)
class Rhythm:
    """Each customer's purchase rhythm, in ticks."""

    rhythm: np.ndarray  # typical gap per customer (own or population)
    own: np.ndarray  # bool: the rhythm is the customer's own (else the population's)
    prior: np.ndarray  # typical gap before the last gap (own or population)
    last_gap: np.ndarray  # NaN for single-period customers
    population: float


def _own_and_prior(
    p: History, gap: np.ndarray, k: np.ndarray, has: np.ndarray, how: Center
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center of every customer's gaps, of the gaps before the last one, and the last gap.

    ``gap`` holds the gaps customer by customer in time order, ``k`` the number of each
    customer's gaps and ``has`` the customers with at least one. Up to two gaps need no
    sort; for the others one sort serves both medians: the last gap of each customer is
    flagged in the sort key, so removing it from the sorted run is index arithmetic.
    """
    n_cust = len(p.ids)
    own = np.full(n_cust, np.nan)
    prior = np.full(n_cust, np.nan)
    last_gap = np.full(n_cust, np.nan)
    if not gap.size:
        return own, prior, last_gap
    kh = k[has]
    end = np.cumsum(kh)
    start = end - kh
    last_pos = end - 1  # each customer's last gap, in time order
    last_gap[has] = gap[last_pos]
    two = kh >= 2  # customers with a gap before the last one
    if how == "mean":
        sums = np.add.reduceat(gap.astype(np.float64), start)
        own[has] = sums / kh
        prior[has[two]] = (sums[two] - last_gap[has[two]]) / (kh[two] - 1)
        return own, prior, last_gap
    # up to two gaps, the median is the mean of the first and the last gap, and up to three
    # the gaps before the last are the first one or two: set for everyone, then longer
    # runs overwritten from the sorted gaps
    own[has] = (gap[start] + gap[last_pos]) * 0.5
    prior[has[two]] = (gap[start[two]] + gap[last_pos[two] - 1]) * 0.5
    many = kh >= 3
    if not many.any():
        return own, prior, last_gap
    hm, km = has[many], kh[many]
    gm = gap[np.repeat(many, kh)]
    em = np.cumsum(km)
    sm = em - km
    bits = max(int(gm.max()).bit_length(), 1) + 1
    if hm.size << bits >= _KEY_LIMIT:  # keys too wide: the general route
        before = np.ones(gm.size, dtype=bool)
        before[em - 1] = False
        own[hm] = run_center(gm, km, "median")
        prior[hm] = run_center(gm[before], km - 1, "median")
        return own, prior, last_gap
    key = np.repeat(np.arange(hm.size, dtype=np.int64) << bits, km)
    key |= gm << 1
    key[em - 1] |= 1
    del gm
    key.sort()
    flagged = np.flatnonzero(key & 1)  # where each customer's last gap sorted to
    key >>= 1
    key &= (1 << (bits - 1)) - 1
    v = key
    own[hm] = (v[sm + (km - 1) // 2] + v[sm + km // 2]) * 0.5
    # without the last gap: the j-th remaining value is v[start + j], or the one after it
    # from the flagged position on
    kp = km - 1
    lo = sm + (kp - 1) // 2
    hi = sm + kp // 2
    lo += lo >= flagged
    hi += hi >= flagged
    prior[hm] = (v[lo] + v[hi]) * 0.5
    return own, prior, last_gap


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
    has = np.flatnonzero(k)
    # gaps in time order, customer by customer: differences inside each customer's run
    inside = np.ones(p.period.size, dtype=bool)
    inside[p.first] = False
    gap = np.diff(p.period)[inside[1:]]
    del inside
    if prior:
        own_r, prior_r, last_gap = _own_and_prior(p, gap, k, has, how)
    else:
        own_r = run_center(gap, k, how)
        prior_r = last_gap = np.full(len(p.ids), np.nan)
    own = k >= min_gaps
    if population_gap is not None:
        pop = float(population_gap)
    elif own.any():
        pop = float(np.median(own_r[own]))
    elif gap.size:
        pop = float(np.median(gap.astype(np.float64)))
    else:
        raise InsufficientDataError(
            "no customer has two distinct purchase periods, so no purchase rhythm can be "
            "measured; pass population_gap= (a typical gap between purchases, in time units)"
        )
    # too few gaps: the population rhythm, or the customer's own if that is slower (a
    # customer without gaps has a NaN own rhythm: fmax takes the population's)
    rhythm = np.fmax(own_r, pop)
    np.copyto(rhythm, own_r, where=own)
    prior_rhythm = prior_r
    if prior:
        prior_rhythm = np.fmax(prior_r, pop)
        np.copyto(prior_rhythm, prior_r, where=k - 1 >= min_gaps)  # gaps before the last
    with np.errstate(invalid="ignore"):
        uses_own = own | (own_r > pop)  # NaN compares False
    return Rhythm(
        rhythm=rhythm, own=uses_own, prior=prior_rhythm, last_gap=last_gap, population=pop
    )


def window_sums(
    p: History,
    upper: np.ndarray,
    lower: np.ndarray | None,
    weights: np.ndarray | None,
) -> np.ndarray:
    """Per customer, the number (or sum of weights) of periods with lower <= age < upper.

    ``lower=None`` means no lower bound (every age is >= 0).
    """
    inside = p.age < np.take(upper, p.code, mode="clip")  # codes are in range
    if lower is not None:
        inside &= p.age >= np.take(lower, p.code, mode="clip")
    return _sums(p, inside, weights)


def window_pair(
    p: History, window: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`window_sums` of the recent ``[0, W)`` and earlier ``[W, 2W)`` windows at once."""
    w = np.take(window, p.code, mode="clip")
    recent = p.age < w
    w *= 2
    earlier = p.age < w
    del w
    earlier &= ~recent
    return _sums(p, recent, weights), _sums(p, earlier, weights)


def _sums(p: History, inside: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Per customer, the number (or sum of weights) of the periods flagged ``inside``."""
    n_cust = len(p.ids)
    if weights is None:
        return np.bincount(p.code[inside], minlength=n_cust).astype(np.float64)
    # summed in period order, as every weighted sum of the kernel
    return np.bincount(p.code, weights=np.where(inside, weights, 0.0), minlength=n_cust)
