"""Purchase histories and purchase rhythms, shared by lifecycle stages and churn (private).

:func:`read_history` reads a transaction log with custvalue's one reader (the rules of
:func:`custvalue.customer_table`) and reduces it to the distinct purchase periods of every
customer (and of every customer and product line); :func:`purchase_rhythm` measures each
customer's typical gap between purchases; :func:`window_sums` counts (or sums) purchase
periods inside per-customer windows.

Durations are integer *ticks* (:func:`custvalue._calendar.period_ticks`): one per period for
fixed periods, one per day for months, quarters and years. Every comparison between them is
exact; ``tick`` converts them to time units only at the boundary.
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
)
from ._schema import CUSTOMER_ID
from .exceptions import InsufficientDataError

__all__ = ["History", "Rhythm", "group_center", "purchase_rhythm", "read_history", "window_sums"]

Center = Literal["median", "mean"]


@dataclass(frozen=True)
class History:
    """Distinct purchase periods, sorted by customer then time (oldest first).

    Position ``c`` of ``ids`` is customer code ``c``; arrays named per period have one
    entry per distinct (customer, period), arrays named per customer one per customer.
    """

    ids: pd.Index  # customer ids as customer_table gives them; position = customer code
    code: np.ndarray  # int64 customer code per period
    period: np.ndarray  # int64 start of the period, in ticks
    age: np.ndarray  # float64 ticks from the period start to the observation end's
    spend: np.ndarray | None  # float64 sum of amounts per period (refunds netted)
    first: np.ndarray  # index of each customer's first period
    last: np.ndarray  # index of each customer's last period
    n: np.ndarray  # periods per customer
    line_code: np.ndarray | None  # per row of the (customer, line, period) table
    line_cust: np.ndarray | None
    line_age: np.ndarray | None
    line_period: np.ndarray | None
    lines: pd.Index | None  # product lines, sorted; position = line code
    tick: float  # length of one tick in time units
    report: TableReport


def read_history(
    transactions: object,
    what: str,
    *,
    product_col: Any,
    need_spend: bool,
    observation_end: Any,
    opts: ReadOptions,
) -> History:
    """Read ``transactions`` as :func:`custvalue.customer_table` does and reduce them.

    The reader, its options, row policies and ids are the table's; the result holds the
    distinct purchase periods per customer and, with ``product_col``, per customer and
    product line.
    """
    rows = read_transactions(
        transactions,
        opts,
        what=f"{what}: transactions",
        extra_cols=None if product_col is None else {product_col: "product lines"},
        observation_end=observation_end,
    )
    codes, per, amount = rows.codes, rows.per, rows.amt
    if codes.size == 0:
        raise no_purchases(f"{what}: transactions", rows.counts)
    # customer codes in id order, exactly customer_table's index
    n_codes = rows.ids.n_codes
    present = np.flatnonzero(np.bincount(codes, minlength=n_codes))
    order, ids = rows.ids.ordered(present)
    ids = ids.rename(CUSTOMER_ID)
    n_cust = len(ids)
    rank: np.ndarray | None = None
    if n_cust == n_codes and np.array_equal(order, np.arange(n_cust)):
        code = codes  # already dense and in id order
    else:
        rank = np.full(n_codes, -1, dtype=np.int64)
        rank[order] = np.arange(n_cust)
        code = rank[codes]
    del codes
    r_code = rows.r_codes if rank is None else rank[rows.r_codes]
    r_known = r_code >= 0  # refunds of customers without purchases are unmatched
    r_amt = rows.r_amt[r_known]
    rel = per.copy() if product_col is not None else per
    periods = purchase_periods(
        code, rel, amount, r_code[r_known], rows.r_per[r_known], r_amt, n_cust
    )
    if not periods.key.size:
        raise no_purchases(f"{what}: transactions", {**rows.counts, **refund_counts(periods)})
    pcode, pper = periods.code, periods.period
    # durations are whole ticks, whatever time_unit is: the unit only relabels inputs and
    # outputs, and every comparison below is exact
    ticks, tick = period_ticks(pper, opts.period, opts.time_unit)
    end_tick = int(period_ticks(np.array([rows.end_per]), opts.period, opts.time_unit)[0][0])
    age = (end_tick - ticks).astype(np.float64)
    spend = None
    if need_spend and amount is not None:
        spend = period_spend(periods, code, rel, amount, r_amt)
    present_n = np.bincount(pcode, minlength=n_cust)
    last = np.cumsum(present_n) - 1
    first = last - present_n + 1

    line_code = line_cust = line_age = line_period = None
    lines = None
    if product_col is not None:
        lcodes, lines = rows.extra[0]
        n_lines = len(lines)
        live = np.ones(code.size, dtype=bool)
        if periods.removed.size:  # rows of cancelled periods buy no line
            row_key = code * periods.span + rel
            live = ~np.isin(row_key, periods.removed)
        pair = code[live] * n_lines + lcodes[live]
        lp = purchase_periods(
            pair,
            per[live],
            None,
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0),
            n_cust * n_lines,
        )
        line_cust = lp.code // n_lines
        line_code = lp.code % n_lines
        line_period, _ = period_ticks(lp.period, opts.period, opts.time_unit)
        line_age = (end_tick - line_period).astype(np.float64)

    n_dropped = int(np.count_nonzero(present_n == 0))
    if n_dropped:  # every period of these customers was cancelled by refunds
        keep = present_n > 0
        remap = np.cumsum(keep) - 1
        ids = ids[keep]
        pcode = remap[pcode]
        present_n = present_n[keep]
        last = np.cumsum(present_n) - 1
        first = last - present_n + 1
        if line_cust is not None:
            line_cust = remap[line_cust]
    unmatched = int(np.count_nonzero(~r_known))
    report = rows_report(rows, len(ids), refund_counts(periods, unmatched))
    return History(
        ids=ids,
        code=pcode,
        period=ticks,
        age=age,
        spend=spend,
        first=first,
        last=last,
        n=present_n,
        line_code=line_code,
        line_cust=line_cust,
        line_age=line_age,
        line_period=line_period,
        lines=lines,
        tick=tick,
        report=report,
    )


def group_center(
    values: np.ndarray, groups: np.ndarray, n_groups: int, how: Center
) -> tuple[np.ndarray, np.ndarray]:
    """Median or mean of non-negative integer ``values`` per group, and the group sizes.

    Empty groups get NaN.
    """
    cnt = np.bincount(groups, minlength=n_groups)
    out = np.full(n_groups, np.nan)
    has = cnt > 0
    if how == "mean":
        sums = np.bincount(groups, weights=values, minlength=n_groups)
        out[has] = sums[has] / cnt[has]
        return out, cnt
    top = int(values.max()) + 1 if values.size else 1
    if n_groups * top < 2**62:  # one integer sort instead of a two-key lexsort
        v = (np.sort(groups * top + values) % top).astype(np.float64)
    else:
        v = values[np.lexsort((values, groups))].astype(np.float64)
    start = np.cumsum(cnt) - cnt
    lo = start[has] + (cnt[has] - 1) // 2
    hi = start[has] + cnt[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out, cnt


@dataclass(frozen=True)
class Rhythm:
    """Each customer's purchase rhythm, in ticks."""

    rhythm: np.ndarray  # typical gap per customer (own or population)
    own: np.ndarray  # bool: the rhythm is the customer's own (else the population's)
    prior: np.ndarray  # typical gap before the last gap (own or population)
    last_gap: np.ndarray  # NaN for single-period customers
    population: float


