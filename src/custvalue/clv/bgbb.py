"""BG/BB model (Fader, Hardie & Shang 2010, Marketing Science 29(6))."""

from __future__ import annotations

import types
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._schema import N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import Checks, check_scalar
from ._compat import keyword_shim
from ._math import bgbb as _bgbb_math
from ._purchase import _PurchaseModel

__all__ = ["BetaGeoBetaBinomModel"]

Array = NDArray[np.float64]


class BetaGeoBetaBinomModel(_PurchaseModel):
    """Beta-geometric / beta-Bernoulli model for discrete transaction opportunities ("BG/BB").

    At each of ``tenure`` discrete opportunities (yearly donation drives, weekly events, ...)
    an alive customer transacts with probability ``p ~ Beta(alpha, beta)``; before each
    opportunity she drops out with probability ``theta ~ Beta(gamma, delta)``. Fader, Hardie
    & Shang (2010), "Customer-base analysis in a discrete-time noncontractual setting",
    Marketing Science 29(6); likelihood eq. (5), P(alive) eq. (11), conditional expectation
    eq. (13).

    **The columns count opportunities, not time.** BG/BB reads the same three columns as the
    continuous-time models, in the same roles (how many repeat events, when the last one
    was, how long the customer was observed), but in units of opportunities:

    * ``n_repeat`` (x): transactions in the observed opportunities;
    * ``purchase_span`` (t_x): the index of the opportunity of the last transaction
      (0 when none), not a duration;
    * ``tenure`` (n): the number of opportunities observed, not a duration;

    all whole numbers with ``x <= t_x <= n`` (:func:`custvalue.datasets.load_donations`
    returns this layout, with the lifetimes names ``frequency``, ``recency``, ``periods``
    renamed). A table from :func:`custvalue.customer_table` measures time instead: build the
    opportunity counts first (for a yearly drive, the years with and without a donation).
    Horizons (``horizon``) are numbers of future opportunities, also whole. All four
    parameters are unit-free.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over the four parameters added to the mean negative
        log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser (BFGS, then Newton steps); reaching it raises
        ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance: the largest gradient norm (mean log-likelihood, log-parameter
        scale) at which the optimiser may stop; values above 1e-3 act as 1e-3. A loose tol can
        save iterations but never weakens the checks of the result: the fit returns a maximum
        or raises ConvergenceError.
    initial_params : mapping or sequence of float, optional
        Start values ``{"alpha": .., "beta": .., "gamma": .., "delta": ..}``, or a sequence of them
        in that order (lifetimes' form); default: start values scaled to the data.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    cov_, loglik_, n_customers_, fit_info_
        As for :class:`~custvalue.BetaGeoModel`.

    Examples
    --------
    >>> from custvalue import BetaGeoBetaBinomModel
    >>> from custvalue.datasets import load_donations
    >>> d = load_donations()
    >>> model = BetaGeoBetaBinomModel().fit(d, weights=d["count"])
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.784}
    """

    _model_name: ClassVar[str] = "BG/BB"
    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    _shape_params: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)
    _math: ClassVar[types.ModuleType] = _bgbb_math
    _continuous_time: ClassVar[bool] = False

    def fit(self, table: pd.DataFrame, *, weights: ArrayLike | None = None) -> Self:
        """Estimate the parameters by (penalised) maximum likelihood.

        The columns count opportunities (see the class docstring): ``n_repeat`` is the
        number of transactions x, ``purchase_span`` the opportunity of the last one t_x and
        ``tenure`` the number of opportunities n, whole numbers with ``x <= t_x <= n``.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table, one row per customer (or per pattern, with ``weights``): ``n_repeat``,
            ``purchase_span``, ``tenure`` as opportunity counts.
        weights : array-like or pandas.Series, optional
            Frequency weights, e.g. the ``count`` of each pattern of
            :func:`custvalue.datasets.load_donations`.

        Returns
        -------
        self
            The fitted model.

        Examples
        --------
        >>> from custvalue import BetaGeoBetaBinomModel
        >>> from custvalue.datasets import load_donations
        >>> d = load_donations()
        >>> BetaGeoBetaBinomModel().fit(d, weights=d["count"]).n_customers_
        11104
        """
        return super().fit(table, weights=weights)

    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        """Customer-table checks plus the discrete-opportunity rules of BG/BB."""
        x, t_x, n = super()._validate(table, what, fitting=fitting)
        checks = Checks(f"{what}: customer table (BG/BB: counts of opportunities)", table.index)
        checks.rows(t_x != np.floor(t_x), PURCHASE_SPAN, "non-integer opportunity index")
        checks.rows(n != np.floor(n), TENURE, "non-integer number of opportunities")
        checks.rows(
            x > t_x, N_REPEAT, "n_repeat > purchase_span (more transactions than opportunities)"
        )
        checks.raise_if_failed()
        return x, t_x, n

    @staticmethod
    def _horizon(horizon: Any) -> float:
        return check_scalar("horizon (future opportunities)", horizon, minimum=0.0, integer=True)

    @staticmethod
    def _horizons(horizon: ArrayLike) -> Array:
        arr = np.asarray(horizon, dtype=np.float64)
        if (
            arr.ndim > 1
            or not np.all(np.isfinite(arr))
            or np.any(arr < 0)
            or np.any(arr != np.floor(arr))
        ):
            raise ValueError(
                "horizon must be a whole number of opportunities >= 0 or a 1-D array of them"
            )
        return arr

    @keyword_shim("tenure")
    def sample(
        self,
        n_customers: int,
        *,
        tenure: ArrayLike,
        random_state: int | np.random.Generator | None = None,
        covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Simulate a customer table; ``tenure`` is a whole number of opportunities.

        Parameters
        ----------
        n_customers : int
            Number of customers (>= 1).
        tenure : int or array-like of int
            Opportunities per customer (>= 1): one number for all, or one per customer.
            Passing it by position still works with a FutureWarning.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.
        covariates : None
            BG/BB takes no covariates (accepted for the common signature).

        Returns
        -------
        pandas.DataFrame
            Columns ``n_repeat`` (int64), ``purchase_span``, ``tenure``; index
            ``customer_id`` 0..n-1.
        """
        T = np.asarray(tenure, dtype=np.float64)
        if not np.all(np.isfinite(T)) or np.any(np.floor(T) != T) or np.any(T < 1):
            raise ValueError("tenure must be a whole number of opportunities >= 1")
        return super().sample(
            n_customers, tenure=tenure, random_state=random_state, covariates=covariates
        )
