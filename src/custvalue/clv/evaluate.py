"""Judge purchase models on a holdout period and compare them.

The standard checks of the BTYD literature (Fader, Hardie & Lee 2005, "Counting your
customers the easy way", Marketing Science 24(2), section 4): per-customer predicted vs actual
holdout purchases, the conditional expectation of holdout purchases grouped by calibration
repeat purchases (their Figure 4), and cumulative repeat purchases of the cohort over time
(their Figure 3, the tracking plot).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np
import pandas as pd

from .._calendar import durations, period_numbers, period_start, unit_seconds
from .._read import ReadKeywords, purchase_periods, read_options, read_transactions
from .._rows import distinct_rows
from .._schema import FIRST_PURCHASE, HOLDOUT_LENGTH, HOLDOUT_PURCHASES, N_REPEAT, TENURE
from .._validation import (
    Checks,
    check_frame,
    check_scalar,
    customer_arrays,
    numeric_array,
)
from ..exceptions import DataValidationError, ValidationFailure
from ._compat import call_with_horizon

__all__ = ["HoldoutEvaluation", "evaluate_holdout", "tracking_series"]

logger = logging.getLogger(__name__)

ACTUAL = "actual"
PREDICTED = "predicted"
ERROR = "error"


@dataclass(frozen=True)
class HoldoutEvaluation:
    """How well a purchase model predicted the holdout period.

    Attributes
    ----------
    model : str
        Name of the model class.
    customers : pandas.DataFrame
        Per customer (index = customer id): ``n_repeat`` (calibration), ``holdout_length``,
        ``actual`` and ``predicted`` holdout purchases, ``error`` = predicted - actual.
    metrics : pandas.Series
        ``n_customers``, ``mae``, ``rmse``, ``bias`` (mean error), ``total_actual``,
        ``total_predicted`` and ``total_error`` (predicted - actual totals), named by model.
    by_n_repeat : pandas.DataFrame
        The conditional expectation table: customers grouped by calibration ``n_repeat``
        (the last group top-coded, e.g. ``"7+"``), with ``n_customers`` and the mean
        ``actual`` and ``predicted`` holdout purchases (Fader, Hardie & Lee 2005, Fig. 4).
    tracking : pandas.DataFrame or None
        Cumulative repeat purchases of the cohort per time step, actual vs predicted
        (their Fig. 3); None unless transactions were given.
    """

    model: str
    customers: pd.DataFrame
    metrics: pd.Series
    by_n_repeat: pd.DataFrame
    tracking: pd.DataFrame | None = field(default=None)


def _holdout_facts(
    calibration: pd.DataFrame, holdout: pd.DataFrame | None, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Validate and align holdout purchases and lengths on the calibration index."""
    source = calibration if holdout is None else check_frame(holdout, f"{what}: holdout")
    where = "calibration table" if holdout is None else "holdout table"
    checks = Checks(f"{what}: {where}", ids=source.index)
    missing = [c for c in (HOLDOUT_PURCHASES, HOLDOUT_LENGTH) if c not in source.columns]
    if missing:
        hint = (
            "pass the holdout facts (split_calibration_holdout output) as `holdout`"
            if holdout is None
            else "build them with custvalue.split_calibration_holdout"
        )
        checks.add(None, f"missing column(s) {missing}; {hint}", len(missing))
        checks.raise_if_failed()
    if holdout is not None:
        if not holdout.index.is_unique:
            dup = holdout.index[holdout.index.duplicated()]
            checks.add(None, "duplicate customer ids", len(dup), tuple(dup[:5]))
        checks.rows(
            ~calibration.index.isin(holdout.index),
            None,
            "calibration customers without holdout facts",
            ids=calibration.index,
        )
        checks.rows(
            ~holdout.index.isin(calibration.index),
            None,
            "holdout customers not in the calibration table",
        )
        checks.raise_if_failed()
        source = holdout.reindex(calibration.index)
        checks = Checks(f"{what}: {where}", ids=source.index)
    actual = numeric_array(source[HOLDOUT_PURCHASES], HOLDOUT_PURCHASES, checks)
    length = numeric_array(source[HOLDOUT_LENGTH], HOLDOUT_LENGTH, checks)
    with np.errstate(invalid="ignore"):
        checks.rows(actual < 0, HOLDOUT_PURCHASES, "negative counts")
        checks.rows(
            np.isfinite(actual) & (actual != np.floor(actual)),
            HOLDOUT_PURCHASES,
            "non-integer counts",
        )
        checks.rows(length <= 0, HOLDOUT_LENGTH, "holdout length must be > 0")
    checks.raise_if_failed()
    return actual, length


