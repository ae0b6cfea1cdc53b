"""Customer value for the segmentation modules: revenue, or profit when margin or cost is given.

A customer's financial value is transaction revenue minus the cost of serving that
customer (the domain guide, "Value is profit, not revenue"). Every segmentation
function that takes ``values`` builds its value through :func:`customer_value`:

``value = revenue * margin - cost_to_serve``

with ``margin`` 1 and ``cost_to_serve`` 0 when not given (revenue mode). Nothing is filled:
missing or non-finite values raise, and per-customer margins or costs must cover exactly the
customers of ``values``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._schema import TOTAL_SPEND
from ._validation import Checks, check_scalar, numeric_array

__all__ = [
    "categorical_series",
    "customer_value",
    "rank_before_share",
    "value_before_share",
]


def _as_series(values: Any, what: str) -> pd.Series:
    """Accept a Series of values, or a customer table (its ``total_spend`` column)."""
    if isinstance(values, pd.DataFrame):
        if TOTAL_SPEND not in values.columns:
            raise ValueError(
                f"{what}: a customer table needs a {TOTAL_SPEND!r} column; "
                "or pass a Series of values indexed by customer id"
            )
        return values[TOTAL_SPEND]
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"{what}: values must be a pandas Series indexed by customer id "
            f"(or a customer table), got {type(values).__name__}"
        )
    return values


def _aligned(other: pd.Series, index: pd.Index, name: str, checks: Checks) -> np.ndarray | None:
    """Return ``other`` reordered on ``index`` as float64, recording every misalignment."""
    if not isinstance(other, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by customer id")
    if other.index.equals(index):  # fast path: same customers in the same order
        return numeric_array(other, name, checks)
    if other.index.has_duplicates:
        checks.rows(
            np.asarray(other.index.duplicated()), name, "duplicate customer ids", ids=other.index
        )
        return None
    missing = ~index.isin(other.index)
    extra = ~other.index.isin(index)
    bad = checks.rows(missing, name, "customers of values missing here", ids=index)
    bad |= checks.rows(extra, name, "customers not in values", ids=other.index)
    if bad:
        return None
    arr = numeric_array(other.reindex(index), name, checks)
    return arr


def customer_value(
    values: Any,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
    what: str = "values",
) -> pd.Series:
    """Validate ``values`` and return revenue, or profit when margin or cost is given.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Revenue per customer (index = customer id), or a customer table whose
        ``total_spend`` column is used.
    margin : float or pandas.Series, optional
        Profit margin: a rate in (0, 1] applied to everyone, or a Series of per-customer
        rates (any finite number) on the same customers.
    cost_to_serve : pandas.Series, optional
        Cost of serving each customer (>= 0), on the same customers, subtracted after the
        margin.
    what : str
        Caller, for error messages.

    Returns
    -------
    pandas.Series
        float64 values named ``"value"`` on the customer index (input order kept).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._value import customer_value
    >>> rev = pd.Series([100.0, 50.0], index=["a", "b"])
    >>> customer_value(rev, margin=0.3, cost_to_serve=pd.Series([10.0, 20.0], index=["a", "b"]))
    a    20.0
    b    -5.0
    Name: value, dtype: float64
    """
    series = _as_series(values, what)
    index = series.index
    checks = Checks(what, ids=index)
    if len(series) == 0:
        checks.add(None, "no customers", 0)
        checks.raise_if_failed()
    if index.has_duplicates:
        checks.rows(index.duplicated(), "values", "duplicate customer ids")
    if index.hasnans:
        checks.rows(np.asarray(index.isna()), "values", "missing customer ids")
    value = numeric_array(series, "values", checks)
    rate: float | np.ndarray = 1.0
    if isinstance(margin, pd.Series):
        arr = _aligned(margin, index, "margin", checks)
        if arr is not None:
            rate = arr
    elif margin is not None:
        rate = check_scalar("margin", margin, minimum=0.0, strict=True, maximum=1.0)
    cost: float | np.ndarray = 0.0
    if cost_to_serve is not None:
        arr = _aligned(cost_to_serve, index, "cost_to_serve", checks)
        if arr is not None:
            with np.errstate(invalid="ignore"):
                checks.rows(arr < 0, "cost_to_serve", "negative costs", ids=index)
            cost = arr
    checks.raise_if_failed()
    out = value * rate - cost if (margin is not None or cost_to_serve is not None) else value
    return pd.Series(np.asarray(out, dtype="float64"), index=index, name="value")


def value_before_share(sorted_desc: np.ndarray) -> np.ndarray:
    """For values sorted descending, the share of the total held by strictly larger values.

    Equal values get the same share (the share before their tie block), so a class limit
    that falls inside a tie block never splits it.
    """
    n = sorted_desc.size
    csum = np.cumsum(sorted_desc)
    total = csum[-1]
    # start of each tie block
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_desc[1:], sorted_desc[:-1], out=starts[1:])
    block_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    before = np.where(block_start > 0, csum[block_start - 1], 0.0)
    return np.asarray(before / total, dtype="float64")


def rank_before_share(values: np.ndarray) -> np.ndarray:
    """Per customer (input order), the share of customers with a strictly larger value."""
    n = values.size
    # number of values strictly greater than v = n - (number of values <= v); the queries
    # are made in sorted order (cache-friendly) and scattered back
    order = np.argsort(values)
    sorted_asc = values[order]
    n_le = np.searchsorted(sorted_asc, sorted_asc, side="right")
    out = np.empty(n, dtype="float64")
    out[order] = (n - n_le) / n
    return out


def categorical_series(
    codes: np.ndarray, categories: Sequence[str], index: pd.Index, name: str
) -> pd.Series:
    """Ordered categorical Series from integer codes, every category present."""
    cat = pd.Categorical.from_codes(
        np.asarray(codes, dtype="int64"), categories=pd.Index(list(categories)), ordered=True
    )
    return pd.Series(cat, index=index, name=name)
