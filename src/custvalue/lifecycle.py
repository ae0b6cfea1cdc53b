"""Where each relationship is going: lifecycle stages, full and partial churn, follow-up plan.

Three questions a customer manager asks (the domain guide, ``docs/domain.md``, explains
each in business terms):

* :func:`lifecycle_stages` -- which stage of the relationship is each customer in?
  prospect (潜在获取期), new, growing (成长期), mature (成熟期), declining (衰退期),
  churned (终止期) or reactivated. The default rules are relative to each customer's own
  purchase rhythm, not fixed day counts; ``method="model"`` uses P(alive) and expected
  purchases from a CLV model, passed in as Series (this module never imports ``clv``).
* :func:`churn_status` -- full churn (客户流失: stopped buying everything) versus partial
  churn (客户业务流失: still buying, but dropped one or more product lines they used to buy;
  Buckinx & Van den Poel 2005, European Journal of Operational Research 164(1)).
* :func:`followup_plan` and :func:`followup_load` -- a common sales follow-up cadence for
  accounts at intent stages 0-4 and signed customers (E), the one-week first-contact rule
  for newly assigned accounts and the suggested list sizes per salesperson.

Every per-customer result is an ordered categorical with every category present, on the
customer index, so ``table.join(...)`` composes and reports have stable rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Unpack, overload

import numpy as np
import pandas as pd

from ._calendar import period_ticks
from ._read import (
    ReadKeywords,
    ReadOptions,
    TableReport,
    no_purchases,
    period_spend,
    purchase_periods,
    read_options,
    read_transactions,
    refund_counts,
    rows_report,
)
from ._validation import Checks, check_choice, check_frame, check_scalar
from .exceptions import DataValidationError, InsufficientDataError

__all__ = [
    "CHURN_STATUSES",
    "DEFAULT_CADENCE",
    "DEFAULT_LIST_SIZES",
    "INTENT_STAGES",
    "LIFECYCLE_STAGES",
    "LOAD_BANDS",
    "NEW_ACCOUNT_DAYS",
    "churn_status",
    "followup_load",
    "followup_plan",
    "lifecycle_stages",
]

logger = logging.getLogger(__name__)

LIFECYCLE_STAGES: tuple[str, ...] = (
    "prospect",
    "new",
    "growing",
    "mature",
    "declining",
    "churned",
    "reactivated",
)
"""Lifecycle stage codes, in order (display labels in :mod:`custvalue.labels`)."""

CHURN_STATUSES: tuple[str, ...] = ("active", "partial_churn", "churned")
"""Churn status codes, in order."""

INTENT_STAGES: tuple[str, ...] = ("0", "1", "2", "3", "4", "E")
"""Sales intent stages (0 = does not refuse ... 4 = decided; E = signed customer)."""

DEFAULT_CADENCE: Mapping[str, float] = MappingProxyType(
    {"0": 15.0, "1": 7.0, "2": 7.0, "3": 3.0, "4": 3.0, "E": 15.0}
)
"""Maximum days between contacts per intent stage.

The common cadence (see the domain guide): stage 0 at least once in 15 days
(15天最少联系一次), stages 1 and 2 about once a week (7天左右联系一次), stages 3 and 4 within
3 days (3天以内联系一次), and signed customers E at least twice a month (1个月联系至少2次),
i.e. every 15 days. Summaries sometimes write the bands "0-1", "1-2" and "3-4", which puts
stage 1 in two bands; custvalue groups stage 1 with stage 2 (7 days, the stricter reading).
"""

LOAD_BANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"0": ("0",), "1-2": ("1", "2"), "3-4": ("3", "4"), "E": ("E",)}
)
"""Intent-stage bands of the suggested list sizes (客户类别及分配)."""

DEFAULT_LIST_SIZES: Mapping[str, int | None] = MappingProxyType(
    {"0": 20, "1-2": 40, "3-4": 10, "E": None}
)
"""Suggested accounts per salesperson and band (~20 at stage 0, ~40 at stages 1-2, 10 at
stages 3-4, like an A-grade list); signed customers (E) have no suggested size, so None (not
checked)."""

NEW_ACCOUNT_DAYS = 7.0
"""A newly assigned account must be contacted within a week of its assignment
(业务员负责的新客户, 应在一周内与客户进行沟通)."""


# --------------------------------------------------------------------------------------
# transactions -> purchase periods
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Periods:
    """Distinct purchase periods, sorted by customer then time (oldest first).

    Durations are integer ticks (:func:`custvalue._calendar.period_ticks`: one per period
    for fixed periods, one per day for months, quarters and years); ``tick`` converts
    them to time units.
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


def _read_periods(
    transactions: pd.DataFrame,
    what: str,
    *,
    product_col: Any,
    need_spend: bool,
    observation_end: Any,
    opts: ReadOptions,
) -> _Periods:
    """Read transactions with :func:`custvalue.customer_table`'s reader (same options, same
    row policies, same ids) and reduce them with its kernel to distinct purchase periods per
    customer, and per customer and product line."""
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
    ids = ids.rename(opts.customer_col)
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
    return _Periods(
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


def _group_center(
    values: np.ndarray, groups: np.ndarray, n_groups: int, how: str
) -> tuple[np.ndarray, np.ndarray]:
    """Median or mean of non-negative integer ``values`` per group (NaN for empty groups)
    and the group sizes."""
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
class _Rhythm:
    rhythm: np.ndarray  # typical gap per customer (own or population)
    own: np.ndarray  # bool: the rhythm is the customer's own (else the population's)
    prior: np.ndarray  # typical gap before the last gap (own or population)
    last_gap: np.ndarray  # NaN for single-period customers
    population: float


def _rhythm(p: _Periods, how: str, min_gaps: int, population_gap: float | None) -> _Rhythm:
    n_cust = len(p.ids)
    same = p.code[1:] == p.code[:-1]
    gap = (p.period[1:] - p.period[:-1])[same]  # whole periods
    gcode = p.code[1:][same]
    gpos = np.flatnonzero(same) + 1  # index of the later period of each gap
    own_r, n_gaps = _group_center(gap, gcode, n_cust, how)
    is_last = gpos == p.last[gcode]
    prior_r, n_prior = _group_center(gap[~is_last], gcode[~is_last], n_cust, how)
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
    return _Rhythm(rhythm=rhythm, own=uses_own, prior=prior, last_gap=last_gap, population=pop)


def _window_sums(
    p: _Periods, upper: np.ndarray, lower: np.ndarray, weights: np.ndarray | None
) -> np.ndarray:
    """Per customer, the number (or sum of weights) of periods with lower <= age < upper."""
    inside = (p.age >= lower[p.code]) & (p.age < upper[p.code])
    w = inside.astype(np.float64) if weights is None else np.where(inside, weights, 0.0)
    return np.bincount(p.code, weights=w, minlength=len(p.ids))


def _aligned(
    series: Any, name: str, ids: pd.Index, what: str, *, upper: float | None
) -> np.ndarray:
    """Values of a per-customer Series for ``ids``; missing ids raise, never filled."""
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by customer id")
    checks = Checks(f"{what}: {name}", ids=ids)
    if series.index.has_duplicates:
        dup = series.index[series.index.duplicated()]
        checks.add(name, "duplicate customer ids in the index", len(dup), list(dup[:5]))
        checks.raise_if_failed()
    pos = series.index.get_indexer(ids)
    missing = pos < 0
    checks.rows(missing, name, "customer ids missing from the Series (never filled)")
    checks.raise_if_failed()
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(f"{name} must be numeric, got dtype {dtype}")
    values = series.to_numpy(dtype="float64", na_value=np.nan)[pos]
    checks.rows(~np.isfinite(values), name, "missing or infinite values")
    with np.errstate(invalid="ignore"):
        checks.rows(values < 0, name, "negative values")
        if upper is not None:
            checks.rows(values > upper, name, f"values above {upper}")
    checks.raise_if_failed()
    return values


def _prospect_ids(prospects: Iterable[Any] | None, ids: pd.Index, what: str) -> pd.Index:
    """Prospect ids without purchases, in the order given."""
    if prospects is None:
        return ids[:0]
    given = pd.Index(list(prospects) if not isinstance(prospects, pd.Index) else prospects)
    checks = Checks(f"{what}: prospects", ids=given)
    checks.rows(np.asarray(given.isna()), "prospects", "missing ids")
    checks.rows(np.asarray(given.duplicated()), "prospects", "duplicate ids")
    checks.raise_if_failed()
    return given[~given.isin(ids)]


def _categorical(
    codes: np.ndarray, categories: tuple[str, ...], index: pd.Index, name: str
) -> pd.Series:
    return pd.Series(_cat(codes, categories), index=index, name=name)


def _cat(codes: np.ndarray, categories: Iterable[str], ordered: bool = True) -> pd.Categorical:
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), dtype=dtype)


# --------------------------------------------------------------------------------------
# lifecycle stages
# --------------------------------------------------------------------------------------


@overload
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    prospects: Iterable[Any] | None = ...,
    method: Literal["rhythm", "model"] = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    window_factor: float = ...,
    trend_on: Literal["purchases", "spend"] = ...,
    trend_ratio: float = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    expected_purchases: pd.Series | None = ...,
    horizon: float | None = ...,
    explain: Literal[False] = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadKeywords],
) -> pd.Series: ...


@overload
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    prospects: Iterable[Any] | None = ...,
    method: Literal["rhythm", "model"] = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    window_factor: float = ...,
    trend_on: Literal["purchases", "spend"] = ...,
    trend_ratio: float = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    expected_purchases: pd.Series | None = ...,
    horizon: float | None = ...,
    explain: Literal[True],
    return_report: Literal[False] = ...,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame: ...


@overload
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    prospects: Iterable[Any] | None = ...,
    method: Literal["rhythm", "model"] = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    window_factor: float = ...,
    trend_on: Literal["purchases", "spend"] = ...,
    trend_ratio: float = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    expected_purchases: pd.Series | None = ...,
    horizon: float | None = ...,
    explain: Literal[False] = ...,
    return_report: Literal[True],
    **options: Unpack[ReadKeywords],
) -> tuple[pd.Series, TableReport]: ...


@overload
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    prospects: Iterable[Any] | None = ...,
    method: Literal["rhythm", "model"] = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    window_factor: float = ...,
    trend_on: Literal["purchases", "spend"] = ...,
    trend_ratio: float = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    expected_purchases: pd.Series | None = ...,
    horizon: float | None = ...,
    explain: Literal[True],
    return_report: Literal[True],
    **options: Unpack[ReadKeywords],
) -> tuple[pd.DataFrame, TableReport]: ...


@overload
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    prospects: Iterable[Any] | None = ...,
    method: Literal["rhythm", "model"] = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    window_factor: float = ...,
    trend_on: Literal["purchases", "spend"] = ...,
    trend_ratio: float = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    expected_purchases: pd.Series | None = ...,
    horizon: float | None = ...,
    explain: bool,
    return_report: bool = ...,
    **options: Unpack[ReadKeywords],
) -> pd.Series | pd.DataFrame | tuple[pd.Series | pd.DataFrame, TableReport]: ...


