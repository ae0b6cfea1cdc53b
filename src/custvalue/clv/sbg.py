"""Shifted-beta-geometric model of contract durations (Fader & Hardie 2007, 2010)."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln

from .._dispatch import rowwise
from .._schema import CUSTOMER_ID
from .._validation import Checks, check_frame, check_scalar, numeric_array
from ..exceptions import InsufficientDataError
from ._base import _BaseModel
from ._math import sbg as _sbg_math

__all__ = ["ShiftedBetaGeoModel"]

Array = NDArray[np.float64]

TENURE_COL = "tenure"
CHURNED_COL = "churned"


def _periods(periods: ArrayLike, name: str, minimum: float) -> Array:
    arr = np.asarray(periods, dtype=np.float64)
    if (
        arr.ndim > 1
        or not np.all(np.isfinite(arr))
        or np.any(arr < minimum)
        or np.any(arr != np.floor(arr))
    ):
        raise ValueError(f"{name} must be a whole number >= {minimum:g} or a 1-D array of them")
    return arr


class ShiftedBetaGeoModel(_BaseModel):
    """Shifted-beta-geometric model ("sBG") of how long subscribers stay.

    For contractual customers (subscriptions, memberships, annual contracts), whose
    cancellations are observed. At the end of each period an active customer renews with
    probability ``1 - theta`` and cancels with probability ``theta``; ``theta`` is her own and
    constant, and ``theta ~ Beta(alpha, beta)`` across customers (Fader & Hardie 2007, "How
    to project customer retention", Journal of Interactive Marketing 21(1)). The retention
    rate of a cohort rises over time although no customer's does: the customers likely to
    cancel leave first. Values follow Fader & Hardie (2010), "Customer-base valuation in a
    contractual setting", Marketing Science 29(1). Both parameters are unit-free (one period
    is whatever the contract's is: a month, a year).

    The table has one row per customer (or per pattern, with ``weights``):

    * ``tenure``: whole periods the customer has been a customer (paid for);
    * ``churned``: True when the contract ended after those periods, False when it is
      still running (its duration is then only known to exceed ``tenure``).

    :func:`custvalue.subscription_table` builds it from subscription start and end dates.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``log(alpha)^2 + log(beta)^2`` added to the mean negative log-likelihood
        (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser; reaching it raises ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance (as for every model).
    initial_params : mapping or sequence of float, optional
        Start values ``{"alpha": .., "beta": ..}``.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta``.
    cov_, loglik_, n_customers_, fit_info_
        As for :class:`~custvalue.BetaGeoModel`.

    Examples
    --------
    The "regular" cohort of Fader & Hardie (2007), table 1: of 1,000 customers, 631, 468,
    382, 326, 289, 262 and 241 were still active after years 1 to 7.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from custvalue import ShiftedBetaGeoModel
    >>> alive = np.array([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> cohort = pd.DataFrame({"tenure": [1, 2, 3, 4, 5, 6, 7, 7],
    ...                        "churned": [True] * 7 + [False],
    ...                        "count": list(alive[:-1] - alive[1:]) + [alive[-1]]})
    >>> model = ShiftedBetaGeoModel().fit(cohort, weights=cohort["count"])
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> model.survival(range(8, 13)).round(3).tolist()  # the projection past year 7
    [0.22, 0.204, 0.191, 0.18, 0.17]
    """

    _model_name: ClassVar[str] = "sBG"
    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _shape_params: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0)
    _columns: ClassVar[tuple[str, ...]] = (TENURE_COL, CHURNED_COL)
    _math: ClassVar[types.ModuleType] = _sbg_math

    # ------------------------------------------------------------------ data
    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        """``tenure`` (whole periods >= 0) and ``churned`` (a flag), every failure at once."""
        check_frame(table, f"{what}: table", "a subscription table (pandas DataFrame)")
        checks = Checks(f"{what}: subscription table", ids=table.index)
        missing = [c for c in self._columns if c not in table.columns]
        if missing:
            checks.add(
                None,
                f"missing column(s) {missing}: build the table with subscription_table",
                len(missing),
            )
            checks.raise_if_failed()
        if len(table) == 0:
            checks.add(None, "the table is empty", 0)
            checks.raise_if_failed()
        n = numeric_array(table[TENURE_COL], TENURE_COL, checks)
        flag = table[CHURNED_COL]
        if pd.api.types.is_bool_dtype(flag.dtype):
            isna = flag.isna().to_numpy()
            checks.rows(isna, CHURNED_COL, "missing values")
            c = flag.fillna(False).to_numpy(dtype=bool).astype(np.float64)
        elif pd.api.types.is_numeric_dtype(flag.dtype):
            c = numeric_array(flag, CHURNED_COL, checks)
            with np.errstate(invalid="ignore"):
                checks.rows(
                    np.isfinite(c) & (c != 0) & (c != 1),
                    CHURNED_COL,
                    "not a flag: use True/False (or 1/0)",
                )
        else:
            raise TypeError(
                f"{what}: column {CHURNED_COL!r} must be boolean (or 0/1), got {flag.dtype}"
            )
        with np.errstate(invalid="ignore"):
            checks.rows(n < 0, TENURE_COL, "negative counts")
            checks.rows(np.isfinite(n) & (n != np.floor(n)), TENURE_COL, "non-integer counts")
            checks.rows(
                (c == 1) & (n == 0),
                TENURE_COL,
                "churned with tenure 0 (a contract lasts at least one period; build the table "
                "with subscription_table)",
            )
        checks.raise_if_failed()
        return n, c

    def _check_identifiable(self, cols: tuple[Array, ...], counts: Array) -> None:
        super()._check_identifiable(cols, counts)
        n, c = cols
        if not np.any(c > 0):
            raise InsufficientDataError(
                "sBG: no customer churned, so the churn probabilities are not identified"
            )
        if not np.any((c == 0) & (n > 0)) and not np.any((c > 0) & (n > 1)):
            raise InsufficientDataError(
                "sBG: every customer churned after one period; the spread of churn "
                "probabilities across customers is not identified"
            )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        return np.array([1.0, 1.0])

    def _arrays(self, table: pd.DataFrame, method: str) -> tuple[Array, Array]:
        self._require_fitted(method)
        n, c = self._validate(table, f"{type(self).__name__}.{method}", fitting=False)
        return n, c

    def _ab(self) -> tuple[float, float]:
        return self.params_["alpha"], self.params_["beta"]

    @staticmethod
    def _rate(discount_rate: Any) -> float:
        return check_scalar("discount_rate", discount_rate, minimum=0.0)

    # ------------------------------------------------------------------ new customers
    def survival(self, periods: ArrayLike) -> pd.Series:
        """Survival curve: the share of a new cohort still active after each number of periods.

        ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (Fader & Hardie 2007).

        Parameters
        ----------
        periods : int or array-like of int
            Periods since acquisition (>= 0).

        Returns
        -------
        pandas.Series
            Named ``survival``, indexed by ``period``; 1 at period 0, decreasing.

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
        >>> sbg.survival([0, 1, 2, 7]).round(3).tolist()
        [1.0, 0.851, 0.747, 0.489]
        """
        self._require_fitted("survival")
        t = np.atleast_1d(_periods(periods, "periods", 0.0))
        return pd.Series(
            _sbg_math.survival(*self._ab(), t),
            index=pd.Index(t.astype(np.int64), name="period"),
            name="survival",
        )

    def retention_rate(self, periods: ArrayLike) -> pd.Series:
        """Retention curve: the share of period ``t - 1``'s customers still active in period t.

        ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` (Fader & Hardie 2007), rising with
        t as the customers most likely to cancel leave first.

        Parameters
        ----------
        periods : int or array-like of int
            Periods since acquisition (>= 1).

        Returns
        -------
        pandas.Series
            Named ``retention_rate``, indexed by ``period``.

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.704, beta=1.182)
        >>> sbg.retention_rate([1, 2, 5, 10]).round(3).tolist()
        [0.627, 0.756, 0.88, 0.935]
        """
        self._require_fitted("retention_rate")
        t = np.atleast_1d(_periods(periods, "periods", 1.0))
        return pd.Series(
            _sbg_math.retention_rate(*self._ab(), t),
            index=pd.Index(t.astype(np.int64), name="period"),
            name="retention_rate",
        )

    def expected_lifetime(self) -> float:
        """Return expected number of periods a new customer pays for, ``(alpha + beta - 1) / (alpha - 1)``.

        Infinite when ``alpha <= 1`` (the beta-geometric mean does not exist then).

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> round(ShiftedBetaGeoModel.from_params(alpha=1.5, beta=3.0).expected_lifetime(), 3)
        7.0
        """
        self._require_fitted("expected_lifetime")
        return _sbg_math.expected_lifetime(*self._theta())

    def discounted_lifetime(self, *, discount_rate: float) -> float:
        """Discounted expected lifetime (DEL) of a new customer, in periods' worth of payments.

        ``sum_{t >= 0} S(t) / (1 + d)^t``, a payment at acquisition and at every renewal
        (Fader & Hardie 2010); the CLV of a new customer paying ``m`` per period is ``m``
        times this (:meth:`new_customer_value`).

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (>= 0; 0 gives :meth:`expected_lifetime`).

        Returns
        -------
        float

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
        >>> round(sbg.discounted_lifetime(discount_rate=0.10), 3)
        5.923
        """
        self._require_fitted("discounted_lifetime")
        return _sbg_math.discounted_lifetime(*self._ab(), self._rate(discount_rate))

    def new_customer_value(self, *, amount: float, discount_rate: float) -> float:
        """CLV of a customer about to be acquired who pays ``amount`` per period.

        ``amount * discounted_lifetime(discount_rate=...)``: the first payment at
        acquisition, then one at each renewal.

        Parameters
        ----------
        amount : float
            Payment (or margin) per period, >= 0.
        discount_rate : float
            Discount rate per period (>= 0).

        Returns
        -------
        float

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
        >>> round(sbg.new_customer_value(amount=100.0, discount_rate=0.10), 2)
        592.26
        """
        m = check_scalar("amount", amount, minimum=0.0)
        return m * self.discounted_lifetime(discount_rate=discount_rate)

    # ------------------------------------------------------------------ existing customers
    @rowwise
    def prob_active(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        """P(still a customer ``horizon`` periods from now | active after ``tenure`` periods).

        ``S(n + t) / S(n)`` for an active customer with tenure ``n``; 0 for a churned one.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table of subscriptions, with ``tenure`` and ``churned``.
        horizon : int
            How far ahead, in whole periods (>= 0).

        Returns
        -------
        pandas.Series
            Named ``prob_active``, indexed like ``table``.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.704, beta=1.182)
        >>> subs = pd.DataFrame({"tenure": [1, 7, 3], "churned": [False, False, True]},
        ...                     index=pd.Index(["a", "b", "c"], name="customer_id"))
        >>> sbg.prob_active(subs, horizon=1).round(3)
        customer_id
        a    0.756
        b    0.921
        c    0.000
        Name: prob_active, dtype: float64
        """
        n, c = self._arrays(table, "prob_active")
        t = float(_periods(horizon, "horizon", 0.0))
        a, b = self._theta()
        vals = np.exp(betaln(a, b + n + t) - betaln(a, b + n))
        vals = np.where(c > 0, 0.0, vals)
        return pd.Series(vals, index=table.index, name="prob_active")

    @rowwise
    def expected_residual_lifetime(self, table: pd.DataFrame) -> pd.Series:
        """Return expected further periods paid for by each customer (0 for churned ones).

        ``(beta + n) / (alpha - 1)`` for a customer active after ``n`` periods: the mean
        of ``(1 - theta) / theta`` under her posterior Beta(alpha, beta + n); infinite when
        ``alpha <= 1``.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table of subscriptions, with ``tenure`` and ``churned``.

        Returns
        -------
        pandas.Series
            Named ``expected_residual_lifetime``, indexed like ``table``.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=1.5, beta=3.0)
        >>> subs = pd.DataFrame({"tenure": [1, 7], "churned": [False, False]})
        >>> sbg.expected_residual_lifetime(subs).tolist()
        [8.0, 20.0]
        """
        n, c = self._arrays(table, "expected_residual_lifetime")
        vals = _sbg_math.expected_residual_lifetime(*self._ab(), n)
        vals = np.where(c > 0, 0.0, vals)
        return pd.Series(vals, index=table.index, name="expected_residual_lifetime")

    @rowwise
    def discounted_residual_lifetime(
        self, table: pd.DataFrame, *, discount_rate: float
    ) -> pd.Series:
        """Discounted expected residual lifetime (DERL) of each customer (0 for churned ones).

        For a customer active after ``n`` periods, just before her next renewal decision:
        ``sum_{k >= 0} S(n + 1 + k) / S(n) / (1 + d)^k`` (Fader & Hardie 2010), the payments
        still to come, the next one (at renewal) undiscounted.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table of subscriptions, with ``tenure`` and ``churned``.
        discount_rate : float
            Discount rate per period (>= 0; 0 gives :meth:`expected_residual_lifetime`).

        Returns
        -------
        pandas.Series
            Named ``discounted_residual_lifetime``, indexed like ``table``.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
        >>> subs = pd.DataFrame({"tenure": [1, 5], "churned": [False, False]})
        >>> sbg.discounted_residual_lifetime(subs, discount_rate=0.10).round(3).tolist()
        [5.902, 7.136]
        """
        n, c = self._arrays(table, "discounted_residual_lifetime")
        d = self._rate(discount_rate)
        vals = np.zeros(n.shape)
        live = c == 0
        if np.any(live):
            vals[live] = _sbg_math.discounted_residual_lifetime(*self._ab(), n[live], d)
        return pd.Series(vals, index=table.index, name="discounted_residual_lifetime")

    @rowwise
    def customer_value(
        self, table: pd.DataFrame, *, amount: float | pd.Series, discount_rate: float
    ) -> pd.Series:
        """Residual CLV of each subscriber paying ``amount`` per period (0 for churned ones).

        ``amount * discounted_residual_lifetime``: the present value, just before the next
        renewal decision, of the payments still to come (Fader & Hardie 2010).

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table of subscriptions, with ``tenure`` and ``churned``.
        amount : float or pandas.Series
            Payment (or margin) per period, >= 0: one number, or a Series on the table's
            index.
        discount_rate : float
            Discount rate per period (>= 0).

        Returns
        -------
        pandas.Series
            Named ``clv``, indexed like ``table``.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.668, beta=3.806)
        >>> subs = pd.DataFrame({"tenure": [1, 5, 2], "churned": [False, False, True]})
        >>> sbg.customer_value(subs, amount=100.0, discount_rate=0.10).round(1).tolist()
        [590.2, 713.6, 0.0]
        """
        derl = self.discounted_residual_lifetime(table, discount_rate=discount_rate)
        what = f"{type(self).__name__}.customer_value"
        if isinstance(amount, pd.Series):
            if not amount.index.equals(table.index):
                raise ValueError(
                    f"{what}: amount is a Series whose index differs from the table's; pass "
                    "amount.reindex(table.index) after deciding the missing ones"
                )
            checks = Checks(f"{what}: amount", ids=table.index)
            m = numeric_array(amount, "amount", checks)
            with np.errstate(invalid="ignore"):
                checks.rows(m < 0, "amount", "negative values")
            checks.raise_if_failed()
        else:
            m = np.full(len(table), check_scalar("amount", amount, minimum=0.0))
        return pd.Series(m * derl.to_numpy(), index=table.index, name="clv")

    # ------------------------------------------------------------------ simulation
    def sample(
        self,
        n_customers: int,
        *,
        periods: ArrayLike,
        random_state: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Simulate a subscription table: customers observed ``periods`` periods after joining.

        Parameters
        ----------
        n_customers : int
            Number of customers (>= 1).
        periods : int or array-like of int
            Periods observed since acquisition (>= 1): one for all, or one per customer.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.

        Returns
        -------
        pandas.DataFrame
            Columns ``tenure`` (int64) and ``churned`` (bool); index ``customer_id``.

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.704, beta=1.182)
        >>> sbg.sample(5, periods=7, random_state=0).columns.tolist()
        ['tenure', 'churned']
        """
        self._require_fitted("sample")
        n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
        obs = np.broadcast_to(_periods(periods, "periods", 1.0), (n,)).copy()
        a, b = self._theta()
        tenure, churned = _sbg_math.sample(a, b, obs, self._rng(random_state))
        return pd.DataFrame(
            {TENURE_COL: tenure.astype(np.int64), CHURNED_COL: churned.astype(bool)},
            index=pd.RangeIndex(n, name=CUSTOMER_ID),
        )

    def sample_rates(
        self,
        n_customers: int,
        *,
        random_state: int | np.random.Generator | None = None,
        covariates: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Draw new customers' churn probabilities per period, ``theta ~ Beta(alpha, beta)``.

        Parameters
        ----------
        n_customers : int
            Number of draws (>= 1).
        random_state : int, numpy.random.Generator or None
            Seed or generator.
        covariates : None
            The sBG model takes no covariates.

        Returns
        -------
        pandas.DataFrame
            One column, ``churn_probability``.

        Examples
        --------
        >>> from custvalue import ShiftedBetaGeoModel
        >>> sbg = ShiftedBetaGeoModel.from_params(alpha=0.704, beta=1.182)
        >>> round(float(sbg.sample_rates(100_000, random_state=0).mean().iloc[0]), 2)
        0.37
        """
        self._require_fitted("sample_rates")
        n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
        a, b = self._params_for(covariates, "sample_rates")
        drawn = _sbg_math.rates(a, b, n, self._rng(random_state))
        return pd.DataFrame(drawn, index=pd.RangeIndex(n, name=CUSTOMER_ID))
