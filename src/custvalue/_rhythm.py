"""Purchase histories and purchase rhythms, shared by lifecycle stages and churn (private).

:func:`read_history` reads a transaction log with custvalue's one reader (the rules of
:func:`custvalue.customer_table`) and its one kernel (the same distinct purchase periods,
refunds netted the same way) and lays the distinct purchase periods out customer by
customer (and, with product lines, customer-line pair by pair); :func:`gap_center` and
:func:`own_rhythms` measure each customer's typical gap between purchases (the population
fallback is :mod:`custvalue._population`'s); :func:`window_sums` counts (or sums) purchase
periods inside per-customer windows.

Durations are integer *ticks* (:func:`custvalue._calendar.period_ticks`): one per period for
fixed periods, one per day for months, quarters and years. Every comparison between them is
exact; ``tick`` converts them to time units only at the boundary.

Every array is laid out in runs (one customer's periods, oldest first, then the next
customer's), so per-customer results come from run boundaries and one sort at most, never
from a search per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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

__all__ = [
    "Center",
    "History",
    "Lines",
    "all_gaps",
    "empty_history",
    "gap_center",
    "history_lines",
    "own_rhythms",
    "read_history",
    "run_center",
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
    end_tick: int  # the observation end's period, in ticks (age = end_tick - period)
    labels: pd.Index  # product lines, sorted

    def age(self, at: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Ticks from the start of the periods ``at`` to the observation end's (float64)."""
        return _ages(self.period[at], self.end_tick)


class History:
    """Distinct purchase periods, in runs per customer (oldest first).

    Position ``c`` of ``ids`` is customer code ``c``; arrays named per period have one
    entry per distinct (customer, period), arrays named per customer one per customer.
    ``code`` and ``age`` (per period) are computed when first asked for.
    """

    def __init__(
        self,
        *,
        ids: pd.Index,
        period: np.ndarray,
        end_tick: int,
        spend: np.ndarray | None,
        first: np.ndarray,
        n: np.ndarray,
        line_rows: _LineRows | None,
        tick: float,
        report: TableReport | None,
        code: np.ndarray | None = None,
    ) -> None:
        self.ids = ids  # customer ids as customer_table gives them; position = code
        self.period = period  # int64 start of the period, in ticks
        self.end_tick = end_tick  # the observation end's period, in ticks
        self.spend = spend  # float64 sum of amounts per period (refunds netted)
        self.first = first  # index of each customer's first period
        self.n = n  # periods per customer
        self.last = first + n - 1  # index of each customer's last period
        self.line_rows = line_rows  # what history_lines needs (read with product_col)
        self.tick = tick  # length of one tick in time units
        self.report = report  # the rows' TableReport (None when not asked for)
        self._code = code

    @property
    def code(self) -> np.ndarray:
        """Customer code of each period (int64, non-decreasing)."""
        if self._code is None:
            self._code = np.repeat(np.arange(len(self.ids), dtype=np.int64), self.n)
        return self._code

    @cached_property
    def first_period(self) -> np.ndarray:
        """Each customer's first period, in ticks."""
        first: np.ndarray = self.period[self.first]
        return first

    @cached_property
    def last_period(self) -> np.ndarray:
        """Each customer's last period, in ticks."""
        last: np.ndarray = self.period[self.last]
        return last

    @cached_property
    def age(self) -> np.ndarray:
        """Ticks from each period start to the observation end's (float64)."""
        return _ages(self.period, self.end_tick)


@dataclass(frozen=True)
class _LineRows:
    """The purchase rows with their product lines, kept for :func:`history_lines`."""

    codes: np.ndarray  # reader's customer code of each purchase row
    rel: np.ndarray  # relative period of each purchase row
    lcodes: np.ndarray  # line code of each purchase row
    labels: pd.Index
    span: int
    pmin: int
    removed: np.ndarray  # keys of the periods netted out (their rows buy no line)
    rank: np.ndarray  # reader's code -> History code (-1: no purchase period)
    order: np.ndarray  # History code -> reader's code
    in_order: bool  # rank is increasing
    opts: ReadOptions
    end_tick: int


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
    ages: np.ndarray = np.subtract(end_tick, ticks, dtype=np.float64)
    return ages


