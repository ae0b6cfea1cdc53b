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
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._dispatch import rowwise_in
from .._rows import distinct_rows_if_worth
from .._schema import N_REPEAT, PURCHASE_SPAN, TENURE, TOTAL_SPEND
from .._validation import (
    Checks,
    check_frame,
    check_scalar,
    customer_arrays_for_scoring,
    numeric_array,
)
from ._compat import call_with_horizon, keyword_shim

__all__ = ["customer_lifetime_value", "discount_schedule", "historical_value", "total_value"]

logger = logging.getLogger(__name__)

CLV = "clv"
HISTORICAL_VALUE = "historical_value"
TOTAL_VALUE = "total_value"

_BTYD = (N_REPEAT, PURCHASE_SPAN, TENURE)
# Compress to distinct (n_repeat, purchase_span, tenure) rows only when that saves work.
_COMPRESS_RATIO = 0.7


class PurchaseModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a fitted purchase model.

    Any object with this method works (custvalue's models, or your own).
    """

    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        """Predict each customer's purchases in the next ``horizon`` time units.

        (A model written for the old form ``expected_purchases(table, t)`` still works, with
        a FutureWarning.)
        """
        ...


@runtime_checkable
class FactorisedPurchaseModel(PurchaseModel, Protocol):
    """A purchase model whose conditional expectation factorises as P(alive) times a curve.

    In the buy-'til-you-die models ``purchase_span`` enters only through P(alive at T), so
    ``E[Y(t) | x, t_x, T] = P(alive at T | x, t_x, T) * g(x, T, t)``. A model that provides
    both methods below (custvalue's BG/NBD, MBG/NBD, Pareto/NBD and BG/BB do) lets
    :func:`customer_lifetime_value` evaluate ``g`` once per distinct ``(n_repeat, tenure)``
    for every period end at once, instead of calling ``expected_purchases`` once per period.
    """

    def prob_alive(self, table: pd.DataFrame) -> pd.Series:
        """P(alive at the end of observation) of each customer of ``table`` (validates it)."""
        ...

    def expected_purchases_alive(
        self, n_repeat: ArrayLike, tenure: ArrayLike, *, horizon: ArrayLike
    ) -> NDArray[np.float64] | None:
        """``g(x, T, t)`` for customers alive at ``T``: shape (customers, horizons).

        Returns None when the model does not factorise after all (then
        ``expected_purchases`` is used).
        """
        ...


class SpendModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a fitted spend model."""

    def expected_spend(self, table: pd.DataFrame) -> pd.Series: ...


# --------------------------------------------------------------------------- schedule


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
        Length of the future to value, in the table's time unit (> 0).
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


def _per_customer(
    value: Any, name: str, index: pd.Index, what: str, *, positive: bool = False
) -> np.ndarray | float:
    """Validate a scalar or a per-customer Series aligned exactly on ``index``."""
    if isinstance(value, pd.Series):
        checks = Checks(f"{what}: {name}", ids=index)
        if not value.index.is_unique:
            checks.add(
                name, "index has duplicate customer ids", int(value.index.duplicated().sum())
            )
            checks.raise_if_failed()
        missing = ~index.isin(value.index)
        checks.rows(missing, name, "no value for these customers")
        extra = ~value.index.isin(index)
        checks.rows(extra, name, "customers not in the table", ids=value.index)
        checks.raise_if_failed()
        aligned = value.reindex(index)
        arr = numeric_array(aligned, name, checks)
        if positive:
            with np.errstate(invalid="ignore"):
                checks.rows(arr <= 0, name, "values must be > 0")
        checks.raise_if_failed()
        return arr
    if isinstance(value, pd.DataFrame | np.ndarray | list | tuple):
        raise TypeError(
            f"{name} must be a number or a pandas Series indexed by customer id, "
            f"got {type(value).__name__}"
        )
    return check_scalar(name, value, minimum=0.0 if positive else None, strict=positive)


def _distinct_rows(
    arrays: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Distinct rows of ``arrays`` (the BTYD columns, and covariates) and the inverse map.

    None when compressing would not save enough work.
    """
    names = list(arrays)
    rows = distinct_rows_if_worth(*(arrays[c] for c in names), fraction=_COMPRESS_RATIO)
    if rows is None or rows.inverse is None:
        return None
    if rows.counts.shape[0] > _COMPRESS_RATIO * len(arrays[N_REPEAT]):
        return None
    return dict(zip(names, rows.columns, strict=True)), rows.inverse


def _model_covariates(model: Any, table: pd.DataFrame, what: str) -> dict[str, np.ndarray]:
    """Return the covariate columns a custvalue model with covariates reads, as float arrays."""
    columns = getattr(model, "_covariate_columns", None)
    names = list(columns()) if callable(columns) else []
    if not names:
        return {}
    missing = [c for c in names if c not in table.columns]
    if missing:  # the model's own validation reports them (with the rule and its fix)
        return {}
    return {c: table[c].to_numpy(dtype="float64", na_value=np.nan) for c in names}


# Cells of the (distinct (n_repeat, tenure) x period end) curve per model call.
_CURVE_BLOCK = 1 << 20


def _model_name(model: object) -> str:
    return type(model).__name__


def _expected_cumulative(
    model: PurchaseModel, table: pd.DataFrame, ends: np.ndarray, what: str
) -> np.ndarray:
    """Predict the purchases in (T, T + t] for every customer (rows) and t in ``ends``."""
    if not hasattr(model, "expected_purchases"):
        raise TypeError(
            f"{what}: transaction_model must be a fitted purchase model with "
            f"expected_purchases(table, *, horizon) (e.g. BetaGeoModel), got "
            f"{_model_name(model)}"
        )
    out = np.empty((len(table), len(ends)))
    for j, t in enumerate(ends):
        pred = call_with_horizon(model.expected_purchases, table, horizon=float(t))
        out[:, j] = np.asarray(pred, dtype="float64")
    return out


def _purchase_present_value(
    model: PurchaseModel,
    table: pd.DataFrame,
    schedule: pd.DataFrame,
    what: str,
    *,
    fast: bool = True,
) -> np.ndarray:
    """Sum over periods of discounted expected purchases, per customer of ``table``."""
    arrays = customer_arrays_for_scoring(table, what)
    ends = schedule["end"].to_numpy()
    factors = schedule["discount_factor"].to_numpy()
    if fast:
        pv_fast = _present_value_factorised(model, table, arrays, ends, factors)
        if pv_fast is not None:
            return pv_fast
    covariates = _model_covariates(model, table, what)
    clean = all(bool(np.all(np.isfinite(v))) for v in covariates.values())
    # (bad covariates: the model's own validation reports them, by customer id)
    compressed = _distinct_rows({**{c: arrays[c] for c in _BTYD}, **covariates}) if clean else None
    if compressed is None:
        small, codes = (table[list(_BTYD) + list(covariates)] if clean else table), None
    else:
        rows, codes = compressed
        small = pd.DataFrame(rows, index=pd.RangeIndex(len(rows[N_REPEAT])))
    cumulative = _expected_cumulative(model, small, ends, what)
    pv = _discounted(cumulative, factors)
    if codes is not None:
        pv = pv[codes]
    return np.asarray(pv)


def _present_value_factorised(
    model: PurchaseModel,
    table: pd.DataFrame,
    arrays: dict[str, np.ndarray],
    ends: np.ndarray,
    factors: np.ndarray,
) -> np.ndarray | None:
    """PV of purchases as P(alive) times a curve computed per distinct (n_repeat, tenure).

    For models of the :class:`FactorisedPurchaseModel` protocol. Returns None for any other
    model, which then takes the generic path.
    """
    if not isinstance(model, FactorisedPurchaseModel):
        return None
    alive = np.asarray(model.prob_alive(table), dtype="float64")  # validates the table
    x, T = arrays[N_REPEAT], arrays[TENURE]
    inverse = None
    pairs = distinct_rows_if_worth(x, T)
    if pairs is None:  # continuous tenures: every pair its own
        ux, uT = x, T
    else:
        (ux, uT), inverse = pairs.columns, pairs.inverse
    m = ux.shape[0]
    pv = np.zeros(m)
    # blocks of rows, every period end at once (memory O(block x periods)): a row's sum is
    # made alike whatever the rows around it (a Dask partition gives the same bits)
    block = max(1, _CURVE_BLOCK // max(1, len(ends)))
    for lo in range(0, m, block):
        rows = slice(lo, lo + block)
        cumulative = model.expected_purchases_alive(ux[rows], uT[rows], horizon=ends)
        if cumulative is None:
            return None
        pv[rows] = _discounted(cumulative, factors)
    return np.asarray(alive * (pv if inverse is None else pv[inverse]))


def _discounted(cumulative: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Sum of the discounted increments of each row (not BLAS: its sums vary by row)."""
    return np.asarray((np.diff(cumulative, axis=1, prepend=0.0) * factors).sum(axis=1))


def _expected_spend(spend_model: Any, table: pd.DataFrame, what: str) -> np.ndarray | float:
    """Return the spend per purchase: from a fitted spend model, a Series or a number."""
    if hasattr(spend_model, "expected_spend"):
        spend = np.asarray(spend_model.expected_spend(table), dtype="float64")
        if spend.shape != (len(table),) or not np.all(np.isfinite(spend)):
            raise ValueError(
                f"{what}: {_model_name(spend_model)}.expected_spend returned "
                f"{int(np.sum(~np.isfinite(spend)))} non-finite value(s) or a wrong shape"
            )
        return spend
    if isinstance(spend_model, pd.Series | int | float | np.integer | np.floating) and not (
        isinstance(spend_model, bool)
    ):
        return _per_customer(spend_model, "spend_model", table.index, what, positive=True)
    raise TypeError(
        f"{what}: spend_model must be a fitted spend model with expected_spend(table) "
        "(e.g. GammaGammaModel), a positive number or a Series of spend per purchase "
        f"indexed by customer id; got {_model_name(spend_model)}"
    )


# --------------------------------------------------------------------------- public


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
    m = _per_customer(margin, "margin", table.index, what)
    cts = cost_to_serve
    c = None if cts is None else _per_customer(cts, "cost_to_serve", table.index, what)
    pv_purchases = _purchase_present_value(transaction_model, table, schedule, what)
    spend = _expected_spend(spend_model, table, what)
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
        The period ``cost_to_serve`` is quoted per, in the table's time unit; required with
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
    m = _per_customer(margin, "margin", table.index, what)
    value = spend * m
    if cost_to_serve is not None:
        if period_length is None:
            raise ValueError(
                f"{what}: cost_to_serve is a cost per period, so period_length (in the "
                "table's time unit) is required"
            )
        p = check_scalar("period_length", period_length, minimum=0.0, strict=True)
        c = _per_customer(cost_to_serve, "cost_to_serve", table.index, what)
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

    Parameters are those of :func:`customer_lifetime_value`; ``cost_to_serve`` and
    ``margin`` apply to both parts (the historical cost over each customer's tenure).

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
