"""BG/BB model (Fader, Hardie & Shang 2010, Marketing Science 29(6))."""

from __future__ import annotations

import types
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._schema import N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import Checks, check_scalar
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

    The table counts opportunities, not time: ``n_repeat`` (x) transactions after the first,
    ``purchase_span`` (t_x) the opportunity of the last one (0 when none) and ``tenure`` (n)
    the number of opportunities observed, all whole numbers with ``x <= t_x <= n``. Horizons
    (``t``) are numbers of future opportunities, also whole. All four parameters are
    unit-free.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over the four parameters added to the mean negative
        log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of L-BFGS-B; reaching it raises ConvergenceError.
    tol : float, default 1e-7
        Largest accepted gradient norm (mean log-likelihood, log-parameter scale).
    initial_params : dict, optional
        Start values ``{"alpha": .., "beta": .., "gamma": .., "delta": ..}``.

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
    def _horizon(t: Any, name: str = "t") -> float:
        return check_scalar(f"{name} (future opportunities)", t, minimum=0.0, integer=True)

    @staticmethod
    def _horizons(t: ArrayLike) -> Array:
        arr = np.asarray(t, dtype=np.float64)
        if (
            arr.ndim > 1
            or not np.all(np.isfinite(arr))
            or np.any(arr < 0)
            or np.any(arr != np.floor(arr))
        ):
            raise ValueError(
                "t must be a whole number of opportunities >= 0 or a 1-D array of them"
            )
        return arr

    def sample(
        self,
        n_customers: int,
        tenure: ArrayLike,
        *,
        random_state: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Simulate a customer table; ``tenure`` is a whole number of opportunities.

        Parameters
        ----------
        n_customers : int
            Number of customers (>= 1).
        tenure : int or array-like of int
            Opportunities per customer (>= 1): one number for all, or one per customer.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.

        Returns
        -------
        pandas.DataFrame
            Columns ``n_repeat`` (int64), ``purchase_span``, ``tenure``; index
            ``customer_id`` 0..n-1.
        """
        T = np.asarray(tenure, dtype=np.float64)
        if not np.all(np.isfinite(T)) or np.any(T != np.floor(T)) or np.any(T < 1):
            raise ValueError("tenure must be a whole number of opportunities >= 1")
        return super().sample(n_customers, tenure, random_state=random_state)
