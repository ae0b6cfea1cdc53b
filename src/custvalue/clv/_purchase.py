"""Prediction wrappers shared by the purchase (buy-'til-you-die) models.

:class:`_PurchaseModel` turns a customer table into the arrays ``(n_repeat, purchase_span,
tenure)`` the math modules take and their results back into Series named and indexed like
the table. The examples of its methods share one setup (the published CDNOW BG/NBD fit of
Fader, Hardie & Lee 2005, and two customers of the CDNOW sample), written once in this
module and shown in full in every rendered docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._rows import distinct_rows, mostly_distinct
from .._schema import CUSTOMER_ID, N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import check_scalar
from ..exceptions import InsufficientDataError
from ._base import Array, _BaseModel

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


@_with_example
class _PurchaseModel(_BaseModel):
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
    def _per_row(self, fn: Any, cols: tuple[Array, ...], *extra: float) -> Array:
        """``fn(*params, *cols, *extra)`` per row, in blocks of rows.

        With ``_distinct_predictions`` it is computed once per distinct row of ``cols`` and
        expanded back (for models whose per-row cost is high, like Pareto/NBD's quadrature).
        The values are elementwise functions of the row, so neither changes anything but
        the time; the blocks keep the temporaries small (memory linear in the rows).
        """
        n = cols[0].shape[0]
        if self._distinct_predictions and n >= 2 and not mostly_distinct(*cols):
            rows = distinct_rows(*cols)
            if rows.counts.shape[0] <= 0.8 * n and rows.inverse is not None:
                # enough repeats to pay for the gather
                return np.asarray(self._per_row_plain(fn, rows.columns, *extra)[rows.inverse])
        return self._per_row_plain(fn, cols, *extra)

    def _per_row_plain(self, fn: Any, cols: tuple[Array, ...], *extra: float) -> Array:
        """``fn(*params, *cols, *extra)`` per row, in blocks of rows (no deduplication)."""
        theta = self._theta()
        m = cols[0].shape[0]
        out = np.empty(m)
        for lo in range(0, m, _BLOCK):
            blk = slice(lo, lo + _BLOCK)
            out[blk] = np.asarray(fn(*theta, *(c[blk] for c in cols), *extra), dtype=np.float64)
        return out

    def _table_arrays(self, table: pd.DataFrame, method: str) -> tuple[Array, ...]:
        self._require_fitted(method)
        return self._validate(table, f"{type(self).__name__}.{method}", fitting=False)

    @staticmethod
    def _series(values: Array, table: pd.DataFrame, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=np.float64), index=table.index, name=name)

    @staticmethod
    def _horizon(t: Any, name: str = "t") -> float:
        return check_scalar(name, t, minimum=0.0)

    @staticmethod
    def _horizons(t: ArrayLike) -> Array:
        arr = np.asarray(t, dtype=np.float64)
        if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError("t must be a finite number >= 0 or a 1-D array of them")
        return arr

    # ------------------------------------------------------------------ predictions
    @_with_example
    def prob_alive(self, table: pd.DataFrame) -> pd.Series:
        """P(alive at the end of observation | history), per customer.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.

        Returns
        -------
        pandas.Series
            Named ``prob_alive``, indexed like ``table``; values in [0, 1].

        Examples
        --------
        <the example setup>
        >>> bg.prob_alive(table).round(4)
        customer_id
        1    0.7266
        2    0.9688
        Name: prob_alive, dtype: float64
        """
        cols = self._table_arrays(table, "prob_alive")
        return self._series(self._per_row(self._math.prob_alive, cols), table, "prob_alive")

    @_with_example
    def expected_purchases(self, table: pd.DataFrame, t: float) -> pd.Series:
        """Expected number of purchases in the next ``t`` time units, given each history.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        t : float
            Horizon (>= 0) in the table's time unit.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, indexed like ``table``.

        Examples
        --------
        <the example setup>
        >>> bg.expected_purchases(table, t=52).round(3)
        customer_id
        1     1.559
        2    25.756
        Name: expected_purchases, dtype: float64
        """
        cols = self._table_arrays(table, "expected_purchases")
        h = self._horizon(t)
        curve = getattr(self._math, "expected_purchases_alive", None)
        if curve is None:
            vals = self._per_row(self._math.expected_purchases, cols, h)
        else:
            # P(alive) per row times the curve once per distinct (n_repeat, tenure): the
            # conditional expectation factorises (see expected_purchases_alive)
            alive = self._per_row(self._math.prob_alive, cols)
            if mostly_distinct(cols[0], cols[2]):  # continuous tenures: nothing to share
                vals = alive * self._per_row_plain(curve, (cols[0], cols[2]), h)
            else:
                pairs = distinct_rows(cols[0], cols[2])
                g = self._per_row_plain(curve, pairs.columns, h)
                vals = alive * g[pairs.inverse]
        return self._series(vals, table, "expected_purchases")

    @_with_example
    def expected_purchases_alive(
        self, n_repeat: ArrayLike, tenure: ArrayLike, *, horizon: ArrayLike
    ) -> NDArray[np.float64] | None:
        """Expected purchases in ``(T, T + t]`` of a customer known to be alive at ``T``.

        In the buy-'til-you-die models ``purchase_span`` enters the likelihood only through
        the "dropped out before T" branch, so the conditional expectation factorises:
        ``E[Y(t) | x, t_x, T] = P(alive at T | x, t_x, T) * g(x, T, t)``, where ``g`` is
        this method. :func:`custvalue.customer_lifetime_value` uses it (the
        ``FactorisedPurchaseModel`` protocol of :mod:`custvalue.clv.value`) to evaluate
        ``g`` once per distinct ``(n_repeat, tenure)`` for all period ends at once and
        scale it by each customer's :meth:`prob_alive`. A model opts in by giving its math
        module ``expected_purchases_alive(*params, x, T, t)`` (BG/NBD, MBG/NBD, Pareto/NBD
        and BG/BB do); for any other model this returns None.

        Parameters
        ----------
        n_repeat, tenure : array-like, shape (n,)
            ``n_repeat`` and ``tenure`` of the customers (validated by the caller, e.g. via
            :meth:`prob_alive`).
        horizon : float or array-like, shape (k,)
            Horizons ``t`` (>= 0) in the table's time unit.

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
        if curve is None:
            return None
        self._require_fitted("expected_purchases_alive")
        h = self._horizons(horizon).reshape(1, -1)
        xs = np.asarray(n_repeat, dtype=np.float64).reshape(-1, 1)
        Ts = np.asarray(tenure, dtype=np.float64).reshape(-1, 1)
        out = np.broadcast_to(curve(*self._theta(), xs, Ts, h), (xs.shape[0], h.shape[1]))
        return np.asarray(out, dtype=np.float64)

    @_with_example
    def prob_no_purchase(self, table: pd.DataFrame, t: float) -> pd.Series:
        """Churn risk: P(no purchase in the next ``t`` time units | history).

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        t : float
            Horizon (>= 0) in the table's time unit.

        Returns
        -------
        pandas.Series
            Named ``prob_no_purchase``, indexed like ``table``; values in [0, 1].

        Examples
        --------
        <the example setup>
        >>> bg.prob_no_purchase(table, t=52).round(4)
        customer_id
        1    0.3972
        2    0.0312
        Name: prob_no_purchase, dtype: float64
        """
        cols = self._table_arrays(table, "prob_no_purchase")
        h = self._horizon(t)
        vals = self._per_row(self._math.prob_no_purchase, cols, h)
        return self._series(vals, table, "prob_no_purchase")

    @_with_example
    def purchase_pmf(self, table: pd.DataFrame, n: int, t: float) -> pd.Series:
        """P(exactly ``n`` purchases in the next ``t`` time units | history), per customer.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat``, ``purchase_span``, ``tenure``.
        n : int
            Number of purchases (>= 0).
        t : float
            Horizon (>= 0) in the table's time unit.

        Returns
        -------
        pandas.Series
            Named ``purchase_pmf``, indexed like ``table``.

        Examples
        --------
        <the example setup>
        >>> bg.purchase_pmf(table, n=0, t=52).round(4)  # equals prob_no_purchase
        customer_id
        1    0.3972
        2    0.0312
        Name: purchase_pmf, dtype: float64
        """
        cols = self._table_arrays(table, "purchase_pmf")
        k = check_scalar("n", n, minimum=0.0, integer=True)
        h = self._horizon(t)
        vals = self._per_row(self._math.purchase_pmf, cols, k, h)
        return self._series(vals, table, "purchase_pmf")

    def expected_purchases_new(self, t: ArrayLike) -> Any:
        """Expected purchases in (0, t] of a customer who has just made her first purchase.

        Parameters
        ----------
        t : float or array-like
            Horizon(s), >= 0, in the fitted time unit.

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar ``t``, an array for an array.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(bg.expected_purchases_new(52), 3)
        1.446
        """
        self._require_fitted("expected_purchases_new")
        h = self._horizons(t)
        vals = np.asarray(self._math.expected_purchases_new(*self._theta(), h), dtype=float)
        return float(vals) if np.ndim(t) == 0 else vals

    def purchase_pmf_new(self, n: ArrayLike, t: float) -> Any:
        """P(X(t) = n): probability that a new customer makes ``n`` repeat purchases in (0, t].

        Parameters
        ----------
        n : int or array-like of int
            Purchase counts, >= 0.
        t : float
            Horizon, >= 0.

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar ``n``, an array otherwise.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> bg.purchase_pmf_new([0, 1, 2], t=52).round(3)
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
        h = self._horizon(t)
        vals = np.asarray(self._math.purchase_pmf_new(*self._theta(), n_arr, h), dtype=float)
        return float(vals) if np.ndim(n) == 0 else vals

    # ------------------------------------------------------------------ simulation
    def sample(
        self,
        n_customers: int,
        tenure: ArrayLike,
        *,
        random_state: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Simulate a customer table from the fitted (or given) parameters.

        Parameters
        ----------
        n_customers : int
            Number of customers (>= 1).
        tenure : float or array-like
            Observation length per customer (> 0): one number for all, or one per customer.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.

        Returns
        -------
        pandas.DataFrame
            Columns ``n_repeat`` (int64), ``purchase_span``, ``tenure``; index ``customer_id``
            0..n-1.

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
        x, t_x = self._math.sample(*self._theta(), T, rng)
        return pd.DataFrame(
            {
                N_REPEAT: np.asarray(x, dtype=np.int64),
                PURCHASE_SPAN: t_x,
                TENURE: T,
            },
            index=pd.RangeIndex(n, name=CUSTOMER_ID),
        )