def purchase_rhythm(p: History, how: Center, min_gaps: int, population_gap: float | None) -> Rhythm:
    """Typical gap of every customer, with the population fallback (see lifecycle_stages)."""
    n_cust = len(p.ids)
    same = p.code[1:] == p.code[:-1]
    gap = (p.period[1:] - p.period[:-1])[same]  # whole periods
    gcode = p.code[1:][same]
    gpos = np.flatnonzero(same) + 1  # index of the later period of each gap
    own_r, n_gaps = group_center(gap, gcode, n_cust, how)
    is_last = gpos == p.last[gcode]
    prior_r, n_prior = group_center(gap[~is_last], gcode[~is_last], n_cust, how)
    last_gap = np.full(n_cust, np.nan)
    last_gap[gcode[is_last]] = gap[is_last]
    own = n_gaps >= min_gaps
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
    # too few gaps: the population rhythm, or the customer's own if that is slower
    with np.errstate(invalid="ignore"):
        rhythm = np.where(own, own_r, np.where(n_gaps > 0, np.fmax(own_r, pop), pop))
        prior = np.where(
            n_prior >= min_gaps, prior_r, np.where(n_prior > 0, np.fmax(prior_r, pop), pop)
        )
    with np.errstate(invalid="ignore"):
        uses_own = own | ((n_gaps > 0) & (own_r > pop))
    return Rhythm(rhythm=rhythm, own=uses_own, prior=prior, last_gap=last_gap, population=pop)


def window_sums(
    p: History, upper: np.ndarray, lower: np.ndarray, weights: np.ndarray | None
) -> np.ndarray:
    """Per customer, the number (or sum of weights) of periods with lower <= age < upper."""
    inside = (p.age >= lower[p.code]) & (p.age < upper[p.code])
    w = inside.astype(np.float64) if weights is None else np.where(inside, weights, 0.0)
    return np.bincount(p.code, weights=w, minlength=len(p.ids))
