"""Parameters of the CLV models: names, ranges, the optimiser's scale, tables and JSON.

:class:`_Parametrised` is the part of the estimator shell (:mod:`custvalue.clv._base`) that
knows a model's parameters: the population parameters of the class (``_param_names``), the
covariate coefficients an instance adds (:mod:`custvalue.clv._covariates`), the optimiser's
coordinates ``u = log(theta - lower)`` (``u = theta`` for the coefficients), the parameter
table with standard errors and intervals, and the round-trips ``to_dict`` / ``from_dict`` /
``from_params``.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from .._validation import check_scalar
from ..exceptions import NotFittedError
from ._compat import keyword_shim
from ._covariates import CovariateGroup, Layout, covariate_columns, layout

__all__: list[str] = []

Array = NDArray[np.float64]

_COEF = re.compile(r"^(?P<prefix>[A-Za-z_]\w*)\[(?P<column>.+)\]$")


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


class _Parametrised:
    """Parameter bookkeeping shared by every CLV model (see the module docstring)."""

    _model_name: ClassVar[str] = ""
    _param_names: ClassVar[tuple[str, ...]] = ()
    _shape_params: ClassVar[tuple[str, ...]] = ()
    _lower: ClassVar[tuple[float, ...]] = ()
    _inclusive: ClassVar[tuple[str, ...]] = ()
    """Parameters that may equal their lower end (a boundary value the model allows)."""
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = ()
    _math: ClassVar[types.ModuleType]

    params_: dict[str, float]
    cov_: pd.DataFrame | None
    loglik_: float | None
    n_customers_: float | None
    fit_info_: dict[str, Any]

    # ------------------------------------------------------------------ names and ranges
    def _covariates_by_keyword(self) -> dict[str, list[str]]:
        return {
            g.keyword: list(getattr(self, g.keyword, None) or ()) for g in self._covariate_groups
        }

    def _layout(self) -> Layout:
        return layout(self._param_names, self._covariate_groups, self._covariates_by_keyword())

    def _has_covariates(self) -> bool:
        return any(self._covariates_by_keyword().values())

    def _covariate_columns(self) -> list[str]:
        """Return the table columns the covariates are read from (none without covariates)."""
        return list(self._layout().columns) if self._has_covariates() else []

    def _names(self) -> tuple[str, ...]:
        """Every parameter: the population parameters, then the covariate coefficients."""
        return self._layout().names if self._covariate_groups else self._param_names

    def _lows(self) -> Array:
        n_coef = len(self._names()) - len(self._param_names)
        return np.concatenate([np.asarray(self._lower, dtype=np.float64), np.zeros(n_coef)])

    def _free(self) -> NDArray[np.bool_]:
        """Return the coefficients, which range over the real line (``theta = u``)."""
        return np.arange(len(self._names())) >= len(self._param_names)

    def _to_natural(self, u: Array) -> Array:
        u = np.asarray(u, dtype=np.float64)
        free = self._free()[: u.shape[0]]
        low = self._lows()[: u.shape[0]]
        return np.asarray(np.where(free, u, low + np.exp(u)), dtype=np.float64)

    def _to_internal(self, theta: Array) -> Array:
        theta = np.asarray(theta, dtype=np.float64)
        free = self._free()[: theta.shape[0]]
        low = self._lows()[: theta.shape[0]]
        with np.errstate(divide="ignore"):  # a parameter at its (allowed) lower end: -inf
            return np.asarray(np.where(free, theta, np.log(np.maximum(theta - low, 0.0))))

    def _dtheta_du(self, u: Array) -> Array:
        u = np.asarray(u, dtype=np.float64)
        return np.asarray(np.where(self._free()[: u.shape[0]], 1.0, np.exp(u)))

    def _check_params(self, params: Mapping[str, Any], what: str) -> dict[str, float]:
        """Every parameter exactly once, each in its range; returned in parameter order."""
        names = self._names()
        given = set(params)
        if given != set(names):
            missing = [n for n in names if n not in given]
            extra = sorted(given - set(names))
            raise ValueError(
                f"{what}: expected exactly the parameters {list(names)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        out = {}
        lows = self._lows()
        free = self._free()
        for i, name in enumerate(names):
            if free[i]:
                out[name] = check_scalar(f"{what}: {name}", params[name])
                continue
            strict = name not in self._inclusive
            out[name] = check_scalar(
                f"{what}: {name}", params[name], minimum=float(lows[i]), strict=strict
            )
        return out

    def _params_for(self, covariates: Mapping[str, float] | None, method: str) -> list[float]:
        """Return population parameters at one customer's covariate values (``{column: number}``)."""
        what = f"{type(self).__name__}.{method}"
        if not self._has_covariates():
            if covariates is not None:
                raise ValueError(f"{what}: the model has no covariates; drop covariates=")
            return list(self._theta())
        columns = self._layout().columns
        if covariates is None or not isinstance(covariates, Mapping):
            raise ValueError(
                f"{what}: the model has the covariates {list(columns)}; pass "
                "covariates={column: value, ...} for the customer to predict"
            )
        missing = [c for c in columns if c not in covariates]
        if missing:
            raise ValueError(f"{what}: covariates misses {missing}")
        z = np.array([[check_scalar(f"{what}: covariates[{c!r}]", covariates[c]) for c in columns]])
        return [float(np.asarray(p).ravel()[0]) for p in self._row_params(z)]

    def _sample_params(
        self, covariates: pd.DataFrame | None, n: int, method: str
    ) -> tuple[list[Any], dict[str, Array]]:
        """Parameters per simulated customer, and the covariate columns to add to the output."""
        what = f"{type(self).__name__}.{method}"
        if not self._has_covariates():
            if covariates is not None:
                raise ValueError(f"{what}: the model has no covariates; drop covariates=")
            return list(self._theta()), {}
        columns = self._layout().columns
        if not isinstance(covariates, pd.DataFrame) or len(covariates) != n:
            raise ValueError(
                f"{what}: the model has the covariates {list(columns)}; pass covariates= "
                f"as a DataFrame with those columns and one row per customer ({n})"
            )
        Z = np.column_stack(covariate_columns(covariates, columns, what))
        params = [p if np.ndim(p) == 0 else np.asarray(p) for p in self._row_params(Z)]
        return params, {c: Z[:, j] for j, c in enumerate(columns)}

    def _theta(self) -> tuple[float, ...]:
        """Return the population parameters, in the order the math functions take them."""
        return tuple(self.params_[n] for n in self._param_names)

    def _theta_all(self) -> Array:
        return np.array([self.params_[n] for n in self._names()], dtype=np.float64)

    # ------------------------------------------------------------------ fitted state
    def _require_fitted(self, method: str) -> None:
        if not hasattr(self, "params_"):
            cls = type(self).__name__
            raise NotFittedError(
                f"This {cls} ({self._model_name}) is not fitted, so {method} cannot run: call "
                f"{cls}().fit(table) first, or build a model from known parameters with "
                f"{cls}.from_params({', '.join(f'{n}=...' for n in self._param_names)})"
            )

    @property
    def aic_(self) -> float:
        """Akaike information criterion, ``2 k - 2 loglik_`` (NaN without a likelihood)."""
        self._require_fitted("aic_")
        if self.loglik_ is None:
            return float("nan")
        return 2.0 * len(self.params_) - 2.0 * self.loglik_

    @property
    def bic_(self) -> float:
        """Bayesian information criterion, ``k log(n_customers_) - 2 loglik_``."""
        self._require_fitted("bic_")
        if self.loglik_ is None or self.n_customers_ is None:
            return float("nan")
        return len(self.params_) * math.log(self.n_customers_) - 2.0 * self.loglik_

    @keyword_shim("alpha")
    def param_table(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors and ``1 - alpha`` confidence intervals.

        Intervals are Wald intervals on the optimiser's scale ``log(theta - lower)`` mapped
        back (so they stay inside the parameter's range and are asymmetric); standard errors
        are on the natural scale (delta method). Covariate coefficients have symmetric Wald
        intervals. Both are NaN when the Hessian was singular, the model came from
        :meth:`from_params`, or the estimate is on the boundary of its range (see the
        model's ``fit_info_["boundary"]``).

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
        names = list(self.params_)
        theta = np.array([self.params_[n] for n in names])
        if self.cov_ is None:
            se = np.full(theta.shape, np.nan)
        else:
            with np.errstate(invalid="ignore"):
                se = np.sqrt(np.diag(self.cov_.loc[names, names].to_numpy(dtype=float)))
        u = self._to_internal(theta)
        with np.errstate(invalid="ignore"):
            se_u = se / self._dtheta_du(u)
            zq = float(norm.ppf(1.0 - alpha / 2.0))
            lower = self._to_natural(u - zq * se_u)
            upper = self._to_natural(u + zq * se_u)
        at_end = ~np.isfinite(u)
        lower[at_end] = upper[at_end] = np.nan
        return pd.DataFrame(
            {"estimate": theta, "std_error": se, "lower": lower, "upper": upper},
            index=pd.Index(names, name="parameter"),
        )

    # ------------------------------------------------------------------ I/O
    def get_params(self) -> dict[str, Any]:  # provided by _BaseModel
        raise NotImplementedError  # pragma: no cover

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
    def _covariates_from_names(cls, names: Sequence[str], what: str) -> dict[str, list[str]]:
        """Return the covariate columns implied by coefficient names such as ``purchase[channel]``."""
        prefixes = {
            prefix: group for group in cls._covariate_groups for prefix, _, _ in group.targets
        }
        found: dict[str, list[str]] = {g.keyword: [] for g in cls._covariate_groups}
        per_prefix: dict[str, list[str]] = {}
        for name in names:
            if name in cls._param_names:
                continue
            m = _COEF.match(name)
            if m is None or m["prefix"] not in prefixes:
                continue  # reported as unknown by _check_params
            group = prefixes[m["prefix"]]
            per_prefix.setdefault(m["prefix"], []).append(m["column"])
            if m["column"] not in found[group.keyword]:
                found[group.keyword].append(m["column"])
        for group in cls._covariate_groups:
            cols = found[group.keyword]
            for prefix, _, _ in group.targets:
                if sorted(per_prefix.get(prefix, [])) != sorted(cols):
                    need = ", ".join(f"{p}[{c}]" for p, _, _ in group.targets for c in cols)
                    raise ValueError(
                        f"{what}: the {group.keyword} coefficients come together: give {need}"
                    )
        return found

    @classmethod
    def _new(cls, **hyper: Any) -> Self:
        return cls(**hyper)

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """Build a model with known parameters, ready for prediction (no likelihood, no errors).

        Parameters
        ----------
        **params : float
            Exactly the model's parameters, by name. Covariate coefficients are given by
            their names (``**{"purchase[channel]": 0.4}``); the model then reads those
            covariate columns.

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
        what = f"{cls.__name__}.from_params"
        covariates = cls._covariates_from_names(list(params), what)
        model = cls._new(**{k: v for k, v in covariates.items() if v})
        model._check_covariate_names(what)
        model.params_ = model._check_params(params, what)
        model.cov_ = None
        model.loglik_ = None
        model.n_customers_ = None
        model.fit_info_ = {"optimizer": None, "source": "from_params"}
        return model

    def _check_covariate_names(self, what: str) -> None:  # provided by _BaseModel
        raise NotImplementedError  # pragma: no cover

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
        model.params_ = model._check_params(data["params"], f"{cls.__name__}.from_dict")
        cov = data.get("cov")
        names = list(model._names())
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

    def _row_params(self, Z: Array | None) -> list[Any]:  # provided by _BaseModel
        raise NotImplementedError  # pragma: no cover

    def _check_hyperparameters(self) -> np.ndarray | None:  # provided by _BaseModel
        raise NotImplementedError  # pragma: no cover
