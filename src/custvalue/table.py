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

import pandas as pd

from ._build import MERGE_PERIOD_ATTR as _MERGE_PERIOD_ATTR
from ._build import split_rows, table_rows
from ._dispatch import is_dask
from ._read import ReadKeywords, ReadOptions, TableReport, read_options, read_transactions

__all__ = [
    "MERGE_PERIOD_ATTR",
    "ReadKeywords",
    "ReadOptions",
    "TableReport",
    "customer_table",
    "split_calibration_holdout",
]


MERGE_PERIOD_ATTR = _MERGE_PERIOD_ATTR
"""Key of ``table.attrs`` recording how a table was built: ``{"period": ..., "time_unit": ...,
"min_gap": ...}``, ``min_gap`` being the shortest distance between two purchase periods in
the table's time unit. Only validation reads it (a model fit refuses a table whose
``n_repeat`` does not fit in its ``purchase_span`` at that merge period); no result depends
on it, and a table without it (from lifetimes, or built by hand) is accepted as it is."""


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

    Accepts a Dask DataFrame (extra ``dask``): the result is then a lazy Dask DataFrame
    partitioned by customer (hash of the id; each partition sorted, divisions unknown),
    equal to the pandas table for any partitioning of the input. The input is validated
    eagerly (the same errors as pandas) and read twice: once for validation and the
    observation end, once shuffled by customer for the table (with ``return_report=True``
    the table is persisted in that pass, with its report).

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
    if is_dask(transactions):
        from ._dask.table import dask_table

        return dask_table(transactions, opts, observation_end, return_report)  # type: ignore[no-any-return]
    what = "customer_table: transactions"
    rows = read_transactions(
        transactions,
        opts,
        what=what,
        observation_end=observation_end,
        count_duplicates=return_report,  # only the report shows the count
    )
    table, report = table_rows(rows, what, report=return_report)
    return (table, report) if report is not None else table


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

    Accepts a Dask DataFrame (extra ``dask``), as :func:`customer_table` does.

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
    if is_dask(transactions):
        from ._dask.table import dask_split

        return dask_split(transactions, opts, calibration_end, observation_end, return_report)  # type: ignore[no-any-return]
    what = "split_calibration_holdout: transactions"
    rows = read_transactions(transactions, opts, what=what, observation_end=observation_end)
    table, report = split_rows(rows, what, calibration_end, report=return_report)
    return (table, report) if report is not None else table
