"""The customer table and the calibration/holdout split from read rows (private).

The kernels behind :func:`custvalue.customer_table` and
:func:`custvalue.split_calibration_holdout`, shared with the Dask path
(:mod:`custvalue._dask.table`), which runs them per partition after one shuffle by customer:
given the same rows of a customer and the same observation end, they give the same row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._calendar import OUT_RES, durations, min_gap, period_numbers, period_start
from ._read import (
    CustomerFacts,
    Ids,
    ReadOptions,
    Rows,
    TableReport,
    customer_facts,
    end_value,
    no_purchases,
    purchase_periods,
    refund_counts,
    rows_report,
)
from ._schema import (
    CUSTOMER_ID,
    FIRST_PURCHASE,
    HOLDOUT_COLUMNS,
    HOLDOUT_LENGTH,
    HOLDOUT_PURCHASES,
    HOLDOUT_SPEND,
    LAST_PURCHASE,
    MEAN_REPEAT_SPEND,
    MEAN_SPEND,
    N_PURCHASES,
    N_REPEAT,
    PURCHASE_SPAN,
    TABLE_COLUMNS,
    TENURE,
    TIME_SINCE_LAST,
    TOTAL_SPEND,
)

__all__ = ["MERGE_PERIOD_ATTR", "assemble", "calibration_period", "split_rows", "table_rows"]

MERGE_PERIOD_ATTR = "merge_period"
"""Key of ``table.attrs`` recording how a table was built: ``{"period": ..., "time_unit": ...,
"min_gap": ...}``, ``min_gap`` being the shortest distance between two purchase periods in
the table's time unit. Only validation reads it (a model fit refuses a table whose
``n_repeat`` does not fit in its ``purchase_span`` at that merge period); no result depends
on it, and a table without it (from lifetimes, or built by hand) is accepted as it is."""


def assemble(
    facts: CustomerFacts,
    ids: Ids,
    end_per: int,
    opts: ReadOptions,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the table (sorted by id); also return the codes of its rows.

    Columns are written into three preallocated 2-D blocks (datetimes, integers, floats)
    so building the frame copies nothing.
    """
    order, index = ids.ordered(np.flatnonzero(facts.n_purchases > 0))
    index.name = CUSTOMER_ID
    m = order.size
    # facts arrays are released as soon as they are copied out (peak memory)
    stamps = np.empty((2, m), dtype=OUT_RES)
    stamps[0] = period_start(facts.first[order], opts.period)
    facts.first = np.empty(0, dtype="int64")
    stamps[1] = period_start(facts.last[order], opts.period)
    facts.last = np.empty(0, dtype="int64")
    ints = np.empty((2, m), dtype="int64")
    n_p, n_rep = ints[0], ints[1]
    np.take(facts.n_purchases, order, out=n_p)
    np.subtract(n_p, 1, out=n_rep)
    floats = np.full((6, m), np.nan)
    span, tenure, since, total, mean, mean_rep = floats
    end_dt = period_start(np.array([end_per]), opts.period)
    tenure[:] = durations(end_dt, stamps[0], opts.time_unit)
    span[:] = durations(stamps[1], stamps[0], opts.time_unit)
    np.subtract(tenure, span, out=since)
    if facts.total is not None and facts.repeat is not None:
        np.take(facts.total, order, out=total)
        facts.total = None
        np.divide(total, n_p, out=mean)
        np.take(facts.repeat, order, out=mean_rep)
        facts.repeat = None
        np.divide(mean_rep, n_rep, out=mean_rep, where=n_rep > 0)
        mean_rep[n_rep == 0] = np.nan
    table = pd.concat(
        [
            pd.DataFrame(
                stamps.T, index=index, columns=[FIRST_PURCHASE, LAST_PURCHASE], copy=False
            ),
            pd.DataFrame(ints.T, index=index, columns=[N_PURCHASES, N_REPEAT], copy=False),
            pd.DataFrame(
                floats.T,
                index=index,
                columns=[
                    PURCHASE_SPAN,
                    TENURE,
                    TIME_SINCE_LAST,
                    TOTAL_SPEND,
                    MEAN_SPEND,
                    MEAN_REPEAT_SPEND,
                ],
                copy=False,
            ),
        ],
        axis=1,
    )
    table.attrs[MERGE_PERIOD_ATTR] = {
        "period": opts.period,
        "time_unit": opts.time_unit,
        "min_gap": min_gap(opts.period, opts.time_unit),
    }
    return table, order