def read_history(
    transactions: object,
    what: str,
    *,
    product_col: Any,
    need_spend: bool,
    observation_end: Any,
    opts: ReadOptions,
    report: bool = True,
) -> History:
    """Read ``transactions`` as :func:`custvalue.customer_table` does and lay them out.

    The reader, its options, row policies, ids and purchase periods are the table's (the
    same kernel, refunds netted the same way); the customers are the table's, in its order.
    ``report=False`` skips what only the :class:`TableReport` needs (the duplicate count).
    With ``product_col`` the distinct purchase periods of every (customer, line) pair are
    laid out too.
    """
    rows = read_transactions(
        transactions,
        opts,
        what=f"{what}: transactions",
        extra_cols=None if product_col is None else {product_col: "product lines"},
        observation_end=observation_end,
        count_duplicates=report,
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
    code = None  # in id order already: History makes the codes when asked for them
    if not in_order:
        code = np.take(rank, old_code, mode="clip")  # codes are in range
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
    del old_code
    key += pmin
    ticks, tick = period_ticks(key, opts.period, opts.time_unit)
    del key
    end_tick = int(period_ticks(np.array([rows.end_per]), opts.period, opts.time_unit)[0][0])

    line_rows = None
    if product_col is not None:
        lcodes, labels = rows.extra[0]
        line_rows = _LineRows(
            codes,
            rel,
            lcodes,
            labels,
            span,
            pmin,
            periods.removed,
            rank,
            order,
            in_order,
            opts,
            end_tick,
        )
    table_report = rows_report(rows, n_cust, refund_counts(periods)) if report else None
    return History(
        ids=ids,
        code=code,
        period=ticks,
        end_tick=end_tick,
        spend=spend,
        first=first,
        n=n,
        line_rows=line_rows,
        tick=tick,
        report=table_report,
    )


def history_lines(p: History, customers: np.ndarray | None = None) -> Lines:
    """Distinct (customer, line, period) purchases, in pair runs (read with ``product_col``).

    ``customers`` (a mask over the customer codes) restricts them to those customers: the
    rows of the others are never sorted.
    """
    src = p.line_rows
    if src is None:
        raise ValueError("the history was read without product_col")
    span = src.span
    n_lines = max(len(src.labels), 1)
    rank, codes, rel = src.rank, src.codes, src.rel
    if (rank.size * n_lines) * span >= _KEY_LIMIT:
        raise OverflowError(
            f"{rank.size:,} customers times {n_lines:,} product lines times {span:,} periods "
            "do not fit integer keys; use a coarser period"
        )
    keep: np.ndarray | None = None
    if customers is not None:
        wanted = np.zeros(rank.size, dtype=bool)
        wanted[src.order] = customers
        keep = np.take(wanted, codes, mode="clip")  # codes are in range
    if src.removed.size:  # rows of cancelled periods buy no line
        row_key = codes * span + rel
        pos = np.searchsorted(src.removed, row_key)
        pos[pos == src.removed.size] = 0
        live = src.removed[pos] != row_key
        del row_key, pos
        keep = live if keep is None else keep & live
    lcodes = src.lcodes
    if keep is not None:
        codes, rel, lcodes = codes[keep], rel[keep], lcodes[keep]
    key = codes * n_lines  # (code * n_lines + line) * span + rel, in one buffer
    key += lcodes
    key *= span
    key += rel
    del codes, rel, lcodes
    key.sort()
    key = key[run_starts(key)]
    if not src.in_order:  # customers renumbered in id order: sort the pairs again
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
    if src.in_order:
        cust = np.take(rank, cust, mode="clip")
    # the period of each row: key % span + pmin, in place (fixed periods tick per period)
    np.remainder(key, span, out=key)
    key += src.pmin
    ticks, _ = period_ticks(key, src.opts.period, src.opts.time_unit)
    del key
    return Lines(
        cust=cust,
        line=line,
        start=start,
        n=n,
        period=ticks,
        end_tick=src.end_tick,
        labels=src.labels,
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
    if long_.any():
        out[has[long_]] = _medians(values[np.repeat(long_, c)], c[long_])
    return out


def _medians(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of each run of ``values`` (runs of ``counts``, none empty), by one sort."""
    v = _sorted_within(values, counts)
    end = np.cumsum(counts)
    s = end - counts
    out: np.ndarray = (v[s + (counts - 1) // 2] + v[s + counts // 2]) * 0.5
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


def gap_center(
    period: np.ndarray,
    start: np.ndarray,
    n: np.ndarray,
    how: Center,
    select: np.ndarray | None = None,
) -> np.ndarray:
    """Median or mean of the gaps between consecutive periods of each run (NaN: no gap).

    Run ``i`` is ``period[start[i]:start[i] + n[i]]`` (sorted, ``n[i] >= 1``).
    ``select`` (a mask over the runs) limits the result to those runs.
    The mean of a run's gaps is its span over their number, and so is the median of one or
    two gaps: only the runs with three gaps or more are looked at gap by gap.
    """
    s_start, s_n = (start, n) if select is None else (start[select], n[select])
    k = s_n - 1
    spans = period[s_start + k] - period[s_start]
    with np.errstate(invalid="ignore"):
        out: np.ndarray = spans / k  # 0 / 0 = NaN without a gap
    if how == "median":
        long_ = k >= 3
        if long_.any():
            if select is None:
                chosen = long_
            else:
                chosen = np.zeros(n.size, dtype=bool)
                chosen[np.flatnonzero(select)[long_]] = True
            out[long_] = _medians(_run_gaps(period, start, n, chosen), k[long_])
    return out


def _run_gaps(
    period: np.ndarray, start: np.ndarray, n: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """Gather the gaps of the chosen runs of ``period``, run after run."""
    k = n[chosen] - 1
    pos = np.repeat(start[chosen] - (np.cumsum(k) - k), k)
    pos += np.arange(pos.size)  # the earlier period of each gap
    gaps: np.ndarray = period[pos + 1]
    gaps -= period[pos]
    return gaps


def _own_and_prior(p: History, how: Center) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center of every customer's gaps, of the gaps before the last one, and the last gap.

    As :func:`gap_center` (spans for the means and for one or two gaps); the customers with
    three gaps or more share ONE sort for both medians: each one's last gap is flagged in
    the sort key, so removing it from the sorted run is index arithmetic.
    """
    k = p.n - 1
    first, period = p.first, p.period
    t0, t1 = p.first_period, p.last_period
    t_before = period[np.maximum(p.last - 1, first)]  # the period before the last (or it)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = (t1 - t0) / k  # 0 / 0 = NaN without a gap
        prior = (t_before - t0) / (k - 1)
    last_gap = (t1 - t_before).astype(np.float64)
    np.copyto(prior, np.nan, where=k < 2)
    np.copyto(last_gap, np.nan, where=k < 1)
    if how == "mean":
        return own, prior, last_gap
    long_ = k >= 3
    if not long_.any():
        return own, prior, last_gap
    km = k[long_]
    gm = _run_gaps(period, first, p.n, long_)
    bits = max(int(gm.max()).bit_length(), 1) + 1
    if km.size << bits >= _KEY_LIMIT:  # keys too wide: the general route
        keep = np.ones(gm.size, dtype=bool)
        keep[np.cumsum(km) - 1] = False
        own[long_] = _medians(gm, km)
        prior[long_] = _medians(gm[keep], km - 1)
        return own, prior, last_gap
    em = np.cumsum(km)
    sm = em - km
    key = np.repeat(np.arange(km.size, dtype=np.int64) << bits, km)
    key |= gm << 1
    del gm
    key[em - 1] |= 1  # each customer's last gap, in time order
    key.sort()
    flagged = np.flatnonzero(key & 1)  # where each customer's last gap sorted to
    key >>= 1
    key &= (1 << (bits - 1)) - 1
    v = key
    own[long_] = (v[sm + (km - 1) // 2] + v[sm + km // 2]) * 0.5
    # without the last gap: the j-th remaining value is v[start + j], or the one after it
    # from the flagged position on
    kp = km - 1
    lo = sm + (kp - 1) // 2
    hi = sm + kp // 2
    lo += lo >= flagged
    hi += hi >= flagged
    prior[long_] = (v[lo] + v[hi]) * 0.5
    return own, prior, last_gap


def own_rhythms(p: History, how: Center, prior: bool) -> tuple[np.ndarray, ...]:
    """Each customer's own rhythm, rhythm before the last gap and last gap (see below)."""
    if prior:
        return _own_and_prior(p, how)
    nan = np.full(len(p.ids), np.nan)
    return gap_center(p.period, p.first, p.n, how), nan, nan


def all_gaps(p: History) -> np.ndarray:
    """Every gap between consecutive purchase periods of a customer (int64 ticks)."""
    inside = np.ones(p.period.size, dtype=bool)
    inside[p.first] = False
    gaps: np.ndarray = np.diff(p.period)[inside[1:]]
    return gaps


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


def empty_history(
    ids: pd.Index, opts: ReadOptions, *, spend: bool = False, lines: Any = None
) -> History:
    """Return a history without customers (the shape of a result with no rows)."""
    e = np.empty(0, dtype=np.int64)
    line_rows = None
    if lines is not None:
        labels = pd.Index([], name=lines)
        line_rows = _LineRows(e, e, e, labels, 1, 0, e, e, e, True, opts, 0)
    return History(
        ids=ids[:0],
        period=e,
        end_tick=0,
        spend=np.empty(0) if spend else None,
        first=e,
        n=e,
        line_rows=line_rows,
        tick=period_ticks(e, opts.period, opts.time_unit)[1],
        report=None,
        code=e,
    )