def _predict_holdout(model: Any, calibration: pd.DataFrame, length: np.ndarray) -> np.ndarray:
    """Predict the purchases in each holdout window (one call per distinct length)."""
    out = np.empty(len(calibration))
    lengths = distinct_rows(length)
    assert lengths.inverse is not None
    for j, t in enumerate(lengths.columns[0]):
        rows = lengths.inverse == j
        part = calibration if rows.all() else calibration.loc[rows]
        pred = call_with_horizon(model.expected_purchases, part, horizon=float(t))
        out[rows] = np.asarray(pred, dtype="float64")
    return out


def _check_purchase_model(model: Any, what: str) -> None:
    if not hasattr(model, "expected_purchases"):
        raise TypeError(
            f"{what}: expected a fitted purchase model with expected_purchases(table, *, horizon) "
            f"(BetaGeoModel, ParetoNBDModel, ...), got {type(model).__name__}"
        )


def _by_n_repeat(x: np.ndarray, actual: np.ndarray, pred: np.ndarray, top: int) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases grouped by calibration n_repeat."""
    group = np.minimum(x, top).astype(np.int64)
    n = np.bincount(group, minlength=top + 1).astype("float64")
    sum_a = np.bincount(group, weights=actual, minlength=top + 1)
    sum_p = np.bincount(group, weights=pred, minlength=top + 1)
    labels = [str(k) for k in range(top)] + [f"{top}+"]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_a = np.where(n > 0, sum_a / np.where(n > 0, n, 1.0), np.nan)
        mean_p = np.where(n > 0, sum_p / np.where(n > 0, n, 1.0), np.nan)
    return pd.DataFrame(
        {"n_customers": n.astype(np.int64), ACTUAL: mean_a, PREDICTED: mean_p},
        index=pd.Index(labels, name=N_REPEAT, dtype="object"),
    )


def evaluate_holdout(
    model: Any,
    calibration: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    top_code: int = 7,
    transactions: pd.DataFrame | None = None,
    step: float = 1.0,
    **options: Unpack[ReadKeywords],
) -> HoldoutEvaluation:
    """Compare a fitted purchase model's holdout predictions with what happened.

    Parameters
    ----------
    model : fitted purchase model
        BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel or BetaGeoBetaBinomModel, fitted
        on ``calibration``.
    calibration : pandas.DataFrame
        Calibration-period customer table (index = customer id). It may also carry the
        holdout facts ``holdout_purchases`` and ``holdout_length`` (as
        ``custvalue.split_calibration_holdout`` returns them).
    holdout : pandas.DataFrame, optional
        Holdout facts given separately, indexed by the same customer ids (every calibration
        customer exactly once). Needed when ``calibration`` does not carry them.
        ``holdout_length`` is normally one value for everyone; each distinct value costs
        one call of the model.
    top_code : int, default 7
        Customers with at least this many calibration repeat purchases form the last group of
        the conditional-expectation table (``"7+"`` as in Fader, Hardie & Lee 2005, Fig. 4).
    transactions : pandas.DataFrame, optional
        One row per purchase of the cohort; when given, the result carries the tracking series (see
        :func:`tracking_series`).
    step : float, default 1.0
        Passed to :func:`tracking_series` with ``transactions``.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`:
        passed to :func:`tracking_series` with ``transactions`` (give the options the
        table was built with).

    Returns
    -------
    HoldoutEvaluation
        Per-customer predictions, error metrics, totals and the conditional-expectation table.

    Examples
    --------
    The published CDNOW BG/NBD fit and three customers observed for 39 more weeks:

    >>> import pandas as pd
    >>> import custvalue as cv
    >>> bg = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> cal = pd.DataFrame({
    ...     "n_repeat": [0, 2, 26], "purchase_span": [0.0, 30.43, 30.857],
    ...     "tenure": [38.86, 38.86, 31.0],
    ...     "holdout_purchases": [0, 1, 24], "holdout_length": [39.0] * 3})
    >>> ev = cv.evaluate_holdout(bg, cal)
    >>> ev.customers[["actual", "predicted"]].round(3)
       actual  predicted
    0     0.0      0.195
    1     1.0      1.226
    2    24.0     20.748
    >>> ev.metrics[["mae", "total_actual", "total_predicted"]].round(3).tolist()
    [1.224, 25.0, 22.169]
    """
    read_options(options, evaluate_holdout)  # validated here, before any work
    what = "evaluate_holdout"
    _check_purchase_model(model, what)
    check_frame(calibration, f"{what}: calibration", "a customer table (pandas DataFrame)")
    top = int(check_scalar("top_code", top_code, minimum=1, integer=True))
    arrays = customer_arrays(calibration, what)
    actual, length = _holdout_facts(calibration, holdout, what)
    pred = _predict_holdout(model, calibration, length)
    err = pred - actual
    name = type(model).__name__
    customers = pd.DataFrame(
        {
            N_REPEAT: arrays[N_REPEAT].astype(np.int64),
            HOLDOUT_LENGTH: length,
            ACTUAL: actual,
            PREDICTED: pred,
            ERROR: err,
        },
        index=calibration.index,
    )
    metrics = pd.Series(
        {
            "n_customers": float(len(err)),
            "mae": float(np.mean(np.abs(err))),
            "rmse": float(np.sqrt(np.mean(err**2))),
            "bias": float(np.mean(err)),
            "total_actual": float(actual.sum()),
            "total_predicted": float(pred.sum()),
            "total_error": float(pred.sum() - actual.sum()),
        },
        name=name,
    )
    table = _by_n_repeat(arrays[N_REPEAT], actual, pred, top)
    tracking = None
    if transactions is not None:
        tracking = tracking_series(
            model,
            calibration,
            transactions,
            holdout=holdout,
            step=step,
            **options,
        )
    logger.debug("evaluate_holdout: %s on %d customers", name, len(err))
    return HoldoutEvaluation(name, customers, metrics, table, tracking)


_US = "datetime64[us]"


def _series_window(
    calibration: pd.DataFrame,
    holdout: pd.DataFrame | None,
    time_unit: str,
    period: str,
    what: str,
) -> tuple[np.ndarray, int, int]:
    """Find the first purchase periods and the calibration and series end periods.

    Period numbers as :func:`custvalue.customer_table` cuts them: the first purchase period
    of each calibration customer, and the end periods of the calibration and of the series.
    """
    checks = Checks(f"{what}: calibration table", ids=calibration.index)
    missing = [c for c in (FIRST_PURCHASE, TENURE) if c not in calibration.columns]
    if missing:
        checks.add(None, f"missing column(s) {missing}", len(missing))
        checks.raise_if_failed()
    if not calibration.index.is_unique:
        dup = calibration.index[calibration.index.duplicated()]
        checks.add(None, "duplicate customer ids", len(dup), tuple(dup[:5]))
        checks.raise_if_failed()
    first_col = calibration[FIRST_PURCHASE]
    if not pd.api.types.is_datetime64_dtype(first_col.dtype):
        raise TypeError(
            f"{what}: column {FIRST_PURCHASE!r} must be naive datetime64 (as customer_table "
            f"writes it), got {first_col.dtype}"
        )
    checks.rows(first_col.isna().to_numpy(), FIRST_PURCHASE, "missing values")
    tenure = numeric_array(calibration[TENURE], TENURE, checks)
    with np.errstate(invalid="ignore"):
        checks.rows(tenure < 0, TENURE, "negative durations")
    checks.raise_if_failed()
    first = first_col.to_numpy().astype(_US)
    first_per = period_numbers(first, period)
    checks.rows(
        period_start(first_per, period) != first,
        FIRST_PURCHASE,
        f"not the start of a period={period!r} period (was the table built with another period?)",
    )
    checks.raise_if_failed()
    unit_us = float(unit_seconds(time_unit)) * 1e6
    cal_end = first + np.rint(tenure * unit_us).astype(np.int64).astype("timedelta64[us]")
    cal_end_per = period_numbers(cal_end, period)
    cal_per = int(cal_end_per.max())
    checks.rows(
        cal_end_per != cal_per,
        TENURE,
        "first_purchase + tenure differs between customers (not one calibration end)",
    )
    checks.raise_if_failed()
    end_per = cal_per
    if holdout is not None or HOLDOUT_LENGTH in calibration.columns:
        source = calibration if holdout is None else holdout
        if HOLDOUT_LENGTH not in source.columns:
            raise DataValidationError(
                what, [ValidationFailure(HOLDOUT_LENGTH, "missing column", 1)]
            )
        lengths = source[HOLDOUT_LENGTH].to_numpy(dtype="float64", na_value=np.nan)
        if not (np.all(np.isfinite(lengths)) and np.all(lengths > 0)):
            raise DataValidationError(
                what, [ValidationFailure(HOLDOUT_LENGTH, "values must be finite and > 0", 1)]
            )
        length = np.rint(float(np.max(lengths)) * unit_us).astype(np.int64)
        end = period_start(np.array([cal_per]), period) + np.timedelta64(int(length), "us")
        end_per = int(period_numbers(end, period)[0])
    return first_per, cal_per, end_per


def tracking_series(
    model: Any,
    calibration: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    step: float = 1.0,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame:
    """Cumulative repeat purchases of the cohort per time step, actual vs predicted.

    The tracking plot of Fader, Hardie & Lee (2005, Fig. 3). The cohort is the customers of
    ``calibration``; time runs from the earliest first purchase. Customer ``i`` first bought
    at ``s_i`` (from ``first_purchase``), and the model predicts
    ``sum_i E[X(tau - s_i)]`` repeat purchases by time ``tau`` (``expected_purchases_new``,
    zero before ``s_i``). The actual count is the number of the cohort's purchase periods,
    after each customer's first one, that start before ``tau``.

    The transactions are read exactly as :func:`custvalue.customer_table` reads them (same
    reader, same options, same row policies), so the purchase periods are the table's:
    pass the options the table was built with. As in the table, the observation window
    includes the whole period of its end, so the series runs one merge period past the
    holdout end (78 weekly steps for CDNOW: calibration to 30 September 1997, holdout to
    30 June 1998).

    Parameters
    ----------
    model : fitted purchase model
        A model with ``expected_purchases_new(*, horizon)``.
    calibration : pandas.DataFrame
        Calibration-period customer table with ``first_purchase`` and ``tenure`` (index = customer
        id), as
        built by ``custvalue.customer_table`` / ``split_calibration_holdout`` with the same
        ``time_unit`` and ``period``.
    transactions : pandas.DataFrame
        One row per purchase of the cohort (calibration and holdout). Every
        customer must be in ``calibration`` and have a purchase in its ``first_purchase``
        period; purchases before it raise (the transactions do not match the table).
    holdout : pandas.DataFrame, optional
        Holdout facts (``holdout_length``), when ``calibration`` does not carry them; the
        series then runs to the end of the holdout. Without any, it ends at the calibration
        end, and later purchases raise (``after_end="raise"``).
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`.
        The observation end is the end of the
        series (calibration end plus ``holdout_length``); ``after_end="drop"`` drops and
        counts later rows. ``amount_col`` matters only with the amount policies (a refund
        or a dropped zero-amount row is not a purchase); ``duplicates`` cannot change the
        counts (a duplicate row falls in the same period) and is accepted so that the
        table's options can be passed unchanged.
    step : float, default 1.0
        Length of one step of the series, in ``time_unit`` (1 week for a weekly table).

    Returns
    -------
    pandas.DataFrame
        Index ``step`` (1, 2, ...): ``end`` (time since the earliest first purchase, in
        ``time_unit``), ``holdout`` (the step ends after the calibration window), ``actual`` and
        ``predicted`` repeat purchases in the step, ``actual_cumulative`` and
        ``predicted_cumulative``. The rows read and dropped by reason are those of
        ``customer_table(transactions, return_report=True, **options)``, which reads the
        transactions the same way.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv.evaluate import tracking_series
    >>> class OnePerDay:  # a stand-in model: a new customer buys once a day
    ...     def expected_purchases_new(self, *, horizon):
    ...         return 1.0 * horizon
    >>> cal = pd.DataFrame(
    ...     {"first_purchase": pd.to_datetime(["2024-01-01", "2024-01-02"]),
    ...      "tenure": [3.0, 2.0]}, index=pd.Index([1, 2], name="customer_id"))
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2],
    ...     "timestamp": ["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04"]})
    >>> tracking_series(OnePerDay(), cal, tx)[["actual_cumulative", "predicted_cumulative"]]
          actual_cumulative  predicted_cumulative
    step
    1                   0.0                   1.0
    2                   0.0                   3.0
    3                   1.0                   5.0
    4                   2.0                   7.0
    """
    what = "tracking_series"
    opts = read_options(options, tracking_series)  # validated before any work
    if not hasattr(model, "expected_purchases_new"):
        raise TypeError(
            f"{what}: expected a fitted purchase model with expected_purchases_new(*, horizon), "
            f"got {type(model).__name__}"
        )
    check_frame(calibration, f"{what}: calibration", "a customer table (pandas DataFrame)")
    time_unit, period = opts.time_unit, opts.period
    customer_col, time_col = opts.customer_col, opts.time_col
    width = check_scalar("step", step, minimum=0.0, strict=True)
    first_per, cal_per, end_per = _series_window(calibration, holdout, time_unit, period, what)
    end_start = period_start(np.array([end_per]), period)[0]

    # the cohort's purchase periods, read as customer_table reads them
    tx_what = f"{what}: transactions"
    # late rows are counted here, and refused below with the series' own message
    reading = dataclasses.replace(opts, after_end="drop")
    rows = read_transactions(transactions, reading, what=tx_what, observation_end=end_start)
    late = rows.counts.get("after_end", 0)
    if opts.after_end == "raise" and late:
        hint = "give holdout facts to extend the series, or " if end_per == cal_per else ""
        raise DataValidationError(
            tx_what,
            [
                ValidationFailure(
                    time_col,
                    f"rows after the end of the series (the period of {end_start}); "
                    f"{hint}pass after_end='drop' to drop and count them",
                    late,
                )
            ],
        )
    n_codes = rows.ids.n_codes
    order, code_ids = rows.ids.ordered(np.arange(n_codes, dtype=np.int64))
    row_of_code = np.empty(n_codes, dtype=np.int64)
    row_of_code[order] = calibration.index.get_indexer(code_ids)
    id_pos = np.empty(n_codes, dtype=np.int64)  # position of each code in code_ids
    id_pos[order] = np.arange(n_codes)
    codes, per = rows.codes, rows.per
    row = row_of_code[codes]
    checks = Checks(tx_what)

    def bad_rows(mask: np.ndarray, column: Any, rule: str) -> None:
        if mask.any():
            examples = code_ids.take(id_pos[np.unique(codes[mask])[:5]])
            checks.add(column, rule, int(mask.sum()), tuple(examples))

    bad_rows(row < 0, customer_col, "customers not in the calibration table")
    r_row = row_of_code[rows.r_codes]
    checks.raise_if_failed()
    # the table's purchase periods: the one kernel, refunds netted as in the table
    known = r_row >= 0
    periods = purchase_periods(
        row,
        per.copy(),
        rows.amt,
        r_row[known],
        rows.r_per[known],
        rows.r_amt[known],
        len(calibration),
    )
    c = periods.code
    p = periods.period
    early = p < first_per[c]  # purchase periods, after netting: cancelled ones do not count
    if early.any():
        checks.add(
            time_col,
            "purchases before the customer's first_purchase (transactions do not match the table)",
            int(early.sum()),
            tuple(calibration.index[np.unique(c[early])[:5]]),
        )
        checks.raise_if_failed()
    is_first = p == first_per[c]
    has_first = np.zeros(len(calibration), dtype=bool)
    has_first[c[is_first]] = True
    checks = Checks(tx_what, ids=calibration.index)
    checks.rows(
        ~has_first,
        customer_col,
        "calibration customers without a purchase in their first_purchase period "
        "(transactions do not match the table)",
    )
    checks.raise_if_failed()

    # durations from the earliest first purchase, in time_unit, exactly as the table's
    origin = period_start(np.array([int(first_per.min())]), period)
    s = durations(period_start(first_per, period), origin, time_unit)
    r = durations(period_start(p[~is_first], period), origin, time_unit)
    cal_stop, stop = durations(
        period_start(np.array([cal_per + 1, end_per + 1]), period), origin, time_unit
    )
    eps = 1e-9 * max(1.0, stop)
    n_steps = int(np.ceil(stop / width - 1e-9))
    ends = np.minimum(np.arange(1, n_steps + 1) * width, stop)
    ends[-1] = stop
    # a purchase at period start r falls in the step [(j - 1) w, j w)
    actual_cum = np.searchsorted(np.sort(r), ends - eps, side="left").astype("float64")
    starts = distinct_rows(s, inverse=False)
    s_unique, s_count = starts.columns[0], starts.counts
    pred_cum = np.empty(n_steps)
    for j, tau in enumerate(ends):  # one vectorised call per step, memory O(distinct s)
        ages = np.maximum(tau - s_unique, 0.0)
        expected = np.asarray(
            call_with_horizon(model.expected_purchases_new, horizon=ages), dtype="float64"
        )
        pred_cum[j] = s_count @ np.broadcast_to(expected, ages.shape)
    out = pd.DataFrame(
        {
            "end": ends,
            "holdout": ends > cal_stop + eps,
            ACTUAL: np.diff(actual_cum, prepend=0.0),
            PREDICTED: np.diff(pred_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "predicted_cumulative": pred_cum,
        },
        index=pd.RangeIndex(1, n_steps + 1, name="step"),
    )
    return out


def __getattr__(name: str) -> Any:
    # compare_models moved to custvalue.clv.compare; this spelling keeps working
    if name == "compare_models":
        from .compare import compare_models

        return compare_models
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
