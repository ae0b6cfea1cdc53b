"""From a transaction log to the customer table, and the calibration/holdout split.

One row per customer, index = customer id (values and dtype as given), columns as in
:data:`custvalue._schema.TABLE_COLUMNS`. Two time choices are kept apart:

* ``period`` merges purchases: every purchase of a customer inside one period (a calendar
  day by default) is one purchase, and the amounts inside it are summed;
* ``time_unit`` is the unit durations are expressed in (``"W"``: days / 7).

The published CDNOW fits merge per day and measure in weeks: ``period="D"``,
``time_unit="W"``.

Every row of the input is either used or counted, by reason, in a :class:`TableReport`.
Policies for problem rows are explicit arguments; the defaults raise on anything that
cannot be used as it stands, except zero amounts (kept as purchases worth nothing, counted)
and exact duplicate rows (kept, counted). The reading itself (ids, times, row policies,
merging per period, refund netting) is custvalue's one reader, shared by every function
that takes transactions.
"""

from __future__ import annotations

from typing import Any, Literal, Unpack, overload

import numpy as np
import pandas as pd

from ._calendar import OUT_RES, durations, min_gap, period_numbers, period_start
from ._read import (
    CustomerFacts,
    Ids,
    ReadKeywords,
    ReadOptions,
    TableReport,
    customer_facts,
    end_value,
    no_purchases,
    purchase_periods,
    read_options,
    read_transactions,
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

__all__ = [
    "MERGE_PERIOD_ATTR",
    "ReadKeywords",
    "ReadOptions",
    "TableReport",
    "customer_table",
    "split_calibration_holdout",
]

MERGE_PERIOD_ATTR = "merge_period"
"""Key of ``table.attrs`` recording how a table was built: ``{"period": ..., "time_unit": ...,
"min_gap": ...}``, ``min_gap`` being the shortest distance between two purchase periods in
the table's time unit. Only validation reads it (a model fit refuses a table whose
``n_repeat`` does not fit in its ``purchase_span`` at that merge period); no result depends
on it, and a table without it (from lifetimes, or built by hand) is accepted as it is."""


def _assemble(
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


@overload
def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame: ...


@overload
def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    return_report: Literal[True],
    **options: Unpack[ReadKeywords],
) -> tuple[pd.DataFrame, TableReport]: ...


def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    return_report: bool = False,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame | tuple[pd.DataFrame, TableReport]:
    """Build the customer table (one row per customer) from a transaction log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase. NumPy, nullable and Arrow dtypes give identical tables.
    observation_end : date-like, optional
        End of observation, inclusive of its whole period. Default: the latest time in
        ``time_col``. Naive values are read on the same clock as the (converted) data.
    return_report : bool, default False
        Also return the :class:`TableReport`.
    **options
        The transaction reading options below (:class:`ReadOptions`), taken alike by
        every function that reads a transaction log; an unknown name raises TypeError.
    customer_col : str, default "customer_id"
        Customer id column: integers, strings or categoricals (one type; mixed types
        raise). Values and dtype are kept in the output index.
    time_col : str, default "timestamp"
        Purchase time: datetime64 (naive or tz-aware), ISO 8601 strings
        (``YYYY-MM-DD[Thh:mm[:ss]]``), other strings with ``time_format``, or integers
        with ``integer_time_unit`` (or ``time_format``, e.g. ``"%Y%m%d"`` for 19970101).
        Nothing is guessed: other inputs raise.
    amount_col : str, optional
        Amount of each row. Without it (and without ``quantity_col``) the spend columns
        are present and all NaN (spend is undefined). Amounts within one period are summed
        (in row order, so reordering the rows can change a spend in its last bit).
    quantity_col : str, optional
        Quantity of each row; with ``price_col`` the amount is ``quantity x price`` per row
        (missing when either is). Not together with ``amount_col``.
    price_col : str, optional
        Unit price of each row, with ``quantity_col``.
    invoice_col : str, optional
        Invoice number of each row, with ``cancel_prefix``: rows whose invoice number
        starts with the prefix are cancellations (as in common retail exports, where they
        carry a negative quantity). A cancellation is never a purchase: it is a refund,
        handled by ``refunds`` (netted, dropped, or refused), and counted as
        ``cancellations``; a cancellation with a positive amount raises. Without amounts,
        cancellations are dropped (``refunds="drop"``) or refused.
    cancel_prefix : str, optional
        The prefix that marks a cancellation's invoice number (e.g. ``"C"``).
    time_unit : {"s", "min", "h", "D", "W"}, default "D"
        Unit of the durations ``purchase_span``, ``tenure``, ``time_since_last``
        (floats; ``"W"`` is days / 7).
    period : {"s", "min", "h", "D", "W", "M", "Q", "Y"}, default "D"
        Merge period: all purchases of a customer in one calendar period (weeks start on
        Monday) are one purchase. Durations are measured between period starts.
    tz : str or tzinfo, optional
        Time zone whose calendar cuts periods. Required when the times are tz-aware (they
        are converted to it); given with naive times it raises (nothing to convert).
        ``first_purchase`` / ``last_purchase`` are naive wall-clock times in ``tz``.
    time_format : str, optional
        ``strftime`` format for string (or integer) times.
    integer_time_unit : {"D", "h", "min", "s", "ms", "us", "ns"}, optional
        Unit of integer times, counted from 1970-01-01.
    refunds : {"raise", "drop", "net"}, default "raise"
        Rows with a negative amount, and cancellations. ``"drop"``: removed and counted.
        ``"net"``: a refund is not a purchase; its amount is subtracted from the spend of
        the same customer's latest purchase period at or before it (refunds with no such
        purchase are dropped and counted as ``unmatched_refund``). A period whose net
        amount is then <= 0 was cancelled: it is not a purchase occasion (counted as
        ``periods_netted_out``), and its net amount stays in ``total_spend``.
    zero_amounts : {"keep", "drop", "raise"}, default "keep"
        Rows with a zero amount: kept as purchases worth nothing (counted in the report as
        ``zero_amount_kept``; CDNOW has 80 such rows), dropped and counted, or refused.
    after_end : {"raise", "drop"}, default "raise"
        Rows in a period after ``observation_end``.
    duplicates : {"keep", "drop"}, default "keep"
        Rows identical in every column of ``transactions`` to an earlier row: kept (their
        amounts are summed; counted as ``duplicate_kept`` so that an export that doubled
        its rows does not go unnoticed), or dropped and counted (``duplicate``).
    missing : {"raise", "drop"}, default "raise"
        Rows with a missing id, time, amount or invoice number (NaN amounts never
        become 0).

    Returns
    -------
    table : pandas.DataFrame
        Index ``customer_id`` (sorted; values and dtype of ``customer_col``), columns ``first_purchase``, ``last_purchase``,
        ``n_purchases``, ``n_repeat``, ``purchase_span``, ``tenure``,
        ``time_since_last``, ``total_spend``, ``mean_spend``, ``mean_repeat_spend``.
        ``mean_repeat_spend`` is NaN when ``n_repeat == 0`` (lifetimes writes 0 there).
        ``table.attrs["merge_period"]`` records the merge period and time unit (see
        :data:`MERGE_PERIOD_ATTR`).
    report : TableReport
        Only with ``return_report=True``.

    Raises
    ------
    TypeError
        ``transactions`` is not a DataFrame, a column has an unsupported dtype, or a
        keyword is unknown (the valid ones are listed).
    DataValidationError
        Rows break a rule whose policy is ``"raise"`` (all failures listed at once).
    ValueError
        An invalid option, or a time question that needs an explicit answer (tz, unit,
        format).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import customer_table
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2],
    ...     "timestamp": pd.to_datetime(["1997-01-01", "1997-01-01", "1997-01-15",
    ...                                  "1997-01-08"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0],
    ... })
    >>> t = customer_table(tx, amount_col="amount", observation_end="1997-01-29",
    ...                    time_unit="W")
    >>> t[["n_repeat", "purchase_span", "tenure", "total_spend", "mean_repeat_spend"]]
                 n_repeat  purchase_span  tenure  total_spend  mean_repeat_spend
    customer_id
    1                   1            2.0     4.0         35.0               20.0
    2                   0            0.0     3.0          7.0                NaN
    """
    opts = read_options(options, customer_table)
    what = "customer_table: transactions"
    rows = read_transactions(
        transactions,
        opts,
        what=what,
        observation_end=observation_end,
        count_duplicates=return_report,  # only the report shows the count
    )
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
    )
    facts = customer_facts(periods, codes, rel, amt, rows.r_codes, rows.r_amt)
    del codes, rel, amt
    if not periods.key.size:
        raise no_purchases(what, {**rows.counts, **refund_counts(periods)})
    table, _ = _assemble(facts, rows.ids, rows.end_per, opts)
    if not return_report:
        return table
    return table, rows_report(rows, len(table), refund_counts(periods))


