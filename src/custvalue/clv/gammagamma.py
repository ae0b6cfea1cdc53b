"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, JMR 42(4))."""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._dispatch import rowwise
from .._schema import CUSTOMER_ID, MEAN_REPEAT_SPEND, N_REPEAT
from .._validation import Checks, check_frame, numeric_array
from ..exceptions import InsufficientDataError
from ._base import _BaseModel
from ._covariates import CovariateGroup
from ._math import gammagamma as _gg_math

__all__ = ["GammaGammaModel"]

Array = NDArray[np.float64]

_BLOCK = 1 << 16  # rows per block of a prediction
_FILTER_HINT = "Gamma-Gamma is fitted on repeat buyers only: pass table[table.n_repeat > 0]"


class GammaGammaModel(_BaseModel):
    """Gamma-Gamma model of the mean spend per repeat transaction.

    Transaction values of a customer are Gamma(p, nu); across customers ``nu ~ Gamma(q, gamma)``
    (Fader, Hardie & Lee 2005, "RFM and CLV", Journal of Marketing Research 42(4), appendix;
    Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"). Reads ``n_repeat``
    (x) and ``mean_repeat_spend`` (m_x). Fitting uses ``q = 1 + exp(u)`` so the mean spend
    ``p gamma / (q - 1)`` is always finite (q > 1); ``gamma`` is in money units, p and q are
    unit-free (penalised).

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``log(p)^2 + log(q - 1)^2`` added to the mean negative log-likelihood
        (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser (BFGS, then Newton steps); reaching it raises
        ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance: the largest gradient norm (mean log-likelihood, log-parameter
        scale) at which the optimiser may stop; values above 1e-3 act as 1e-3. A loose tol can
        save iterations but never weakens the checks of the result: the fit returns a maximum
        or raises ConvergenceError.
    initial_params : mapping or sequence of float, optional
        Start values ``{"p": .., "q": .., "gamma": ..}``, or a sequence of them in that order
        (lifetimes' form); default: start values scaled to the data.
    spend_covariates : list of str, optional
        Table columns acting on the scale of spend: ``gamma_i = gamma exp(gamma_spend .
        z_i)`` (coefficients ``spend[<column>]``; positive: higher spend per transaction,
        which is proportional to ``gamma_i``). Every table given to ``fit`` and
        ``expected_spend`` must then have these (numeric) columns.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma``.
    cov_, loglik_, n_customers_, fit_info_
        As for :class:`~custvalue.BetaGeoModel`.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue import GammaGammaModel
    >>> truth = GammaGammaModel.from_params(p=6.0, q=4.0, gamma=15.0)
    >>> table = truth.sample(np.arange(1, 9).repeat(100), random_state=0)
    >>> model = GammaGammaModel().fit(table)
    >>> model.fit_info_["success"]
    True
    >>> bool((model.expected_spend(table) > 0).all())
    True
    """

    _model_name: ClassVar[str] = "Gamma-Gamma"
    _param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _shape_params: ClassVar[tuple[str, ...]] = ("p", "q")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 1.0, 0.0)
    _columns: ClassVar[tuple[str, ...]] = (N_REPEAT, MEAN_REPEAT_SPEND)
    _math: ClassVar[types.ModuleType] = _gg_math
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = (
        CovariateGroup("spend_covariates", (("spend", "gamma", 1.0),)),
    )

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        max_iter: int = 1000,
        tol: float = 1e-7,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        spend_covariates: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            penalizer=penalizer, max_iter=max_iter, tol=tol, initial_params=initial_params
        )
        self.spend_covariates = spend_covariates

    def _read(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, Array]:
        check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
        checks = Checks(f"{what}: customer table", ids=table.index)
        missing = [c for c in self._columns if c not in table.columns]
        if missing:
            checks.add(None, f"missing column(s) {missing}", len(missing))
            checks.raise_if_failed()
        if len(table) == 0:
            checks.add(None, "the table is empty", 0)
            checks.raise_if_failed()
        x = numeric_array(table[N_REPEAT], N_REPEAT, checks)
        sub = Checks(what)
        m = numeric_array(table[MEAN_REPEAT_SPEND], MEAN_REPEAT_SPEND, sub)
        with np.errstate(invalid="ignore"):
            checks.rows(x < 0, N_REPEAT, "negative counts")
            checks.rows(np.isfinite(x) & (x != np.floor(x)), N_REPEAT, "non-integer counts")
            rep = x > 0
            if fitting:
                checks.rows(x == 0, N_REPEAT, f"n_repeat == 0 ({_FILTER_HINT})")
            checks.rows(rep & np.isnan(m), MEAN_REPEAT_SPEND, "missing values where n_repeat > 0")
            checks.rows(rep & np.isinf(m), MEAN_REPEAT_SPEND, "infinite values")
            checks.rows(
                rep & np.isfinite(m) & (m <= 0),
                MEAN_REPEAT_SPEND,
                f"spend <= 0 where n_repeat > 0 ({_FILTER_HINT} and positive spend)",
            )
        checks.raise_if_failed()
        return x, m

    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        return self._with_covariates(table, what, self._read(table, what, fitting=fitting))

    def _check_identifiable(self, cols: tuple[Array, ...], counts: Array) -> None:
        total = float(counts.sum())
        if total < 10:
            raise InsufficientDataError(
                f"Gamma-Gamma: {total:g} repeat buyer(s) with positive weight; at least 10 "
                "are needed"
            )
        if np.unique(cols[1]).shape[0] < 2:
            raise InsufficientDataError(
                "Gamma-Gamma: fewer than two distinct mean spends; the spread of spend "
                "across customers (q, gamma) is not identified"
            )
        if self._has_covariates():
            for col, z in zip(self._layout().columns, cols[2:], strict=True):
                if np.all(z == z[0]):
                    raise InsufficientDataError(
                        f"Gamma-Gamma: the covariate {col!r} takes the single value {z[0]:g} "
                        "for every customer fitted, so its coefficient is not identified; "
                        "drop it from the covariates"
                    )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        # p = 1, q = 2 and gamma at the mean spend (so money units rescale gamma exactly)
        mean_m = float(np.einsum("i,i->", counts, cols[1]) / counts.sum())
        return np.array([1.0, 2.0, mean_m])

    @rowwise
    def expected_spend(self, table: pd.DataFrame) -> pd.Series:
        """Predict the spend per transaction given each customer's history.

        ``p (gamma + x m_x) / (p x + q - 1)`` (Fader & Hardie 2013, eq. 5); for customers
        with ``n_repeat == 0`` the population mean ``p gamma / (q - 1)`` (their
        ``mean_repeat_spend``, normally NaN, is not read). With spend covariates ``gamma``
        is each customer's ``gamma_i``.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with ``n_repeat`` and ``mean_repeat_spend`` (and the covariates).

        Returns
        -------
        pandas.Series
            Named ``expected_spend``, indexed like ``table``; finite and > 0.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue import GammaGammaModel
        >>> gg = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> table = pd.DataFrame(
        ...     {"n_repeat": [0, 2, 26], "mean_repeat_spend": [float("nan"), 22.35, 40.0]},
        ...     index=pd.Index([1, 2, 3], name="customer_id"),
        ... )
        >>> gg.expected_spend(table).round(2)
        customer_id
        1    35.22
        2    24.66
        3    39.92
        Name: expected_spend, dtype: float64
        """
        self._require_fitted("expected_spend")
        cols = self._validate(table, f"{type(self).__name__}.expected_spend", fitting=False)
        (x, m), Z = self._split(cols)
        vals = np.empty(x.shape[0])
        for lo in range(0, x.shape[0], _BLOCK):  # blocks: small temporaries
            blk = slice(lo, lo + _BLOCK)
            params = self._row_params(None if Z is None else Z[blk])
            vals[blk] = self._math.expected_spend(*params, x[blk], m[blk])
        return pd.Series(vals, index=table.index, name="expected_spend")

    def mean_spend(self, *, covariates: Mapping[str, float] | None = None) -> float:
        """Return the population mean spend per transaction, ``p gamma / (q - 1)``.

        Parameters
        ----------
        covariates : mapping, optional
            Covariate values ``{column: number}`` (required with spend covariates).

        Examples
        --------
        >>> from custvalue import GammaGammaModel
        >>> round(GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44).mean_spend(), 2)
        35.22
        """
        self._require_fitted("mean_spend")
        p, q, gamma = self._params_for(covariates, "mean_spend")
        return float(p * gamma / (q - 1.0))

    def sample(
        self,
        n_repeat: ArrayLike,
        *,
        random_state: int | np.random.Generator | None = None,
        covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Simulate mean repeat spends for customers with the given numbers of repeat purchases.

        Parameters
        ----------
        n_repeat : array-like of int
            Repeat purchases per customer, each >= 1.
        random_state : int, numpy.random.Generator or None
            Seed or generator; the global NumPy RNG is never used.
        covariates : pandas.DataFrame, optional
            With spend covariates: one row per customer with those columns.

        Returns
        -------
        pandas.DataFrame
            Columns ``n_repeat`` (int64) and ``mean_repeat_spend`` (and the covariates);
            index ``customer_id``.

        Examples
        --------
        >>> from custvalue import GammaGammaModel
        >>> gg = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> gg.sample([1, 3, 10], random_state=0).columns.tolist()
        ['n_repeat', 'mean_repeat_spend']
        """
        self._require_fitted("sample")
        x = np.asarray(n_repeat, dtype=np.float64)
        if (
            x.ndim != 1
            or x.size == 0
            or not np.all(np.isfinite(x))
            or np.any(x < 1)
            or np.any(x != np.floor(x))
        ):
            raise ValueError("n_repeat must be a non-empty 1-D array of whole numbers >= 1")
        params, extra = self._sample_params(covariates, x.shape[0], "sample")
        m = self._math.sample(*params, x, self._rng(random_state))
        out = pd.DataFrame(
            {N_REPEAT: x.astype(np.int64), MEAN_REPEAT_SPEND: m},
            index=pd.RangeIndex(x.shape[0], name=CUSTOMER_ID),
        )
        for col, values in extra.items():
            out[col] = values
        return out
