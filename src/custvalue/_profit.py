"""The one profit formula: ``value = revenue x margin - cost``.

A customer's financial value is the revenue they bring, times the margin kept on it, minus
what serving them costs (the domain guide, "Value is profit, not revenue"). This module is
the one place that formula is written:

* :func:`profit` is the formula itself, on numbers or NumPy arrays (no pandas), for every
  caller that has already validated its inputs (the segmentation functions through
  :func:`customer_value`; the historical value of the CLV module, whose per-period cost is
  first turned into a total over the customer's tenure);
* :func:`customer_value` is the validating wrapper the segmentation functions use: it takes
  a Series of revenue (or a customer table, its ``total_spend``), checks ``margin`` and
  ``cost`` against one rule each, aligns per-customer Series by customer id and returns the
  values as a Series.

The rules (the same for a scalar and for a per-customer Series):

* ``margin`` is a rate, ``0 < margin <= 1``: the share of revenue kept after the costs
  that come with each purchase. Revenue mode (no margin) is margin 1.
* ``cost`` is money per customer (``>= 0``) in the unit of the revenue and *in total over
  the same window as the revenue* (for ``total_spend``: from the first purchase to the
  observation end). A cost quoted per period must be multiplied by the number of periods
  first. Costs that arise with each purchase belong in ``margin`` instead.

Per-customer Series must cover exactly the customers of the values (any order); extra or
missing ids raise (:func:`custvalue._validation.check_aligned`). Nothing is filled.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._schema import TOTAL_SPEND
from ._validation import Checks, check_aligned, check_scalar, numeric_array

__all__ = ["customer_value", "profit"]

FloatArray = NDArray[np.float64]


@overload
def profit(revenue: float, *, margin: float = ..., cost: float = ...) -> float: ...


@overload
def profit(
    revenue: FloatArray | float,
    *,
    margin: FloatArray | float = ...,
    cost: FloatArray | float = ...,
) -> FloatArray | float: ...


def profit(
    revenue: FloatArray | float,
    *,
    margin: FloatArray | float = 1.0,
    cost: FloatArray | float = 0.0,
) -> FloatArray | float:
    """Value as profit: ``revenue * margin - cost``.

    The formula only: no validation and no pandas. Arrays broadcast (one margin for
    everyone, or one per customer). With the defaults the revenue comes back unchanged,
    bit for bit (``x * 1.0 - 0.0 == x``), so revenue mode and profit mode are one path.

    Parameters
    ----------
    revenue : float or numpy.ndarray
        Revenue per customer over some window (money).
    margin : float or numpy.ndarray, default 1.0
        Profit per unit of revenue, ``0 < margin <= 1`` (callers check it).
    cost : float or numpy.ndarray, default 0.0
        Money per customer (``>= 0``), in total over the same window as ``revenue``.

    Returns
    -------
    float or numpy.ndarray
        Value per customer (float64); may be negative (a customer who costs more than they
        bring).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._profit import profit
    >>> profit(100.0, margin=0.3, cost=10.0)
    20.0
    >>> profit(np.array([100.0, 50.0]), margin=0.3, cost=np.array([10.0, 20.0])).tolist()
    [20.0, -5.0]
    """
    if (
        not isinstance(margin, np.ndarray)
        and not isinstance(cost, np.ndarray)
        and margin == 1.0
        and cost == 0.0
    ):
        # x * 1.0 - 0.0 is x for every float (-0.0 and NaN included): skip the two
        # passes over the data (revenue mode, the default of every caller)
        return (
            np.asarray(revenue, dtype=np.float64)
            if isinstance(revenue, np.ndarray)
            else float(revenue)
        )
    value = revenue * margin - cost
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=np.float64)
    return float(value)


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


def _scalar(name: str, x: Any, what: str, **bounds: Any) -> float:
    """One number for every customer, with the bounds of the per-customer rule."""
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise TypeError(
            f"{what}: {name} must be a number or a pandas Series indexed by customer id, "
            f"got {type(x).__name__}"
        )
    return check_scalar(name, x, **bounds)


def customer_value(
    values: Any,
    *,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
    what: str = "values",
) -> pd.Series:
    """Validate ``values`` and return revenue, or profit when margin or cost is given.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Revenue per customer (index = customer id), or a customer table whose
        ``total_spend`` column is used.
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one rate for everyone, or a Series
        of per-customer rates on exactly the customers of ``values``.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as ``values``: one
        amount for everyone, or a Series on exactly the customers of ``values``.
        Subtracted after the margin.
    what : str
        Caller, for error messages.

    Returns
    -------
    pandas.Series
        Values (float64) named ``"value"`` on the customer index (input order kept):
        :func:`profit` of the revenue, margin and cost.

    Raises
    ------
    custvalue.DataValidationError
        Listing every problem: no customers, duplicate or missing ids, missing or
        non-finite values, Series that do not cover exactly the customers of ``values``,
        per-customer margins outside (0, 1] or negative costs.
    ValueError
        For a scalar margin outside (0, 1] or a negative scalar cost.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._profit import customer_value
    >>> rev = pd.Series([100.0, 50.0], index=["a", "b"])
    >>> customer_value(rev, margin=0.3, cost=pd.Series([10.0, 20.0], index=["a", "b"]))
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
    checks.raise_if_failed()  # per-customer Series cannot be aligned on a broken index
    revenue = numeric_array(series, "values", checks)
    rate: FloatArray | float = 1.0
    if isinstance(margin, pd.Series):
        arr = check_aligned(margin, index, "margin", checks, minimum=0.0, strict=True, maximum=1.0)
        if arr is not None:
            rate = arr
    elif margin is not None:
        rate = _scalar("margin", margin, what, minimum=0.0, strict=True, maximum=1.0)
    amount: FloatArray | float = 0.0
    if isinstance(cost, pd.Series):
        arr = check_aligned(cost, index, "cost", checks, minimum=0.0)
        if arr is not None:
            amount = arr
    elif cost is not None:
        amount = _scalar("cost", cost, what, minimum=0.0)
    checks.raise_if_failed()
    return pd.Series(profit(revenue, margin=rate, cost=amount), index=index, name="value")
