"""Customer lifetime value: the present value of future profit, and the profit realised to date.

A customer's value is profit, not revenue (see the domain guide): revenue times margin minus the
cost of serving the customer. The *narrow* CLV is the present value of the future profit;
the *total* value adds the profit realised so far::

    total value = historical_value(...) + customer_lifetime_value(...)

Units are never hidden. Every duration (``horizon``, ``period_length``) is in the time unit
of the customer table (the unit its ``tenure`` and ``purchase_span`` are measured in: weeks
for a weekly table, transaction opportunities for BG/BB). ``discount_rate`` is the rate per
``period_length``, ``cost_to_serve`` is money per customer per ``period_length``; money is in
whatever currency the spend model was fitted in.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from .._dispatch import rowwise_in
from .._schema import TENURE, TOTAL_SPEND
from .._validation import (
    Checks,
    check_frame,
    check_scalar,
    numeric_array,
)
from ._compat import keyword_shim
from ._present_value import (
    PurchaseModel,
    SpendModel,
    expected_spend,
    per_customer,
    purchase_present_value,
)

__all__ = [
    "customer_lifetime_value",
    "discount_schedule",
    "historical_value",
    "total_value",
]

logger = logging.getLogger(__name__)

CLV = "clv"
HISTORICAL_VALUE = "historical_value"
TOTAL_VALUE = "total_value"


@keyword_shim("period_length", "discount_rate")
def discount_schedule(
    horizon: float, *, period_length: float, discount_rate: float
) -> pd.DataFrame:
    """Cut a horizon into periods and give each period's discount factor.

    The horizon is cut into consecutive periods of ``period_length``; when it is not a whole
    number of periods the last period is shorter. A period's cash flow is counted at its end
    ``t_k`` and discounted by ``(1 + discount_rate) ** -(t_k / period_length)``: whole periods
    are discounted by ``(1 + d) ** -k``, a short last period by the fractional exponent.

    Parameters
    ----------
    horizon : float
        How far ahead to value, in the table's time unit (> 0).
    period_length : float
        Length of one discounting period, in the table's time unit (> 0).
    discount_rate : float
        Discount rate per ``period_length`` (>= 0, finite). An annual rate ``R`` becomes
        ``(1 + R) ** (period_length / year_length) - 1`` per period.
        (``period_length`` and ``discount_rate`` by position still work with a
        FutureWarning.)

    Returns
    -------
    pandas.DataFrame
        One row per period: ``start``, ``end`` (time units after the end of observation),
        ``fraction`` (period length / ``period_length``, 1 except maybe the last) and
        ``discount_factor``.

    Examples
    --------
    Two years of a weekly table in quarters of 13 weeks, at 3 % per quarter:

    >>> from custvalue.clv.value import discount_schedule
    >>> s = discount_schedule(104, period_length=13, discount_rate=0.03)
    >>> len(s), float(s["end"].iloc[-1])
    (8, 104.0)
    >>> round(float(s["discount_factor"].iloc[0]), 6)
    0.970874
    """
    h = check_scalar("horizon", horizon, minimum=0.0, strict=True)
    p = check_scalar("period_length", period_length, minimum=0.0, strict=True)
    d = check_scalar("discount_rate", discount_rate, minimum=0.0)
    ratio = h / p
    whole = round(ratio)
    if whole >= 1 and abs(ratio - whole) <= 1e-9 * max(1.0, ratio):
        n_full, partial = whole, False
    else:
        n_full, partial = math.floor(ratio), True
    if n_full + partial > 1_000_000:
        raise ValueError(
            f"horizon / period_length = {ratio:.6g} periods; at most 1,000,000 are supported "
            "(use a longer period_length)"
        )
    k = np.arange(1, n_full + 1, dtype="float64")
    ends = k * p
    exponents = k
    fractions = np.ones(n_full)
    if partial:
        ends = np.append(ends, h)
        exponents = np.append(exponents, ratio)
        fractions = np.append(fractions, ratio - n_full)
    else:
        ends[-1] = h  # exactly the horizon, not k * p with rounding error
    starts = np.concatenate(([0.0], ends[:-1]))
    factors = np.power(1.0 + d, -exponents)
    return pd.DataFrame(
        {"start": starts, "end": ends, "fraction": fractions, "discount_factor": factors},
        index=pd.RangeIndex(1, len(ends) + 1, name="period"),
    )


# --------------------------------------------------------------------------- helpers


@rowwise_in("table")
def customer_lifetime_value(
    transaction_model: PurchaseModel,
    spend_model: SpendModel | pd.Series | float,
    table: pd.DataFrame,
    *,
    horizon: float,
    period_length: float,
    discount_rate: float,
    margin: float | pd.Series = 1.0,
    cost_to_serve: float | pd.Series | None = None,
) -> pd.Series:
    r"""Present value of each customer's future profit over a horizon (the narrow CLV).

    .. math::

        CLV_i = \sum_{k=1}^{K} \frac{m_i\, s_i\, (E[Y_i(t_k)] - E[Y_i(t_{k-1})])
                - c_i f_k}{(1 + d)^{t_k / p}}

    where ``E[Y_i(t)]`` is the purchase model's expected number of purchases in the ``t``
    time units after the end of observation, ``s_i`` the expected spend per purchase,
    ``m_i`` the margin, ``c_i`` the cost to serve per period, ``p`` the period length,
    ``t_k = k p`` the period ends (the last one cut at the horizon, with ``f_k`` its fraction
    of a full period; all other ``f_k = 1``), and ``d`` the discount rate per period.

    Parameters
    ----------
    transaction_model : fitted purchase model
        Any model with ``expected_purchases(table, *, horizon)`` (BetaGeoModel, ParetoNBDModel,
        ModifiedBetaGeoModel, BetaGeoBetaBinomModel). For BG/BB the time unit is one
        transaction opportunity, so ``horizon`` and ``period_length`` count opportunities.
    spend_model : fitted spend model, Series or number
        A model with ``expected_spend(table)`` (GammaGammaModel), or the spend per purchase
        directly: a positive number, or a positive Series indexed by customer id.
    table : pandas.DataFrame
        Customer table (columns ``n_repeat``, ``purchase_span``, ``tenure`` and what the
        spend model needs), index = customer id.
    horizon : float
        How far ahead to value, in the table's time unit (> 0).
    period_length : float
        Length of one discounting period, in the table's time unit (> 0). Purchases are
        grouped into periods; each period is discounted as one cash flow at its end. If the
        horizon is not a whole number of periods, the last period is shorter.
    discount_rate : float
        Discount rate per ``period_length`` (>= 0, finite). For an annual rate ``R`` use
        ``(1 + R) ** (period_length / year_length) - 1``.
    margin : float or pandas.Series, default 1.0
        Profit per unit of revenue: a rate for everyone or a Series per customer id
        (1.0 = revenue, the default).
    cost_to_serve : float or pandas.Series, optional
        Cost of serving a customer per ``period_length``, in money: a number or a Series per
        customer id. It is charged for every period of the horizon (a short last period pro
        rata), whether or not the customer buys, and discounted like the purchases; costs that
        arise with each purchase belong in ``margin`` instead.

    Returns
    -------
    pandas.Series
        ``clv`` per customer, indexed like ``table``, in the currency of the spend.

    Notes
    -----
    Worked example of the units. A weekly table (tenure in weeks), valued one year ahead in
    monthly steps at 1 % a month: ``horizon=52, period_length=52 / 12, discount_rate=0.01``.
    The same table in days gives the same values with ``horizon=364, period_length=364 / 12``.
    lifetimes' ``customer_lifetime_value(time=12, discount_rate=0.01, freq="W")`` corresponds
    to ``horizon=12 * 4.345, period_length=4.345``.

    For the purchase models whose conditional expectation factorises as P(alive) times a
    curve of (n_repeat, tenure) (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB: the
    :class:`FactorisedPurchaseModel` protocol), the curve is evaluated for all period ends
    at once on the distinct (n_repeat, tenure) pairs and scaled by each customer's P(alive).
    Any other model's expected purchases are evaluated once per period end on the distinct
    ``(n_repeat, purchase_span, tenure)`` rows (when there are clearly fewer of them than
    customers) and broadcast back, so the cost grows with distinct rows times periods.

    Add :func:`historical_value` for the total value (historical + future), or use
    :func:`total_value`.

    Examples
    --------
    The published CDNOW BG/NBD fit (weekly), one year ahead in monthly steps at 1 % a month,
    $35 per purchase at a 30 % margin:

    >>> import pandas as pd
    >>> import custvalue as cv
    >>> bg = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> table = pd.DataFrame(
    ...     {"n_repeat": [0, 2, 26], "purchase_span": [0.0, 30.43, 30.857],
    ...      "tenure": [38.86, 38.86, 31.0]},
    ...     index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> cv.customer_lifetime_value(bg, 35.0, table, horizon=52, period_length=52 / 12,
    ...                            discount_rate=0.01, margin=0.3).round(2)
    customer_id
    a      2.49
    b     15.42
    c    255.35
    Name: clv, dtype: float64
    """
    what = "customer_lifetime_value"
    check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
    schedule = discount_schedule(horizon, period_length=period_length, discount_rate=discount_rate)
    m = per_customer(margin, "margin", table.index, what)
    c = (
        None
        if cost_to_serve is None
        else per_customer(cost_to_serve, "cost_to_serve", table.index, what)
    )
    pv_purchases = purchase_present_value(transaction_model, table, schedule, what)
    spend = expected_spend(spend_model, table, what)
    value = pv_purchases * spend * m
    if c is not None:
        annuity = float(schedule["fraction"].to_numpy() @ schedule["discount_factor"].to_numpy())
        value = value - c * annuity
    return pd.Series(np.asarray(value, dtype="float64"), index=table.index, name=CLV)


def historical_value(
    table: pd.DataFrame,
    *,
    margin: float | pd.Series = 1.0,
    cost_to_serve: float | pd.Series | None = None,
    period_length: float | None = None,
) -> pd.Series:
    """Profit realised to date: ``total_spend x margin - cost_to_serve x tenure / period_length``.

    The historical part of ``total value = historical profit + present value of future
    profit``. Amounts are nominal (not compounded to today).

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table with ``total_spend`` (and ``tenure`` when ``cost_to_serve`` is given).
    margin : float or pandas.Series, default 1.0
        Profit per unit of revenue, a rate or a Series per customer id.
    cost_to_serve : float or pandas.Series, optional
        Cost of serving a customer per ``period_length``; charged over the customer's
        ``tenure`` (first purchase to the end of observation).
    period_length : float, optional
        Length of one discounting period (the period ``cost_to_serve`` is quoted per), in the
        table's time unit; required with
        ``cost_to_serve``.

    Returns
    -------
    pandas.Series
        ``historical_value`` per customer, indexed like ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv.value import historical_value
    >>> table = pd.DataFrame({"total_spend": [100.0, 40.0], "tenure": [52.0, 26.0]})
    >>> historical_value(table, margin=0.3, cost_to_serve=1.0, period_length=13).tolist()
    [26.0, 10.0]
    """
    what = "historical_value"
    check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
    need = [TOTAL_SPEND] + ([TENURE] if cost_to_serve is not None else [])
    checks = Checks(f"{what}: customer table", ids=table.index)
    missing = [col for col in need if col not in table.columns]
    if missing:
        checks.add(None, f"missing column(s) {missing}", len(missing))
        checks.raise_if_failed()
    spend = numeric_array(table[TOTAL_SPEND], TOTAL_SPEND, checks)
    tenure = numeric_array(table[TENURE], TENURE, checks) if cost_to_serve is not None else None
    if tenure is not None:
        with np.errstate(invalid="ignore"):
            checks.rows(tenure < 0, TENURE, "negative durations")
    checks.raise_if_failed()
    m = per_customer(margin, "margin", table.index, what)
    value = spend * m
    if cost_to_serve is not None:
        if period_length is None:
            raise ValueError(
                f"{what}: cost_to_serve is a cost per period, so period_length (in the "
                "table's time unit) is required"
            )
        p = check_scalar("period_length", period_length, minimum=0.0, strict=True)
        c = per_customer(cost_to_serve, "cost_to_serve", table.index, what)
        assert tenure is not None
        value = value - c * tenure / p
    return pd.Series(np.asarray(value, dtype="float64"), index=table.index, name=HISTORICAL_VALUE)


def total_value(
    transaction_model: PurchaseModel,
    spend_model: SpendModel | pd.Series | float,
    table: pd.DataFrame,
    *,
    horizon: float,
    period_length: float,
    discount_rate: float,
    margin: float | pd.Series = 1.0,
    cost_to_serve: float | pd.Series | None = None,
) -> pd.DataFrame:
    """Historical profit, future profit (the narrow CLV) and their sum, per customer.

    ``cost_to_serve`` and ``margin`` apply to both parts (the historical cost over each
    customer's tenure).

    Parameters
    ----------
    transaction_model : fitted purchase model
        As in :func:`customer_lifetime_value`.
    spend_model : fitted spend model, Series or number
        As in :func:`customer_lifetime_value`.
    table : pandas.DataFrame
        As in :func:`customer_lifetime_value`, with ``total_spend`` for the historical part.
    horizon : float
        As in :func:`customer_lifetime_value`.
    period_length : float
        As in :func:`customer_lifetime_value`.
    discount_rate : float
        As in :func:`customer_lifetime_value`.
    margin : float or pandas.Series, default 1.0
        As in :func:`customer_lifetime_value` (and :func:`historical_value`).
    cost_to_serve : float or pandas.Series, optional
        As in :func:`customer_lifetime_value` (and :func:`historical_value`).

    Returns
    -------
    pandas.DataFrame
        Columns ``historical_value``, ``clv`` and ``total_value``, indexed like ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> import custvalue as cv
    >>> bg = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> table = pd.DataFrame(
    ...     {"n_repeat": [0, 26], "purchase_span": [0.0, 30.857], "tenure": [38.86, 31.0],
    ...      "total_spend": [20.0, 900.0]}, index=pd.Index(["a", "c"], name="customer_id"))
    >>> cv.total_value(bg, 35.0, table, horizon=52, period_length=52 / 12,
    ...                discount_rate=0.01, margin=0.3).round(2)
                 historical_value     clv  total_value
    customer_id
    a                         6.0    2.49         8.49
    c                       270.0  255.35       525.35
    """
    future = customer_lifetime_value(
        transaction_model,
        spend_model,
        table,
        horizon=horizon,
        period_length=period_length,
        discount_rate=discount_rate,
        margin=margin,
        cost_to_serve=cost_to_serve,
    )
    past = historical_value(
        table, margin=margin, cost_to_serve=cost_to_serve, period_length=period_length
    )
    return pd.DataFrame(
        {HISTORICAL_VALUE: past, CLV: future, TOTAL_VALUE: past + future}, index=table.index
    )


def __getattr__(name: str) -> Any:
    # clv_interval moved to custvalue.clv.interval; this spelling keeps working
    if name == "clv_interval":
        from .interval import clv_interval

        return clv_interval
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
