"""Prediction wrappers shared by the purchase (buy-'til-you-die) models: the core ones.

:class:`_PurchaseCore` turns a customer table into the arrays ``(n_repeat, purchase_span,
tenure)`` the math modules take (and the covariate columns, for models with covariates)
and their results back into Series named and indexed like the table. The further
predictions (grids, alive paths, rate draws) are in :mod:`custvalue.clv._purchase`. The
examples of the methods share one setup (the published CDNOW BG/NBD fit of Fader, Hardie &
Lee 2005, and two customers of the CDNOW sample), written once in this module and shown in
full in every rendered docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._dispatch import rowwise
from .._rows import distinct_rows_if_worth
from .._schema import CUSTOMER_ID, N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import Checks, check_scalar
from ..exceptions import InsufficientDataError
from ._base import Array, _BaseModel
from ._compat import keyword_shim

__all__: list[str] = []

_F = TypeVar("_F", bound=Callable[..., Any])
_BLOCK = 1 << 16  # rows per block of a prediction

_EXAMPLE_SETUP = """\
>>> import pandas as pd
>>> from custvalue import BetaGeoModel
>>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> table = pd.DataFrame(
...     {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
...     index=pd.Index([1, 2], name="customer_id"),
... )"""
_MARKER = "<the example setup>"


def _with_example(func: _F) -> _F:
    """Replace the line ``<the example setup>`` of ``func``'s docstring by the shared setup.

    The setup (``bg``: the published CDNOW BG/NBD fit; ``table``: two CDNOW customers) is
    defined once, above; every rendered docstring shows it in full, so each example runs
    on its own.
    """
    doc = func.__doc__
    if doc and _MARKER in doc:
        at = doc.index(_MARKER)
        indent = doc[doc.rfind("\n", 0, at) + 1 : at]
        func.__doc__ = doc.replace(_MARKER, ("\n" + indent).join(_EXAMPLE_SETUP.splitlines()))
    return func


def _merge_period_rule(table: pd.DataFrame, cols: tuple[Array, ...], what: str) -> None:
    """Refuse rows whose ``n_repeat`` exceeds what ``purchase_span`` allows.

    A customer table records its merge period as ``table.attrs["merge_period"] =
    {"period": ..., "time_unit": ..., "min_gap": ...}``, ``min_gap`` the shortest possible
    distance, in the table's time unit, between two distinct purchase periods (1/7 for daily
    periods in weeks). Then ``n_repeat`` repeat purchases need ``n_repeat * min_gap <=
    purchase_span`` (within 1e-9 relative); a row breaking it (e.g. 20 repeat purchases
    within 2 weeks of daily periods) was built with another merge period than the data have,
    and would move the parameters a lot. Tables without the record (from lifetimes, or built
    by hand) are not checked. Only this check reads the record; no number depends on it.
    """
    info = table.attrs.get("merge_period")
    if info is None:
        return
    if not isinstance(info, Mapping) or "min_gap" not in info:
        raise TypeError(
            f"{what}: table.attrs['merge_period'] must be a mapping with 'period', "
            f"'time_unit' and 'min_gap', got {info!r}"
        )
    gap = check_scalar(
        f"{what}: table.attrs['merge_period']['min_gap']", info["min_gap"], minimum=0.0
    )
    x, t_x = cols[0], cols[1]
    period, unit = info.get("period", "?"), info.get("time_unit", "?")
    checks = Checks(f"{what}: customer table", ids=table.index)
    with np.errstate(invalid="ignore"):
        bad = x * gap > t_x * (1.0 + 1e-9) + 1e-300
    checks.rows(
        bad,
        f"{N_REPEAT}, {PURCHASE_SPAN}",
        f"n_repeat > purchase_span / {gap:.6g}: more repeat purchases than distinct "
        f"{period!r} periods fit in the purchase span (time unit {unit!r}); build the table "
        "with the merge period your data has (customer_table(..., period=...)), or remove "
        "table.attrs['merge_period'] if the columns were changed on purpose",
    )
    checks.raise_if_failed()


@_with_example
class _PurchaseCore(_BaseModel):
    """Base of the transaction models: data ``(n_repeat, purchase_span, tenure)``.

    Examples
    --------
    The examples of the prediction methods start from this setup:

    <the example setup>
    >>> bg.prob_alive(table).round(4).tolist()
    [0.7266, 0.9688]
    """

    _columns: ClassVar[tuple[str, ...]] = (N_REPEAT, PURCHASE_SPAN, TENURE)
    _distinct_predictions: ClassVar[bool] = False
    """Compute predictions once per distinct (n_repeat, purchase_span, tenure) row."""
    _continuous_time: ClassVar[bool] = True
    """Durations are times (not counts of opportunities): the merge-period rule applies."""

    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        """Validate the BTYD columns; at fit time also the merge-period rule."""
        cols = super()._validate(table, what, fitting=fitting)
        if fitting and self._continuous_time:
            _merge_period_rule(table, cols, what)
        return cols

    def _check_identifiable(self, cols: tuple[Array, ...], counts: Array) -> None:
        super()._check_identifiable(cols, counts)
        if not np.any(cols[0] > 0):
            raise InsufficientDataError(
                f"{self._model_name}: no customer made a repeat purchase (n_repeat == 0 for "
                "all), so purchase rates and dropout cannot be separated"
            )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        # r = 1, a = 1, b = 1 and the scale (alpha) at the mean tenure, so that changing the
        # time unit shifts log(alpha) exactly and leaves the optimiser's path unchanged.
        theta = np.ones(len(self._param_names))
        mean_t = float(np.einsum("i,i->", counts, cols[2]) / counts.sum())
        for i, name in enumerate(self._param_names):
            if name not in self._shape_params:
                theta[i] = mean_t
        return theta

    # ------------------------------------------------------------------ plumbing
    def _per_row(
        self, fn: Any, cols: tuple[Array, ...], *extra: float, n_data: int | None = None
    ) -> Array:
        """``fn(*params, *data, *extra)`` per row, in blocks of rows.

        ``cols`` are the data columns (the first ``n_data``, default the model's) and the
        covariate columns, from which the per-row parameters are made. With
        ``_distinct_predictions`` it is computed once per distinct row of ``cols`` and
        expanded back (for models whose per-row cost is high, like Pareto/NBD's quadrature).
        The values are elementwise functions of the row, so neither changes anything but
        the time; the blocks keep the temporaries small (memory linear in the rows).
        """
        n = cols[0].shape[0]
        if self._distinct_predictions and n >= 2:
            rows = distinct_rows_if_worth(*cols)
            if rows is not None and rows.inverse is not None and rows.counts.shape[0] <= 0.8 * n:
                # enough repeats to pay for the gather
                vals = self._per_row_plain(fn, rows.columns, *extra, n_data=n_data)
                return np.asarray(vals[rows.inverse])
        return self._per_row_plain(fn, cols, *extra, n_data=n_data)

    def _per_row_plain(
        self, fn: Any, cols: tuple[Array, ...], *extra: float, n_data: int | None = None
    ) -> Array:
        """``fn(*params, *data, *extra)`` per row, in blocks of rows (no deduplication)."""
        k = self._n_data() if n_data is None else n_data
        data = cols[:k]
        Z = np.column_stack(cols[k:]) if len(cols) > k else None
        m = cols[0].shape[0]
        out = np.empty(m)
        for lo in range(0, m, _BLOCK):
            blk = slice(lo, lo + _BLOCK)
            params = self._row_params(None if Z is None else Z[blk])
            vals = fn(*params, *(c[blk] for c in data), *extra)
            out[blk] = np.asarray(vals, dtype=np.float64)
        return out

    def _with_stay(self, cols: tuple[Array, ...], horizon: float) -> Array:
        """P(alive at T + horizon | alive at T, x, T) per row, once per distinct (x, T[, z])."""
        x, T, Zc = cols[0], cols[2], cols[3:]
        pairs = distinct_rows_if_worth(x, T, *Zc)
        if pairs is None or pairs.inverse is None:
            return self._per_row_plain(self._math.stay_alive, (x, T, *Zc), horizon, n_data=2)
        vals = self._per_row_plain(self._math.stay_alive, pairs.columns, horizon, n_data=2)
        return np.asarray(vals[pairs.inverse])

    def _table_arrays(self, table: pd.DataFrame, method: str) -> tuple[Array, ...]:
        self._require_fitted(method)
        return self._validate(table, f"{type(self).__name__}.{method}", fitting=False)

    @staticmethod
    def _series(values: Array, table: pd.DataFrame, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=np.float64), index=table.index, name=name)

    @staticmethod
    def _horizon(horizon: Any) -> float:
        return check_scalar("horizon", horizon, minimum=0.0)

    @staticmethod
    def _horizons(horizon: ArrayLike) -> Array:
        arr = np.asarray(horizon, dtype=np.float64)
        if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError("horizon must be a finite number >= 0 or a 1-D array of them")
        return arr

    # ------------------------------------------------------------------ predictions
    @_with_example
    @rowwise
    def prob_alive(self, table: pd.DataFrame, *, horizon: float = 0.0) -> pd.Series:
        """P(alive at the end of observation, or ``horizon`` later | history), per customer.

        With ``horizon = t > 0``: the probability of being alive at ``T + t`` (pymc-marketing's
        ``future_t``, lifetimes' ``m_periods_in_future`` for BG/BB), the product of P(alive
        at T) and the probability that a customer alive at ``T`` has not dropped out by
        ``T + t``. It is not the probability of purchasing in ``(T, T + t]``: that is
        ``1 - prob_no_purchase(table, horizon=t)``.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure`` (and the
            model's covariates).
        horizon : float, default 0.0
            How far ahead of the end of observation, in the table's time unit (>= 0; whole
            opportunities for BG/BB).

        Returns
        -------
        pandas.Series
            Named ``prob_alive``, indexed like ``table``; values in [0, 1], non-increasing
            in ``horizon``.

        Examples
        --------
        <the example setup>
        >>> bg.prob_alive(table).round(4)
        customer_id
        1    0.7266
        2    0.9688
        Name: prob_alive, dtype: float64
        >>> bg.prob_alive(table, horizon=52).round(4)
        customer_id
        1    0.5316
        2    0.4977
        Name: prob_alive, dtype: float64
        """
        cols = self._table_arrays(table, "prob_alive")
        h = self._horizon(horizon)
        vals = self._per_row(self._math.prob_alive, cols)
        if h > 0:
            vals = vals * self._with_stay(cols, h)
        return self._series(vals, table, "prob_alive")

    @_with_example
    @keyword_shim("t", renamed={"t": "horizon"})
    @rowwise
    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        """Predict the number of purchases in the next ``horizon`` time units, per customer.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        horizon : float
            How far ahead, in the table's time unit (>= 0). Formerly ``t`` (positional);
            that spelling still works with a FutureWarning.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, indexed like ``table``.

        Examples
        --------
        <the example setup>
        >>> bg.expected_purchases(table, horizon=52).round(3)
        customer_id
        1     1.559
        2    25.756
        Name: expected_purchases, dtype: float64
        """
        cols = self._table_arrays(table, "expected_purchases")
        h = self._horizon(horizon)
        curve = getattr(self._math, "expected_purchases_alive", None)
        if curve is None or self._distinct_predictions:
            # (Pareto/NBD: the cost is P(alive)'s quadrature; the curve is closed-form)
            vals = self._per_row(self._math.expected_purchases, cols, h)
        else:
            # P(alive) per row times the curve once per distinct (n_repeat, tenure[, z]):
            # the conditional expectation factorises (see expected_purchases_alive)
            alive = self._per_row(self._math.prob_alive, cols)
            key = (cols[0], cols[2], *cols[3:])
            pairs = distinct_rows_if_worth(*key)
            if pairs is None or pairs.inverse is None:  # continuous tenures: nothing to share
                vals = alive * self._per_row_plain(curve, key, h, n_data=2)
            else:
                g = self._per_row_plain(curve, pairs.columns, h, n_data=2)
                vals = alive * g[pairs.inverse]
        return self._series(vals, table, "expected_purchases")

    @_with_example
    @rowwise
    def expected_purchases_alive(
        self, n_repeat: ArrayLike, tenure: ArrayLike, *, horizon: ArrayLike
    ) -> NDArray[np.float64] | None:
        """Predict the purchases in ``(T, T + horizon]`` of a customer known to be alive at T.

        In the buy-'til-you-die models ``purchase_span`` enters the likelihood only through
        the "dropped out before T" branch, so the conditional expectation factorises:
        ``E[Y(t) | x, t_x, T] = P(alive at T | x, t_x, T) * g(x, T, t)``, where ``g`` is
        this method. :func:`custvalue.customer_lifetime_value` uses it (the
        ``FactorisedPurchaseModel`` protocol of :mod:`custvalue.clv.value`) to evaluate
        ``g`` once per distinct ``(n_repeat, tenure)`` for all period ends at once and
        scale it by each customer's :meth:`prob_alive`. A model opts in by giving its math
        module ``expected_purchases_alive(*params, x, T, t)`` (BG/NBD, MBG/NBD, Pareto/NBD
        and BG/BB do); for any other model, and for models with covariates (whose curve
        also depends on each customer's covariates), this returns None.

        Parameters
        ----------
        n_repeat, tenure : array-like, shape (n,)
            ``n_repeat`` and ``tenure`` of the customers (validated by the caller, e.g. via
            :meth:`prob_alive`).
        horizon : float or array-like, shape (k,)
            How far ahead (>= 0), in the table's time unit: one horizon or several.

        Returns
        -------
        numpy.ndarray of shape (n, k), or None
            ``g`` for every customer and horizon; None when the model does not factorise.

        Examples
        --------
        <the example setup>
        >>> g = bg.expected_purchases_alive([2, 26], [38.86, 31.0], horizon=[26, 52])
        >>> (bg.prob_alive(table).to_numpy()[:, None] * g)[:, 1].round(3)
        array([ 1.559, 25.756])
        """
        curve = getattr(self._math, "expected_purchases_alive", None)
        if curve is None or self._has_covariates():
            return None
        self._require_fitted("expected_purchases_alive")
        h = self._horizons(horizon).reshape(1, -1)
        xs = np.asarray(n_repeat, dtype=np.float64).reshape(-1, 1)
        Ts = np.asarray(tenure, dtype=np.float64).reshape(-1, 1)
        out = np.broadcast_to(curve(*self._theta(), xs, Ts, h), (xs.shape[0], h.shape[1]))
        return np.asarray(out, dtype=np.float64)

    @_with_example
    @keyword_shim("t", renamed={"t": "horizon"})
    @rowwise
    def prob_no_purchase(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        """Churn risk: P(no purchase in the next ``horizon`` time units | history).

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        horizon : float
            How far ahead, in the table's time unit (>= 0). Formerly ``t`` (positional);
            that spelling still works with a FutureWarning.

        Returns
        -------
        pandas.Series
            Named ``prob_no_purchase``, indexed like ``table``; values in [0, 1].

        Examples
        --------
        <the example setup>
        >>> bg.prob_no_purchase(table, horizon=52).round(4)
        customer_id
        1    0.3972
        2    0.0312
        Name: prob_no_purchase, dtype: float64
        """
        cols = self._table_arrays(table, "prob_no_purchase")
        h = self._horizon(horizon)
        vals = self._per_row(self._math.prob_no_purchase, cols, h)
        return self._series(vals, table, "prob_no_purchase")

    @_with_example
    @keyword_shim("n", "t", renamed={"t": "horizon"})
    @rowwise
    def purchase_pmf(self, table: pd.DataFrame, *, n: int, horizon: float) -> pd.Series:
        """P(exactly ``n`` purchases in the next ``horizon`` time units | history).

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        n : int
            Number of purchases (>= 0).
        horizon : float
            How far ahead, in the table's time unit (>= 0). Formerly ``t``; passing ``n``
            and ``t`` by position still works with a FutureWarning.

        Returns
        -------
        pandas.Series
            Named ``purchase_pmf``, indexed like ``table``.

        Examples
        --------
        <the example setup>
        >>> bg.purchase_pmf(table, n=0, horizon=52).round(4)  # equals prob_no_purchase
        customer_id
        1    0.3972
        2    0.0312
        Name: purchase_pmf, dtype: float64
        """
        cols = self._table_arrays(table, "purchase_pmf")
        k = check_scalar("n", n, minimum=0.0, integer=True)
        h = self._horizon(horizon)
        vals = self._per_row(self._math.purchase_pmf, cols, k, h)
        return self._series(vals, table, "purchase_pmf")

    @overload
    def expected_purchases_new(
        self, *, horizon: float, covariates: Mapping[str, float] | None = None
    ) -> float: ...

    @overload
    def expected_purchases_new(
        self, *, horizon: ArrayLike, covariates: Mapping[str, float] | None = None
    ) -> NDArray[np.float64]: ...

    @keyword_shim("t", renamed={"t": "horizon"})
    def expected_purchases_new(
        self, *, horizon: ArrayLike, covariates: Mapping[str, float] | None = None
    ) -> float | NDArray[np.float64]:
        """Predict the purchases in ``(0, horizon]`` of a customer who has just made her first.

        Parameters
        ----------
        horizon : float or array-like
            How far ahead (>= 0), in the fitted time unit: a number, or a 1-D array of them.
            Formerly ``t`` (positional); that spelling still works with a FutureWarning.
        covariates : mapping, optional
            The new customer's covariate values, ``{column: number}`` (required for a model
            with covariates, refused otherwise).

        Returns
        -------
        float or numpy.ndarray
            A float for a number (Python or NumPy scalar), an array of the same shape for an
            array.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(bg.expected_purchases_new(horizon=52), 3)
        1.446
        >>> bg.expected_purchases_new(horizon=[13, 52]).round(3)
        array([0.534, 1.446])
        """
        self._require_fitted("expected_purchases_new")
        h = self._horizons(horizon)
        params = self._params_for(covariates, "expected_purchases_new")
        vals = np.asarray(self._math.expected_purchases_new(*params, h), dtype=np.float64)
        return float(vals) if _is_scalar(horizon) else vals

    @overload
    def purchase_pmf_new(
        self, n: int, *, horizon: float, covariates: Mapping[str, float] | None = None
    ) -> float: ...

    @overload
    def purchase_pmf_new(
        self, n: ArrayLike, *, horizon: float, covariates: Mapping[str, float] | None = None
    ) -> NDArray[np.float64]: ...

    @keyword_shim("t", renamed={"t": "horizon"})
    def purchase_pmf_new(
        self, n: ArrayLike, *, horizon: float, covariates: Mapping[str, float] | None = None
    ) -> float | NDArray[np.float64]:
        """P(X(horizon) = n): a new customer makes ``n`` repeat purchases in ``(0, horizon]``.

        Parameters
        ----------
        n : int or array-like of int
            Purchase counts, >= 0.
        horizon : float
            How far ahead (>= 0), in the fitted time unit. Formerly ``t`` (positional);
            that spelling still works with a FutureWarning.
        covariates : mapping, optional
            The new customer's covariate values, ``{column: number}`` (required for a model
            with covariates, refused otherwise).

        Returns
        -------
        float or numpy.ndarray
            A float for a number ``n``, an array otherwise.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> bg.purchase_pmf_new([0, 1, 2], horizon=52).round(3)
        array([0.538, 0.205, 0.091])
        """
        self._require_fitted("purchase_pmf_new")
        n_arr = np.asarray(n, dtype=np.float64)
        if (
            n_arr.ndim > 1
            or not np.all(np.isfinite(n_arr))
            or np.any(n_arr < 0)
            or np.any(n_arr != np.floor(n_arr))
        ):
            raise ValueError("n must be a whole number >= 0 or a 1-D array of them")
        h = self._horizon(horizon)
        params = self._params_for(covariates, "purchase_pmf_new")
        vals = np.asarray(self._math.purchase_pmf_new(*params, n_arr, h), dtype=np.float64)
        return float(vals) if _is_scalar(n) else vals

    # ------------------------------------------------------------------ simulation
    @keyword_shim("tenure")
    def sample(
        self,
        n_customers: int,
        *,
        tenure: ArrayLike,
        random_state: int | np.random.Generator | None = None,
        covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Simulate a customer table from the fitted (or given) parameters.

        Parameters
        ----------
        n_customers : int
            Number of customers (>= 1).
        tenure : float or array-like
            Observation length per customer (> 0): one number for all, or one per customer.
            Passing it by position still works with a FutureWarning.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.
        covariates : pandas.DataFrame, optional
            For a model with covariates: one row per customer (``n_customers`` rows) with
            the covariate columns; each customer is drawn with her own parameters.

        Returns
        -------
        pandas.DataFrame
            Columns ``n_repeat`` (int64), ``purchase_span``, ``tenure`` (and the covariate
            columns, as given); index ``customer_id`` 0..n-1.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> bg.sample(2000, tenure=39.0, random_state=1).columns.tolist()
        ['n_repeat', 'purchase_span', 'tenure']
        """
        self._require_fitted("sample")
        n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
        T = np.broadcast_to(np.asarray(tenure, dtype=np.float64), (n,)).copy()
        if not np.all(np.isfinite(T)) or np.any(T <= 0):
            raise ValueError("tenure must be finite and > 0")
        rng = self._rng(random_state)
        params, extra = self._sample_params(covariates, n, "sample")
        x, t_x = self._math.sample(*params, T, rng)
        out = pd.DataFrame(
            {
                N_REPEAT: np.asarray(x, dtype=np.int64),
                PURCHASE_SPAN: t_x,
                TENURE: T,
            },
            index=pd.RangeIndex(n, name=CUSTOMER_ID),
        )
        for col, values in extra.items():
            out[col] = values
        return out


def _is_scalar(value: Any) -> bool:
    """Tell whether ``value`` is a Python or NumPy number (not an array, not even 0-d)."""
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)
