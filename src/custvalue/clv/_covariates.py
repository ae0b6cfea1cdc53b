"""Time-invariant covariates: per-customer parameters from table columns.

A model with covariates replaces some population parameters by per-customer values, with the
conventions of CLVTools (Bachmann, Meierer & Naef) and pymc-marketing so that results compare
one to one (Fader & Hardie 2007, "Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models", note 019):

* purchase process: ``alpha_i = alpha * exp(-gamma_purchase . z_i)`` (a positive coefficient
  means more purchases);
* BG/NBD and MBG/NBD dropout: ``a_i = a * exp(gamma_a . w_i)``, ``b_i = b * exp(gamma_b . w_i)``;
* Pareto/NBD and GGompertz/NBD dropout: ``beta_i = beta * exp(-gamma_dropout . w_i)`` (a
  positive coefficient means earlier dropout);
* Gamma-Gamma spend: ``gamma_i = gamma * exp(gamma_spend . z_i)`` (a positive coefficient
  means higher spend per transaction).

The coefficients are parameters like the others: in ``params_`` under the names
``"<group>[<column>]"`` (``"purchase[channel]"``, ``"dropout[age]"``, ``"dropout_a[age]"``,
``"dropout_b[age]"``, ``"spend[segment]"``), with standard errors, never penalised, on the
whole real line (the optimiser works on them directly).

The likelihood of a covariate model is the model's own per-customer likelihood at the
customer's parameters, so the math functions are called with one parameter value per row;
the gradient follows by the chain rule (:class:`Layout`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import Checks
from ._problem import Columns, Problem

__all__ = ["CovariateGroup", "Layout", "covariate_columns", "covariate_problem", "layout"]

Array = NDArray[np.float64]

ENCODING_HINT = (
    "use numeric columns: encode a categorical one as 0/1 dummies, e.g. "
    "pandas.get_dummies(table, columns=[...], drop_first=True, dtype=float) (booleans are "
    "read as 0/1)"
)


@dataclass(frozen=True)
class CovariateGroup:
    """One constructor argument naming covariate columns, and the parameters they move.

    Attributes
    ----------
    keyword : str
        The constructor argument, e.g. ``"purchase_covariates"``.
    targets : tuple of (prefix, parameter, sign)
        For each parameter the columns act on: the coefficient names' prefix, the
        parameter, and the sign of the exponent (``parameter_i = parameter *
        exp(sign * coef . z_i)``).
    """

    keyword: str
    targets: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class Layout:
    """Where the coefficients are in the parameter vector and what they multiply.

    Attributes
    ----------
    n_base : int
        Population parameters (the model's ``_param_names``), first in the vector.
    names : tuple of str
        Every parameter, base first, then the coefficients.
    columns : tuple of str
        The covariate columns, in the order of the covariate matrix (the union of every
        group's columns, in order of first appearance).
    terms : tuple of (int, tuple of int, tuple of int, float)
        Per moved parameter: its position, the positions of its coefficients in the vector,
        the matching columns of the covariate matrix, and the sign.
    """

    n_base: int
    names: tuple[str, ...]
    columns: tuple[str, ...]
    terms: tuple[tuple[int, tuple[int, ...], tuple[int, ...], float], ...]

    def row_params(self, theta: Sequence[float] | Array, Z: Array | None) -> list[Any]:
        """Per-row parameters: scalars for the unmoved ones, arrays (rows,) for the others."""
        out: list[Any] = [float(v) for v in theta[: self.n_base]]
        if Z is None or not self.terms:
            return out
        coef = np.asarray(theta, dtype=np.float64)
        for j, cpos, zpos, sign in self.terms:
            eta = Z[:, list(zpos)] @ coef[list(cpos)]
            out[j] = out[j] * np.exp(sign * eta)
        return out


def layout(
    base_names: Sequence[str],
    groups: Sequence[CovariateGroup],
    columns_by_keyword: Mapping[str, Sequence[str]],
) -> Layout:
    """Build the :class:`Layout` of a model with the given covariate columns."""
    names = list(base_names)
    union: list[str] = []
    terms = []
    for group in groups:
        cols = list(columns_by_keyword.get(group.keyword) or ())
        for col in cols:
            if col not in union:
                union.append(col)
        for prefix, param, sign in group.targets:
            if not cols:
                continue
            cpos = tuple(range(len(names), len(names) + len(cols)))
            names.extend(f"{prefix}[{c}]" for c in cols)
            zpos = tuple(union.index(c) for c in cols)
            terms.append((list(base_names).index(param), cpos, zpos, float(sign)))
    return Layout(len(base_names), tuple(names), tuple(union), tuple(terms))


def covariate_columns(table: pd.DataFrame, columns: Sequence[str], what: str) -> tuple[Array, ...]:
    """Read the covariate columns as float arrays (bool as 0/1), or raise naming the problem.

    Missing columns, non-numeric dtypes (categoricals, strings: they need an explicit
    encoding), missing and infinite values are collected and raised as one
    DataValidationError.
    """
    checks = Checks(f"{what}: covariates", ids=table.index)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        checks.add(
            None,
            f"missing covariate column(s) {missing}: pass a table with every covariate the "
            "model reads",
            len(missing),
        )
        checks.raise_if_failed()
    out = []
    for col in columns:
        s = table[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            if s.isna().any():
                checks.rows(s.isna().to_numpy(), col, "missing values")
                out.append(np.zeros(len(s)))
                continue
            out.append(s.to_numpy(dtype="float64"))
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype):
            checks.add(col, f"non-numeric covariate (dtype {s.dtype}): {ENCODING_HINT}", len(s))
            out.append(np.zeros(len(s)))
            continue
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        checks.rows(np.isnan(v), col, "missing values")
        checks.rows(np.isinf(v), col, "infinite values")
        out.append(v)
    checks.raise_if_failed()
    return tuple(out)


def covariate_problem(
    loglik_grad: Callable[..., tuple[Array, Array]],
    lay: Layout,
    *,
    name: str,
    lower: Sequence[float],
    shape_params: Sequence[str],
    penalizer: float,
    n_data: int,
) -> Problem:
    """Return the solver's view of a covariate model.

    ``loglik_grad(*row_params, *data_columns) -> (ll (n,), grad (n, n_base))`` is the
    model's per-customer likelihood, called with one value per row for the moved
    parameters; the columns handed to the solver are the data columns followed by the
    covariate columns (``n_data`` of the former).
    """
    names = lay.names
    free = tuple(i >= lay.n_base for i in range(len(names)))
    lows = np.concatenate([np.asarray(lower, dtype=np.float64), np.zeros(len(names) - lay.n_base)])

    def prepare(cols: Columns, counts: Array) -> Any:
        data = tuple(np.asarray(c, dtype=np.float64) for c in cols[:n_data])
        Z = np.column_stack(cols[n_data:]) if len(cols) > n_data else np.zeros((len(counts), 0))
        return data, Z, counts

    def weighted(theta: Array, prepared: Any) -> tuple[float, Array]:
        data, Z, counts = prepared
        params = lay.row_params(theta, Z)
        n = counts.shape[0]
        params = [p if np.ndim(p) == 0 else np.broadcast_to(p, (n,)) for p in params]
        ll, g = loglik_grad(*params, *data)
        grad = _chain(lay, theta, params, np.asarray(g, dtype=np.float64), Z, counts)
        return float(np.einsum("i,i->", counts, ll)), grad

    return Problem(
        name=name,
        param_names=names,
        lower=lows,
        shape=np.array([n in shape_params for n in names]),
        penalizer=float(penalizer),
        prepare=prepare,
        weighted=weighted,
        weighted_hess=None,
        free=np.asarray(free, dtype=bool),
    )


def _chain(
    lay: Layout, theta: Array, params: list[Any], g: Array, Z: Array, counts: Array
) -> Array:
    """Gradient in (base parameters, coefficients) from per-row gradients (chain rule).

    ``p_ij = theta_j exp(sign coef . z_i)``: ``d p_ij / d theta_j = p_ij / theta_j`` and
    ``d p_ij / d coef_k = sign p_ij z_ik``.
    """
    grad = np.zeros(len(lay.names))
    cg = g * counts[:, None]
    grad[: lay.n_base] = cg.sum(axis=0)
    for j, cpos, zpos, sign in lay.terms:
        w = cg[:, j] * np.asarray(params[j], dtype=np.float64)
        grad[j] = float(np.sum(w)) / float(theta[j])
        grad[list(cpos)] = sign * (Z[:, list(zpos)].T @ w)
    return grad
