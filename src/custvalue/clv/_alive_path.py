"""Every customer's history at several calendar times, from their transactions.

The alive path of a customer (lifetimes' ``calculate_alive_path``) is P(alive) evaluated at
a sequence of dates, each time on the history known then. :func:`histories` reads the
transactions exactly as :func:`custvalue.customer_table` does (the one reader of
:mod:`custvalue._read`: same options, same row policies, purchases merged per period,
refunds netted) and returns, for every customer and every date, the ``(n_repeat,
purchase_span, tenure)`` that ``customer_table(transactions, observation_end=date)`` would
give: one sorted array of (customer, period) keys and one ``searchsorted`` per date, no
loop over customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._calendar import durations, period_numbers, period_start
from .._read import ReadOptions, end_value, no_purchases, purchase_periods, read_transactions
from .._read import refund_counts as _refund_counts
from .._schema import CUSTOMER_ID

__all__ = ["Histories", "histories"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Histories:
    """The histories of ``customers`` at ``times`` (arrays of shape (customers, times)).

    ``known`` is False where the customer had not yet made a purchase at that time (the
    other arrays are 0 there).
    """

    customers: pd.Index
    times: pd.DatetimeIndex
    n_repeat: Array
    purchase_span: Array
    tenure: Array
    known: NDArray[np.bool_]


def histories(
    transactions: Any, times: Sequence[Any] | pd.DatetimeIndex, opts: ReadOptions, what: str
) -> Histories:
    """Read ``transactions`` and build every customer's history at each of ``times``."""
    raw = list(times) if not isinstance(times, str) else [times]
    if not raw:
        raise ValueError(f"{what}: times is empty; give at least one date")
    stamps = np.array([end_value(t, opts, f"{what}: times") for t in raw], dtype="datetime64[us]")
    if np.any(np.isnat(stamps)):
        raise ValueError(f"{what}: times has missing values")
    end = stamps.max()
    rows = read_transactions(transactions, opts, what=f"{what}: transactions", observation_end=end)
    periods = purchase_periods(
        rows.codes, rows.per, rows.amt, rows.r_codes, rows.r_per, rows.r_amt, rows.ids.n_codes
    )
    if not periods.key.size:
        raise no_purchases(f"{what}: transactions", {**rows.counts, **_refund_counts(periods)})
    bounds = periods.bounds()
    present = np.flatnonzero(np.diff(bounds) > 0)
    order, index = rows.ids.ordered(present)
    index.name = CUSTOMER_ID
    per = periods.period
    first = per[bounds[order]]
    eval_per = period_numbers(stamps, opts.period)  # (times,)
    # purchase periods of customer c up to period e: keys c * span + (p - pmin) <= ...
    rel = np.clip(eval_per - periods.pmin, -1, periods.span - 1)
    targets = order[:, None] * periods.span + rel[None, :]
    upto = np.searchsorted(periods.key, targets, side="right") - bounds[order][:, None]
    upto = np.where(rel[None, :] < 0, 0, upto)
    known = upto > 0
    last_pos = bounds[order][:, None] + np.maximum(upto, 1) - 1
    last = per[last_pos]
    unit = opts.time_unit
    start_first = period_start(first, opts.period)
    span = durations(
        period_start(last.ravel(), opts.period), np.repeat(start_first, len(raw)), unit
    )
    tenure = durations(
        np.tile(period_start(eval_per, opts.period), len(first)),
        np.repeat(start_first, len(raw)),
        unit,
    )
    shape = known.shape
    n_repeat = np.where(known, upto - 1, 0).astype(np.float64)
    span = np.where(known, span.reshape(shape), 0.0)
    tenure = np.where(known, tenure.reshape(shape), 0.0)
    return Histories(
        customers=index,
        times=pd.DatetimeIndex(stamps, name="time"),
        n_repeat=n_repeat,
        purchase_span=span,
        tenure=tenure,
        known=known,
    )