@overload
def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame: ...


@overload
def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = ...,
    return_report: Literal[True],
    **options: Unpack[ReadKeywords],
) -> tuple[pd.DataFrame, TableReport]: ...


def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    return_report: bool = False,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame | tuple[pd.DataFrame, TableReport]:
    """Split a transaction log into a calibration table and per-customer holdout facts.

    BTYD convention: the table has the customers whose first purchase falls in the
    calibration window (periods up to and including the one holding ``calibration_end``);
    its columns are those of :func:`customer_table` computed with
    ``observation_end=calibration_end``, plus ``holdout_purchases`` (distinct purchase
    periods after the calibration end, merged as in the table), ``holdout_spend`` (their
    summed amounts; NaN without ``amount_col``) and ``holdout_length`` (calibration end to
    observation end, in ``time_unit``, the same for every customer). Rows of customers
    first seen in the holdout are counted in the report as ``holdout_only``. Under
    ``refunds="net"`` a refund is netted within its own window (holdout refunds reduce
    ``holdout_spend``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        As for :func:`customer_table`.
    calibration_end : date-like
        Last moment of calibration (inclusive of its period).
    observation_end : date-like, optional
        End of observation, i.e. of the holdout (inclusive of its period); default the latest time
        in the log.
    return_report : bool, default False
        Also return the :class:`TableReport`.
    **options
        Transaction reading options, exactly as in :func:`customer_table`.

    Returns
    -------
    table : pandas.DataFrame
        Customer-table columns followed by ``holdout_purchases`` (int64),
        ``holdout_spend`` and ``holdout_length`` (float64).
    report : TableReport
        Only with ``return_report=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import split_calibration_holdout
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-20",
    ...                                  "2020-01-15"]),
    ... })
    >>> t = split_calibration_holdout(tx, calibration_end="2020-01-10",
    ...                               observation_end="2020-01-31")
    >>> t[["n_repeat", "tenure", "holdout_purchases", "holdout_length"]]
                 n_repeat  tenure  holdout_purchases  holdout_length
    customer_id
    a                   1     9.0                  1            21.0
    """
    opts = read_options(options, split_calibration_holdout)
    what = "split_calibration_holdout: transactions"
    rows = read_transactions(transactions, opts, what=what, observation_end=observation_end)
    cal_end = end_value(calibration_end, opts, "calibration_end")
    cal_per = int(period_numbers(np.array([cal_end]), opts.period)[0])
    if cal_per >= rows.end_per:
        raise ValueError(
            f"calibration_end={pd.Timestamp(cal_end)} must fall in a period before "
            f"observation_end={rows.end_ts}"
        )
    n_codes = rows.ids.n_codes
    in_cal = rows.per <= cal_per
    r_cal = rows.r_per <= cal_per
    c_codes, c_rel = rows.codes[in_cal], rows.per[in_cal]
    c_amt = None if rows.amt is None else rows.amt[in_cal]
    cr_codes, cr_amt = rows.r_codes[r_cal], rows.r_amt[r_cal]
    cal = purchase_periods(c_codes, c_rel, c_amt, cr_codes, rows.r_per[r_cal], cr_amt, n_codes)
    facts = customer_facts(cal, c_codes, c_rel, c_amt, cr_codes, cr_amt)
    del c_codes, c_rel, c_amt
    if not cal.key.size:
        raise no_purchases(what, {**rows.counts, **refund_counts(cal)})
    table, order = _assemble(facts, rows.ids, cal_per, opts)

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
        spend = np.bincount(h_codes, weights=h_amt, minlength=n_codes)
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
    if not return_report:
        return table
    counts = refund_counts(cal)
    counts["refunds_netted"] += int(rh_codes.size)
    counts["periods_netted_out"] += int(hold.removed.size)
    counts["holdout_only"] = holdout_only
    return table, rows_report(rows, len(table), counts, pd.Timestamp(cal_end))
