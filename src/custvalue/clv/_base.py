"""The estimator shell shared by the CLV models.

Everything a model class needs except its formulas and its solver: hyperparameters (stored
verbatim by the constructor, validated in ``fit``, scikit-learn's rule), input validation,
compression of identical customers into counts, the fitted state, parameter tables and JSON
round-trips. The parameters (names, ranges, tables,
JSON) are :mod:`custvalue.clv._params`; the solver is :mod:`custvalue.clv._optimize`; the
prediction wrappers of the purchase models are :mod:`custvalue.clv._purchase`.

How to add a model
------------------
1. Write ``clv/_math/<model>.py`` (no pandas) with, at least,
   ``loglik_grad(*params, *columns) -> (ll (n,), grad (n, k))`` where ``grad`` holds the
   derivatives of each customer's log-likelihood w.r.t. the natural parameters, in the order
   of ``_param_names``. Optionally ``prepare(*columns, counts)`` and
   ``weighted_loglik_grad(*params, prepared) -> (sum c ll, sum c grad)`` (faster sums over
   the compressed rows), and ``weighted_loglik_grad_hess(*params, *columns, counts) ->
   (sum c ll, sum c grad, sum c hess, sum c grad grad^T)`` (the exact Hessian: the fit then
   runs Newton iterations with it). A purchase model also provides ``prob_alive``,
   ``expected_purchases``, ``expected_purchases_new``, ``prob_no_purchase``,
   ``purchase_pmf``, ``purchase_pmf_new`` and ``sample`` with the signatures used by
   :class:`~custvalue.clv._purchase._PurchaseModel` (``(*params, x, t_x, T[, n][, t])``;
   ``sample(*params, T, rng) -> (x, t_x)``). When the conditional expectation factorises
   as P(alive) times a curve of (x, T, t), also provide
   ``expected_purchases_alive(*params, x, T, t)``: the model then implements the
   ``expected_purchases_alive`` method of the purchase-model protocol
   (:class:`custvalue.clv.value.FactorisedPurchaseModel`), which
   :func:`custvalue.customer_lifetime_value` uses.
2. Subclass :class:`~custvalue.clv._purchase._PurchaseModel` (transaction models) or
   :class:`_BaseModel` and set the class attributes:

   * ``_model_name``: display name, e.g. ``"BG/NBD"``;
   * ``_param_names``: natural parameters, in the order of the math functions;
   * ``_shape_params``: the unit-free parameters (penalised); the others are scale
     parameters (unit of time or money) and are never penalised, so changing units is an
     exact invariance;
   * ``_lower``: per parameter, the lower end of its range; the optimiser works on
     ``u = log(theta - lower)`` (0 for positive parameters; 1 for Gamma-Gamma's q);
   * ``_math``: the math module;
   * ``_columns``: the table columns read, in the order the math functions take them;
   * optionally ``_covariate_groups`` (:class:`~custvalue.clv._covariates.CovariateGroup`):
     the constructor arguments that name covariate columns and the parameters they move;
     the math functions then must accept one value per row for those parameters;
   * optionally ``_inclusive``: parameters whose lower end is a valid value (GGompertz/NBD's
     ``b = 0``, its Pareto/NBD limit).

   Override ``_initial_params`` (start values; make scale parameters proportional to the
   data's unit so that unit changes are exact invariances), and, when the data need more
   than :func:`custvalue._validation.customer_arrays`, ``_validate`` and
   ``_check_identifiable``.
3. Add the class to the contract registry in ``tests/clv/test_contract.py``.

The penalizer
-------------
One meaning across models, unit-free: the fit minimises

    -(sum_i w_i ll_i) / sum_i w_i + penalizer * sum_{shape params} u_j^2,

where ``u_j = log(theta_j - lower_j)`` is the optimiser's coordinate of the unit-free
parameter ``theta_j``: ``log theta`` for the positive parameters (a Gaussian prior on the log,
centred at 1) and ``log(q - 1)`` for Gamma-Gamma's ``q`` (centred at q = 2, so the penalty never
pushes towards the infinite-mean region q <= 1). Scale parameters are not penalised, so
expressing durations in days instead of weeks (or money in cents instead of dollars) rescales
them exactly, penalizer included. ``penalizer=0`` (the default) is plain maximum likelihood.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._dispatch import is_dask, rowwise
from .._rows import distinct_rows
from .._validation import Checks, check_scalar, customer_arrays, customer_arrays_for_scoring
from ..exceptions import InsufficientDataError
from . import _optimize
from ._acceptance import covariance
from ._covariates import covariate_columns, covariate_problem
from ._params import _Parametrised

__all__: list[str] = []

logger = logging.getLogger(__name__)

Array = NDArray[np.float64]

_MIN_CUSTOMERS = 10
_BLOCK = 1 << 16  # rows per block of a per-customer evaluation


@dataclass(frozen=True)
class Estimate:
    """What a fit found: parameters (every one), covariance, log-likelihood, report."""

    theta: Array
    cov: Array
    loglik: float
    fit_info: dict[str, Any]


class _BaseModel(_Parametrised):
    """Maximum-likelihood plumbing shared by every CLV model (see the module docstring).

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of the penalty on the unit-free parameters (see the module docstring); 0 is
        maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser; reaching it raises ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance: the largest gradient norm (mean log-likelihood, log-parameter
        scale) at which the optimiser may stop (values above 1e-3 act as 1e-3). A loose tol
        can save iterations; it never weakens the checks of the result, which is always a
        maximum (no Newton step larger than 1e-4 in log-parameters left, no parameter
        drifting to 0 or infinity) or a ConvergenceError.
    initial_params : mapping or sequence of float, optional
        Start values: a mapping of every parameter name to its value, or a sequence of values
        in the order of the parameters (lifetimes' form). Default: start values scaled to the
        data.
    """

    _columns: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        max_iter: int = 1000,
        tol: float = 1e-7,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
    ) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol
        self.initial_params = initial_params

    # ------------------------------------------------------------------ hyperparameters
    @classmethod
    def _hyperparameter_names(cls) -> list[str]:
        """List the constructor's keyword arguments, in signature order."""
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Return the constructor's hyperparameters.

        Returns
        -------
        dict
            Every keyword argument of the constructor and its value (``penalizer``,
            ``max_iter``, ``tol`` and ``initial_params`` for the models of custvalue).

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> BetaGeoModel(penalizer=0.1).get_params()["penalizer"]
        0.1
        """
        return {name: getattr(self, name) for name in self._hyperparameter_names()}

    def set_params(self, **params: Any) -> Self:
        """Set hyperparameters (validated when the model is fitted).

        Parameters
        ----------
        **params
            Constructor keyword arguments and their new values.

        Returns
        -------
        self
            The model, for chaining.

        Raises
        ------
        ValueError
            For a name that is not a constructor argument; the valid names are listed.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> BetaGeoModel().set_params(penalizer=0.01).penalizer
        0.01
        """
        valid = self._hyperparameter_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.set_params: unknown hyperparameter(s) {unknown}; "
                f"valid: {valid}"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_hyperparameters(self) -> np.ndarray | None:
        """Validate the hyperparameters; return ``initial_params`` as an array (or None).

        With covariates, ``initial_params`` may give the population parameters only (the
        coefficients then start at 0) or every parameter.
        """
        cls = type(self).__name__
        check_scalar(f"{cls}: penalizer", self.penalizer, minimum=0.0)
        check_scalar(f"{cls}: max_iter", self.max_iter, minimum=1, integer=True)
        check_scalar(f"{cls}: tol", self.tol, minimum=0.0, strict=True)
        self._check_covariate_names(cls)
        if self.initial_params is None:
            return None
        what = f"{cls}: initial_params"
        given = dict(self._initial_mapping(self.initial_params, what))
        names = self._names()
        if set(given) == set(self._param_names):
            given.update({n: 0.0 for n in names[len(self._param_names) :]})
        checked = self._check_params(given, what)
        return np.array([checked[n] for n in names], dtype=np.float64)

    def _check_covariate_names(self, what: str) -> None:
        """Covariate arguments: None or a list of distinct column names, not data columns."""
        for group in self._covariate_groups:
            value = getattr(self, group.keyword, None)
            if value is None:
                continue
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise TypeError(
                    f"{what}: {group.keyword} must be a list of column names, got "
                    f"{type(value).__name__}"
                )
            bad = [c for c in value if not isinstance(c, str)]
            if bad:
                raise TypeError(f"{what}: {group.keyword} must name columns by str, got {bad}")
            dup = sorted({c for c in value if list(value).count(c) > 1})
            if dup:
                raise ValueError(f"{what}: {group.keyword} names {dup} more than once")
            data = sorted(set(value) & set(self._columns))
            if data:
                raise ValueError(
                    f"{what}: {group.keyword} cannot use the model's own data columns {data}"
                )

    def _initial_mapping(self, value: Any, what: str) -> Mapping[str, Any]:
        """``initial_params`` as a mapping: a mapping as given, a sequence by position."""
        names = self._names()
        if isinstance(value, Mapping):
            return value
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
            raise TypeError(
                f"{what} must be a mapping of the parameter names {list(names)} to "
                f"start values, or a sequence of {len(names)} values in that order; "
                f"got {type(value).__name__}"
            )
        values = (
            list(np.asarray(value, dtype=object).ravel())
            if isinstance(value, np.ndarray)
            else list(value)
        )
        if len(values) not in (len(names), len(self._param_names)):
            raise ValueError(
                f"{what}: a sequence of start values needs one value per parameter "
                f"{list(names)} (in that order), got {len(values)}"
            )
        return dict(zip(names, values, strict=False))

    # ------------------------------------------------------------------ hooks
    def _n_data(self) -> int:
        """Return the number of data columns (before the covariate columns) that ``_validate`` returns."""
        return len(self._columns)

    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        """Validate the data columns and return them as float arrays, in ``_columns`` order.

        ``fitting`` adds the rules that only a fit needs (e.g. some customer with
        ``tenure > 0``); scoring brand-new customers is a normal job. Covariate columns, if
        any, follow the data columns (:meth:`_with_covariates`).
        """
        if fitting:
            arrays = customer_arrays(table, what, self._columns)
        else:
            arrays = customer_arrays_for_scoring(table, what, self._columns)
        return self._with_covariates(table, what, tuple(arrays[c] for c in self._columns))

    def _with_covariates(
        self, table: pd.DataFrame, what: str, cols: tuple[Array, ...]
    ) -> tuple[Array, ...]:
        """Append the covariate columns (validated: present, numeric, finite) to ``cols``."""
        if not self._covariate_groups or not self._has_covariates():
            return cols
        return cols + covariate_columns(table, self._layout().columns, what)

    def _split(self, cols: tuple[Array, ...]) -> tuple[tuple[Array, ...], Array | None]:
        """Return data columns and the covariate matrix (rows, covariates), or None."""
        k = self._n_data()
        if len(cols) <= k:
            return cols, None
        return cols[:k], np.column_stack(cols[k:])

    def _row_params(self, Z: Array | None) -> list[Any]:
        """Parameters per row: scalars, or arrays where covariates move them."""
        if Z is None:
            return list(self._theta())
        return self._layout().row_params(self._theta_all(), Z)

    def _check_identifiable(self, cols: tuple[Array, ...], counts: Array) -> None:
        """Raise InsufficientDataError when the (compressed) data cannot identify the model."""
        name = self._model_name
        total = float(counts.sum())
        if total < _MIN_CUSTOMERS:
            raise InsufficientDataError(
                f"{name}: {total:g} customer(s) with positive weight; at least "
                f"{_MIN_CUSTOMERS} are needed to estimate {len(self._names())} parameters"
            )
        if counts.shape[0] == 1:
            raise InsufficientDataError(
                f"{name}: every customer has the same history {self._columns} = "
                f"{tuple(float(c[0]) for c in cols[: self._n_data()])}; the model is not "
                "identified"
            )
        if self._has_covariates():
            k = self._n_data()
            for col, z in zip(self._layout().columns, cols[k:], strict=True):
                if np.all(z == z[0]):
                    raise InsufficientDataError(
                        f"{name}: the covariate {col!r} takes the single value {z[0]:g} for "
                        "every customer fitted, so its coefficient is not identified (it "
                        "acts like the population parameter); drop it from the covariates"
                    )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        """Start values in natural parameters (override; keep scale params unit-aware)."""
        return np.asarray(self._lower, dtype=np.float64) + 1.0

    def _has_hessian(self) -> bool:
        """Whether the math module provides the exact Hessian (``weighted_loglik_grad_hess``)."""
        return hasattr(self._math, "weighted_loglik_grad_hess")

    def _problem(self) -> _optimize.Problem:
        """Hand the model's pieces to the solver (population parameters only)."""
        return _optimize.problem_from_math(
            self._math,
            name=f"{self._model_name} ({type(self).__name__})",
            param_names=self._param_names,
            lower=self._lower,
            shape_params=self._shape_params,
            penalizer=float(self.penalizer),
            hessian=self._has_hessian(),
        )

    def _loglik_grad(self) -> Any:
        """Return the per-row ``loglik_grad(*params, *data)`` of the model (for covariates)."""
        return self._math.loglik_grad

    # ------------------------------------------------------------------ fitting
    def _weights(self, weights: ArrayLike | None, table: pd.DataFrame, what: str) -> Array:
        n = len(table)
        if weights is None:
            return np.ones(n, dtype=np.float64)
        checks = Checks(f"{what}: weights", ids=table.index)
        if isinstance(weights, pd.Series):
            if not weights.index.equals(table.index):
                raise ValueError(
                    f"{what}: weights is a Series whose index differs from the table's index; "
                    "pass weights aligned on the table (e.g. weights.reindex(table.index)) "
                    "or a plain array in table order"
                )
            if not pd.api.types.is_numeric_dtype(weights.dtype) or pd.api.types.is_bool_dtype(
                weights.dtype
            ):
                raise TypeError(f"{what}: weights must be numeric, got dtype {weights.dtype}")
            w = weights.to_numpy(dtype="float64", na_value=np.nan)
        else:
            w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.shape[0] != n:
            raise ValueError(
                f"{what}: weights must be one number per customer ({n}), got shape {w.shape}"
            )
        checks.rows(np.isnan(w), "weights", "missing values")
        checks.rows(np.isinf(w), "weights", "infinite values")
        with np.errstate(invalid="ignore"):
            checks.rows(w < 0, "weights", "negative weights")
        if not checks.failed and not np.any(w > 0):
            checks.add("weights", "every weight is 0", n)
        checks.raise_if_failed()
        return w

    def fit(self, table: pd.DataFrame, *, weights: ArrayLike | None = None) -> Self:
        """Estimate the parameters by (penalised) maximum likelihood.

        Accepts a Dask table (extra ``dask``; without ``weights``): one pass validates
        every partition and counts its distinct rows of the columns the model reads; the
        fit runs on those rows with their counts (the pandas fit does the same).

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table (one row per customer) with the columns the model reads.
        weights : array-like or pandas.Series, optional
            Frequency weights, one finite number >= 0 per row (a Series must share the
            table's index). A row with weight ``k`` counts as ``k`` identical customers;
            fractional weights are allowed and standard errors then treat ``sum(weights)``
            as the number of customers. Rows with weight 0 do not enter the fit.

        Returns
        -------
        self
            The fitted model (``params_``, ``cov_``, ``loglik_``, ``n_customers_``,
            ``fit_info_``).

        Raises
        ------
        DataValidationError
            Invalid table values (every failure listed).
        InsufficientDataError
            The data cannot identify the model.
        ConvergenceError
            The optimiser did not reach a maximum; the message says why.

        Examples
        --------
        Fit on 2,000 customers simulated from the published CDNOW parameters:

        >>> from custvalue import BetaGeoModel
        >>> truth = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> sim = truth.sample(2000, tenure=39.0, random_state=1)
        >>> model = BetaGeoModel().fit(sim)
        >>> model.fit_info_["success"]
        True
        >>> {k: round(v, 2) for k, v in model.params_.items()}
        {'r': 0.22, 'alpha': 4.02, 'a': 1.4, 'b': 4.48}
        """
        if is_dask(table):
            from .._dask.fit import dask_fit

            return dask_fit(self, table, weights)  # type: ignore[no-any-return]
        start = self._check_hyperparameters()
        what = f"{type(self).__name__}.fit"
        cols = self._validate(table, what, fitting=True)
        w = self._weights(weights, table, what)
        keep = w > 0
        if not np.all(keep):
            cols = tuple(c[keep] for c in cols)
            w = w[keep]
        unit = weights is None or bool(np.all(w == 1.0))
        rows = distinct_rows(*cols, weights=None if unit else w, inverse=False)
        cols, counts = rows.columns, rows.counts
        self._check_identifiable(cols, counts)
        est = self._estimate(cols, counts, start)
        names = list(self._names())
        total = float(counts.sum())
        self.params_ = {n: float(v) for n, v in zip(names, est.theta, strict=True)}
        self.cov_ = pd.DataFrame(est.cov, index=names, columns=names)
        self.loglik_ = est.loglik
        self.n_customers_ = int(total) if float(total).is_integer() else total
        self.fit_info_ = est.fit_info
        logger.debug("%s fit: %s", self._model_name, self.fit_info_)
        return self

    def _estimate(self, cols: tuple[Array, ...], counts: Array, start: Array | None) -> Estimate:
        """Maximise the likelihood on the distinct rows ``cols`` with their ``counts``."""
        data, Z = self._split(cols)
        n_base = len(self._param_names)
        base_start = None if start is None else start[:n_base]
        if Z is None:
            return self._estimate_base(data, counts, base_start)
        # covariates: start from the fit without them (coefficients 0)
        base_rows = distinct_rows(*data, weights=counts, inverse=False)
        base = self._estimate_base(base_rows.columns, base_rows.counts, base_start)
        u_ref = np.concatenate(
            [
                self._to_internal(self._initial_params(base_rows.columns, base_rows.counts)),
                np.zeros(len(self._names()) - n_base),
            ]
        )
        u0 = self._to_internal(
            np.concatenate([base.theta, np.zeros(len(self._names()) - n_base)])
            if start is None
            else start
        )
        return self._solve(self._covariate_problem(), cols, counts, u0, u_ref)

    def _covariate_problem(self) -> _optimize.Problem:
        return covariate_problem(
            self._loglik_grad(),
            self._layout(),
            name=f"{self._model_name} ({type(self).__name__})",
            lower=self._lower,
            shape_params=self._shape_params,
            penalizer=float(self.penalizer),
            n_data=self._n_data(),
        )

    def _estimate_base(
        self, cols: tuple[Array, ...], counts: Array, start: Array | None
    ) -> Estimate:
        """Return the fit of the population parameters (no covariates)."""
        u_ref = self._to_internal(self._initial_params(cols, counts))
        u0 = u_ref if start is None else self._to_internal(start)
        return self._solve(self._problem(), cols, counts, u0, u_ref)

    def _solve(
        self,
        problem: _optimize.Problem,
        cols: tuple[Array, ...],
        counts: Array,
        u0: Array,
        u_ref: Array,
    ) -> Estimate:
        res = _optimize.minimise(
            problem,
            cols,
            counts,
            u0=u0,
            u_ref=u_ref,
            tol=float(self.tol),
            max_iter=int(self.max_iter),
        )
        cov = covariance(
            res.hess, res.u, float(counts.sum()), self._model_name, problem.jacobian(res.u)
        )
        return Estimate(problem.natural(res.u), cov, res.loglik, res.fit_info(counts.shape[0]))

    # ------------------------------------------------------------------ per customer
    @rowwise
    def log_likelihood(self, table: pd.DataFrame) -> pd.Series:
        """Each customer's log-likelihood at the fitted (or given) parameters.

        The terms whose weighted sum the fit maximises: ``loglik_`` equals
        ``log_likelihood(table).sum()`` on the table the model was fitted on (with weights,
        the weighted sum). Useful to find the customers a model explains worst, or to
        compare models customer by customer.

        Parameters
        ----------
        table : pandas.DataFrame
            Customer table with the columns the model reads (and its covariates).

        Returns
        -------
        pandas.Series
            Named ``log_likelihood``, indexed like ``table``; values <= 0 for the discrete
            models, any finite value for the continuous-time ones (a density).

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> truth = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> sim = truth.sample(500, tenure=39.0, random_state=2)
        >>> model = BetaGeoModel().fit(sim)
        >>> bool(abs(model.log_likelihood(sim).sum() - model.loglik_) < 1e-6)
        True
        """
        self._require_fitted("log_likelihood")
        what = f"{type(self).__name__}.log_likelihood"
        cols = self._validate(table, what, fitting=False)
        vals = self._loglik_values(cols)
        return pd.Series(vals, index=table.index, name="log_likelihood")

    def _loglik_values(self, cols: tuple[Array, ...]) -> Array:
        data, Z = self._split(cols)
        n = data[0].shape[0] if data else 0
        out = np.empty(n)
        fn = getattr(self._math, "loglik", None)
        for lo in range(0, n, _BLOCK):
            blk = slice(lo, lo + _BLOCK)
            params = self._row_params(None if Z is None else Z[blk])
            args = (*params, *(c[blk] for c in data))
            ll = fn(*args) if fn is not None else self._loglik_grad()(*args)[0]
            out[blk] = np.asarray(ll, dtype=np.float64)
        return out

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _rng(random_state: int | np.random.Generator | None) -> np.random.Generator:
        if isinstance(random_state, np.random.Generator):
            return random_state
        if random_state is not None and (
            isinstance(random_state, bool) or not isinstance(random_state, int | np.integer)
        ):
            raise TypeError(
                "random_state must be None, an int seed or a numpy.random.Generator, got "
                f"{type(random_state).__name__}"
            )
        return np.random.default_rng(random_state)