def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    prospects: Iterable[Any] | None = None,
    method: Literal["rhythm", "model"] = "rhythm",
    rhythm: Literal["median", "mean"] = "median",
    min_gaps: int = 2,
    population_gap: float | None = None,
    churn_factor: float = 3.0,
    window: float | None = None,
    window_factor: float = 4.0,
    trend_on: Literal["purchases", "spend"] = "purchases",
    trend_ratio: float = 1.5,
    p_alive: pd.Series | None = None,
    alive_threshold: float = 0.5,
    expected_purchases: pd.Series | None = None,
    horizon: float | None = None,
    explain: bool = False,
    return_report: bool = False,
    **options: Unpack[ReadKeywords],
) -> pd.Series | pd.DataFrame | tuple[pd.Series | pd.DataFrame, TableReport]:
    """Lifecycle stage of every customer, relative to each customer's own purchase rhythm.

    Stages (codes; display labels in :mod:`custvalue.labels`): ``prospect`` (潜在获取期,
    no purchase yet), ``new``, ``growing`` (成长期), ``mature`` (成熟期), ``declining``
    (衰退期), ``churned`` (终止期) and ``reactivated``.

    **How the stage is decided** (``method="rhythm"``, the default). Purchases on the same
    ``period`` (a calendar day by default) count once, and durations run between period
    starts, as in the customer table. For every customer:

    1. *Rhythm* ``r``: the customer's typical gap between purchases, the median (or mean,
       ``rhythm="mean"``) of their own gaps when they have at least ``min_gaps`` gaps (i.e.
       ``min_gaps + 1`` purchase periods). Customers with fewer gaps get the *population
       rhythm* -- the median of the own rhythms of the customers who have enough gaps (if
       nobody has, the median of all gaps; ``population_gap`` overrides it) -- or their
       own typical gap if that is longer: a customer who has already shown a slow pace is
       not held to the faster typical pace, and one fast pair of purchases does not make
       a customer "churned" after a few days.
    2. *Window* ``W``: ``window_factor * r`` (about ``window_factor`` purchases at the
       customer's own pace), or the fixed ``window`` (in ``time_unit``) for everyone.
    3. The first rule that holds gives the stage:

       * ``prospect``: an id in ``prospects`` with no purchase.
       * ``churned``: the time since the last purchase exceeds ``churn_factor * r``. With
         exponential gaps whose median is ``r``, a live customer stays silent that long with
         probability ``2 ** -churn_factor`` (12.5% for the default 3).
       * ``reactivated``: the latest purchase ended a silence that would have counted as
         churn: the last gap exceeds ``churn_factor`` times the rhythm measured on the gaps
         before it (with the same fallback when those are fewer than ``min_gaps``).
       * ``new``: the first purchase is less than two windows ago, the window being the
         shorter of the customer's own ``W`` and the population window
         (``window_factor`` times the population rhythm): too recent for a trend at the
         customer's own pace or at the typical pace. Single-purchase customers who have
         not churned are therefore new.
       * ``growing`` / ``declining`` / ``mature``: compare the recent window
         ``(end - W, end]`` with the earlier window ``(end - 2W, end - W]``, counting
         purchase periods (or summing spend, ``trend_on="spend"``). Growing when the recent
         window is higher and at least ``trend_ratio`` times the earlier one; declining
         when the earlier window is higher and at least ``trend_ratio`` times the recent
         one; mature otherwise. A trend is only judged when both windows lie inside the
         history (first purchase at least ``2 * W`` ago); slow buyers with less history
         at their own pace, who are no longer new and not churned, are mature.

    ``method="model"`` keeps the rules above but replaces two of them by a CLV model's
    output (passed in as Series on the customer index; every customer must be present):
    ``churned`` when ``p_alive < alive_threshold``; and, when ``expected_purchases`` over
    the next ``horizon`` is given, growing / declining / mature compare the expected
    purchases with the purchase days observed in the last ``horizon`` (same
    ``trend_ratio`` rule, judged when the first purchase is at least ``horizon`` ago, and
    the two must also differ by at least one purchase), so "declining" means the model
    expects fewer purchases ahead than the customer made in the same length of time just
    past. ``reactivated`` and ``new`` still come from the purchase history. Note that
    BG/NBD gives P(alive) = 1 to every customer without a repeat purchase, so with its
    P(alive) one-time buyers are never churned; MBG/NBD or Pareto/NBD do not have this
    property.

    Why these defaults: ``window_factor`` (4) is larger than ``churn_factor`` (3), so a
    customer who is not churned always has a purchase in the recent window and a trend is
    judged on about four purchases per window; ``trend_ratio`` 1.5 means "half as much
    again" (growth) or "down by a third" (decline). Use ``explain=True`` to see, per
    customer, the rhythm, the windows and the counts that decided the stage.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, read exactly as by :func:`custvalue.customer_table`
        (same id, time and row rules; the customer index is the table's index).
    observation_end : date-like, optional
        As for :func:`custvalue.customer_table`.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`.
        ``amount_col`` is needed only for ``trend_on="spend"`` (spend per period, refunds
        netted under ``refunds="net"``). ``time_unit`` is the unit of ``window``,
        ``population_gap``, ``horizon`` and of the ``explain`` columns; stages do not
        depend on it. Durations run between period starts, as in the customer table
        (calendar months, quarters or years with ``period="M"``, ``"Q"``, ``"Y"``).
    prospects : iterable, optional
        Known ids (e.g. a CRM list, may include buyers); those without purchases are
        prospects and are appended after the buyers, in the order given.
    method : {"rhythm", "model"}
    rhythm : {"median", "mean"}
        How a customer's typical gap is summarised.
    min_gaps : int
        Own gaps needed before the customer's own rhythm is used as it is (with fewer,
        the slower of own and population rhythm).
    population_gap : float, optional
        Typical gap (in ``time_unit``) for customers with fewer than ``min_gaps`` gaps.
    churn_factor : float
        Churned when silent for more than ``churn_factor`` rhythms.
    window : float, optional
        Fixed comparison window in ``time_unit`` instead of ``window_factor * r``.
    window_factor : float
        Window length in rhythms.
    trend_on : {"purchases", "spend"}
    trend_ratio : float
        Ratio (> 1) between windows that counts as growth or decline.
    p_alive : pandas.Series, optional
        P(alive) per customer, required for ``method="model"``.
    alive_threshold : float
        Churned when ``p_alive`` is below it.
    expected_purchases : pandas.Series, optional
        Expected purchases over the next ``horizon`` (``method="model"``).
    horizon : float, optional
        Length of that horizon in ``time_unit``; required with ``expected_purchases``.
    explain : bool
        Return a DataFrame with the stage and the numbers behind it (rhythm, its source,
        window, time since last purchase, tenure, last gap, prior rhythm, the two window
        values, and in model mode p_alive / expected / observed) instead of the Series.
    return_report : bool, default False
        Also return the :class:`~custvalue.TableReport` of the rows (used, or dropped by
        reason); ``customers`` counts the buyers.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Ordered categorical ``lifecycle_stage`` on the customer index (buyers sorted by id,
        then prospects), every stage a category; a DataFrame with ``explain=True``.
    report : TableReport
        Only with ``return_report=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import lifecycle_stages
    >>> days = {"a": [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],  # steady every 10 days
    ...         "b": [0, 10, 20, 30, 40],                     # silent since day 40
    ...         "c": [85]}                                    # first purchase 5 days ago
    >>> tx = pd.DataFrame([(c, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d))
    ...                    for c, ds in days.items() for d in ds],
    ...                   columns=["customer_id", "timestamp"])
    >>> lifecycle_stages(tx, prospects=["d"]).tolist()
    ['mature', 'churned', 'new', 'prospect']
    """
    opts = read_options(options, lifecycle_stages)
    what = "lifecycle_stages"
    check_choice("method", method, ("rhythm", "model"))
    check_choice("rhythm", rhythm, ("median", "mean"))
    check_choice("trend_on", trend_on, ("purchases", "spend"))
    min_gaps = int(check_scalar("min_gaps", min_gaps, minimum=1, integer=True))
    churn_factor = check_scalar("churn_factor", churn_factor, minimum=0, strict=True)
    window_factor = check_scalar("window_factor", window_factor, minimum=0, strict=True)
    trend_ratio = check_scalar("trend_ratio", trend_ratio, minimum=1)
    alive_threshold = check_scalar("alive_threshold", alive_threshold, minimum=0, maximum=1)
    if window is not None:
        window = check_scalar("window", window, minimum=0, strict=True)
    if population_gap is not None:
        population_gap = check_scalar("population_gap", population_gap, minimum=0, strict=True)
    if trend_on == "spend" and not opts.has_amount:
        raise ValueError("trend_on='spend' needs amount_col (or quantity_col and price_col)")
    if method == "model" and p_alive is None:
        raise ValueError("method='model' needs p_alive (a Series of P(alive) per customer)")
    if method == "rhythm" and (p_alive is not None or expected_purchases is not None):
        raise ValueError("p_alive / expected_purchases are used only with method='model'")
    if expected_purchases is not None:
        if horizon is None:
            raise ValueError("expected_purchases needs horizon (its length, in time_unit)")
        horizon = check_scalar("horizon", horizon, minimum=0, strict=True)

    p = _read_periods(
        transactions,
        what,
        product_col=None,
        need_spend=trend_on == "spend",
        observation_end=observation_end,
        opts=opts,
    )
    period_len = p.tick
    prospect_ids = _prospect_ids(prospects, p.ids, what)
    # internal durations are in ticks (see _Periods); arguments come in time units
    if population_gap is not None:
        population_gap /= period_len
    if window is not None:
        window /= period_len
    if horizon is not None:
        horizon /= period_len
    rh = _rhythm(p, rhythm, min_gaps, population_gap)
    since = p.age[p.last]
    tenure = p.age[p.first]
    w = np.full(len(p.ids), window) if window is not None else window_factor * rh.rhythm
    weights = p.spend if trend_on == "spend" else None
    recent = _window_sums(p, w, np.zeros_like(w), weights)
    earlier = _window_sums(p, 2 * w, w, weights)

    extra: dict[str, np.ndarray] = {}
    if method == "model":
        assert p_alive is not None
        alive = _aligned(p_alive, "p_alive", p.ids, what, upper=1.0)
        churned = alive < alive_threshold
        extra["p_alive"] = alive
    else:
        churned = since > churn_factor * rh.rhythm
    trend_now, trend_before = recent, earlier
    if expected_purchases is not None:
        assert horizon is not None
        expected = _aligned(expected_purchases, "expected_purchases", p.ids, what, upper=None)
        hz = np.full(len(p.ids), horizon)
        observed = _window_sums(p, hz, np.zeros_like(hz), None)
        trend_now, trend_before = expected, observed
        extra["expected"] = expected
        extra["observed"] = observed

    with np.errstate(invalid="ignore"):
        reactivated = (p.n >= 2) & (rh.last_gap > churn_factor * rh.prior)
    w_pop = window if window is not None else window_factor * rh.population
    new = tenure < 2 * np.minimum(w, w_pop)
    # a trend needs both comparison windows inside the customer's history
    judged = tenure >= (2 * w if expected_purchases is None else horizon)
    # counts differ by whole purchases; an expected count must differ by at least one too,
    # so that 0.1 expected purchases after none observed is not "growth"
    step = 1.0 if expected_purchases is not None else 0.0
    growing = (
        judged
        & (trend_now > trend_before)
        & (trend_now - trend_before >= step)
        & (trend_now >= trend_ratio * trend_before)
    )
    declining = (
        judged
        & (trend_now < trend_before)
        & (trend_before - trend_now >= step)
        & (trend_before >= trend_ratio * trend_now)
    )

    idx = {s: i for i, s in enumerate(LIFECYCLE_STAGES)}
    code = np.full(len(p.ids), idx["mature"], dtype=np.int8)
    # assign in reverse priority so that the earlier rules win
    code[declining] = idx["declining"]
    code[growing] = idx["growing"]
    code[new] = idx["new"]
    code[reactivated] = idx["reactivated"]
    code[churned] = idx["churned"]

    n_pro = len(prospect_ids)
    index = p.ids.append(prospect_ids) if n_pro else p.ids
    index.name = p.ids.name
    all_codes = np.concatenate([code, np.full(n_pro, idx["prospect"], dtype=np.int8)])
    stages = _categorical(all_codes, LIFECYCLE_STAGES, index, "lifecycle_stage")
    if not explain:
        return (stages, p.report) if return_report else stages

    def pad(a: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return np.concatenate([a.astype(np.float64) * scale, np.full(n_pro, np.nan)])

    to_unit = period_len

    source = np.where(rh.own, "own", "population").astype(object)
    cols: dict[str, Any] = {
        "lifecycle_stage": stages,
        "rhythm": pad(rh.rhythm, to_unit),
        "rhythm_source": np.concatenate([source, np.full(n_pro, None, dtype=object)]),
        "window": pad(w, to_unit),
        "time_since_last": pad(since, to_unit),
        "tenure": pad(tenure, to_unit),
        "last_gap": pad(rh.last_gap, to_unit),
        "prior_rhythm": pad(np.where(p.n >= 2, rh.prior, np.nan), to_unit),
        "recent": pad(recent),
        "earlier": pad(earlier),
    }
    cols.update({k: pad(v) for k, v in extra.items()})
    out = pd.DataFrame(cols, index=index)
    return (out, p.report) if return_report else out


# --------------------------------------------------------------------------------------
# churn status
# --------------------------------------------------------------------------------------


@overload
def churn_status(
    transactions: pd.DataFrame,
    *,
    product_col: Any = ...,
    observation_end: Any = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    min_line_purchases: int = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame: ...


@overload
def churn_status(
    transactions: pd.DataFrame,
    *,
    product_col: Any = ...,
    observation_end: Any = ...,
    rhythm: Literal["median", "mean"] = ...,
    min_gaps: int = ...,
    population_gap: float | None = ...,
    churn_factor: float = ...,
    window: float | None = ...,
    min_line_purchases: int = ...,
    p_alive: pd.Series | None = ...,
    alive_threshold: float = ...,
    return_report: Literal[True],
    **options: Unpack[ReadKeywords],
) -> tuple[pd.DataFrame, TableReport]: ...


def churn_status(
    transactions: pd.DataFrame,
    *,
    product_col: Any = "product",
    observation_end: Any = None,
    rhythm: Literal["median", "mean"] = "median",
    min_gaps: int = 2,
    population_gap: float | None = None,
    churn_factor: float = 3.0,
    window: float | None = None,
    min_line_purchases: int = 2,
    p_alive: pd.Series | None = None,
    alive_threshold: float = 0.5,
    return_report: bool = False,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame | tuple[pd.DataFrame, TableReport]:
    """Full churn (客户流失) versus partial churn (客户业务流失) per customer.

    Customers who stop using every service (客户流失, full churn) are told apart from
    customers who give up one or two services but keep using others (客户业务流失, partial
    churn; see the domain guide); Buckinx & Van den Poel (2005, EJOR 164(1), 252-268) study the same
    partial defection of customers who stay active.

    **Rules.** Purchases in the same ``period`` count once, per customer and per
    product line.

    * ``churned``: the customer bought nothing for more than ``churn_factor`` times their
      rhythm (the rhythm rule of :func:`lifecycle_stages`: median (or mean) own gap with
      at least ``min_gaps`` gaps, else the slower of own and population rhythm), exactly
      as ``lifecycle_stages`` calls a customer churned; or, with ``window``, nothing in the
      last ``window`` time units; or, with ``p_alive``, ``p_alive < alive_threshold``.
    * A product line counts as one the customer *used to buy* when they bought it on at
      least ``min_line_purchases`` distinct purchase periods (with ``window``: that many
      before the last ``window``). It is *dropped* when the time since they last bought it
      exceeds ``churn_factor`` times their own typical gap for that line (the median or
      mean of the gaps between their purchases of that line; the customer's rhythm when
      the line has no gap), or, with ``window``, when they did not buy it in the last
      ``window``.
    * ``partial_churn``: not churned and at least one dropped line.
    * ``active``: everybody else.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, with a product-line column; read exactly as by
        :func:`custvalue.customer_table`.
    product_col : str
        Product-line column (any hashable, sortable values; missing values raise, whatever
        ``missing`` says). Rows dropped by a policy do not count for their line.
    observation_end : date-like, optional
        As for :func:`custvalue.customer_table`.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`
        (``amount_col`` only serves the amount policies: refunds and zero amounts are
        never purchases of a line unless kept).
    rhythm, min_gaps, population_gap, churn_factor
        As in :func:`lifecycle_stages`.
    window : float, optional
        Fixed recent window (in ``time_unit``) instead of the rhythm rules.
    min_line_purchases : int
        Purchase periods of a line needed before dropping it can count.
    p_alive : pandas.Series, optional
        P(alive) per customer (e.g. from a BG/NBD model); decides full churn when given.
    alive_threshold : float
        Churned when ``p_alive`` is below it.
    return_report : bool, default False
        Also return the :class:`~custvalue.TableReport` of the rows.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted, as in :func:`custvalue.customer_table`), columns ``churn_status`` (ordered categorical,
        every status a category), ``dropped_lines`` (tuple of the dropped product lines,
        sorted (categorical lines in category order); empty unless partial churn;
        ``.explode()`` gives one row per line) and ``n_dropped_lines``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import churn_status
    >>> start = pd.Timestamp("2024-01-01")
    >>> rows = [("a", d, "mobile") for d in range(0, 100, 10)]
    >>> rows += [("a", d, "tv") for d in range(0, 50, 10)]          # tv dropped at day 40
    >>> rows += [("b", d, "mobile") for d in range(0, 100, 10)]
    >>> rows += [("c", d, "mobile") for d in range(0, 30, 10)]      # silent since day 20
    >>> tx = pd.DataFrame([(c, start + pd.Timedelta(days=d), p) for c, d, p in rows],
    ...                   columns=["customer_id", "timestamp", "product"])
    >>> out = churn_status(tx)
    >>> out["churn_status"].tolist()
    ['partial_churn', 'active', 'churned']
    >>> out.loc["a", "dropped_lines"]
    ('tv',)
    """
    opts = read_options(options, churn_status)
    what = "churn_status"
    check_choice("rhythm", rhythm, ("median", "mean"))
    min_gaps = int(check_scalar("min_gaps", min_gaps, minimum=1, integer=True))
    min_line = int(check_scalar("min_line_purchases", min_line_purchases, minimum=1, integer=True))
    churn_factor = check_scalar("churn_factor", churn_factor, minimum=0, strict=True)
    alive_threshold = check_scalar("alive_threshold", alive_threshold, minimum=0, maximum=1)
    if window is not None:
        window = check_scalar("window", window, minimum=0, strict=True)
    if population_gap is not None:
        population_gap = check_scalar("population_gap", population_gap, minimum=0, strict=True)

    p = _read_periods(
        transactions,
        what,
        product_col=product_col,
        need_spend=False,
        observation_end=observation_end,
        opts=opts,
    )
    period_len = p.tick
    assert p.line_code is not None and p.line_cust is not None and p.line_age is not None
    assert p.lines is not None
    if population_gap is not None:
        population_gap /= period_len
    if window is not None:
        window /= period_len
    n_cust = len(p.ids)
    since = p.age[p.last]
    rh: _Rhythm | None = None
    if p_alive is not None:
        churned = _aligned(p_alive, "p_alive", p.ids, what, upper=1.0) < alive_threshold
    elif window is not None:
        churned = since >= window
    else:
        rh = _rhythm(p, rhythm, min_gaps, population_gap)
        churned = since > churn_factor * rh.rhythm

    # (customer, line) pairs: rows of the (customer, line, period) table are sorted by
    # customer, line, then time, so a pair is a contiguous run.
    lc, lcust, lage = p.line_code, p.line_cust, p.line_age
    n_rows = lc.size
    start_pair = np.ones(n_rows, dtype=bool)
    start_pair[1:] = (lcust[1:] != lcust[:-1]) | (lc[1:] != lc[:-1])
    pair = np.cumsum(start_pair) - 1
    n_pairs = int(pair[-1]) + 1
    pair_cust = lcust[start_pair]
    pair_line = lc[start_pair]
    pair_n = np.bincount(pair, minlength=n_pairs)
    pair_last = np.cumsum(pair_n) - 1
    pair_since = lage[pair_last]
    if window is not None:
        used = np.bincount(pair, weights=(lage >= window), minlength=n_pairs) >= min_line
        dropped = used & (pair_since >= window)
    else:
        if rh is None:
            rh = _rhythm(p, rhythm, min_gaps, population_gap)
        same = ~start_pair[1:]
        lper = p.line_period
        assert lper is not None
        gap = (lper[1:] - lper[:-1])[same]
        line_r, n_line_gaps = _group_center(gap, pair[1:][same], n_pairs, rhythm)
        line_r = np.where(n_line_gaps > 0, line_r, rh.rhythm[pair_cust])
        used = pair_n >= min_line
        dropped = used & (pair_since > churn_factor * line_r)
    dropped &= ~churned[pair_cust]
    n_dropped = np.bincount(pair_cust[dropped], minlength=n_cust)

    codes = np.zeros(n_cust, dtype=np.int8)
    codes[n_dropped > 0] = 1
    codes[churned] = 2
    status = _categorical(codes, CHURN_STATUSES, p.ids, "churn_status")
    listed = np.empty(n_cust, dtype=object)
    listed[:] = [()] * n_cust
    if dropped.any():
        # one tuple per partially churned customer: split the sorted dropped lines at the
        # customer boundaries (pairs are sorted by customer, then line)
        d_cust = pair_cust[dropped]
        d_lines = np.asarray(p.lines, dtype=object)[pair_line[dropped]]
        bounds = np.flatnonzero(np.diff(d_cust)) + 1
        owners = d_cust[np.concatenate([[0], bounds])]
        listed[owners] = list(map(tuple, np.split(d_lines, bounds)))
    out = pd.DataFrame(
        {
            "churn_status": status,
            "dropped_lines": pd.Series(listed, index=p.ids, dtype=object),
            "n_dropped_lines": n_dropped.astype(np.int64),
        },
        index=p.ids,
    )
    return (out, p.report) if return_report else out


# --------------------------------------------------------------------------------------
# follow-up plan
# --------------------------------------------------------------------------------------


def _time_nanos(
    ts: pd.Series, column: str, observation_end: Any, checks: Checks, *, missing_ok: bool = False
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Wall-clock nanoseconds of a datetime column (in its own time zone) and of the end.

    Returns the nanoseconds, the missing mask and the end (None when not given).
    """
    if not pd.api.types.is_datetime64_any_dtype(ts.dtype):
        raise TypeError(
            f"column {column!r} must hold datetimes (datetime64, naive or tz-aware, NumPy or "
            f"Arrow), got dtype {ts.dtype}; convert with pandas.to_datetime(..., format=...)"
        )
    missing = ts.isna().to_numpy(dtype=bool)
    if not missing_ok:
        checks.rows(missing, column, "missing timestamps")
    tz = getattr(ts.dt, "tz", None)
    if tz is not None:
        ts = ts.dt.tz_localize(None)
    ns = ts.to_numpy(dtype="datetime64[ns]").view("int64")
    end_ns: int | None = None
    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        if (end.tzinfo is None) != (tz is None):
            raise TypeError(
                f"observation_end ({end}) and column {column!r} ({ts.dtype if tz is None else tz}) "
                "must both be time-zone naive or both tz-aware"
            )
        if tz is not None:
            end = end.tz_convert(tz).tz_localize(None)
        end_ns = int(end.as_unit("ns").value)
    return ns, missing, end_ns


def _intent_codes(values: pd.Series, ids: pd.Index, column: str, what: str) -> np.ndarray:
    """Codes into INTENT_STAGES; integers 0-4 and the strings "0"-"4", "E" are accepted.

    Anything else (floats such as 3.0, "e", missing values) raises, listing the valid
    stages and the offending account ids.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        text = pd.Index(["invalid"] * len(values))
    else:
        text = pd.Index(values.astype(object).astype(str))
        text = text.where(~np.asarray(values.isna()), "invalid")
    codes = pd.Index(INTENT_STAGES).get_indexer(text).astype(np.int64)
    checks = Checks(what, ids=ids)
    valid = ", ".join(INTENT_STAGES)
    checks.rows(codes < 0, column, f"invalid intent stages (valid: {valid})")
    checks.raise_if_failed()
    return codes


def followup_plan(
    accounts: pd.DataFrame,
    *,
    owner_col: str = "owner",
    stage_col: str = "stage",
    last_contact_col: str = "last_contact",
    assigned_col: str | None = None,
    account_col: str | None = None,
    as_of: Any = None,
    cadence: Mapping[Any, float] | None = None,
    list_sizes: Mapping[str, int | None] | None = None,
) -> pd.DataFrame:
    """When each account is due for its next contact, under the follow-up cadence.

    **Policy** (:data:`DEFAULT_CADENCE`, days between contacts; override any stage with
    ``cadence``): stage 0 (客户不拒绝, does not refuse) every 15 days at least; stages 1
    (listens, 有互动) and 2 (evaluates the product) about every 7 days; stages 3 (considers
    closing) and 4 (decided) within 3 days; signed customers E at least twice a month,
    i.e. every 15 days. Stage 1 is grouped with stage 2 (7 days, ~40 accounts), although a
    summary band "0-1" would also allow it 15 days (see :data:`DEFAULT_CADENCE`).

    * ``cadence_due = last_contact + cadence[stage]``.
    * With ``assigned_col``: an account not contacted since its assignment (no last
      contact, or one before the assignment date) is due ``NEW_ACCOUNT_DAYS`` (7) days after
      assignment (a new account must be contacted within a week).
    * ``next_contact`` is the earlier of the applicable due dates; ``overdue`` when
      ``as_of`` is past it (contacting on the due date is on time); ``days_overdue`` is
      the whole days past it (0 when not overdue).
    * Load: ``band_load`` counts the owner's accounts in the account's band of
      :data:`LOAD_BANDS`; ``owner_over_size`` flags it above the suggested list size
      (:data:`DEFAULT_LIST_SIZES`, overridable with ``list_sizes``). :func:`followup_load`
      gives the per-owner table.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account; index = account id unless ``account_col`` names a column.
    owner_col, stage_col, last_contact_col : str
        Salesperson, intent stage (0-4 as int or str, or "E") and date of the last contact
        (datetime64; missing allowed only for accounts with an assignment date).
    assigned_col : str, optional
        Date the account was assigned to its owner.
    account_col : str, optional
        Account id column (default: the index).
    as_of : timestamp-like, optional
        Date of the plan; default today (in the time zone of ``last_contact`` when it is
        tz-aware). Contacts after it raise.
    cadence : mapping, optional
        Stage -> days, merged over :data:`DEFAULT_CADENCE`.
    list_sizes : mapping, optional
        Band -> suggested list size (None: not checked), merged over
        :data:`DEFAULT_LIST_SIZES`.

    Returns
    -------
    pandas.DataFrame
        Indexed by account id: ``owner``, ``stage`` (ordered categorical "0".."4", "E"),
        ``last_contact``, ``cadence_days``, ``next_contact``, ``due_reason`` ("cadence" or
        "new_account"), ``overdue``, ``days_overdue``, ``band``, ``band_load``,
        ``owner_over_size``.

    Raises
    ------
    DataValidationError
        Invalid stages (listing the valid ones and the offending ids), missing owners or
        dates, contact or assignment dates after ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import followup_plan
    >>> acc = pd.DataFrame({"owner": ["li", "li", "wang"], "stage": [0, 3, "E"],
    ...                     "last_contact": pd.to_datetime(["2024-03-01", "2024-03-08",
    ...                                                     "2024-02-20"])},
    ...                    index=pd.Index(["A1", "A2", "A3"], name="account"))
    >>> plan = followup_plan(acc, as_of="2024-03-12")
    >>> plan[["cadence_days", "overdue", "days_overdue"]]
             cadence_days  overdue  days_overdue
    account
    A1               15.0    False             0
    A2                3.0     True             1
    A3               15.0     True             6
    """
    what = "followup_plan"
    check_frame(accounts, f"{what}: accounts")
    policy = _cadence(cadence)
    sizes = _list_sizes(list_sizes)
    checks = Checks(f"{what}: accounts")
    needed = [owner_col, stage_col, last_contact_col] + [
        c for c in (assigned_col, account_col) if c is not None
    ]
    absent = [c for c in needed if c not in accounts.columns]
    if absent:
        checks.add(None, f"missing column(s) {absent}", len(absent))
        checks.raise_if_failed()
    ids = pd.Index(accounts[account_col]) if account_col is not None else accounts.index
    checks.ids = ids
    checks.rows(np.asarray(ids.duplicated()), account_col or "index", "duplicate account ids")
    checks.rows(accounts[owner_col].isna().to_numpy(dtype=bool), owner_col, "missing owners")

    if as_of is None:  # today, on the clock of the contact dates
        col_tz = getattr(accounts[last_contact_col].dt, "tz", None)
        as_of = pd.Timestamp.now(tz=col_tz).normalize()
    as_of_ts = pd.Timestamp(as_of)
    last_ns, no_contact, as_of_ns = _time_nanos(
        accounts[last_contact_col], last_contact_col, as_of_ts, checks, missing_ok=True
    )
    assert as_of_ns is not None
    checks.rows(~no_contact & (last_ns > as_of_ns), last_contact_col, "contacts after as_of")
    assigned_ns = None
    no_assigned = np.ones(len(accounts), dtype=bool)
    if assigned_col is not None:
        assigned_ns, no_assigned, _ = _time_nanos(
            accounts[assigned_col], assigned_col, as_of_ts, checks, missing_ok=True
        )
        checks.rows(
            ~no_assigned & (assigned_ns > as_of_ns), assigned_col, "assignments after as_of"
        )
    checks.rows(
        no_contact & no_assigned,
        last_contact_col,
        "missing last contact"
        + (" and no assignment date" if assigned_col is not None else " (pass assigned_col)"),
    )
    try:
        stage = _intent_codes(accounts[stage_col], ids, stage_col, f"{what}: accounts")
    except DataValidationError as err:
        checks.failures.extend(err.failures)
        stage = np.zeros(len(accounts), dtype=np.int64)
    checks.raise_if_failed()

    day_ns = 86_400_000_000_000
    days = np.array([policy[s] for s in INTENT_STAGES])[stage]
    big = np.iinfo(np.int64).max
    cadence_due = np.where(no_contact, big, last_ns + np.round(days * day_ns).astype(np.int64))
    due = cadence_due
    reason = np.zeros(len(accounts), dtype=np.int8)
    if assigned_col is not None and assigned_ns is not None:
        fresh = ~no_assigned & (no_contact | (last_ns < assigned_ns))
        new_due = assigned_ns + int(NEW_ACCOUNT_DAYS * day_ns)
        take = fresh & (new_due < cadence_due)
        due = np.where(take, new_due, cadence_due)
        reason[take] = 1
    late_ns = as_of_ns - due
    overdue = late_ns > 0
    days_over = np.where(overdue, late_ns // day_ns, 0)

    band_names = tuple(LOAD_BANDS)
    band_of_stage = np.empty(len(INTENT_STAGES), dtype=np.int64)
    for b, (_, members) in enumerate(LOAD_BANDS.items()):
        for s in members:
            band_of_stage[INTENT_STAGES.index(s)] = b
    band = band_of_stage[stage]
    owner_codes, _ = pd.factorize(accounts[owner_col])
    key = owner_codes.astype(np.int64) * len(band_names) + band
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    load = counts[inv]
    limit = _limits(sizes, band_names, np.inf)[band]

    tz = getattr(accounts[last_contact_col].dt, "tz", None)

    def stamps(ns: np.ndarray, missing: np.ndarray) -> pd.DatetimeIndex:
        out = pd.DatetimeIndex(np.where(missing, np.iinfo(np.int64).min, ns).view("M8[ns]"))
        return out.tz_localize(tz) if tz is not None else out

    out = pd.DataFrame(
        {
            "owner": accounts[owner_col].to_numpy(),
            "stage": _cat(stage, INTENT_STAGES),
            "last_contact": stamps(last_ns, no_contact),
            "cadence_days": days.astype(np.float64),
            "next_contact": stamps(due, np.zeros(len(due), dtype=bool)),
            "due_reason": _cat(reason, ("cadence", "new_account"), ordered=False),
            "overdue": overdue,
            "days_overdue": days_over.astype(np.int64),
            "band": _cat(band, band_names),
            "band_load": load.astype(np.int64),
            "owner_over_size": load > limit,
        },
        index=ids,
    )
    return out


def _cadence(cadence: Mapping[Any, float] | None) -> dict[str, float]:
    policy = dict(DEFAULT_CADENCE)
    if cadence is None:
        return policy
    for key, value in cadence.items():
        name = str(key) if isinstance(key, int | np.integer) and not isinstance(key, bool) else key
        check_choice("cadence stage", name, INTENT_STAGES)
        policy[name] = check_scalar(f"cadence[{key!r}]", value, minimum=0, strict=True)
    return policy


def _limits(sizes: Mapping[str, int | None], bands: tuple[str, ...], none: float) -> np.ndarray:
    return np.array([none if (v := sizes[b]) is None else float(v) for b in bands])


def _list_sizes(list_sizes: Mapping[str, int | None] | None) -> dict[str, int | None]:
    sizes = dict(DEFAULT_LIST_SIZES)
    if list_sizes is None:
        return sizes
    for band, size in list_sizes.items():
        check_choice("list_sizes band", band, tuple(LOAD_BANDS))
        sizes[band] = (
            None
            if size is None
            else int(check_scalar(f"list_sizes[{band!r}]", size, minimum=0, integer=True))
        )
    return sizes


def followup_load(
    accounts: pd.DataFrame,
    *,
    owner_col: str = "owner",
    stage_col: str = "stage",
    list_sizes: Mapping[str, int | None] | None = None,
) -> pd.DataFrame:
    """Accounts per salesperson and intent band against the suggested list sizes.

    The suggested sizes are about 20 accounts at stage 0, about 40 at stages 1-2 and 10 at stages
    3-4 per salesperson (:data:`DEFAULT_LIST_SIZES`; bands in :data:`LOAD_BANDS`; signed
    customers E have no suggested size). ``over`` flags a band above its size.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account with owner and intent stage columns (a
        :func:`followup_plan` result works too).
    owner_col, stage_col : str
        Salesperson and intent stage (0-4 or "E") columns.
    list_sizes : mapping, optional
        Band -> suggested size (None: not checked), merged over the defaults.

    Returns
    -------
    pandas.DataFrame
        Indexed by (owner, band), every band for every owner (sorted owners): ``n_accounts``,
        ``suggested_size`` (float, NaN when not checked), ``over`` and ``excess`` (accounts
        above the size, 0 when within).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import followup_load
    >>> acc = pd.DataFrame({"owner": ["li"] * 12 + ["wang"], "stage": [3] * 12 + ["E"]})
    >>> load = followup_load(acc)
    >>> load[load["over"]]
               n_accounts  suggested_size  over  excess
    owner band
    li    3-4          12            10.0  True       2
    """
    what = "followup_load"
    check_frame(accounts, f"{what}: accounts")
    sizes = _list_sizes(list_sizes)
    checks = Checks(f"{what}: accounts", ids=accounts.index)
    absent = [c for c in (owner_col, stage_col) if c not in accounts.columns]
    if absent:
        checks.add(None, f"missing column(s) {absent}", len(absent))
        checks.raise_if_failed()
    checks.rows(accounts[owner_col].isna().to_numpy(dtype=bool), owner_col, "missing owners")
    checks.raise_if_failed()
    stage = _intent_codes(accounts[stage_col], accounts.index, stage_col, f"{what}: accounts")
    band_names = tuple(LOAD_BANDS)
    band_of_stage = np.array(
        [next(b for b, m in enumerate(LOAD_BANDS.values()) if s in m) for s in INTENT_STAGES]
    )
    band = band_of_stage[stage]
    owner_codes, owners = pd.factorize(accounts[owner_col], sort=True)
    nb = len(band_names)
    counts = np.bincount(owner_codes * nb + band, minlength=len(owners) * nb)
    limit = _limits(sizes, band_names, np.nan)
    lim = np.tile(limit, len(owners))
    with np.errstate(invalid="ignore"):
        over = counts > lim
    excess = np.where(over, counts - np.nan_to_num(lim, nan=0.0), 0).astype(np.int64)
    index = pd.MultiIndex.from_product(
        [pd.Index(owners, name=owner_col), pd.CategoricalIndex(band_names, ordered=True)],
        names=[owner_col, "band"],
    )
    return pd.DataFrame(
        {
            "n_accounts": counts.astype(np.int64),
            "suggested_size": lim,
            "over": over,
            "excess": excess,
        },
        index=index,
    )
