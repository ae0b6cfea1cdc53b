"""The one reader of transaction logs (private).

Every function that takes transactions (the customer table, the calibration/holdout split,
lifecycle stages, churn, tracking, the Dask path) reads them here, so the rules on ids, times,
money and rows cannot drift between modules:

* :mod:`.options` -- :class:`ReadOptions`, the reading options defined once;
* :mod:`.ids` -- accepted id types and their integer coding;
* :mod:`.times` -- time parsing (never guessed), observation and calibration ends;
* :mod:`.rows` -- row validation and the row policies (:func:`read_rows`);
* :mod:`.periods` -- the one dedupe-per-period and refund-netting kernel;
* :mod:`.report` -- :class:`TableReport`, every row used or counted by reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .ids import Ids
from .options import READ_OPTION_NAMES, ReadKeywords, ReadOptions, read_options
from .periods import (
    CustomerFacts,
    Periods,
    customer_facts,
    period_spend,
    purchase_periods,
    run_starts,
)
from .report import TableReport, build_report
from .rows import Rows, as_frame, no_purchases, read_rows
from .times import end_value

__all__ = [
    "READ_OPTION_NAMES",
    "CustomerFacts",
    "Ids",
    "Periods",
    "ReadKeywords",
    "ReadOptions",
    "Rows",
    "TableReport",
    "build_report",
    "customer_facts",
    "end_value",
    "no_purchases",
    "period_spend",
    "purchase_periods",
    "read_options",
    "read_transactions",
    "refund_counts",
    "rows_report",
    "run_starts",
]


def read_transactions(
    transactions: object,
    opts: ReadOptions,
    *,
    what: str,
    observation_end: Any,
    extra_cols: Mapping[Any, str] | None = None,
    count_duplicates: bool = True,
) -> Rows:
    """Transactions -> validated purchase rows after the row policies.

    ``transactions`` is a pandas DataFrame or an Arrow-exportable frame (:func:`as_frame`);
    ``extra_cols`` and ``count_duplicates`` as for :func:`read_rows`.
    """
    df = as_frame(transactions)
    return read_rows(df, opts, observation_end, what, extra_cols, count_duplicates)


def refund_counts(periods: Periods, unmatched: int = 0) -> dict[str, int]:
    """Report counts of the refund netting of ``periods`` (plus ``unmatched`` refunds)."""
    return {
        "refunds_netted": periods.netted,
        "unmatched_refund": periods.unmatched + unmatched,
        "periods_netted_out": int(periods.removed.size),
    }


def rows_report(
    rows: Rows,
    customers: int,
    extra: Mapping[str, int],
    calibration_end: pd.Timestamp | None = None,
) -> TableReport:
    """Return the row report of ``rows`` once reduced to ``customers`` customers.

    ``extra`` adds counts by reason (refund netting, holdout-only rows) to the reader's.
    """
    if rows.opts.duplicates == "keep" and "duplicate_kept" not in rows.counts:
        raise RuntimeError("the rows were read without counting duplicates (count_duplicates)")
    counts = dict(rows.counts)
    for k, v in extra.items():
        counts[k] = counts.get(k, 0) + v
    return build_report(
        rows.rows_in,
        counts,
        customers_in=rows.customers_in,
        customers=customers,
        observation_end=rows.end_ts,
        calibration_end=calibration_end,
    )
