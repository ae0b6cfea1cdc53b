"""Shared estimator plumbing for the CLV models.

Everything a model class needs except its formulas lives here: hyperparameter checks, input
validation, compression of identical customers into counts, the optimiser loop (BFGS in
log-parameter space with analytic gradients, then guarded Newton polishing; or, for models
whose math provides the exact Hessian as ``weighted_loglik_grad_hess(*params, *columns,
counts) -> (ll, grad, hess, grad outer products)``, summed over rows, Newton iterations with
it), standard errors from the Hessian, convergence reporting, parameter tables, JSON
round-trips and the prediction wrappers that turn pandas tables into arrays and arrays back
into named Series.

How to add a model
------------------
1. Write ``clv/_math/<model>.py`` (no pandas) with, at least,
   ``loglik_grad(*params, *columns) -> (ll (n,), grad (n, k))`` where ``grad`` holds the
   derivatives of each customer's log-likelihood w.r.t. the natural parameters, in the order of
   ``_param_names``. A purchase model also provides ``prob_alive``, ``expected_purchases``,
   ``expected_purchases_new``, ``prob_no_purchase``, ``purchase_pmf``, ``purchase_pmf_new``
   and ``sample`` with the signatures used by :class:`_PurchaseModel` (``(*params, x, t_x,
   T[, n][, t])``; ``sample(*params, T, rng) -> (x, t_x)``). When the conditional
   expectation factorises as P(alive) times a curve of (x, T, t), also provide
   ``expected_purchases_alive(*params, x, T, t)`` (see :meth:`_PurchaseModel._alive_curve`).
2. Subclass :class:`_PurchaseModel` (transaction models) or :class:`_BaseModel` and set the
   class attributes:

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

import logging
import math
import types
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.stats import norm

from .._schema import CUSTOMER_ID, N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import Checks, check_scalar, customer_arrays
from ..exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    InsufficientDataError,
    NotFittedError,
)

__all__ = ["_BaseModel", "_PurchaseModel"]

logger = logging.getLogger(__name__)

Array = NDArray[np.float64]

_U_BOUND = 45.0  # |log(theta - lower)| beyond this means the parameter ran to 0 or infinity
_RUNAWAY = 18.0
_HESS_REUSE = 1e-5
_WARM_MIN_ROWS = 50_000  # distinct rows above which the fit is warm-started from a subset
_WARM_ROWS = 10_000  # about this many distinct rows in the subset
_MIN_CUSTOMERS = 10
_NEWTON_SUB_FACTOR = 8  # each warm-start subset of the exact-Hessian path has 1/8 of the rows
_NEWTON_SUB_MIN = 500  # ... and at least this many


def _compress(cols: tuple[Array, ...], weights: Array) -> tuple[tuple[Array, ...], Array]:
    """Collapse identical rows of the columns into distinct rows with summed weights.

    The distinct rows come back in lexicographic order whatever the input order, so shuffling
    the input changes nothing (weights are summed with ``bincount``; integer weights sum
    exactly). Each column is hashed to sorted integer codes (``pandas.factorize``), the codes
    are combined into one exact mixed-radix int64 key and the keys are sorted; a
    lexicographic sort of the rows is the fallback when the key would overflow.
    """
    n = weights.shape[0]
    if n == 0:
        return cols, weights
    codes: list[NDArray[np.int64]] = []
    uniques: list[Array] = []
    for c in cols:
        top = float(c.max())
        if c.min() >= 0 and top < 2**20 and np.array_equal(c, np.floor(c)):
            # small whole numbers (counts): their value is their code
            codes.append(c.astype(np.int64))
            uniques.append(np.arange(int(top) + 1, dtype=np.float64))
            continue
        code, uniq = pd.factorize(c, sort=True)
        codes.append(np.asarray(code, dtype=np.int64))
        uniques.append(np.asarray(uniq, dtype=np.float64))
    sizes = [u.shape[0] for u in uniques]
    if math.prod(sizes) >= 2**62:
        order = np.lexsort(cols[::-1])
        sorted_cols = tuple(c[order] for c in cols)
        new = np.ones(n, dtype=bool)
        same = np.ones(n - 1, dtype=bool)
        for c in sorted_cols:
            same &= c[1:] == c[:-1]
        new[1:] = ~same
        starts = np.flatnonzero(new)
        counts = np.add.reduceat(weights[order], starts)
        return tuple(c[starts] for c in sorted_cols), counts
    key = codes[0]
    for code, size in zip(codes[1:], sizes[1:], strict=True):
        key = key * size + code
    if np.all(weights == 1.0):
        # unit weights (the usual case): a plain sort of the keys gives groups and counts
        sorted_key = np.sort(key)
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        keys = sorted_key[starts]
        counts = np.diff(np.r_[starts, n]).astype(np.float64)
    else:
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        keys = sorted_key[starts]
        counts = np.add.reduceat(weights[order], starts)
    out: list[Array] = []
    for uniq, size in zip(uniques[::-1], sizes[::-1], strict=True):
        out.append(uniq[keys % size])
        keys = keys // size
    return tuple(out[::-1]), np.asarray(counts, dtype=np.float64)


def _distinct_rows(cols: tuple[Array, ...]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Index of the first occurrence of each distinct row of the columns, and for every row
    the position of its distinct row among them (hash-based, no sort)."""
    n = cols[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for c in cols:
        code, uniq = pd.factorize(c)
        k = max(len(uniq), 1)
        if size * k >= 2**62:  # the combined key would overflow: every row on its own
            idx = np.arange(n, dtype=np.intp)
            return idx, idx
        key = key * k + code
        size *= k
    inverse, uniq_keys = pd.factorize(key)
    first = np.empty(len(uniq_keys), dtype=np.intp)
    first[inverse[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    return first, np.asarray(inverse, dtype=np.intp)


def _plain(value: Any) -> Any:
    """JSON-friendly version of a value (NumPy scalars to Python, NaN to None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _BaseModel:
    """Maximum-likelihood plumbing shared by every CLV model (see the module docstring)."""

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
        initial_params: Mapping[str, float] | None = None,
    ) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol
        self.initial_params = None if initial_params is None else dict(initial_params)
        self._check_hyperparameters()

    # ------------------------------------------------------------------ hyperparameters
    def _check_hyperparameters(self) -> None:
        cls = type(self).__name__
        check_scalar(f"{cls}: penalizer", self.penalizer, minimum=0.0)
        check_scalar(f"{cls}: max_iter", self.max_iter, minimum=1, integer=True)
        check_scalar(f"{cls}: tol", self.tol, minimum=0.0, strict=True)
        if self.initial_params is not None:
            self._check_params(self.initial_params, f"{cls}: initial_params")

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

    def get_params(self) -> dict[str, Any]:
        """Return the constructor's hyperparameters.

        Returns
        -------
        dict
            ``penalizer``, ``max_iter``, ``tol`` and ``initial_params``.
        """
        return {
            "penalizer": self.penalizer,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "initial_params": self.initial_params,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

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
    def _validate(self, table: pd.DataFrame, what: str) -> tuple[Array, ...]:
        """Validated data columns (float arrays) in the order of ``_columns``."""
        arrays = customer_arrays(table, what, self._columns)
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

    def _prepare(self, cols: tuple[Array, ...], counts: Array) -> Any:
        """Precompute what the likelihood needs from the compressed data (once per fit).

        Uses the math module's ``prepare(*columns, counts)`` when it has one.
        """
        if hasattr(self._math, "weighted_loglik_grad") and hasattr(self._math, "prepare"):
            return self._math.prepare(*cols, counts)
        return cols, counts

    def _weighted_loglik_grad(self, theta: Array, prepared: Any) -> tuple[float, Array]:
        """``(sum_i c_i ll_i, sum_i c_i grad_i)`` in natural parameters.

        Uses the math module's aggregated ``weighted_loglik_grad(*params, prepared)`` when it
        has one, else its per-row ``loglik_grad``.
        """
        params = (float(v) for v in theta)
        if hasattr(self._math, "weighted_loglik_grad") and hasattr(self._math, "prepare"):
            ll, grad = self._math.weighted_loglik_grad(*params, prepared)
            return float(ll), np.asarray(grad, dtype=np.float64)
        cols, counts = prepared
        ll_rows, grad_rows = self._math.loglik_grad(*params, *cols)
        return float(np.einsum("i,i->", counts, ll_rows)), np.asarray(
            np.einsum("i,ij->j", counts, grad_rows), dtype=np.float64
        )

    def _has_hessian(self) -> bool:
        """Whether the math module provides the exact Hessian (``weighted_loglik_grad_hess``)."""
        return hasattr(self._math, "weighted_loglik_grad_hess")

    def _u_objective_hess(self, cols: tuple[Array, ...], counts: Array, total: float) -> Any:
        """Like ``_u_objective`` but also the exact Hessian and the BHHH matrix in u.

        It reads the compressed columns and counts directly (not ``_prepare``'s output).
        The math module's ``weighted_loglik_grad_hess(*params, *columns, counts)`` returns
        ``sum c ll``, ``sum c grad``, ``sum c hess`` and ``sum c grad grad^T`` in natural
        parameters; with theta = lower + exp(u) the Hessian in u is
        ``J H J + diag(g * exp(u))``, ``J = diag(exp(u))``. Both matrices are those of the
        minimised objective (mean negative log-likelihood plus penalty).
        """
        pen = float(self.penalizer)
        shape = np.array([n in self._shape_params for n in self._param_names])

        def fun(u: Array) -> tuple[float, Array, Array, Array]:
            k = u.shape[0]
            bad = (1e300, np.zeros(k), np.full((k, k), np.nan), np.full((k, k), np.nan))
            if not np.all(np.abs(u) <= _U_BOUND):
                return bad
            with np.errstate(all="ignore"):
                theta = self._to_natural(u)
                ll, g, h, opg = self._math.weighted_loglik_grad_hess(
                    *(float(v) for v in theta), *cols, counts
                )
                jac = self._dtheta_du(u)
                f = -float(ll) / total
                gu = -np.asarray(g) * jac / total
                hu = -np.asarray(h) * np.outer(jac, jac) / total + np.diag(gu)
                bu = np.asarray(opg) * np.outer(jac, jac) / total
                if pen:
                    f += pen * float(np.sum(u[shape] ** 2))
                    gu = gu + np.where(shape, 2.0 * pen * u, 0.0)
                    extra = np.diag(np.where(shape, 2.0 * pen, 0.0))
                    hu = hu + extra
                    bu = bu + extra
            if not (
                math.isfinite(f)
                and np.all(np.isfinite(gu))
                and np.all(np.isfinite(hu))
                and np.all(np.isfinite(bu))
            ):
                return bad
            return f, gu, hu, bu

        return fun

    def _newton_start(
        self, cols: tuple[Array, ...], counts: Array, u0: Array
    ) -> tuple[Array, int] | None:
        """Start values for the exact-Hessian Newton path on many distinct rows: the
        optimum on a deterministic subset of them (``(u, rows)``), or None.

        The subset has about 1 / ``_NEWTON_SUB_FACTOR`` of the rows (``k`` = that factor):
        rows with a count of at least ``k`` times the median are all kept; of the others
        every ``k``-th (in
        their sorted order: no randomness) is kept with its count times ``k``, so that the
        subset's mean log-likelihood estimates the full one. The subset is itself fitted
        from a smaller subset while it has at least ``_NEWTON_SUB_MIN`` rows, so the
        iterations far from the optimum run on few rows; Newton on the full data then needs
        three or four evaluations.
        """
        k = _NEWTON_SUB_FACTOR
        n = counts.shape[0]
        if n // k < _NEWTON_SUB_MIN:
            return None
        heavy = counts >= k * float(np.median(counts))
        light = np.flatnonzero(~heavy)[::k]
        idx = np.sort(np.concatenate([np.flatnonzero(heavy), light]))
        if idx.shape[0] > n // 2:
            return None
        sub_counts = np.where(heavy[idx], counts[idx], counts[idx] * k)
        sub_cols = tuple(c[idx] for c in cols)
        inner = self._newton_start(sub_cols, sub_counts, u0)
        sub_fun = self._u_objective_hess(sub_cols, sub_counts, float(sub_counts.sum()))
        # the subset optimum is a start: its sampling error (gradient ~1e-3 on the full data)
        # dwarfs 1e-4
        res = self._newton(sub_fun, u0 if inner is None else inner[0], gtol=1e-4)
        if res is None or not bool(np.all(np.abs(res[0]) < _U_BOUND - 1.0)):
            return None
        return res[0], int(idx.shape[0])

    def _newton(
        self, fun: Any, u: Array, gtol: float | None = None
    ) -> tuple[Array, Array, Array, int, int, float] | None:
        """Line-searched Newton iterations with the exact Hessian (the BHHH matrix where the
        Hessian is not positive definite, e.g. far from the optimum).

        Returns ``(u, gradient, Hessian at u, iterations, evaluations, objective)`` once the
        gradient
        norm is at most ``tol * 1e-3`` (or at most ``tol`` when rounding stops progress), or
        None (the caller falls back to BFGS) when it is not reached within ``max_iter``.
        """
        tol = float(self.tol)
        target = tol * 1e-3 if gtol is None else gtol
        f, g, h, b = fun(u)
        n_fev = 1
        if f >= 1e300:
            return None
        for it in range(int(self.max_iter)):
            gn = float(np.max(np.abs(g)))
            if gn <= target:
                return u, g, h, it, n_fev, f
            try:
                chol = np.linalg.cholesky(h)
            except np.linalg.LinAlgError:
                try:
                    chol = np.linalg.cholesky(b)
                except np.linalg.LinAlgError:
                    return None
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            big = float(np.max(np.abs(step)))
            if big > 2.0:  # at most a factor e**2 per parameter per step
                step *= 2.0 / big
            slope = float(g @ step)
            lam = 1.0
            for _ in range(30):
                u_new = u + lam * step
                f_new, g_new, h_new, b_new = fun(u_new)
                n_fev += 1
                if f_new < 1e300 and (
                    f_new <= f + 1e-4 * lam * slope or (gn <= tol and f_new <= f + 1e-14 * abs(f))
                ):
                    break
                lam *= 0.5
            else:
                return (u, g, h, it, n_fev, f) if gn <= tol else None
            u, f, g, h, b = u_new, f_new, g_new, h_new, b_new
        return None

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

    def _objective(self, theta: Array, prepared: Any, total: float) -> tuple[float, Array, float]:
        """(mean negative loglik, its gradient in natural params, weighted loglik)."""
        loglik, grad = self._weighted_loglik_grad(theta, prepared)
        return -loglik / total, np.asarray(-grad / total, dtype=np.float64), loglik

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
        self._check_hyperparameters()
        what = f"{type(self).__name__}.fit"
        cols = self._validate(table, what)
        w = self._weights(weights, table, what)
        keep = w > 0
        if not np.all(keep):
            cols = tuple(c[keep] for c in cols)
            w = w[keep]
        cols, counts = _compress(cols, w)
        self._check_identifiable(cols, counts)
        total = float(counts.sum())
        prepared = self._prepare(cols, counts)
        fun = self._u_objective(prepared, total)
        fun_hess = self._u_objective_hess(cols, counts, total) if self._has_hessian() else None
        u, info, hess = self._optimise(fun, cols, counts, fun_hess)
        theta = self._to_natural(u)
        loglik = info.get("loglik")
        if loglik is None:
            with np.errstate(all="ignore"):
                _, _, loglik = self._objective(theta, prepared, total)
        cov = self._covariance(fun, u, total, hess)
        self.params_ = {n: float(v) for n, v in zip(self._param_names, theta, strict=True)}
        self.cov_ = pd.DataFrame(
            cov, index=list(self._param_names), columns=list(self._param_names)
        )
        self.loglik_ = loglik
        self.n_customers_ = int(total) if float(total).is_integer() else total
        info["loglik"] = loglik
        info["n_distinct"] = int(counts.shape[0])
        self.fit_info_ = info
        logger.debug("%s fit: %s", self._model_name, info)
        return self

    def _u_objective(self, prepared: Any, total: float) -> Any:
        pen = float(self.penalizer)
        shape = np.array([n in self._shape_params for n in self._param_names])

        def fun(u: Array) -> tuple[float, Array]:
            # The optimiser may probe far-out parameters; over/underflow there is handled by
            # the non-finite checks below, so it must not surface as warnings. Beyond
            # |u| = _U_BOUND (theta ~ 1e-20 or 3e19) the objective counts as non-finite.
            if not np.all(np.abs(u) <= _U_BOUND):
                return 1e300, np.zeros_like(u)
            with np.errstate(all="ignore"):
                theta = self._to_natural(u)
                f, g, _ = self._objective(theta, prepared, total)
                gu = g * self._dtheta_du(u)
                if pen:
                    f += pen * float(np.sum(u[shape] ** 2))
                    gu = gu + np.where(shape, 2.0 * pen * u, 0.0)
            if not (math.isfinite(f) and np.all(np.isfinite(gu))):
                return 1e300, np.zeros_like(u)
            return f, gu

        return fun

    def _warm_start(
        self, u0: Array, cols: tuple[Array, ...], counts: Array, bounds: list[tuple[float, float]]
    ) -> tuple[Array, Array, int, int] | None:
        """Start values and a Hessian from a fit on a deterministic subset of distinct rows.

        Every ``k``-th distinct row (in their sorted order: no randomness) locates the optimum
        to a few percent, at a fraction of the cost. Returns ``(u, Hessian, iterations, rows)``
        or None unless the subset fit ends finite, inside the bounds, with a positive-definite
        Hessian and within ``max_iter``.
        """
        n = counts.shape[0]
        idx = np.arange(0, n, n // _WARM_ROWS)
        sub_cols = tuple(c[idx] for c in cols)
        sub_counts = counts[idx]
        sub_fun = self._u_objective(self._prepare(sub_cols, sub_counts), float(sub_counts.sum()))
        res = minimize(
            sub_fun,
            u0,
            jac=True,
            method="BFGS",
            options={"maxiter": int(self.max_iter), "gtol": 1e-6, "norm": np.inf},
        )
        u = np.asarray(res.x, dtype=np.float64)
        if not (
            res.status == 0
            and math.isfinite(float(res.fun))
            and float(res.fun) < 1e300
            and bool(np.all(np.abs(u) < _U_BOUND - 1.0))
            and int(res.nit) < int(self.max_iter)
        ):
            return None
        hess = self._hessian(sub_fun, u)
        if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess)[0] <= 0:
            return None
        return u, hess, int(res.nit), int(idx.shape[0])

    def _fixed_newton(self, fun: Any, u: Array, hess: Array) -> tuple[Array, Array, int, int]:
        """Newton iterations with a fixed Hessian (from the subset), guarded by descent.

        Returns ``(u, gradient, iterations, evaluations)``; stops at tol or when a step
        fails to decrease the objective or the gradient stops shrinking.
        """
        chol = np.linalg.cholesky(hess)
        f, g = fun(u)
        fev = 1
        it = 0
        for it in range(1, 16):
            gn = float(np.max(np.abs(g)))
            if gn <= float(self.tol) or not math.isfinite(f) or f >= 1e300:
                return u, g, it - 1, fev
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            lam = 1.0
            for _ in range(8):
                u_new = np.clip(u + lam * step, -_U_BOUND, _U_BOUND)
                f_new, g_new = fun(u_new)
                fev += 1
                if f_new <= f + 1e-14 * abs(f):
                    break
                lam *= 0.5
            else:
                return u, g, it, fev
            if float(np.max(np.abs(g_new))) > 0.7 * gn:
                return u_new, g_new, it, fev
            u, f, g = u_new, f_new, g_new
        return u, g, it, fev

    def _hessian(self, fun: Any, u: Array, g0: Array | None = None) -> Array:
        """Finite differences of the analytic gradient, symmetrised.

        Central differences (step 1e-4, error ~1e-8 relative) by default; forward differences
        from the known gradient ``g0`` (step 1e-5, error ~1e-5 relative, half the
        evaluations) when the data are large.
        """
        k = u.shape[0]
        h = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            if g0 is None:
                e[j] = 1e-4
                h[:, j] = (fun(u + e)[1] - fun(u - e)[1]) / 2e-4
            else:
                e[j] = 1e-5
                h[:, j] = (fun(u + e)[1] - g0) / 1e-5
        return np.asarray(0.5 * (h + h.T))

    def _fail(self, message: str, cause: str, n_iter: int, grad_norm: float) -> ConvergenceError:
        return ConvergenceError(
            f"{self._model_name} ({type(self).__name__}) did not converge: optimiser BFGS "
            f"reported {message!r} after {n_iter} iteration(s), gradient norm {grad_norm:.3g}. "
            f"Likely cause: {cause}"
        )

    def _optimise(
        self, fun: Any, cols: tuple[Array, ...], counts: Array, fun_hess: Any = None
    ) -> tuple[Array, dict[str, Any], Array | None]:
        """Minimise ``fun`` over u; return u, fit_info and, when it is still valid at the
        returned u (last Newton step below 1e-5 in u), the Hessian of the last Newton step.

        Small data: BFGS, then Newton steps with the finite-difference Hessian of the
        analytic gradient. Many distinct rows: a fit on a deterministic subset of them gives
        start values and a Hessian; Newton iterations on the full data with that fixed
        Hessian converge linearly in a few evaluations (BFGS takes over if they do not),
        then the same Newton polishing. Models whose math provides the exact Hessian
        (``fun_hess``) go straight to Newton iterations with it (about 10 evaluations);
        if those do not converge, the path above runs from the same start.
        """
        if self.initial_params is not None:
            theta0 = np.array([self.initial_params[n] for n in self._param_names], dtype=float)
        else:
            theta0 = self._initial_params(cols, counts)
        u0 = self._to_internal(theta0)
        bounds = [(-_U_BOUND, _U_BOUND)] * len(u0)
        large = counts.shape[0] > _WARM_MIN_ROWS
        n_iter = n_fev = status = warm_rows = 0
        optimizer = "BFGS + Newton"
        message = ""
        u: Array | None = None
        if fun_hess is not None:
            start = self._newton_start(cols, counts, u0)
            newton = None if start is None else self._newton(fun_hess, start[0])
            if newton is None:
                start = None
                newton = self._newton(fun_hess, u0)
            if newton is not None:
                u_n, g_n, h_n, it_n, fev_n, f_n = newton
                out = self._finish(
                    fun,
                    u_n,
                    cols,
                    counts,
                    "Newton (exact Hessian)",
                    "converged: Newton iterations with the exact Hessian",
                    0,
                    it_n,
                    fev_n,
                    it_n,
                    float(np.max(np.abs(g_n))),
                    0 if start is None else start[1],
                    h_n,
                )
                # the weighted log-likelihood from the last evaluation (penalty removed)
                shape = np.array([n in self._shape_params for n in self._param_names])
                pen = float(self.penalizer) * float(np.sum(u_n[shape] ** 2))
                out[1]["loglik"] = -(f_n - pen) * float(counts.sum())
                return out
        if large:
            warm = self._warm_start(u0, cols, counts, bounds)
            if warm is not None:
                u_w, h_w, it_w, warm_rows = warm
                u_f, g_f, it_f, fev_f = self._fixed_newton(fun, u_w, h_w)
                n_iter += it_w + it_f
                n_fev += fev_f
                if float(np.max(np.abs(g_f))) <= float(self.tol):
                    u = u_f
                    optimizer = "BFGS on a subset + Newton"
                    message = "converged: Newton iterations with the subset's Hessian"
                else:
                    u0 = u_f
        if u is None:
            res = minimize(
                fun,
                u0,
                jac=True,
                method="BFGS",
                options={
                    "maxiter": max(int(self.max_iter) - n_iter, 1),
                    # BFGS stops at tol; the Newton steps below polish to ~tol * 1e-3 (asking
                    # BFGS for that wastes line searches at the rounding-noise floor)
                    "gtol": float(self.tol),
                    "norm": np.inf,
                },
            )
            u = np.asarray(res.x, dtype=np.float64)
            n_iter += int(res.nit)
            n_fev += int(res.nfev)
            status = int(res.status)
            message = str(res.message)
            f, g = fun(u)
            grad_norm = float(np.max(np.abs(g)))
            if f >= 1e300 or not math.isfinite(f):
                raise self._fail(
                    message,
                    "the log-likelihood is not finite at the parameters reached; check the "
                    "data for extreme values (it is not a matter of adding a penalizer)",
                    n_iter,
                    grad_norm,
                )
            if res.status == 1 or n_iter >= int(self.max_iter):  # BFGS: 1 = maxiter reached
                raise self._fail(
                    message,
                    f"the iteration limit max_iter={self.max_iter} was reached; raise max_iter",
                    n_iter,
                    grad_norm,
                )
        f, g = fun(u)
        n_fev += 1
        grad_norm = float(np.max(np.abs(g)))
        # Newton polishing with the finite-difference Hessian of the analytic gradient.
        n_newton = 0
        last_hess: Array | None = None
        last_step = np.inf
        for _ in range(30):
            if grad_norm <= float(self.tol) * 1e-3:
                break
            hess = self._hessian(fun, u, g if large else None)
            n_fev += 2 * len(u) if not large else len(u)
            last_hess, last_step = hess, np.inf
            try:
                chol = np.linalg.cholesky(hess)
            except np.linalg.LinAlgError:
                break
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            accepted = False
            lam = 1.0
            for _ in range(20):
                u_new = np.clip(u + lam * step, -_U_BOUND, _U_BOUND)
                f_new, g_new = fun(u_new)
                n_fev += 1
                if f_new <= f + 1e-14 * abs(f) and np.max(np.abs(g_new)) < grad_norm * 2:
                    accepted = True
                    break
                lam *= 0.5
            if not accepted:
                break
            n_newton += 1
            last_step = float(np.max(np.abs(u_new - u)))
            u, f, g = u_new, f_new, g_new
            grad_norm = float(np.max(np.abs(g)))
        return self._finish(
            fun,
            u,
            cols,
            counts,
            optimizer,
            message,
            status,
            n_iter,
            n_fev,
            n_newton,
            grad_norm,
            warm_rows,
            last_hess if last_step < _HESS_REUSE else None,
        )

    def _finish(
        self,
        fun: Any,
        u: Array,
        cols: tuple[Array, ...],
        counts: Array,
        optimizer: str,
        message: str,
        status: int,
        n_iter: int,
        n_fev: int,
        n_newton: int,
        grad_norm: float,
        warm_rows: int,
        hess: Array | None,
    ) -> tuple[Array, dict[str, Any], Array | None]:
        """Check the optimum reached (no runaway parameter, gradient within tol) and
        build ``fit_info_``; raise ConvergenceError otherwise."""
        # a parameter more than e**18 (~7e7) times its data-scaled start value (1 for the
        # unit-free ones) has run away to 0 or infinity: the likelihood has no interior maximum
        u_ref = self._to_internal(self._initial_params(cols, counts))
        at_bound = (np.abs(u) >= _U_BOUND - 1e-6) | (np.abs(u - u_ref) > _RUNAWAY)
        if np.any(at_bound):
            names = [n for n, b in zip(self._param_names, at_bound, strict=True) if b]
            raise self._fail(
                message,
                f"parameter(s) {names} ran to 0 or infinity: the data do not identify the "
                "model; try a penalizer > 0 (e.g. 0.01) or more customers",
                n_iter,
                grad_norm,
            )
        if grad_norm > float(self.tol):
            raise self._fail(message, self._flat_cause(fun, u, u_ref, grad_norm), n_iter, grad_norm)
        info: dict[str, Any] = {
            "optimizer": optimizer,
            "status": status,
            "success": True,
            "message": message,
            "n_iter": n_iter,
            "n_fev": n_fev,
            "n_newton": n_newton,
            "grad_norm": grad_norm,
            "warm_start_rows": warm_rows,
        }
        return u, info, hess

    def _flat_cause(self, fun: Any, u: Array, u_ref: Array, grad_norm: float) -> str:
        """Explain a stop short of tol: name the parameters along the flattest direction."""
        theta = self._to_natural(u)
        where = ", ".join(f"{n}={v:.4g}" for n, v in zip(self._param_names, theta, strict=True))
        drifting = [n for n, d in zip(self._param_names, np.abs(u - u_ref), strict=True) if d > 7.0]
        if drifting:
            return (
                f"parameter(s) {drifting} are drifting towards 0 or infinity (reached {where}): "
                "the data do not identify the model; try a penalizer > 0 (e.g. 0.01) or more "
                "customers"
            )
        hess = self._hessian(fun, u)
        if np.all(np.isfinite(hess)):
            eigval, eigvec = np.linalg.eigh(hess)
            if eigval[0] < 1e-4 * max(abs(eigval[-1]), 1e-300):
                names = [
                    n for n, c in zip(self._param_names, eigvec[:, 0], strict=True) if abs(c) > 0.3
                ]
                return (
                    f"the likelihood is flat along a combination of {names} (reached {where}): "
                    "the data do not identify the model (typically parameters drifting to "
                    "infinity together); try a penalizer > 0 (e.g. 0.01) or more customers"
                )
        return (
            f"the gradient norm {grad_norm:.3g} exceeds tol={self.tol} at {where}: the "
            "likelihood is ill-conditioned near the optimum; try a penalizer > 0 or check "
            "the data"
        )

    def _covariance(self, fun: Any, u: Array, total: float, hess_u: Array | None) -> Array:
        """Delta-method covariance of the natural parameters from the Hessian in u-space.

        The Hessian (central differences of the analytic gradient, or the last Newton step's
        when that step was below 1e-5 in u, which changes it by ~1e-5 relative) is that of the objective actually minimised (penalty
        included), times ``sum(weights)``; NaN with a ConvergenceWarning when it is singular
        or not positive definite.
        """
        import warnings

        if hess_u is None:
            hess_u = self._hessian(fun, u)
        hess = hess_u * total
        k = u.shape[0]
        ok = bool(np.all(np.isfinite(hess)))
        if ok:
            eig = np.linalg.eigvalsh(hess)
            ok = bool(eig[0] > 1e-10 * max(eig[-1], 1e-300))
        if not ok:
            warnings.warn(
                f"{self._model_name}: the Hessian of the log-likelihood is singular or not "
                "positive definite at the estimate; standard errors are set to NaN "
                "(the data barely identify some parameter; consider a penalizer)",
                ConvergenceWarning,
                stacklevel=3,
            )
            return np.full((k, k), np.nan)
        cov_u = np.linalg.inv(hess)
        jac = self._dtheta_du(u)
        return np.asarray(cov_u * np.outer(jac, jac))

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

    def param_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors and ``1 - alpha`` confidence intervals.

        Intervals are Wald intervals on the optimiser's scale ``log(theta - lower)`` mapped
        back (so they stay inside the parameter's range and are asymmetric); standard errors
        are on the natural scale (delta method). Both are NaN when the Hessian was singular
        or the model came from :meth:`from_params`.

        Parameters
        ----------
        alpha : float
            Error level, 0 < alpha < 1.

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
        """A JSON-serialisable description of the fitted model.

        Keys: ``model`` (class name), ``name``, ``params``, ``loglik``, ``n_customers``,
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
        """A model with known parameters, ready for prediction (no likelihood, no errors).

        Parameters
        ----------
        **params : float
            Exactly the model's parameters, by name.

        Returns
        -------
        model
            ``params_`` set; ``cov_``, ``loglik_`` and ``n_customers_`` are None.
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
        """Rebuild a model from :meth:`to_dict` output (e.g. after ``json.loads``)."""
        if data.get("model") != cls.__name__:
            raise ValueError(
                f"{cls.__name__}.from_dict: the dictionary describes {data.get('model')!r}"
            )
        hyper = dict(data.get("hyperparameters") or {})
        model = cls(**hyper)
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
    def _horizon(t: Any, name: str = "t") -> float:
        return check_scalar(name, t, minimum=0.0)

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


class _PurchaseModel(_BaseModel):
    """Base of the transaction (buy-'til-you-die) models: data (n_repeat, purchase_span, tenure)."""

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

    def _per_row(self, fn: Any, cols: tuple[Array, ...], *extra: float) -> Array:
        """``fn(*params, *cols, *extra)`` per row; with ``_distinct_predictions``, computed
        once per distinct row of ``cols`` and expanded back (for models whose per-row cost
        is high, like Pareto/NBD's quadrature). The values are elementwise functions of the
        row, so this changes nothing but the time."""
        theta = self._theta()
        if not self._distinct_predictions or cols[0].shape[0] < 2:
            return np.asarray(fn(*theta, *cols, *extra), dtype=np.float64)
        first, inverse = _distinct_rows(cols)
        if first.shape[0] > 0.8 * cols[0].shape[0]:  # too few repeats to pay for the gather
            return np.asarray(fn(*theta, *cols, *extra), dtype=np.float64)
        vals = np.asarray(fn(*theta, *(c[first] for c in cols), *extra), dtype=np.float64)
        return np.asarray(vals[inverse])

    def _table_arrays(self, table: pd.DataFrame, method: str) -> tuple[Array, ...]:
        self._require_fitted(method)
        return self._validate(table, f"{type(self).__name__}.{method}")

    @staticmethod
    def _series(values: Array, table: pd.DataFrame, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=np.float64), index=table.index, name=name)

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
        >>> import pandas as pd
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> table = pd.DataFrame(
        ...     {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        ...     index=pd.Index([1, 2], name="customer_id"),
        ... )
        >>> bg.prob_alive(table).round(4)
        customer_id
        1    0.7266
        2    0.9688
        Name: prob_alive, dtype: float64
        """
        cols = self._table_arrays(table, "prob_alive")
        return self._series(self._per_row(self._math.prob_alive, cols), table, "prob_alive")

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
        >>> import pandas as pd
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> table = pd.DataFrame(
        ...     {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        ...     index=pd.Index([1, 2], name="customer_id"),
        ... )
        >>> bg.expected_purchases(table, t=52).round(3)
        customer_id
        1     1.559
        2    25.756
        Name: expected_purchases, dtype: float64
        """
        cols = self._table_arrays(table, "expected_purchases")
        h = self._horizon(t)
        vals = self._per_row(self._math.expected_purchases, cols, h)
        return self._series(vals, table, "expected_purchases")

    def _alive_curve(self, x: ArrayLike, T: ArrayLike, t: ArrayLike) -> Array | None:
        """The factorised conditional expectation, for models that have one (else None).

        In the buy-'til-you-die models ``t_x`` enters the likelihood only through the
        "dropped out before T" branch, so ``E[Y(t) | x, t_x, T] = P(alive at T | x, t_x, T)
        * g(x, T, t)``, where ``g`` is the expected number of purchases in (T, T + t] of a
        customer known to be alive at T. A model opts in by giving its math module
        ``expected_purchases_alive(*params, x, T, t)`` (BG/NBD, MBG/NBD, Pareto/NBD and
        BG/BB do); :func:`custvalue.customer_lifetime_value` then evaluates ``g`` once per
        distinct (n_repeat, tenure) and scales it by each customer's :meth:`prob_alive`.

        Parameters
        ----------
        x, T : array-like, shape (n,)
            ``n_repeat`` and ``tenure`` (validated by the caller, e.g. via :meth:`prob_alive`).
        t : array-like, shape (k,)
            Horizons, checked as in :meth:`expected_purchases_new`.

        Returns
        -------
        numpy.ndarray of shape (n, k), or None
            ``g`` for every (x, T) row and horizon; None when the model does not factorise.
        """
        curve = getattr(self._math, "expected_purchases_alive", None)
        if curve is None:
            return None
        self._require_fitted("expected_purchases")
        h = self._horizons(t).reshape(1, -1)
        xs = np.asarray(x, dtype=np.float64).reshape(-1, 1)
        Ts = np.asarray(T, dtype=np.float64).reshape(-1, 1)
        out = np.broadcast_to(curve(*self._theta(), xs, Ts, h), (xs.shape[0], h.shape[1]))
        return np.asarray(out, dtype=np.float64)

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
        >>> import pandas as pd
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> table = pd.DataFrame(
        ...     {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        ...     index=pd.Index([1, 2], name="customer_id"),
        ... )
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
        >>> import pandas as pd
        >>> from custvalue import BetaGeoModel
        >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> table = pd.DataFrame(
        ...     {"n_repeat": [2, 26], "purchase_span": [30.43, 30.857], "tenure": [38.86, 31.0]},
        ...     index=pd.Index([1, 2], name="customer_id"),
        ... )
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

    @staticmethod
    def _horizons(t: ArrayLike) -> Array:
        arr = np.asarray(t, dtype=np.float64)
        if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError("t must be a finite number >= 0 or a 1-D array of them")
        return arr

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
