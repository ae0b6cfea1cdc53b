"""The estimator shell shared by the CLV models.

Everything a model class needs except its formulas and its solver: hyperparameters (stored
verbatim by the constructor, validated in ``fit``, scikit-learn's rule), input validation,
compression of identical customers into counts, the fitted state, parameter tables and JSON
round-trips. The solver is :mod:`custvalue.clv._optimize`; the prediction wrappers of the
purchase models are :mod:`custvalue.clv._purchase`.

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
   * ``_columns``: the table columns read, in the order the math functions take them.

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
import math
import types
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from .._rows import distinct_rows
from .._validation import Checks, check_scalar, customer_arrays, customer_arrays_for_scoring
from ..exceptions import InsufficientDataError, NotFittedError
from . import _optimize
from ._acceptance import covariance
from ._compat import keyword_shim

__all__: list[str] = []

logger = logging.getLogger(__name__)

Array = NDArray[np.float64]

_MIN_CUSTOMERS = 10


def _plain(value: Any) -> Any:
    """JSON-friendly version of a value (NumPy scalars to Python, NaN to None, arrays to lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _BaseModel:
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

    _model_name: ClassVar[str] = ""
    _param_names: ClassVar[tuple[str, ...]] = ()
    _shape_params: ClassVar[tuple[str, ...]] = ()
    _lower: ClassVar[tuple[float, ...]] = ()
    _columns: ClassVar[tuple[str, ...]] = ()
    _math: ClassVar[types.ModuleType]

    params_: dict[str, float]
    cov_: pd.DataFrame | None
    loglik_: float | None
    n_customers_: float | None
    fit_info_: dict[str, Any]

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
        """Validate the hyperparameters; return ``initial_params`` as an array (or None)."""
        cls = type(self).__name__
        check_scalar(f"{cls}: penalizer", self.penalizer, minimum=0.0)
        check_scalar(f"{cls}: max_iter", self.max_iter, minimum=1, integer=True)
        check_scalar(f"{cls}: tol", self.tol, minimum=0.0, strict=True)
        if self.initial_params is None:
            return None
        given = self._initial_mapping(self.initial_params, f"{cls}: initial_params")
        checked = self._check_params(given, f"{cls}: initial_params")
        return np.array([checked[n] for n in self._param_names], dtype=np.float64)

    @classmethod
    def _initial_mapping(cls, value: Any, what: str) -> Mapping[str, Any]:
        """``initial_params`` as a mapping: a mapping as given, a sequence by position."""
        if isinstance(value, Mapping):
            return value
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
            raise TypeError(
                f"{what} must be a mapping of the parameter names {list(cls._param_names)} to "
                f"start values, or a sequence of {len(cls._param_names)} values in that order; "
                f"got {type(value).__name__}"
            )
        values = (
            list(np.asarray(value, dtype=object).ravel())
            if isinstance(value, np.ndarray)
            else list(value)
        )
        if len(values) != len(cls._param_names):
            raise ValueError(
                f"{what}: a sequence of start values needs one value per parameter "
                f"{list(cls._param_names)} (in that order), got {len(values)}"
            )
        return dict(zip(cls._param_names, values, strict=True))

    @classmethod
    def _check_params(cls, params: Mapping[str, Any], what: str) -> dict[str, float]:
        names = set(cls._param_names)
        given = set(params)
        if given != names:
            missing = sorted(names - given)
            extra = sorted(given - names)
            raise ValueError(
                f"{what}: expected exactly the parameters {list(cls._param_names)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        out = {}
        for name, low in zip(cls._param_names, cls._lower, strict=True):
            out[name] = check_scalar(f"{what}: {name}", params[name], minimum=low, strict=True)
        return out

    # ------------------------------------------------------------------ parametrisation
    @classmethod
    def _to_natural(cls, u: Array) -> Array:
        return np.asarray(cls._lower, dtype=np.float64) + np.exp(u)

    @classmethod
    def _to_internal(cls, theta: Array) -> Array:
        return np.asarray(np.log(theta - np.asarray(cls._lower, dtype=np.float64)))

    @classmethod
    def _dtheta_du(cls, u: Array) -> Array:
        return np.asarray(np.exp(u))

    # ------------------------------------------------------------------ hooks
    def _validate(self, table: pd.DataFrame, what: str, *, fitting: bool) -> tuple[Array, ...]:
        """Validate the data columns and return them as float arrays, in ``_columns`` order.

        ``fitting`` adds the rules that only a fit needs (e.g. some customer with
        ``tenure > 0``); scoring brand-new customers is a normal job.
        """
        if fitting:
            arrays = customer_arrays(table, what, self._columns)
        else:
            arrays = customer_arrays_for_scoring(table, what, self._columns)
        return tuple(arrays[c] for c in self._columns)

    def _check_identifiable(self, cols: tuple[Array, ...], counts: Array) -> None:
        """Raise InsufficientDataError when the (compressed) data cannot identify the model."""
        name = self._model_name
        total = float(counts.sum())
        if total < _MIN_CUSTOMERS:
            raise InsufficientDataError(
                f"{name}: {total:g} customer(s) with positive weight; at least "
                f"{_MIN_CUSTOMERS} are needed to estimate {len(self._param_names)} parameters"
            )
        if counts.shape[0] == 1:
            raise InsufficientDataError(
                f"{name}: every customer has the same history {self._columns} = "
                f"{tuple(float(c[0]) for c in cols)}; the model is not identified"
            )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        """Start values in natural parameters (override; keep scale params unit-aware)."""
        return np.asarray(self._lower, dtype=np.float64) + 1.0

    def _has_hessian(self) -> bool:
        """Whether the math module provides the exact Hessian (``weighted_loglik_grad_hess``)."""
        return hasattr(self._math, "weighted_loglik_grad_hess")

    def _problem(self) -> _optimize.Problem:
        """Hand the model's pieces to the solver."""
        return _optimize.problem_from_math(
            self._math,
            name=f"{self._model_name} ({type(self).__name__})",
            param_names=self._param_names,
            lower=self._lower,
            shape_params=self._shape_params,
            penalizer=float(self.penalizer),
            hessian=self._has_hessian(),
        )

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
        total = float(counts.sum())
        u_ref = self._to_internal(self._initial_params(cols, counts))
        u0 = u_ref if start is None else self._to_internal(start)
        res = _optimize.minimise(
            self._problem(),
            cols,
            counts,
            u0=u0,
            u_ref=u_ref,
            tol=float(self.tol),
            max_iter=int(self.max_iter),
        )
        theta = self._to_natural(res.u)
        cov = covariance(res.hess, res.u, total, self._model_name)
        self.params_ = {n: float(v) for n, v in zip(self._param_names, theta, strict=True)}
        self.cov_ = pd.DataFrame(
            cov, index=list(self._param_names), columns=list(self._param_names)
        )
        self.loglik_ = res.loglik
        self.n_customers_ = int(total) if float(total).is_integer() else total
        self.fit_info_ = res.fit_info(counts.shape[0])
        logger.debug("%s fit: %s", self._model_name, self.fit_info_)
        return self

    # ------------------------------------------------------------------ fitted state
    def _require_fitted(self, method: str) -> None:
        if not hasattr(self, "params_"):
            cls = type(self).__name__
            raise NotFittedError(
                f"This {cls} ({self._model_name}) is not fitted, so {method} cannot run: call "
                f"{cls}().fit(table) first, or build a model from known parameters with "
                f"{cls}.from_params({', '.join(f'{n}=...' for n in self._param_names)})"
            )

    def _theta(self) -> tuple[float, ...]:
        return tuple(self.params_[n] for n in self._param_names)

    @property
    def aic_(self) -> float:
        """Akaike information criterion, ``2 k - 2 loglik_`` (NaN without a likelihood)."""
        self._require_fitted("aic_")
        if self.loglik_ is None:
            return float("nan")
        return 2.0 * len(self._param_names) - 2.0 * self.loglik_

    @property
    def bic_(self) -> float:
        """Bayesian information criterion, ``k log(n_customers_) - 2 loglik_``."""
        self._require_fitted("bic_")
        if self.loglik_ is None or self.n_customers_ is None:
            return float("nan")
        return len(self._param_names) * math.log(self.n_customers_) - 2.0 * self.loglik_

    @keyword_shim("alpha")
    def param_table(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors and ``1 - alpha`` confidence intervals.

        Intervals are Wald intervals on the optimiser's scale ``log(theta - lower)`` mapped
        back (so they stay inside the parameter's range and are asymmetric); standard errors
        are on the natural scale (delta method). Both are NaN when the Hessian was singular
        or the model came from :meth:`from_params`.

        Parameters
        ----------
        alpha : float, default 0.05
            Error level, 0 < alpha < 1. Passing it by position still works with a
            FutureWarning.

        Returns
        -------
        pandas.DataFrame
            Index = parameter names; columns ``estimate``, ``std_error``, ``lower``, ``upper``.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> truth = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model = BetaGeoModel().fit(truth.sample(2000, tenure=39.0, random_state=1))
        >>> model.param_table().round(2)
                   estimate  std_error  lower  upper
        parameter
        r              0.22       0.01   0.19   0.24
        alpha          4.02       0.36   3.36   4.80
        a              1.40       0.39   0.81   2.42
        b              4.48       1.55   2.27   8.84
        """
        self._require_fitted("param_table")
        check_scalar("alpha", alpha, minimum=0.0, strict=True, maximum=1.0)
        if alpha >= 1.0:
            raise ValueError(f"alpha must be < 1, got {alpha!r}")
        theta = np.array(self._theta())
        if self.cov_ is None:
            se = np.full(theta.shape, np.nan)
        else:
            se = np.sqrt(np.diag(self.cov_.to_numpy(dtype=float)))
        u = self._to_internal(theta)
        se_u = se / self._dtheta_du(u)
        zq = float(norm.ppf(1.0 - alpha / 2.0))
        lower = self._to_natural(u - zq * se_u)
        upper = self._to_natural(u + zq * se_u)
        return pd.DataFrame(
            {"estimate": theta, "std_error": se, "lower": lower, "upper": upper},
            index=pd.Index(list(self._param_names), name="parameter"),
        )

    # ------------------------------------------------------------------ I/O
    def to_dict(self) -> dict[str, Any]:
        """Describe the fitted model as a JSON-serialisable dictionary.

        Returns
        -------
        dict
            Keys ``model`` (class name), ``name``, ``params``, ``loglik``, ``n_customers``,
            ``fit_info``, ``cov`` (nested list, ``None`` for undefined entries) and
            ``hyperparameters``. :meth:`from_dict` reverses it.

        Examples
        --------
        >>> import json
        >>> from custvalue import BetaGeoModel
        >>> truth = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model = BetaGeoModel().fit(truth.sample(500, tenure=39.0, random_state=2))
        >>> again = BetaGeoModel.from_dict(json.loads(json.dumps(model.to_dict())))
        >>> again.params_ == model.params_
        True
        """
        self._require_fitted("to_dict")
        cov = None
        if self.cov_ is not None:
            cov = [[_plain(float(v)) for v in row] for row in self.cov_.to_numpy(dtype=float)]
        return {
            "model": type(self).__name__,
            "name": self._model_name,
            "params": {k: float(v) for k, v in self.params_.items()},
            "loglik": _plain(self.loglik_),
            "n_customers": _plain(self.n_customers_),
            "fit_info": {k: _plain(v) for k, v in self.fit_info_.items()},
            "cov": cov,
            "hyperparameters": {k: _plain(v) for k, v in self.get_params().items()},
        }

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """Build a model with known parameters, ready for prediction (no likelihood, no errors).

        Parameters
        ----------
        **params : float
            Exactly the model's parameters, by name.

        Returns
        -------
        model
            ``params_`` set; ``cov_``, ``loglik_`` and ``n_customers_`` are None.

        Examples
        --------
        >>> from custvalue import BetaGeoModel
        >>> BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426).params_["r"]
        0.243
        """
        checked = cls._check_params(params, f"{cls.__name__}.from_params")
        model = cls()
        model.params_ = checked
        model.cov_ = None
        model.loglik_ = None
        model.n_customers_ = None
        model.fit_info_ = {"optimizer": None, "source": "from_params"}
        return model

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a model from :meth:`to_dict` output (e.g. after ``json.loads``).

        Parameters
        ----------
        data : mapping
            The dictionary :meth:`to_dict` returned.

        Returns
        -------
        model
            The fitted model, hyperparameters included.

        Raises
        ------
        ValueError
            When the dictionary describes another model class or invalid values.
        """
        if data.get("model") != cls.__name__:
            raise ValueError(
                f"{cls.__name__}.from_dict: the dictionary describes {data.get('model')!r}"
            )
        hyper = dict(data.get("hyperparameters") or {})
        model = cls(**hyper)
        model._check_hyperparameters()
        model.params_ = cls._check_params(data["params"], f"{cls.__name__}.from_dict")
        cov = data.get("cov")
        names = list(cls._param_names)
        model.cov_ = (
            None
            if cov is None
            else pd.DataFrame(
                np.array([[np.nan if v is None else v for v in row] for row in cov], dtype=float),
                index=names,
                columns=names,
            )
        )
        model.loglik_ = data.get("loglik")
        model.n_customers_ = data.get("n_customers")
        model.fit_info_ = dict(data.get("fit_info") or {})
        return model

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