def table_rows(
    rows: Rows, what: str, *, report: bool, allow_empty: bool = False
) -> tuple[pd.DataFrame, TableReport | None]:
    """Return the customer table of read rows, and its report when ``report``.

    ``allow_empty`` returns an empty table (and the report) where no purchase is left,
    instead of raising (a partition of the Dask path may have none).
    """
    opts = rows.opts
    codes, rel, amt = rows.codes, rows.per, rows.amt
    rows.codes = rows.per = rows.amt = None  # owned here from now on (peak memory)
    periods = purchase_periods(
        codes,
        rel,
        amt,
        rows.r_codes,
        rows.r_per,
        rows.r_amt,
        rows.ids.n_codes,
        distinct=rows.distinct,  # sorted by the reader already (duplicates="keep")
        bounds=rows.per_bounds,
    )
    facts = customer_facts(periods, codes, rel, amt, rows.r_codes, rows.r_amt)
    del codes, rel, amt
    if not periods.key.size and not allow_empty:
        raise no_purchases(what, {**rows.counts, **refund_counts(periods)})
    table, _ = assemble(facts, rows.ids, rows.end_per, opts)
    if not report:
        return table, None
    return table, rows_report(rows, len(table), refund_counts(periods))


def calibration_period(
    calibration_end: Any, opts: ReadOptions, end_per: int, end_ts: Any
) -> tuple[np.datetime64, int]:
    """Return the calibration end (datetime64) and its period; raise unless before the end."""
    cal_end = end_value(calibration_end, opts, "calibration_end")
    cal_per = int(period_numbers(np.array([cal_end]), opts.period)[0])
    if cal_per >= end_per:
        raise ValueError(
            f"calibration_end={pd.Timestamp(cal_end)} must fall in a period before "
            f"observation_end={end_ts}"
        )
    return cal_end, cal_per


def split_rows(
    rows: Rows, what: str, calibration_end: Any, *, report: bool, allow_empty: bool = False
) -> tuple[pd.DataFrame, TableReport | None]:
    """Return the calibration table with the holdout facts, and its report when ``report``.

    ``allow_empty`` as for :func:`table_rows`.
    """
    opts = rows.opts
    cal_end, cal_per = calibration_period(calibration_end, opts, rows.end_per, rows.end_ts)
    n_codes = rows.ids.n_codes
    in_cal = rows.per <= cal_per
    r_cal = rows.r_per <= cal_per
    c_codes, c_rel = rows.codes[in_cal], rows.per[in_cal]
    c_amt = None if rows.amt is None else rows.amt[in_cal]
    cr_codes, cr_amt = rows.r_codes[r_cal], rows.r_amt[r_cal]
    cal = purchase_periods(c_codes, c_rel, c_amt, cr_codes, rows.r_per[r_cal], cr_amt, n_codes)
    facts = customer_facts(cal, c_codes, c_rel, c_amt, cr_codes, cr_amt)
    del c_codes, c_rel, c_amt
    if not cal.key.size and not allow_empty:
        raise no_purchases(what, {**rows.counts, **refund_counts(cal)})
    table, order = assemble(facts, rows.ids, cal_per, opts)

    # holdout: customers known from the calibration window only (BTYD convention)
    known = facts.n_purchases > 0
    h = ~in_cal
    h_codes = rows.codes[h]
    h_known = known[h_codes]
    rh = ~r_cal
    rh_codes = rows.r_codes[rh]
    rh_known = known[rh_codes]
    holdout_only = int((~h_known).sum() + (~rh_known).sum())
    h_codes = h_codes[h_known]
    h_rel = rows.per[h][h_known]
    h_amt = None if rows.amt is None else rows.amt[h][h_known]
    rh_codes, rh_amt = rh_codes[rh_known], rows.r_amt[rh][rh_known]
    hold = purchase_periods(
        h_codes, h_rel, h_amt, rh_codes, rows.r_per[rh][rh_known], rh_amt, n_codes
    )
    h_n = np.bincount(hold.code, minlength=n_codes)
    table[HOLDOUT_PURCHASES] = h_n[order].astype("int64")
    if h_amt is not None:
        # every holdout refund of a known customer reduces the holdout spend, matched to a
        # holdout purchase or not (it may refund a calibration purchase)
        # (float64 also without holdout rows: numpy's bincount of nothing gives int64)
        spend = np.bincount(h_codes, weights=h_amt, minlength=n_codes).astype(np.float64)
        spend += np.bincount(rh_codes, weights=rh_amt, minlength=n_codes)
        table[HOLDOUT_SPEND] = spend[order]
    else:
        table[HOLDOUT_SPEND] = np.nan
    length = durations(
        period_start(np.array([rows.end_per]), opts.period),
        period_start(np.array([cal_per]), opts.period),
        opts.time_unit,
    )[0]
    table[HOLDOUT_LENGTH] = float(length)
    table = table[[*TABLE_COLUMNS, *HOLDOUT_COLUMNS]]
    if not report:
        return table, None
    counts = refund_counts(cal)
    counts["refunds_netted"] += int(rh_codes.size)
    counts["periods_netted_out"] += int(hold.removed.size)
    counts["holdout_only"] = holdout_only
    return table, rows_report(rows, len(table), counts, pd.Timestamp(cal_end))
