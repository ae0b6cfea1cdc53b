"""The row report: what happened to every input row of a transaction log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pandas as pd

__all__ = ["TableReport", "build_report"]

# (rows_report, which needs Rows, lives in custvalue._read.__init__)


@dataclass(frozen=True)
class TableReport:
    """What happened to every input row of a transaction log.

    Returned by :func:`customer_table` and :func:`split_calibration_holdout` with
    ``return_report=True``; every function that reads transactions reads them the same way.

    ``rows_used + rows_dropped == rows_in`` always holds; each dropped row is counted
    under exactly one reason (the first that applies, in the order of
    :attr:`DROP_REASONS`).

    Attributes
    ----------
    rows_in : int
        Rows in the input frame.
    rows_used : int
        Rows that entered the result (purchases, and refunds netted under ``refunds="net"``).
    missing_id, missing_time, missing_amount, missing_invoice : int
        Rows dropped for a missing customer id, time, amount or invoice number
        (``missing="drop"``).
    duplicate : int
        Rows identical in every column to an earlier row, dropped (``duplicates="drop"``).
    after_end : int
        Rows after the observation end dropped (``after_end="drop"``).
    refund : int
        Rows with a negative amount, or cancellations, dropped (``refunds="drop"``).
    unmatched_refund : int
        Refund rows with no earlier purchase of the same customer to net against
        (``refunds="net"``).
    zero_amount : int
        Rows with a zero amount dropped (``zero_amounts="drop"``).
    holdout_only : int
        :func:`split_calibration_holdout` only: rows of customers whose first purchase
        falls after the calibration end (the BTYD convention leaves them out).
    refunds_netted : int
        Refund rows used: their amounts were subtracted from a purchase (``"net"``).
    periods_netted_out : int
        Purchase periods whose net amount was <= 0 after netting refunds: cancelled, so not
        purchase occasions (their net amount stays in ``total_spend``).
    cancellations : int
        Rows whose invoice number starts with ``cancel_prefix`` (handled as refunds).
    zero_amount_kept : int
        Zero-amount rows used as purchases (``zero_amounts="keep"``).
    duplicate_kept : int
        Rows identical in every column to an earlier row, kept (``duplicates="keep"``, the
        default): their amounts are summed into the spend. Check them, or pass
        ``duplicates="drop"``.
    customers_in : int
        Distinct customer ids among the input rows that have one.
    customers : int
        Rows of the resulting table.
    customers_after_end : int
        Customers all of whose rows lie after the observation end (with
        ``after_end="drop"`` they are not in the result).
    customers_dropped : int
        ``customers_in - customers``: customers whose every row was dropped or cancelled
        (or, for the split, who first bought in the holdout).
    observation_end : pandas.Timestamp
        The observation end used (naive; wall-clock time in ``tz`` when one was given).
    calibration_end : pandas.Timestamp or None
        :func:`split_calibration_holdout` only: the calibration end used.
    """

    rows_in: int
    rows_used: int
    missing_id: int = 0
    missing_time: int = 0
    missing_amount: int = 0
    missing_invoice: int = 0
    duplicate: int = 0
    after_end: int = 0
    refund: int = 0
    unmatched_refund: int = 0
    zero_amount: int = 0
    holdout_only: int = 0
    refunds_netted: int = 0
    periods_netted_out: int = 0
    cancellations: int = 0
    zero_amount_kept: int = 0
    duplicate_kept: int = 0
    customers_in: int = 0
    customers: int = 0
    customers_after_end: int = 0
    customers_dropped: int = 0
    observation_end: pd.Timestamp | None = None
    calibration_end: pd.Timestamp | None = None

    DROP_REASONS: ClassVar[tuple[str, ...]] = (
        "missing_id",
        "missing_time",
        "missing_amount",
        "missing_invoice",
        "duplicate",
        "after_end",
        "refund",
        "unmatched_refund",
        "zero_amount",
        "holdout_only",
    )

    def __post_init__(self) -> None:
        if self.rows_used + self.rows_dropped != self.rows_in:  # pragma: no cover - a bug
            raise AssertionError(f"row accounting does not add up: {self!r}")

    @property
    def dropped(self) -> dict[str, int]:
        """Dropped rows by reason (reasons with a zero count left out)."""
        return {r: getattr(self, r) for r in self.DROP_REASONS if getattr(self, r)}

    @property
    def rows_dropped(self) -> int:
        """Total rows dropped, all reasons."""
        return sum(getattr(self, r) for r in self.DROP_REASONS)

    def as_dict(self) -> dict[str, Any]:
        """All fields as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def build_report(
    rows_in: int,
    counts: Mapping[str, int],
    *,
    customers_in: int,
    customers: int,
    observation_end: pd.Timestamp,
    calibration_end: pd.Timestamp | None = None,
) -> TableReport:
    """Return the report from the row counts by reason (TableReport field names)."""
    dropped = sum(counts.get(r, 0) for r in TableReport.DROP_REASONS)
    return TableReport(
        rows_in=rows_in,
        rows_used=rows_in - dropped,
        customers_in=customers_in,
        customers=customers,
        customers_dropped=customers_in - customers,
        observation_end=observation_end,
        calibration_end=calibration_end,
        **counts,
    )
