"""From subscription start and end dates to the (tenure, churned) table of the sBG model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._read import ReadOptions, end_value
from .._read.ids import check_ids
from .._read.times import time_values
from .._schema import CUSTOMER_ID
from .._validation import Checks, check_choice, check_frame

__all__ = ["SUBSCRIPTION_PERIODS", "subscription_table"]

SUBSCRIPTION_PERIODS = {
    "D": ("days", 1),
    "W": ("days", 7),
    "M": ("months", 1),
    "Q": ("months", 3),
    "Y": ("months", 12),
}
"""Billing periods: fixed lengths (days, weeks) or calendar months (months, quarters, years)."""

_US_PER_DAY = 86_400_000_000
_US = "datetime64[us]"


def _add_months(start: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``start`` plus ``k`` calendar months, the day clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month = start.astype("datetime64[M]")
    offset = (start - month.astype(_US)).astype("int64")  # us since the month's start
    day, tod = offset // _US_PER_DAY, offset % _US_PER_DAY
    new = month + k.astype("timedelta64[M]")
    days_in = ((new + 1).astype("datetime64[D]") - new.astype("datetime64[D]")).astype("int64")
    clipped = np.minimum(day, days_in - 1) * _US_PER_DAY + tod
    return np.asarray(new.astype(_US) + clipped.astype("timedelta64[us]"))


def _whole_periods(start: np.ndarray, until: np.ndarray, period: str) -> np.ndarray:
    """Return the largest k >= 0 with ``start + k periods <= until`` (``until >= start``)."""
    kind, step = SUBSCRIPTION_PERIODS[period]
    if kind == "days":
        span = (until - start).astype("int64")
        return np.asarray(span // (step * _US_PER_DAY), dtype=np.int64)
    months = until.astype("datetime64[M]").astype("int64") - start.astype("datetime64[M]").astype(
        "int64"
    )
    k = months // step
    k = k - (_add_months(start, k * step) > until)
    return np.asarray(k, dtype=np.int64)


def _start_of(start: np.ndarray, k: np.ndarray, period: str) -> np.ndarray:
    kind, step = SUBSCRIPTION_PERIODS[period]
    if kind == "days":
        return np.asarray(start + (k * step * _US_PER_DAY).astype("timedelta64[us]"))
    return _add_months(start, k * step)


def subscription_table(
    subscriptions: pd.DataFrame,
    *,
    observation_end: Any,
    period: str = "M",
    customer_col: Any = CUSTOMER_ID,
    start_col: Any = "start",
    end_col: Any = "end",
    time_format: str | None = None,
    tz: Any = None,
) -> pd.DataFrame:
    """Build the subscription table of :class:`~custvalue.ShiftedBetaGeoModel` from dates.

    One row per customer: when the subscription started and, if it ended, when. Periods
    run from each customer's own start (a monthly contract taken on 15 January renews on
    the 15th); ``tenure`` counts them:

    * a subscription that ended by ``observation_end`` is ``churned``; its ``tenure`` is
      the number of periods begun before the end (an end during a period counts that
      period: it was paid for and not renewed);
    * one still running at ``observation_end`` (no end, or a later one) is not churned;
      its ``tenure`` is the number of whole periods completed by then (renewals
      observed).

    Times are read as :func:`custvalue.customer_table` reads them (datetimes, ISO 8601
    strings, ``time_format``, tz-aware values converted to ``tz``); nothing is guessed
    and nothing is repaired: every bad row is reported in one DataValidationError.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        One row per customer.
    observation_end : date-like
        End of observation: when the data were taken.
    period : {"D", "W", "M", "Q", "Y"}, default "M"
        The contract period: days and weeks of fixed length, or calendar months, quarters
        and years (the day of the month clipped to its end: a contract of 31 January renews
        on 28/29 February).
    customer_col, start_col, end_col : str
        Column names; missing ``end`` values mean "still running".
    time_format : str, optional
        ``strftime`` format of string dates.
    tz : str or tzinfo, optional
        Time zone for tz-aware dates (as in ``customer_table``).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (values and dtype of ``customer_col``, sorted); columns
        ``start``, ``end`` (datetime64, NaT while running), ``tenure`` (int64) and
        ``churned`` (bool). ``attrs["subscription"]`` records the period and the
        observation end.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import subscription_table
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c"],
    ...     "start": ["2024-01-15", "2024-01-31", "2024-03-01"],
    ...     "end": ["2024-04-15", None, "2024-03-20"],
    ... })
    >>> subscription_table(subs, observation_end="2024-06-30")[["tenure", "churned"]]
                 tenure  churned
    customer_id
    a                 3     True
    b                 5    False
    c                 1     True
    """
    what = "subscription_table"
    df = check_frame(subscriptions, f"{what}: subscriptions")
    check_choice("period", period, SUBSCRIPTION_PERIODS)
    checks = Checks(f"{what}: subscriptions")
    missing = [c for c in (customer_col, start_col, end_col) if c not in df.columns]
    if missing:
        checks.add(None, f"missing column(s) {missing}; name yours with the *_col options", 0)
        checks.raise_if_failed()
    ids = df[customer_col]
    check_ids(ids, customer_col)
    index = pd.Index(ids, name=CUSTOMER_ID)
    checks = Checks(f"{what}: subscriptions", ids=index)
    checks.rows(ids.isna().to_numpy(), customer_col, "missing ids")
    dup = index.duplicated(keep=False) & ~ids.isna().to_numpy()
    checks.rows(dup, customer_col, "duplicate customer ids")
    opts = ReadOptions(
        customer_col=customer_col, time_col=start_col, time_format=time_format, tz=tz
    )
    start = time_values(df[start_col], start_col, opts, checks, index).astype(_US)
    end = time_values(df[end_col], end_col, opts, checks, index).astype(_US)
    obs = np.array([end_value(observation_end, opts)]).astype(_US)[0]
    no_start = np.isnat(start)
    checks.rows(no_start, start_col, "missing values")
    has_end = ~np.isnat(end)
    ok = ~no_start
    checks.rows(
        ok & (start > obs),
        start_col,
        "subscriptions starting after observation_end (pass those begun by then, or give a "
        "later observation_end)",
    )
    checks.rows(
        ok & has_end & (end <= start),
        end_col,
        "end not after start (a contract lasts at least one period): give the end after the start",
    )
    checks.raise_if_failed()
    churned = has_end & (end <= obs)
    until = np.where(churned, end, obs)
    k = _whole_periods(start, until, period)
    # an end during a period counts that period (paid for, not renewed)
    partial = churned & (_start_of(start, k, period) < end)
    tenure = k + partial.astype(np.int64)
    out = pd.DataFrame(
        {
            "start": start,
            "end": np.where(has_end, end, np.datetime64("NaT", "us")),
            "tenure": tenure,
            "churned": churned,
        },
        index=index,
    )
    out = out.sort_index(kind="stable")
    out.attrs["subscription"] = {"period": period, "observation_end": pd.Timestamp(obs)}
    return out
