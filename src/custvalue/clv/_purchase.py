"""The purchase models' further predictions: grids, alive paths, draws of rates; covariates.

:class:`_PurchaseModel` adds to the core predictions (:mod:`custvalue.clv._purchase_core`)
what the peers offer for diagnostics and simulation:

* :meth:`~_PurchaseModel.prob_alive_grid` and :meth:`~_PurchaseModel.expected_purchases_grid`:
  the (n_repeat, purchase_span) matrices at one tenure (lifetimes' frequency/recency
  matrices), computed in one vectorised call;
* :meth:`~_PurchaseModel.prob_alive_path`: P(alive) of every customer at calendar dates, on
  the history known at each date (lifetimes' ``calculate_alive_path``, for all customers
  and dates at once);
* :meth:`~_PurchaseModel.sample_rates`: new customers' latent rates drawn from the fitted
  mixing distributions.

:class:`_CovariatePurchaseModel` is the base of the models that take time-invariant
covariates (:mod:`custvalue.clv._covariates`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Unpack

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._read import ReadKeywords, read_options
from .._schema import CUSTOMER_ID
from .._validation import check_scalar
from ._alive_path import histories
from ._base import Array
from ._covariates import CovariateGroup
from ._purchase_core import _PurchaseCore, _with_example

__all__: list[str] = []

PURCHASE_GROUPS: tuple[CovariateGroup, ...] = (
    CovariateGroup("purchase_covariates", (("purchase", "alpha", -1.0),)),
)
"""Purchase-process covariates: ``alpha_i = alpha * exp(-gamma_purchase . z_i)``."""


def _grid_axis(values: ArrayLike, name: str, *, whole: bool) -> Array:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers >= 0")
    if whole and np.any(arr != np.floor(arr)):
        raise ValueError(f"{name} must be whole numbers")
    return arr


@_with_example
class _PurchaseModel(_PurchaseCore):
    """Base of the transaction models: the core predictions and the diagnostics."""

    # ------------------------------------------------------------------ grids
    def _grid(
        self,
        n_repeat: ArrayLike,
        purchase_span: ArrayLike,
        tenure: float,
        covariates: Mapping[str, float] | None,
        method: str,
    ) -> tuple[Array, Array, tuple[Array, ...], np.ndarray]:
        """Grid axes, the columns of its valid cells and their mask (n_repeat x span)."""
        self._require_fitted(method)
        discrete = not self._continuous_time
        xs = _grid_axis(n_repeat, "n_repeat", whole=True)
        spans = _grid_axis(purchase_span, "purchase_span", whole=discrete)
        T = check_scalar("tenure", tenure, minimum=0.0, strict=True, integer=discrete)
        x, s = np.meshgrid(xs, spans, indexing="ij")
        valid = (s <= T) & ~((x == 0) & (s > 0))  # without repeat purchases the span is 0
        if discrete:  # opportunities: x <= t_x <= n
            valid &= (x <= s) | ((x == 0) & (s == 0))
        params = self._params_for(covariates, method)
        Zc: tuple[Array, ...] = ()
        if self._has_covariates():
            assert covariates is not None
            Zc = tuple(
                np.full(int(valid.sum()), float(covariates[c])) for c in self._layout().columns
            )
        del params  # (validated; the columns carry the values)
        cols = (x[valid], s[valid], np.full(int(valid.sum()), T), *Zc)
        return xs, spans, cols, valid

    @staticmethod
    def _grid_frame(xs: Array, spans: Array, values: Array, valid: np.ndarray) -> pd.DataFrame:
        z = np.full(valid.shape, np.nan)
        z[valid] = values
        return pd.DataFrame(
            z,
            index=pd.Index(xs, name="n_repeat"),
            columns=pd.Index(spans, name="purchase_span"),
        )

    @_with_example
    def prob_alive_grid(
        self,
        *,
        n_repeat: ArrayLike,
        purchase_span: ArrayLike,
        tenure: float,
        horizon: float = 0.0,
        covariates: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """P(alive) over a grid of histories at one tenure (the P(alive) matrix).

        Cell ``(x, t_x)`` is :meth:`prob_alive` of a customer with ``n_repeat = x``,
        ``purchase_span = t_x`` and the given ``tenure``, computed for every cell in one
        vectorised call. Cells that cannot occur (a span without repeat purchases, a span
        longer than the tenure; for BG/BB more transactions than opportunities) are NaN.

        Parameters
        ----------
        n_repeat : array-like of int
            Row values (repeat purchases, >= 0).
        purchase_span : array-like of float
            Column values (>= 0, in the table's time unit; whole opportunities for BG/BB).
        tenure : float
            The tenure of every cell (> 0).
        horizon : float, default 0.0
            How far ahead of the end of observation (see :meth:`prob_alive`).
        covariates : mapping, optional
            Covariate values of the cells, for a model with covariates.

        Returns
        -------
        pandas.DataFrame
            Index ``n_repeat``, columns ``purchase_span``.

        Examples
        --------
        <the example setup>
        >>> bg.prob_alive_grid(n_repeat=[0, 2, 10], purchase_span=[0, 20, 38], tenure=39).round(3)
        purchase_span   0.0    20.0   38.0
        n_repeat
        0.0            1.000    NaN    NaN
        2.0            0.025  0.543  0.804
        10.0           0.000  0.038  0.919
        """
        xs, spans, cols, valid = self._grid(
            n_repeat, purchase_span, tenure, covariates, "prob_alive_grid"
        )
        h = self._horizon(horizon)
        vals = self._per_row(self._math.prob_alive, cols)
        if h > 0:
            vals = vals * self._with_stay(cols, h)
        return self._grid_frame(xs, spans, vals, valid)

    @_with_example
    def expected_purchases_grid(
        self,
        *,
        n_repeat: ArrayLike,
        purchase_span: ArrayLike,
        tenure: float,
        horizon: float,
        covariates: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Return expected purchases in the next ``horizon`` over a grid of histories at one tenure.

        Cell ``(x, t_x)`` is :meth:`expected_purchases` of a customer with ``n_repeat = x``,
        ``purchase_span = t_x`` and the given ``tenure`` (lifetimes' frequency/recency
        matrix), for every cell in one vectorised call; impossible cells are NaN.

        Parameters
        ----------
        n_repeat : array-like of int
            Row values (repeat purchases, >= 0).
        purchase_span : array-like of float
            Column values (>= 0, in the table's time unit; whole opportunities for BG/BB).
        tenure : float
            The tenure of every cell (> 0).
        horizon : float
            How far ahead (>= 0).
        covariates : mapping, optional
            Covariate values of the cells, for a model with covariates.

        Returns
        -------
        pandas.DataFrame
            Index ``n_repeat``, columns ``purchase_span``.

        Examples
        --------
        <the example setup>
        >>> bg.expected_purchases_grid(
        ...     n_repeat=[0, 2], purchase_span=[0, 38], tenure=39, horizon=52
        ... ).round(3)
        purchase_span   0.0   38.0
        n_repeat
        0.0            0.251   NaN
        2.0            0.053  1.72
        """
        xs, spans, cols, valid = self._grid(
            n_repeat, purchase_span, tenure, covariates, "expected_purchases_grid"
        )
        h = self._horizon(horizon)
        vals = self._per_row(self._math.expected_purchases, cols, h)
        return self._grid_frame(xs, spans, vals, valid)

    # ------------------------------------------------------------------ alive paths
    def prob_alive_path(
        self,
        transactions: pd.DataFrame,
        *,
        times: Sequence[Any] | pd.DatetimeIndex,
        **options: Unpack[ReadKeywords],
    ) -> pd.DataFrame:
        """P(alive) of every customer at each of ``times``, on the history known then.

        Column ``tau`` holds ``prob_alive(customer_table(transactions, observation_end=tau,
        **options))``: each customer's n_repeat, purchase span and tenure as they stood at
        the end of the period of ``tau``. lifetimes' ``calculate_alive_path`` does this for
        one customer and a daily grid, one pandas pass per day; here every customer and
        every date come from one read of the transactions and one sorted search per date.

        Parameters
        ----------
        transactions : pandas.DataFrame
            One row per purchase, read exactly as
            :func:`custvalue.customer_table` reads them.
        times : sequence of date-like
            The dates (strings as ISO 8601 or ``time_format``, datetimes, Timestamps).
            The transactions are read up to the latest of them (``observation_end``); later
            rows follow ``after_end`` (raise by default, ``"drop"`` to ignore them).
        **options
            The transaction reading options of :func:`custvalue.customer_table`. Pass those
            the model's table was built with: durations are measured in ``time_unit`` and
            purchases merged per ``period``, and the model's parameters are in that unit.

        Returns
        -------
        pandas.DataFrame
            Index ``customer_id`` (every customer with a purchase by the latest time,
            sorted as in ``customer_table``), one column per time (``DatetimeIndex``
            ``time``); NaN where the customer had not yet made her first purchase.

        Raises
        ------
        ValueError
            For BG/BB (whose data count opportunities, not calendar time) and for models
            with covariates.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
        ...     "timestamp": ["2024-01-01", "2024-01-15", "2024-02-05", "2024-02-01"]})
        >>> bg.prob_alive_path(tx, times=["2024-01-31", "2024-03-31", "2024-06-30"],
        ...                    time_unit="W").round(3)
        time         2024-01-31  2024-03-31  2024-06-30
        customer_id
        1                 0.677       0.526       0.239
        2                   NaN       1.000       1.000
        """
        what = f"{type(self).__name__}.prob_alive_path"
        self._require_fitted("prob_alive_path")
        opts = read_options(options, self.prob_alive_path)
        if not self._continuous_time:
            raise ValueError(
                f"{what}: {self._model_name} counts transaction opportunities, not calendar "
                "time; compute its histories per opportunity and use prob_alive"
            )
        if self._has_covariates():
            raise ValueError(
                f"{what}: not available for a model with covariates; build the tables with "
                "customer_table(..., observation_end=...) per date, join the covariates and "
                "use prob_alive"
            )
        h = histories(transactions, times, opts, what)
        known = h.known.ravel()
        vals = np.full(known.shape, np.nan)
        cols = tuple(a.ravel()[known] for a in (h.n_repeat, h.purchase_span, h.tenure))
        if cols[0].size:
            vals[known] = self._per_row(self._math.prob_alive, cols)
        return pd.DataFrame(vals.reshape(h.known.shape), index=h.customers, columns=h.times)

    # ------------------------------------------------------------------ latent rates
    def sample_rates(
        self,
        n_customers: int,
        *,
        random_state: int | np.random.Generator | None = None,
        covariates: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Draw new customers' latent purchase and dropout rates from the fitted mixtures.

        The heterogeneity the model estimated, customer by customer: for BG/NBD and
        MBG/NBD ``purchase_rate ~ Gamma(r, alpha)`` (purchases per time unit while alive)
        and ``dropout_probability ~ Beta(a, b)`` (per repeat purchase); for Pareto/NBD
        ``dropout_rate ~ Gamma(s, beta)`` (per time unit); for GGompertz/NBD the
        ``dropout_rate`` is the initial hazard ``eta b ~ Gamma(s, beta)``, growing as
        ``exp(b age)``; for BG/BB ``transaction_probability ~ Beta(alpha, beta)`` and
        ``dropout_probability ~ Beta(gamma, delta)`` per opportunity.

        Parameters
        ----------
        n_customers : int
            Number of draws (>= 1).
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.
        covariates : mapping, optional
            The new customers' covariate values, for a model with covariates.

        Returns
        -------
        pandas.DataFrame
            One row per draw (index ``customer_id`` 0..n-1), one column per rate.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> draws = bg.sample_rates(100_000, random_state=0)
        >>> draws.columns.tolist()
        ['purchase_rate', 'dropout_probability']
        >>> round(float(draws["purchase_rate"].mean()), 3)  # r / alpha = 0.055
        0.055
        """
        self._require_fitted("sample_rates")
        n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
        params = self._params_for(covariates, "sample_rates")
        drawn = self._math.rates(*params, n, self._rng(random_state))
        return pd.DataFrame(drawn, index=pd.RangeIndex(n, name=CUSTOMER_ID))


class _CovariatePurchaseModel(_PurchaseModel):
    """A purchase model that takes time-invariant covariates (see the module docstring).

    Parameters
    ----------
    penalizer, max_iter, tol, initial_params
        As for every model.
    purchase_covariates : list of str, optional
        Table columns acting on the purchase rate:
        ``alpha_i = alpha * exp(-gamma_purchase . z_i)``.
    dropout_covariates : list of str, optional
        Table columns acting on dropout (the model's convention, see the class).
    """

    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = PURCHASE_GROUPS

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        max_iter: int = 1000,
        tol: float = 1e-7,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            penalizer=penalizer, max_iter=max_iter, tol=tol, initial_params=initial_params
        )
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates
